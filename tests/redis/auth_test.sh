#!/usr/bin/env bash
# Issue 11, authenticated runs (--key-file, redis/auth.hpp), against a real redis-server. Someone
# with the server's password but not the key tries, and fails, to:
#  a. (the baseline) a keyed master and keyed workers: bit-identical to single-core, nothing
#     dropped; the run is marked (info auth: hmac-sha256) and its config and spec are signed.
#  b. serve a keyed run with a worker without the key (refused: "the run is signed"), or with
#     another key (refused: "config signature invalid"); the master ends (exit 1) with both
#     reasons, not silently. A keyed worker refuses an unsigned run; a keyless worker still
#     serves it, bit-identical to single-core.
#  c. feed a keyed master forged results: unsigned, signed with another key, signed with the
#     key for another run, for another round, or for an earlier incarnation of the round (another
#     spec: a result from before a resume), a frame with a garbage MAC, and a genuine result a real
#     keyed worker signed for another run (a hand-made signed run; its signature is checked
#     against the documented format in Python, then replayed); all dropped and counted
#     before decoding. A correctly signed result for a range nobody claimed (the control: our
#     signing matches the master's) passes the signature and is dropped as unclaimed. A forged
#     abort (unsigned, or signed with another key) is ignored and logged. The run finishes
#     bit-identical to single-core.
#  d. rewrite a keyed run's config with a plugin path: a keyed worker with --allow-plugins
#     refuses it before parsing (the marker plugin is never loaded; the control: the same
#     forgery of an unkeyed run is loaded by a keyless worker with --allow-plugins); rewrite a
#     keyed run's spec: refused before decoding.
#  e. use a key file that others may read (0644, 0640), that is missing, empty or too short:
#     master and worker refuse it (exit 2) naming the file; keygen never replaces a file.
: "${ABCSMC:?}" "${ABCSMC_SOURCE_DIR:?}" "${ABCSMC_TMP:?}"  # from ctest: never run elsewhere
source "$(dirname "$0")/common.sh"
has() { grep -q -- "$1" "$2" || { cat "$2" >&2; fail "'$1' not in $2"; }; }
hasnt() { ! grep -q -- "$1" "$2" || { cat "$2" >&2; fail "'$1' in $2"; }; }
rcli() { redis-cli -p "$PORT" -a "$ABCSMC_REDIS_PASSWORD" --no-auth-warning "$@"; }
PLUGIN=${ABCSMC_MARKER_PLUGIN:-$BIN_DIR/plugins/libabcsmc_test_marker_plugin.so}
[ -f "$PLUGIN" ] || fail "test plugin $PLUGIN is missing: build the target abcsmc_test_marker_plugin"
cfg="$ABCSMC_SOURCE_DIR/tests/mpi/determinism.yaml"
expect_status 0 "$ABCSMC" run "$cfg" -o single.h5 --sampler single
WIRE=$(sed -n 's/.*kWireVersion = \([0-9]*\);.*/\1/p' "$ABCSMC_SOURCE_DIR/include/abcsmc/core/wire.hpp")
[ -n "$WIRE" ] || fail "no kWireVersion in core/wire.hpp"
# run_id NAME: the run id the master NAME logged; then waits for its round-1 spec.
run_id() {
  local i id
  for i in $(seq 1 200); do grep -q "redis: run id" "$1.err" 2>/dev/null && break; sleep 0.05; done
  id=$(sed -n 's/.*redis: run id \([0-9a-f]*\) .*/\1/p' "$1.err" | head -1)
  [ -n "$id" ] || { cat "$1.err" >&2; fail "no run id from master $1"; }
  for i in $(seq 1 200); do [ "$(rcli EXISTS "abcsmc:$id:r1:spec")" = 1 ] && break; sleep 0.05; done
  echo "$id"
}
wait_rc() {  # wait_rc PID WANT WHAT LOG
  local rc=0
  wait "$1" || rc=$?
  [ "$rc" -eq "$2" ] || { cat "$4" >&2; fail "$3 exited $rc, expected $2"; }
}

