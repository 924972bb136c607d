#!/usr/bin/env bash
# `--resume` under MPI (README "Stopping and resuming"): rank 0 killed with kill -9 during
# generation 0 and mid-run, SIGTERM to rank 0 (stop at once, exit 3), SIGUSR1 to mpirun
# (forwarded to every rank; the master stops cleanly, workers ignore it, exit 3); each
# resumed, with other rank counts, ends bit-identical to an uninterrupted single-core run
# (dynamic) or threads-static run (static).
source "$(dirname "$0")/common.sh"
P=$ABCSMC_MPI_RANKS
sed "s/^stop: .*/stop: {max_generations: 5}/" "$ABCSMC_SOURCE_DIR/tests/cli/resume.yaml" > run.yaml
expect_status 0 "$ABCSMC" run run.yaml -o dynamic_ref.h5 --sampler single
expect_status 0 "$ABCSMC" run run.yaml -o static_ref.h5 --threads 2 --scheduling static

# start_mpi FILE ARGS...: `mpirun -n P abcsmc run run.yaml -o FILE ARGS...` in the background.
start_mpi() {
  local file=$1; shift
  timeout -k 5 "$MPI_TIMEOUT" "$MPIEXEC" -n "$P" "$ABCSMC" run run.yaml -o "$file" "$@" \
    > "$file.out" 2> "$file.log" &
  pid=$!
}
# rank0 FILE: the PID of rank 0 of the run writing FILE.
rank0() {
  local p
  for p in $(pgrep -f -- "-o $1" || true); do
    tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=0' && { echo "$p"; return 0; }
  done
  fail "no rank 0 found for $1"
}
finish_mpi() {  # finish_mpi FILE WANT
  local got=0
  wait "$pid" || got=$?
  [ "$got" -eq "$2" ] || { cat "$1.log" >&2; fail "mpirun for $1 exited $got, expected $2"; }
}
killed_mpi() {  # killed_mpi FILE: waits for a run whose rank 0 was killed (any non-zero status)
  local got=0
  wait "$pid" || got=$?
  [ "$got" -ne 0 ] || fail "mpirun for $1 exited 0 although rank 0 was killed"
}
resume_mpi() {  # resume_mpi FILE REFERENCE RANKS ARGS...
  local file=$1 ref=$2 ranks=$3; shift 3
  set +e; mpi_run "$ranks" run run.yaml -o "$file" --resume "$@" >out.txt 2>err.txt; local got=$?; set -e
  [ "$got" -eq 0 ] || { cat err.txt >&2; fail "resuming $file on $ranks ranks exited $got"; }
  grep -q "resuming '$file' after generation\|starting a new run\|starting the run over" err.txt ||
    { cat err.txt >&2; fail "the log does not say where $file resumed from"; }
  same_results "$ref" "$file" "$file resumed on $ranks ranks ($*)"
}

# Dynamic: kill -9 of rank 0 during generation 0, then mid-run.
start_mpi d0.h5 --scheduling dynamic
for _ in $(seq 1 2000); do grep -q "calibration:" d0.h5.log && break; sleep 0.01; done
kill -9 "$(rank0 d0.h5)"; killed_mpi d0.h5
[ "$(generations d0.h5)" -eq 0 ] || fail "d0.h5 was killed too late"
resume_mpi d0.h5 dynamic_ref.h5 "$P" --scheduling dynamic --batch-size 3
start_mpi d2.h5 --scheduling dynamic --batch-size 1
wait_for_generation d2.h5 2
kill -9 "$(rank0 d2.h5)"; killed_mpi d2.h5
n=$(generations d2.h5)
[ "$n" -lt 5 ] || fail "d2.h5 finished before it was killed"
resume_mpi d2.h5 dynamic_ref.h5 2 --scheduling dynamic
echo "dynamic: kill -9 of rank 0 in generation 0 and with $n generation(s) on file: resumed identical"

# SIGTERM to rank 0: stops at once, the job exits 3.
start_mpi term.h5 --scheduling dynamic
wait_for_generation term.h5 1
kill -TERM "$(rank0 term.h5)"; finish_mpi term.h5 3
grep -q "SIGTERM received: stopping at once" term.h5.log || fail "no SIGTERM message: $(cat term.h5.log)"
resume_mpi term.h5 dynamic_ref.h5 "$P"
# SIGUSR1 to mpirun: forwarded to all ranks; the master stops cleanly, exit 3.
start_mpi usr1.h5 --scheduling dynamic
wait_for_generation usr1.h5 1
kill -USR1 "$(pgrep -P "$pid")"; finish_mpi usr1.h5 3  # $pid is `timeout`, its child mpirun
grep -q "stopped early (stop requested)" usr1.h5.log || fail "no early-stop message: $(cat usr1.h5.log)"
resume_mpi usr1.h5 dynamic_ref.h5 "$P"
echo "SIGTERM to rank 0 and SIGUSR1 to mpirun: exit 3, resumed identical"

# Static: kill -9 of rank 0 mid-run, resumed on another rank count.
start_mpi s1.h5 --scheduling static
wait_for_generation s1.h5 1
kill -9 "$(rank0 s1.h5)"; killed_mpi s1.h5
resume_mpi s1.h5 static_ref.h5 $((P + 1)) --scheduling static
echo "static: kill -9 of rank 0: resumed identical on $((P + 1)) ranks"
echo "MPI resume at P=$P: all checks passed"
