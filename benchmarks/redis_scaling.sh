#!/usr/bin/env bash
# Redis bridge (issue 5): B2 scheduling efficiency, B1 throughput by batch size, and a soak run,
# through the real command line (`abcsmc run --sampler redis` + `abcsmc redis-worker`), against a
# private redis-server on a random loopback port with a password.
#
# Usage: bash benchmarks/redis_scaling.sh [build-dir] [b2-population] [workers...]
#   defaults: build 200 "2 8 16".  Env: B1=0 skips B1, B1_WORKERS (default 2),
#   B1_BATCHES (default "1 16 256"), B2_BATCHES (default "1 4"), SOAK=0 skips the soak,
#   SOAK_WORKERS (default 64), SOAK_POPULATION (default 400).
# Efficiency as in mpi_scaling.sh: ideal = simulations x 5 ms / workers against the summed
# generation seconds in the results file ("sampling"), and the single-core run's generation
# seconds / workers as the ideal ("vs single"). Workers sleep, so many workers on 2 cores is fair.
set -euo pipefail
build=${1:-build}
population=${2:-200}
shift $(( $# > 2 ? 2 : $# ))
workers=("$@")
[ ${#workers[@]} -gt 0 ] || workers=(2 8 16)
here=$(cd "$(dirname "$0")/.." && pwd)
abcsmc="$(cd "$build" && pwd)/abcsmc"
tmp=$(mktemp -d)
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
export ABCSMC_REDIS_PASSWORD="bench-$RANDOM-$RANDOM"
redis-server --bind 127.0.0.1 --port "$port" --requirepass "$ABCSMC_REDIS_PASSWORD" --save '' \
  --appendonly no --daemonize yes --pidfile "$tmp/redis.pid" --logfile "$tmp/redis.log" --dir "$tmp"
until redis-cli -p "$port" -a "$ABCSMC_REDIS_PASSWORD" --no-auth-warning ping 2>/dev/null | grep -q PONG; do sleep 0.05; done
rpid=$(cat "$tmp/redis.pid")
trap 'kill $rpid 2>/dev/null; rm -rf "$tmp"' EXIT

source "$(dirname "$0")/common.sh"  # gen_sums
# with_workers W CMD...: runs CMD with W worker processes serving it, then stops them.
with_workers() {
  local w=$1; shift
  "$abcsmc" -q redis-worker --port "$port" --processes "$w" --runtime 1h > "$tmp/workers.log" 2>&1 &
  local wp=$!
  "$@"
  "$abcsmc" redis-manager --port "$port" stop > /dev/null
  wait "$wp" || { cat "$tmp/workers.log"; echo "workers failed" >&2; exit 1; }
}

echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%d), $(redis-server --version | cut -d' ' -f1-3)"
echo "== B2 (population $population): efficiency = ideal / measured, ideal = sims x 5 ms / workers"
sed "s/^population_size: .*/population_size: $population/; s/calibration_size: [0-9]*/calibration_size: $population/" \
  "$here/config/examples/b2_delay.yaml" > "$tmp/b2.yaml"
"$abcsmc" -q run "$tmp/b2.yaml" -o "$tmp/b2_single.h5" --sampler single > /dev/null
read -r single_sims single_secs < <(gen_sums "$tmp/b2_single.h5")
echo "single core: $single_sims simulations in $single_secs s of generations"
printf "%-8s %-8s %12s %12s %10s %10s\n" workers batch sims seconds sampling "vs single"
for w in "${workers[@]}"; do
  for b in ${B2_BATCHES:-1 4}; do
    out="$tmp/b2_${w}_$b.h5"
    with_workers "$w" "$abcsmc" -q run "$tmp/b2.yaml" -o "$out" --sampler redis --redis-port "$port" --batch-size "$b" > /dev/null
    read -r sims secs < <(gen_sums "$out")
    python3 -c "
w=$w; sims=$sims; secs=$secs; single=$single_secs
print(f'{w:<8d} {$b:<8d} {sims:12.0f} {secs:12.3f} {sims*0.005/w/secs:10.3f} {single/w/secs:10.3f}')"
  done
done

if [ "${B1:-1}" != 0 ]; then
  w=${B1_WORKERS:-2}
  echo "== B1 (population 1000, 8 generations): whole-run simulations/s, $w workers"
  cat > "$tmp/b1.yaml" <<'YAML'
seed: 1
population_size: 1000
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {builtin: gaussian_mean, options: {n: 10, sigma: 1}}
observed: {y: 0.5}
epsilon: {type: quantile, alpha: 0.5, calibration_size: 1000}
stop: {max_generations: 8}
YAML
  printf "%-8s %14s\n" batch "sims/s"
  "$abcsmc" -q run "$tmp/b1.yaml" -o "$tmp/b1_single.h5" --sampler single > "$tmp/summary.txt"
  printf "%-8s %14s\n" "single" "$(sed -n 's/.*(\([0-9]*\) simulations\/s).*/\1/p' "$tmp/summary.txt")"
  for b in ${B1_BATCHES:-1 16 256}; do
    with_workers "$w" "$abcsmc" -q run "$tmp/b1.yaml" -o "$tmp/b1_$b.h5" --sampler redis --redis-port "$port" \
      --batch-size "$b" > "$tmp/summary.txt"
    printf "%-8s %14s\n" "$b" "$(sed -n 's/.*(\([0-9]*\) simulations\/s).*/\1/p' "$tmp/summary.txt")"
  done
fi

if [ "${SOAK:-1}" != 0 ]; then
  n=${SOAK_WORKERS:-64}
  pop=${SOAK_POPULATION:-400}
  echo "== soak: $n worker processes, B2 population $pop, compared with single core"
  sed "s/^population_size: .*/population_size: $pop/; s/calibration_size: [0-9]*/calibration_size: $pop/" \
    "$here/config/examples/b2_delay.yaml" > "$tmp/soak.yaml"
  "$abcsmc" -q run "$tmp/soak.yaml" -o "$tmp/soak_single.h5" --sampler single > /dev/null
  start=$(date +%s.%N)
  with_workers "$n" "$abcsmc" -q run "$tmp/soak.yaml" -o "$tmp/soak.h5" --sampler redis --redis-port "$port" --batch-size 1 > /dev/null
  end=$(date +%s.%N)
  same=different
  cmp -s <("$abcsmc" inspect "$tmp/soak.h5" --format csv) <("$abcsmc" inspect "$tmp/soak_single.h5" --format csv) && same=identical
  read -r sims secs < <(gen_sums "$tmp/soak.h5")
  python3 -c "print(f'soak: {$sims:.0f} simulations, {$secs:.2f} s of generations, wall {$end-$start:.2f} s, efficiency {$sims*0.005/$n/$secs:.3f}; last generation $same to single core')"
fi
