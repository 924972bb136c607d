#!/usr/bin/env bash
# Persistent simulators end to end (config/examples/persistent_python.yaml, python/abcsmc_sim.py):
# single and threads samplers and a resumed run give identical results; a simulator that cannot start is exit 2
# naming it; a failing candidate is counted and the run goes on; and no simulator outlives a
# SIGKILLed abcsmc.
source "$(dirname "$0")/common.sh"
py=/usr/bin/python3
[ -x "$py" ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
ex="$ABCSMC_SOURCE_DIR/config/examples"
helper="$ABCSMC_SOURCE_DIR/python"

# 1. The example, single vs threads: bit-identical.
sed "s|persistent: \[./persistent_sim.py\]|persistent: [$py, $ex/persistent_sim.py]|" \
  "$ex/persistent_python.yaml" > example.yaml
grep -q "persistent: \[$py" example.yaml || fail "the example's persistent line changed; update this test"
"$ABCSMC" run example.yaml --sampler single -o single.h5 --overwrite > single.out 2>&1 ||
  { cat single.out >&2; fail "single run failed"; }
"$ABCSMC" run example.yaml --sampler threads --threads 3 -o threads.h5 --overwrite > threads.out 2>&1 ||
  { cat threads.out >&2; fail "threads run failed"; }
same_results single.h5 threads.h5 "persistent python simulator, single vs threads"
# validate --simulate runs it too.
expect_status 0 "$ABCSMC" validate example.yaml --simulate 5
grep -q "failures: none of 5" out.txt || { cat out.txt err.txt >&2; fail "validate --simulate"; }
# ... and a run stopped after 2 generations, resumed on threads, ends identical too.
sed 's/max_generations: 4/max_generations: 2/' example.yaml > example2.yaml
"$ABCSMC" run example2.yaml --sampler single -o resumed.h5 --overwrite > part.out 2>&1 ||
  { cat part.out >&2; fail "first part failed"; }
"$ABCSMC" run example.yaml --threads 2 -o resumed.h5 --resume > resumed.out 2>&1 ||
  { cat resumed.out >&2; fail "resume failed"; }
same_results single.h5 resumed.h5 "persistent python simulator, resumed"

# 1a. Batches (batch: 32; the Python helper takes them): the same bits as single requests.
sed 's/^  restarts: 100 .*/&\n  batch: 32/' example.yaml > batched.yaml
grep -q "^  batch: 32" batched.yaml || fail "the example's restarts line changed; update this test"
"$ABCSMC" run batched.yaml --sampler threads --threads 3 -o batched.h5 --overwrite > batched.out 2>&1 ||
  { cat batched.out >&2; fail "batched run failed"; }
same_results single.h5 batched.h5 "persistent python simulator, batches of 32 vs single requests"
"$ABCSMC" run batched.yaml --sampler single -o batched1.h5 --overwrite > batched1.out 2>&1 ||
  { cat batched1.out >&2; fail "batched single-core run failed"; }
same_results single.h5 batched1.h5 "persistent python simulator, batches on one core"

# 1b. Each evaluating thread starts one child, the config check's child included: a single-core
# run starts one, not one to check the config and another to run it.
cat > starts.py <<PY
import os, random, sys
sys.path.insert(0, "$helper")
from abcsmc_sim import serve
with open("starts.txt", "a") as f:
    f.write("%d\n" % os.getpid())
serve(lambda theta, seed: [theta["theta"] + random.Random(seed).gauss(0.0, 1.0)])
PY
sed "s|persistent: \[$py, $ex/persistent_sim.py\]|persistent: [$py, starts.py]|" example.yaml > starts.yaml
rm -f starts.txt
"$ABCSMC" run starts.yaml --sampler single -o starts.h5 --overwrite > starts.out 2>&1 ||
  { cat starts.out >&2; fail "starts run failed"; }
[ "$(wc -l < starts.txt)" -eq 1 ] || { cat starts.txt >&2; fail "a single-core run started $(wc -l < starts.txt) children, not 1"; }
rm -f starts.txt
"$ABCSMC" run starts.yaml --sampler threads --threads 2 -o starts.h5 --overwrite > starts.out 2>&1 ||
  { cat starts.out >&2; fail "starts threads run failed"; }
[ "$(wc -l < starts.txt)" -le 2 ] || { cat starts.txt >&2; fail "2 threads started $(wc -l < starts.txt) children"; }

# 1b'. pyABC's first example ported (config/examples/pyabc_quickstart.yaml, batches of 64):
# single vs threads identical, and the posterior mean near the exact 2.5 (sd 0.5; ESS ~700:
# Monte Carlo error ~0.02, the tolerance 0.1).
sed "s|persistent: \[./pyabc_quickstart.py\]|persistent: [$py, $ex/pyabc_quickstart.py]|" \
  "$ex/pyabc_quickstart.yaml" > quickstart.yaml
grep -q "persistent: \[$py" quickstart.yaml || fail "the quickstart's persistent line changed; update this test"
"$ABCSMC" run quickstart.yaml --sampler single -o qs1.h5 --overwrite > qs1.out 2>&1 || { cat qs1.out >&2; fail "quickstart run failed"; }
"$ABCSMC" run quickstart.yaml --threads 2 -o qs2.h5 --overwrite > qs2.out 2>&1 || { cat qs2.out >&2; fail "quickstart threads run failed"; }
same_results qs1.h5 qs2.h5 "pyABC quickstart port, single vs threads"
mean=$(awk '$1 == "mu" {print $2}' qs1.out)
awk -v m="$mean" 'BEGIN {exit !(m > 2.4 && m < 2.6)}' || { cat qs1.out >&2; fail "quickstart posterior mean $mean, exact 2.5"; }

# 1c. Model selection between the Python example and the C example (examples/plugins), when
# the C example is built: identical across samplers.
c_sim="${ABCSMC_PLUGIN_DIR:-}/abcsmc_persistent_gauss"
if [ -x "$c_sim" ]; then
  cat > selection.yaml <<YAML
seed: 2
population_size: 200
models:
  - name: py
    parameters: {theta: {type: normal, mean: 0, sd: 1}}
    model: {persistent: [$py, $ex/persistent_sim.py], statistics: [y]}
  - name: c
    parameters: {theta: {type: normal, mean: 1, sd: 1}}
    model: {persistent: [$c_sim], statistics: [y]}
observed: {y: 0.5}
stop: {max_generations: 3}
YAML
  "$ABCSMC" run selection.yaml --sampler single -o sel1.h5 --overwrite > sel1.out 2>&1 || { cat sel1.out >&2; fail "selection run failed"; }
  "$ABCSMC" run selection.yaml --threads 2 -o sel2.h5 --overwrite > sel2.out 2>&1 || { cat sel2.out >&2; fail "selection threads run failed"; }
  same_results sel1.h5 sel2.h5 "model selection between persistent simulators, single vs threads"
else
  echo "note: $c_sim not built: model selection with the C example not tested"
fi

# 2. A simulator that dies before ready: exit 2, the command and its stderr in the message.
cat > broken.py <<'PY'
import sys
sys.stderr.write("ImportError: no module named scipy_fake\n")
sys.exit(1)
PY
cat > broken.yaml <<YAML
seed: 1
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {persistent: [$py, broken.py], statistics: [y]}
observed: {y: 0.5}
stop: {max_generations: 1}
YAML
expect_status 2 "$ABCSMC" run broken.yaml -o broken.h5
grep -q "broken.yaml:3: model: persistent simulator \`$py broken.py\` exited with status 1 before it was ready" err.txt ||
  { cat err.txt >&2; fail "no clear start-up error"; }
grep -q "no module named scipy_fake" err.txt || { cat err.txt >&2; fail "stderr not quoted"; }

# 3. Failures: candidates with theta > 1 raise; the run finishes and counts them.
cat > flaky.py <<PY
import random, sys
sys.path.insert(0, "$helper")
from abcsmc_sim import serve
def simulate(theta, seed):
    if theta["theta"] > 1.0:
        raise ValueError("theta %r out of range" % theta["theta"])
    return [theta["theta"] + random.Random(seed).gauss(0.0, 1.0)]
serve(simulate)
PY
cat > flaky.yaml <<YAML
seed: 3
population_size: 100
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {persistent: [$py, flaky.py], statistics: [y]}
observed: {y: 0.5}
stop: {max_generations: 2}
YAML
"$ABCSMC" run flaky.yaml --sampler single -o flaky1.h5 --overwrite > flaky1.out 2>&1 || { cat flaky1.out >&2; fail "flaky run failed"; }
"$ABCSMC" run flaky.yaml --sampler threads --threads 2 -o flaky2.h5 --overwrite > flaky2.out 2>&1 || { cat flaky2.out >&2; fail "flaky threads run failed"; }
grep -Eq "failed=[1-9]" flaky1.out || { cat flaky1.out >&2; fail "no failed candidates counted"; }
same_results flaky1.h5 flaky2.h5 "failing python simulator, single vs threads"
# ... and in batches: a raising candidate fails alone, whatever its batch.
sed 's/^stop:/model_batch_marker\nstop:/' flaky.yaml |
  sed "s|^model: {persistent: \[$py, flaky.py\], statistics: \[y\]}|model: {persistent: [$py, flaky.py], statistics: [y], batch: 16}|" |
  grep -v model_batch_marker > flaky_batched.yaml
grep -q "batch: 16" flaky_batched.yaml || fail "flaky_batched.yaml has no batch"
"$ABCSMC" run flaky_batched.yaml --threads 2 -o flaky3.h5 --overwrite > flaky3.out 2>&1 || { cat flaky3.out >&2; fail "flaky batched run failed"; }
same_results flaky1.h5 flaky3.h5 "failing python simulator, batches of 16 vs single requests"

# 3b. The R helper (r/abcsmc_sim.R), when Rscript is installed: errors fail single candidates,
# results identical across samplers.
if command -v Rscript > /dev/null; then
  cat > sim.R <<RS
source("$ABCSMC_SOURCE_DIR/r/abcsmc_sim.R")
simulate <- function(theta, seed) {
  set.seed(seed)
  print("printed output goes to stderr, not into the protocol")
  if (theta[["theta"]] > 1.5) stop("theta too large: ", theta[["theta"]])
  c(y = theta[["theta"]] + rnorm(1))
}
abcsmc_serve(simulate)
RS
  sed "s|persistent: \[$py, flaky.py\]|persistent: [$(command -v Rscript), sim.R]|" flaky.yaml > r.yaml
  grep -q Rscript r.yaml || fail "r.yaml has no Rscript"
  "$ABCSMC" run r.yaml --sampler single -o r1.h5 --overwrite > r1.out 2>&1 || { cat r1.out >&2; fail "R run failed"; }
  "$ABCSMC" run r.yaml --threads 2 -o r2.h5 --overwrite > r2.out 2>&1 || { cat r2.out >&2; fail "R threads run failed"; }
  grep -q 'failed=[1-9][0-9]*: the simulator failed: "theta too large: #"' r1.out ||
    { cat r1.out >&2; fail "R failures not counted with their reason"; }
  same_results r1.h5 r2.h5 "R simulator, single vs threads"
  sed 's/statistics: \[y\]}/statistics: [y], batch: 16}/' r.yaml > r_batched.yaml
  grep -q "batch: 16" r_batched.yaml || fail "r_batched.yaml has no batch"
  "$ABCSMC" run r_batched.yaml --threads 2 -o r3.h5 --overwrite > r3.out 2>&1 || { cat r3.out >&2; fail "R batched run failed"; }
  same_results r1.h5 r3.h5 "R simulator, batches of 16 vs single requests"
else
  echo "note: no Rscript: the R helper is not tested"
fi

# 4. kill -9 of abcsmc: the simulators (and the guard) go too.
marker="abcsmc-persistent-test-$$"
cat > slow.py <<PY
import sys, time
sys.path.insert(0, "$helper")
from abcsmc_sim import serve
def simulate(theta, seed):
    time.sleep(0.01)
    return [theta["theta"]]
serve(simulate)
PY
cat > slow.yaml <<YAML
seed: 1
population_size: 2000
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {persistent: [$py, slow.py, $marker], statistics: [y]}
observed: {y: 0.5}
stop: {max_generations: 50}
YAML
count() { pgrep -fc -- "[s]low.py $marker" || true; }
"$ABCSMC" run slow.yaml --threads 2 -o slow.h5 --overwrite > slow.out 2>&1 &
pid=$!
for i in $(seq 1 200); do [ "$(count)" -ge 2 ] && break; sleep 0.05; done
[ "$(count)" -ge 2 ] || { cat slow.out >&2; fail "the simulators did not start"; }
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
for i in $(seq 1 100); do [ "$(count)" -eq 0 ] && break; sleep 0.05; done
[ "$(count)" -eq 0 ] || { pgrep -fa -- "$marker" >&2; fail "simulators outlived kill -9 of abcsmc"; }
echo "persistent_test: ok"
