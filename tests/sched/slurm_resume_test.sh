#!/usr/bin/env bash
# slurm/resubmit.sbatch on the test cluster: a run of ~80 s (slurm_slow.yaml: every simulation
# sleeps 0.2 s) in a chain of jobs with a 1-minute limit (Slurm's minimum) and
# --signal=B:USR1@15, srun with 5 ranks on 2 cores (--overcommit). The first job cannot finish:
# it must end with exit 3 (stopped early, resumable: SIGUSR1, or the master seeing the job's end
# coming) with complete generations on file, and submit the next job itself; the chain must end
# with a job that exits 0 ("run complete"), and the final file must be bit-identical, generation
# by generation, to an uninterrupted run of the same config.
source "$(dirname "$0")/slurm_common.sh"
cfg=$ABCSMC_SOURCE_DIR/tests/sched/slurm_slow.yaml

export ABCSMC_CONFIG=$cfg ABCSMC_OUTPUT=$PWD/chain.h5 ABCSMC_LAUNCHER=srun ABCSMC_MAX_SUBMISSIONS=5
# The options of every job of the chain (a resubmission cannot see the first command line's).
export ABCSMC_SBATCH_ARGS="--ntasks=5 --overcommit --time=1 --signal=B:USR1@15 -o $PWD/chain-%j.out"
read -r -a first_args <<<"$ABCSMC_SBATCH_ARGS"
first=$(submit "${first_args[@]}" "$SLURM_DIR/resubmit.sbatch")
# The uninterrupted reference meanwhile: threads, one evaluation per claim (sleeps: 32 threads
# on 2 cores are fine; results are the same for any sampler and batch size).
reference_bg "$cfg" single.h5 --sampler threads --threads 32 --batch-size 1

# The first job: stopped early (exit 3) with some, not all, generations, and a successor.
expect_job "$first" FAILED 3 150 "chain-$first.out"
log=chain-$first.out
grep -q "resubmit: exit 3: stopped early, resumable; submitted job" "$log" || { cat "$log"; fail "job $first did not resubmit itself"; }
kept=$(grep -oE "(stopped early \(.*\) after generation [0-9]+|holds generations 0\.\.[0-9]+)" "$log" | grep -oE "[0-9]+$" | tail -n 1)
[ -n "$kept" ] || { cat "$log"; fail "job $first: abcsmc did not report a stop after a complete generation"; }
[ "$kept" -ge 0 ] && [ "$kept" -lt 19 ] || { cat "$log"; fail "job $first stopped after generation '$kept'"; }
echo "job $first: stopped early after generation $kept (elapsed $((SECONDS - START)) s)"

# Follow the chain to its end.
job=$first count=1
while next=$(sed -n 's/.*submitted job \([0-9]*\) .*/\1/p' "chain-$job.out") && [ -n "$next" ]; do
  JOBS+=("$next")
  count=$((count + 1))
  [ "$count" -le 5 ] || fail "more than 5 jobs in the chain"
  wait_job "$next" 150
  job=$next
  echo "job $job: $(job_states "$job") (elapsed $((SECONDS - START)) s)"
done
expect_job "$job" COMPLETED 0 5 "chain-$job.out"
grep -q "resubmit: exit 0: run complete after $count submission(s)" "chain-$job.out" ||
  { cat "chain-$job.out"; fail "the last job of the chain did not report completion"; }
[ "$count" -ge 2 ] || fail "the chain had only $count job"
grep -q "submission $count of at most 5" "chain-$job.out" || fail "ABCSMC_SUBMISSION did not count the chain"

wait "$REF" || fail "reference run failed"
[ "$(generation_count chain.h5)" = 20 ] || fail "$(generation_count chain.h5) generations, expected 20"
same_results chain.h5 single.h5 "chain of $count resumed jobs vs uninterrupted run"
passed slurm_resume_test
