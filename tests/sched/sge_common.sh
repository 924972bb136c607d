# Shared set-up for the SGE template tests (sourced, not a test itself). The cell is started by
# tests/sched/sge_cluster.sh (ctest fixture), which writes $ABCSMC_SCHED_DIR/sge/env.sh.
# Environment (tests/CMakeLists.txt): ABCSMC, ABCSMC_BIN_DIR, ABCSMC_SOURCE_DIR, ABCSMC_SCHED_DIR,
# ABCSMC_TMP. Provides fail/expect_status/same_results/generations/wait_for_generation
# (tests/cli/common.sh), start_redis_server (tests/support/redis_server.sh) and:
#   submit NAME QSUB-ARGS...      qsub -terse with this test's job name and log directory
#   submit_sync NAME QSUB-ARGS... the same with -sync y; sets JOB_RC (the job's exit status)
#   wait_gone NAME [SECONDS]      waits until no job NAME is left (resubmissions included)
#   job_logs NAME                 the logs of every job NAME, oldest first
#   same_prefix A B T             generations 0..T-1 of A and B are identical
source "$ABCSMC_SOURCE_DIR/tests/cli/common.sh"
source "$ABCSMC_SOURCE_DIR/tests/support/redis_server.sh"
: "${ABCSMC_SCHED_DIR:?scratch directory of the scheduler tests}" "${ABCSMC_BIN_DIR:?}"
SGE_ENV=$ABCSMC_SCHED_DIR/sge/env.sh
[ -r "$SGE_ENV" ] || fail "no SGE cell: $SGE_ENV is missing (tests/sched/sge_cluster.sh start sets it up)"
source "$SGE_ENV"
timeout 20 qstat >/dev/null || fail "qstat does not answer: the SGE cell is not running"
SGE_TEMPLATES=$ABCSMC_SOURCE_DIR/sge
# Jobs run as root here: Open MPI needs both variables (qsub -v passes them to the job).
ROOT_ENV=OMPI_ALLOW_RUN_AS_ROOT=1,OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Every job name starts with this prefix (sge_cluster.sh deletes such jobs left by a killed test).
JOB_PREFIX=$SGE_TEST_JOB_PREFIX-$(basename "$0" _test.sh | sed 's/^sge_//')
JOB_NAMES=()
REDIS_PID=""
sge_cleanup() {
  local n
  for n in "${JOB_NAMES[@]}"; do timeout 20 qdel -f "$n" >/dev/null 2>&1 || true; done
  [ -n "$REDIS_PID" ] && kill -9 "$REDIS_PID" 2>/dev/null || true
}
trap sge_cleanup EXIT

remember() { local n; for n in "${JOB_NAMES[@]}"; do [ "$n" = "$1" ] && return 0; done; JOB_NAMES+=("$1"); }
# submit NAME QSUB-ARGS...: prints the job id; the log goes to $ABCSMC_TMP/NAME.o<id>.
submit() {
  local name=$1; shift
  remember "$name"
  local out
  out=$(timeout 30 qsub -terse -N "$name" -o "$ABCSMC_TMP" -j y "$@" 2>&1) || fail "qsub $*: $out"
  echo "${out%%.*}"
}
# submit_sync NAME QSUB-ARGS...: submits, waits for the job (at most 150 s) and sets JOB_RC.
submit_sync() {
  local name=$1; shift
  remember "$name"
  set +e
  timeout 150 qsub -sync y -N "$name" -o "$ABCSMC_TMP" -j y "$@" > "$name.sync" 2>&1
  JOB_RC=$?
  set -e
  grep -q "exited with exit code" "$name.sync" || { cat "$name.sync" >&2; job_logs "$name" >&2; fail "qsub -sync y $name did not report the job's end"; }
}
# wait_gone NAME [SECONDS]: waits until no job called NAME is queued or running.
wait_gone() {
  local name=$1 limit=${2:-120} start=$SECONDS
  while timeout 20 qstat -j "$name" >/dev/null 2>&1; do
    if ((SECONDS - start > limit)); then
      qstat >&2 || true
      job_logs "$name" >&2
      fail "jobs $name still there after ${limit}s"
    fi
    sleep 0.5
  done
}
# job_logs NAME: every log of jobs NAME (job id order), each after a header line.
job_logs() {
  local f
  for f in $(log_files "$1"); do echo "===== $f"; cat "$f"; done
}
# log_files NAME: the log files of jobs NAME, in job id order.
log_files() { ls "$ABCSMC_TMP/$1".o* 2>/dev/null | awk -F'.o' '{print $NF "\t" $0}' | sort -n | cut -f2; }
# same_prefix A B T: generations 0..T-1 of results files A and B are identical, bit for bit.
same_prefix() {
  local a=$1 b=$2 n=$3 t
  for ((t = 0; t < n; t++)); do
    cmp -s <("$ABCSMC" inspect "$a" --format json --generation "$t") <("$ABCSMC" inspect "$b" --format json --generation "$t") ||
      fail "generation $t of $a differs from $b"
  done
}
# start_redis: a private password-protected redis-server on a random free loopback port; sets
# REDIS_PORT and REDIS_PASSWORD, and writes the password to $PWD/redis.pw (mode 600).
start_redis() {
  REDIS_PASSWORD="pw-$RANDOM-$RANDOM-sge"
  start_redis_server "$REDIS_PASSWORD"
  (umask 077; echo "$REDIS_PASSWORD" > "$PWD/redis.pw")
}
