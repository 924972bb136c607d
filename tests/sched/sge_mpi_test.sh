#!/usr/bin/env bash
# sge/abcsmc-mpi.qsub under a real SGE cell: `qsub -pe mpi 2` runs mpirun on the granted slots
# (Open MPI reads the allocation from $PE_HOSTFILE), the results are bit-identical to a
# single-process run of the same config and seed, and the file records the ranks.
source "$(dirname "$0")/sge_common.sh"
cfg=$ABCSMC_SOURCE_DIR/tests/mpi/determinism.yaml
template=$SGE_TEMPLATES/abcsmc-mpi.qsub
expect_status 0 "$ABCSMC" run "$cfg" -o single.h5 --sampler single
vars="ABCSMC_CONFIG=$cfg,ABCSMC_BIN=$ABCSMC,$ROOT_ENV"

# One rank per slot: 2 slots, master + 1 worker.
submit_sync "$JOB_PREFIX-np2" -pe mpi 2 -v "$vars,ABCSMC_OUTPUT=$PWD/np2.h5" "$template"
[ "$JOB_RC" -eq 0 ] || { job_logs "$JOB_PREFIX-np2" >&2; fail "qsub -pe mpi 2 job exited $JOB_RC"; }
job_logs "$JOB_PREFIX-np2" | grep -q "2 ranks on 2 slots" || fail "the job did not start 2 ranks on its 2 slots"
same_results single.h5 np2.h5 "qsub -pe mpi 2 vs single-process"
"$ABCSMC" inspect np2.h5 | grep -q "sampler  *mpi, dynamic scheduling, 1 worker.* (2 MPI ranks)" ||
  { "$ABCSMC" inspect np2.h5 | head -8 >&2; fail "np2.h5 does not record 2 MPI ranks"; }

# More ranks than slots with --oversubscribe (ABCSMC_RANKS, ABCSMC_MPIRUN_ARGS), and abcsmc options
# through ABCSMC_ARGS: the result does not depend on the batch size.
submit_sync "$JOB_PREFIX-np3" -pe mpi 2 \
  -v "$vars,ABCSMC_OUTPUT=$PWD/np3.h5,ABCSMC_RANKS=3,ABCSMC_MPIRUN_ARGS=--oversubscribe,ABCSMC_ARGS=--batch-size 3" "$template"
[ "$JOB_RC" -eq 0 ] || { job_logs "$JOB_PREFIX-np3" >&2; fail "3 ranks on 2 slots exited $JOB_RC"; }
same_results single.h5 np3.h5 "qsub -pe mpi 2 with 3 ranks vs single-process"
"$ABCSMC" inspect np3.h5 | grep -q "(3 MPI ranks)" || fail "np3.h5 does not record 3 MPI ranks"
"$ABCSMC" inspect np3.h5 --format json --generation 0 > /dev/null || fail "inspect json of np3.h5"

# Without --oversubscribe, mpirun keeps to the 2 granted slots: a third rank is refused. This is
# what shows that mpirun took the allocation from SGE, not from the machine's cores.
submit_sync "$JOB_PREFIX-over" -pe mpi 2 -v "$vars,ABCSMC_OUTPUT=$PWD/over.h5,ABCSMC_RANKS=3" "$template"
[ "$JOB_RC" -ne 0 ] || fail "3 ranks on 2 slots without --oversubscribe succeeded: the SGE allocation was ignored"
job_logs "$JOB_PREFIX-over" | grep -q "not enough slots" || { job_logs "$JOB_PREFIX-over" >&2; fail "no 'not enough slots' from mpirun"; }

# No config: exit 2 with a message, nothing run.
submit_sync "$JOB_PREFIX-noconf" -pe mpi 2 -v "ABCSMC_BIN=$ABCSMC,$ROOT_ENV" "$template"
[ "$JOB_RC" -eq 2 ] || fail "a job without ABCSMC_CONFIG exited $JOB_RC, expected 2"
job_logs "$JOB_PREFIX-noconf" | grep -q "set ABCSMC_CONFIG" || fail "no message about the missing ABCSMC_CONFIG"

# The same submission again: the run is complete, --resume exits 0 at once and nothing changes.
cp np2.h5 np2.before.h5
submit_sync "$JOB_PREFIX-again" -pe mpi 2 -v "$vars,ABCSMC_OUTPUT=$PWD/np2.h5" "$template"
[ "$JOB_RC" -eq 0 ] || { job_logs "$JOB_PREFIX-again" >&2; fail "resubmitting a complete run exited $JOB_RC"; }
same_results np2.before.h5 np2.h5 "a complete run submitted again"
echo "sge mpi: all checks passed"
