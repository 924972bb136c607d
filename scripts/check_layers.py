#!/usr/bin/env python3
"""Checks the folder graph (docs/architecture.md): every #include "abcsmc/<folder>/..." in
include/abcsmc/<folder>/ and src/<folder>/ must point to the folder itself or to one the table
below allows. Exit 0 when it holds, 1 with each offending line otherwise.
Usage: check_layers.py [SOURCE_DIR]"""
import pathlib
import re
import sys

# folder -> folders it may include (arrows down only). "abcsmc" is the umbrella header
# include/abcsmc/abcsmc.hpp (the C++ library API) and the headers beside it (plugin.h).
ALLOWED = {
    "core": set(),
    "samplers": {"core"},
    "models": {"core"},
    "io": {"core", "models"},
    "mpi": {"core"},
    "redis": {"core"},
    "cli": {"core", "samplers", "models", "io", "mpi", "redis"},
    "abcsmc": {"core", "samplers", "models", "io"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]abcsmc/([A-Za-z0-9_]+)/')


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    problems = []
    files = [(p, p.relative_to(root / "include" / "abcsmc").parts) for p in (root / "include" / "abcsmc").rglob("*")]
    files += [(p, p.relative_to(root / "src").parts) for p in (root / "src").rglob("*")]
    for path, parts in files:
        if not path.is_file() or path.suffix not in {".hpp", ".cpp", ".h", ".c"}:
            continue
        folder = parts[0] if len(parts) > 1 else "abcsmc"
        if folder not in ALLOWED:
            problems.append(f"{path.relative_to(root)}: folder '{folder}' is not in the layer table "
                            "of scripts/check_layers.py (and docs/architecture.md): add it there")
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if m and m.group(1) != folder and m.group(1) not in ALLOWED[folder]:
                problems.append(f"{path.relative_to(root)}:{n}: {folder} includes abcsmc/{m.group(1)}/ "
                                f"(allowed: {', '.join(sorted(ALLOWED[folder])) or 'none'}): {line.strip()}")
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) against the layer graph (docs/architecture.md)")
        return 1
    print("layer graph holds: " + "; ".join(f"{k} -> {', '.join(sorted(v)) or '-'}" for k, v in ALLOWED.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
