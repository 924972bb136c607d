# Shared set-up for the CLI end-to-end tests (sourced, not a test itself).
set -euo pipefail
: "${ABCSMC:?path to the abcsmc binary}" "${ABCSMC_SOURCE_DIR:?}" "${ABCSMC_TMP:?}"
rm -rf "$ABCSMC_TMP" && mkdir -p "$ABCSMC_TMP" && cd "$ABCSMC_TMP"
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_status CODE CMD...: runs CMD, fails unless it exits with CODE.
expect_status() {
  local want=$1; shift
  set +e; "$@" >out.txt 2>err.txt; local got=$?; set -e
  [ "$got" -eq "$want" ] || { cat out.txt err.txt >&2; fail "'$*' exited $got, expected $want"; }
}
