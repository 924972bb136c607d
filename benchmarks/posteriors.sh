#!/usr/bin/env bash
# Posterior calibration of the default kernel against pyABC's defaults (issue 14): for each
# problem of tests/support/abc_cases.hpp, the mean over seeds of posterior variance / exact
# variance, the mean's error, the smallest ESS, the final acceptance rate and the simulations.
# Usage: bash benchmarks/posteriors.sh [build-dir]   (default: build; about 10 minutes)
set -euo pipefail
build=${1:-build}
cmake --build "$build" --target bench_posteriors >/dev/null
bench="$build/benchmarks/bench_posteriors"
pyabc="scaling=1 defensive=0 steps=1"   # pyABC's defaults (and abcsmc's before issue 14)
echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%d)"
while read -r case seeds n gens; do
  echo "defaults: $("$bench" "$case" "$seeds" "$n" "$gens")"
  # shellcheck disable=SC2086  # the settings are meant to split into words
  echo "pyABC:    $("$bench" "$case" "$seeds" "$n" "$gens" $pyabc)"
done <<'CASES'
gauss 300 300 8
gauss 100 1000 8
truncated 300 300 8
bimodal 60 1000 8
integer 300 300 8
gauss10 100 300 8
gauss50 3 1000 8
CASES
