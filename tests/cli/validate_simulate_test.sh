#!/usr/bin/env bash
# `abcsmc validate CONFIG --simulate [N]`: a good command model (exit 0, times, statistics, an
# estimate), one printing 19 of 20 statistics (exit 1, the shape and the message), one always
# printing NaN (exit 1), one whose {output} file cannot be made (TMPDIR missing: exit 1), a
# builtin and a plugin model (exit 0), and a config error (exit 2). Each ends within seconds.
source "$(dirname "$0")/common.sh"
: "${ABCSMC_PLUGIN_DIR:?directory of the built example and test plugins}"
config() {  # config NAME MODEL_YAML OBSERVED_YAML
  cat > "$1.yaml" <<YAML
seed: 3
population_size: 200
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: $2
observed: $3
stop: {max_generations: 5}
YAML
}
check() {  # check WANT_STATUS NAME [N] : validate NAME.yaml --simulate [N] within 30 s
  local want=$1 name=$2; shift 2
  expect_status "$want" timeout 30 "$ABCSMC" validate "$name.yaml" --simulate "$@"
}
has() { grep -qF -- "$1" out.txt err.txt || { cat out.txt err.txt >&2; fail "no '$1' in the report"; }; }

config good "{command: [bash, -c, 'echo \"y \$1\"', sim, '{theta}'], statistics: [y]}" "{y: 0.5}"
check 0 good
has "good.yaml: OK"
has "20 simulations per model"
has "time per simulation: median"
has "statistics: the model gives y (1 value); the config observes y"
has "failures: none of 20"
has "a later generation of 200 particles at acceptance rate ~0.1 needs ~2000 simulations"
has "the run, up to stop.max_generations = 5"
check 0 good 3
has "3 simulations per model"
expect_status 0 timeout 30 "$ABCSMC" validate good.yaml --simulate=4
has "4 simulations per model"
expect_status 2 "$ABCSMC" validate good.yaml --simulate x
has "must be a number of simulations"
# Without --simulate nothing runs.
expect_status 0 "$ABCSMC" validate good.yaml
grep -q "simulations per model" out.txt && fail "plain validate ran simulations"

config short "{command: [seq, 1, 19], statistics: {x: 20}}" "{x: [$(seq -s, 1 20)]}"
check 1 short 5
has "the model gives x[20] (20 values); the config observes x[20]"
has "failures: 5 of 5 (100%), by reason:"
has "printed 19 numbers, 20 statistics expected x5"
has "printed 19 numbers, but 20 statistics are declared"   # the first failure's full message
has "error: model 'seq': every simulation failed (printed 19 numbers, 20 statistics expected)"

config nan "{command: [echo, nan], statistics: [y]}" "{y: 0.5}"
check 1 nan 5
has "statistic 'y' is nan x5"
has "every simulation failed"

config output "{command: [bash, -c, 'echo \$1 > \$2', sim, '{theta}', '{output}'], statistics: [y]}" "{y: 0.5}"
check 0 output 5
has "failures: none of 5"
TMPDIR=/nonexistent check 1 output 5
has "cannot create a temporary file for {output}: No such file or directory x5"
has "/nonexistent/abcsmc-stats-XXXXXX"

config builtin "{builtin: gaussian_mean}" "{y: 0.5}"
check 0 builtin 50
has "50 simulations per model"
config plugin "{plugin: $ABCSMC_PLUGIN_DIR/libabcsmc_gauss_c.so}" "{y: 0.5}"
check 0 plugin 10
has "failures: none of 10"
# Some failures with on_failure: reject are fine (exit 0); with abort a run would stop (exit 1).
config faulty "{plugin: $ABCSMC_PLUGIN_DIR/libabcsmc_test_faulty_plugin.so, options: {mode: fail, above: 0}}" "{y: 0.5}"
check 0 faulty 20
has "plugin faulty: simulation failed: theta # is too large for this test x"
config abort "{plugin: $ABCSMC_PLUGIN_DIR/libabcsmc_test_faulty_plugin.so, options: {mode: fail, above: 0}, on_failure: abort}" "{y: 0.5}"
check 1 abort 20
has "its on_failure is 'abort'"

config broken "{command: [./no-such-sim.sh, '{theta}'], statistics: [y]}" "{y: 0.5}"
check 2 broken
has "no-such-sim.sh' does not exist"
echo "validate_simulate: all checks passed"
