"""Epsilon per generation (pyABC's plot_epsilons)."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import LogFormatterSciNotation

from ._util import get_ax, get_labels, to_lists


def plot_epsilons(histories, labels=None, colors=None, yscale="log", title="Epsilon values",
                  size=None, ax=None):
    """The acceptance threshold of each generation, one line per run. yscale: "log" (the
    default, as pyABC; drawn as a log axis rather than log values) or "lin". Returns the axes."""
    histories = to_lists(histories)
    labels = get_labels(labels, len(histories))
    colors = colors or [None] * len(histories)
    ax = get_ax(ax, size)
    for h, label, color in zip(histories, labels, colors):
        pops = h.get_all_populations()
        pops = pops[pops["t"] >= 0]  # t = -1 (calibration) has epsilon = inf
        ax.plot(pops["t"], pops["epsilon"], "x-", label=label, color=color)
    eps_positive = all(
        np.all(h.get_all_populations()["epsilon"].iloc[1:] > 0) for h in histories
    )
    if yscale == "log" and eps_positive:
        ax.set_yscale("log")
        # Label minor ticks too when the epsilons span less than about two decades (the usual
        # case), else the axis may show a single label.
        ax.yaxis.set_minor_formatter(LogFormatterSciNotation(labelOnlyBase=False,
                                                             minor_thresholds=(2, 0.5)))
    ax.set_xlabel("Population index t")
    ax.set_ylabel("Epsilon")
    ax.set_title(title)
    if len(histories) > 1:
        ax.legend()
    ax.xaxis.get_major_locator().set_params(integer=True)
    return ax
