#!/usr/bin/env bash
# sge_cluster.sh start|stop: a single-node Son of Grid Engine cell for the sge/ template tests
# (ctest fixture "sge_cluster", tests/CMakeLists.txt). docs: /work/shared/TOOLCHAIN.md section 6.
#
# start: makes the cell usable on this host and leaves sge_qmaster + sge_execd running:
#   host_aliases (hostname == localhost on these machines), act_qmaster, admin/submit/exec host,
#   global conf min_uid/min_gid 0 (jobs run as root here), parallel environment `mpi`
#   ($fill_up, tight integration), queue all.q (slots = max(nproc, 4), pe_list mpi, bash,
#   unix_behavior, notify 60 s),
#   scheduler interval 1 s; then waits until all.q@HOST is usable and one job has run.
#   Works right after scripts/install-deps.sh (the cell is created if the package did not) and
#   again on a machine where it already ran, daemons up, down or stale (killed -9).
# stop:  deletes the tests' jobs, stops execd (with its jobs) and qmaster; fine when stopped.
# Writes $ABCSMC_SCHED_DIR/sge/env.sh (SGE_ROOT, SGE_CELL and the root-only Open MPI variables)
# for the tests to source. Any failure prints the daemons' messages files and exits non-zero.
set -Eeuo pipefail
action=${1:-}
export SGE_ROOT=${SGE_ROOT:-/var/lib/gridengine} SGE_CELL=${SGE_CELL:-default}
SCHED_DIR=${ABCSMC_SCHED_DIR:-/tmp/abcsmc-sched}/sge
SPOOL=/var/spool/gridengine                   # the Debian package's spool root
COMMON=$SGE_ROOT/$SGE_CELL/common
HOST=$(hostname)
ADMIN=sgeadmin                                # the package's admin user (bootstrap admin_user)
TEST_JOB_PREFIX=abcsmc-t                      # job names of the tests (tests/sched/sge_common.sh)
# Slots: the cores, but at least 4: the Redis test runs a master and two workers at once. The test
# jobs mostly sleep or wait, so this does not overload a 2-core machine.
SLOTS=$(nproc); [ "$SLOTS" -ge 4 ] || SLOTS=4
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

log() { echo "sge_cluster: $*"; }
# dump_logs: everything that tells why the cell does not work.
dump_logs() {
  local f
  for f in "$SPOOL"/qmaster/messages "$SPOOL"/execd/*/messages /tmp/qmaster_messages /tmp/execd_messages; do
    [ -f "$f" ] || continue
    echo "----- $f (last 60 lines)"
    tail -n 60 "$f"
  done
  echo "----- processes"
  ps -eo pid,ppid,user,stat,args | grep -E '[s]ge_(qmaster|execd|shepherd)' || echo "(no sge daemons)"
  echo "----- qstat -f"
  timeout 10 qstat -f 2>&1 || true
}
die() { echo "sge_cluster: ERROR: $*" >&2; dump_logs >&2; exit 1; }
trap 'die "command failed (line $LINENO): $BASH_COMMAND"' ERR

# alive PID: the process runs (a zombie does not count: PID 1 here never reaps the daemons).
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}
# pid_of NAME FILE: the pid in FILE when that process is alive and is NAME, else nothing.
pid_of() {
  local pid
  [ -r "$2" ] || return 0
  pid=$(tr -dc '0-9' < "$2")
  [ -n "$pid" ] && alive "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] && echo "$pid"
  return 0
}
qmaster_pid() { pid_of sge_qmaster "$SPOOL/qmaster/qmaster.pid"; }
execd_pid() {
  local f p
  for f in "$SPOOL"/execd/*/execd.pid; do
    p=$(pid_of sge_execd "$f")
    [ -n "$p" ] && { echo "$p"; return 0; }
  done
  return 0
}
# stop_pid PID NAME SECONDS: waits for PID to exit, then SIGTERM, then SIGKILL.
stop_pid() {
  local pid=$1 name=$2 wait=$3 i
  for ((i = 0; i < wait * 10; i++)); do alive "$pid" || return 0; sleep 0.1; done
  log "$name (pid $pid) still running: SIGTERM"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do alive "$pid" || return 0; sleep 0.1; done
  log "$name (pid $pid) still running: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do alive "$pid" || return 0; sleep 0.1; done
  echo "sge_cluster: cannot stop $name (pid $pid)" >&2
  return 1
}
qmaster_answers() { timeout 10 qconf -sss >/dev/null 2>&1; }
# delete_test_jobs: removes jobs the tests left behind (a test killed by ctest's timeout), so a
# new start never runs an old test's pending job. Other users' jobs are left alone.
delete_test_jobs() {
  local id
  for id in $(timeout 20 qstat -u '*' 2>/dev/null | awk 'NR > 2 {print $1}' | sort -u); do
    if timeout 10 qstat -j "$id" 2>/dev/null | grep -q "^job_name: *$TEST_JOB_PREFIX"; then
      timeout 10 qdel -f "$id" >/dev/null 2>&1 || true
    fi
  done
}

