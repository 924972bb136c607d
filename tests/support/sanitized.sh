#!/usr/bin/env bash
# sanitized.sh CMD ARGS...: runs one test of a sanitizer build (ABCSMC_SANITIZE,
# cmake/AbcsmcSanitizers.cmake) and fails it when any process it started wrote a sanitizer report.
#
# Every sanitized process of the test (the test executable, abcsmc and its Redis workers, the
# external test command, a forked guard) writes its report to a file in a fresh directory
# (log_path), not to stderr: shell tests capture or discard stderr of background processes and
# compare stderr with expectations, so a report on stderr could be lost or break a test for the
# wrong reason. After CMD ends the reports are printed and the test fails (exit 1) even if CMD
# succeeded, or was skipped (77). With no report the status of CMD is passed on.
#
# ABCSMC_SANITIZER_REPORTS: where the per-run directories go (default: $TMPDIR or /tmp); a
# directory with reports is kept for CI artifacts, an empty one is removed.
set -uo pipefail
base=${ABCSMC_SANITIZER_REPORTS:-${TMPDIR:-/tmp}}
mkdir -p "$base"
dir=$(mktemp -d "$base/run.XXXXXX")
for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS TSAN_OPTIONS; do
  export "$v=${!v:+${!v}:}log_path=$dir/report"
done
"$@"
rc=$?
shopt -s nullglob
reports=("$dir"/report.*)
if [ ${#reports[@]} -eq 0 ]; then
  rmdir "$dir" 2>/dev/null || true
  exit "$rc"
fi
# On stderr: Catch's test discovery (run through this script at build time) reads the test
# names from stdout.
for r in "${reports[@]}"; do
  echo "==== sanitizer report $r (pid ${r##*.}; the test itself exited $rc) ===="
  cat "$r"
done >&2
echo "FAIL: ${#reports[@]} sanitizer report(s) from this test (kept in $dir)" >&2
exit 1
