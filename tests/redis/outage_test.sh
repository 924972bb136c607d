#!/usr/bin/env bash
# The Redis server restarted mid-run (issue 11, "survive a server restart"), against real
# redis-servers with an append-only file (appendfsync always) in a data directory:
#  1. down for 10 s and back with its data: the master and both workers reconnect, the run
#     ends with exit 0, bit-identical to single-core, and the workers are still alive;
#  2. back EMPTY (its data gone): the master stops with exit 3 and a clear message; --resume
#     against the empty server, served by the same workers, ends identical to single-core;
#  3. down longer than the master's --reconnect-window 3s: exit 3 with the message, every
#     generation logged as complete is in the results file, and --resume completes it; a
#     worker that gets SIGTERM while it waits for the server leaves at once with exit 0.
source "$(dirname "$0")/common.sh"
# The private server of common.sh has no persistence: this test runs its own on that port.
kill "$REDIS_PID"
stopped() { ! kill -0 "$1" 2>/dev/null; }
for i in $(seq 200); do stopped "$REDIS_PID" && break; sleep 0.05; done
# server_up DIR: redis-server on $PORT with its append-only file in DIR (sets REDIS_PID).
server_up() {
  mkdir -p "$1"
  redis-server --bind 127.0.0.1 --port "$PORT" --requirepass "$ABCSMC_REDIS_PASSWORD" --save '' \
    --appendonly yes --appendfsync always --daemonize yes --pidfile "$PWD/$1/redis.pid" \
    --logfile "$PWD/$1/redis.log" --dir "$PWD/$1"
  local i=0
  until redis-cli -p "$PORT" -a "$ABCSMC_REDIS_PASSWORD" --no-auth-warning ping 2>/dev/null | grep -q PONG; do
    sleep 0.05; i=$((i + 1)); [ "$i" -lt 200 ] || fail "redis-server did not start: $(cat "$1/redis.log")"
  done
  REDIS_PID=$(cat "$1/redis.pid")
}
# server_down: SIGTERM (the append-only file is complete: every write was fsynced), then gone.
server_down() {
  local pid=$REDIS_PID i
  kill -TERM "$pid"
  for i in $(seq 200); do stopped "$pid" && return 0; sleep 0.05; done
  fail "redis-server $pid did not stop"
}
alive() { kill -0 "$1" 2>/dev/null || fail "$2 is gone: $(tail -5 "$3")"; }
# Slow enough (20 ms a simulation) that a run spans the outage, and that a generation after
# the first lasts long enough for the server to go down inside it.
cat > slow.yaml <<YAML
seed: 31
population_size: 30
parameters:
  a: {type: normal, mean: 0, sd: 1}
  k: {type: discrete_uniform, low: 0, high: 4}
model: {builtin: gaussian_linear, options: {n: 2, sigma: 0.5}, delay: {type: constant, value: 0.02}}
observed: {x: [0.3, 2.0]}
epsilon: {type: quantile, alpha: 0.5, calibration_size: 30}
stop: {max_generations: 4}
YAML
t0=$(date +%s)
expect_status 0 "$ABCSMC" run slow.yaml -o single.h5 --sampler single
server_up data
worker w1 --runtime 110s; w1=$WPID
worker w2 --runtime 110s; w2=$WPID
worker w3 --runtime 110s; w3=$WPID

# 1. Down for 10 s, back with its data.
master kept slow.yaml --batch-size 2 --lease 2
wait_for_generation kept.h5 0
server_down
sleep 10
alive "$MPID" "the master during the outage" kept.err
server_up data
wait_ok "$MPID" "master after a 10 s outage" kept.err
[ "$(generations kept.h5)" -eq 4 ] || fail "kept.h5 is not complete"
same_results single.h5 kept.h5 "run across a 10 s server outage"
grep -q "lost the Redis server at 127.0.0.1:$PORT" kept.err || fail "master: no outage message: $(cat kept.err)"
grep -q "reconnected to 127.0.0.1:$PORT after" kept.err || fail "master: no reconnect message: $(cat kept.err)"
grep -q "kept round .* carrying on" kept.err || fail "master: did not check the run's keys: $(cat kept.err)"
for w in w1 w2; do grep -q "reconnected" "$w.log" || fail "$w: no reconnect message: $(cat "$w.log")"; done
alive "$w1" "worker 1 after the outage" w1.log
alive "$w2" "worker 2 after the outage" w2.log
echo "1. a 10 s outage: survived, identical to single-core, workers alive ($(($(date +%s) - t0)) s so far)"

