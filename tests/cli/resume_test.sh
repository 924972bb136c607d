#!/usr/bin/env bash
# `abcsmc run --resume` (README "Stopping and resuming"): a run killed with kill -9 at several
# moments (during calibration/generation 0, mid-run), stopped by SIGTERM (at once) or SIGUSR1
# (a clean stop), or stopped early by max_walltime or --deadline, ends
# bit-identical to a run that was never interrupted once resumed, also with other sampler
# settings. Incompatible resumes are refused with the differences (exit 2); extending a stopping
# rule continues a finished run; a complete run resumes to nothing (exit 0).
source "$(dirname "$0")/common.sh"
# write_config FILE MAX_GENERATIONS [extra stop keys]: tests/cli/resume.yaml with another stop.
write_config() {
  sed "s/^stop: .*/stop: {max_generations: $2${3:+, $3}}/" "$ABCSMC_SOURCE_DIR/tests/cli/resume.yaml" > "$1"
}
write_config run.yaml 6
write_config short.yaml 4
expect_status 0 "$ABCSMC" run run.yaml -o reference.h5 --threads 2
[ "$(generations reference.h5)" -eq 6 ] || fail "the reference run has $(generations reference.h5) generations"

# start_run FILE ARGS...: starts `abcsmc run run.yaml -o FILE ARGS...` in the background (PID in $pid).
start_run() {
  local file=$1; shift
  "$ABCSMC" run run.yaml -o "$file" "$@" > "$file.out" 2> "$file.log" &
  pid=$!
}
# finish_run FILE WANT: waits for the background run and checks its exit status.
finish_run() {
  local got=0
  wait "$pid" || got=$?
  [ "$got" -eq "$2" ] || { cat "$1.log" >&2; fail "run of $1 exited $got, expected $2"; }
}
# resume FILE ARGS...: resumes FILE to completion and compares it with the reference.
resume() {
  local file=$1; shift
  expect_status 0 "$ABCSMC" run run.yaml -o "$file" --resume "$@"
  grep -q "resuming '$file' after generation\|starting a new run\|starting the run over" err.txt ||
    { cat err.txt >&2; fail "the log does not say where $file resumed from"; }
  same_results reference.h5 "$file" "$file resumed with $*"
}

# kill -9 during calibration / generation 0 (the file is absent or has no generation yet).
start_run k0.h5 --threads 2
for _ in $(seq 1 1000); do grep -q "calibration:" k0.h5.log && break; sleep 0.01; done
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
[ "$(generations k0.h5)" -eq 0 ] || fail "k0.h5 was killed too late: $(generations k0.h5) generations"
resume k0.h5 --threads 1
echo "kill -9 in generation 0: resumed identical"

# kill -9 mid-run, at two points, resumed with other sampler settings each time.
for t in 1 3; do
  start_run "k$t.h5" --threads 2
  wait_for_generation "k$t.h5" "$t"
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true
  n=$(generations "k$t.h5")
  [ "$n" -lt 6 ] || fail "k$t.h5 finished before it was killed"
  resume "k$t.h5" --sampler single
  grep -q "resuming 'k$t.h5' after generation $((n - 1)) " err.txt || { cat err.txt >&2; fail "k$t.h5: wrong resume point"; }
  echo "kill -9 with $n generation(s) on file: resumed identical"
done

# Resumed twice (kill -9 during the resumed run too).
start_run k2.h5 --threads 2
wait_for_generation k2.h5 1
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
start_run k2.h5 --resume --threads 2 --batch-size 1
wait_for_generation k2.h5 3
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
resume k2.h5 --threads 2 --batch-size 7
/usr/bin/python3 -c "import h5py,sys; sys.exit(0 if h5py.File('k2.h5','r').attrs['resumes'] == 2 else 1)" ||
  fail "k2.h5 does not count its 2 resumes"
echo "killed twice: resumed identical"

# SIGTERM: stops at once (the generation in progress is dropped), exit 3, file resumable.
start_run term.h5 --threads 2
wait_for_generation term.h5 2
kill -TERM "$pid"
finish_run term.h5 3
grep -q "SIGTERM received: stopping at once" term.h5.log || fail "no SIGTERM message: $(cat term.h5.log)"
n=$(generations term.h5)
[ "$n" -ge 3 ] && [ "$n" -lt 6 ] || fail "term.h5 has $n generations after SIGTERM"
resume term.h5 --threads 2
echo "SIGTERM after $n generation(s): exit 3, resumed identical"

