"""Observed against simulated summary statistics (pyABC's plot_data_* family)."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np

from ..weighted import weighted_quantile

_ELEMENT = re.compile(r"^(.*)\[(\d+)\]$")


def group_statistics(names):
    """Flat statistic names grouped by array: {"x": [("x[0]", 0), ...], "y": [("y", None)]}, in
    order of first appearance. abcsmc flattens an array statistic x into x[0], x[1], ...; the
    plots show such a group as one series."""
    groups = {}
    for name in names:
        match = _ELEMENT.match(name)
        base, index = (match.group(1), int(match.group(2))) if match else (name, None)
        groups.setdefault(base, []).append((name, index))
    return groups


def plot_data_default(obs_data: dict, sim_data: dict, keys=None):
    """One subplot per key of obs_data: scalars as two bars (observed, simulated), arrays as two
    lines, as pyABC. Values are numbers or arrays. Returns the array of axes."""
    keys = list(obs_data) if keys is None else list(np.atleast_1d(keys))
    ncols = min(len(keys), 3) or 1
    nrows = -(-len(keys) // ncols) or 1
    _, arr_ax = plt.subplots(nrows, ncols, squeeze=False, figsize=(4 * ncols, 3 * nrows))
    arr_ax = arr_ax.ravel()
    for ax, key in zip(arr_ax, keys):
        obs, sim = np.atleast_1d(obs_data[key]), np.atleast_1d(sim_data[key])
        if obs.size == 1:
            ax.bar([0, 1], [obs[0], sim[0]], color=["C0", "C1"])
            ax.set_xticks([0, 1])
            ax.set_xticklabels(["observed", "simulated"])
        else:
            ax.plot(obs, "x-", label="observed")
            ax.plot(sim, "x-", label="simulated")
            ax.legend(fontsize="small")
        ax.set_title(key)
    for ax in arr_ax[len(keys):]:
        ax.set_visible(False)
    return arr_ax


def plot_data_callback(history, f_plot=None, f_plot_aggregated=None, t=None, n_sample=None,
                       ax=None, **kwargs):
    """Calls f_plot(sum_stat, weight, ax, **kwargs) for each particle of generation t (or a
    random n_sample of them, drawn by weight) and f_plot_aggregated(sum_stats, weights, ax,
    **kwargs) once, as pyABC. sum_stat is a {flat name: value} dict. Returns the axes."""
    weights, sum_stats = history.get_weighted_sum_stats(t=t)
    weights = np.asarray(weights, dtype=float)
    if n_sample is not None and n_sample < len(sum_stats):
        rng = np.random.default_rng(0)
        chosen = rng.choice(len(sum_stats), size=n_sample, replace=False,
                            p=weights / weights.sum())
        weights = weights[chosen]
        sum_stats = [sum_stats[i] for i in chosen]
    if ax is None:
        _, ax = plt.subplots()
    if f_plot is not None:
        for s, w in zip(sum_stats, weights):
            f_plot(s, w, ax, **kwargs)
    if f_plot_aggregated is not None:
        f_plot_aggregated(sum_stats, weights, ax, **kwargs)
    return ax


def plot_observed_vs_simulated(history, t=None, m=None, levels=(0.5, 0.9), size=None,
                               arr_ax=None):
    """Where the run stored statistics: per statistic (an array statistic is one subplot), the
    observed value against the weighted distribution of the accepted particles' simulated
    values at generation t (default: the last); m restricts to one model. Scalars: a weighted
    histogram with the observed value as a line. Arrays: observed points over the index, the
    weighted median and central bands (levels) of the simulations. abcsmc's addition: what
    pyABC users draw by hand with plot_data_callback. Returns the array of axes."""
    g = history.generation(t)
    stats = g.stats
    if stats is None:
        raise ValueError("the run did not store summary statistics (output.store_stats: false)")
    rows = np.ones(len(g.weight), dtype=bool) if m is None else g.model == m
    w = g.weight[rows]
    stats = stats[rows]
    names = history.sum_stat_names
    observed = history.observed_sum_stat()
    groups = group_statistics(names)
    column = {name: c for c, name in enumerate(names)}
    ncols = min(len(groups), 3)
    nrows = -(-len(groups) // ncols)
    if arr_ax is None:
        _, arr_ax = plt.subplots(nrows, ncols, squeeze=False,
                                 figsize=size or (4.2 * ncols, 3.2 * nrows))
    arr_ax = np.asarray(arr_ax).ravel()
    for ax, (base, members) in zip(arr_ax, groups.items()):
        cols = [column[name] for name, _ in members]
        obs = np.array([observed[name] for name, _ in members])
        if len(members) == 1 and members[0][1] is None:
            ax.hist(stats[:, cols[0]], bins=30, weights=w, density=True, color="C0", alpha=0.7,
                    label="simulated (weighted)")
            ax.axvline(obs[0], color="C1", label="observed")
            ax.set_xlabel(base)
        else:
            index = [i if i is not None else k for k, (_, i) in enumerate(members)]
            for level in sorted(levels, reverse=True):
                lo = [weighted_quantile(stats[:, c], w, (1 - level) / 2) for c in cols]
                hi = [weighted_quantile(stats[:, c], w, (1 + level) / 2) for c in cols]
                ax.fill_between(index, lo, hi, color="C0", alpha=0.25,
                                label=f"simulated {level:.0%}")
            median = [weighted_quantile(stats[:, c], w, 0.5) for c in cols]
            ax.plot(index, median, "-", color="C0", label="simulated median")
            ax.plot(index, obs, "o", color="C1", label="observed")
            ax.set_xlabel(f"{base} index")
        ax.set_title(base)
        ax.legend(fontsize="x-small")
    for ax in arr_ax[len(groups):]:
        ax.set_visible(False)
    return arr_ax
