#!/usr/bin/env bash
# slurm/resubmit.sbatch, a job ended by Slurm's time limit itself (slurm_resume_test.sh stops
# cleanly before it with --signal). --time=1, ABCSMC_LAUNCHER=none (one process, threads
# sampler), no warning signal, and abcsmc started through a wrapper that hides the job from it
# (no SLURM_JOB_ID, no SLURM_JOB_END_TIME), so that nothing stops it before the limit. At the
# limit Slurm sends SIGTERM to every process of the job (SIGKILL KillWait = 5 s later): abcsmc
# must stop at once with exit 3, the batch shell must see Reason=TimeLimit and resubmit, and the
# next job must resume the file and complete it, bit-identical to an uninterrupted run.
#
# No warning signal: the template's own `#SBATCH --signal=B:USR1@300` would still apply without
# a --signal on the command line (SIGUSR1 at once, since 300 s > 1 min): --signal=B:USR1@0
# overrides it, and Slurm sends no signal before the end time then. The test fails if a SIGUSR1
# shows up anyway.
#
# Timing: slurmctld enforces time limits only every 30 s (PERIODIC_TIMEOUT), so a 1-minute job
# is ended 60 to 90 s after it starts. The first job therefore runs slurm_slow.yaml (0.2 s
# sleeps, 20 generations) on 2 threads: ~8 s a generation, ~160 s in all, so the limit always
# cuts it (around generation 6..10). Later jobs of the chain run 16 threads (the wrapper picks by
# ABCSMC_SUBMISSION; results do not depend on the thread count) and finish the rest in ~15 s.
# About 75 to 110 s in all.
source "$(dirname "$0")/slurm_common.sh"
cfg=$ABCSMC_SOURCE_DIR/tests/sched/slurm_slow.yaml

# The wrapper: abcsmc outside any Slurm job, as far as it can tell.
wrapper=$ABCSMC_TMP/abcsmc-no-job-end
cat >"$wrapper" <<EOF
#!/bin/bash
# abcsmc without the Slurm job's end time (written by slurm_timelimit_test.sh)
unset SLURM_JOB_ID SLURM_JOB_END_TIME
if [ "\${ABCSMC_SUBMISSION:-1}" = 1 ]; then threads=2; else threads=16; fi
echo "wrapper: submission \${ABCSMC_SUBMISSION:-1}, \$threads threads, SLURM_JOB_ID and SLURM_JOB_END_TIME unset"
exec "$ABCSMC" "\$@" --threads "\$threads"
EOF
chmod +x "$wrapper"

export ABCSMC_BIN=$wrapper ABCSMC_CONFIG=$cfg ABCSMC_OUTPUT=$PWD/chain.h5 ABCSMC_LAUNCHER=none
export ABCSMC_ARGS="--sampler threads --batch-size 1" ABCSMC_MAX_SUBMISSIONS=4
name=abcsmc-timelimit
export ABCSMC_SBATCH_ARGS="--ntasks=1 --cpus-per-task=2 --time=1 --signal=B:USR1@0 --job-name=$name -o $PWD/chain-%j.out"
# On failure, no job of the chain is left behind (the chain goes on by itself otherwise).
trap 'cleanup_jobs; scancel --quiet --name=$name 2>/dev/null || true' EXIT
read -r -a first_args <<<"$ABCSMC_SBATCH_ARGS"
first=$(submit "${first_args[@]}" "$SLURM_DIR/resubmit.sbatch")
reference_bg "$cfg" single.h5 --sampler threads --threads 32 --batch-size 1

