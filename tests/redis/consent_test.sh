#!/usr/bin/env bash
# Issue 11, the Redis boundary: nothing from the server runs code in a worker without its
# consent, and the password stays with the processes that need it.
#  - A plugin named by a config on the server is refused (before dlopen: its constructor never
#    runs) unless the worker has --allow-plugins, or --allow-plugin-dir with a directory the
#    plugin's resolved path lies under (not another directory, not a symlink out of it, not a
#    path that does not exist here); the same inside model selection; --allow-commands does not
#    allow plugins. A master whose workers all refuse ends with their reason.
#  - Simulators started by a worker do not inherit the password variable; the worker's and the
#    master's own /proc/PID/environ no longer hold it.
#  - Processes that hold the password (master, workers and their --processes children, manager)
#    are not dumpable (PR_SET_DUMPABLE 0): checked from outside on processes of an unprivileged
#    user, where Linux then makes /proc/PID/* root's and refuses that user /proc/PID/environ.
#  - The process title hides --password and its length (the same title for 4 and 40 characters).
#  - `redis-manager info` drops a run whose master was killed once its keys expire.
: "${ABCSMC:?}" "${ABCSMC_SOURCE_DIR:?}" "${ABCSMC_TMP:?}"  # from ctest: never run elsewhere
source "$(dirname "$0")/common.sh"
has() { grep -q -- "$1" "$2" || { cat "$2" >&2; fail "'$1' not in $2"; }; }
PLUGIN=${ABCSMC_MARKER_PLUGIN:-$BIN_DIR/plugins/libabcsmc_test_marker_plugin.so}
[ -f "$PLUGIN" ] || fail "test plugin $PLUGIN is missing: build the target abcsmc_test_marker_plugin"
PLUGIN_DIR=$(dirname "$(realpath "$PLUGIN")")
# The abcsmc process under a worker's/master's timeout.
child_of() {
  local c i
  for i in $(seq 100); do c=$(pgrep -P "$1" | head -1); [ -n "$c" ] && { echo "$c"; return; }; sleep 0.05; done
  fail "no process under $1"
}
# wait_log FILE PATTERN [TRIES]: waits (0.1 s steps) for PATTERN in FILE.
wait_log() {
  local i
  for i in $(seq "${3:-200}"); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  cat "$1" >&2; fail "'$2' did not appear in $1"
}
stop_worker() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
plugin_config() {  # plugin_config FILE PLUGIN_PATH
  cat > "$1" <<YAML
seed: 4
population_size: 30
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {plugin: $2, options: {n: 5, sigma: 1}}
observed: {y: 0.5}
epsilon: {type: quantile, alpha: 0.5, calibration_size: 30}
stop: {max_generations: 2}
YAML
}
plugin_config plugin.yaml "$PLUGIN"
expect_status 0 "$ABCSMC" run plugin.yaml -o single.h5 --sampler single

# 1. No consent (even with --allow-commands): refused before dlopen, the master ends with the
#    reason (every live worker refuses: 10 s grace).
ABCSMC_TEST_MARKER=$PWD/refused.marker worker refuser --allow-commands --runtime 60s; refuser=$WPID
start=$SECONDS
master refused plugin.yaml --batch-size 4
rc=0; wait "$MPID" || rc=$?
[ "$rc" -eq 1 ] || { cat refused.err >&2; fail "master exited $rc with every worker refusing its plugin, expected 1"; }
[ $((SECONDS - start)) -le 30 ] || fail "the refused plugin run took $((SECONDS - start)) s to end"
has "every live Redis worker refuses this run" refused.err
has "loads the plugin $PLUGIN" refused.err
has "allow-plugins" refused.err
has "refusing run .*loads the plugin $PLUGIN.*--allow-plugins" refuser.log
[ ! -e refused.marker ] || fail "the refused plugin was loaded by the worker (pid $(cat refused.marker))"
stop_worker "$refuser"

