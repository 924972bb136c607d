"""Distance weights of the summary statistics (pyABC's plot_distance_weights)."""

from __future__ import annotations

import numpy as np

from ._util import get_ax, get_labels, to_lists


def plot_distance_weights(histories, ts="last", labels=None, colors=None, linestyles=None,
                          keys_as_labels=True, keys=None, xticklabel_rotation=0, normalize=True,
                          size=None, xlabel="Summary statistic", ylabel="Weight", title=None,
                          ax=None):
    """The weight of each summary statistic in the distance, per run and generation.

    pyABC reads these from the log file of an AdaptivePNormDistance (its first argument is a
    list of log files); abcsmc stores them in the results file, so this takes Histories.
    ts: "last", "all", a t or a list of t. keys: the statistics to show (default all);
    normalize=True scales each generation's weights to sum 1. Returns the axes.
    """
    histories = to_lists(histories)
    labels = get_labels(labels, len(histories))
    ax = get_ax(ax, size)
    n_lines = 0
    for i, (h, label) in enumerate(zip(histories, labels)):
        weights = h.get_distance_weights()
        if weights.empty:
            continue
        if ts == "last":
            chosen = [weights.index[-1]]
        elif ts == "all":
            chosen = list(weights.index)
        else:
            chosen = [t for t in np.atleast_1d(ts) if t in weights.index]
        columns = list(keys) if keys is not None else list(weights.columns)
        for t in chosen:
            w = weights.loc[t, columns].to_numpy(dtype=float)
            if normalize and np.nansum(w) > 0:
                w = w / np.nansum(w)
            color = colors[i] if colors else None
            style = linestyles[i] if linestyles else "-"
            suffix = f", t = {t}" if len(chosen) > 1 or len(histories) == 1 else ""
            ax.plot(range(len(columns)), w, marker="x", linestyle=style, color=color,
                    label=f"{label}{suffix}")
            n_lines += 1
        ax.set_xticks(range(len(columns)))
        ax.set_xticklabels([str(c) for c in columns] if keys_as_labels
                           else [str(k) for k in range(len(columns))],
                           rotation=xticklabel_rotation)
    if n_lines == 0:
        ax.text(0.5, 0.5, "unweighted distance: no weights stored", ha="center",
                transform=ax.transAxes)
    else:
        ax.legend(fontsize="small")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    return ax
