#!/usr/bin/env bash
# Bad configs exit 2 with file:line, key and value, every error at once, and write nothing.
source "$(dirname "$0")/common.sh"
cat > bad.yaml <<'YAML'
seed: 1
populaton_size: 100
parameters:
  theta: {type: uniform, low: 2, high: 1}
model: {builtin: gaussian_mean}
observed: {y: 0.5, z: 1.0}
epsilon: {type: quantile, alpha: 1.5}
output: {path: bad.h5}
YAML
expect_status 2 "$ABCSMC" validate bad.yaml
grep -q "bad.yaml:2" err.txt || fail "no file:line for the misspelled key: $(cat err.txt)"
grep -q "population_size" err.txt || fail "no did-you-mean for populaton_size"
grep -q "bad.yaml:4" err.txt || fail "no file:line for the bad prior"
grep -q "alpha" err.txt || fail "alpha error missing"
grep -q "'z'" err.txt || fail "unknown observed statistic not reported"
expect_status 2 "$ABCSMC" run bad.yaml
[ ! -e bad.h5 ] || fail "a bad config wrote an output file"
expect_status 2 "$ABCSMC" validate does-not-exist.yaml
echo "config_errors: all checks passed"
