"""`python3 -m abcsmc report ...`: the entry point `abcsmc report` (C++) hands over to.

Exit statuses follow abcsmc's: 0 success, 1 failure, 2 usage error (bad arguments, or a file
that is not an abcsmc results file).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from . import _deps


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="abcsmc", description="abcsmc's Python tools")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser(
        "report",
        help="write a self-contained HTML report of a results file",
        description="Write one self-contained HTML page (plots, per-generation table, posterior "
        "summary, failures by reason, resolved config, stop reason) for a results file.",
    )
    _add_report_arguments(report)
    return parser


def _add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="results file (HDF5) written by abcsmc run")
    parser.add_argument("-o", "--output", help="HTML file to write (default: FILE with .html)")
    parser.add_argument("--watch", action="store_true",
                        help="rewrite the page as the run adds generations (the page reloads "
                        "itself) until the run records a stop reason")
    parser.add_argument("--interval", type=float, default=10.0,
                        help="--watch: seconds between looks at the file (default 10)")


def default_output(results: str) -> str:
    root, ext = os.path.splitext(results)
    return (root if ext in (".h5", ".hdf5") else results) + ".html"


def _report(args) -> int:
    absent = _deps.missing()
    if absent:
        print("error: " + _deps.advice(absent, sys.executable), file=sys.stderr)
        return 1
    if args.interval <= 0:
        print(f"error: --interval must be > 0, got {args.interval:g}", file=sys.stderr)
        return 2
    output = args.output or default_output(args.file)
    if not os.path.isdir(os.path.dirname(os.path.abspath(output))):
        print(f"error: the directory of '{output}' does not exist", file=sys.stderr)
        return 2
    from ._snapshot import ResultsFileError
    from .history import History

    # SIGTERM (a job's end, kill) ends --watch like Ctrl-C: the page on disk stays whole.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        # Read before importing matplotlib (a second): a wrong path is refused at once.
        history = None if args.watch else History(args.file)
        import matplotlib

        matplotlib.use("Agg")  # never a window: the report renders to PNG
        from .report import build_page, watch
        from .report.writer import atomic_write

        if args.watch:
            return watch(args.file, output, interval=args.interval)
        atomic_write(output, build_page(history))
    except ResultsFileError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    print(f"wrote {output} ({history.n_populations} generation(s), "
          f"{'finished: ' + history.stop_reason if history.finished else 'running'})")
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "report":
        return _report(args)
    return 2  # pragma: no cover - argparse refuses unknown commands


def report_main(argv=None) -> int:
    """The `abcsmc-report` console script (pip install): `abcsmc-report FILE -o OUT`."""
    parser = argparse.ArgumentParser(prog="abcsmc-report",
                                     description="Write the HTML report of a results file.")
    _add_report_arguments(parser)
    return _report(parser.parse_args(argv))
