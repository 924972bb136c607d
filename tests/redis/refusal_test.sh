#!/usr/bin/env bash
# Never a silent wait under Redis (issue 10): a master whose workers all refuse its run (here: an
# external command without --allow-commands) ends with exit 1 and the workers' reason within
# seconds; `on_failure: abort` on a worker ends the master the same way while the worker goes on
# serving other runs; the reasons candidates fail come back from the workers, counted exactly as
# single-core counts them; a model that always fails ends the run (fail fast, exit 1), and
# SIGUSR1 ends a generation that can never finish within seconds (exit 3, resumable).
source "$(dirname "$0")/common.sh"
has() { grep -q -- "$1" "$2" || { cat "$2" >&2; fail "'$1' not in $2"; }; }

cat > diverge.sh <<'SH'
#!/bin/sh
case "$1" in -*) echo "ODE solver diverged" >&2; exit 1;; esac
echo "$1"
SH
chmod +x diverge.sh
config() {  # config FILE ON_FAILURE
  cat > "$1" <<YAML
seed: 5
population_size: 40
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {command: [$PWD/diverge.sh, '{theta}'], statistics: [y], on_failure: $2}
observed: {y: 0.5}
epsilon: {type: quantile, alpha: 0.5, calibration_size: 40}
stop: {max_generations: 2}
YAML
}
config reject.yaml reject
config abort.yaml abort

# 1. Every live worker refuses: exit 1 with the reason, well within a minute (grace 10 s).
worker refuser --runtime 60s; refuser=$WPID
start=$SECONDS
master refused reject.yaml --batch-size 4
rc=0; wait "$MPID" || rc=$?
[ "$rc" -eq 1 ] || { cat refused.err >&2; fail "master exited $rc with every worker refusing, expected 1"; }
[ $((SECONDS - start)) -le 40 ] || fail "the refused run took $((SECONDS - start)) s to end"
has "every live Redis worker refuses this run" refused.err
has "runs an external command" refused.err
has "allow-commands" refused.err
kill "$refuser" 2>/dev/null || true; wait "$refuser" 2>/dev/null || true

# 2. on_failure: abort on a worker: the master ends at once with the model's message; the
#    worker survives and serves the next run.
worker server --allow-commands --runtime 60s; server=$WPID
start=$SECONDS
master aborted abort.yaml --batch-size 4
rc=0; wait "$MPID" || rc=$?
[ "$rc" -eq 1 ] || { cat aborted.err >&2; fail "master exited $rc after an abort on a worker, expected 1"; }
[ $((SECONDS - start)) -le 20 ] || fail "the aborted run took $((SECONDS - start)) s to end"
has "a Redis worker ended the run" aborted.err
has "on_failure policy is 'abort'" aborted.err
has "ODE solver diverged" aborted.err
kill -0 "$server" 2>/dev/null || { cat server.log >&2; fail "the worker died with the aborted run"; }

# 3. Under reject, failure reasons travel back: the same tallies as single-core, per generation.
master reasons reject.yaml --batch-size 3
wait_ok "$MPID" "master of the reject run" reasons.err
has 'failed=[0-9]*: exit status 1 "ODE solver diverged"' reasons.err
expect_status 0 "$ABCSMC" run reject.yaml -o single.h5 --sampler single
same_results single.h5 reasons.h5 "reject run via redis vs single-core"
/usr/bin/python3 - single.h5 reasons.h5 <<'PY'
import sys, h5py
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
for t in a["generations"]:
    for key in ("failure_reasons", "failure_counts", "first_failure"):
        x, y = a["generations"][t].attrs[key], b["generations"][t].attrs[key]
        assert list(x) == list(y) if hasattr(x, "__len__") and not isinstance(x, (str, bytes)) else x == y, (t, key, x, y)
assert sum(a["generations/t0000"].attrs["failure_counts"]) > 0
PY

# 4. Fail fast through Redis: exit 1 with the model's message.
cat > fails.sh <<'SH'
#!/bin/sh
echo "licence server unreachable" >&2; exit 2
SH
chmod +x fails.sh
cat > fails.yaml <<YAML
seed: 5
population_size: 40
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {command: [$PWD/fails.sh], statistics: [y]}
observed: {y: 0.5}
stop: {max_generations: 2, fail_fast: 60}
YAML
start=$SECONDS
master failing fails.yaml --batch-size 4
rc=0; wait "$MPID" || rc=$?
[ "$rc" -eq 1 ] || { cat failing.err >&2; fail "an always failing model via redis exited $rc, expected 1"; }
[ $((SECONDS - start)) -le 30 ] || fail "fail fast via redis took $((SECONDS - start)) s"
has "the first 60 candidates of calibration all failed" failing.err
has "licence server unreachable" failing.err

# 5. SIGUSR1 while generation 1 can never finish: exit 3 within seconds; the file resumes.
cat > hopeless.yaml <<YAML
seed: 5
population_size: 40
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {builtin: gaussian_mean}
observed: {y: 0.5}
epsilon: {type: list, values: [5, 1.0e-12]}
stop: {max_generations: 3}
YAML
master hopeless hopeless.yaml --batch-size 8
wait_for_generation hopeless.h5 0
sleep 1
pkill -USR1 -P "$MPID"
start=$SECONDS
rc=0; wait "$MPID" || rc=$?
[ "$rc" -eq 3 ] || { cat hopeless.err >&2; fail "SIGUSR1 in a hopeless generation via redis: exit $rc, expected 3"; }
[ $((SECONDS - start)) -le 10 ] || fail "SIGUSR1 via redis took $((SECONDS - start)) s to act"
has "(generation 1 was in progress: dropped" hopeless.err
[ "$(generations hopeless.h5)" -eq 1 ] || fail "expected generation 0 in hopeless.h5"
manager stop >/dev/null
wait "$server" 2>/dev/null || true
echo "redis refusal: all checks passed"