# 2. --allow-plugins: loaded (the constructor ran in the worker) and the results are single-core's.
ABCSMC_TEST_MARKER=$PWD/any.marker worker any --allow-plugins --runtime 60s; any=$WPID
anypid=$(child_of "$any")
master any plugin.yaml --batch-size 4
wait_ok "$MPID" "master with a worker --allow-plugins" any.err
same_results single.h5 any.h5 "plugin via redis (--allow-plugins) vs single-core"
grep -qx "$anypid" any.marker || fail "the plugin did not run in the --allow-plugins worker: $(cat any.marker 2>/dev/null)"
stop_worker "$any"

# 3. --allow-plugin-dir: its directory (also named through a symlink) yes; another no; a symlink
#    out of an allowed directory no; a path that does not exist here no.
mkdir -p other allowed gone
ln -s "$PLUGIN_DIR" dirlink
ABCSMC_TEST_MARKER=$PWD/dir.marker worker dir --allow-plugin-dir "$PWD/other" \
  --allow-plugin-dir "$PWD/dirlink" --runtime 60s; dir=$WPID
master dir plugin.yaml --batch-size 4
wait_ok "$MPID" "master with a worker --allow-plugin-dir of the plugin's directory" dir.err
same_results single.h5 dir.h5 "plugin via redis (--allow-plugin-dir) vs single-core"
[ -s dir.marker ] || fail "the plugin under --allow-plugin-dir did not run"
stop_worker "$dir"
# A directory that does not exist, or a file: a usage error at start.
expect_status 2 "$ABCSMC" redis-worker --port "$PORT" --allow-plugin-dir "$PWD/no-such-dir"
has "allow-plugin-dir $PWD/no-such-dir: No such file or directory" err.txt
expect_status 2 "$ABCSMC" redis-worker --port "$PORT" --allow-plugin-dir plugin.yaml
has "not a directory" err.txt

ln -s "$PLUGIN" allowed/libescape.so
plugin_config escape.yaml "$PWD/allowed/libescape.so"
cp "$PLUGIN" gone/libgone.so
# The attack itself: a config published straight on the server (as anyone who can write to it
# can), so the worker resolves the plugin path itself (a master would publish its own resolved
# path). try_refused NAME CONFIG REASON WORKER_ARGS...: a worker refuses the run, tells the
# master through <run>:refused, and its plugin was never loaded.
rcli() { redis-cli -p "$PORT" -a "$ABCSMC_REDIS_PASSWORD" --no-auth-warning "$@"; }
try_refused() {
  local name=$1 cfg=$2 reason=$3 run="attack-$1"; shift 3
  rcli set "abcsmc:$run:config" "$(cat "$cfg")" > /dev/null
  rcli sadd abcsmc:runs "$run" > /dev/null
  ABCSMC_TEST_MARKER=$PWD/$name.marker worker "$name" "$@" --runtime 60s; local w=$WPID
  wait_log "$name.log" "refusing run $run"
  has "$reason" "$name.log"
  rcli hgetall "abcsmc:$run:refused" > "$name.refused"
  has "$reason" "$name.refused"
  [ ! -e "$name.marker" ] || fail "$name: the refused plugin was loaded (pid $(cat "$name.marker"))"
  stop_worker "$w"
  rcli del "abcsmc:$run:config" "abcsmc:$run:refused" > /dev/null
  rcli srem abcsmc:runs "$run" > /dev/null
}
try_refused otherdir plugin.yaml "loads the plugin $PLUGIN, which is not under an allowed directory; this worker loads only plugins under --allow-plugin-dir $PWD/other" \
  --allow-plugin-dir "$PWD/other"
try_refused escape escape.yaml "loads the plugin $PWD/allowed/libescape.so (resolved: $(realpath "$PLUGIN")), which is not under an allowed directory" \
  --allow-plugin-dir "$PWD/allowed"
# A directory symlink inside the allowed one that leads out of it.
ln -s "$PLUGIN_DIR" allowed/sub
plugin_config escape_dir.yaml "$PWD/allowed/sub/$(basename "$PLUGIN")"
try_refused escape_dir escape_dir.yaml "(resolved: $(realpath "$PLUGIN")), which is not under an allowed directory" \
  --allow-plugin-dir "$PWD/allowed"
