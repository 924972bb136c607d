#!/usr/bin/env bash
# MPI scaling (issue 4): B2 scheduling efficiency and B1 throughput through the real command
# line: `mpirun -n P abcsmc run` (rank 0 master, P-1 workers), figures read from the results
# file (per-generation simulations and wall_seconds, via h5dump) and the run's wall time.
#
# Usage: bash benchmarks/mpi_scaling.sh [build-dir] [b2-population] [workers...]
#   defaults: build 200 "2 4 8 16".  Env: B2_BIG_BATCH (default 16), B1=0 skips B1,
#   B1_BATCHES (default "1 16 256").
#
# B2 = config/examples/b2_delay.yaml (sleep ~ Exponential(mean 5 ms) per simulation, then B1's
# model; 4 generations) with the population given. Efficiency = ideal / measured with
# ideal = simulations x 5 ms / workers:
#   sampling: simulations and seconds summed over the generations in the results file;
#   whole:    all simulations (calibration included) against the wall time of the whole
#             mpirun (process start-up, MPI_Init, calibration, file writing included);
#   vs single: the single-core run's summed generation seconds / workers as the ideal instead
#             (the same simulations, each with its actual sleep and overshoot; SINGLE=0 skips).
# Sleeping workers oversubscribe 2 cores fine (mpirun turns on yield-when-idle).
# B1 = the conjugate Gaussian (population 1000, 8 generations, ~1 us per simulation): whole-run
# simulations/s as printed by `abcsmc run`. On a 2-core machine every rank beyond 2 shares a core,
# so B1 there measures the protocol's overhead, not scaling.
set -euo pipefail
build=${1:-build}
population=${2:-200}
shift $(( $# > 2 ? 2 : $# ))
workers=("$@")
[ ${#workers[@]} -gt 0 ] || workers=(2 4 8 16)
big=${B2_BIG_BATCH:-16}
here=$(cd "$(dirname "$0")/.." && pwd)
cmake --build "$build" --target abcsmc >/dev/null
abcsmc="$(cd "$build" && pwd)/abcsmc"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

source "$(dirname "$0")/common.sh"  # gen_sums

echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%d), $(mpirun --version | head -1)"
echo "== B2 (population $population): efficiency = ideal / measured, ideal = sims x 5 ms / workers"
sed "s/^population_size: .*/population_size: $population/; s/calibration_size: [0-9]*/calibration_size: $population/" \
  "$here/config/examples/b2_delay.yaml" > "$tmp/b2.yaml"
single_secs=0
if [ "${SINGLE:-1}" != 0 ]; then
  "$abcsmc" -q run "$tmp/b2.yaml" -o "$tmp/b2_single.h5" --sampler single > /dev/null
  read -r single_sims single_secs < <(gen_sums "$tmp/b2_single.h5")
  echo "single core: $single_sims simulations in $single_secs s of generations"
fi
printf "%-8s %-14s %12s %12s %10s %10s %10s\n" workers mode sims seconds sampling whole "vs single"
for w in "${workers[@]}"; do
  for mode in static "dynamic 1" "dynamic $big"; do
    set -- $mode
    args=(--scheduling "$1")
    [ "$1" = dynamic ] && args+=(--batch-size "$2")
    out="$tmp/b2_${w}_$1_${2:-0}.h5"
    start=$(date +%s.%N)
    mpirun -n $((w + 1)) "$abcsmc" -q run "$tmp/b2.yaml" -o "$out" --sampler mpi "${args[@]}" > "$tmp/summary.txt"
    end=$(date +%s.%N)
    read -r sims secs < <(gen_sums "$out")
    total=$(awk '/simulations:/{print $2}' "$tmp/summary.txt")
    python3 -c "
w=$w; sims=$sims; secs=$secs; total=$total; whole=$end-$start; single=$single_secs
vs = f'{single/w/secs:10.3f}' if single > 0 and \"$1\" == 'dynamic' else f'{\"-\":>10s}'
print(f'{w:<8d} {\"$mode\":<14s} {sims:12.0f} {secs:12.3f} {sims*0.005/w/secs:10.3f} {total*0.005/w/whole:10.3f} {vs}')"
  done
done

if [ "${B1:-1}" != 0 ]; then
  echo "== B1 (population 1000, 8 generations): whole-run simulations/s"
  cat > "$tmp/b1.yaml" <<'YAML'
seed: 1
population_size: 1000
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {builtin: gaussian_mean, options: {n: 10, sigma: 1}}
observed: {y: 0.5}
epsilon: {type: quantile, alpha: 0.5, calibration_size: 1000}
stop: {max_generations: 8}
YAML
  printf "%-8s %-8s %14s\n" workers batch "sims/s"
  "$abcsmc" -q run "$tmp/b1.yaml" -o "$tmp/b1_single.h5" --sampler single > "$tmp/summary.txt"
  printf "%-8s %-8s %14s\n" "single" "-" "$(sed -n 's/.*(\([0-9]*\) simulations\/s).*/\1/p' "$tmp/summary.txt")"
  for w in "${workers[@]}"; do
    for b in ${B1_BATCHES:-1 16 256}; do
      mpirun -n $((w + 1)) "$abcsmc" -q run "$tmp/b1.yaml" -o "$tmp/b1_${w}_$b.h5" --sampler mpi \
        --batch-size "$b" > "$tmp/summary.txt"
      printf "%-8s %-8s %14s\n" "$w" "$b" "$(sed -n 's/.*(\([0-9]*\) simulations\/s).*/\1/p' "$tmp/summary.txt")"
    done
  done
fi
