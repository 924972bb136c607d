"""The self-contained HTML report of a results file (`abcsmc report RUN.h5 -o report.html`).

    from abcsmc.report import write_report, watch
    write_report("run.h5", "run.html")          # once
    watch("run.h5", "run.html", interval=10)    # follow a running job until it stops

The page holds the run's header, how it stopped, the per-generation table, the posterior
summary, failures by reason, the plots (PNG data URIs) and the resolved config; see page.py.
"""

from .writer import atomic_write, build_page, watch, write_report

__all__ = ["atomic_write", "build_page", "watch", "write_report"]
