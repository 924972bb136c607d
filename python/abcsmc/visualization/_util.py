"""Small helpers shared by the plot functions (argument normalisation, axes creation)."""

from __future__ import annotations

import matplotlib.pyplot as plt


def to_lists(*args):
    """Each argument as a list: one History (or one value) becomes [it]; None stays None.

    pyABC's plot functions take one History or a list of them; so do these.
    """
    out = []
    for a in args:
        if a is None or isinstance(a, list):
            out.append(a)
        elif isinstance(a, tuple):
            out.append(list(a))
        else:
            out.append([a])
    return out[0] if len(out) == 1 else out


def get_labels(labels, n: int, default: str = "Run"):
    """n legend labels: the given ones, or "Run 0", "Run 1", ... (a single run: its file name)."""
    if labels is None:
        return [f"{default} {i}" for i in range(n)]
    labels = to_lists(labels)
    if len(labels) != n:
        raise ValueError(f"{len(labels)} labels for {n} runs")
    return labels


def get_ax(ax=None, size=None):
    """The axes to draw on: `ax`, or a new figure's; `size` (inches) resizes its figure."""
    if ax is None:
        _, ax = plt.subplots()
    if size is not None:
        ax.get_figure().set_size_inches(size)
    return ax

