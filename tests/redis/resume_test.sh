#!/usr/bin/env bash
# `--resume` with the Redis sampler: the master killed with kill -9 mid-run, and stopped by
# SIGTERM (exit 3), is resumed against the same, still running workers and ends bit-identical to
# an uninterrupted single-core run.
source "$(dirname "$0")/common.sh"
sed "s/^stop: .*/stop: {max_generations: 5}/" "$ABCSMC_SOURCE_DIR/tests/cli/resume.yaml" > run.yaml
expect_status 0 "$ABCSMC" run run.yaml -o reference.h5 --sampler single
worker w1 --runtime 100s
worker w2 --runtime 100s

master killed run.yaml --batch-size 2
wait_for_generation killed.h5 1
kill9 "$MPID"; wait "$MPID" 2>/dev/null || true
n=$(generations killed.h5)
[ "$n" -lt 5 ] || fail "killed.h5 finished before the master was killed"
master killed run.yaml --resume
wait_ok "$MPID" "resumed master" killed.err
grep -q "resuming 'killed.h5' after generation $((n - 1)) " killed.err || { cat killed.err >&2; fail "wrong resume point"; }
same_results reference.h5 killed.h5 "redis master killed with $n generation(s) on file, resumed"
echo "kill -9 of the master with $n generation(s) on file: resumed identical"

master term run.yaml
wait_for_generation term.h5 1
pkill -TERM -P "$MPID"
rc=0; wait "$MPID" || rc=$?
[ "$rc" -eq 3 ] || { cat term.err >&2; fail "master stopped by SIGTERM exited $rc, expected 3"; }
master term run.yaml --resume
wait_ok "$MPID" "resumed master" term.err
same_results reference.h5 term.h5 "redis master stopped by SIGTERM, resumed"
echo "SIGTERM to the master: exit 3, resumed identical"
echo "redis resume: all checks passed"
