"""The report page (`abcsmc report`): self-contained, every image loads in headless Chromium,
the tables are there; the C++ CLI hands over to the package and explains missing pieces;
--watch follows a running job with atomic replaces and stops reloading when the run ends."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

import abcsmc
from abcsmc.report import watch, write_report
from browser import dump_dom, images_loaded, screenshot
from conftest import abcsmc as run_abcsmc
from conftest import derived_config, run, scratch_dir, start_slow_run, wait_until


def assert_page(dom: str, history, min_images: int):
    counted = images_loaded(dom)
    assert counted is not None, "the page's image check did not run"
    loaded, total = counted
    assert total == dom.count("<img ") and total >= min_images, counted
    assert loaded == total, f"only {loaded} of {total} images loaded"
    assert 'class="figure-error"' not in dom
    table = re.search(r'<table id="generation-table">.*?<tbody>(.*?)</tbody>', dom, re.S)
    assert table, "no per-generation table"
    assert table.group(1).count("<tr>") == history.n_populations
    assert 'id="posterior-table"' in dom and 'id="config"' in dom and 'id="stop-reason"' in dom
    # Self-contained: nothing is fetched from anywhere.
    assert not re.search(r'(src|href)="(?!data:)', dom)


def test_report_opens_in_chromium(sir_file, model_selection_file):
    out = scratch_dir()
    for name, path, min_images in (("report", sir_file, 9), ("report_selection", model_selection_file, 7)):
        page = out / f"{name}.html"
        h = write_report(path, page)
        html = page.read_text()
        assert 'http-equiv="refresh"' not in html  # only --watch pages reload
        assert_page(dump_dom(page), h, min_images)
        if name == "report":
            assert "No simulation failed." in html
            screenshot(page, out / "report.png")  # kept as the CI artifact
            assert (out / "report.png").stat().st_size > 10000


def test_failures_by_reason_shown(gaussian_file, tmp_path):
    """Files with per-reason failure counts (attributes failure_reasons/failure_counts and the
    calibration_* root attributes): the reader exposes them, the page lists them. Added here
    with h5py so the test does not depend on a model that fails."""
    import h5py
    import numpy as np

    path = tmp_path / "failures.h5"
    path.write_bytes(gaussian_file.read_bytes())
    strings = h5py.string_dtype("utf-8")
    with h5py.File(path, "r+") as f:
        f.attrs.create("calibration_simulations", 300, dtype="u8")
        f.attrs.create("calibration_failed", 2, dtype="u8")
        f.attrs.create("calibration_failure_reasons", ["timed out after 5 s"], dtype=strings)
        f.attrs.create("calibration_failure_counts", [2], dtype="u8")
        f.attrs.create("calibration_first_failure", "sim.sh timed out after 5 s (theta=1.5)", dtype=strings)
        g = f["generations/t0001"]
        g.attrs.create("failure_reasons", ['exit status 1 "diverged"', "timed out after 5 s"], dtype=strings)
        g.attrs.create("failure_counts", np.array([3, 1], dtype="u8"))
    h = abcsmc.load(path)
    counts = h.get_failure_counts()
    assert counts.values.tolist() == [[-1, "timed out after 5 s", 2], [1, 'exit status 1 "diverged"', 3],
                                      [1, "timed out after 5 s", 1]]
    assert h.get_all_populations()["failed"].iloc[0] == 2
    assert h.get_first_failures()["message"].tolist() == ["sim.sh timed out after 5 s (theta=1.5)"]
    page = tmp_path / "failures.html"
    write_report(path, page)
    html = page.read_text()
    assert 'id="failure-table"' in html and "diverged" in html and "calibration: 2, t=1: 1" in html
    assert "(theta=1.5)" in html


def test_cli_delegates_to_the_package(gaussian_file, tmp_path):
    # Without -o the page is FILE with .html: use a copy (the fixture's directory is shared).
    copy = tmp_path / "copy.h5"
    copy.write_bytes(gaussian_file.read_bytes())
    result = run_abcsmc("report", copy)
    assert "wrote" in result.stdout
    assert (tmp_path / "copy.html").read_text().startswith("<!DOCTYPE html>")
    help_text = run_abcsmc("report", "--help").stdout
    assert "python3-matplotlib" in help_text and "ABCSMC_PYTHON" in help_text


def test_cli_usage_errors(tmp_path):
    missing = run_abcsmc("report", tmp_path / "missing.h5", "-o", tmp_path / "x.html", check=False)
    assert missing.returncode == 2 and "missing.h5" in missing.stderr and "no such file" in missing.stderr
    (tmp_path / "text.h5").write_text("not HDF5")
    wrong = run_abcsmc("report", tmp_path / "text.h5", check=False)
    assert wrong.returncode == 2 and "not an HDF5 file" in wrong.stderr


def test_cli_without_python_dependencies(gaussian_file, tmp_path):
    """An interpreter without the packages: a clear message naming what is missing, exit 1."""
    venv = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    env = dict(os.environ, ABCSMC_PYTHON=str(venv / "bin" / "python3"))
    bare = run_abcsmc("report", gaussian_file, "-o", tmp_path / "x.html", check=False, env=env)
    assert bare.returncode == 1, bare.stderr
    assert "lacks" in bare.stderr and "h5py" in bare.stderr and "apt-get install" in bare.stderr
    env["ABCSMC_PYTHON"] = str(tmp_path / "no-such-python")
    none = run_abcsmc("report", gaussian_file, "-o", tmp_path / "x.html", check=False, env=env)
    assert none.returncode == 1 and "not found" in none.stderr
    assert not (tmp_path / "x.html").exists()


def pages_of(watcher, page, until=None):
    """Polls `page` while `watcher` runs: [(state, reloads)] each time the page changes state
    (the generation count, waiting, none yet); `until(state)` may act on each new state."""
    seen = []
    wait_until(page.exists, what="the first page")
    while watcher.poll() is None:
        html = page.read_text()  # always a whole page: it is replaced atomically
        assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
        state = re.search(r'(\d+) complete|id="waiting"|id="no-generation"', html).group(0)
        current = (state, 'http-equiv="refresh"' in html)
        if not seen or seen[-1] != current:
            seen.append(current)
            if until is not None:
                until(state)
        time.sleep(0.02)
    return seen


def start_watcher(results, page):
    return subprocess.Popen([run_abcsmc.__globals__["ABCSMC"], "report", str(results), "-o",
                             str(page), "--watch", "--interval", "0.1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_watch_follows_a_running_job(tmp_path):
    """A real run: the page reloads itself while the run goes on and stops when it ends."""
    results, page = tmp_path / "live.h5", tmp_path / "live.html"
    watcher = start_watcher(results, page)  # before the job, as beside a queued cluster job
    job = None
    try:
        wait_until(page.exists, what="the waiting page")
        job = start_slow_run(tmp_path, results, delay=0.006, generations=4)
        seen = pages_of(watcher, page)
    finally:
        if job is not None:
            job.wait(timeout=120)
        if watcher.poll() is None:
            watcher.kill()
        watcher.wait(timeout=60)
    assert job.returncode == 0 and watcher.returncode == 0, watcher.stderr.read()
    assert seen[0] == ('id="waiting"', True), seen
    assert len(seen) >= 2 and all(reloads for _, reloads in seen[:-1]), seen
    assert seen[-1] == ("4 complete", False), seen  # the final page no longer reloads
    assert "finished: max_generations reached" in page.read_text()
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_watch_rewrites_each_generation(gaussian_file, tmp_path):
    """Generation by generation, independent of timing: the test itself plays the writer,
    renaming truncated copies of a finished file over the watched path."""
    import h5py

    stages = []
    for n in (1, 2, 4):
        stage = tmp_path / f"stage{n}.h5"
        stage.write_bytes(gaussian_file.read_bytes())
        with h5py.File(stage, "r+") as f:
            for t in range(n, 4):
                del f[f"generations/t{t:04d}"]
            if n < 4:
                f.attrs["stop_reason"] = ""
        stages.append(stage)
    results, page = tmp_path / "run.h5", tmp_path / "run.html"
    os.replace(stages[0], results)
    watcher = start_watcher(results, page)
    following = {"1 complete": stages[1], "2 complete": stages[2]}

    def next_generation(state):
        if state in following:
            os.replace(following.pop(state), results)

    try:
        seen = pages_of(watcher, page, next_generation)
    finally:
        if watcher.poll() is None:
            watcher.kill()
        watcher.wait(timeout=60)
    assert watcher.returncode == 0, watcher.stderr.read()
    assert seen == [("1 complete", True), ("2 complete", True), ("4 complete", False)], seen


def test_watch_waits_for_a_queued_job(tmp_path):
    page = tmp_path / "queued.html"
    assert watch(tmp_path / "not-yet.h5", page, interval=0.01, max_cycles=2) == 0
    html = page.read_text()
    assert 'id="waiting"' in html and 'http-equiv="refresh"' in html


def test_watch_refuses_a_file_that_is_not_results(tmp_path):
    (tmp_path / "text.h5").write_text("not HDF5")
    with pytest.raises(abcsmc.ResultsFileError):
        watch(tmp_path / "text.h5", tmp_path / "x.html", interval=0.01, max_cycles=2)


def test_page_before_the_first_generation(gaussian_file, tmp_path):
    """A run still in generation 0: the page shows the run and says no generation is complete."""
    import h5py

    path = tmp_path / "starting.h5"
    path.write_bytes(gaussian_file.read_bytes())
    with h5py.File(path, "r+") as f:
        for name in list(f["generations"]):
            del f["generations"][name]
        f.attrs["stop_reason"] = ""
    h = abcsmc.load(path)
    assert (h.max_t, h.n_populations, h.finished) == (-1, 0, False)
    assert h.get_all_populations()["t"].tolist() == [-1]
    assert h.get_all_particles().empty
    with pytest.raises(ValueError, match="no complete generation yet"):
        h.get_distribution()
    page = tmp_path / "starting.html"
    write_report(path, page)
    html = page.read_text()
    assert 'id="no-generation"' in html and "<img" not in html and "running" in html


def test_adaptive_population_size_shown(tmp_path):
    """An adaptive population size: the page gives the range of sizes; the reader's counts are
    each generation's; a file from before next_population_size existed still reads."""
    import h5py

    config = derived_config("gaussian.yaml", tmp_path, "adaptive.yaml",
                            population_size="{start: 100, mean_cv: 0.1, min: 20, max: 500}",
                            max_generations=3)
    path = run(config, tmp_path / "adaptive.h5")
    h = abcsmc.load(path)
    sizes = list(h.get_nr_particles_per_population())[1:]
    assert sizes[0] == 100 and len(set(sizes)) > 1
    page = tmp_path / "adaptive.html"
    write_report(path, page)
    assert f"{min(sizes)} to {max(sizes)} particles per generation (adaptive; 100 at first)" in page.read_text()
    with h5py.File(path, "r+") as f:
        for g in f["generations"].values():
            assert g.attrs["next_population_size"] >= 20
            del g.attrs["next_population_size"]
    table = run_abcsmc("inspect", path).stdout
    assert "particles per generation (adaptive; 100 at first)" in table
