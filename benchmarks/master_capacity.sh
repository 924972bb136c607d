#!/usr/bin/env bash
# How many workers one master serves (issue 17, part 4), through the real command line.
#
# Usage: bash benchmarks/master_capacity.sh [build-dir]
#   Env: WORKERS (default 1000) worker processes for the many-workers run, MANY=0 skips it,
#   REDIS=0 / MPI=0 skip the per-batch costs.
#
# 1. Redis, per batch: B1's model (~0.3 us a simulation) at batch size 1, population 2000, so
#    every simulation is one claim and one result. The master's CPU seconds (user + sys, from
#    /usr/bin/time; it blocks in BLPOP when idle, so CPU time is work) and redis-server's (from
#    /proc) divided by the batches give each one's cost per batch; one master then serves
#    workers = batch x simulation time / cost, for whichever of the two is larger.
# 2. MPI rank 0, per request: the same run under mpirun at batch size 1 with 1, 2 and 4 workers;
#    requests answered per second of the sampling phase (simulations / summed generation
#    seconds). Workers share the 2 cores with rank 0, so this is a lower bound of its capacity.
# 3. Many workers: WORKERS Redis worker processes (one `abcsmc redis-worker --processes`) for a
#    whole run of B2's model (Exponential(2 ms) sleeps, population 1000, 3 generations): every
#    generation identical to a single-core run, and the memory per worker (PSS, which splits
#    shared pages fairly) sampled during the run.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
abcsmc="$(cd "$build" && pwd)/abcsmc"
tmp=$(mktemp -d)
source "$(dirname "$0")/common.sh"  # gen_sums
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

cat > "$tmp/b1.yaml" <<'YAML'
seed: 1
population_size: 2000
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {builtin: gaussian_mean, options: {n: 10, sigma: 1}}
observed: {y: 0.5}
epsilon: {type: quantile, alpha: 0.5, calibration_size: 2000}
stop: {max_generations: 4}
YAML

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(date -u +%Y-%m-%d)"

rpid=
start_redis() {
  port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  export ABCSMC_REDIS_PASSWORD="bench-$RANDOM-$RANDOM"
  redis-server --bind 127.0.0.1 --port "$port" --requirepass "$ABCSMC_REDIS_PASSWORD" --save '' \
    --appendonly no --maxclients 20000 --daemonize yes --pidfile "$tmp/redis.pid" \
    --logfile "$tmp/redis.log" --dir "$tmp"
  until redis-cli -p "$port" -a "$ABCSMC_REDIS_PASSWORD" --no-auth-warning ping 2>/dev/null | grep -q PONG; do sleep 0.05; done
  rpid=$(cat "$tmp/redis.pid")
}
trap '[ -z "$rpid" ] || kill $rpid 2>/dev/null; rm -rf "$tmp"' EXIT
# cpu_seconds PID: user + system CPU seconds of a running process.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }

