#!/usr/bin/env bash
# Open MPI launch agent for tests/multihost (mpirun --mca plm_rsh_agent): called as `ssh` would
# be, `AGENT HOST COMMAND...`, it runs COMMAND in HOST's network namespace under HOST's hostname.
# ABCSMC_NETNS_MAP holds "HOST=NAMESPACE" pairs separated by spaces.
set -euo pipefail
host=$1
shift
for pair in $ABCSMC_NETNS_MAP; do
  if [ "${pair%%=*}" = "$host" ]; then
    # As ssh does, the remaining words are one command line for a shell.
    exec ip netns exec "${pair#*=}" unshare --uts sh -c "hostname '$host'; $*"
  fi
done
echo "netns_agent: unknown host '$host'" >&2
exit 255
