#!/usr/bin/env bash
# abcsmc's persistent Python simulator against pyABC on the same numpy ODE simulator
# (issue 12, item 5), side by side in one run:
#
#   bash benchmarks/persistent_vs_pyabc.sh [ABCSMC_BINARY]      (default build/abcsmc)
#
# Runs REPEATS (3) interleaved rounds of: abcsmc `sampler: single`, pyABC SingleCoreSampler,
# abcsmc `threads: nproc`, pyABC MulticoreEvalParallelSampler(n_procs=nproc); prints every run
# and a table of medians (wall time, simulations, simulations/s, abcsmc/pyABC ratio, posterior
# means). Both tools call benchmarks/ode_sim.py's simulate(theta, seed). POP (500), GENS (8)
# and REPEATS (3) come from the environment. Takes about 2.5-3 minutes on 2 cores.
#
# pyABC (0.12.18, tag v.0.12.18) is not in Debian: the benchmark uses a source tree given by
# PYABC_SRC (default /tmp/pyabc-src), the directory that holds the `pyabc` package:
#   git clone https://github.com/ICB-DCM/pyABC && cd pyABC && git checkout v.0.12.18
#   PYABC_SRC=$PWD bash benchmarks/persistent_vs_pyabc.sh build/abcsmc
# or extract it from a bare mirror: git --git-dir=MIRROR archive v.0.12.18 pyabc | tar -x -C /tmp/pyabc-src
# Its dependencies, from Debian 12 apt only (numpy, scipy, pandas, matplotlib were already there):
#   apt-get install python3-numpy python3-scipy python3-pandas python3-matplotlib \
#     python3-sqlalchemy python3-cloudpickle python3-git python3-click python3-redis \
#     python3-sklearn python3-sortedcontainers python3-distributed
# `jabbar` (pyABC's progress bar) is not in Debian: this script puts a stub module (jabbar(...)
# iterates / works as a context manager with inc(), drawing no bar) in a temporary directory on
# PYTHONPATH. pyABC's samplers are used with their default show_progress=False anyway.
# Debian's pandas is 1.5.3 and sqlalchemy 1.4.46 (pyABC 0.12.18 asks for >= 2.0): the calls
# this benchmark makes work with them.
# Python is /usr/bin/python3 (the Debian interpreter with those packages), also for abcsmc's
# persistent children.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="${1:-build/abcsmc}"
PYABC_SRC="${PYABC_SRC:-/tmp/pyabc-src}"

if [[ ! -x "$BIN" ]]; then
  echo "abcsmc binary '$BIN' not found: build it (cmake --build build --target abcsmc) or pass its path" >&2
  exit 2
fi
if [[ ! -f "$PYABC_SRC/pyabc/__init__.py" ]]; then
  cat >&2 <<EOF
pyABC source not found at PYABC_SRC=$PYABC_SRC (a directory holding pyabc/__init__.py).
Get it (not in Debian): git clone https://github.com/ICB-DCM/pyABC; git -C pyABC checkout v.0.12.18;
then PYABC_SRC=\$PWD/pyABC bash $0 $BIN. Dependencies: see this script's header (Debian apt).
EOF
  exit 2
fi

STUB="$(mktemp -d -t pyabc-stub-XXXXXX)"
trap 'rm -rf "$STUB"' EXIT
cat > "$STUB/jabbar.py" <<'EOF'
"""Stub of the jabbar progress bar (not in Debian): no bar, same calls."""
class _Bar:
    def __init__(self, iterable):
        self._iterable = iterable
    def __iter__(self):
        return iter(self._iterable)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return False
    def inc(self, *args, **kwargs):
        pass
def jabbar(iterable=(), *args, **kwargs):
    return _Bar(iterable)
EOF

export PYTHONPATH="$PYABC_SRC:$STUB${PYTHONPATH:+:$PYTHONPATH}"
# One thread per process for numpy's BLAS: both tools parallelise by processes/threads themselves.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
echo "machine: $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $("$BIN" --version 2>&1 | head -1); $(/usr/bin/python3 --version)"
exec /usr/bin/python3 "$HERE/persistent_vs_pyabc.py" "$BIN"