if [ "${REDIS:-1}" != 0 ]; then
  start_redis
  echo "== Redis: cost per batch at batch size 1 (B1 model, population 2000, 4 generations)"
  printf "%-8s %12s %14s %14s %12s\n" workers batches "master us/b" "redis us/b" "sims/s"
  for w in 1 2 4; do
    "$abcsmc" -q redis-worker --port "$port" --processes "$w" --runtime 1h > "$tmp/workers.log" 2>&1 &
    wp=$!
    r0=$(cpu_seconds "$rpid")
    /usr/bin/time -f "%U %S" -o "$tmp/master.time" "$abcsmc" -q run "$tmp/b1.yaml" -o "$tmp/redis_$w.h5" \
      --sampler redis --redis-port "$port" --batch-size 1 > /dev/null
    r1=$(cpu_seconds "$rpid")
    "$abcsmc" redis-manager --port "$port" stop > /dev/null
    wait "$wp"
    total=$(/usr/bin/python3 -c '
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    gens = f["generations"]
    print(int(f.attrs.get("calibration_simulations", 0)) + sum(int(gens[g].attrs["simulations"]) for g in gens))' "$tmp/redis_$w.h5")
    read -r sims secs < <(gen_sums "$tmp/redis_$w.h5")
    python3 -c "
u, s = open('$tmp/master.time').read().split()[:2]
b = $total
print(f'{$w:<8d} {b:12d} {(float(u)+float(s))/b*1e6:14.1f} {($r1-$r0)/b*1e6:14.1f} {$sims/$secs:12.0f}')"
  done
fi

if [ "${MPI:-1}" != 0 ]; then
  echo "== MPI rank 0: requests answered per second at batch size 1 (B1 model, population 2000)"
  printf "%-8s %14s\n" workers "requests/s"
  for w in 1 2 4; do
    mpirun -n $((w + 1)) "$abcsmc" -q run "$tmp/b1.yaml" -o "$tmp/mpi_$w.h5" --sampler mpi \
      --batch-size 1 > /dev/null
    read -r sims secs < <(gen_sums "$tmp/mpi_$w.h5")
    python3 -c "print(f'{$w:<8d} {$sims/$secs:14.0f}')"
  done
fi

if [ "${MANY:-1}" != 0 ]; then
  [ -n "$rpid" ] || start_redis
  n=${WORKERS:-1000}
  sed 's/^population_size: .*/population_size: 1000/; s/calibration_size: [0-9]*/calibration_size: 1000/;
       s/mean: 0.005/mean: 0.002/; s/max_generations: 4/max_generations: 3/; /^output:/d' \
    "$here/config/examples/b2_delay.yaml" > "$tmp/many.yaml"
  echo "== many workers: $n processes, B2 model with 2 ms sleeps, population 1000, 3 generations"
  "$abcsmc" -q run "$tmp/many.yaml" -o "$tmp/many_single.h5" --sampler single > /dev/null
  ulimit -n 20000
  started=$(date +%s.%N)
  "$abcsmc" -q redis-worker --port "$port" --processes "$n" --runtime 1h > "$tmp/many_workers.log" 2>&1 &
  wp=$!
  # Wait until every worker has registered (redis-manager info: Workers=W ...), then start.
  until [ "$("$abcsmc" redis-manager --port "$port" info | sed -n 's/.*Workers=\([0-9]*\).*/\1/p')" -ge "$n" ]; do
    sleep 0.5
  done
  ready=$(date +%s.%N)
  "$abcsmc" -q run "$tmp/many.yaml" -o "$tmp/many.h5" --sampler redis --redis-port "$port" \
    --batch-size 1 > /dev/null &
  mp=$!
  sleep 2
  pss_kb=0
  count=0
  for pid in $(pgrep -P "$wp"); do
    kb=$(awk '/^Pss:/{print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
    pss_kb=$((pss_kb + ${kb:-0}))
    count=$((count + 1))
  done
  wait "$mp"
  finished=$(date +%s.%N)
  "$abcsmc" redis-manager --port "$port" stop > /dev/null
  wait "$wp" || { tail -5 "$tmp/many_workers.log"; echo "workers failed" >&2; exit 1; }
  same=DIFFERENT
  cmp -s <("$abcsmc" inspect "$tmp/many.h5" --format csv) <("$abcsmc" inspect "$tmp/many_single.h5" --format csv) && same=identical
  read -r sims secs < <(gen_sums "$tmp/many.h5")
  python3 -c "
n=$n; c=$count; pss=$pss_kb
print(f'{c} worker processes ready in {$ready-$started:.1f} s; run {$finished-$ready:.1f} s, {$sims:.0f} simulations in generations')
print(f'memory per worker: {pss/max(c,1)/1024:.1f} MiB PSS ({pss/1024/1024:.2f} GiB for all)')
print(f'every generation $same to single core')"
fi