# Up and out: allowed/../ (the worker resolves it; .. is not taken on trust).
plugin_config dotdot.yaml "$PWD/allowed/../gone/libgone.so"
try_refused dotdot dotdot.yaml "which is not under an allowed directory" --allow-plugin-dir "$PWD/allowed"
# A path that does not exist here.
plugin_config missing.yaml "$PWD/allowed/libmissing.so"
try_refused missing missing.yaml "loads the plugin $PWD/allowed/libmissing.so, which cannot be resolved here (No such file or directory); this worker loads only plugins under --allow-plugin-dir $PWD/allowed" \
  --allow-plugin-dir "$PWD/allowed"
# A relative path (a master never publishes one; the worker would resolve it against its own
# directory): refused.
plugin_config relative.yaml "libabcsmc_test_marker_plugin.so"
try_refused relative relative.yaml "which cannot be resolved here" --allow-plugin-dir "$PLUGIN_DIR"
# And nothing allowed at all, the path in plain sight.
try_refused none plugin.yaml "loads the plugin $PLUGIN, and this worker loads no plugin named by the server; start it with --allow-plugins, or with --allow-plugin-dir DIR" \
  --allow-commands

# 4. Model selection: a builtin and a plugin. Refused without consent (the plugin is models[1]),
#    served with it, and the results are single-core's.
cat > select.yaml <<YAML
seed: 6
population_size: 40
models:
  - name: builtin
    parameters: {theta: {type: normal, mean: 0, sd: 1}}
    model: {builtin: gaussian_mean, options: {n: 5, sigma: 1}}
  - name: plugged
    parameters: {theta: {type: normal, mean: 0, sd: 1}}
    model: {plugin: $PLUGIN, options: {n: 5, sigma: 1}}
observed: {y: 0.5}
epsilon: {type: quantile, alpha: 0.5, calibration_size: 40}
stop: {max_generations: 2}
YAML
try_refused select select.yaml "models\[1\].model loads the plugin $PLUGIN, and this worker loads no plugin named by the server"
ABCSMC_TEST_MARKER=$PWD/select_ok.marker worker select_ok --allow-plugin-dir "$PLUGIN_DIR" --runtime 60s; sel=$WPID
master select_ok select.yaml --batch-size 4
wait_ok "$MPID" "model selection with a plugin, --allow-plugin-dir" select_ok.err
expect_status 0 "$ABCSMC" run select.yaml -o select_single.h5 --sampler single
same_results select_single.h5 select_ok.h5 "model selection with a plugin via redis vs single-core"
[ -s select_ok.marker ] || fail "model selection: the allowed plugin did not run"
stop_worker "$sel"

# 5. The simulators' environment: no password variable, no password; neither in the worker's
#    nor the master's /proc/PID/environ (wiped in place, not only unset).
mkdir -p envs
cat > env.yaml <<YAML
seed: 3
population_size: 20
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {command: [bash, -c, 'env > "\$1/env.\$\$"; echo "y \$2"', sim, $PWD/envs, '{theta}'], statistics: [y]}
observed: {y: 0.5}
epsilon: {type: quantile, alpha: 0.5, calibration_size: 20}
stop: {max_generations: 2}
YAML
worker envw --allow-commands --runtime 60s; envw=$WPID
wpid=$(child_of "$envw")
master env env.yaml --batch-size 4; menv=$MPID
mpid=$(child_of "$menv")
wait_log env.err "t=0 "
for p in "$wpid" "$mpid"; do
  if [ -r "/proc/$p/environ" ]; then
    ! tr '\0' '\n' < "/proc/$p/environ" | grep -q -- "$ABCSMC_REDIS_PASSWORD" || fail "the password is still in /proc/$p/environ"
    ! tr '\0' '\n' < "/proc/$p/environ" | grep -q "^ABCSMC_REDIS_PASSWORD=" || fail "the variable is still in /proc/$p/environ"
  fi
