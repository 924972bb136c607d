#!/usr/bin/env bash
# A Redis worker stopped by SIGTERM or SIGINT while its external commands run ends them (and
# their grandchildren) at once, leaves with exit 0 and hands its claim back: another worker
# evaluates it, long before the claim's lease (60 s) would have expired, and the run completes.
# A worker killed by SIGKILL leaves no command behind either (its guard process ends them).
source "$(dirname "$0")/common.sh"
len=$((3000000 + ($$ % 100000) * 10))  # a sleep length no other test uses
count() { pgrep -fc -- "[s]leep $1" || true; }
wait_count() {  # wait_count LEN OP N SECONDS
  local i
  for i in $(seq 1 $(($4 * 20))); do [ "$(count "$1")" "$2" "$3" ] && return 0; sleep 0.05; done
  return 1
}
# Slow (a sleep below a shell) until the file 'fast' exists, then quick.
cat > cmd.yaml <<YAML
seed: 4
population_size: 6
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model:
  command: [bash, -c, 'if [ -e fast ]; then echo "y \$1"; else sleep \$2; echo "y \$1"; fi', sim, '{theta}', '$len']
  statistics: [y]
observed: {y: 0.5}
epsilon: {type: quantile, alpha: 0.5, calibration_size: 6}
stop: {max_generations: 1}
YAML
stop_worker() {  # stop_worker SIGNAL: a worker in a slow command gets SIGNAL
  local signal=$1 pid rc=0 t0 want=0
  worker "w$signal" --allow-commands --batch-size 3 --runtime 100s
  wait_count "$len" -ge 1 20 || { cat "w$signal.log" >&2; fail "SIG$signal: the worker's command did not start"; }
  pid=$(pgrep -P "$WPID" -x abcsmc | head -1)
  [ -n "$pid" ] || fail "no abcsmc below timeout $WPID"
  t0=$(date +%s)
  kill -s "$signal" "$pid"
  wait "$WPID" || rc=$?
  [ "$signal" = KILL ] && want=137
  [ "$rc" -eq "$want" ] || { cat "w$signal.log" >&2; fail "SIG$signal: the worker exited $rc, expected $want"; }
  [ $(($(date +%s) - t0)) -le 5 ] || fail "SIG$signal: the worker took more than 5 s to leave"
  wait_count "$len" -eq 0 5 || { pgrep -af -- "[s]leep $len" >&2; fail "SIG$signal: commands outlived the worker"; }
  [ "$signal" = KILL ] || grep -q "terminated by signal" "w$signal.log" || fail "SIG$signal: $(cat "w$signal.log")"
  echo "SIG$signal to a worker in a command: it left at once, no command left"
}
# SIGTERM and SIGINT: the claims come back at once (the lease is 60 s).
master handback cmd.yaml --batch-size 3 --lease 60
stop_worker TERM
stop_worker INT
touch fast
t0=$(date +%s)
worker last --allow-commands --batch-size 3 --runtime 100s
wait_ok "$MPID" "master" handback.err
[ $(($(date +%s) - t0)) -le 30 ] || fail "the handed-back claims were not taken at once"
kill -TERM "$WPID"; wait "$WPID" || true
# SIGKILL: the guard ends the commands; the claim comes back when its lease (2 s) expires.
rm fast
master killed cmd.yaml --batch-size 3 --lease 2
stop_worker KILL
touch fast
worker last2 --allow-commands --batch-size 3 --runtime 100s
wait_ok "$MPID" "master" killed.err
echo "worker_commands: all checks passed"
