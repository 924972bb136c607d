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
# dump FILE: every generation of a results file in a form that must match bit for bit across
# samplers and resumes: the per-generation table without its wall-time ("seconds") column, then
# each generation's particles (eval index, model, theta, weight, distance at 17 digits) and
# epsilon as json.
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
# generations FILE: the number of complete generations in a results file (0 if none or no file).
generations() {
  "$ABCSMC" inspect "$1" 2>/dev/null | sed -n 's/^generations *\([0-9][0-9]*\) complete.*/\1/p' | grep . || echo 0
}
# wait_for_generation FILE T [SECONDS]: waits until generation T is in FILE (fails after SECONDS).
wait_for_generation() {
  local file=$1 t=$2 limit=${3:-60} i
  for i in $(seq 1 $((limit * 20))); do
    "$ABCSMC" inspect "$file" --generation "$t" --format csv > /dev/null 2>&1 && return 0
    sleep 0.05
  done
  fail "generation $t did not appear in $file within ${limit}s"
}
