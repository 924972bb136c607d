"""Writing the report page, once or following a running job (--watch).

The page is always replaced atomically: written to a temporary file in the same directory, then
renamed over the target, so a browser (or a web server publishing the directory) never reads a
half-written page. In watch mode the results file is polled; its identity (inode, size, mtime)
changes whenever the writer adds a generation, and only then is the page redrawn.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

from .._snapshot import ResultsFileError
from ..history import History
from . import figures, page


def atomic_write(path: str, text: str) -> None:
    """Replaces `path` with `text` in one rename (same directory, so the rename is atomic)."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def build_page(history: History, refresh_seconds=None) -> str:
    """The whole page for one snapshot (figures rendered now)."""
    return page.render(history, figures.all_figures(history), refresh_seconds)


def write_report(results, output, refresh_seconds=None) -> History:
    """Reads `results` once and writes the page to `output`; returns the History it showed.
    Raises ResultsFileError when `results` is not an abcsmc results file."""
    history = History(results)
    atomic_write(output, build_page(history, refresh_seconds))
    return history


def _identity(path: str):
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _log(message: str) -> None:
    print(f"abcsmc report: {message}", file=sys.stderr, flush=True)


def watch(results, output, interval: float = 10.0, max_cycles=None) -> int:
    """Rewrites `output` whenever `results` changes, until the run records a stop reason; then
    writes a final page without auto-reload and returns 0. Before the file exists (a queued job)
    the page says it is waiting. A snapshot that cannot be read is reported and retried at the
    next poll; a file that is not an abcsmc results file at the first look raises
    ResultsFileError. max_cycles bounds the polls (tests); None polls until the run stops."""
    refresh = max(2, int(round(interval)))
    seen = object()
    read_once = False
    cycles = 0
    while max_cycles is None or cycles < max_cycles:
        cycles += 1
        identity = _identity(results)
        if identity != seen:
            seen = identity
            if identity is None:
                atomic_write(output, page.render_waiting(results, refresh, "it does not exist yet"))
            else:
                try:
                    history = History(results)
                except ResultsFileError:
                    if not read_once:
                        raise  # not a results file at all: a usage error, not a passing state
                    _log(f"cannot read '{results}' now; retrying in {interval:g} s")
                    seen = object()  # retry next time even if the file does not change
                except (ValueError, OSError) as e:
                    _log(f"cannot read '{results}' now ({e}); retrying in {interval:g} s")
                    seen = object()
                else:
                    read_once = True
                    if history.finished:
                        atomic_write(output, build_page(history))
                        _log(f"'{results}' finished ({history.stop_reason}); wrote {output}")
                        return 0
                    atomic_write(output, build_page(history, refresh))
                    _log(f"{history.n_populations} generation(s); wrote {output}")
        time.sleep(interval)
    return 0