done
wait_ok "$menv" "master of the env model" env.err
ls envs/env.* >/dev/null 2>&1 || fail "the command model wrote no environment"
grep -l "ABCSMC_REDIS_PASSWORD" envs/env.* && fail "a simulator inherited ABCSMC_REDIS_PASSWORD"
grep -l -- "$ABCSMC_REDIS_PASSWORD" envs/env.* && fail "a simulator's environment holds the password"
grep -q "^PATH=" envs/env.* || fail "the simulators got no environment at all"
stop_worker "$envw"

# 6. Not dumpable. A non-dumpable process's /proc/PID files belong to root and its own user may
#    not read /proc/PID/environ (ptrace access is refused); as root that shows nothing, so the
#    processes run as an unprivileged user (setpriv) when this test runs as root. A server that
#    accepts connections but never answers holds each process inside AUTH (or PING) for 30 s.
if [ "$(id -u)" -eq 0 ]; then
  command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed to run processes as another user"
  AS_USER=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  user=65534
else
  AS_USER=(env)
  user=$(id -u)
fi
# Started straight from this shell (no function or subshell in between): $! is the process.
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
print(s.getsockname()[1], flush=True); time.sleep(110)' > hole.port &
hole=$!; PIDS+=("$hole")
for i in $(seq 100); do [ -s hole.port ] && break; sleep 0.05; done
HOLE=$(cat hole.port)
# check_dumpable PID WHAT yes|no
check_dumpable() {
  local owner
  owner=$(stat -c %u "/proc/$1/status")
  if [ "$3" = no ]; then
    [ "$owner" -eq 0 ] || fail "$2 (pid $1) is dumpable: /proc/$1/status belongs to $owner"
    ! "${AS_USER[@]}" cat "/proc/$1/environ" >/dev/null 2>&1 || fail "$2 (pid $1): its user can read /proc/$1/environ"
  else
    [ "$owner" -eq "$user" ] || fail "control: $2 (pid $1): /proc/$1/status belongs to $owner, not $user"
    "${AS_USER[@]}" cat "/proc/$1/environ" >/dev/null 2>&1 || fail "control: $2 (pid $1): its user cannot read /proc/$1/environ"
  fi
}
# held NAME CMD...: starts CMD as the user; sets HPID to its pid once it is inside the hole.
held() {
  local name=$1; shift
  "${AS_USER[@]}" "$@" >"$name.log" 2>&1 &
  HPID=$!; PIDS+=("$HPID")
  sleep 1
  kill -0 "$HPID" 2>/dev/null || { cat "$name.log" >&2; fail "$name exited early"; }
}
( unset ABCSMC_REDIS_PASSWORD; held nopw "$ABCSMC" redis-manager info --port "$HOLE"
  check_dumpable "$HPID" "manager without a password" yes; kill -9 "$HPID" ) || fail "control failed"
held mgr "$ABCSMC" redis-manager info --port "$HOLE"; check_dumpable "$HPID" "redis-manager" no; kill -9 "$HPID"
held mgr2 env -u ABCSMC_REDIS_PASSWORD "$ABCSMC" redis-manager info --port "$HOLE" --password "$ABCSMC_REDIS_PASSWORD"
check_dumpable "$HPID" "redis-manager --password" no; kill -9 "$HPID"
held wkr "$ABCSMC" redis-worker --port "$HOLE"; check_dumpable "$HPID" "redis-worker" no; kill -9 "$HPID"
held mst "$ABCSMC" run plugin.yaml -o "$PWD/hole.h5" --sampler redis --redis-port "$HOLE"
check_dumpable "$HPID" "the master (sampler redis)" no; kill -9 "$HPID"
# The --processes children (fork keeps the flag), on the real server.
"${AS_USER[@]}" "$ABCSMC" redis-worker --port "$PORT" --processes 2 --runtime 30s > procs.log 2>&1 &
procs=$!; PIDS+=("$procs")
wait_log procs.log "ready on" 100
sleep 0.5
kids=$(pgrep -P "$procs" | tr '\n' ' ')
[ "$(echo $kids | wc -w)" -eq 2 ] || fail "expected 2 worker processes under $procs, got '$kids'"
check_dumpable "$procs" "redis-worker --processes 2 (parent)" no
for k in $kids; do check_dumpable "$k" "redis-worker --processes 2 (child $k)" no; done
kill "$procs"; wait "$procs" 2>/dev/null || true
kill -9 "$hole" 2>/dev/null || true

