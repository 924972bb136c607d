# Shared set-up for the multi-host tests (sourced, not a test itself): three "hosts" on this
# machine, each a network namespace of this test's own (h0, h1, h2, with their own hostname
# and /etc/hosts through `ip netns exec`'s /etc/netns/NAME), joined by veth pairs to a bridge
# inside h0 on a private /24. No address is added outside these namespaces; everything is
# removed on exit. Where namespaces cannot be created (no root, no CAP_NET_ADMIN, no iproute2)
# the test is skipped (exit 77) with the reason.
# Environment (tests/CMakeLists.txt): ABCSMC, ABCSMC_SOURCE_DIR, ABCSMC_TMP.
ABCSMC_MPI_RANKS=1 source "$ABCSMC_SOURCE_DIR/tests/mpi/common.sh"
skip() { echo "skipped: $*"; exit 77; }
command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
[ "$(id -u)" -eq 0 ] || skip "network namespaces need root (this runs as uid $(id -u))"

# Names and the subnet are this process's own: no clash with parallel tests or other users.
NS_ID="abc$(( $$ % 100000 ))"
NS=("${NS_ID}h0" "${NS_ID}h1" "${NS_ID}h2")
SUBNET="10.$(( 200 + $$ % 50 )).$(( ($$ / 50) % 250 ))"
ADDR=("$SUBNET.1" "$SUBNET.11" "$SUBNET.12")
HOSTS=(h0 h1 h2)

netns_cleanup() {
  local n
  for n in "${NS[@]}"; do
    # Processes left in a namespace (a failed run) go with it.
    for p in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$n" 2>/dev/null || true
    rm -rf "/etc/netns/$n"
  done
}
trap netns_cleanup EXIT

ip netns add "${NS[0]}" 2>/dev/null || skip "cannot create a network namespace here (ip netns add failed)"
for i in 1 2; do ip netns add "${NS[$i]}"; done
in_ns() { local n=$1; shift; ip netns exec "${NS[$n]}" "$@"; }
in_ns 0 ip link add br0 type bridge
in_ns 0 ip addr add "${ADDR[0]}/24" dev br0
in_ns 0 ip link set br0 up
for i in 0 1 2; do
  in_ns "$i" ip link set lo up
  mkdir -p "/etc/netns/${NS[$i]}"
  { echo "127.0.0.1 localhost"
    for j in 0 1 2; do echo "${ADDR[$j]} ${HOSTS[$j]}"; done; } > "/etc/netns/${NS[$i]}/hosts"
done
for i in 1 2; do
  in_ns 0 ip link add "v$i" type veth peer name eth0 netns "${NS[$i]}"
  in_ns 0 ip link set "v$i" master br0 up
  in_ns "$i" ip addr add "${ADDR[$i]}/24" dev eth0
  in_ns "$i" ip link set eth0 up
done

# on_host I CMD...: CMD on host I (its namespace, and its own hostname in a UTS namespace).
on_host() {
  local i=$1; shift
  ip netns exec "${NS[$i]}" unshare --uts sh -c 'hostname "$0"; exec "$@"' "${HOSTS[$i]}" "$@"
}
