"""The reader's numbers are inspect's, on the same file: particles bit for bit, the
per-generation table as printed, the posterior summary to the printed digits. For a single
model (B1), model selection (B3) and a resumed run."""

from __future__ import annotations

import numpy as np
import pytest

import abcsmc
from conftest import abcsmc as run_abcsmc
from inspect_output import parse_csv, parse_table


def assert_same_as_inspect(path, history=None):
    """Every check of this module on one file; returns the History used."""
    h = history or abcsmc.load(path)
    particles = parse_csv(run_abcsmc("inspect", path, "--generation", "all", "--format", "csv").stdout)
    table = parse_table(run_abcsmc("inspect", path, "--generation", "all").stdout)
    assert_particles(h, particles)
    assert_generation_table(h, table)
    assert_posterior(h, table)
    assert_header(h, table["header"])
    return h


def assert_particles(h, particles):
    ours = h.get_all_particles()
    assert list(ours.columns) == list(particles)
    for column, values in particles.items():
        np.testing.assert_array_equal(ours[column].to_numpy(), values, err_msg=column)
    for t in range(h.max_t + 1):
        rows = particles["t"] == t
        # pyABC's get_weighted_distances: w is the particle weight times its model probability,
        # i.e. the stored weight.
        wd = h.get_weighted_distances(t)
        np.testing.assert_array_equal(wd["distance"].to_numpy(), particles["distance"][rows])
        np.testing.assert_array_equal(wd["w"].to_numpy(), particles["weight"][rows])
        for m in range(h.n_models):
            df, w = h.get_distribution(m, t)
            mine = rows & (particles["model"] == m)
            assert list(df.columns) == h.model_parameter_names(m)
            np.testing.assert_array_equal(df.index.to_numpy(), particles["eval_index"][mine])
            for name in df.columns:
                np.testing.assert_array_equal(df[name].to_numpy(), particles[name][mine])
            if mine.any():
                raw = particles["weight"][mine]
                np.testing.assert_allclose(w, raw / raw.sum(), rtol=1e-13)
                assert w.sum() == pytest.approx(1.0, abs=1e-12)
        assert h.alive_models(t) == sorted(set(particles["model"][rows].tolist()))


def assert_generation_table(h, table):
    rows = table["generations"]
    pops = h.get_all_populations()
    assert pops["t"].iloc[0] == -1 and pops["epsilon"].iloc[0] == np.inf
    pops = pops[pops["t"] >= 0]
    assert len(rows) == len(pops) == h.n_populations == h.max_t + 1
    probabilities = h.get_model_probabilities()
    for row, (_, p) in zip(rows, pops.iterrows()):
        assert row["t"] == str(int(p["t"]))
        assert row["epsilon"] == "%.6g" % p["epsilon"]
        assert row["accepted"] == str(int(p["particles"]))
        assert row["simulations"] == str(int(p["samples"]))
        assert row["failed"] == str(int(p["failed"]))
        assert row["acc.rate"] == "%.4g" % p["acceptance_rate"]
        assert row["ESS"] == "%.1f" % p["ess"]
        assert row["seconds"] == "%.2f" % p["wall_seconds"]
        if h.n_models > 1:
            for m, name in enumerate(h.model_names()):
                assert row[f"p({name})"] == "%.4f" % probabilities.loc[int(p["t"]), m]
    particles = h.get_nr_particles_per_population()
    assert particles.index[0] == -1
    assert [str(v) for v in particles.iloc[1:]] == [r["accepted"] for r in rows]
    assert h.total_nr_simulations == h.calibration_simulations + sum(int(r["simulations"]) for r in rows)


def close_to_printed(value: float, printed: str) -> bool:
    """value printed with %.6g gives `printed`, or differs from it only in the last digit's
    rounding (the C++ and numpy sums round differently in the last bits)."""
    if "%.6g" % value == printed:
        return True
    return abs(value - float(printed)) <= 1e-5 * max(abs(value), 1e-300)


def assert_posterior(h, table):
    assert sorted(table["posterior"]) == list(range(h.max_t + 1))
    for t, rows in table["posterior"].items():
        summary = h.posterior_summary(t)
        assert len(rows) == len(summary), f"generation {t}"
        for row, (_, s) in zip(rows, summary.iterrows()):
            assert row["model"] == s["model_name"] and row["parameter"] == s["parameter"]
            if row["p"] is not None:
                assert row["p"] == "%.4f" % s["p"] and int(row["particles"]) == s["particles"]
            for key in ("mean", "sd", "q05", "q50", "q95"):
                assert close_to_printed(s[key], row[key]), (t, row["parameter"], key, s[key], row[key])


def assert_header(h, header):
    assert header["seed"] == str(h.seed)
    expected = f"finished: {h.stop_reason}" if h.stop_reason else "running"
    assert header["status"].startswith(expected)
    assert header["population"] == f"{h.info['population_size']} particles"
    assert header["generations"].startswith(f"{h.n_populations} complete")


def test_single_model(gaussian_file):
    h = assert_same_as_inspect(gaussian_file)
    assert h.n_models == 1 and h.model_names() == ["gaussian_mean"]
    assert h.stop_reason == "max_generations reached" and h.finished
    assert h.parameter_names == ["theta"]
    assert h.observed_sum_stat() == {"y": 0.5}
    assert "population_size: 300" in h.config
    assert h.seed == 42
    assert h.get_failure_counts().empty
    # Stored statistics: one dict per particle, weights as get_weighted_distances'.
    w, stats = h.get_weighted_sum_stats()
    assert len(w) == len(stats) == 300 and set(stats[0]) == {"y"}
    w_m, stats_m = h.get_weighted_sum_stats_for_model(0)
    assert np.sum(w_m) == pytest.approx(1.0)


def test_model_selection(model_selection_file):
    h = assert_same_as_inspect(model_selection_file)
    assert h.n_models == 2 and h.model_names() == ["m0", "m1"]
    p = h.get_model_probabilities()
    assert list(p.columns) == [0, 1] and list(p.index) == list(range(h.max_t + 1))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    at_last = h.get_model_probabilities(h.max_t)
    assert list(at_last.columns) == ["p"]
    assert list(at_last.index) == [m for m in (0, 1) if p.loc[h.max_t, m] > 0]
    # pyABC's shape of get_distribution for the second model.
    df, w = h.get_distribution(m=1)
    assert list(df.columns) == ["x"] and len(df) == len(w)


def test_resumed_run(resumed_files):
    resumed, straight = resumed_files
    h = assert_same_as_inspect(resumed)
    assert h.resumes == 1 and h.n_populations == 4 and h.stop_reason == "max_generations reached"
    # Resume is bit-identical to an uninterrupted run: so are the reader's frames.
    s = abcsmc.load(straight)
    a, b = h.get_all_particles(), s.get_all_particles()
    assert a.equals(b)
    assert h.total_nr_simulations == s.total_nr_simulations


def test_errors(gaussian_file, tmp_path):
    h = abcsmc.load(gaussian_file)
    with pytest.raises(ValueError, match="generation 9 is not in"):
        h.get_distribution(0, 9)
    with pytest.raises(ValueError, match="model 3 is not in"):
        h.get_distribution(3)
    with pytest.raises(abcsmc.ResultsFileError, match="no such file"):
        abcsmc.load(tmp_path / "missing.h5")
    (tmp_path / "text.h5").write_text("not HDF5")
    with pytest.raises(abcsmc.ResultsFileError, match="not an HDF5 file"):
        abcsmc.load(tmp_path / "text.h5")
