#!/usr/bin/env bash
# submit-redis.sh: submits one Redis-backed ABC-SMC run to Grid Engine: a job array of workers
# (redis-workers.qsub) and the master (redis-master.qsub), which deletes the workers' job when
# the run is over. Prints the two job ids ("workers ID" and "master ID").
#
#   ABCSMC_REDIS_HOST=redis01 ABCSMC_REDIS_PASSWORD_FILE=~/.abcsmc-redis ABCSMC_WALLTIME=4:00:00 \
#     sge/submit-redis.sh run.yaml 20
#
# Arguments: CONFIG (required), WORKERS (array size; default 4).
# Environment (all optional; each is handed to the jobs by name with qsub -v NAME, so no value
# is ever on a command line):
#   ABCSMC_OUTPUT ABCSMC_BIN ABCSMC_ARGS ABCSMC_MAX_SUBMISSIONS ABCSMC_STOP_GRACE
#     ABCSMC_DEADLINE_MARGIN                                                         (master)
#   ABCSMC_WORKER_RUNTIME ABCSMC_RUNTIME_MARGIN ABCSMC_WORKER_PROCESSES ABCSMC_WORKER_ARGS (workers)
#   ABCSMC_REDIS_HOST ABCSMC_REDIS_PORT ABCSMC_REDIS_PASSWORD_ENV ABCSMC_REDIS_PASSWORD_FILE (both)
#   the password variable itself (ABCSMC_REDIS_PASSWORD or the one ABCSMC_REDIS_PASSWORD_ENV
#     names) when no password file is given; note that `qstat -j` then shows it in env_list
#   ABCSMC_WALLTIME           h_rt of both jobs (e.g. 4:00:00); the workers' runtime follows it
#   ABCSMC_QSUB_ARGS          more qsub options for both jobs, e.g. "-q long.q -P myproject"
#   ABCSMC_MASTER_QSUB_ARGS   more qsub options for the master only
#   ABCSMC_WORKER_QSUB_ARGS   more qsub options for the workers only, e.g. "-pe smp 4"
#   ABCSMC_SGE_DIR            where the .qsub templates are; default: this script's directory
# Stop at the first error.
set -euo pipefail
# The run's config (required).
config=${1:?usage: submit-redis.sh CONFIG [WORKERS]}
# The size of the worker array.
workers=${2:-4}
# Where the .qsub templates are.
dir=${ABCSMC_SGE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# A worker count must be a whole number >= 1.
[[ $workers =~ ^[1-9][0-9]*$ ]] || { echo "submit-redis.sh: WORKERS must be a whole number >= 1, got '$workers'" >&2; exit 2; }
# The config must exist here (the jobs read it from the same path).
[ -r "$config" ] || { echo "submit-redis.sh: cannot read config '$config'" >&2; exit 2; }

# The config goes to both jobs like every other setting: by name.
export ABCSMC_CONFIG=$config
# The variables the jobs understand, passed by name when set here.
names=(ABCSMC_CONFIG ABCSMC_OUTPUT ABCSMC_BIN ABCSMC_ARGS ABCSMC_MAX_SUBMISSIONS ABCSMC_STOP_GRACE
       ABCSMC_DEADLINE_MARGIN ABCSMC_WORKER_RUNTIME ABCSMC_RUNTIME_MARGIN ABCSMC_WORKER_PROCESSES
       ABCSMC_WORKER_ARGS ABCSMC_REDIS_HOST ABCSMC_REDIS_PORT ABCSMC_REDIS_PASSWORD_ENV
       ABCSMC_REDIS_PASSWORD_FILE)
# The name of the variable that holds the password.
pw_env=${ABCSMC_REDIS_PASSWORD_ENV:-ABCSMC_REDIS_PASSWORD}
# Only a plain variable name is accepted.
[[ $pw_env =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { echo "submit-redis.sh: ABCSMC_REDIS_PASSWORD_ENV must be a variable name" >&2; exit 2; }
# Without a password file, the password variable itself goes along (by name), with a warning.
if [ -z "${ABCSMC_REDIS_PASSWORD_FILE:-}" ] && [ -n "${!pw_env:-}" ]; then
  names+=("$pw_env")
  echo "submit-redis.sh: note: the password goes in the jobs' environment (visible in qstat -j); ABCSMC_REDIS_PASSWORD_FILE avoids that" >&2
fi
# A password file is read on the execution hosts: make its path absolute.
if [ -n "${ABCSMC_REDIS_PASSWORD_FILE:-}" ]; then
  ABCSMC_REDIS_PASSWORD_FILE=$(cd "$(dirname "$ABCSMC_REDIS_PASSWORD_FILE")" && pwd)/$(basename "$ABCSMC_REDIS_PASSWORD_FILE")
  export ABCSMC_REDIS_PASSWORD_FILE
fi
# The names that are set, comma-separated for qsub -v (values come from the environment).
vars=()
for n in "${names[@]}"; do [ -n "${!n+x}" ] && vars+=("$n"); done
vlist=$(IFS=,; echo "${vars[*]}")

# qsub options for both jobs, split at blanks.
read -r -a common <<< "${ABCSMC_QSUB_ARGS:-}"
# The run-time limit of both jobs, when given.
[ -n "${ABCSMC_WALLTIME:-}" ] && common+=(-l "h_rt=$ABCSMC_WALLTIME")
# qsub options for the workers only.
read -r -a wargs <<< "${ABCSMC_WORKER_QSUB_ARGS:-}"
# qsub options for the master only.
read -r -a margs <<< "${ABCSMC_MASTER_QSUB_ARGS:-}"

# Workers first (they wait for work): -terse prints "ID.1-N:1".
wjob=$(qsub -terse -t "1-$workers" "${common[@]}" "${wargs[@]}" -v "$vlist" "$dir/redis-workers.qsub")
# The job id alone.
wjob=${wjob%%.*}
# The master deletes the workers' job when the run is over.
export ABCSMC_WORKER_JOB=$wjob
# Then the master.
mjob=$(qsub -terse "${common[@]}" "${margs[@]}" -v "$vlist,ABCSMC_WORKER_JOB" "$dir/redis-master.qsub")
# Both ids, for the caller.
echo "workers $wjob"
echo "master $mjob"
