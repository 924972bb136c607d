# start_redis_server PASSWORD: a private redis-server for one test (sourced, not a test): bound
# to 127.0.0.1 on a random free port, with PASSWORD, no persistence, files in $PWD. Sets
# REDIS_PORT and REDIS_PID (the caller kills it on exit; read before it goes: redis deletes its
# pidfile on shutdown). Fails the test if it does not answer within 10 s.
start_redis_server() {
  command -v redis-server >/dev/null || fail "redis-server is not installed (scripts/install-deps.sh)"
  REDIS_PORT=$(/usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --requirepass "$1" --save '' \
    --appendonly no --daemonize yes --pidfile "$PWD/redis.pid" --logfile "$PWD/redis.log" --dir "$PWD"
  local i=0
  until redis-cli -p "$REDIS_PORT" -a "$1" --no-auth-warning ping 2>/dev/null | grep -q PONG; do
    sleep 0.05; i=$((i + 1)); [ "$i" -lt 200 ] || fail "redis-server did not start: $(cat redis.log 2>/dev/null)"
  done
  REDIS_PID=$(cat redis.pid)
}