# SIGUSR1: a clean stop (the generation in progress is dropped), exit 3 with a stop reason in
# the file.
start_run usr1.h5 --threads 2
wait_for_generation usr1.h5 1
n0=$(generations usr1.h5)
kill -USR1 "$pid"
finish_run usr1.h5 3
n=$(generations usr1.h5)
[ "$n" -ge "$n0" ] && [ "$n" -le $((n0 + 2)) ] && [ "$n" -lt 6 ] || fail "usr1.h5 has $n generations ($n0 at the signal)"
"$ABCSMC" inspect usr1.h5 > usr1.txt
grep -q "stop requested" usr1.txt || fail "usr1.h5 does not record why it stopped"
resume usr1.h5 --threads 1
echo "SIGUSR1 at $n0 generation(s): clean stop, exit 3, resumed identical"

# SIGUSR2 (SGE's -notify warning) while the run is still starting, before generation 0: caught
# from the start of main (not the default action, which kills), it acts like SIGUSR1.
start_run early.h5 --threads 2
for _ in $(seq 1 500); do  # until the process catches SIGUSR2 (bit 11 of SigCgt)
  mask=$(sed -n 's/^SigCgt:\s*//p' "/proc/$pid/status" 2>/dev/null || true)
  [ -n "$mask" ] && (( 0x$mask & 0x800 )) && break
  sleep 0.01
done
kill -USR2 "$pid"
finish_run early.h5 3
n=$(generations early.h5)
[ "$n" -le 2 ] || fail "early.h5 has $n generations after an early SIGUSR2"
resume early.h5 --threads 2
echo "SIGUSR2 while starting: exit 3 after $n generation(s), resumed identical"

# Early stops that the config or the job asks for: max_walltime and --deadline exit 3.
write_config walltime.yaml 6 "max_walltime: 1s"
expect_status 3 "$ABCSMC" run walltime.yaml -o wall.h5 --threads 2
grep -q "max_walltime reached" err.txt || fail "no max_walltime message: $(cat err.txt)"
n=$(generations wall.h5)
[ "$n" -ge 1 ] && [ "$n" -lt 6 ] || fail "wall.h5 has $n generations"
resume wall.h5 --threads 2   # the stop section may change: run.yaml has no max_walltime
start_run deadline.h5 --threads 2 --deadline 2s
finish_run deadline.h5 3
# Either before a generation that would end after it ("deadline: N s left") or inside one.
grep -qE "deadline: |deadline reached" deadline.h5.log || fail "no deadline message: $(cat deadline.h5.log)"
resume deadline.h5 --threads 2
echo "max_walltime and --deadline: exit 3, resumed identical"

# A finished run whose stopping rule is extended continues; a complete one resumes to nothing.
expect_status 0 "$ABCSMC" run short.yaml -o short.h5 --threads 2
[ "$(generations short.h5)" -eq 4 ] || fail "short.h5 has $(generations short.h5) generations"
resume short.h5 --threads 2
expect_status 0 "$ABCSMC" run run.yaml -o short.h5 --resume
grep -q "is complete (max_generations reached after generation 5); nothing to do" err.txt ||
  fail "resuming a complete run: $(cat err.txt)"
same_results reference.h5 short.h5 "complete run resumed again"
echo "extended stopping rule continues; complete run resumes to nothing"

# min_eps_diff compares the last two generations on file: a run it ended resumes to nothing,
# and continues to the reference once the rule is lifted.
write_config diff.yaml 6 "min_eps_diff: 1e9"
expect_status 0 "$ABCSMC" run diff.yaml -o diff.h5 --threads 2
[ "$(generations diff.h5)" -eq 2 ] || fail "diff.h5 has $(generations diff.h5) generations"
expect_status 0 "$ABCSMC" run diff.yaml -o diff.h5 --resume
grep -q "is complete (min_eps_diff reached after generation 1); nothing to do" err.txt ||
  fail "resuming a run min_eps_diff ended: $(cat err.txt)"
resume diff.h5 --threads 2
echo "min_eps_diff: a run it ended resumes to nothing, continues once lifted"

