#!/usr/bin/env bash
# slurm/resubmit.sbatch, the other ways a chain goes on or ends (slurm_resume_test.sh covers the
# time limit):
# 1. Submitted with plain sbatch options (no ABCSMC_SBATCH_ARGS) and the config as an argument,
#    checkpointed by hand with `scancel --signal=USR1 --batch`: the job stops cleanly,
#    exits 3 and resubmits itself with its own shape (time limit, tasks, overcommit) and the same
#    argument; the next job completes the run, identical to an uninterrupted run.
# 2. scancel of a running job: rank 0 stops at once (exit 3), and the chain ends there: nothing
#    is resubmitted.
# 3. A config error: exit 2, the chain ends.
source "$(dirname "$0")/slurm_common.sh"
# slurm_slow.yaml cut to 4 generations: about 25 s of simulations (0.2 s each) on 4 workers.
slow_config short.yaml 0.2 4
reference_bg short.yaml single.h5 --sampler threads --threads 32 --batch-size 1

# 1. Hand checkpoint, resubmission with the job's own shape.
first=$(ABCSMC_OUTPUT=$PWD/chain.h5 submit --ntasks=5 --overcommit --time=7 -o "$PWD/chain-%j.out" \
  "$SLURM_DIR/resubmit.sbatch" "$PWD/short.yaml")
for i in $(seq 600); do                             # until generation 0 is on file (or 60 s)
  [ "$(generation_count chain.h5 2>/dev/null || echo 0)" -ge 1 ] && break
  sleep 0.1
done
[ "$(generation_count chain.h5)" -ge 1 ] || { cat "chain-$first.out"; fail "generation 0 never appeared"; }
scancel --signal=USR1 --batch "$first" || fail "scancel --signal=USR1 --batch $first"
expect_job "$first" FAILED 3 60 "chain-$first.out"
grep -q "SIGUSR1 received: stopping cleanly now" "chain-$first.out" ||
  { cat "chain-$first.out"; fail "SIGUSR1 did not reach rank 0 through the batch shell and srun"; }
next=$(sed -n 's/.*submitted job \([0-9]*\) .*/\1/p' "chain-$first.out")
[ -n "$next" ] || { cat "chain-$first.out"; fail "job $first did not resubmit itself"; }
JOBS+=("$next")
shape=$(scontrol show job -o "$next" | tr ' ' '\n' | grep -E '^(TimeLimit|NumTasks|JobName|StdOut)=' | sort | tr '\n' ' ')
[ "$shape" = "JobName=abcsmc-chain NumTasks=5 StdOut=$PWD/chain-$next.out TimeLimit=00:07:00 " ] ||
  fail "resubmitted job $next has shape '$shape'"
expect_job "$next" COMPLETED 0 90 "chain-$next.out"
grep -q "submission 2 of at most 20" "chain-$next.out" || { cat "chain-$next.out"; fail "not counted as submission 2"; }
grep -q "resuming '.*chain.h5' after generation" "chain-$next.out" || { cat "chain-$next.out"; fail "the second job did not resume"; }
grep -q "exit 0: run complete after 2 submission(s)" "chain-$next.out" || { cat "chain-$next.out"; fail "no completion line"; }
wait "$REF" || fail "reference run failed"
same_results chain.h5 single.h5 "hand-checkpointed chain vs uninterrupted run"

# 2. scancel ends the chain.
job=$(ABCSMC_CONFIG=$PWD/short.yaml ABCSMC_OUTPUT=$PWD/cancelled.h5 \
  submit --ntasks=3 --overcommit --time=7 -o "$PWD/cancel-%j.out" "$SLURM_DIR/resubmit.sbatch")
for i in $(seq 300); do grep -q "initial epsilon\|starting a new run" "cancel-$job.out" 2>/dev/null && break; sleep 0.1; done
sleep 1
scancel "$job"
wait_job "$job" 60
grep -q "not resubmitted" "cancel-$job.out" || { cat "cancel-$job.out"; fail "scancel did not end the chain"; }
if grep -q "submitted job" "cancel-$job.out"; then cat "cancel-$job.out"; fail "a cancelled job resubmitted itself"; fi
[ -z "$(squeue -h -n abcsmc-chain)" ] || { squeue; fail "a job of the chain is still queued after scancel"; }

# 3. A config error ends the chain with exit 2.
sed 's/^population_size: .*/population_size: -1/' short.yaml >bad.yaml
job=$(ABCSMC_CONFIG=$PWD/bad.yaml ABCSMC_OUTPUT=$PWD/bad.h5 submit --ntasks=2 --time=7 -o "$PWD/bad-%j.out" "$SLURM_DIR/resubmit.sbatch")
expect_job "$job" FAILED 2 60 "bad-$job.out"
grep -q "exit 2: usage or config error (see above); chain ended" "bad-$job.out" || { cat "bad-$job.out"; fail "exit 2 not reported"; }
passed slurm_resubmit_test
