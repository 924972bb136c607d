#!/usr/bin/env bash
# A name that is not valid UTF-8 (it would make the results file unreadable with h5py's
# .asstr()) is refused by validate and run: exit 2, file:line and the key, no output file.
source "$(dirname "$0")/common.sh"
write_config() {  # write_config FILE PARAMETER_NAME
  printf 'seed: 1\npopulation_size: 50\nparameters:\n  %s: {type: normal, mean: 0, sd: 1}\nmodel: {builtin: gaussian_mean}\nobserved: {y: 0.5}\nstop: {max_generations: 2}\noutput: {path: %s.h5}\n' \
    "$2" "${1%.yaml}" > "$1"
}
write_config bad.yaml "$(printf 'th\xffeta')"
expect_status 2 "$ABCSMC" validate bad.yaml
grep -qF "bad.yaml:4: the key 'th\\xffeta' in 'parameters' is not valid text: byte 0xff at position 3 is not valid UTF-8" err.txt ||
  fail "validate does not name the key with file:line: $(cat err.txt)"
expect_status 2 "$ABCSMC" run bad.yaml
grep -qF "bad.yaml:4: the key 'th\\xffeta'" err.txt || fail "run does not name the key: $(cat err.txt)"
[ ! -e bad.h5 ] || fail "a config with invalid UTF-8 wrote an output file"

# The same name in UTF-8 runs, and h5py reads every name back with .asstr().
write_config good.yaml "$(printf 'th\xce\xb8ta')"
expect_status 0 "$ABCSMC" run good.yaml
/usr/bin/python3 - <<'PY' || fail "h5py cannot read the UTF-8 names of good.h5"
import h5py
with h5py.File("good.h5", "r") as f:
    names = list(f["parameter_names"].asstr()[:])
    assert names == ["th\u03b8ta"], names
    assert list(f["observed/names"].asstr()[:]) == ["y"]
    assert list(f["models/names"].asstr()[:]) == ["gaussian_mean"]
    assert "th\u03b8ta" in f["config"].asstr()[()]
PY
echo "config_encoding: all checks passed"