stop_cell() {
  local q e
  q=$(qmaster_pid); e=$(execd_pid)
  if [ -n "$q" ] && qmaster_answers; then
    delete_test_jobs
    if [ -n "$e" ]; then timeout 20 qconf -kej "$HOST" >/dev/null 2>&1 || true; fi
    timeout 20 qconf -km >/dev/null 2>&1 || true
  fi
  if [ -n "$e" ]; then stop_pid "$e" sge_execd 15; fi
  if [ -n "$q" ]; then stop_pid "$q" sge_qmaster 20; fi
  return 0
}

# ensure_cell: the cell the gridengine-master postinst creates (with the debconf preseed of
# scripts/install-deps.sh); created here when the package did not.
ensure_cell() {
  command -v qconf >/dev/null && [ -x /usr/sbin/sge_qmaster ] && [ -x /usr/sbin/sge_execd ] ||
    die "gridengine is not installed (scripts/install-deps.sh installs gridengine-master gridengine-exec gridengine-client)"
  id "$ADMIN" >/dev/null 2>&1 || die "user $ADMIN missing (gridengine-common creates it)"
  install -d -o "$ADMIN" -g "$ADMIN" -m 755 "$SGE_ROOT/$SGE_CELL" "$COMMON" \
    "$SPOOL/qmaster" "$SPOOL/qmaster/job_scripts" "$SPOOL/spooldb" "$SPOOL/execd" /var/run/gridengine
  if [ ! -f "$COMMON/bootstrap" ]; then
    log "no cell $SGE_CELL: creating it"
    install -m 644 -o "$ADMIN" -g "$ADMIN" /usr/share/gridengine/default-bootstrap "$COMMON/bootstrap"
  fi
  if [ ! -e "$SPOOL/spooldb/sge" ]; then
    log "initialising the spool database"
    su -s /bin/sh -c "/usr/share/gridengine/scripts/init_cluster $SGE_ROOT $SGE_CELL $SPOOL/spooldb $ADMIN" "$ADMIN"
  fi
  # This host is the master (a cloned machine image may carry another name).
  echo "$HOST" > "$COMMON/act_qmaster"
  chown "$ADMIN:$ADMIN" "$COMMON/act_qmaster"
  # /etc/hosts maps 127.0.0.1 to both localhost and this host; without the alias qmaster sees
  # clients as "localhost" and refuses them ("access denied ... not identical to clients host name").
  if [ "$HOST" != localhost ]; then
    echo "$HOST localhost" > "$COMMON/host_aliases"
  fi
}

