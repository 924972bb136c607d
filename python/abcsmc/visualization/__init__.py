"""Plots of abcsmc results with pyabc.visualization's names and arguments.

Each function takes an abcsmc History (or a list of them, where pyABC takes several) and draws
on matplotlib axes it returns, like pyABC's. Where an argument cannot mean the same, the
function's docstring says so. abcsmc's additions: plot_kde_1d_generations (every generation's
density on one axes) and plot_observed_vs_simulated (stored statistics against the data).
"""

from .credible import compute_credible_interval, compute_quantile, plot_credible_intervals
from .data import (
    group_statistics,
    plot_data_callback,
    plot_data_default,
    plot_observed_vs_simulated,
)
from .distance import plot_distance_weights
from .effective_sample_size import plot_effective_sample_sizes
from .epsilon import plot_epsilons
from .kde import (
    DegenerateSampleError,
    kde_1d,
    kde_2d,
    plot_kde_1d,
    plot_kde_1d_generations,
    plot_kde_1d_highlevel,
    plot_kde_2d,
    plot_kde_2d_highlevel,
    plot_kde_matrix,
    plot_kde_matrix_highlevel,
)
from .model_probabilities import plot_model_probabilities
from .sample import (
    plot_acceptance_rates_trajectory,
    plot_sample_numbers,
    plot_sample_numbers_trajectory,
    plot_total_sample_numbers,
)

__all__ = [
    "DegenerateSampleError",
    "compute_credible_interval",
    "compute_quantile",
    "group_statistics",
    "kde_1d",
    "kde_2d",
    "plot_acceptance_rates_trajectory",
    "plot_credible_intervals",
    "plot_data_callback",
    "plot_data_default",
    "plot_distance_weights",
    "plot_effective_sample_sizes",
    "plot_epsilons",
    "plot_kde_1d",
    "plot_kde_1d_generations",
    "plot_kde_1d_highlevel",
    "plot_kde_2d",
    "plot_kde_2d_highlevel",
    "plot_kde_matrix",
    "plot_kde_matrix_highlevel",
    "plot_model_probabilities",
    "plot_observed_vs_simulated",
    "plot_sample_numbers",
    "plot_sample_numbers_trajectory",
    "plot_total_sample_numbers",
]
