#!/usr/bin/env bash
# The results writer under kill -9 (issue 17): a 300-generation run killed at random moments
# (hundreds of times, many of them while a generation is being written) and resumed each time.
# After every kill the file opens and holds every generation it had before (never fewer), h5py
# reads it every 20th time, and the finished run is identical, generation by generation, to one
# that was never interrupted. Also: the generation folder while running, one packed file when
# the run ends small, a folder that goes missing named in the error, and `abcsmc pack`.
source "$(dirname "$0")/common.sh"
# Under the sanitizers (slower start-up and runs) a shorter run and fewer kills: there the point
# is memory errors on the kill and resume paths, not the count.
if [ -n "${ASAN_OPTIONS:-}${TSAN_OPTIONS:-}" ]; then GENS=60 KILLS=${KILLS:-40}; else GENS=300 KILLS=${KILLS:-240}; fi
sed "s/max_generations: 300/max_generations: $GENS/" "$ABCSMC_SOURCE_DIR/tests/cli/writer_kill.yaml" > kill.yaml
cfg=kill.yaml
expect_status 0 "$ABCSMC" run "$cfg" -o reference.h5 --sampler single
[ ! -e reference.h5.d ] || fail "a finished small run kept its generation folder"
[ "$(generations reference.h5)" -eq "$GENS" ] || fail "the reference has $(generations reference.h5) generations"

kills=0
last=0
seen_folder=0
in_write=0
RANDOM=7
while [ "$kills" -lt "$KILLS" ]; do
  if [ -e kill.h5 ]; then resume=(--resume); else resume=(); fi
  "$ABCSMC" run "$cfg" -o kill.h5 --sampler single "${resume[@]}" > run.out 2> run.err &
  pid=$!
  # Kill 30-130 ms in: past start-up, a few generations in, often inside a write.
  sleep "0.$(printf '%03d' $((30 + RANDOM % 100)))"
  kill -9 "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null && { cat run.err >&2; fail "the run finished before kill $kills"; } || true
  kills=$((kills + 1))
  # A temp left behind: the kill landed inside a write (of a generation file or of the index).
  if compgen -G 'kill.h5.tmp.*' > /dev/null || compgen -G 'kill.h5.d/*.tmp.*' > /dev/null; then
    in_write=$((in_write + 1))
  fi
  [ -e kill.h5 ] || continue  # killed before the header was published
  n=$(generations kill.h5)
  [ "$n" -ge "$last" ] || fail "after kill $kills the file has $n generations, before it had $last"
  [ -d kill.h5.d ] && seen_folder=1
  if [ $((kills % 20)) -eq 0 ]; then
    /usr/bin/python3 - kill.h5 <<'PY' || fail "h5py could not read the file after kill $kills"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    for name, g in f["generations"].items():
        assert g["weight"].shape[0] == 2000 and g.attrs["t"] >= 0, name
PY
  fi
  last=$n
  # Near the end, let the run finish instead (the kills are the point, not the last steps).
  [ "$n" -lt $((GENS - 20)) ] || break
done
[ "$seen_folder" -eq 1 ] || fail "no kill found the generation folder kill.h5.d"
echo "$kills kills ($in_write inside a write), $last generations on file before the last run"
# (Under the sanitizers start-up takes most of each short life: no fraction is asked there.)
[ -n "${ASAN_OPTIONS:-}${TSAN_OPTIONS:-}" ] || [ $((in_write * 10)) -ge "$kills" ] ||
  fail "only $in_write of $kills kills landed inside a write"
expect_status 0 "$ABCSMC" run "$cfg" -o kill.h5 --sampler single --resume
[ ! -e kill.h5.d ] || fail "the finished run kept its generation folder"

# Every generation identical (wall seconds aside), read with h5py from both files.
/usr/bin/python3 - reference.h5 kill.h5 <<'PY' || fail "the resumed run differs from the reference"
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
ga, gb = a["generations"], b["generations"]
assert sorted(ga) == sorted(gb), (len(ga), len(gb))
for name in ga:
    x, y = ga[name], gb[name]
    assert sorted(x) == sorted(y), name
    for d in x:
        assert np.array_equal(x[d][...], y[d][...]), (name, d)
    for k, v in x.attrs.items():
        if k != "wall_seconds":
            assert np.array_equal(np.asarray(v), np.asarray(y.attrs[k])), (name, k)
print(f"{len(ga)} generations identical")
PY

# A folder that is missing: the error names it (copy the file without its folder).
"$ABCSMC" run "$cfg" -o running.h5 --sampler single > /dev/null 2>&1 &
pid=$!
wait_for_generation running.h5 1 30
kill -9 "$pid"; wait "$pid" 2> /dev/null || true
[ -d running.h5.d ] || fail "a killed run has no generation folder"
mkdir -p elsewhere && cp running.h5 elsewhere/
expect_status 1 "$ABCSMC" inspect elsewhere/running.h5
grep -q "which is missing: keep the folder 'running.h5.d' next to the file" err.txt ||
  { cat err.txt >&2; fail "a missing generation folder is not named"; }
# abcsmc pack: refuses the interrupted run, says a packed one is already self-contained.
expect_status 1 "$ABCSMC" pack running.h5
grep -q "has no stop reason" err.txt || { cat err.txt >&2; fail "pack did not refuse an interrupted run"; }
expect_status 0 "$ABCSMC" pack reference.h5
grep -q "already one self-contained file" err.txt out.txt || { cat err.txt >&2; fail "pack of a packed file"; }
echo "writer kill test: all checks passed"
