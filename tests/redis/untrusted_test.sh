#!/usr/bin/env bash
# Everything a worker or master reads from the Redis server is untrusted (issue 11):
#  1. A worker refuses runs it cannot serve, says why (to the master, in `redis-manager info`),
#     and goes on serving the others: a spec that decodes but is inconsistent (model index 7 of
#     1 model), garbage in place of a spec, a run of another wire version, a run whose claim
#     script fails on damaged keys, one whose results list is not a list, and a real master's spec rewritten on the server (a theta of
#     length 0). The healthy run beside them finishes bit-identical to single-core; the
#     poisoned master ends with exit 1 and the worker's reason.
#  2. A master drops what it cannot use from its results list, counts and logs it, and never
#     folds it in: a well-formed result for a range nobody claimed (calibration candidates at
#     distance 76.6: folded in, they made the initial epsilon 76.6 instead of 0.767), garbage
#     (it used to end the run with a misleading 'wire format version' message), a result of
#     another round, and a malformed entry in the claims list. The run's result is identical to
#     single-core.
source "$(dirname "$0")/common.sh"
has() { grep -q -- "$1" "$2" || { cat "$2" >&2; fail "'$1' not in $2"; }; }
rcli() { redis-cli -p "$PORT" -a "$ABCSMC_REDIS_PASSWORD" --no-auth-warning "$@"; }
cfg="$ABCSMC_SOURCE_DIR/tests/mpi/determinism.yaml"
expect_status 0 "$ABCSMC" run "$cfg" -o single.h5 --sampler single
WIRE=$(sed -n 's/.*kWireVersion = \([0-9]*\);.*/\1/p' "$ABCSMC_SOURCE_DIR/include/abcsmc/core/wire.hpp")
[ -n "$WIRE" ] || fail "no kWireVersion in core/wire.hpp"

# wire.py KIND OUT: bytes of a hand-made message in the wire format (core/wire.hpp).
cat > wire.py <<'PY'
import struct, sys
V = int(sys.argv[1]); kind = sys.argv[2]; out = sys.argv[3]
u8 = lambda x: struct.pack('<B', x); u32 = lambda x: struct.pack('<I', x)
u64 = lambda x: struct.pack('<Q', x); f64 = lambda x: struct.pack('<d', x)
vec = lambda xs: u64(len(xs)) + b''.join(f64(x) for x in xs)
def generation(rnd, t, particles, from_prior=0, calibration=0, eps=1.0):
    b = u8(V) + u8(1) + u64(rnd) + u8(0) + u64(4)            # round, dynamic, batch 4
    b += u64(120) + u64(0) + u8(1) + u64(1000)                # n_accept, max_evals, stats, fail_fast
    b += u64(1234) + u32(t) + f64(eps) + u8(calibration) + u8(from_prior) + vec([1.0, 1.0])
    b += u64(len(particles))
    for i, (model, theta) in enumerate(particles):
        b += u64(i) + u32(model) + vec(theta) + f64(1.0 / len(particles))
    return b
def result(rnd, first, count):
    b = u8(V) + u8(6) + u64(rnd) + u64(first) + u64(count) + u64(count)
    b += u64(count)                                           # every candidate accepted
    for i in range(first, first + count):
        b += u64(i) + u64(0) + u32(0) + vec([0.1, 2.0]) + vec([50.0, 60.0]) + f64(76.6) + u8(1) + u8(0)
    b += u64(0) + u64(0) + u8(0)                              # no failures, reasons, first failure
    b += u64(count)                                           # their statistics (calibration)
    for i in range(first, first + count):
        b += u64(i) + u64(0) + vec([50.0, 60.0])
    return b
