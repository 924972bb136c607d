# Shared set-up for the MPI end-to-end tests (sourced, not a test itself).
# Environment (set by abcsmc_add_mpi_test): ABCSMC, ABCSMC_SOURCE_DIR, ABCSMC_TMP,
# ABCSMC_MPI_RANKS (this entry's rank count), MPIEXEC, and Open MPI's root/oversubscribe flags.
source "$ABCSMC_SOURCE_DIR/tests/cli/common.sh"
: "${ABCSMC_MPI_RANKS:?rank count}"
MPIEXEC=${MPIEXEC:-mpirun}
# Every MPI run is bounded: a hang fails the test instead of blocking ctest.
MPI_TIMEOUT=${MPI_TIMEOUT:-120}
# mpi_run P ARGS...: `abcsmc ARGS...` on P ranks.
mpi_run() {
  local p=$1; shift
  timeout -k 5 "$MPI_TIMEOUT" "$MPIEXEC" -n "$p" "$ABCSMC" "$@"
}
# expect_mpi P ARGS...: mpi_run that must succeed (output in out.txt, err.txt).
expect_mpi() {
  local p=$1; shift
  set +e; mpi_run "$p" "$@" >out.txt 2>err.txt; local got=$?; set -e
  [ "$got" -eq 0 ] || { cat out.txt err.txt >&2; fail "mpirun -n $p abcsmc $* exited $got"; }
}
# dump FILE: every generation of a results file in a form that must match bit for bit across
# samplers: the per-generation table without its wall-time ("seconds") column, then each generation's
# particles (eval index, model, theta, weight, distance at 17 digits) and epsilon as json.
dump() {
  local file=$1 t=0
  "$ABCSMC" inspect "$file" |
    awk '/^  t +epsilon/{on=1; for (i = 1; i <= NF; i++) if ($i == "seconds") col = i}
         on&&NF==0{on=0} on{if (col) $col = ""; print}'
  while "$ABCSMC" inspect "$file" --format json --generation "$t" 2>/dev/null; do t=$((t + 1)); done
  [ "$t" -gt 0 ] || fail "no generation in $file"
}
# same_results A B WHAT: fails unless the results files hold identical generations.
same_results() {
  dump "$1" > "$1.dump"
  dump "$2" > "$2.dump"
  cmp -s "$1.dump" "$2.dump" || { diff "$1.dump" "$2.dump" | head -20 >&2; fail "$3: $1 and $2 differ"; }
}
