"""Weighted kernel density plots of the posterior (pyABC's plot_kde_* family).

The density is scipy's `gaussian_kde` with the particles' weights and Silverman's bandwidth (the
rule pyABC's default MultivariateNormalTransition(scaling=1) uses), not a re-implementation.
`kde=` accepts instead any object with pyABC's Transition interface (`fit(df, w)`, `pdf(df)`),
for example `pyabc.MultivariateNormalTransition()` where pyABC is installed, or a callable
`f(df, w) -> (df -> densities)`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ._util import get_ax


class DegenerateSampleError(ValueError):
    """The sample has no spread in some direction (all particles equal there): no density."""


def _density(df: pd.DataFrame, w, kde=None):
    """A function test_df -> densities, fitted to the weighted sample (df, w)."""
    w = np.asarray(w, dtype=float)
    if kde is not None:
        if hasattr(kde, "fit") and hasattr(kde, "pdf"):
            kde.fit(df, w)
            return lambda test: np.asarray(kde.pdf(test), dtype=float)
        return kde(df, w)
    try:
        from scipy.stats import gaussian_kde
    except ImportError as e:  # pragma: no cover - depends on the installation
        raise ImportError(
            "abcsmc's KDE plots need scipy (Debian: apt-get install python3-scipy)"
        ) from e
    values = df.to_numpy(dtype=float).T
    if values.shape[1] < 2 or np.any(np.ptp(values, axis=1) == 0):
        raise DegenerateSampleError(
            f"the {values.shape[1]} particle(s) do not spread in {', '.join(df.columns)}"
        )
    try:
        estimate = gaussian_kde(values, bw_method="silverman", weights=w)
    except np.linalg.LinAlgError as e:  # perfectly correlated parameters
        raise DegenerateSampleError(f"singular sample covariance: {e}") from e
    return lambda test: estimate(test.to_numpy(dtype=float).T)


def kde_1d(df, w, x, xmin=None, xmax=None, numx=50, kde=None):
    """The weighted density of column x on numx points from xmin to xmax (default: the sample's
    range), as (x values, densities), like pyABC's kde_1d."""
    xmin = df[x].min() if xmin is None else xmin
    xmax = df[x].max() if xmax is None else xmax
    grid = np.linspace(xmin, xmax, num=numx)
    pdf = _density(df[[x]], w, kde)(pd.DataFrame({x: grid}))
    return grid, pdf


def kde_2d(df, w, x, y, xmin=None, xmax=None, ymin=None, ymax=None, numx=50, numy=50, kde=None):
    """The weighted density of (x, y) on a numx x numy grid, as (X, Y, PDF) meshes for
    pcolormesh, like pyABC's kde_2d."""
    xmin = df[x].min() if xmin is None else xmin
    xmax = df[x].max() if xmax is None else xmax
    ymin = df[y].min() if ymin is None else ymin
    ymax = df[y].max() if ymax is None else ymax
    X, Y = np.meshgrid(np.linspace(xmin, xmax, num=numx), np.linspace(ymin, ymax, num=numy))
    density = _density(df[[x, y]], w, kde)
    PDF = density(pd.DataFrame({x: X.ravel(), y: Y.ravel()})).reshape(X.shape)
    return X, Y, PDF


def _note_degenerate(ax, df, columns, error):
    """Marks a sample without spread instead of failing: a report must still render."""
    values = ", ".join(f"{c} = {df[c].iloc[0]:.6g}" for c in columns if len(df))
    ax.text(0.5, 0.5, f"no density: {error}\n{values}", ha="center", va="center",
            transform=ax.transAxes, fontsize=8, wrap=True)
    if len(columns) == 1 and len(df):
        ax.axvline(df[columns[0]].iloc[0], color="C0")


def plot_kde_1d(df, w, x, xmin=None, xmax=None, numx=50, ax=None, size=None, title=None,
                refval=None, refval_color="C1", kde=None, xname=None, **kwargs):
    """Plots the weighted 1-D density of column x of (df, w) (as pyABC). kwargs go to
    ax.plot (label=..., color=...). Returns the axes."""
    ax = get_ax(ax, size)
    try:
        grid, pdf = kde_1d(df, w, x, xmin=xmin, xmax=xmax, numx=numx, kde=kde)
        ax.plot(grid, pdf, **kwargs)
    except DegenerateSampleError as e:
        _note_degenerate(ax, df, [x], e)
    ax.set_xlabel(xname if xname is not None else x)
    ax.set_ylabel("Posterior")
    if xmin is not None and xmax is not None and xmin < xmax:
        ax.set_xlim(xmin, xmax)
    if title is not None:
        ax.set_title(title)
    if refval is not None:
        ax.axvline(refval[x], color=refval_color, linestyle="dotted")
    return ax


def plot_kde_1d_highlevel(history, x, m=0, t=None, xmin=None, xmax=None, numx=50, ax=None,
                          size=None, title=None, refval=None, refval_color="C1", kde=None,
                          xname=None, **kwargs):
    """plot_kde_1d of model m's sample at generation t (default: the last)."""
    df, w = history.get_distribution(m=m, t=t)
    return plot_kde_1d(df, w, x, xmin, xmax, numx, ax, size, title, refval, refval_color, kde,
                       xname, **kwargs)


