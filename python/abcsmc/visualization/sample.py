"""Simulation counts and acceptance rates (pyABC's plot_sample_numbers family)."""

from __future__ import annotations

import numpy as np

from ._util import get_ax, get_labels, to_lists


def plot_sample_numbers(histories, labels=None, rotation=0, title="Required samples",
                        size=None, ax=None):
    """One stacked bar per run: each segment a population's simulations, the calibration
    (t = -1) first, as pyABC (it is counted to be fair to methods without calibration).
    Returns the axes."""
    histories = to_lists(histories)
    labels = get_labels(labels, len(histories))
    ax = get_ax(ax, size)
    samples = [h.get_all_populations()["samples"].to_numpy(dtype=float) for h in histories]
    n_pop = max(len(s) for s in samples)
    matrix = np.zeros((n_pop, len(histories)))
    for j, s in enumerate(samples):
        matrix[: len(s), j] = s
    bottom = np.zeros(len(histories))
    for i in range(n_pop):
        label = "calibration" if i == 0 else f"t = {i - 1}"
        ax.bar(range(len(histories)), matrix[i], bottom=bottom, label=label if n_pop <= 16 else None)
        bottom += matrix[i]
    ax.set_xticks(range(len(histories)))
    ax.set_xticklabels(labels, rotation=rotation)
    ax.set_ylabel("Samples")
    ax.set_title(title)
    if n_pop <= 16:
        ax.legend(fontsize="small", ncol=2 if n_pop > 8 else 1)
    return ax


def plot_total_sample_numbers(histories, labels=None, rotation=0,
                              title="Total required samples", yscale="lin", size=None, ax=None):
    """One bar per run: its total simulations, calibration included. yscale "lin" or "log".
    Returns the axes."""
    histories = to_lists(histories)
    labels = get_labels(labels, len(histories))
    ax = get_ax(ax, size)
    ax.bar(range(len(histories)), [h.total_nr_simulations for h in histories])
    ax.set_xticks(range(len(histories)))
    ax.set_xticklabels(labels, rotation=rotation)
    if yscale == "log":
        ax.set_yscale("log")
    ax.set_ylabel("Total samples")
    ax.set_title(title)
    return ax


def plot_sample_numbers_trajectory(histories, labels=None, title="Required samples",
                                   yscale="lin", size=None, ax=None):
    """Simulations per generation (t >= 0), one line per run. Returns the axes."""
    histories = to_lists(histories)
    labels = get_labels(labels, len(histories))
    ax = get_ax(ax, size)
    for h, label in zip(histories, labels):
        pops = h.get_all_populations()
        pops = pops[pops["t"] >= 0]
        ax.plot(pops["t"], pops["samples"], "x-", label=label)
    if yscale == "log":
        ax.set_yscale("log")
    ax.set_xlabel("Population index t")
    ax.set_ylabel("Samples")
    ax.set_title(title)
    if len(histories) > 1:
        ax.legend()
    ax.xaxis.get_major_locator().set_params(integer=True)
    return ax


def plot_acceptance_rates_trajectory(histories, labels=None, title="Acceptance rates",
                                     yscale="lin", size=None, colors=None,
                                     normalize_by_ess=False, ax=None):
    """Accepted / simulated per generation (t >= 0), one line per run; normalize_by_ess uses the
    effective sample size instead of the particle count (as pyABC). yscale "lin", "log" or
    "log10" (pyABC's meaning: the log of the rate is drawn). Returns the axes."""
    histories = to_lists(histories)
    labels = get_labels(labels, len(histories))
    colors = colors or [None] * len(histories)
    ax = get_ax(ax, size)
    ylabel = "Acceptance rate"
    for h, label, color in zip(histories, labels, colors):
        pops = h.get_all_populations()
        pops = pops[pops["t"] >= 0]
        accepted = pops["ess"] if normalize_by_ess else pops["particles"]
        rate = accepted.to_numpy(dtype=float) / pops["samples"].to_numpy(dtype=float)
        if yscale == "log":
            rate, ylabel = np.log(rate), "log(Acceptance rate)"
        elif yscale == "log10":
            rate, ylabel = np.log10(rate), "log10(Acceptance rate)"
        ax.plot(pops["t"], rate, "x-", label=label, color=color)
    ax.set_xlabel("Population index t")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if len(histories) > 1:
        ax.legend()
    ax.xaxis.get_major_locator().set_params(integer=True)
    return ax
