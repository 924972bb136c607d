#!/usr/bin/env bash
# slurm/abcsmc-mpirun.sbatch on the test cluster: mpirun takes the 3-task allocation (on 2 cores,
# --overcommit) from Slurm. The job must end COMPLETED with exit 0, the file must record the MPI
# sampler with 3 ranks, and every generation must be bit-identical to a single-process run.
# Then a config error: the job must end FAILED with exit 2, reported in its log. Then the
# template's signal path: SIGUSR1 to the batch shell only (`scancel --signal=USR1 --batch`, what
# #SBATCH --signal=B:USR1@N does at the time) is passed on through mpirun to rank 0, which stops
# after its generation with exit 3; ABCSMC_ARGS=--resume completes the run, identical to an
# uninterrupted one. Time limits are 10 minutes: the template's --signal=B:USR1@300 fires at
# once in a job shorter than its lead time.
source "$(dirname "$0")/slurm_common.sh"
cfg=$ABCSMC_SOURCE_DIR/tests/sched/slurm_fast.yaml

job=$(ABCSMC_CONFIG=$cfg ABCSMC_OUTPUT=$PWD/mpirun.h5 ABCSMC_ARGS="--batch-size 3" \
  submit --ntasks=3 --overcommit --time=10 -o "$PWD/mpirun-%j.out" "$SLURM_DIR/abcsmc-mpirun.sbatch")
reference "$cfg" single.h5 --sampler single
expect_job "$job" COMPLETED 0 120 "mpirun-$job.out"
grep -q "abcsmc-mpirun: exit 0: run complete" "mpirun-$job.out" || { cat "mpirun-$job.out"; fail "no completion line in the job log"; }
[ "$(h5attr mpirun.h5 sampler)" = mpi ] || fail "sampler is '$(h5attr mpirun.h5 sampler)', expected mpi"
[ "$(h5attr mpirun.h5 ranks)" = 3 ] || fail "ranks is '$(h5attr mpirun.h5 ranks)', expected 3 (mpirun did not take the allocation)"
[ "$(h5attr mpirun.h5 batch_size)" = 3 ] || fail "ABCSMC_ARGS=--batch-size 3 did not reach abcsmc"
[ "$(generation_count mpirun.h5)" = 4 ] || fail "$(generation_count mpirun.h5) generations, expected 4"
same_results mpirun.h5 single.h5 "mpirun template (3 ranks) vs single-process"

# A config error ends the job with exit 2 (the job's exit code is abcsmc's).
sed 's/^population_size: .*/population_size: 0/' "$cfg" >bad.yaml
job=$(submit --ntasks=2 --time=10 -o "$PWD/bad-%j.out" "$SLURM_DIR/abcsmc-mpirun.sbatch" "$PWD/bad.yaml")
expect_job "$job" FAILED 2 60 "bad-$job.out"
grep -q "population_size" "bad-$job.out" || { cat "bad-$job.out"; fail "the config error is not in the job log"; }
grep -q "exit 2: usage or config error" "bad-$job.out" || { cat "bad-$job.out"; fail "exit 2 not reported"; }
# SIGUSR1 to the batch shell: passed through mpirun to rank 0, exit 3; resumed by a second job.
slow_config medium.yaml 0.05 6
reference_bg medium.yaml medium_single.h5 --sampler threads --threads 32 --batch-size 1
job=$(ABCSMC_CONFIG=$PWD/medium.yaml ABCSMC_OUTPUT=$PWD/stopped.h5 submit --ntasks=3 --overcommit --time=10 \
  -o "$PWD/stop-%j.out" "$SLURM_DIR/abcsmc-mpirun.sbatch")
wait_for_generations stopped.h5 1 60
scancel --signal=USR1 --batch "$job" || fail "scancel --signal=USR1 --batch $job"
expect_job "$job" FAILED 3 60 "stop-$job.out"
grep -q "abcsmc-mpirun: SIGUSR1: passing it to the ranks" "stop-$job.out" ||
  { cat "stop-$job.out"; fail "the batch shell did not take SIGUSR1"; }
grep -q "SIGUSR1 received: stopping cleanly now" "stop-$job.out" ||
  { cat "stop-$job.out"; fail "SIGUSR1 did not reach rank 0 through mpirun"; }
resume_stopped abcsmc-mpirun.sbatch
passed slurm_mpirun_test