# --- e. key files ------------------------------------------------------------------------------
expect_status 0 "$ABCSMC" redis-manager keygen run.key
has "Wrote a new key to run.key" out.txt
[ "$(stat -c %a run.key)" = 600 ] || fail "keygen made run.key with mode $(stat -c %a run.key)"
[ "$(wc -c < run.key)" = 65 ] || fail "run.key is not 64 hex digits and a newline"
expect_status 0 "$ABCSMC" redis-manager keygen other.key
cmp -s run.key other.key && fail "two keygen runs wrote the same key"
before=$(cat run.key)
expect_status 2 "$ABCSMC" redis-manager keygen run.key
has "key file run.key: exists already; not replaced" err.txt
[ "$(cat run.key)" = "$before" ] || fail "keygen replaced an existing file"
cp run.key open.key; chmod 644 open.key
cp run.key group.key; chmod 640 group.key
: > empty.key; chmod 600 empty.key
printf 'short-key\n' > short.key; chmod 600 short.key
mkdir -p dir.key
for bad in "open.key:mode 0644 lets group or others read or write it" "group.key:mode 0640" \
           "missing.key:does not exist" "empty.key:empty" "short.key:holds 9 bytes, fewer than 16" \
           "dir.key:not a regular file"; do
  f=${bad%%:*} why=${bad#*:}
  expect_status 2 "$ABCSMC" redis-worker --port "$PORT" --key-file "$f" --runtime 5s
  has "key file $f: $why" err.txt
  expect_status 2 "$ABCSMC" run "$cfg" -o "bad_$f.h5" --sampler redis --redis-port "$PORT" --key-file "$f"
  has "key file $f: $why" err.txt
  [ ! -e "bad_$f.h5" ] || fail "a master with key file $f wrote results"
done
grep -rqF "$before" ./*.txt && fail "the key's bytes appear in a log"
# The config's sampler.key_file works too (refused the same way).
cp "$cfg" keyed.yaml
printf 'sampler: {type: redis, key_file: open.key}\n' >> keyed.yaml
expect_status 2 "$ABCSMC" run keyed.yaml -o bad_cfg.h5 --redis-port "$PORT"
has "key file open.key: mode 0644" err.txt

# --- a. a keyed run: bit-identical to single-core --------------------------------------------------
master keyed "$cfg" --batch-size 5 --key-file run.key
KRUN=$(run_id keyed)
[ "$(rcli HGET "abcsmc:$KRUN:info" auth)" = hmac-sha256 ] || fail "the keyed run is not marked in its info hash"
[ "$(rcli GET "abcsmc:$KRUN:config_mac" | wc -c)" = 65 ] || fail "no config signature on the server"
worker wa1 --key-file run.key --runtime 90s; wa1=$WPID
worker wa2 --key-file run.key --runtime 90s; wa2=$WPID
wait_ok "$MPID" "the keyed master" keyed.err
same_results single.h5 keyed.h5 "keyed master and workers vs single-core"
hasnt "dropped" keyed.err
has "authenticated run: config, specs and results signed with the key in run.key" keyed.err
has "serving only runs signed with the key in run.key" wa1.log
grep -rqF "$before" keyed.err keyed.out wa1.log wa2.log && fail "the key's bytes appear in a log"
manager stop >/dev/null
wait_ok "$wa1" "keyed worker 1 after stop" wa1.log
wait_ok "$wa2" "keyed worker 2 after stop" wa2.log

# --- b. workers without the key, or with another -------------------------------------------------
worker nokey --runtime 90s; nokey=$WPID
worker wrongkey --key-file other.key --runtime 90s; wrongkey=$WPID
master refused "$cfg" --batch-size 5 --key-file run.key; refused=$MPID
master plain "$cfg" --batch-size 5; plain=$MPID
wait_ok "$plain" "the unkeyed master beside a keyed one" plain.err
same_results single.h5 plain.h5 "an unkeyed run served by a keyless worker vs single-core"
wait_rc "$refused" 1 "the keyed master whose workers lack its key" refused.err
has "every live Redis worker refuses this run" refused.err
has "the run is signed (auth: hmac-sha256): start the worker with --key-file" refused.err
has "config signature invalid: it does not verify with this worker's key" refused.err
has "refusing run .*the run is not signed, and this worker (--key-file) serves signed runs only" wrongkey.log
manager stop >/dev/null
wait_ok "$nokey" "the keyless worker after stop" nokey.log
wait_ok "$wrongkey" "the wrong-key worker after stop" wrongkey.log

# --- c. forged results and aborts ------------------------------------------------------------------
# forge.py KEYFILE RUN K SPECMAC_HEX OUT: a decodable result of round 1 for [0, 5) (every candidate
# accepted at distance 76.6, as in untrusted_test.sh), signed as a worker would (redis/auth.hpp);
# KEYFILE "-": unsigned; "garbage": the frame with a MAC of zeros.
cat > forge.py <<'PY'
import hashlib, hmac, struct, sys
V = int(sys.argv[1]); keyfile, run, k, spec_mac, out = sys.argv[2:7]
u8 = lambda x: struct.pack('<B', x); u32 = lambda x: struct.pack('<I', x)
u64 = lambda x: struct.pack('<Q', x); f64 = lambda x: struct.pack('<d', x)
vec = lambda xs: u64(len(xs)) + b''.join(f64(x) for x in xs)
def result(rnd, first, count):
    b = u8(V) + u8(6) + u64(rnd) + u64(first) + u64(count) + u64(count)
    b += u64(count)
    for i in range(first, first + count):
        b += u64(i) + u64(0) + u32(0) + vec([0.1, 2.0]) + vec([50.0, 60.0]) + f64(76.6) + u8(1) + u8(0)
    b += u64(0) + u64(0) + u8(0)
    b += u64(count)
    for i in range(first, first + count):
        b += u64(i) + u64(0) + vec([50.0, 60.0])
    return b
body = result(1, 0, 5)
magic = b"abcsmc-hmac1"
if keyfile == "-":
    blob = body
elif keyfile == "garbage":
    blob = magic + bytes(32) + body
else:
    key = open(keyfile, "rb").read().rstrip(b"\r\n")
    msg = b"abcsmc-result\0" + run.encode() + b"\0" + k.encode() + b"\0" + bytes.fromhex(spec_mac) + body
    blob = magic + hmac.new(key, msg, hashlib.sha256).digest() + body
open(out, "wb").write(blob)
PY
forge() { /usr/bin/python3 forge.py "$WIRE" "$@"; }
# A genuine signed result to replay: a run published by hand with the key (config, a calibration
# spec of round 1 for 8 evaluations, their signatures, info auth), served by a real keyed worker;
# its two pushes stay in the list (no master takes them). The worker's signature must match
# the documented format (checked here in Python), and replayed into another run it must fail.
cat > sign.py <<'PY'
import hashlib, hmac, struct, sys
key = open(sys.argv[1], "rb").read().rstrip(b"\r\n"); what = sys.argv[2]; run = sys.argv[3].encode()
mac = lambda m: hmac.new(key, m, hashlib.sha256)
if what == "config":
    print(mac(b"abcsmc-config\0" + run + b"\0" + open(sys.argv[4], "rb").read()).hexdigest())
elif what == "spec":
    print(mac(b"abcsmc-spec\0" + run + b"\0" + sys.argv[4].encode() + b"\0" + open(sys.argv[5], "rb").read()).hexdigest())
elif what == "calibration_spec":  # the generation of round 1 (calibration) as a master encodes it
    V = int(sys.argv[4]); u8 = lambda x: struct.pack('<B', x); u32 = lambda x: struct.pack('<I', x)
    u64 = lambda x: struct.pack('<Q', x); f64 = lambda x: struct.pack('<d', x)
    b = u8(V) + u8(1) + u64(1) + u8(0) + u64(4) + u64(120) + u64(0) + u8(1) + u64(1000)
    b += u64(1234) + u32(0) + f64(float("inf")) + u8(1) + u8(1) + u64(2) + f64(1.0) + f64(1.0) + u64(0)
    open(sys.argv[5], "wb").write(b)
elif what == "check_result":  # a list element: the magic, then the MAC of run, round, spec MAC, body
    e = open(sys.argv[6], "rb").read(); m = b"abcsmc-hmac1"
    assert e[:12] == m, "no abcsmc-hmac1 frame"
    want = mac(b"abcsmc-result\0" + run + b"\0" + sys.argv[4].encode() + b"\0" + bytes.fromhex(sys.argv[5]) + e[44:]).digest()
    assert hmac.compare_digest(e[12:44], want), "the worker's result MAC is not the documented one"
PY
sign() { /usr/bin/python3 sign.py "$@"; }
GRUN=genuine-elsewhere; gp="abcsmc:$GRUN:"
sign run.key calibration_spec - "$WIRE" gspec.bin
printf '%s' "$(cat "$cfg")" > gconfig.yaml  # as redis-cli SET stores it
rcli SET "${gp}config" "$(cat gconfig.yaml)" >/dev/null
rcli SET "${gp}config_mac" "$(sign run.key config "$GRUN" gconfig.yaml)" >/dev/null
rcli HSET "${gp}info" t calibration n 120 round 1 evaluations 0 acceptances 0 wire_version "$WIRE" \
  software_version "0.0.1-test" auth hmac-sha256 >/dev/null
rcli -x SET "${gp}r1:spec" < gspec.bin >/dev/null
GSPEC_MAC=$(sign run.key spec "$GRUN" 1 gspec.bin)
rcli SET "${gp}r1:spec_mac" "$GSPEC_MAC" >/dev/null
rcli SET "${gp}r1:batch" 4 >/dev/null; rcli SET "${gp}r1:limit" 8 >/dev/null
rcli SET "${gp}r1:lease_ms" 30000 >/dev/null; rcli SET "${gp}r1:next" 0 >/dev/null
rcli SET "${gp}round" 1 >/dev/null
rcli SADD abcsmc:runs "$GRUN" >/dev/null
worker wg --key-file run.key --runtime 90s; wg=$WPID
for i in $(seq 1 200); do [ "$(rcli LLEN "${gp}r1:results")" = 2 ] && break; sleep 0.05; done
[ "$(rcli LLEN "${gp}r1:results")" = 2 ] || { cat wg.log >&2; fail "the keyed worker did not serve the hand-made signed run"; }
rcli --raw LINDEX "${gp}r1:results" 0 | head -c -1 > genuine.bin
sign run.key check_result "$GRUN" 1 "$GSPEC_MAC" genuine.bin || fail "the worker's signed result is not in the documented format"
manager stop >/dev/null
wait_ok "$wg" "the keyed worker of the hand-made run" wg.log
rcli DEL "${gp}config" "${gp}round" >/dev/null; rcli SREM abcsmc:runs "$GRUN" >/dev/null
master forged "$cfg" --batch-size 6 --key-file run.key
FRUN=$(run_id forged)
SPEC_MAC=$(rcli GET "abcsmc:$FRUN:r1:spec_mac")
[ "${#SPEC_MAC}" = 64 ] || fail "no spec signature for round 1 on the server: '$SPEC_MAC'"
OTHER_SPEC_MAC=$(printf '%s' "$SPEC_MAC" | tr '0-9a-f' '1-9a-f0')
forge - "$FRUN" 1 "$SPEC_MAC" unsigned.bin                    # unsigned
forge garbage "$FRUN" 1 "$SPEC_MAC" garbage_mac.bin           # the frame, a MAC of zeros
forge other.key "$FRUN" 1 "$SPEC_MAC" other_key.bin           # another key
forge run.key "other-run" 1 "$SPEC_MAC" other_run.bin         # the key, another run
forge run.key "$FRUN" 2 "$SPEC_MAC" other_round.bin           # the key, another round
forge run.key "$FRUN" 1 "$OTHER_SPEC_MAC" other_spec.bin      # the key, another incarnation of round 1
forge run.key "$FRUN" 1 "$SPEC_MAC" control.bin               # correctly signed, but nobody claimed [0, 5)
for b in unsigned garbage_mac other_key other_run other_round other_spec control genuine; do
  rcli -x RPUSH "abcsmc:$FRUN:r1:results" < "$b.bin" >/dev/null
done
rcli SET "abcsmc:$FRUN:abort" "worker evil: forged abort" >/dev/null
sleep 1.5  # the master drops them and ignores the abort meanwhile
[ "$(rcli EXISTS "abcsmc:$FRUN:abort")" = 0 ] || fail "the master left a forged abort in place"
other_abort=$(/usr/bin/python3 -c '
import hashlib, hmac, sys
key = open("other.key", "rb").read().rstrip(b"\r\n"); run = sys.argv[1]; m = "worker evil: signed with another key"
print("hmac-sha256:" + hmac.new(key, b"abcsmc-abort\0" + run.encode() + b"\0" + m.encode(), hashlib.sha256).hexdigest() + " " + m)' "$FRUN")
rcli SET "abcsmc:$FRUN:abort" "$other_abort" >/dev/null
worker wc --key-file run.key --runtime 90s; wc=$WPID
wait_ok "$MPID" "the keyed master with forged results" forged.err
same_results single.h5 forged.h5 "a keyed run with forged results and aborts vs single-core"
has "dropped one of the results that are not signed (this run has a key) in round 1" forged.err
has "dropped one of the results whose signature does not verify" forged.err
has "round 1 of run $FRUN dropped 1 results that are not signed (this run has a key), 6 results whose signature does not verify .*, 1 results for indices nobody claimed" forged.err
has "\[0, 5) that no worker claimed" forged.err
hasnt "results that do not decode" forged.err
has "ignored an abort message of run $FRUN that is not signed with its key" forged.err
hasnt "a Redis worker ended the run" forged.err
manager stop >/dev/null
wait_ok "$wc" "the keyed worker after stop" wc.log

# --- d. a forged config (a plugin) and a forged spec ------------------------------------------------
cat > plugin.yaml <<YAML
seed: 4
population_size: 30
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {plugin: $PLUGIN, options: {n: 5, sigma: 1}}
observed: {y: 0.5}
epsilon: {type: quantile, alpha: 0.5, calibration_size: 30}
stop: {max_generations: 2}
YAML
master dconfig "$cfg" --batch-size 5 --key-file run.key; dconfig=$MPID
DCRUN=$(run_id dconfig)
rcli SET "abcsmc:$DCRUN:config" "$(cat plugin.yaml)" >/dev/null
master dspec "$cfg" --batch-size 5 --key-file run.key; dspec=$MPID
DSRUN=$(run_id dspec)
printf "\\x$(printf %02x "$WIRE")forged spec bytes" > forged_spec.bin
rcli -x SET "abcsmc:$DSRUN:r1:spec" < forged_spec.bin >/dev/null
# The control: the same forgery on an unkeyed run reaches dlopen in a keyless worker with
# --allow-plugins (so the marker would show a keyed worker loading it too).
master dplain "$cfg" --batch-size 5; dplain=$MPID
DPRUN=$(run_id dplain)
rcli SET "abcsmc:$DPRUN:config" "$(cat plugin.yaml)" >/dev/null
ABCSMC_TEST_MARKER=$PWD/forged.marker worker wd --key-file run.key --allow-plugins --runtime 90s; wd=$WPID
ABCSMC_TEST_MARKER=$PWD/control.marker worker wdplain --allow-plugins --runtime 90s; wdplain=$WPID
wait_rc "$dconfig" 1 "the keyed master whose config was forged" dconfig.err
wait_rc "$dspec" 1 "the keyed master whose spec was forged" dspec.err
wait_rc "$dplain" 1 "the unkeyed master whose config was forged" dplain.err
[ -s control.marker ] || { cat wdplain.log >&2; fail "control: the keyless worker did not load the forged config's plugin"; }
has "config signature invalid: it does not verify with this worker's key (a forged config, or another key)" dconfig.err
has "refusing run $DCRUN: config signature invalid" wd.log
[ ! -e forged.marker ] || fail "a keyed worker loaded the plugin of a forged config (pid $(cat forged.marker))"
hasnt "loads the plugin" wd.log
has "the spec of round 1 has a signature that does not verify with this worker's key" dspec.err
hasnt "malformed message" wd.log
manager stop >/dev/null
wait_ok "$wd" "the keyed worker after stop" wd.log
wait_ok "$wdplain" "the keyless worker after stop" wdplain.log
echo "redis authenticated runs: all checks passed"
