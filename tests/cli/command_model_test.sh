#!/usr/bin/env bash
# External command models from the command line: the bash/awk example runs; a missing
# executable and an unknown placeholder are config errors (exit 2); abort shows the command,
# its exit status and its stderr (exit 1); reject counts failures in the log and the results.
source "$(dirname "$0")/common.sh"
ex="$ABCSMC_SOURCE_DIR/config/examples/external_model.yaml"
sed -e "s|\./gauss_sim.sh|$ABCSMC_SOURCE_DIR/config/examples/gauss_sim.sh|" \
    -e 's|population_size: 200|population_size: 60|' -e 's|calibration_size: 200|calibration_size: 60|' \
    -e 's|max_generations: 4|max_generations: 2|' "$ex" > external.yaml
expect_status 0 "$ABCSMC" validate external.yaml
expect_status 0 "$ABCSMC" run external.yaml -o external.h5 --threads 2
# The example as shipped validates from any directory (its command is relative to the file).
expect_status 0 "$ABCSMC" validate "$ex"

model() {  # model NAME MODEL_YAML
  cat > "$1.yaml" <<YAML
seed: 3
population_size: 30
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: $2
observed: {y: 0.5}
epsilon: {type: quantile, alpha: 0.5, calibration_size: 30}
stop: {max_generations: 2}
output: {path: $1.h5}
YAML
}
model missing "{command: [./no-such-sim.sh, '{theta}'], statistics: [y]}"
expect_status 2 "$ABCSMC" validate missing.yaml
grep -q "missing.yaml:4" err.txt || fail "no file:line: $(cat err.txt)"
grep -q "no-such-sim.sh' does not exist" err.txt || fail "missing executable not explained: $(cat err.txt)"
model nopath "{command: [no-such-simulator-abc, '{theta}'], statistics: [y]}"
expect_status 2 "$ABCSMC" validate nopath.yaml
grep -q "not found in PATH" err.txt || fail "$(cat err.txt)"
model placeholder "{command: [echo, '{thta}', '{seed}'], statistics: [y]}"
expect_status 2 "$ABCSMC" validate placeholder.yaml
grep -q "unknown placeholder '{thta}'. Did you mean 'theta'?" err.txt || fail "$(cat err.txt)"
model nostats "{command: [echo, '{theta}']}"
expect_status 2 "$ABCSMC" validate nostats.yaml
grep -q "has no 'statistics'" err.txt || fail "$(cat err.txt)"
model policy "{command: [echo, '{theta}'], statistics: [y], on_failure: stop}"
expect_status 2 "$ABCSMC" validate policy.yaml
grep -q "'reject' or 'abort'" err.txt || fail "$(cat err.txt)"

fault="if [[ \$1 == -[1-9]* && \$1 != *e* ]]; then echo \"simulator exploded\" >&2; exit 7; fi; echo \"y \$1\""
model abort "{command: [bash, -c, '$fault', sim, '{theta}'], statistics: [y], on_failure: abort}"
expect_status 1 "$ABCSMC" run abort.yaml
grep -q "command \`bash -c" err.txt || fail "abort does not show the command: $(cat err.txt)"
grep -q "exited with status 7" err.txt || fail "abort does not show the exit status: $(cat err.txt)"
grep -q "simulator exploded" err.txt || fail "abort does not show stderr: $(cat err.txt)"
model reject "{command: [bash, -c, '$fault', sim, '{theta}'], statistics: [y], on_failure: reject}"
expect_status 0 "$ABCSMC" run reject.yaml
grep -Eq "failed=[1-9]" err.txt out.txt || fail "rejected failures not counted in the log: $(cat err.txt)"
expect_status 0 "$ABCSMC" inspect reject.h5 --format json
echo "command_model: all checks passed"
