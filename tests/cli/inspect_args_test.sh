#!/usr/bin/env bash
# inspect's usage errors exit 2 with a clear message: a negative or oversized --generation (once
# read as 4294967295), a missing file, a directory, a file that is not a results file.
# --generation all: every generation, csv with a leading t column, json as an array.
source "$(dirname "$0")/common.sh"
cat > small.yaml <<'YAML'
seed: 5
population_size: 100
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {builtin: gaussian_mean, options: {n: 10, sigma: 1}}
observed: {y: 0.5}
stop: {max_generations: 3}
YAML
expect_status 0 "$ABCSMC" run small.yaml -o small.h5 -q

for bad in -1 -0 +1 1.5 4294967296 99999999999 abc ""; do
  expect_status 2 "$ABCSMC" inspect small.h5 --generation "$bad"
  grep -q -- "--generation must be a generation number" err.txt || fail "'$bad': unclear message: $(cat err.txt)"
  grep -q "4294967295" out.txt err.txt && fail "'$bad' was read as 4294967295"
done
expect_status 2 "$ABCSMC" inspect small.h5 -g -1 --format csv

expect_status 2 "$ABCSMC" inspect missing.h5
grep -q "missing.h5" err.txt || fail "missing file not named: $(cat err.txt)"
grep -q "no such file" err.txt || fail "missing file not explained: $(cat err.txt)"
mkdir -p adir
expect_status 2 "$ABCSMC" inspect adir
grep -q "adir" err.txt || fail "directory not named: $(cat err.txt)"
echo "not hdf5" > text.h5
expect_status 2 "$ABCSMC" inspect text.h5 --format csv
grep -q "text.h5.*not an HDF5 file" err.txt || fail "non-HDF5 file not explained: $(cat err.txt)"
# A generation that is not (yet) in the file is not a usage error: scripts poll for it.
expect_status 1 "$ABCSMC" inspect small.h5 --generation 7

# --generation all
expect_status 0 "$ABCSMC" inspect small.h5 --generation all --format csv
head -1 out.txt | grep -qx "t,model,eval_index,weight,distance,theta" || fail "bad header: $(head -1 out.txt)"
[ "$(($(wc -l < out.txt) - 1))" -eq 300 ] || fail "expected 3 x 100 particles, got $(($(wc -l < out.txt) - 1))"
[ "$(cut -d, -f1 out.txt | tail -n +2 | sort -u | tr '\n' ' ')" = "0 1 2 " ] || fail "t column is not 0 1 2"
# Each generation's rows are inspect --generation T's rows behind "T,".
for t in 0 1 2; do
  "$ABCSMC" inspect small.h5 --generation "$t" --format csv | tail -n +2 | sed "s/^/$t,/" > "one$t.csv"
  grep "^$t," out.txt | cmp -s - "one$t.csv" || fail "generation $t differs from --generation $t"
done
expect_status 0 "$ABCSMC" inspect small.h5 -g all --format json
[ "$(grep -c '"generation":' out.txt)" -eq 3 ] || fail "json lacks generations"
head -1 out.txt | grep -qx '\[' || fail "json is not an array"
if command -v /usr/bin/python3 > /dev/null; then
  /usr/bin/python3 -c "import json,sys; d=json.load(open('out.txt')); assert [g['generation'] for g in d] == [0,1,2]" ||
    fail "json does not parse as an array of 3 generations"
fi
expect_status 0 "$ABCSMC" inspect small.h5 -g all
[ "$(grep -c '^Posterior at generation' out.txt)" -eq 3 ] || fail "table lacks a posterior per generation"
echo "inspect_args: all checks passed"
