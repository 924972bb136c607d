#!/usr/bin/env bash
# Stopping, resuming and resubmitting with sge/abcsmc-mpi.qsub under a real SGE cell:
#  A. s_rt: SGE sends SIGUSR1 at the soft limit, the master stops cleanly (the generation in progress is dropped) and exits 3
#     (the job's status), with those generations on file;
#  B. resubmit until done: the same submission, now with a short h_rt, continues the file
#     (--resume), stops itself before h_rt (--deadline, exit 3), resubmits itself (qresub) and
#     ends complete: the final file equals an uninterrupted run's, bit for bit;
#  C. qdel with -notify: SIGUSR2 becomes SIGUSR1 (then SIGTERM after ABCSMC_STOP_GRACE), exit 3,
#     and a deleted job is not resubmitted; the file is resumable and completes identically.
# The model sleeps 20 ms per simulation (model.delay), so the timing does not depend on the CPU.
source "$(dirname "$0")/sge_common.sh"
template=$SGE_TEMPLATES/abcsmc-mpi.qsub
cat > slow.yaml <<'YAML'
seed: 77
population_size: 60
parameters:
  theta: {type: normal, mean: 0, sd: 1}
model:
  builtin: gaussian_mean
  options: {n: 10, sigma: 1}
  delay: {type: constant, value: 0.02}
observed:
  y: 0.5
epsilon: {type: quantile, alpha: 0.5}
# pyABC's kernel: the budget below (every generation well within the 8 s deadline of part B) was
# sized with it; the default kernel's wider proposals make the sixth generation take ~9 s here.
transition: {scaling: 1, defensive: 0, discrete_steps: 1}
stop: {max_generations: 6}
YAML
total=6
# The uninterrupted run (threads: the sleeps overlap; bit-identical to every dynamic sampler).
expect_status 0 "$ABCSMC" run slow.yaml -o reference.h5 --sampler threads --threads 16
[ "$(generations reference.h5)" -eq "$total" ] || fail "the reference run does not hold $total generations"
# 5 ranks (4 workers) on 2 slots: each generation takes 0.3-5 s.
vars="ABCSMC_CONFIG=$PWD/slow.yaml,ABCSMC_OUTPUT=$PWD/run.h5,ABCSMC_BIN=$ABCSMC,ABCSMC_RANKS=5,ABCSMC_MPIRUN_ARGS=--oversubscribe,$ROOT_ENV"

# A. SIGUSR1 from s_rt, no resubmission (ABCSMC_MAX_SUBMISSIONS=1): exit 3, generations on file.
submit_sync "$JOB_PREFIX-a" -pe mpi 2 -l s_rt=0:0:3 -v "$vars,ABCSMC_MAX_SUBMISSIONS=1" "$template"
logs_a=$(job_logs "$JOB_PREFIX-a")
[ "$JOB_RC" -eq 3 ] || { echo "$logs_a" >&2; fail "the job stopped by s_rt exited $JOB_RC, expected 3"; }
echo "$logs_a" | grep -q "SIGUSR1" || { echo "$logs_a" >&2; fail "no SIGUSR1 in the log of the s_rt job"; }
echo "$logs_a" | grep -q "not resubmitting" || fail "ABCSMC_MAX_SUBMISSIONS=1 did not prevent the resubmission"
k=$(generations run.h5)
[ "$k" -ge 1 ] && [ "$k" -lt "$total" ] || { echo "$logs_a" >&2; fail "after SIGUSR1 run.h5 holds $k generations, expected 1..$((total - 1))"; }
same_prefix run.h5 reference.h5 "$k"
echo "A: s_rt stopped the run after $k generations (exit 3)"

# B. The same variables with a short h_rt and resubmission on: the chain ends complete.
start=$SECONDS
submit "$JOB_PREFIX-b" -pe mpi 2 -l h_rt=0:0:8 -v "$vars,ABCSMC_MAX_SUBMISSIONS=10" "$template" > /dev/null
wait_gone "$JOB_PREFIX-b" 150
logs_b=$(job_logs "$JOB_PREFIX-b")
n=$(log_files "$JOB_PREFIX-b" | wc -l)
[ "$n" -ge 2 ] || { echo "$logs_b" >&2; fail "h_rt=8s: expected at least 2 submissions, got $n"; }
echo "$logs_b" | grep -q "resubmitted as job" || { echo "$logs_b" >&2; fail "no resubmission in the log"; }
echo "$logs_b" | grep -q "submission $n of at most 10" || { echo "$logs_b" >&2; fail "the submission counter did not reach $n"; }
last=$(log_files "$JOB_PREFIX-b" | tail -1)
grep -q "exit 0: the run is complete" "$last" || { echo "$logs_b" >&2; fail "the last submission did not complete the run"; }
for f in $(log_files "$JOB_PREFIX-b" | head -n -1); do
  grep -q "exit 3:" "$f" || { echo "$logs_b" >&2; fail "$f: a resubmitted job did not end with exit 3"; }
done
same_results reference.h5 run.h5 "stopped by s_rt, resumed and resubmitted under h_rt vs uninterrupted"
echo "B: $n submissions completed the run in $((SECONDS - start)) s, identical to the uninterrupted run"

# C. qdel of a running job submitted with -notify: exit 3, no resubmission, file resumable.
submit "$JOB_PREFIX-c" -pe mpi 2 \
  -v "${vars/run.h5/deleted.h5},ABCSMC_STOP_GRACE=2" "$template" > /dev/null
wait_for_generation deleted.h5 1 60
timeout 20 qdel "$JOB_PREFIX-c" > /dev/null
wait_gone "$JOB_PREFIX-c" 90
logs_c=$(job_logs "$JOB_PREFIX-c")
[ "$(log_files "$JOB_PREFIX-c" | wc -l)" -eq 1 ] || { echo "$logs_c" >&2; fail "a deleted job was resubmitted"; }
echo "$logs_c" | grep -q "SIGUSR2" || { echo "$logs_c" >&2; fail "qdel of a -notify job: no SIGUSR2 in the log"; }
echo "$logs_c" | grep -qE "SIGUSR[12] received: stopping cleanly now" || { echo "$logs_c" >&2; fail "the master did not act on -notify's SIGUSR2"; }
echo "$logs_c" | grep -q "exit 3:" || { echo "$logs_c" >&2; fail "qdel of a -notify job: abcsmc did not exit 3"; }
echo "$logs_c" | grep -q "deleted with qdel: not resubmitting" || { echo "$logs_c" >&2; fail "no 'not resubmitting' after qdel"; }
k=$(generations deleted.h5)
[ "$k" -ge 2 ] && [ "$k" -lt "$total" ] || fail "after qdel deleted.h5 holds $k generations, expected 2..$((total - 1))"
same_prefix deleted.h5 reference.h5 "$k"
expect_status 0 "$ABCSMC" run slow.yaml -o deleted.h5 --resume --sampler threads --threads 16
same_results reference.h5 deleted.h5 "deleted with qdel after $k generations, then resumed"
echo "C: qdel stopped the run after $k generations (exit 3, not resubmitted); resumed to the same result"
echo "sge resume: all checks passed"
