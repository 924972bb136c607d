"""Model probabilities per generation (pyABC's plot_model_probabilities)."""

from __future__ import annotations

from ._util import get_ax


def plot_model_probabilities(history, rotation=0, title="Model probabilities", size=None,
                             ax=None):
    """Bars of each model's probability per generation, as pyABC; the legend names the models
    (pyABC shows their indices). Returns the axes."""
    ax = get_ax(ax, size)
    probabilities = history.get_model_probabilities()
    names = history.model_names()
    probabilities.columns = [names[m] if m < len(names) else str(m) for m in probabilities.columns]
    probabilities.columns.name = "Model"
    probabilities.plot.bar(rot=rotation, legend=True, ax=ax)
    ax.set_ylabel("Probability")
    ax.set_xlabel("Population index")
    ax.set_ylim(0, 1)
    ax.set_title(title)
    return ax