# 7. The process title: --password is shown as *** whatever its length (the same title for 4
#    and 40 characters), in both spellings; ps shows no character run of its length.
real=$ABCSMC_REDIS_PASSWORD
long="abcdefghij-klmnopqrst-uvwxyz0123-456789AB"   # 40 characters
short="wxyz"
save_port=$PORT save_pid=$REDIS_PID
start_redis_server "$long"; long_port=$REDIS_PORT; long_pid=$REDIS_PID
start_redis_server "$short"; short_port=$REDIS_PORT; short_pid=$REDIS_PID
PORT=$save_port REDIS_PID=$save_pid
title() { tr '\0' '\n' < "/proc/$1/cmdline" | sed "s/$2/PORT/"; }
unset ABCSMC_REDIS_PASSWORD
for form in space equals; do
  if [ "$form" = space ]; then a=(--password "$long"); b=(--password "$short"); else a=("--password=$long"); b=("--password=$short"); fi
  "$ABCSMC" redis-worker --port "$long_port" "${a[@]}" --runtime 20s > tl.log 2>&1 & tl=$!; PIDS+=("$tl")
  "$ABCSMC" redis-worker --port "$short_port" "${b[@]}" --runtime 20s > ts.log 2>&1 & ts=$!; PIDS+=("$ts")
  wait_log tl.log "ready on" 100; wait_log ts.log "ready on" 100
  title "$tl" "$long_port" > tl.title; title "$ts" "$short_port" > ts.title
  cmp -s tl.title ts.title || { diff tl.title ts.title >&2 || true; fail "$form: the process title depends on the password's length"; }
  ! grep -q -e "$long" -e "$short" tl.title ts.title || fail "$form: the password is in the process title"
  grep -q -- "--password[ =]\*\*\*" tl.title || fail "$form: the title does not show --password ***: $(cat tl.title)"
  grep -q -- "--runtime 20s" tl.title || fail "$form: the title lost the arguments after the password: $(cat tl.title)"
  ps -o args= -p "$tl" | grep -q -- "--password[ =]\*\*\* --runtime 20s$" || fail "$form: ps shows: $(ps -o args= -p "$tl")"
  kill "$tl" "$ts"; wait "$tl" "$ts" 2>/dev/null || true
done
kill -9 "$long_pid" "$short_pid" 2>/dev/null || true
export ABCSMC_REDIS_PASSWORD=$real

# 8. `info` drops a dead run once its keys expire (5 s after the master's last renewal).
cat > slow.yaml <<YAML
seed: 9
population_size: 30
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {builtin: gaussian_mean, delay: {type: constant, value: 0.02}}
observed: {y: 0.5}
epsilon: {type: quantile, alpha: 0.5, calibration_size: 30}
stop: {max_generations: 50}
YAML
worker slowworker --runtime 60s; slowworker=$WPID
master dead slow.yaml --batch-size 2
wait_log dead.err "t=0 "
run=$(sed -n 's/.*redis: run id \([^ ]*\) on .*/\1/p' dead.err | head -1)
[ -n "$run" ] || fail "no run id in dead.err"
manager info > info_live.txt
has "Run=$run" info_live.txt
kill9 "$MPID"; wait "$MPID" 2>/dev/null || true
killed=$SECONDS
for i in $(seq 150); do
  manager info > info_dead.txt
  grep -q "Run=$run" info_dead.txt || break
  sleep 0.1
done
! grep -q "Run=$run" info_dead.txt || fail "the killed master's run is still listed after $((SECONDS - killed)) s: $(cat info_dead.txt)"
has "(no active run)" info_dead.txt
[ -z "$(redis-cli -p "$PORT" -a "$ABCSMC_REDIS_PASSWORD" --no-auth-warning smembers abcsmc:runs)" ] ||
  fail "the dead run is still in abcsmc:runs"
stop_worker "$slowworker"
echo "redis consent: all checks passed"
