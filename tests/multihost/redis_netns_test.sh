#!/usr/bin/env bash
# Issue 17: a Redis run across three hosts (network namespaces, tests/multihost/common.sh): the
# server on h1, the master on h0, worker processes on h1 and h2, all over the namespaces'
# private network with a password: every generation bit-identical to single core.
source "$(dirname "$0")/common.sh"
command -v redis-server >/dev/null || skip "redis-server is not installed"
export ABCSMC_REDIS_PASSWORD="pw-$RANDOM-$RANDOM-multihost"
on_host 1 redis-server --bind "${ADDR[1]}" --port 6379 --requirepass "$ABCSMC_REDIS_PASSWORD" \
  --save '' --appendonly no --protected-mode no > redis.log 2>&1 &
for _ in $(seq 100); do
  on_host 0 redis-cli -h h1 -a "$ABCSMC_REDIS_PASSWORD" --no-auth-warning ping 2>/dev/null | grep -q PONG && break
  sleep 0.1
done
on_host 0 redis-cli -h h1 -a "$ABCSMC_REDIS_PASSWORD" --no-auth-warning ping | grep -q PONG ||
  fail "the master's host cannot reach redis-server on h1: $(cat redis.log)"

cfg="$ABCSMC_SOURCE_DIR/tests/mpi/determinism.yaml"
expect_status 0 "$ABCSMC" run "$cfg" -o single.h5 --sampler single
on_host 2 timeout -k 2 120 "$ABCSMC" redis-worker --host h1 --processes 2 > workers_h2.log 2>&1 &
w2=$!
on_host 1 timeout -k 2 120 "$ABCSMC" redis-worker --host h1 > workers_h1.log 2>&1 &
w1=$!
set +e
on_host 0 timeout -k 2 120 "$ABCSMC" run "$cfg" -o redis.h5 --sampler redis --redis-host h1 \
  --redis-port 6379 --batch-size 3 > out.txt 2> err.txt
rc=$?
set -e
[ "$rc" -eq 0 ] || { cat out.txt err.txt workers_h2.log >&2; fail "the master on h0 exited $rc"; }
on_host 0 "$ABCSMC" redis-manager --host h1 --port 6379 stop > /dev/null
wait "$w1" "$w2" || { cat workers_h1.log workers_h2.log >&2; fail "workers did not exit cleanly"; }
same_results single.h5 redis.h5 "Redis across three hosts vs single core"
# Workers on both hosts took part, under their hosts' names.
grep -q "redis worker h1:.*joined run" workers_h1.log || fail "no worker on h1 joined: $(cat workers_h1.log)"
[ "$(grep -c "redis worker h2:.*joined run" workers_h2.log)" -eq 2 ] ||
  fail "the two workers on h2 did not both join: $(cat workers_h2.log)"
echo "Redis across three namespaces: all checks passed"
