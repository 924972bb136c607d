#!/usr/bin/env bash
# Issue 17: an MPI run across three hosts (network namespaces, tests/multihost/common.sh), Open
# MPI over TCP only (no shared memory), launched through an agent that enters each host's
# namespace as ssh would log in: every generation bit-identical to single core, for dynamic
# batches of 1 and 7 and static scheduling.
source "$(dirname "$0")/common.sh"
export ABCSMC_NETNS_MAP="h0=${NS[0]} h1=${NS[1]} h2=${NS[2]}"
printf 'h0 slots=1\nh1 slots=2\nh2 slots=2\n' > hosts.txt
mpi_hosts() {
  local n=$1; shift
  on_host 0 timeout -k 5 "$MPI_TIMEOUT" "$MPIEXEC" --hostfile hosts.txt -n "$n" \
    --mca plm_rsh_agent "$ABCSMC_SOURCE_DIR/tests/multihost/netns_agent.sh" \
    --mca plm_rsh_no_tree_spawn 1 --mca btl self,tcp \
    --mca btl_tcp_if_include "$SUBNET.0/24" --mca oob_tcp_if_include "$SUBNET.0/24" "$@"
}
# The ranks really are on three hosts: three hostnames and three network namespaces.
mpi_hosts 5 sh -c 'echo "$(hostname) $(ip netns identify)"' | sort -u > placement.txt
[ "$(cut -d' ' -f2 placement.txt | sort -u | wc -l)" -eq 3 ] ||
  fail "ranks did not land in three namespaces: $(tr '\n' ';' < placement.txt)"
grep -q "^h1 ${NS[1]}$" placement.txt || fail "host h1 is not namespace ${NS[1]}: $(cat placement.txt)"

cfg="$ABCSMC_SOURCE_DIR/tests/mpi/determinism.yaml"
expect_status 0 "$ABCSMC" run "$cfg" -o single.h5 --sampler single
expect_status 0 "$ABCSMC" run "$cfg" -o static_threads.h5 --sampler threads --threads 4 --scheduling static
for B in 1 7; do
  set +e; mpi_hosts 5 "$ABCSMC" run "$cfg" -o "dyn_b$B.h5" --sampler mpi --batch-size "$B" >out.txt 2>err.txt
  rc=$?; set -e
  [ "$rc" -eq 0 ] || { cat out.txt err.txt >&2; fail "mpirun across hosts (batch $B) exited $rc"; }
  same_results single.h5 "dyn_b$B.h5" "MPI over TCP across three hosts, batch $B, vs single core"
done
set +e; mpi_hosts 5 "$ABCSMC" run "$cfg" -o static.h5 --sampler mpi --scheduling static >out.txt 2>err.txt
rc=$?; set -e
[ "$rc" -eq 0 ] || { cat out.txt err.txt >&2; fail "static mpirun across hosts exited $rc"; }
same_results static_threads.h5 static.h5 "static MPI across three hosts vs static threads"
echo "MPI across three namespaces over TCP: all checks passed"
