#!/usr/bin/env bash
# End to end: run, inspect (table, csv, json), models, validate; seed reproducibility; the
# existing-output guard.
source "$(dirname "$0")/common.sh"
cat > small.yaml <<'YAML'
seed: 3
population_size: 200
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {builtin: gaussian_mean, options: {n: 10, sigma: 1}}
observed: {y: 0.5}
stop: {max_generations: 3}
output: {path: small.h5}
YAML
expect_status 0 "$ABCSMC" validate small.yaml
grep -q "OK" out.txt || fail "validate did not say OK"

expect_status 0 "$ABCSMC" run small.yaml
grep -q "Posterior at generation 2" out.txt || fail "no posterior summary: $(cat out.txt)"
grep -q "theta" out.txt || fail "summary lacks the parameter"
grep -q "t=2 " err.txt || fail "no progress line for t=2: $(cat err.txt)"
[ -f small.h5 ] || fail "no results file"

# An existing output is never overwritten without --overwrite.
cp small.h5 before.h5
expect_status 2 "$ABCSMC" run small.yaml
grep -q -- "--overwrite" err.txt || fail "refusal does not mention --overwrite"
cmp -s small.h5 before.h5 || fail "existing output was modified"

# Same seed, same results, whatever the thread count and sampler (dynamic).
expect_status 0 "$ABCSMC" run small.yaml -o single.h5 --sampler single
expect_status 0 "$ABCSMC" run small.yaml -o threads.h5 --sampler threads --threads 2 --batch-size 5
"$ABCSMC" inspect single.h5 --format csv > single.csv
"$ABCSMC" inspect threads.h5 --format csv > threads.csv
cmp -s single.csv threads.csv || fail "single and threads results differ"
"$ABCSMC" inspect small.h5 --format csv > small.csv
cmp -s single.csv small.csv || fail "default sampler differs from single"

# inspect: table, csv header and row count, json, a given generation, a bad generation.
expect_status 0 "$ABCSMC" inspect small.h5
grep -q "theta" out.txt || fail "table lacks theta"
head -1 small.csv | grep -qx "model,eval_index,weight,distance,theta" || fail "bad csv header: $(head -1 small.csv)"
[ "$(($(wc -l < small.csv) - 1))" -eq 200 ] || fail "csv should have 200 particles"
expect_status 0 "$ABCSMC" inspect small.h5 --format json --generation 1
grep -q '"particles"' out.txt || fail "json lacks particles"
expect_status 0 "$ABCSMC" inspect small.h5 --generation 0 --format csv
expect_status 1 "$ABCSMC" inspect small.h5 --generation 7
expect_status 2 "$ABCSMC" inspect missing.h5

# h5dump reads the layout.
if command -v h5dump >/dev/null; then
  h5dump -H small.h5 > dump.txt || fail "h5dump failed"
  grep -q "t0002" dump.txt || fail "h5dump does not show generation t0002"
fi

expect_status 0 "$ABCSMC" models
grep -q "gaussian_mean" out.txt || fail "models does not list gaussian_mean"
expect_status 0 "$ABCSMC" --help
expect_status 2 "$ABCSMC" run
expect_status 2 "$ABCSMC" run small.yaml -o no/such/dir/out.h5
grep -q "does not exist" err.txt || fail "missing output directory not explained"
expect_status 2 "$ABCSMC" run small.yaml -o neg.h5 --seed -5
[ ! -e neg.h5 ] || fail "a refused run wrote output"
expect_status 2 "$ABCSMC" nosuchcommand
echo "run_inspect: all checks passed"
