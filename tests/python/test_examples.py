"""The documented examples work: examples/analysis/b1_analysis.py on B1's own file (the example
config unchanged) and the R snippet examples/analysis/read_results.R (hdf5r from Debian)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import abcsmc
from conftest import EXAMPLES, SOURCE_DIR, python, run

ANALYSIS = SOURCE_DIR / "examples" / "analysis"


@pytest.fixture(scope="module")
def b1_file(workdir):
    return run(EXAMPLES / "gaussian.yaml", workdir / "b1.h5")


def test_b1_analysis_script(b1_file, tmp_path):
    out = tmp_path / "plots"
    result = subprocess.run([python(), ANALYSIS / "b1_analysis.py", b1_file, "--out", out],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "8 generations (max_t = 7)" in result.stdout
    mean = float(re.search(r"theta: mean ([-0-9.]+) \(exact 0.4545\)", result.stdout).group(1))
    assert abs(mean - 5 / 11) < 0.1
    images = sorted(p.name for p in out.iterdir())
    assert len(images) == 8 and all((out / i).stat().st_size > 2000 for i in images), images


def test_r_snippet(model_selection_file):
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.fail("Rscript with hdf5r is not installed (apt-get install r-cran-hdf5r; "
                    "scripts/install-deps.sh installs it)")
    result = subprocess.run([rscript, ANALYSIS / "read_results.R", model_selection_file],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    h = abcsmc.load(model_selection_file)
    summary = h.posterior_summary()
    for _, row in summary.iterrows():
        line = f"model {row['model_name']} parameter {row['parameter']} mean "
        match = re.search(re.escape(line) + r"(\S+) sd (\S+)", result.stdout)
        assert match, result.stdout
        assert float(match.group(1)) == pytest.approx(row["mean"], rel=1e-5)
        assert float(match.group(2)) == pytest.approx(row["sd"], rel=1e-5)
    assert result.stdout.count("\nt=") == h.n_populations
