#!/usr/bin/env bash
# A private single-node Slurm cluster for the template tests (TOOLCHAIN.md section 5):
#   bash tests/sched/slurm_cluster.sh start   # munged (if none answers), slurmctld, slurmd -N localhost
#   bash tests/sched/slurm_cluster.sh stop    # cancels every job, stops what `start` started
#   bash tests/sched/slurm_cluster.sh status  # sinfo + squeue
# Everything lives in $ABCSMC_SCHED_DIR/slurm (default /tmp/abcsmc-sched/slurm): slurm.conf,
# state, spool, pid files and logs, plus env.sh, which the tests source (it exports SLURM_CONF;
# /etc/slurm is left alone). No systemd and no cgroups: proctrack/linuxproc, task/none.
#
# Slurm's ports (6817/6818) are machine-wide: one cluster per machine. The cluster belongs to
# the process that ran `start` (ctest; $ABCSMC_SLURM_OWNER_PID overrides), recorded in
# /tmp/abcsmc-slurm-cluster.owner. A `start` from another build directory while that owner is
# alive waits for its `stop` (up to $SLURM_CLUSTER_WAIT s, default 150), then fails; once the
# owner is gone (a ctest killed before its stop), its daemons are stale and are stopped.
# `start` is idempotent: it first stops an instance of its own directory (pid files), and any
# stale daemons of this script (recognised by the marker line of the slurm.conf they were
# started with). `stop` touches only its own directory's daemons. Anything that fails to start
# prints the daemons' logs and exits non-zero: a missing cluster must fail the tests, never skip.
set -uo pipefail
D=${ABCSMC_SCHED_DIR:-/tmp/abcsmc-sched}/slurm
CONF=$D/slurm.conf
MARKER="# abcsmc test cluster: written by tests/sched/slurm_cluster.sh"
START_TIMEOUT=${SLURM_CLUSTER_TIMEOUT:-60}
WAIT=${SLURM_CLUSTER_WAIT:-150}
LOCK_DIR=${ABCSMC_SLURM_LOCK_DIR:-/tmp}
LOCK=$LOCK_DIR/abcsmc-slurm-cluster.lock
OWNER=$LOCK_DIR/abcsmc-slurm-cluster.owner
OWNER_PID=${ABCSMC_SLURM_OWNER_PID:-$PPID}

log() { echo "slurm_cluster: $*" >&2; }
die() {
  log "ERROR: $*"
  local f
  for f in "$D/slurmctld.log" "$D/slurmd.log" /var/log/munge/munged.log; do
    [ -s "$f" ] && { echo "----- $f (last 40 lines)" >&2; tail -n 40 "$f" >&2; }
  done
  exit 1
}
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
# stop_pid PID NAME: SIGTERM, up to 10 s, then SIGKILL; tolerates a process already gone.
stop_pid() {
  local pid=$1 name=$2 i
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 100); do alive "$pid" || { log "stopped $name ($pid)"; return 0; }; sleep 0.1; done
  log "$name ($pid) ignored SIGTERM: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for i in $(seq 50); do alive "$pid" || return 0; sleep 0.1; done
}
pid_of() { [ -s "$1" ] && tr -dc '0-9' <"$1"; }
# daemons WHICH: pids of slurmctld/slurmd started with `-f X`, where X is this directory's
# slurm.conf (WHICH = own), or any slurm.conf of this script (it carries MARKER) or one that no
# longer exists under an abcsmc sched directory (WHICH = all).
daemons() {
  local p exe conf
  for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    case "${exe##*/}" in slurmctld | slurmctld-* | slurmd | slurmd-wlm) ;; *) continue ;; esac  # Debian: slurmd-wlm
    conf=$(tr '\0' '\n' <"$p/cmdline" 2>/dev/null | awk 'f{print; exit} $0=="-f"{f=1}')
    [ -n "$conf" ] || continue
    if [ "$1" = own ]; then
      [ "$conf" = "$CONF" ] && echo "${p#/proc/}"
    elif { [ -f "$conf" ] && grep -qxF "$MARKER" "$conf"; } ||
      { [ ! -e "$conf" ] && [[ "$conf" == */slurm/slurm.conf ]]; }; then
      echo "${p#/proc/}"
    fi
  done
}
# stray_steps DIR: slurmstepd processes that still hold a file under DIR open (spool, logs).
stray_steps() {
  local p exe
  for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    [[ "${exe##*/}" == slurmstepd* ]] || continue
    if ls -l "$p/fd" 2>/dev/null | grep -qF -- "$1/"; then echo "${p#/proc/}"; fi
  done
}
# stop_munged DIR: the munged that `start` of DIR started (DIR/munged.ours), if it still runs.
stop_munged() {
  local pid
  [ -s "$1/munged.ours" ] || return 0
  pid=$(pid_of "$1/munged.ours")
  if alive "$pid" && [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == */munged ]]; then stop_pid "$pid" munged; fi
  rm -f "$1/munged.ours"
}

