#!/usr/bin/env bash
# kill -9 of a running `abcsmc run` at several moments (before the first generation completes,
# and at several points after): the results file stays readable by `abcsmc inspect` and holds
# only complete generations, numbered 0..T, each with the full population.
source "$(dirname "$0")/common.sh"
N=60
cat > slow.yaml <<YAML
seed: 8
population_size: $N
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model:
  builtin: gaussian_mean
  delay: {type: constant, value: 0.0005}
observed: {y: 0.5}
epsilon: {type: quantile, alpha: 0.7}
stop: {max_generations: 1000}
output: {path: slow.h5}
YAML
check_file() {
  expect_status 0 "$ABCSMC" inspect slow.h5
  local gens
  gens=$(sed -n 's/^generations *\([0-9][0-9]*\) complete.*/\1/p' out.txt)
  [ -n "$gens" ] || { grep -q "none complete yet" out.txt && echo "  no generation yet" && return 0; fail "no generation count: $(cat out.txt)"; }
  for t in $(seq 0 $((gens - 1))); do
    "$ABCSMC" inspect slow.h5 --generation "$t" --format csv > g.csv || fail "generation $t unreadable"
    rows=$(($(wc -l < g.csv) - 1))
    [ "$rows" -eq "$N" ] || fail "generation $t has $rows particles, expected $N"
  done
  echo "  $gens complete generation(s), each with $N particles"
}
# Killed before any generation could complete: the file (if any) is readable.
rm -f slow.h5
"$ABCSMC" run slow.yaml --threads 2 -q > /dev/null 2>&1 &
pid=$!
sleep 0.05
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
echo "killed at start"
[ -f slow.h5 ] && check_file
# Killed at several moments after the first generation.
hits=0
for delay in 0 0.07 0.19 0.33 0.61; do
  rm -f slow.h5
  "$ABCSMC" run slow.yaml --threads 2 -q > /dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 200); do  # wait (at most 20 s) for generation 0
    "$ABCSMC" inspect slow.h5 --format csv > /dev/null 2>&1 && break
    sleep 0.1
  done
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || fail "the run ended before it was killed"
  wait "$pid" 2>/dev/null || true
  echo "killed ${delay}s after generation 0"
  check_file
  hits=$((hits + 1))
done
[ "$hits" -eq 5 ] || fail "only $hits kill points reached"
echo "kill9: all checks passed"
