"""Credible intervals over generations (pyABC's plot_credible_intervals)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..weighted import weighted_mean, weighted_quantile


def compute_credible_interval(vals, weights, confidence=0.95):
    """The central interval holding `confidence` of the weighted sample: the weighted
    (1 - c) / 2 and (1 + c) / 2 quantiles, as (lower, upper)."""
    return (weighted_quantile(vals, weights, (1 - confidence) / 2),
            weighted_quantile(vals, weights, (1 + confidence) / 2))


def compute_quantile(vals, weights, alpha):
    """The weighted quantile alpha (abcsmc.weighted_quantile)."""
    return weighted_quantile(vals, weights, alpha)


def plot_credible_intervals(history, m=0, ts=None, par_names=None, levels=None, colors=None,
                            color_median=None, show_mean=False, color_mean=None, size=None,
                            refval=None, refval_color="C1", arr_ax=None):
    """For each parameter of model m, the weighted median and central credible intervals (one
    error bar per level, default [0.95]) at each generation in ts (default: all), as pyABC.
    pyABC's show_kde_max options are not offered (the KDE maximum needs its Transition).
    Returns the array of axes, one per parameter."""
    ts = list(range(history.max_t + 1)) if ts is None else list(np.atleast_1d(ts))
    levels = sorted(levels or [0.95])
    names = par_names or history.model_parameter_names(m)
    colors = colors or [f"C{i}" for i in range(len(levels))]
    if arr_ax is None:
        _, arr_ax = plt.subplots(len(names), 1, sharex=True, squeeze=False,
                                 figsize=size or (6, 2.2 * len(names) + 0.6))
    arr_ax = np.asarray(arr_ax).ravel()
    samples = {t: history.get_distribution(m=m, t=t) for t in ts}
    for ax, name in zip(arr_ax, names):
        shown = [t for t in ts if len(samples[t][0])]
        medians = np.array([weighted_quantile(samples[t][0][name], samples[t][1], 0.5)
                            for t in shown])
        for i, level in enumerate(levels):
            lower, upper = np.array(
                [compute_credible_interval(samples[t][0][name], samples[t][1], level)
                 for t in shown]).reshape(-1, 2).T
            offset = (i - (len(levels) - 1) / 2) * 0.1
            ax.errorbar(np.array(shown) + offset, medians,
                        yerr=[medians - lower, upper - medians], fmt="none",
                        color=colors[i % len(colors)], capsize=3, label=f"{level:.0%} interval")
        ax.plot(shown, medians, "x-", color=color_median or "k", label="median")
        if show_mean:
            means = [weighted_mean(samples[t][0][name], samples[t][1]) for t in shown]
            ax.plot(shown, means, "o", color=color_mean or "C2", label="mean")
        if refval is not None:
            ax.axhline(refval[name], color=refval_color, linestyle="dotted", label="reference")
        ax.set_ylabel(name)
        ax.xaxis.get_major_locator().set_params(integer=True)
    arr_ax[0].legend(fontsize="small")
    arr_ax[-1].set_xlabel("Population index t")
    arr_ax[0].set_title(f"Credible intervals, model {history.model_names()[m]}")
    return arr_ax
