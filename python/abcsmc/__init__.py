"""abcsmc's results in Python: read, plot and report an abcsmc HDF5 results file.

    import abcsmc
    h = abcsmc.load("gaussian.h5")           # a consistent snapshot, also of a running job
    df, w = h.get_distribution(m=0, t=h.max_t)
    abcsmc.visualization.plot_kde_1d_highlevel(h, "theta")

`History` uses pyABC's names (get_distribution, get_all_populations, get_weighted_distances,
max_t, ...), so analysis code written for `pyabc.History` runs on abcsmc files; where a name
cannot mean the same thing its docstring says so. `abcsmc.visualization` mirrors
`pyabc.visualization`; `abcsmc.report` writes the self-contained HTML page behind
`abcsmc report RUN.h5 -o report.html`.

Reading needs h5py, numpy and pandas; plotting and the report also matplotlib, and the KDE plots
scipy (all in Debian: python3-h5py python3-numpy python3-pandas python3-matplotlib
python3-scipy). `visualization` and `report` are imported on first use, so reading works
without matplotlib.
"""

from ._snapshot import FORMAT_VERSION, ResultsFileError
from ._version import __version__
from .history import History, load
from .weighted import effective_sample_size, weighted_mean, weighted_quantile, weighted_std

__all__ = [
    "FORMAT_VERSION",
    "History",
    "ResultsFileError",
    "__version__",
    "effective_sample_size",
    "load",
    "report",
    "visualization",
    "weighted_mean",
    "weighted_quantile",
    "weighted_std",
]


def __getattr__(name):
    # `abcsmc.visualization` / `abcsmc.report` without an explicit import, loaded only then, so
    # that reading a file never needs matplotlib.
    if name in ("visualization", "report"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'abcsmc' has no attribute {name!r}")
