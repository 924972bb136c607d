#!/usr/bin/env bash
# sge/submit-redis.sh under a real SGE cell: a password-protected redis-server on a random
# loopback port, the master (redis-master.qsub) and a `qsub -t 1-2` worker array
# (redis-workers.qsub) submitted together. The run is bit-identical to a single-process run, the
# workers' runtime follows h_rt, the master deletes the workers' job when the run is complete,
# and the password never shows in a log or in the jobs' environment.
source "$(dirname "$0")/sge_common.sh"
cfg=$ABCSMC_SOURCE_DIR/tests/mpi/determinism.yaml
expect_status 0 "$ABCSMC" run "$cfg" -o single.h5 --sampler single
start_redis

# Everything through variables, the password through a file (mode 600).
export ABCSMC_BIN=$ABCSMC ABCSMC_OUTPUT=$PWD/redis.h5 ABCSMC_REDIS_HOST=127.0.0.1 ABCSMC_REDIS_PORT=$REDIS_PORT \
  ABCSMC_REDIS_PASSWORD_FILE=$PWD/redis.pw ABCSMC_WALLTIME=0:10:0 ABCSMC_QSUB_ARGS="-o $ABCSMC_TMP -j y" \
  ABCSMC_MASTER_QSUB_ARGS="-N $JOB_PREFIX-master" ABCSMC_WORKER_QSUB_ARGS="-N $JOB_PREFIX-workers"
remember "$JOB_PREFIX-master"; remember "$JOB_PREFIX-workers"
unset ABCSMC_REDIS_PASSWORD
bash "$SGE_TEMPLATES/submit-redis.sh" "$cfg" 2 > submitted.txt 2> submit.err || { cat submit.err >&2; fail "submit-redis.sh failed"; }
wjob=$(sed -n 's/^workers //p' submitted.txt); mjob=$(sed -n 's/^master //p' submitted.txt)
[ -n "$wjob" ] && [ -n "$mjob" ] || { cat submitted.txt submit.err >&2; fail "submit-redis.sh did not print both job ids"; }
# While the jobs are known to SGE: the password is not in their environment (qstat -j env_list).
timeout 20 qstat -j "$mjob" > master.qstat 2>&1 || true
timeout 20 qstat -j "$wjob" > workers.qstat 2>&1 || true
grep -q "ABCSMC_REDIS_PASSWORD_FILE=$PWD/redis.pw" master.qstat || { cat master.qstat >&2; fail "the master job does not carry ABCSMC_REDIS_PASSWORD_FILE"; }

wait_gone "$JOB_PREFIX-master" 150
wait_gone "$JOB_PREFIX-workers" 90
mlog=$(job_logs "$JOB_PREFIX-master"); wlog=$(job_logs "$JOB_PREFIX-workers")
echo "$mlog" | grep -q "exit 0: the run is complete" || { echo "$mlog" "$wlog" >&2; fail "the master did not complete the run"; }
echo "$mlog" | grep -q "deleted the workers' job $wjob" || { echo "$mlog" >&2; fail "the master did not delete the workers' job"; }
same_results single.h5 redis.h5 "SGE master + qsub -t 1-2 redis workers vs single-process"
"$ABCSMC" inspect redis.h5 | grep -q "sampler  *redis, dynamic scheduling" || fail "redis.h5 does not record the redis sampler"

# Both array tasks ran a worker with the runtime taken from h_rt (600 s - 60 s margin), served
# the run, and left after qdel (SIGUSR2 -> SIGTERM: after the current claim, exit 0).
[ "$(log_files "$JOB_PREFIX-workers" | wc -l)" -eq 2 ] || { echo "$wlog" >&2; fail "expected 2 worker task logs"; }
for f in $(log_files "$JOB_PREFIX-workers"); do
  grep -q "task [12] on .*--runtime 540s" "$f" || { cat "$f" >&2; fail "$f: worker runtime not derived from h_rt=600"; }
  grep -q "joined run" "$f" || { cat "$f" >&2; fail "$f: worker did not join the run"; }
  grep -q "worker exited with status 0" "$f" || { cat "$f" >&2; fail "$f: worker did not leave cleanly"; }
done

# The templates on their own, the password in a variable of the user's choice
# (ABCSMC_REDIS_PASSWORD_ENV names it; qsub -v passes it by name).
unset ABCSMC_REDIS_PASSWORD_FILE ABCSMC_WALLTIME
export MY_REDIS_SECRET=$REDIS_PASSWORD ABCSMC_REDIS_PASSWORD_ENV=MY_REDIS_SECRET ABCSMC_OUTPUT=$PWD/named.h5
vars=ABCSMC_BIN,ABCSMC_OUTPUT,ABCSMC_REDIS_HOST,ABCSMC_REDIS_PORT,ABCSMC_REDIS_PASSWORD_ENV,MY_REDIS_SECRET
wjob=$(submit "$JOB_PREFIX-w2" -t 1-2 -l h_rt=0:5:0 -v "$vars" "$SGE_TEMPLATES/redis-workers.qsub")
submit_sync "$JOB_PREFIX-m2" -v "$vars,ABCSMC_CONFIG=$cfg,ABCSMC_WORKER_JOB=$wjob" "$SGE_TEMPLATES/redis-master.qsub"
[ "$JOB_RC" -eq 0 ] || { job_logs "$JOB_PREFIX-m2" >&2; job_logs "$JOB_PREFIX-w2" >&2; fail "master with ABCSMC_REDIS_PASSWORD_ENV exited $JOB_RC"; }
wait_gone "$JOB_PREFIX-w2" 90
same_results single.h5 named.h5 "password from a named variable vs single-process"
for f in $(log_files "$JOB_PREFIX-w2"); do
  grep -q "task [12] on .*--runtime 270s" "$f" || { cat "$f" >&2; fail "$f: worker runtime not derived from h_rt=300"; }
done

# A wrong password: exit 2 (a config error, not resumable), no resubmission.
export MY_REDIS_SECRET=wrong-$RANDOM ABCSMC_OUTPUT=$PWD/wrong.h5
submit_sync "$JOB_PREFIX-wrong" -v "$vars,ABCSMC_CONFIG=$cfg" "$SGE_TEMPLATES/redis-master.qsub"
[ "$JOB_RC" -eq 2 ] || { job_logs "$JOB_PREFIX-wrong" >&2; fail "a wrong password exited $JOB_RC, expected 2"; }
[ "$(log_files "$JOB_PREFIX-wrong" | wc -l)" -eq 1 ] || fail "a job with a wrong password was resubmitted"

# The password: nowhere in the logs, the submission output or the jobs' environment.
if grep -rqF -- "$REDIS_PASSWORD" "$ABCSMC_TMP"/*.o* "$ABCSMC_TMP"/*.sync submitted.txt submit.err master.qstat workers.qstat; then
  fail "the Redis password appears in a log or in qstat -j"
fi
echo "sge redis: all checks passed"
