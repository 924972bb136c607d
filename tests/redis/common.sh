# Shared set-up for the Redis bridge tests (sourced, not a test itself). Each test starts its own
# redis-server on a random free loopback port with a random password, and stops it on exit.
# Environment (tests/CMakeLists.txt): ABCSMC, ABCSMC_SOURCE_DIR, ABCSMC_TMP.
# dump / same_results (every generation, bit for bit) come from the MPI tests' helpers.
ABCSMC_MPI_RANKS=1 source "$ABCSMC_SOURCE_DIR/tests/mpi/common.sh"
command -v redis-server >/dev/null || { echo "redis-server not installed: skipped"; exit 77; }
BIN_DIR=$(dirname "$ABCSMC")
export ABCSMC_REDIS_PASSWORD="pw-$RANDOM-$RANDOM-secret"
REDIS_PID=""
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do pkill -9 -P "$p" 2>/dev/null || true; kill -9 "$p" 2>/dev/null || true; done
  [ -n "$REDIS_PID" ] && kill -9 "$REDIS_PID" 2>/dev/null || true
}
trap cleanup EXIT
source "$ABCSMC_SOURCE_DIR/tests/support/redis_server.sh"
start_redis() { start_redis_server "$ABCSMC_REDIS_PASSWORD"; PORT=$REDIS_PORT; }
start_redis
# worker NAME ARGS...: starts `abcsmc redis-worker` in the background (log NAME.log); sets WPID.
worker() {
  local name=$1; shift
  timeout -k 2 120 "$ABCSMC" redis-worker --port "$PORT" "$@" >"$name.log" 2>&1 &
  WPID=$!
  PIDS+=("$WPID")
}
# master NAME CONFIG ARGS...: starts `abcsmc run` on the redis sampler in the background; sets MPID.
master() {
  local name=$1 cfg=$2; shift 2
  timeout -k 2 120 "$ABCSMC" run "$cfg" -o "$name.h5" --sampler redis --redis-port "$PORT" "$@" >"$name.out" 2>"$name.err" &
  MPID=$!
  PIDS+=("$MPID")
}
# wait_ok PID WHAT: waits for PID and fails unless it exited 0.
wait_ok() {
  local rc=0
  wait "$1" || rc=$?
  [ "$rc" -eq 0 ] || { cat "$3" 2>/dev/null >&2 || true; fail "$2 exited $rc"; }
}
# kill9 PID: SIGKILL of a process started by worker/master (the abcsmc under its timeout).
kill9() { pkill -9 -P "$1" 2>/dev/null || true; kill -9 "$1" 2>/dev/null || true; }
manager() { "$ABCSMC" redis-manager --port "$PORT" "$@"; }