QMASTER_STARTED=0
start_qmaster() {
  local q
  q=$(qmaster_pid)
  if [ -n "$q" ]; then
    if qmaster_answers; then log "sge_qmaster already running (pid $q)"; return 0; fi
    log "sge_qmaster (pid $q) does not answer: restarting it"
    kill -KILL "$q" 2>/dev/null || true
    stop_pid "$q" sge_qmaster 5
  fi
  # Left by a qmaster that was killed, or by a clean shutdown: a new qmaster replaces them.
  rm -f "$SPOOL/qmaster/qmaster.pid" "$SPOOL/qmaster/lock"
  log "starting sge_qmaster"
  QMASTER_STARTED=1
  /usr/sbin/sge_qmaster || die "sge_qmaster did not start"
  local i
  for ((i = 0; i < 300; i++)); do
    qmaster_answers && return 0
    # It daemonizes at once and writes its pid file: gone after 5 s means it died.
    if ((i >= 25)) && [ -z "$(qmaster_pid)" ]; then die "sge_qmaster exited"; fi
    sleep 0.2
  done
  die "sge_qmaster does not answer after 60 s"
}

# apply FLAG_ADD FLAG_MODIFY FILE: adds the object or, when it exists, modifies it.
apply() {
  local out
  if out=$(qconf "$1" "$3" 2>&1); then return 0; fi
  if echo "$out" | grep -q 'already exists'; then qconf "$2" "$3" >/dev/null 2>&1 || die "qconf $2 $3 failed"; return 0; fi
  die "qconf $1 $3: $out"
}

configure() {
  local d
  d=$(mktemp -d)
  qconf -ah "$HOST" >/dev/null 2>&1 || qconf -sh | grep -qx "$HOST" || die "cannot add admin host $HOST"
  qconf -as "$HOST" >/dev/null 2>&1 || qconf -ss | grep -qx "$HOST" || die "cannot add submit host $HOST"
  cat > "$d/exechost" <<EOF
hostname              $HOST
load_scaling          NONE
complex_values        NONE
user_lists            NONE
xuser_lists           NONE
projects              NONE
xprojects             NONE
usage_scaling         NONE
report_variables      NONE
EOF
  apply -Ae -Me "$d/exechost"
  # Jobs run as root on these machines: the default min_uid/min_gid 1000 would refuse them.
  # bash is no login shell for jobs: root's profile here (pyenv init) can take a minute, and the
  # tests must not depend on it. (qconf -Mconf names the configuration after the file: "global".)
  qconf -sconf global > "$d/global"
  sed -i -E 's/^min_uid .*/min_uid                      0/; s/^min_gid .*/min_gid                      0/;
             s/^login_shells .*/login_shells                 sh,ksh,csh,tcsh/' "$d/global"
  qconf -Mconf "$d/global" >/dev/null 2>&1 || die "qconf -Mconf global failed"
  cat > "$d/mpi" <<'EOF'
pe_name            mpi
slots              999
user_lists         NONE
xuser_lists        NONE
start_proc_args    NONE
stop_proc_args     NONE
allocation_rule    $fill_up
control_slaves     TRUE
job_is_first_task  FALSE
urgency_slots      min
accounting_summary FALSE
qsort_args         NONE
EOF
  apply -Ap -Mp "$d/mpi"
  cat > "$d/all.q" <<EOF
qname                 all.q
hostlist              $HOST
seq_no                0
load_thresholds       NONE
suspend_thresholds    NONE
nsuspend              1
suspend_interval      00:05:00
priority              0
min_cpu_interval      00:05:00
processors            UNDEFINED
qtype                 BATCH INTERACTIVE
ckpt_list             NONE
pe_list               mpi
rerun                 FALSE
slots                 $SLOTS
tmpdir                /tmp
shell                 /bin/bash
prolog                NONE
epilog                NONE
shell_start_mode      unix_behavior
starter_method        NONE
suspend_method        NONE
resume_method         NONE
terminate_method      NONE
notify                00:00:60
owner_list            NONE
user_lists            NONE
xuser_lists           NONE
subordinate_list      NONE
complex_values        NONE
projects              NONE
xprojects             NONE
calendar              NONE
initial_state         default
s_rt                  INFINITY
h_rt                  INFINITY
s_cpu                 INFINITY
h_cpu                 INFINITY
s_fsize               INFINITY
h_fsize               INFINITY
s_data                INFINITY
h_data                INFINITY
s_stack               INFINITY
h_stack               INFINITY
s_core                INFINITY
h_core                INFINITY
s_rss                 INFINITY
h_rss                 INFINITY
s_vmem                INFINITY
h_vmem                INFINITY
EOF
  apply -Aq -Mq "$d/all.q"
  # Schedule every second (the default 15 s makes each job wait up to 15 s).
  qconf -ssconf > "$d/sched"
  sed -i -E 's/^schedule_interval .*/schedule_interval                 0:0:1/;
             s/^flush_submit_sec .*/flush_submit_sec                  1/;
             s/^flush_finish_sec .*/flush_finish_sec                  1/' "$d/sched"
  qconf -Msconf "$d/sched" >/dev/null 2>&1 || die "qconf -Msconf failed"
  rm -rf "$d"
}

