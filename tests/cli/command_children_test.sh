#!/usr/bin/env bash
# External-command simulators do not outlive `abcsmc run`: a master stopped by SIGTERM or SIGINT
# (exit 3) or killed by SIGKILL leaves no simulator behind, neither the command itself (a sleep
# exec'd by bash) nor a grandchild in its process group (a sleep below a waiting shell); the
# guard process (a copy of abcsmc) leaves too.
source "$(dirname "$0")/common.sh"
# A sleep length no other test uses: this test's simulators are found by their argv.
base=$((2000000 + ($$ % 100000) * 10))
count() { pgrep -fc -- "$1" || true; }   # pattern like "[s]leep 123" (not pgrep's own shell)
wait_count() {  # wait_count PATTERN OP N SECONDS: until $(count PATTERN) OP N
  local i
  for i in $(seq 1 $(($4 * 20))); do
    [ "$(count "$1")" "$2" "$3" ] && return 0
    sleep 0.05
  done
  return 1
}
case_() {  # case_ NAME SIGNAL SCRIPT EXPECTED_EXIT: SCRIPT runs "sleep $len"
  local name=$1 signal=$2 len=$3 script=$4 want=$5
  cat > "$name.yaml" <<YAML
seed: 5
population_size: 20
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {command: [bash, -c, '$script', sim, '{theta}'], statistics: [y]}
observed: {y: 0.5}
output: {path: $name.h5}
YAML
  "$ABCSMC" run "$name.yaml" --threads 2 --overwrite > "$name.out" 2> "$name.err" &
  local pid=$!
  # Both threads' simulators running: two processes each when a shell waits for the sleep (its
  # argv names the sleep too). Waiting for fewer would signal while the second command is still
  # being started, the documented gap of a few microseconds before it is registered.
  local running=2
  case "$script" in *";"*) running=4;; esac
  wait_count "[s]leep $len" -ge "$running" 20 || { cat "$name.err" >&2; fail "$name: the simulators did not start"; }
  kill -s "$signal" "$pid"
  local rc=0
  wait "$pid" || rc=$?
  [ "$rc" -eq "$want" ] || { cat "$name.err" >&2; fail "$name: abcsmc exited $rc, expected $want"; }
  wait_count "[s]leep $len" -eq 0 5 ||
    { pgrep -af -- "[s]leep $len" >&2; fail "$name: simulators outlived abcsmc (SIG$signal) by 5 s"; }
  wait_count "[a]bcsmc run $name.yaml" -eq 0 5 ||
    { pgrep -af -- "[a]bcsmc run $name.yaml" >&2; fail "$name: the guard process did not leave"; }
  echo "SIG$signal ($name): exit $rc, no simulator left"
}
# The command is the sleep itself (bash execs it); then a sleep below a shell that waits for it.
case_ term_direct TERM $((base + 1)) "sleep $((base + 1))" 3
case_ term_grandchild TERM $((base + 2)) "sleep $((base + 2)); echo y 1" 3
case_ int_grandchild INT $((base + 3)) "sleep $((base + 3)); echo y 1" 3
case_ kill_direct KILL $((base + 4)) "sleep $((base + 4))" 137
case_ kill_grandchild KILL $((base + 5)) "sleep $((base + 5)); echo y 1" 137
echo "command_children: all checks passed"
