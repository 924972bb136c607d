"""Every plot function of abcsmc.visualization draws, and writes a PNG image."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import abcsmc  # noqa: E402
from abcsmc import visualization as viz  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def histories(gaussian_file, model_selection_file, sir_file):
    return {"gaussian": abcsmc.load(gaussian_file), "selection": abcsmc.load(model_selection_file),
            "sir": abcsmc.load(sir_file)}


def calls(h):
    """(name, function drawing on the current figure) for every plot function."""
    g, s, sir = h["gaussian"], h["selection"], h["sir"]

    def dist():
        return sir.get_distribution(0)
    return {
        "plot_kde_1d": lambda: viz.plot_kde_1d(*dist(), "beta", refval={"beta": 0.9}),
        "plot_kde_1d_highlevel": lambda: viz.plot_kde_1d_highlevel(g, "theta", t=0),
        "plot_kde_1d_generations": lambda: viz.plot_kde_1d_generations(sir, "gamma"),
        "plot_kde_2d": lambda: viz.plot_kde_2d(*dist(), "beta", "gamma", refval={"beta": 0.9, "gamma": 0.3}),
        "plot_kde_2d_highlevel": lambda: viz.plot_kde_2d_highlevel(sir, "beta", "gamma", t=1),
        "plot_kde_matrix": lambda: viz.plot_kde_matrix(*dist()),
        "plot_kde_matrix_highlevel": lambda: viz.plot_kde_matrix_highlevel(sir, refval={"beta": 0.9, "gamma": 0.3}),
        "plot_epsilons": lambda: viz.plot_epsilons([g, s], labels=["B1", "B3"]),
        "plot_sample_numbers": lambda: viz.plot_sample_numbers([g, s, sir]),
        "plot_total_sample_numbers": lambda: viz.plot_total_sample_numbers([g, s], yscale="log"),
        "plot_sample_numbers_trajectory": lambda: viz.plot_sample_numbers_trajectory(g),
        "plot_acceptance_rates_trajectory": lambda: viz.plot_acceptance_rates_trajectory(
            [g, sir], normalize_by_ess=True),
        "plot_effective_sample_sizes": lambda: viz.plot_effective_sample_sizes([g, s], relative=True),
        "plot_model_probabilities": lambda: viz.plot_model_probabilities(s),
        "plot_credible_intervals": lambda: viz.plot_credible_intervals(sir, levels=[0.5, 0.9], show_mean=True,
                                                                       refval={"beta": 0.9, "gamma": 0.3}),
        "plot_distance_weights": lambda: viz.plot_distance_weights(sir, ts="all"),
        "plot_data_default": lambda: viz.plot_data_default(
            sir.observed_sum_stat(), sir.get_weighted_sum_stats()[1][0]),
        "plot_data_callback": lambda: viz.plot_data_callback(
            sir, f_plot=lambda s, w, ax: ax.plot(list(s.values()), alpha=0.1, color="C0"),
            f_plot_aggregated=lambda ss, ws, ax: ax.set_title(f"{len(ss)} particles"), n_sample=20),
        "plot_observed_vs_simulated": lambda: viz.plot_observed_vs_simulated(sir),
    }


def test_every_plot_function_is_tested(histories):
    public = {name for name in viz.__all__ if name.startswith("plot_")}
    assert public == set(calls(histories))


@pytest.mark.parametrize("name", sorted(calls({"gaussian": None, "selection": None, "sir": None})))
def test_plot_writes_an_image(name, histories, tmp_path):
    plt.close("all")
    result = calls(histories)[name]()
    assert result is not None
    image = tmp_path / f"{name}.png"
    plt.gcf().savefig(image)
    plt.close("all")
    data = image.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 2000, name


def test_kde_uses_scipy_weights(histories):
    """The weighted KDE is scipy's gaussian_kde (Silverman) with the particle weights."""
    from scipy.stats import gaussian_kde

    df, w = histories["gaussian"].get_distribution()
    x, pdf = viz.kde_1d(df, w, "theta", numx=20)
    expected = gaussian_kde(df["theta"].to_numpy(), bw_method="silverman", weights=w)(x)
    assert pdf == pytest.approx(expected)


def test_degenerate_sample_still_draws(tmp_path):
    import pandas as pd

    df = pd.DataFrame({"a": [1.0, 1.0, 1.0], "b": [0.0, 1.0, 2.0]})
    ax = viz.plot_kde_1d(df, [1 / 3] * 3, "a")
    ax.get_figure().savefig(tmp_path / "degenerate.png")
    with pytest.raises(viz.DegenerateSampleError):
        viz.kde_2d(df, [1 / 3] * 3, "a", "b")
    plt.close("all")
