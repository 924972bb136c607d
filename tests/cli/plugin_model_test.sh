#!/usr/bin/env bash
# Plugin models from the command line: the example config runs, and a missing .so, a library
# that is not a plugin and a wrong ABI version are config errors (exit 2) at validation.
source "$(dirname "$0")/common.sh"
: "${ABCSMC_PLUGIN_DIR:?directory of the built example and test plugins}"
ex="$ABCSMC_SOURCE_DIR/config/examples/plugin_model.yaml"
# The example names ../../build/plugins/...; point it at this build's plugins.
sed -e "s|plugin: .*libabcsmc_gauss_c.so|plugin: $ABCSMC_PLUGIN_DIR/libabcsmc_gauss_c.so|" \
    -e 's|population_size: 1000|population_size: 300|' -e 's|calibration_size: 1000|calibration_size: 300|' \
    -e 's|max_generations: 8|max_generations: 3|' "$ex" > plugin.yaml
expect_status 0 "$ABCSMC" validate plugin.yaml
expect_status 0 "$ABCSMC" run plugin.yaml -o plugin.h5
grep -q "failed=0" err.txt out.txt || fail "no failed= count in the log"
expect_status 0 "$ABCSMC" inspect plugin.h5
grep -qi "failed" out.txt || fail "inspect does not show failed simulations: $(cat out.txt)"

bad() {  # bad NAME PLUGIN_LINE: writes NAME.yaml with that model line
  cat > "$1.yaml" <<YAML
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: $2
observed: {y: 0.5}
output: {path: $1.h5}
YAML
}
bad missing "{plugin: ./no/such/libsim.so}"
expect_status 2 "$ABCSMC" validate missing.yaml
grep -q "missing.yaml:2" err.txt || fail "no file:line: $(cat err.txt)"
grep -q "no/such/libsim.so': no such file" err.txt || fail "missing .so not explained: $(cat err.txt)"
bad notplugin "{plugin: $ABCSMC_PLUGIN_DIR/libabcsmc_test_not_a_plugin.so}"
expect_status 2 "$ABCSMC" validate notplugin.yaml
grep -q "is not an abcsmc plugin" err.txt || fail "non-plugin not explained: $(cat err.txt)"
bad abi "{plugin: $ABCSMC_PLUGIN_DIR/libabcsmc_test_wrong_abi_plugin.so}"
expect_status 2 "$ABCSMC" validate abi.yaml
grep -q "built for plugin ABI version 999" err.txt || fail "wrong ABI not explained: $(cat err.txt)"
expect_status 2 "$ABCSMC" run abi.yaml
[ ! -e abi.h5 ] || fail "a bad plugin config wrote an output file"
bad option "{plugin: $ABCSMC_PLUGIN_DIR/libabcsmc_gauss_c.so, options: {sigam: 1}}"
expect_status 2 "$ABCSMC" validate option.yaml
grep -q "unknown option 'sigam'" err.txt || fail "plugin option error not shown: $(cat err.txt)"
bad stats "{plugin: $ABCSMC_PLUGIN_DIR/libabcsmc_gauss_c.so, statistics: [y]}"
expect_status 2 "$ABCSMC" validate stats.yaml
grep -q "applies only to command and persistent models" err.txt || fail "statistics on a plugin not refused: $(cat err.txt)"

# on_failure: abort ends the run with exit 1 and the plugin's message.
cat > abort.yaml <<YAML
seed: 3
population_size: 50
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {plugin: $ABCSMC_PLUGIN_DIR/libabcsmc_test_faulty_plugin.so, options: {mode: fail, above: 1}, on_failure: abort}
observed: {y: 0.5}
stop: {max_generations: 2}
YAML
expect_status 1 "$ABCSMC" run abort.yaml -o abort.h5
grep -q "too large for this test" err.txt || fail "abort message missing: $(cat err.txt)"
echo "plugin_model: all checks passed"
