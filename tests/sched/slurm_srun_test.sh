#!/usr/bin/env bash
# slurm/abcsmc-srun.sbatch on the test cluster: 3 ranks started by srun (PMIx) on 2 cores
# (--overcommit, as srun -O), the config given as the first argument. The job must end COMPLETED
# with exit 0, the file must record the MPI sampler with 3 ranks, and every generation must be
# bit-identical to a single-process run of the same config and seed. Then the same template with
# the config from ABCSMC_CONFIG and an existing output without --overwrite: exit 2, file kept.
# Then the template's signal path: SIGUSR1 to the job steps only (`scancel --signal=USR1`, what
# #SBATCH --signal=USR1@N does at the time) reaches rank 0 directly, which stops after its
# generation with exit 3; the same template with ABCSMC_ARGS=--resume completes the run,
# identical to an uninterrupted one.
# Time limits are 10 minutes: the template's --signal=USR1@300 fires at once in a job shorter
# than its lead time.
source "$(dirname "$0")/slurm_common.sh"
cfg=$ABCSMC_SOURCE_DIR/tests/sched/slurm_fast.yaml

job=$(ABCSMC_OUTPUT=$PWD/srun.h5 submit --ntasks=3 --overcommit --time=10 -o "$PWD/srun-%j.out" \
  "$SLURM_DIR/abcsmc-srun.sbatch" "$cfg")
reference "$cfg" single.h5 --sampler single         # meanwhile, the reference
expect_job "$job" COMPLETED 0 120 "srun-$job.out"
grep -q "abcsmc-srun: exit 0: run complete" "srun-$job.out" || { cat "srun-$job.out"; fail "no completion line in the job log"; }
[ "$(h5attr srun.h5 sampler)" = mpi ] || fail "sampler is '$(h5attr srun.h5 sampler)', expected mpi"
[ "$(h5attr srun.h5 ranks)" = 3 ] || fail "ranks is '$(h5attr srun.h5 ranks)', expected 3 (srun did not start one MPI job of 3 ranks)"
[ "$(generation_count srun.h5)" = 4 ] || fail "$(generation_count srun.h5) generations, expected 4"
same_results srun.h5 single.h5 "srun template (3 ranks) vs single-process"

# Existing output, no --overwrite: abcsmc refuses (2), the job reports it, the file is untouched.
sum=$(md5sum <srun.h5)
job=$(ABCSMC_CONFIG=$cfg ABCSMC_OUTPUT=$PWD/srun.h5 submit --ntasks=2 --time=10 -o "$PWD/again-%j.out" \
  "$SLURM_DIR/abcsmc-srun.sbatch")
expect_job "$job" FAILED 2 60 "again-$job.out"
grep -q "exit 2: usage or config error" "again-$job.out" || { cat "again-$job.out"; fail "exit 2 not reported"; }
[ "$(md5sum <srun.h5)" = "$sum" ] || fail "an existing results file was changed without --overwrite"
# SIGUSR1 to the steps: rank 0 stops cleanly (the generation in progress is dropped), exits 3; resumed by a second job.
slow_config medium.yaml 0.05 6
reference_bg medium.yaml medium_single.h5 --sampler threads --threads 32 --batch-size 1
job=$(ABCSMC_CONFIG=$PWD/medium.yaml ABCSMC_OUTPUT=$PWD/stopped.h5 submit --ntasks=3 --overcommit --time=10 \
  -o "$PWD/stop-%j.out" "$SLURM_DIR/abcsmc-srun.sbatch")
wait_for_generations stopped.h5 1 60
scancel --signal=USR1 "$job" || fail "scancel --signal=USR1 $job"
expect_job "$job" FAILED 3 60 "stop-$job.out"
grep -q "SIGUSR1 received: stopping cleanly now" "stop-$job.out" ||
  { cat "stop-$job.out"; fail "SIGUSR1 to the job step did not reach rank 0"; }
if grep -q "abcsmc-srun: SIGUSR1" "stop-$job.out"; then fail "the batch shell got the steps' SIGUSR1"; fi
grep -q "abcsmc-srun: exit 3: stopped early" "stop-$job.out" || { cat "stop-$job.out"; fail "exit 3 not reported"; }
resume_stopped abcsmc-srun.sbatch
passed slurm_srun_test