start_execd() {
  local e
  e=$(execd_pid)
  if [ -n "$e" ] && [ "$QMASTER_STARTED" = 0 ]; then log "sge_execd already running (pid $e)"; return 0; fi
  if [ -n "$e" ]; then
    # It would take about 30 s to find the new qmaster: restart it at once.
    log "restarting sge_execd (pid $e) for the new qmaster"
    kill -TERM "$e" 2>/dev/null || true
    stop_pid "$e" sge_execd 10
  fi
  rm -f "$SPOOL"/execd/*/execd.pid
  log "starting sge_execd"
  /usr/sbin/sge_execd || die "sge_execd did not start"
}

# queue_usable: all.q@HOST is listed with its slots and no state flag (u unknown, a alarm,
# d disabled, E error, s suspended, ...).
queue_usable() {
  timeout 10 qstat -f -q all.q 2>/dev/null |
    awk -v q="all.q@$HOST" '$1 == q { split($3, s, "/"); ok = (s[3] > 0 && $6 == "") } END { exit !ok }'
}

wait_usable() {
  local i
  for ((i = 0; i < 120; i++)); do
    if queue_usable; then return 0; fi
    # An error state left by an earlier run (e.g. a job that failed in its shepherd) is cleared.
    if ((i == 20)); then qmod -c "all.q@$HOST" >/dev/null 2>&1 || true; fi
    sleep 0.5
  done
  die "queue all.q@$HOST not usable after 60 s"
}

# smoke_test: one trivial job as root goes through (min_uid, submit host, scheduler, execd).
smoke_test() {
  local out
  out=$(printf '#!/bin/sh\nexit 0\n' | timeout 60 qsub -sync y -N "$TEST_JOB_PREFIX-smoke" -o /dev/null -e /dev/null 2>&1) ||
    die "test job failed: $out"
}

write_env() {
  mkdir -p "$SCHED_DIR"
  cat > "$SCHED_DIR/env.sh" <<EOF
# Written by tests/sched/sge_cluster.sh start: source it to use the test cell.
export SGE_ROOT=$SGE_ROOT SGE_CELL=$SGE_CELL
export PATH=/usr/bin:/usr/sbin:\$PATH
# Jobs run as root: Open MPI refuses that without both variables (pass them with qsub -v).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
SGE_TEST_HOST=$HOST
SGE_TEST_SLOTS=$SLOTS
SGE_TEST_JOB_PREFIX=$TEST_JOB_PREFIX
EOF
}

case "$action" in
  start)
    start=$SECONDS
    ensure_cell
    start_qmaster
    delete_test_jobs
    configure
    start_execd
    wait_usable
    smoke_test
    write_env
    log "all.q@$HOST usable with $SLOTS slots ($((SECONDS - start)) s); env: $SCHED_DIR/env.sh"
    ;;
  stop)
    stop_cell
    rm -f "$SCHED_DIR/env.sh"
    log "stopped"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
