#!/usr/bin/env bash
# Runs the engine benchmarks B1 and B2 (../shared/BENCHMARKS.md) and prints their figures.
# Usage: bash benchmarks/run.sh [build-dir]   (default: build; builds bench_engine if needed)
set -euo pipefail
build=${1:-build}
cmake --build "$build" --target bench_engine >/dev/null
bench="$build/benchmarks/bench_engine"
echo "== machine: $(nproc) cores, $(date -u +%Y-%m-%d)"
echo "== B1: throughput of the ABC loop vs a bare loop over the same model (single core)"
"$bench" b1 5
echo "== B2: scheduling efficiency with threads (sleeping simulations; oversubscription is fine)"
"$bench" b2 200 2 8 16
"$bench" b2 1000 8 16