blobs = {
    "model7": lambda: generation(1, 1, [(7, [0.1, 2.0]), (0, [0.2, 1.0])]),
    "theta0": lambda: generation(1, 1, [(0, []), (0, [0.2, 1.0])]),
    "forged": lambda: result(1, 0, 5),
    "forged_other_round": lambda: result(9, 0, 5),
    "calibration": lambda: generation(1, 0, [], from_prior=1, calibration=1, eps=float("inf")),
    "garbage_spec": lambda: u8(V) + u8(1) + bytes(range(7, 250, 3)) * 3,  # the right header, then garbage
    "garbage": lambda: bytes(range(7, 250, 3)) * 3,
}
open(out, "wb").write(blobs[kind]())
PY
blob() { /usr/bin/python3 wire.py "${2:-$WIRE}" "$1" "$1.bin"; }
for b in model7 theta0 calibration forged forged_other_round garbage garbage_spec; do blob $b; done

# fake_run ID SPEC_FILE WIRE_VERSION: a run on the server as a master of wire version
# WIRE_VERSION would publish it (config, round 1, info, the round's keys), with SPEC_FILE's bytes.
fake_run() {
  local id=$1 spec=$2 wire=$3 p="abcsmc:$1:"
  rcli SET "${p}config" "$(cat "$cfg")" >/dev/null
  rcli SET "${p}round" 1 >/dev/null
  rcli HSET "${p}info" t 1 n 120 round 1 evaluations 0 acceptances 0 wire_version "$wire" \
    software_version "0.0.1-test" >/dev/null
  rcli -x SET "${p}r1:spec" < "$spec" >/dev/null
  rcli SET "${p}r1:batch" 4 >/dev/null
  rcli SET "${p}r1:limit" 0 >/dev/null
  rcli SET "${p}r1:lease_ms" 30000 >/dev/null
  rcli SET "${p}r1:next" 0 >/dev/null
  rcli SADD abcsmc:runs "$id" >/dev/null
}
fake_run fake-model7 model7.bin "$WIRE"
fake_run fake-garbage garbage_spec.bin "$WIRE"
fake_run fake-skew garbage.bin 1
fake_run fake-keys model7.bin "$WIRE"
rcli SET abcsmc:fake-keys:r1:limit "not a number" >/dev/null  # the claim script fails on it
fake_run fake-push calibration.bin "$WIRE"                       # a valid spec, but results
rcli SET abcsmc:fake-push:r1:results "not a list" >/dev/null     # cannot be pushed

# --- 1. refusals -------------------------------------------------------------------------------
# A real master, its round-1 spec rewritten on the server before any worker has read it.
master poisoned "$cfg" --batch-size 4 --seed 77
for i in $(seq 1 200); do grep -q "redis: run id" poisoned.err 2>/dev/null && break; sleep 0.05; done
PRUN=$(sed -n 's/.*redis: run id \([0-9a-f]*\) .*/\1/p' poisoned.err | head -1)
[ -n "$PRUN" ] || { cat poisoned.err >&2; fail "no run id from the poisoned master"; }
for i in $(seq 1 200); do [ "$(rcli EXISTS "abcsmc:$PRUN:r1:spec")" = 1 ] && break; sleep 0.05; done
rcli -x SET "abcsmc:$PRUN:r1:spec" < theta0.bin >/dev/null
[ "$(rcli HGET "abcsmc:$PRUN:info" wire_version)" = "$WIRE" ] || fail "the master does not publish its wire version"
[ -n "$(rcli HGET "abcsmc:$PRUN:info" software_version)" ] || fail "the master does not publish its software version"

worker w --runtime 90s; wp=$WPID
refusal() { rcli HVALS "abcsmc:$1:refused"; }
for i in $(seq 1 300); do
  n=0
  for r in fake-model7 fake-garbage fake-skew fake-keys fake-push "$PRUN"; do [ -n "$(refusal "$r")" ] && n=$((n + 1)); done
  [ "$n" -eq 6 ] && break
  sleep 0.05
