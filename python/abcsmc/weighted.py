"""Weighted statistics with the definitions `abcsmc inspect` and the engine use.

They match pyABC's `pyabc.weighted_statistics` (weighted_mean, weighted_std, weighted_quantile,
effective_sample_size), so numbers computed here, in `inspect`, and in a pyABC notebook agree.
"""

from __future__ import annotations

import numpy as np


def _as_arrays(points, weights):
    x = np.asarray(points, dtype=float).ravel()
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float).ravel()
    if x.shape != w.shape:
        raise ValueError(f"{x.size} points but {w.size} weights")
    return x, w


def weighted_mean(points, weights=None) -> float:
    """sum(w x) / sum(w); NaN when the weights sum to 0 or there are no points."""
    x, w = _as_arrays(points, weights)
    total = w.sum()
    return float((w * x).sum() / total) if x.size and total > 0 else float("nan")


def weighted_std(points, weights=None) -> float:
    """sqrt(sum(w (x - mean)^2) / sum(w)): the population form, as pyABC and inspect."""
    x, w = _as_arrays(points, weights)
    mean = weighted_mean(x, w)
    if np.isnan(mean):
        return float("nan")
    return float(np.sqrt((w * (x - mean) ** 2).sum() / w.sum()))


def weighted_quantile(points, weights=None, alpha: float = 0.5) -> float:
    """Quantile `alpha` of the weighted sample, interpolated on the weighted CDF.

    Sort the points (ties keep their order), normalise the weights, place each point at
    cumsum(w) - w/2, interpolate linearly at `alpha` and clamp to the extreme points outside
    that range: pyABC's definition, and the one the engine's epsilon schedule and `inspect` use.
    Points with weight <= 0 are ignored; NaN when none is left.
    """
    x, w = _as_arrays(points, weights)
    keep = w > 0
    x, w = x[keep], w[keep]
    if x.size == 0:
        return float("nan")
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order] / w.sum()
    position = np.cumsum(w) - 0.5 * w
    return float(np.interp(alpha, position, x))


def effective_sample_size(weights) -> float:
    """(sum w)^2 / sum w^2 (Kish): the `ess` the engine stores per generation."""
    w = np.asarray(weights, dtype=float).ravel()
    return float(w.sum() ** 2 / (w**2).sum()) if w.size else 0.0
