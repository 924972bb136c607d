"""The report's figures, rendered to PNG bytes with matplotlib's Agg canvas.

Figures are drawn on `matplotlib.figure.Figure` objects, never through pyplot, so the report
needs no display, keeps no global figure state in a long --watch, and works with any backend
setting. A figure that fails to draw becomes a `FigureImage` with an error text (shown in the
page) rather than ending the report: a live view must survive an odd generation.
"""

from __future__ import annotations

import dataclasses
import io
import traceback

from matplotlib.figure import Figure

from .. import visualization as viz

#: More parameters than this per model get no KDE matrix (it grows quadratically).
MAX_MATRIX_PARAMETERS = 6
#: Per model, 1-D density plots for at most this many parameters.
MAX_DENSITY_PARAMETERS = 12
#: Models with particles in the last generation that get posterior figures.
MAX_MODELS = 4
DPI = 80


@dataclasses.dataclass
class FigureImage:
    section: str  # "run" or "model <name>"
    title: str
    png: bytes | None  # None when drawing failed
    error: str = ""


def _render(section, title, draw, figsize) -> FigureImage:
    fig = Figure(figsize=figsize, dpi=DPI, layout="tight")
    try:
        draw(fig)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI)
        return FigureImage(section, title, buffer.getvalue())
    except Exception as e:  # noqa: BLE001 - any failure becomes a visible note in the page
        detail = traceback.format_exception_only(type(e), e)[-1].strip()
        return FigureImage(section, title, None, detail)


def run_figures(h) -> list:
    """Figures about the run as a whole (what pyABC users look at first)."""
    out = [
        _render("run", "Epsilon per generation",
                lambda fig: viz.plot_epsilons(h, labels=[""], ax=fig.subplots()), (6, 3.4)),
        _render("run", f"Simulations per generation (total {h.total_nr_simulations})",
                lambda fig: viz.plot_sample_numbers_trajectory(h, labels=[""], ax=fig.subplots()),
                (6, 3.4)),
        _render("run", "Acceptance rate per generation",
                lambda fig: viz.plot_acceptance_rates_trajectory(h, labels=[""],
                                                                 ax=fig.subplots()), (6, 3.4)),
        _render("run", "Effective sample size per generation",
                lambda fig: viz.plot_effective_sample_sizes(h, labels=[""], ax=fig.subplots()),
                (6, 3.4)),
    ]
    if h.n_models > 1:
        out.append(_render("run", "Model probabilities",
                           lambda fig: viz.plot_model_probabilities(h, ax=fig.subplots()),
                           (6, 3.4)))
    weights = h.get_distance_weights()
    if not weights.empty and not (weights.to_numpy() == 1).all():  # all 1: an unweighted p-norm
        out.append(_render("run", "Distance weights of the summary statistics",
                           lambda fig: viz.plot_distance_weights(h, ts="all", labels=[""],
                                                                 xticklabel_rotation=45,
                                                                 ax=fig.subplots()), (7, 3.6)))
    if h.has_sum_stats:
        groups = len(viz.group_statistics(h.sum_stat_names))
        cols = min(groups, 3)
        rows = -(-groups // cols)
        out.append(_render(
            "run", f"Observed vs simulated statistics (t = {h.max_t})",
            lambda fig: viz.plot_observed_vs_simulated(h, arr_ax=fig.subplots(rows, cols,
                                                                             squeeze=False)),
            (4.2 * cols, 3.2 * rows)))
    return out


def model_figures(h, m: int) -> list:
    """Posterior figures of model m: densities by generation, the KDE matrix and a 2-D density
    at the last generation, credible intervals over generations."""
    name = h.model_names()[m]
    section = f"model {name}"
    names = h.model_parameter_names(m)
    out = []
    for x in names[:MAX_DENSITY_PARAMETERS]:
        out.append(_render(section, f"{x}: weighted KDE per generation",
                           lambda fig, x=x: viz.plot_kde_1d_generations(h, x, m=m,
                                                                        ax=fig.subplots()),
                           (6, 3.6)))
    if len(names) >= 2:
        x, y = names[0], names[1]
        out.append(_render(section, f"{x} and {y}: 2-D weighted KDE (t = {h.max_t})",
                           lambda fig: viz.plot_kde_2d_highlevel(h, x, y, m=m,
                                                                 ax=fig.subplots()), (5.5, 4.4)))
    if 2 <= len(names) <= MAX_MATRIX_PARAMETERS:
        n = len(names)
        out.append(_render(section, f"KDE matrix (t = {h.max_t})",
                           lambda fig: viz.plot_kde_matrix_highlevel(
                               h, m=m, colorbar=False, arr_ax=fig.subplots(n, n, squeeze=False)),
                           (2.4 * n, 2.4 * n)))
    n = len(names[:MAX_DENSITY_PARAMETERS])
    out.append(_render(section, "Credible intervals (median, 50% and 95%) over generations",
                       lambda fig: viz.plot_credible_intervals(
                           h, m=m, par_names=names[:MAX_DENSITY_PARAMETERS], levels=[0.5, 0.95],
                           arr_ax=fig.subplots(n, 1, sharex=True, squeeze=False)),
                       (6, 2.0 * n + 0.8)))
    return out


def all_figures(h) -> list:
    """Every figure of the report, run figures first; none while no generation is complete."""
    if h.n_populations == 0:
        return []
    out = run_figures(h)
    for m in h.alive_models()[:MAX_MODELS]:
        out += model_figures(h, m)
    return out
