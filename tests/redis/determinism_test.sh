#!/usr/bin/env bash
# DESIGN.md section 2: Redis results are bit-identical to single-core with 1, 2 and 4 workers
# and several batch sizes (every generation compared), workers started before the master.
source "$(dirname "$0")/common.sh"
cfg="$ABCSMC_SOURCE_DIR/tests/mpi/determinism.yaml"
expect_status 0 "$ABCSMC" run "$cfg" -o single.h5 --sampler single
for case in "1 1" "2 7" "4 64" "4 1" "2 0"; do
  set -- $case; W=$1; B=$2
  worker "w$W-b$B" --processes "$W" --runtime 60s
  wp=$WPID
  expect_status 0 timeout 60 "$ABCSMC" run "$cfg" -o "redis_w${W}_b$B.h5" --sampler redis --redis-port "$PORT" --batch-size "$B"
  same_results single.h5 "redis_w${W}_b$B.h5" "redis $W workers batch $B vs single-core"
  "$ABCSMC" inspect "redis_w${W}_b$B.h5" | grep -q "sampler  *redis, dynamic scheduling" ||
    fail "header does not record the redis sampler"
  manager stop >/dev/null
  wait_ok "$wp" "redis-worker --processes $W after stop" "w$W-b$B.log"
done
# Two workers with their own batch-size override (different claim sizes in one round).
worker wa --batch-size 3 --runtime 60s; a=$WPID
worker wb --batch-size 11 --runtime 60s; b=$WPID
expect_status 0 timeout 60 "$ABCSMC" run "$cfg" -o mixed.h5 --sampler redis --redis-port "$PORT" --batch-size 5
same_results single.h5 mixed.h5 "redis with worker batch-size overrides vs single-core"
manager stop >/dev/null
wait_ok "$a" "worker a" wa.log; wait_ok "$b" "worker b" wb.log
# Two runs at once on one server stay apart by run id (each identical to its single-core run).
sed 's/^seed: .*/seed: 99/' "$cfg" > other.yaml
expect_status 0 "$ABCSMC" run other.yaml -o other_single.h5 --sampler single
worker c --processes 3 --runtime 60s; c=$WPID
master one "$cfg" --batch-size 2; m1=$MPID
master two other.yaml --batch-size 5; m2=$MPID
wait_ok "$m1" "first of two concurrent runs" one.err
wait_ok "$m2" "second of two concurrent runs" two.err
same_results single.h5 one.h5 "first of two concurrent runs"
same_results other_single.h5 two.h5 "second of two concurrent runs"
manager stop >/dev/null
wait_ok "$c" "workers of concurrent runs" c.log
echo "redis determinism: all checks passed"
