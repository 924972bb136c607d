"""One version: the package's equals the C++ project's (CMakeLists.txt), which `abcsmc
--version` prints; and the package installs with pip from the source tree, offline."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

import abcsmc
from conftest import SOURCE_DIR, abcsmc as run_abcsmc, python


def test_version_matches_the_project():
    expected = os.environ.get("ABCSMC_VERSION")
    if not expected:
        pytest.fail("ABCSMC_VERSION (CMake's PROJECT_VERSION) is not set: run through ctest")
    assert abcsmc.__version__ == expected
    assert run_abcsmc("--version").stdout.strip() == f"abcsmc {expected}"
    pyproject = (SOURCE_DIR / "python" / "pyproject.toml").read_text()
    assert 'version = {attr = "abcsmc._version.__version__"}' in pyproject


def test_pip_installs_from_the_source_tree(tmp_path):
    # A copy, so the build leaves nothing (build/, *.egg-info) in the source tree.
    source = tmp_path / "src"
    shutil.copytree(SOURCE_DIR / "python", source,
                    ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    target = tmp_path / "target"
    result = subprocess.run([python(), "-m", "pip", "install", "--quiet", "--no-build-isolation",
                             "--no-deps", "--no-index", "--target", target, source],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    env = dict(os.environ, PYTHONPATH=str(target))
    probe = subprocess.run([python(), "-c", "import abcsmc, abcsmc.visualization, abcsmc.report; "
                            "print(abcsmc.__version__, abcsmc.__file__)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
    assert probe.returncode == 0, probe.stderr
    version, where = probe.stdout.split()
    assert version == abcsmc.__version__ and where.startswith(str(target))
    assert (target / "bin" / "abcsmc-report").exists()
