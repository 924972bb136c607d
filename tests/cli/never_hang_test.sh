#!/usr/bin/env bash
# Never a silent hang (issue 10): faulty simulators and hopeless generations end within seconds
# with the documented exit status and a message that says why; failures are explained; the
# heartbeat shows progress inside a generation.
source "$(dirname "$0")/common.sh"

# elapsed_under SECONDS: fails unless the last expect_status took less than SECONDS.
timed() { local s=$SECONDS; expect_status "$@"; took=$((SECONDS - s)); }
under() { [ "$took" -le "$1" ] || fail "took ${took}s, expected <= $1 s"; }
has() { grep -q -- "$1" "$2" || { cat "$2" >&2; fail "'$1' not in $2"; }; }
# step N WHAT: says which case runs (a timeout in CI then names the case that hung).
step() { echo "[$SECONDS s] case $*"; }

cat > nineteen.sh <<'SH'
#!/bin/sh
# Prints 19 numbers where 20 statistics are declared.
for i in $(seq 1 19); do printf '%s ' "$1"; done; echo
SH
cat > nan.sh <<'SH'
#!/bin/sh
echo nan
SH
cat > output.sh <<'SH'
#!/bin/sh
echo 0.5 > "$1"
SH
cat > diverge.sh <<'SH'
#!/bin/sh
# Fails for theta < 0 with a message on stderr, like an ODE solver would.
case "$1" in -*) echo "ODE solver diverged" >&2; exit 1;; esac
echo "$1"
SH
cat > slow.sh <<'SH'
#!/bin/sh
sleep 0.05; echo "$1"
SH
chmod +x ./*.sh

config() {  # config NAME MODEL STATISTICS [EXTRA YAML]
  local extra=${4:-"stop: {max_generations: 3}"}
  cat > "$1.yaml" <<YAML
seed: 3
population_size: ${POP:-50}
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: $2
observed: $3
output: {path: $1.h5}
$extra
YAML
}
twenty_stats="{y: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]}"

# 1. 19 numbers for 20 statistics, default on_failure: reject -> fail fast, exit 1, the message.
step 1 "19 numbers for 20 statistics"
config nineteen "{command: [$PWD/nineteen.sh, '{theta}'], statistics: {y: 20}}" "$twenty_stats"
timed 1 "$ABCSMC" run nineteen.yaml
under 30
has "the first 1000 candidates of calibration all failed" err.txt
has "printed 19 numbers" err.txt
has "first failed candidate (calibration" err.txt

# 2. Always NaN, with a smaller guard from the config.
step 2 "always NaN"
config nan "{command: [$PWD/nan.sh], statistics: [y]}" "{y: 0.5}" "stop: {max_generations: 3, fail_fast: 100}"
timed 1 "$ABCSMC" run nan.yaml
under 20
has "the first 100 candidates of calibration all failed" err.txt
has "nan" err.txt

# 3. An {output} model whose TMPDIR is missing.
step 3 "missing TMPDIR"
config output "{command: [$PWD/output.sh, '{output}'], statistics: [y]}" "{y: 0.5}" "stop: {max_generations: 3, fail_fast: 100}"
TMPDIR=/nonexistent-abcsmc-dir timed 1 "$ABCSMC" run output.yaml
under 20
has "all failed" err.txt
has "/nonexistent-abcsmc-dir" err.txt

# 4. max_simulations counts the calibration: it ends the run there, exit 1 with a reason.
step 4 "max_simulations in calibration"
config budget "{command: [$PWD/nan.sh], statistics: [y]}" "{y: 0.5}" "stop: {max_simulations: 100, fail_fast: 0}"
timed 1 "$ABCSMC" run budget.yaml
under 20
has "max_simulations reached during calibration" err.txt
has "no generation was completed" err.txt

# 5. SIGUSR1 stops a calibration that cannot end (guard off): exit 3 within seconds.
step 5 "SIGUSR1 in calibration"
config usr1 "{command: [$PWD/nan.sh], statistics: [y]}" "{y: 0.5}" "stop: {max_generations: 3, fail_fast: 0}"
"$ABCSMC" run usr1.yaml > usr1.out 2> usr1.err &
pid=$!
sleep 1
kill -USR1 "$pid"
s=$SECONDS
# The test itself never waits silently: a run still there after 30 s is killed and reported.
( sleep 30 > /dev/null 2>&1; kill -KILL "$pid" 2>/dev/null && echo "SIGUSR1 ignored for 30 s: killed" >&2 ) &
watchdog=$!
set +e; wait "$pid"; rc=$?; set -e
kill "$watchdog" 2>/dev/null || true
[ "$rc" -eq 3 ] || { cat usr1.err >&2; fail "SIGUSR1 during calibration: exit $rc, expected 3"; }
[ $((SECONDS - s)) -le 5 ] || fail "SIGUSR1 took $((SECONDS - s)) s to act"
has "stopped early (stop requested) after generation - (calibration was in progress: dropped" usr1.err

# 6. Epsilon far below reach: min_acceptance_rate, max_walltime and --deadline fire inside the
#    generation.
step 6 "stops inside a generation"
model="{builtin: gaussian_mean}"
eps="epsilon: {type: list, values: [5, 1.0e-12]}"
config rate "$model" "{y: 0.5}" "$eps
stop: {max_generations: 5, min_acceptance_rate: 0.001}"
timed 0 "$ABCSMC" run rate.yaml
under 20
has "acceptance rate below min_acceptance_rate during generation 1" out.txt
config walltime "$model" "{y: 0.5}" "$eps
stop: {max_generations: 5, max_walltime: 2s}"
timed 3 "$ABCSMC" run walltime.yaml
under 15
has "stopped early (max_walltime reached) after generation 0 (generation 1 was in progress" err.txt
config deadline "$model" "{y: 0.5}" "$eps
stop: {max_generations: 5}"
timed 3 "$ABCSMC" run deadline.yaml --deadline 2s
under 15
has "stopped early (deadline reached) after generation 0 (generation 1 was in progress" err.txt
# ... and the file is resumable: it holds generation 0 (here ended by a lower max_generations).
config deadline "$model" "{y: 0.5}" "$eps
stop: {max_generations: 1}"
expect_status 0 "$ABCSMC" run deadline.yaml --resume
has "is complete (max_generations reached after generation 0)" err.txt

# 7. Why candidates fail: the first message in full, then counts by reason per generation, in
#    the log, the file and inspect.
step 7 "failure reasons"
POP=100 config diverge "{command: [$PWD/diverge.sh, '{theta}'], statistics: [y]}" "{y: 0.5}" "stop: {max_generations: 2}"
expect_status 0 "$ABCSMC" run diverge.yaml
has "first failed candidate" err.txt
has "ODE solver diverged" err.txt
grep -E 't=0 failed=[0-9]+: exit status 1 "ODE solver diverged" x[0-9]+' err.txt > /dev/null ||
  { cat err.txt >&2; fail "no per-reason tally for t=0"; }
grep -E 'calibration: .*failed=[0-9]+: exit status 1 "ODE solver diverged" x' err.txt > /dev/null ||
  { cat err.txt >&2; fail "the calibration line does not report its failures"; }
/usr/bin/python3 - diverge.h5 <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
g = f["generations/t0000"]
reasons = [r.decode() if isinstance(r, bytes) else r for r in g.attrs["failure_reasons"]]
counts = list(g.attrs["failure_counts"])
assert reasons == ['exit status 1 "ODE solver diverged"'], reasons
assert sum(counts) == g.attrs["failed"] > 0, (counts, g.attrs["failed"])
assert "ODE solver diverged" in str(g.attrs["first_failure"])
assert f.attrs["calibration_failed"] == sum(f.attrs["calibration_failure_counts"]) > 0
PY
expect_status 0 "$ABCSMC" inspect diverge.h5
has 'exit status 1 "ODE solver diverged"' out.txt

# 8. The heartbeat: plain lines in a file (no control characters), with accepted/N and an ETA.
step 8 "heartbeat"
POP=40 config slow "{command: [$PWD/slow.sh, '{theta}'], statistics: [y]}" "{y: 0.5}" "stop: {max_generations: 1}"
expect_status 0 "$ABCSMC" run slow.yaml --progress-interval 0.3
grep -E 'in progress: accepted=[0-9]+/40 sims=[0-9]+ failed=0 sims/s=[0-9]+ elapsed=[0-9]+s eta=' err.txt > /dev/null ||
  { cat err.txt >&2; fail "no heartbeat line"; }
if LC_ALL=C grep -q $'[\r\033]' err.txt; then fail "control characters in a log written to a file"; fi
echo "never_hang: all cases ended as documented"
