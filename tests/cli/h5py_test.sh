#!/usr/bin/env bash
# The results file is readable with h5py (Debian's python3-h5py, installed by
# scripts/install-deps.sh) exactly as the README shows, and agrees with `abcsmc inspect`.
source "$(dirname "$0")/common.sh"
cat > run.yaml <<'YAML'
seed: 4
population_size: 100
models:
  - name: m0
    parameters: {x: {type: normal, mean: 0, sd: 0.5}}
    model: {builtin: gaussian_mean, options: {n: 1, sigma: 0.5}}
  - name: m1
    parameters: {x: {type: normal, mean: 1, sd: 0.5}, unused: {type: uniform, low: 0, high: 1}}
    model: {builtin: gaussian_linear, options: {n: 1, sigma: 0.5}}
observed: {x: [1.0, 0.5]}
stop: {max_generations: 2}
output: {path: run.h5}
YAML
# gaussian_mean makes 'y', not 'x': this config must be refused (the models disagree).
expect_status 2 "$ABCSMC" validate run.yaml
sed -i 's/builtin: gaussian_mean, options: {n: 1, sigma: 0.5}/builtin: gaussian_linear, options: {n: 1, sigma: 0.5}/' run.yaml
sed -i 's/x: {type: normal, mean: 0, sd: 0.5}}/x: {type: normal, mean: 0, sd: 0.5}, z: {type: normal, mean: 0, sd: 1}}/' run.yaml
expect_status 0 "$ABCSMC" run run.yaml
"$ABCSMC" inspect run.h5 --format csv > inspect.csv
/usr/bin/python3 - <<'PY' || fail "h5py could not read the file as documented"
import csv, math, h5py
f = h5py.File("run.h5", "r")
assert f.attrs["format"] == "abcsmc-results", f.attrs["format"]
assert int(f.attrs["seed"]) == 4
names = [n.decode() if isinstance(n, bytes) else n for n in f["parameter_names"][:]]
assert names == ["x", "z", "unused"], names
g = f["generations"][sorted(f["generations"])[-1]]
theta, w, model = g["theta"][:], g["weight"][:], g["model"][:]
assert abs(w.sum() - 1) < 1e-12
assert len(g.attrs["model_probabilities"]) == 2
rows = list(csv.DictReader(open("inspect.csv")))
assert len(rows) == len(w) == 100
for r, th, ww, m in zip(rows, theta, w, model):
    assert float(r["weight"]) == ww and int(r["model"]) == m
    for c, name in enumerate(names):
        if math.isnan(th[c]):
            assert r[name] == "", (r, name)
        else:
            assert float(r[name]) == th[c]
print("h5py: layout and values agree with abcsmc inspect")
PY
echo "h5py: all checks passed"