# 1. The first job: ended by the time limit (state TIMEOUT, Reason=TimeLimit), not by abcsmc.
log=chain-$first.out
wait_job "$first" 150
echo "job $first: $(job_states "$first") after $((SECONDS - START)) s"
info=$(scontrol show job -o "$first" | tr ' ' '\n')
field() { sed -n "s/^$1=//p" <<<"$info" | head -n 1; }
show() { echo "----- $log" >&2; cat "$log" >&2; echo "----- scontrol show job $first" >&2; echo "$info" >&2; }
[ "$(field JobState)" = TIMEOUT ] || { show; fail "job $first ended in state $(field JobState), expected TIMEOUT"; }
[ "$(field Reason)" = TimeLimit ] || { show; fail "job $first: Reason=$(field Reason), expected TimeLimit"; }
# The batch shell's status (its own exit 3 after resubmitting) is what Slurm records, unless
# SIGKILL came first (then 0:9): the shell must have finished within KillWait.
[ "$(field ExitCode)" = 3:0 ] || { show; fail "job $first: ExitCode=$(field ExitCode), expected 3:0 (the template's exit 3)"; }
ran=$(field RunTime | awk -F: '{print $1 * 3600 + $2 * 60 + $3}')
[ "$ran" -ge 60 ] || { show; fail "job $first ran only $(field RunTime): not to its 1-minute limit"; }
grep -q "wrapper: submission 1, 2 threads" "$log" || { show; fail "job $first did not run abcsmc through the wrapper"; }
if grep -q "deadline in" "$log"; then show; fail "abcsmc saw the job's end time (the wrapper must hide it)"; fi
if grep -q "resubmit: SIGUSR1\|SIGUSR1 received" "$log"; then show; fail "job $first got a warning signal (SIGUSR1): --signal=B:USR1@0 did not turn it off"; fi
grep -q "DUE TO TIME LIMIT" "$log" || { show; fail "no slurmstepd time-limit line in job $first's log"; }
grep -q "resubmit: SIGTERM (time limit or scancel)" "$log" || { show; fail "the batch shell did not trap SIGTERM"; }
grep -q "SIGTERM received: stopping at once" "$log" || { show; fail "abcsmc did not stop at once on SIGTERM"; }
kept=$(sed -n "s/.*SIGTERM received: stopping at once.* holds generations 0\.\.\([0-9]*\);.*/\1/p" "$log")
[[ "$kept" =~ ^[0-9]+$ ]] && [ "$kept" -ge 1 ] && [ "$kept" -lt 19 ] ||
  { show; fail "job $first: expected generations 0..K (1 <= K < 19) on file at the SIGTERM, got '$kept'"; }
if grep -q "not resubmitted\|resubmit: exit [^3]" "$log"; then show; fail "job $first did not take the time limit for one"; fi
next=$(sed -n 's/^resubmit: exit 3: stopped early, resumable; submitted job \([0-9]*\) (submission 2) to continue$/\1/p' "$log")
[ -n "$next" ] || { show; fail "job $first did not resubmit itself after the time limit"; }
JOBS+=("$next")
echo "job $first: TIMEOUT after $(field RunTime) with generations 0..$kept on file; resubmitted as job $next"

# 2. The next job resumes after generation $kept and completes the run: the chain ends there.
expect_job "$next" COMPLETED 0 120 "chain-$next.out"
log=chain-$next.out
grep -q "submission 2 of at most 4" "$log" || { cat "$log"; fail "job $next is not submission 2"; }
grep -q "wrapper: submission 2, 16 threads" "$log" || { cat "$log"; fail "job $next did not run abcsmc through the wrapper"; }
grep -q "resuming '.*chain.h5' after generation $kept" "$log" || { cat "$log"; fail "job $next did not resume after generation $kept"; }
grep -qx "resubmit: exit 0: run complete after 2 submission(s)" "$log" || { cat "$log"; fail "job $next did not report completion"; }
if grep -q "submitted job" "$log"; then cat "$log"; fail "job $next resubmitted a complete run"; fi
echo "job $next: $(job_states "$next") after $((SECONDS - START)) s"

wait "$REF" || fail "reference run failed"
[ "$(generation_count chain.h5)" = 20 ] || fail "$(generation_count chain.h5) generations, expected 20"
same_results chain.h5 single.h5 "chain cut by the time limit vs uninterrupted run"
passed slurm_timelimit_test
