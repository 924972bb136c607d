#!/usr/bin/env bash
# Submits an ABC-SMC run on the Redis sampler: a worker array (redis-workers.sbatch) and its
# master (redis-master.sbatch), which cancels the array when the run ends.
#
#   export ABCSMC_REDIS_HOST=head01 ABCSMC_REDIS_PORT=6379 ABCSMC_REDIS_PASSWORD=...  # server of your own
#   ABCSMC_WORKERS=32 slurm/submit-redis.sh run.yaml
#
# Prints "master=<job id> workers=<array job id>". Every variable of the two templates passes
# through the environment (sbatch --export=ALL): ABCSMC_CONFIG (or the first argument),
# ABCSMC_OUTPUT, ABCSMC_ARGS, ABCSMC_BIN, ABCSMC_REDIS_*, ABCSMC_WORKER_*. Variables of this
# script:
#   ABCSMC_WORKERS              workers (array tasks), default 4
#   ABCSMC_MASTER_SBATCH_ARGS   extra sbatch options of the master (e.g. "--time=4:00:00 -o m.out")
#   ABCSMC_WORKER_SBATCH_ARGS   extra sbatch options of the array (e.g. "--time=1:00:00 --cpus-per-task=8")
#   ABCSMC_SLURM_DIR            where the templates are (default: this script's directory)
set -euo pipefail                                   # any failed submission ends the script
CONFIG=${1:-${ABCSMC_CONFIG:-}}                     # the run config
[ -n "$CONFIG" ] || { echo "usage: $0 CONFIG (or set ABCSMC_CONFIG)" >&2; exit 2; }
export ABCSMC_CONFIG=$CONFIG                        # the master reads it from its environment
DIR=${ABCSMC_SLURM_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}   # the templates' directory
WORKERS=${ABCSMC_WORKERS:-4}                        # array size
read -r -a master_args <<<"${ABCSMC_MASTER_SBATCH_ARGS:-}"   # blank-separated sbatch options
read -r -a worker_args <<<"${ABCSMC_WORKER_SBATCH_ARGS:-}"   # blank-separated sbatch options
# The workers first: the master then knows the array to cancel when the run is over. Either may
# start first; a worker waits for runs, the master waits for workers.
workers=$(sbatch --parsable --export=ALL --array=1-"$WORKERS" "${worker_args[@]}" "$DIR/redis-workers.sbatch")
workers=${workers%%;*}                              # "id;cluster" -> id
master=$(ABCSMC_WORKER_JOB=$workers sbatch --parsable --export=ALL "${master_args[@]}" "$DIR/redis-master.sbatch") ||
  { scancel "$workers"; exit 1; }                   # no master: take the workers back
master=${master%%;*}
echo "master=$master workers=$workers"
