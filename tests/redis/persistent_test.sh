#!/usr/bin/env bash
# Persistent simulators under Redis: a worker refuses one without --allow-commands (the run ends
# with exit 1 and the reason, nothing started), and with it, two worker processes each start
# their own Python children and the results are bit-identical to single-core.
source "$(dirname "$0")/common.sh"
py=/usr/bin/python3
[ -x "$py" ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
ex="$ABCSMC_SOURCE_DIR/config/examples"
sed "s|persistent: \[./persistent_sim.py\]|persistent: [$py, $ex/persistent_sim.py]|" \
  "$ex/persistent_python.yaml" > example.yaml
grep -q "persistent: \[$py" example.yaml || fail "the example's persistent line changed; update this test"
expect_status 0 "$ABCSMC" run example.yaml -o single.h5 --sampler single

worker refuser --runtime 60s; refuser=$WPID
master refused example.yaml --batch-size 4
rc=0; wait "$MPID" || rc=$?
[ "$rc" -eq 1 ] || { cat refused.err >&2; fail "master exited $rc with the worker refusing, expected 1"; }
grep -q "runs a persistent simulator" refused.err || { cat refused.err >&2; fail "no refusal reason"; }
grep -q "allow-commands" refused.err || { cat refused.err >&2; fail "no --allow-commands hint"; }
kill "$refuser" 2>/dev/null || true; wait "$refuser" 2>/dev/null || true

worker w --processes 2 --allow-commands --runtime 60s; w=$WPID
# The model takes batches of 4 (config batch:) inside the sampler's blocks of 8.
sed 's/^  restarts: 100 .*/&\n  batch: 4/' example.yaml > batched.yaml
grep -q "^  batch: 4" batched.yaml || fail "the example's restarts line changed; update this test"
expect_status 0 timeout 60 "$ABCSMC" run batched.yaml -o redis.h5 --sampler redis --redis-port "$PORT" --batch-size 8
same_results single.h5 redis.h5 "persistent simulator in batches of 4, redis 2 workers vs single-core"
manager stop >/dev/null
wait_ok "$w" "workers after stop" w.log
echo "redis persistent: all checks passed"