# 2. Back empty: the master stops resumable; the resumed run, served by the same workers
#    (a second and third run for them), ends identical.
master empty slow.yaml --batch-size 2 --lease 2
wait_for_generation empty.h5 0
sleep 0.2  # inside generation 1 (between rounds the next round would start on the empty server)
server_down
server_up fresh
rc=0; wait "$MPID" || rc=$?
[ "$rc" -eq 3 ] || fail "master exited $rc when the server came back empty, expected 3: $(cat empty.err)"
grep -q "lost the state of run .*stopped" empty.err || fail "no clear message: $(cat empty.err)"
grep -q "continue with: abcsmc run slow.yaml --resume" empty.err || fail "no resume hint: $(cat empty.err)"
n=$(generations empty.h5)
[ "$n" -ge 1 ] && [ "$n" -lt 4 ] || fail "empty.h5 holds $n generations"
master empty slow.yaml --resume
wait_ok "$MPID" "resumed master after the server came back empty" empty.err
same_results single.h5 empty.h5 "resumed after the server came back empty"
alive "$w1" "worker 1 after the empty server" w1.log
alive "$w2" "worker 2 after the empty server" w2.log
echo "2. back empty: exit 3, resumed identical with $n generation(s) kept ($(($(date +%s) - t0)) s so far)"

# 3. Down longer than the master's reconnect window.
master window slow.yaml --batch-size 2 --lease 2 --reconnect-window 3s
wait_for_generation window.h5 0
server_down
start=$(date +%s)
rc=0; wait "$MPID" || rc=$?
took=$(($(date +%s) - start))
[ "$rc" -eq 3 ] || fail "master exited $rc after its reconnect window, expected 3: $(cat window.err)"
grep -q "Redis server at 127.0.0.1:$PORT unreachable for 3 s" window.err || fail "no clear message: $(cat window.err)"
grep -q "continue with: abcsmc run slow.yaml --resume" window.err || fail "no resume hint: $(cat window.err)"
[ "$took" -le 15 ] || fail "the master took $took s to give up a 3 s window"
logged=$(grep -c "t=[0-9]* eps=" window.err || true)
n=$(generations window.h5)
[ "$n" -ge 1 ] && [ "$n" -eq "$logged" ] || fail "window.h5 holds $n generations, $logged were logged as complete"
grep -q "lost the Redis server" w3.log || fail "worker 3 did not notice the outage: $(cat w3.log)"
pkill -TERM -P "$w3"
start=$(date +%s)
rc=0; wait "$w3" || rc=$?
[ "$rc" -eq 0 ] || fail "worker 3 exited $rc after SIGTERM while the server was away: $(cat w3.log)"
[ $(($(date +%s) - start)) -le 5 ] || fail "worker 3 took more than 5 s to leave"
grep -q "terminated by signal while the server was away" w3.log || fail "worker 3: $(cat w3.log)"
server_up data
alive "$w1" "worker 1 after the long outage" w1.log
master window slow.yaml --resume
wait_ok "$MPID" "resumed master after the reconnect window" window.err
same_results single.h5 window.h5 "resumed after the reconnect window ran out"
echo "3. window of 3 s: exit 3 after $took s, $n generation(s) kept, resumed identical"

manager stop >/dev/null
wait_ok "$w1" "worker 1 at the end" w1.log
wait_ok "$w2" "worker 2 at the end" w2.log
echo "redis outage: all checks passed in $(($(date +%s) - t0)) s"