done
refusal fake-model7 > r_model7.txt; refusal fake-garbage > r_garbage.txt; refusal fake-skew > r_skew.txt
refusal fake-keys > r_keys.txt; refusal fake-push > r_push.txt; refusal "$PRUN" > r_poisoned.txt
has "previous particle 0 (index 0) has model index 7, but the run has 1 model" r_model7.txt
has "cannot use the generation it published: malformed message" r_garbage.txt
has "wire version 1, this worker speaks $WIRE (abcsmc 0.0.1-test vs " r_skew.txt
has "claiming work failed on the server" r_keys.txt
has "pushing results failed on the server" r_push.txt
has "previous particle 0 (index 0) has 0 parameters, but model" r_poisoned.txt
kill -0 "$wp" 2>/dev/null || { cat w.log >&2; fail "the worker died of a bad run"; }
has "ready on .*(abcsmc .*, wire version $WIRE" w.log

# The healthy run beside them: bit-identical to single-core.
expect_status 0 timeout 90 "$ABCSMC" run "$cfg" -o healthy.h5 --sampler redis --redis-port "$PORT" --batch-size 5
same_results single.h5 healthy.h5 "a healthy run beside poisoned ones vs single-core"
kill -0 "$wp" 2>/dev/null || { cat w.log >&2; fail "the worker did not survive"; }

# `redis-manager info` shows each run's refusals.
manager info > info.txt
has "refused by worker .*model index 7" info.txt
has "refused by worker .*wire version 1, this worker speaks $WIRE" info.txt

# The poisoned master: every live worker refuses it, so it ends (exit 1) with the reason.
rc=0; wait "$MPID" || rc=$?
[ "$rc" -eq 1 ] || { cat poisoned.err >&2; fail "the poisoned master exited $rc, expected 1"; }
has "every live Redis worker refuses this run" poisoned.err
has "has 0 parameters, but model" poisoned.err
manager stop >/dev/null
wait_ok "$wp" "the worker after stop" w.log
has "refusing run fake-model7" w.log

# --- 2. what a master drops -----------------------------------------------------------------------
master forged "$cfg" --batch-size 6
for i in $(seq 1 200); do grep -q "redis: run id" forged.err 2>/dev/null && break; sleep 0.05; done
FRUN=$(sed -n 's/.*redis: run id \([0-9a-f]*\) .*/\1/p' forged.err | head -1)
[ -n "$FRUN" ] || { cat forged.err >&2; fail "no run id from the master"; }
for i in $(seq 1 200); do [ "$(rcli EXISTS "abcsmc:$FRUN:r1:spec")" = 1 ] && break; sleep 0.05; done
# No worker yet: nobody has claimed anything, so [0, 5) is a range nobody claimed.
rcli -x LPUSH "abcsmc:$FRUN:r1:results" < forged.bin >/dev/null
rcli -x LPUSH "abcsmc:$FRUN:r1:results" < garbage.bin >/dev/null
rcli -x LPUSH "abcsmc:$FRUN:r1:results" < forged_other_round.bin >/dev/null
rcli RPUSH "abcsmc:$FRUN:r1:claims" "x:y" >/dev/null
sleep 1.5  # the master reads its results and the claims list meanwhile
rcli RPUSH "abcsmc:$FRUN:r1:claims" "99999999999999999999:1" >/dev/null
worker w2 --runtime 90s; wp2=$WPID
wait_ok "$MPID" "the master with forged results" forged.err
same_results single.h5 forged.h5 "a run with forged results in its list vs single-core"
has "dropped one of the results for indices nobody claimed" forged.err
has "\[0, 5) that no worker claimed" forged.err
has "dropped one of the results that do not decode" forged.err
has "dropped one of the results of another round" forged.err
has "dropped one of the claim entries that are malformed" forged.err
has "round 1 of run $FRUN dropped .*1 results for indices nobody claimed" forged.err
grep -q "wire format version" forged.err && { cat forged.err >&2; fail "a garbage blob gave a 'wire format version' message"; }
manager stop >/dev/null
wait_ok "$wp2" "the second worker after stop" w2.log
echo "redis untrusted boundary: all checks passed"
