#!/usr/bin/env bash
# Same bits on mixed hardware (README, "Determinism on mixed hardware"): the examples with
# built-in models give bit-identical populations when glibc is told to use its pre-AVX2, non-FMA
# code paths (what an older node of the same cluster runs). Before abcsmc had its own
# transcendental functions, B1 with seed 3 differed here. When ABCSMC_NATIVE names a build of
# abcsmc with -march=native, its populations must be the same too.
source "$(dirname "$0")/common.sh"
grep -qw fma /proc/cpuinfo || { echo "CPU without FMA: the tunable changes nothing here"; exit 77; }
# Where ld.so can tell (glibc >= 2.33), make sure glibc honours the tunable (else this test would
# compare a run with itself): the x86-64-v3 hwcaps level goes away under it.
ldso=/lib64/ld-linux-x86-64.so.2
if [ -x "$ldso" ] && "$ldso" --list-diagnostics > /dev/null 2>&1; then
  levels() { "$ldso" --list-diagnostics | grep '^dl_hwcaps_subdirs_active=' || true; }
  [ "$(levels)" != "$(GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA levels)" ] ||
    { echo "glibc ignores GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA here"; exit 77; }
fi
for example in gaussian gaussian_mixture model_selection sir; do
  cfg="$ABCSMC_SOURCE_DIR/config/examples/$example.yaml"
  expect_status 0 "$ABCSMC" run "$cfg" --seed 3 -o "$example.a.h5" --overwrite --sampler single
  GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA \
    expect_status 0 "$ABCSMC" run "$cfg" --seed 3 -o "$example.b.h5" --overwrite --sampler single
  "$ABCSMC" inspect "$example.a.h5" --generation all --format csv > "$example.a.csv"
  "$ABCSMC" inspect "$example.b.h5" --generation all --format csv > "$example.b.csv"
  cmp -s "$example.a.csv" "$example.b.csv" ||
    fail "$example: populations differ under GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA"
  if [ -n "${ABCSMC_NATIVE:-}" ]; then
    expect_status 0 "$ABCSMC_NATIVE" run "$cfg" --seed 3 -o "$example.n.h5" --overwrite --sampler single
    "$ABCSMC" inspect "$example.n.h5" --generation all --format csv > "$example.n.csv"
    cmp -s "$example.a.csv" "$example.n.csv" || fail "$example: populations differ with -march=native"
  fi
done
echo "ok"
