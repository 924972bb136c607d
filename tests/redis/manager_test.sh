#!/usr/bin/env bash
# redis-manager info / stop / reset-workers, --runtime expiry, the pyABC program names.
source "$(dirname "$0")/common.sh"
[ -x "$BIN_DIR/abc-redis-worker" ] && [ -x "$BIN_DIR/abc-redis-manager" ] || fail "abc-redis-* not built"
"$BIN_DIR/abc-redis-manager" info --port "$PORT" > info0.txt
grep -q "^Workers=0 Evaluations=0 Acceptances=0/0" info0.txt || fail "info with nothing: $(cat info0.txt)"
worker a --runtime 60s; a=$WPID
timeout -k 2 60 "$BIN_DIR/abc-redis-worker" --port "$PORT" --processes 2 --runtime 60s >b.log 2>&1 &
b=$!; PIDS+=("$b")
for i in $(seq 100); do manager info > info.txt; grep -q "^Workers=3 " info.txt && break; sleep 0.05; done
grep -q "^Workers=3 " info.txt || fail "info does not count 3 workers: $(cat info.txt)"
manager reset-workers > reset.txt
manager info | grep -q "^Workers=0 " || fail "reset-workers left registrations"
for i in $(seq 60); do manager info > info.txt; grep -q "^Workers=3 " info.txt && break; sleep 0.05; done
grep -q "^Workers=3 " info.txt || fail "workers did not register again after reset-workers"
# info during a run shows the generation and the acceptances.
cat > slow.yaml <<YAML
seed: 5
population_size: 30
parameters:
  a: {type: normal, mean: 0, sd: 1}
  k: {type: discrete_uniform, low: 0, high: 4}
model: {builtin: gaussian_linear, options: {n: 2, sigma: 0.5}, delay: {type: constant, value: 0.01}}
observed: {x: [0.3, 2.0]}
epsilon: {type: quantile, alpha: 0.5, calibration_size: 30}
stop: {max_generations: 2}
YAML
master m slow.yaml --batch-size 1
for i in $(seq 100); do manager info > info.txt; grep -q "Generation=[0-9]" info.txt && break; sleep 0.05; done
grep -Eq "^Workers=3 Evaluations=[0-9]+ Acceptances=[0-9]+/30 Generation=[0-9]+ Run=" info.txt ||
  fail "info during a run: $(cat info.txt)"
wait_ok "$MPID" "master" m.err
# stop: every worker leaves (exit 0), after the generation.
manager stop | grep -q "stop" || fail "stop printed nothing"
wait_ok "$a" "worker a after stop" a.log
wait_ok "$b" "abc-redis-worker after stop" b.log
grep -q "stopped by redis-manager stop" a.log || fail "worker a: $(cat a.log)"
# stop in the middle of a run: the worker leaves after the generation, the master waits (no
# error), a worker started later finishes the run, and the result is single-core's.
sed 's/max_generations: 2/max_generations: 4/' slow.yaml > slow4.yaml
expect_status 0 "$ABCSMC" run slow4.yaml -o slow4_single.h5 --sampler single
worker s1 --runtime 60s; s1=$WPID
master mid slow4.yaml --batch-size 1
for i in $(seq 200); do grep -q "t=0 " mid.err && break; sleep 0.02; done
manager stop >/dev/null
wait_ok "$s1" "worker stopped mid-run" s1.log
grep -q "stopped by redis-manager stop" s1.log || fail "worker s1 did not stop: $(cat s1.log)"
kill -0 "$MPID" 2>/dev/null || fail "the master ended when its only worker stopped: $(cat mid.err)"
worker s2 --runtime 60s; s2=$WPID
wait_ok "$MPID" "master resumed by a new worker" mid.err
same_results slow4_single.h5 mid.h5 "run with a worker stopped mid-run"
manager stop >/dev/null
wait_ok "$s2" "worker s2" s2.log
# A worker started after the stop is not affected; --runtime ends it.
start=$(date +%s)
worker r --runtime 1s; r=$WPID
wait_ok "$r" "worker with --runtime 1s" r.log
grep -q "runtime of 1 s is over" r.log || fail "runtime expiry not logged: $(cat r.log)"
[ $(( $(date +%s) - start )) -le 5 ] || fail "--runtime 1s took too long"
# SIGTERM to the parent of --processes 2: both children leave, the parent exits 0.
"$ABCSMC" redis-worker --port "$PORT" --processes 2 --runtime 60s > term.log 2>&1 &
t=$!; PIDS+=("$t")
for i in $(seq 100); do [ "$(grep -c ' ready on ' term.log)" -ge 2 ] && break; sleep 0.05; done
kill -TERM "$t"
wait_ok "$t" "worker parent after SIGTERM" term.log
[ "$(grep -c 'terminated by signal' term.log)" -eq 2 ] || fail "children did not leave on SIGTERM: $(cat term.log)"
echo "redis manager: all checks passed"
