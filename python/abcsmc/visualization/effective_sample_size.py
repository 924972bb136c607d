"""Effective sample size per generation (pyABC's plot_effective_sample_sizes)."""

from __future__ import annotations

from ..weighted import effective_sample_size
from ._util import get_ax, get_labels, to_lists


def plot_effective_sample_sizes(histories, labels=None, rotation=0,
                                title="Effective sample size", relative=False, colors=None,
                                size=None, ax=None):
    """Kish's ESS of each generation's weights (over all models, as pyABC), one line per run;
    relative=True divides by the particle count. A collapse (a few particles carrying the
    weight) shows as a dip. Returns the axes."""
    histories = to_lists(histories)
    labels = get_labels(labels, len(histories))
    colors = colors or [None] * len(histories)
    ax = get_ax(ax, size)
    for h, label, color in zip(histories, labels, colors):
        ts = list(range(h.max_t + 1))
        values = []
        for t in ts:
            w = h.get_weighted_distances(t=t)["w"].to_numpy()
            values.append(effective_sample_size(w) / (len(w) if relative else 1))
        ax.plot(ts, values, "x-", label=label, color=color)
    ax.set_xlabel("Population index t")
    ax.set_ylabel("ESS / particles" if relative else "ESS")
    ax.set_title(title)
    ax.tick_params(axis="x", labelrotation=rotation)
    if len(histories) > 1:
        ax.legend()
    ax.xaxis.get_major_locator().set_params(integer=True)
    return ax