# claim: makes this directory the cluster's owner; waits while another live owner holds it.
claim() {
  local deadline=$((SECONDS + WAIT)) opid odir said=""
  exec 9>>"$LOCK"
  while :; do
    flock 9
    opid="" odir=""
    [ -s "$OWNER" ] && read -r opid odir <"$OWNER"
    if [ -z "$opid" ] || [ "$odir" = "$D" ] || ! alive "$opid"; then
      echo "$OWNER_PID $D" >"$OWNER"
      flock -u 9
      break
    fi
    flock -u 9
    [ "$SECONDS" -lt "$deadline" ] ||
      die "the machine's Slurm test cluster is still in use by process $opid (for $odir) after ${WAIT}s; one cluster per machine (fixed ports)"
    [ -n "$said" ] || { log "cluster in use by process $opid (for $odir): waiting up to ${WAIT}s for its stop"; said=1; }
    sleep 2
  done
  # A previous owner that died before its stop: its daemons, job steps and munged are stale.
  if [ -n "$odir" ] && [ "$odir" != "$D" ]; then
    local pid
    for pid in $(stray_steps "$odir"); do stop_pid "$pid" "stale slurmstepd"; done
    stop_munged "$odir"
  fi
}
# release: gives up ownership (only if this directory holds it).
release() {
  exec 9>>"$LOCK"
  flock 9
  local opid odir
  [ -s "$OWNER" ] && read -r opid odir <"$OWNER" && [ "$odir" = "$D" ] && rm -f "$OWNER"
  flock -u 9
}

stop_cluster() {
  local pid
  if [ -f "$CONF" ] && alive "$(pid_of "$D/slurmctld.pid")"; then
    # Cancel every job first so that no job step outlives its slurmd.
    SLURM_CONF=$CONF timeout 10 scancel --quiet --user=root 2>/dev/null || true
    local i
    for i in $(seq 50); do
      [ -z "$(SLURM_CONF=$CONF timeout 5 squeue -h -t running,completing,pending 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  stop_pid "$(pid_of "$D/slurmd.pid")" slurmd
  stop_pid "$(pid_of "$D/slurmctld.pid")" slurmctld
  for pid in $(daemons own); do stop_pid "$pid" "slurm daemon of $D without pid file"; done
  for pid in $(stray_steps "$D"); do stop_pid "$pid" "stray slurmstepd"; done
  stop_munged "$D"                                  # munged only if this script started it
  rm -f "$D/slurmd.pid" "$D/slurmctld.pid"
}

start_munge() {
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    log "munged already answers: using it (not ours, stop leaves it running)"
    return 0
  fi
  command -v munged >/dev/null || die "munged not installed (scripts/install-deps.sh installs munge)"
  [ -f /etc/munge/munge.key ] || die "/etc/munge/munge.key missing (reinstall munge)"
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  chmod 0755 /run/munge
  # --force: a munged killed earlier leaves a stale socket and pid file behind.
  runuser -u munge -- /usr/sbin/munged --force ||
    die "munged did not start"
  local i
  for i in $(seq 50); do
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.1
  done
  munge -n | unmunge >/dev/null 2>&1 || die "munge -n | unmunge fails"
  pid_of /run/munge/munged.pid >"$D/munged.ours"
  log "munged started ($(cat "$D/munged.ours"))"
}

write_conf() {
  local mem cpus
  mem=$(slurmd -C 2>/dev/null | tr ' ' '\n' | sed -n 's/^RealMemory=//p')
  [ -n "$mem" ] || die "slurmd -C did not report RealMemory"
  cpus=$(nproc)
  cat >"$CONF" <<EOF
$MARKER
ClusterName=abcsmc-ci
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# Open MPI of Debian talks PMIx only (pmi2 fails: "OMPI was not built with SLURM's PMI support")
MpiDefault=pmix
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
# finished jobs stay visible to scontrol for 5 minutes (there is no accounting: the tests read
# JobState/ExitCode with scontrol show job)
MinJobAge=300
KillWait=5
Waittime=0
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
# OverSubscribe=YES: jobs that ask (sbatch --oversubscribe) may share cores, so that a Redis
# master and its worker array fit on 2 cores together; other jobs get cores of their own.
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
EOF
  cat >"$D/env.sh" <<EOF
# Sourced by tests/sched/slurm_*_test.sh: the private cluster started by slurm_cluster.sh.
export SLURM_CONF=$CONF
EOF
}

port_busy() { ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }

start_cluster() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null ||
    die "slurmctld/slurmd not installed (scripts/install-deps.sh installs slurm-wlm)"
  mkdir -p "$D"
  claim
  stop_cluster
  local p
  for p in $(daemons all); do stop_pid "$p" "stale slurm daemon"; done   # of an owner that is gone
  for p in 6817 6818; do
    port_busy "$p" && die "port $p is taken by another Slurm (not started by this script): $(ss -Htlnp "sport = :$p")"
  done
  rm -rf "$D/state" "$D/spool" "$D"/*.log
  mkdir -p "$D/state" "$D/spool"
  write_conf
  start_munge
  export SLURM_CONF=$CONF
  slurmctld -f "$CONF" || die "slurmctld -f $CONF failed"
  slurmd -f "$CONF" -N localhost || die "slurmd -f $CONF -N localhost failed"
  local deadline=$((SECONDS + START_TIMEOUT)) state=""
  while [ "$SECONDS" -lt "$deadline" ]; do
    state=$(timeout 5 sinfo -h -n localhost -o %T 2>/dev/null)
    [ "$state" = idle ] && break
    sleep 0.3
  done
  [ "$state" = idle ] || die "node localhost not idle after ${START_TIMEOUT}s (sinfo state '$state')"
  alive "$(pid_of "$D/slurmctld.pid")" || die "slurmctld not running"
  alive "$(pid_of "$D/slurmd.pid")" || die "slurmd not running"
  log "up: $(sinfo -h -o '%P %a %D %T %N %c CPUs') (SLURM_CONF=$CONF; source $D/env.sh)"
}

case "${1:-}" in
  start) start_cluster ;;
  stop)
    stop_cluster
    [ -z "$(daemons own)" ] || die "slurm daemons still running: $(daemons own)"
    release
    log "stopped"
    ;;
  status)
    export SLURM_CONF=$CONF
    sinfo && squeue
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
