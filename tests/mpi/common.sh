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
