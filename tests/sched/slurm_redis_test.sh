#!/usr/bin/env bash
# slurm/submit-redis.sh on the test cluster: a password-protected redis-server on a random
# loopback port, a worker array of 2 tasks (redis-workers.sbatch) and the master
# (redis-master.sbatch), the password in an environment variable only. The master must end
# COMPLETED with exit 0 and a result bit-identical to a single-process run; both workers must
# have served the run, with a --runtime matched to their time limit, and the master must have
# cancelled the array at the end. The password must appear in no job's command line or log.
source "$(dirname "$0")/slurm_common.sh"
# 20 ms simulations, 3 generations: a run of about 3 s on 2 workers, so that both workers (which
# start at about the same time as the master) surely take part.
slow_config redis.yaml 0.02 3
cfg=$PWD/redis.yaml
# A variable of our own name: the templates pass the NAME (ABCSMC_REDIS_PASSWORD_ENV), never the value.
export SLURM_TEST_REDIS_SECRET="pw-$RANDOM-$RANDOM-secret"
REDIS_PID=""
stop_redis() { cleanup_jobs; [ -n "$REDIS_PID" ] && kill -9 "$REDIS_PID" 2>/dev/null || true; }
trap stop_redis EXIT
source "$ABCSMC_SOURCE_DIR/tests/support/redis_server.sh"
start_redis_server "$SLURM_TEST_REDIS_SECRET"
PORT=$REDIS_PORT

reference_bg "$cfg" single.h5 --sampler threads --threads 32 --batch-size 1
# The cluster has 2 cores: the master and two workers share them (--oversubscribe, allowed by the
# partition's OverSubscribe=YES). Workers get a 2-minute limit: runtime = 120 s - margin 30 s.
# The master gets 10 minutes: its template's --signal=B:USR1@300 fires at once in a shorter job.
out=$(ABCSMC_CONFIG=$cfg ABCSMC_OUTPUT=$PWD/redis.h5 ABCSMC_REDIS_HOST=127.0.0.1 ABCSMC_REDIS_PORT=$PORT \
  ABCSMC_REDIS_PASSWORD_ENV=SLURM_TEST_REDIS_SECRET ABCSMC_WORKERS=2 ABCSMC_WORKER_MARGIN=30 \
  ABCSMC_MASTER_SBATCH_ARGS="--oversubscribe --time=10 -o $PWD/master-%j.out" \
  ABCSMC_WORKER_SBATCH_ARGS="--oversubscribe --time=2 -o $PWD/worker-%A_%a.out" \
  bash "$SLURM_DIR/submit-redis.sh") || fail "submit-redis.sh failed: $out"
master=$(sed -n 's/.*master=\([0-9]*\).*/\1/p' <<<"$out")
workers=$(sed -n 's/.*workers=\([0-9]*\).*/\1/p' <<<"$out")
[ -n "$master" ] && [ -n "$workers" ] || fail "submit-redis.sh printed '$out'"
JOBS+=("$master" "$workers")
wait "$REF" || fail "reference run failed"
if ps -eo args | grep -v grep | grep -qF "$SLURM_TEST_REDIS_SECRET"; then fail "the Redis password is on a command line"; fi
expect_job "$master" COMPLETED 0 120 "master-$master.out"
grep -q "redis-master: exit 0: run complete" "master-$master.out" || { cat "master-$master.out"; fail "no completion line"; }
grep -q "cancelling worker array $workers" "master-$master.out" || { cat "master-$master.out"; fail "the master did not cancel its workers"; }
# The array ends soon after the master cancelled it (the workers leave after their claim).
wait_job "$workers" 30
[ "$(h5attr redis.h5 sampler)" = redis ] || fail "sampler is '$(h5attr redis.h5 sampler)', expected redis"
same_results redis.h5 single.h5 "redis master + 2-worker array vs single-process"

for log in worker-"${workers}"_1.out worker-"${workers}"_2.out; do
  [ -f "$log" ] || fail "no worker log $log"
  # runtime matched to the limit: 120 s minus the 30 s margin, less what passed before the task started
  runtime=$(sed -n 's/.*runtime \([0-9]*\)s.*/\1/p' "$log")
  [ -n "$runtime" ] && [ "$runtime" -ge 60 ] && [ "$runtime" -le 90 ] ||
    { cat "$log"; fail "$log: worker runtime '$runtime' is not the 2-minute limit minus the 30 s margin"; }
  grep -q "server 127.0.0.1:$PORT" "$log" || { cat "$log"; fail "$log: worker not pointed at the server"; }
  # Both workers served the run (they start before the master: the array is submitted first).
  grep -q "joined run" "$log" || { cat "$log"; fail "$log: the worker never joined the run"; }
done
# The password is in no log (the job logs, redis-server's) and was never on a command line.
if grep -r -l -F "$SLURM_TEST_REDIS_SECRET" ./*.out ./*.err redis.log 2>/dev/null; then
  fail "the Redis password appears in a log"
fi
passed slurm_redis_test
