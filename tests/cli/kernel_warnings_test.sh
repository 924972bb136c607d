#!/usr/bin/env bash
# The warnings that point at the kernel settings (issue 14): `validate` names a model with many
# continuous parameters under the global kernel, and a run whose ESS collapses says so in its
# log with the setting to change (pyABC's defaults in 50 dimensions: the ESS falls below 1%).
source "$(dirname "$0")/common.sh"
cat > many.yaml <<'YAML'
seed: 5
population_size: 200
parameters:
YAML
for i in $(seq 0 49); do echo "  t$i: {type: normal, mean: 0, sd: 1}" >> many.yaml; done
cat >> many.yaml <<YAML
model: {builtin: gaussian_linear, options: {n: 1, sigma: 0.5}}
observed: {x: [$(seq -s, 1 50 | sed 's/[0-9]*/0.3/g')]}
transition: {scaling: 1, defensive: 0}
stop: {max_generations: 3}
YAML
expect_status 0 "$ABCSMC" validate many.yaml
grep -q "model 'gaussian_linear' has 50 continuous parameters" err.txt ||
  { cat out.txt err.txt >&2; fail "validate gave no warning for 50 parameters"; }
expect_status 0 "$ABCSMC" run many.yaml -o many.h5 --overwrite
grep -Eq "warn.*t=[12]: ESS [0-9.]+ is [0-9.]+% of the population: a few particles carry the weights" err.txt out.txt ||
  { cat out.txt err.txt >&2; fail "no ESS warning in the log"; }
grep -q "transition.defensive: 0.05 bounds every weight" err.txt out.txt ||
  { cat out.txt err.txt >&2; fail "the ESS warning does not name the setting"; }
# A few parameters: no warning.
expect_status 0 "$ABCSMC" validate "$ABCSMC_SOURCE_DIR/config/examples/gaussian.yaml"
if grep -q "continuous parameters" err.txt; then cat err.txt >&2; fail "a warning for one parameter"; fi
echo "kernel_warnings_test: ok"
