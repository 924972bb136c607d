#!/usr/bin/env bash
# check_format.sh CLANG_FORMAT: fails, naming the files and the first differences, unless every
# tracked C/C++ file is formatted as .clang-format says. Run in the source tree.
set -euo pipefail
fmt=$1
bad=0
while IFS= read -r f; do
  if ! "$fmt" --style=file "$f" | cmp -s "$f" -; then
    echo "not formatted: $f (fix: $fmt -i $f)"
    "$fmt" --style=file "$f" | diff "$f" - | head -8 || true
    bad=$((bad + 1))
  fi
done < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.c' 2>/dev/null || find src include tests benchmarks examples \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.c' \))
[ "$bad" -eq 0 ] || { echo "FAIL: $bad file(s) differ from .clang-format"; exit 1; }
echo "all files follow .clang-format"