def plot_kde_1d_generations(history, x, m=0, ts=None, numx=100, ax=None, size=None, title=None,
                            refval=None, refval_color="C1", kde=None, xname=None, cmap="viridis"):
    """The 1-D density of x for every generation (or those in ts) on one axes, coloured from
    early to late; what pyABC's examples draw with a loop over plot_kde_1d. abcsmc's addition:
    pyABC has no single call for it. The x range covers all the generations drawn."""
    ax = get_ax(ax, size)
    ts = list(range(history.max_t + 1)) if ts is None else list(ts)
    samples = [(t, *history.get_distribution(m=m, t=t)) for t in ts]
    samples = [(t, df, w) for t, df, w in samples if len(df)]
    if not samples:
        ax.text(0.5, 0.5, f"model {m} has no particles", ha="center", transform=ax.transAxes)
        return ax
    lo = min(df[x].min() for _, df, _ in samples)
    hi = max(df[x].max() for _, df, _ in samples)
    colors = plt.get_cmap(cmap)(np.linspace(0, 0.9, len(samples)))
    for color, (t, df, w) in zip(colors, samples):
        plot_kde_1d(df, w, x, xmin=lo, xmax=hi, numx=numx, ax=ax, kde=kde, xname=xname,
                    color=color, label=f"t = {t}")
    if refval is not None:
        ax.axvline(refval[x], color=refval_color, linestyle="dotted", label="reference")
    ax.legend(fontsize="small", ncol=2 if len(samples) > 6 else 1)
    ax.set_title(title if title is not None else f"{x}: posterior by generation")
    return ax


def plot_kde_2d(df, w, x, y, xmin=None, xmax=None, ymin=None, ymax=None, numx=50, numy=50,
                ax=None, size=None, colorbar=True, title=None, refval=None, refval_color="C1",
                kde=None, xname=None, yname=None, **kwargs):
    """Plots the weighted 2-D density of (x, y) as a colour mesh (as pyABC). kwargs go to
    pcolormesh. Returns the axes."""
    ax = get_ax(ax, size)
    try:
        X, Y, PDF = kde_2d(df, w, x, y, xmin, xmax, ymin, ymax, numx, numy, kde)
        mesh = ax.pcolormesh(X, Y, PDF, shading="auto", **kwargs)
        if colorbar:
            ax.get_figure().colorbar(mesh, ax=ax, label="Posterior")
    except DegenerateSampleError as e:
        _note_degenerate(ax, df, [x, y], e)
    ax.set_xlabel(xname if xname is not None else x)
    ax.set_ylabel(yname if yname is not None else y)
    if title is not None:
        ax.set_title(title)
    if refval is not None:
        ax.scatter([refval[x]], [refval[y]], color=refval_color, marker="x")
    return ax


def plot_kde_2d_highlevel(history, x, y, m=0, t=None, xmin=None, xmax=None, ymin=None,
                          ymax=None, numx=50, numy=50, ax=None, size=None, colorbar=True,
                          title=None, refval=None, refval_color="C1", kde=None, xname=None,
                          yname=None, **kwargs):
    """plot_kde_2d of model m's sample at generation t (default: the last)."""
    df, w = history.get_distribution(m=m, t=t)
    return plot_kde_2d(df, w, x, y, xmin, xmax, ymin, ymax, numx, numy, ax, size, colorbar,
                       title, refval, refval_color, kde, xname, yname, **kwargs)


def plot_kde_matrix(df, w, limits=None, colorbar=True, height=2.5, numx=50, numy=50,
                    refval=None, refval_color="C1", kde=None, names=None, arr_ax=None):
    """The 1-D densities on the diagonal, 2-D densities below it and the particles (dot size by
    weight) above it, for every pair of df's columns (as pyABC). limits: {name: (lo, hi)};
    names: {column: axis label}. Returns the array of axes."""
    columns = list(df.columns)
    n = len(columns)
    limits = limits or {}
    names = names or {}
    if arr_ax is None:
        _, arr_ax = plt.subplots(n, n, figsize=(height * n, height * n), squeeze=False)
    arr_ax = np.asarray(arr_ax).reshape(n, n)
    w = np.asarray(w, dtype=float)

    def lim(c):
        return limits.get(c, (df[c].min(), df[c].max()))

    for i, yc in enumerate(columns):
        for j, xc in enumerate(columns):
            ax = arr_ax[i, j]
            if i == j:
                lo, hi = lim(xc)
                plot_kde_1d(df, w, xc, xmin=lo, xmax=hi, numx=numx, ax=ax, kde=kde,
                            refval=refval, refval_color=refval_color)
                ax.set_ylabel("")
            elif i > j:
                (xlo, xhi), (ylo, yhi) = lim(xc), lim(yc)
                plot_kde_2d(df, w, xc, yc, xlo, xhi, ylo, yhi, numx, numy, ax=ax,
                            colorbar=colorbar, kde=kde, refval=refval,
                            refval_color=refval_color)
            else:
                sizes = 200 * w / w.max() if w.size and w.max() > 0 else 5
                ax.scatter(df[xc], df[yc], s=sizes, alpha=0.3, edgecolors="none")
                ax.set_xlim(*lim(xc))
                ax.set_ylim(*lim(yc))
            # Labels on the outer axes only, as in a pair plot.
            ax.set_xlabel(names.get(xc, xc) if i == n - 1 else "")
            ax.set_ylabel(names.get(yc, yc) if j == 0 and i > 0 else "")
            if i < n - 1:
                ax.tick_params(labelbottom=False)
    return arr_ax


def plot_kde_matrix_highlevel(history, m=0, t=None, limits=None, colorbar=True, height=2.5,
                              numx=50, numy=50, refval=None, refval_color="C1", kde=None,
                              names=None, arr_ax=None):
    """plot_kde_matrix of model m's sample at generation t (default: the last)."""
    df, w = history.get_distribution(m=m, t=t)
    return plot_kde_matrix(df, w, limits, colorbar, height, numx, numy, refval, refval_color,
                           kde, names, arr_ax)
