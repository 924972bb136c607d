#!/usr/bin/env bash
# A population that cannot fit in this machine's memory is refused at once by validate and run
# (exit 2, within a second, with the estimate), not after a minute of growth and bad_alloc.
source "$(dirname "$0")/common.sh"
cat > huge.yaml <<'YAML'
seed: 1
population_size: 1e9
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {builtin: gaussian_mean}
observed: {y: 0.5}
stop: {max_generations: 2}
output: {path: huge.h5}
YAML
for command in validate run; do
  start=$(date +%s%N)
  expect_status 2 timeout 20 "$ABCSMC" "$command" huge.yaml
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  [ "$ms" -lt 1000 ] || fail "$command took $ms ms to refuse the population"
  grep -q "huge.yaml:2: the run needs about [0-9.]* [KMGTPE]iB of memory: population_size 1000000000 x " err.txt ||
    fail "$command: no estimate with file:line: $(cat err.txt)"
  grep -q "but this machine has [0-9.]* [KMGTPE]iB" err.txt || fail "$command: no machine memory in: $(cat err.txt)"
  echo "$command refused population 1e9 in $ms ms"
done
[ ! -e huge.h5 ] || fail "the refused run wrote an output file"
# A population that fits is not bothered.
sed -i 's/population_size: 1e9/population_size: 100/' huge.yaml
expect_status 0 "$ABCSMC" validate huge.yaml
! grep -q "memory" err.txt || fail "a small population got a memory message: $(cat err.txt)"
echo "memory_estimate: all checks passed"
