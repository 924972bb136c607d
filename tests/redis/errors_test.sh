#!/usr/bin/env bash
# Wrong password and unreachable server: a clear error at start (exit 2) and the password in no
# log; the password is blanked in the process title; an external-command model is refused
# without --allow-commands; the server flushed mid-run, or killed for longer than the master's
# reconnect window: a clear message and exit 3 (resumable), the results file still readable with
# its complete generations (outage_test.sh: outages the run survives).
source "$(dirname "$0")/common.sh"
cfg="$ABCSMC_SOURCE_DIR/tests/mpi/determinism.yaml"
real=$ABCSMC_REDIS_PASSWORD
export ABCSMC_REDIS_PASSWORD="wrong-$real"
expect_status 2 "$ABCSMC" run "$cfg" -o wrong.h5 --sampler redis --redis-port "$PORT"
grep -q "refused the password" err.txt || fail "wrong password not explained: $(cat err.txt)"
! grep -q -- "$real" err.txt out.txt || fail "password in the log"
expect_status 2 "$ABCSMC" redis-worker --port "$PORT" --password "wrong-$real"
grep -q "refused the password" err.txt || fail "worker: wrong password not explained: $(cat err.txt)"
! grep -q -- "$real" err.txt out.txt || fail "password in the worker's log"
export ABCSMC_REDIS_PASSWORD=$real
free=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
expect_status 2 "$ABCSMC" run "$cfg" -o unreachable.h5 --sampler redis --redis-port "$free"
grep -q "cannot connect to Redis at 127.0.0.1:$free" err.txt || fail "unreachable not explained: $(cat err.txt)"
expect_status 2 "$ABCSMC" redis-manager info --port "$free"

# --password is blanked in the process title.
unset ABCSMC_REDIS_PASSWORD
"$ABCSMC" redis-worker --port "$PORT" --password "$real" --runtime 20s >pw.log 2>&1 &
pw=$!; PIDS+=("$pw")
sleep 0.5
! tr '\0' ' ' < /proc/$pw/cmdline | grep -q -- "$real" || fail "password visible in the process title"
kill "$pw"; wait "$pw" || true
export ABCSMC_REDIS_PASSWORD=$real

# External commands: refused without --allow-commands, run with it.
cat > cmd.yaml <<YAML
seed: 3
population_size: 20
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {command: [bash, -c, 'echo "y \$1"', sim, '{theta}'], statistics: [y]}
observed: {y: 0.5}
epsilon: {type: quantile, alpha: 0.5, calibration_size: 20}
stop: {max_generations: 2}
YAML
worker refuse --runtime 30s; refuse=$WPID
master cmd cmd.yaml --batch-size 4
for i in $(seq 100); do grep -q "refusing run" refuse.log && break; sleep 0.05; done
grep -q "refusing run .*runs an external command.*--allow-commands" refuse.log || fail "not refused: $(cat refuse.log)"
worker allow --allow-commands --runtime 30s; allow=$WPID
wait_ok "$MPID" "master of a command model" cmd.err
expect_status 0 "$ABCSMC" run cmd.yaml -o cmd_single.h5 --sampler single
same_results cmd_single.h5 cmd.h5 "command model via redis vs single-core"
manager stop >/dev/null
wait "$refuse" "$allow" || true

cat > slow.yaml <<YAML
seed: 9
population_size: 30
parameters:
  a: {type: normal, mean: 0, sd: 1}
  k: {type: discrete_uniform, low: 0, high: 4}
model: {builtin: gaussian_linear, options: {n: 2, sigma: 0.5}, delay: {type: constant, value: 0.01}}
observed: {x: [0.3, 2.0]}
epsilon: {type: quantile, alpha: 0.5, calibration_size: 30}
stop: {max_generations: 50}
YAML
# The server flushed mid-run (as after a restart without persistence): a clear message, exit 3.
worker f1 --runtime 60s; f1=$WPID
master flushed slow.yaml --batch-size 2
for i in $(seq 200); do grep -q "t=0 " flushed.err && break; sleep 0.02; done
redis-cli -p "$PORT" -a "$ABCSMC_REDIS_PASSWORD" --no-auth-warning flushall >/dev/null
rc=0; wait "$MPID" || rc=$?
[ "$rc" -eq 3 ] || fail "master exited $rc after FLUSHALL: $(cat flushed.err)"
grep -q "lost the state of run" flushed.err || fail "no clear error after FLUSHALL: $(cat flushed.err)"
manager stop >/dev/null
wait_ok "$f1" "worker after FLUSHALL" f1.log

# The server killed mid-run, for longer than the master's reconnect window.
worker s1 --runtime 60s
worker s2 --runtime 60s
master dead slow.yaml --batch-size 2 --reconnect-window 2s
for i in $(seq 200); do grep -q "t=1 " dead.err && break; sleep 0.05; done
kill -9 "$REDIS_PID"
rc=0; wait "$MPID" || rc=$?
[ "$rc" -eq 3 ] || fail "master exited $rc after the server died: $(cat dead.err)"
grep -q "Redis server at 127.0.0.1:$PORT unreachable for 2 s" dead.err || fail "no clear error: $(cat dead.err)"
expect_status 0 "$ABCSMC" inspect dead.h5 --format csv
[ -s out.txt ] || fail "results file has no complete generation"
echo "redis errors: all checks passed"
