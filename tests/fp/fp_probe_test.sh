#!/usr/bin/env bash
# fp_probe_test.sh PROBE NATIVE_PROBE: the same bits from the normal build, from the same
# binary under glibc's non-FMA code paths, and from core + models compiled with -march=native.
set -euo pipefail
probe=$1 native=$2
"$probe" > normal.txt
GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA "$probe" > tunable.txt
"$native" > native.txt
cat normal.txt
cmp -s normal.txt tunable.txt || { diff normal.txt tunable.txt >&2; echo "FAIL: differs under GLIBC_TUNABLES" >&2; exit 1; }
cmp -s normal.txt native.txt || { diff normal.txt native.txt >&2; echo "FAIL: differs with -march=native" >&2; exit 1; }
echo ok
