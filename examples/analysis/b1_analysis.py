#!/usr/bin/env python3
"""A pyABC-style analysis of benchmark B1's results (config/examples/gaussian.yaml).

    ./build/abcsmc run config/examples/gaussian.yaml --overwrite     # writes gaussian.h5
    PYTHONPATH=python /usr/bin/python3 examples/analysis/b1_analysis.py gaussian.h5 --out b1_plots

The calls are the ones a pyABC notebook makes on `pyabc.History` and `pyabc.visualization`;
only the import and `abcsmc.load` differ. B1's exact posterior is N(5/11, 1/11), so the script
also says how far the ABC posterior is from it. Needs h5py, numpy, pandas, matplotlib, scipy.
"""

import argparse
import math
import os

import matplotlib

matplotlib.use("Agg")  # files, not windows: works over ssh and in CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import abcsmc  # noqa: E402
from abcsmc import visualization as viz  # noqa: E402

EXACT_MEAN, EXACT_SD = 5 / 11, math.sqrt(1 / 11)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", default="gaussian.h5")
    parser.add_argument("--out", default="b1_plots", help="directory for the PNG files")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    history = abcsmc.load(args.results)  # pyabc.History(db) in pyABC
    print(f"{history.path}: {history.n_populations} generations (max_t = {history.max_t}), "
          f"{history.total_nr_simulations} simulations, seed {history.seed}, "
          f"{history.stop_reason or 'running'}")

    # The per-generation overview pyABC users know.
    populations = history.get_all_populations()
    print(populations[["t", "epsilon", "samples", "particles", "ess"]].to_string(index=False))

    # The posterior at the last generation, weighted.
    df, w = history.get_distribution(m=0, t=history.max_t)
    mean = abcsmc.weighted_mean(df["theta"], w)
    sd = abcsmc.weighted_std(df["theta"], w)
    lo, hi = (abcsmc.weighted_quantile(df["theta"], w, a) for a in (0.05, 0.95))
    print(f"theta: mean {mean:.4f} (exact {EXACT_MEAN:.4f}), sd {sd:.4f} (exact {EXACT_SD:.4f}), "
          f"90% interval [{lo:.4f}, {hi:.4f}]")
    ess = abcsmc.effective_sample_size(w)
    print(f"Monte Carlo error of the mean: {abs(mean - EXACT_MEAN) / (sd / math.sqrt(ess)):.2f} "
          f"standard errors (ESS {ess:.0f})")

    # The usual plots, with the exact posterior for comparison.
    ax = viz.plot_kde_1d_generations(history, "theta")
    x = np.linspace(*ax.get_xlim(), 200)
    ax.plot(x, np.exp(-0.5 * ((x - EXACT_MEAN) / EXACT_SD) ** 2) / (EXACT_SD * math.sqrt(2 * math.pi)),
            "k--", label="exact")
    ax.legend(fontsize="small")
    save(ax.get_figure(), args.out, "posterior_by_generation.png")
    save(viz.plot_kde_1d_highlevel(history, "theta", refval={"theta": EXACT_MEAN}).get_figure(),
         args.out, "posterior.png")
    save(viz.plot_epsilons(history).get_figure(), args.out, "epsilons.png")
    save(viz.plot_sample_numbers(history).get_figure(), args.out, "sample_numbers.png")
    save(viz.plot_acceptance_rates_trajectory(history).get_figure(), args.out, "acceptance_rates.png")
    save(viz.plot_effective_sample_sizes(history).get_figure(), args.out, "ess.png")
    axes = viz.plot_credible_intervals(history, levels=[0.5, 0.95], refval={"theta": EXACT_MEAN})
    save(axes[0].get_figure(), args.out, "credible_intervals.png")
    axes = viz.plot_observed_vs_simulated(history)
    save(axes[0].get_figure(), args.out, "observed_vs_simulated.png")
    print(f"plots in {args.out}/")


def save(figure, directory, name):
    figure.savefig(os.path.join(directory, name), dpi=90, bbox_inches="tight")
    plt.close(figure)


if __name__ == "__main__":
    main()