# An adaptive population size: the next generation's size is on file, so a resume (another
# sampler) continues with it and ends identical to an uninterrupted run.
adaptive() {
  sed "s/^population_size: 60/population_size: {start: 60, mean_cv: 0.1, min: 20, max: 400}/;
       s/^stop: .*/stop: {max_generations: $2}/" "$ABCSMC_SOURCE_DIR/tests/cli/resume.yaml" > "$1"
}
adaptive adaptive.yaml 4
adaptive adaptive2.yaml 2
expect_status 0 "$ABCSMC" run adaptive.yaml -o adaptive_ref.h5 --threads 2
grep -q "t=0 population size 60 -> [0-9]* for the next generation (adaptive)" err.txt ||
  fail "no adaptive population size line: $(cat err.txt)"
"$ABCSMC" inspect adaptive_ref.h5 > adaptive_ref.txt
grep -q "particles per generation (adaptive; 60 at first)" adaptive_ref.txt ||
  fail "inspect does not show the adaptive sizes: $(cat adaptive_ref.txt)"
expect_status 0 "$ABCSMC" run adaptive2.yaml -o adaptive.h5 --sampler single
expect_status 0 "$ABCSMC" run adaptive.yaml -o adaptive.h5 --resume --threads 2
same_results adaptive_ref.h5 adaptive.h5 "adaptive population size resumed"
echo "adaptive population size: resumed with the size on file, identical"

# A temperature schedule (stochastic acceptance): killed mid-run, the resumed run continues the
# temperatures on file and ends identical.
sed 's/^distance: .*/distance: {type: normal_kernel, noise: 0.5}/;
     s/^epsilon: .*/epsilon: {type: temperature}/' \
  "$ABCSMC_SOURCE_DIR/tests/cli/resume.yaml" > temperature.yaml
expect_status 0 "$ABCSMC" run temperature.yaml -o temperature_ref.h5 --threads 2
# (The output goes to a file first: grep -q would end the pipe early, and SIGPIPE the writer.)
"$ABCSMC" inspect temperature_ref.h5 --generation last --format json > last.json
grep -q '"epsilon": 1[,}]' last.json ||
  fail "the last generation of a temperature run is not at temperature 1: $(head -3 last.json)"
"$ABCSMC" run temperature.yaml -o temperature.h5 --threads 2 > temperature.out 2> temperature.log &
pid=$!
wait_for_generation temperature.h5 1
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
expect_status 0 "$ABCSMC" run temperature.yaml -o temperature.h5 --resume --sampler single
same_results temperature_ref.h5 temperature.h5 "temperature run resumed after kill -9"
echo "temperature schedule: kill -9, resumed identical"

# Incompatible resumes are refused, listing every difference; nothing is written.
sed 's/alpha: 0.5/alpha: 0.4/; s/seed: 11/seed: 12/' run.yaml > changed.yaml
cp k0.h5 before.h5
expect_status 2 "$ABCSMC" run changed.yaml -o k0.h5 --resume
grep -q "error: epsilon.alpha: 0.5 in the file, 0.4 now" err.txt || fail "alpha difference not listed: $(cat err.txt)"
grep -q "error: seed: 11 in the file, 12 now" err.txt || fail "seed difference not listed: $(cat err.txt)"
grep -q "2 setting(s) differ" err.txt || fail "difference count missing: $(cat err.txt)"
expect_status 2 "$ABCSMC" run run.yaml -o k0.h5 --resume --seed 5
grep -q "error: seed: 11 in the file, 5 now" err.txt || fail "--seed difference not listed: $(cat err.txt)"
cmp -s before.h5 k0.h5 || fail "a refused resume changed the file"
expect_status 2 "$ABCSMC" run run.yaml -o k0.h5 --resume --overwrite
grep -q "pass one" err.txt || fail "--resume --overwrite: $(cat err.txt)"
echo "not a results file" > bogus.h5
expect_status 2 "$ABCSMC" run run.yaml -o bogus.h5 --resume
grep -q "cannot resume from 'bogus.h5'" err.txt || fail "bogus file: $(cat err.txt)"
expect_status 2 "$ABCSMC" run run.yaml -o k0.h5
grep -q "pass --resume to continue that run" err.txt || fail "existing output hint: $(cat err.txt)"
echo "incompatible resumes refused"
echo "resume: all checks passed"
