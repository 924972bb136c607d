"""Shared set-up of the Python package's tests (ctest label `python`).

ctest passes: ABCSMC (the freshly built binary), ABCSMC_SOURCE_DIR, ABCSMC_VERSION (CMake's
project version) and ABCSMC_PYTEST_TMP (a scratch directory in the build tree, where the report
screenshot stays as a CI artifact); PYTHONPATH puts the source tree's python/ first. The results
files come from small runs of the example configs, made once per session.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ABCSMC = os.environ.get("ABCSMC", "")
SOURCE_DIR = Path(os.environ.get("ABCSMC_SOURCE_DIR", Path(__file__).resolve().parents[2]))
EXAMPLES = SOURCE_DIR / "config" / "examples"


def scratch_dir() -> Path:
    path = Path(os.environ.get("ABCSMC_PYTEST_TMP", SOURCE_DIR / "build" / "tests" / "python_tmp"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def abcsmc(*args, check=True, **kwargs) -> subprocess.CompletedProcess:
    """Runs the abcsmc binary; fails the test with its output when check and it exits non-zero."""
    if not ABCSMC:
        pytest.fail("ABCSMC (the abcsmc binary) is not set: run these tests through ctest")
    result = subprocess.run([ABCSMC, *map(str, args)], capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        pytest.fail(f"abcsmc {' '.join(map(str, args))} exited {result.returncode}:\n"
                    f"{result.stdout}\n{result.stderr}")
    return result


def derived_config(example: str, directory: Path, name: str, **changes) -> Path:
    """A copy of config/examples/<example> with top-level scalar keys or stop.* keys changed
    (population_size=300, max_generations=4, ...) and extra text appended (extra="...")."""
    text = (EXAMPLES / example).read_text()
    extra = changes.pop("extra", "")
    for key, value in changes.items():
        pattern = re.compile(rf"(\b{key}:\s*)[^,}}\n]+")
        if not pattern.search(text):
            raise KeyError(f"{example} has no key {key}")
        text = pattern.sub(lambda m: f"{m.group(1)}{value}", text, count=1)
    path = directory / name
    path.write_text(text + extra)
    return path


def run(config: Path, output: Path, *args) -> Path:
    abcsmc("run", config, "-o", output, "--overwrite", "-q", *args)
    return output


SLOW_RUN = """seed: 3
population_size: 100
parameters: {{theta: {{type: normal, mean: 0, sd: 1}}}}
model:
  builtin: gaussian_mean
  options: {{n: 10, sigma: 1}}
  delay: {{type: constant, value: {delay}}}
observed: {{y: 0.5}}
epsilon: {{type: list, values: [0.8, 0.6, 0.5, 0.4, 0.35, 0.3]}}
stop: {{max_generations: {generations}}}
"""


def start_slow_run(directory: Path, output: Path, delay=0.001, generations=4) -> subprocess.Popen:
    """A run of `generations` generations of 100 particles, each simulation sleeping `delay`
    seconds (about 200 simulations per generation on 2 threads: 0.1 s per generation at the
    default), so readers see it between generations; returns the process (wait() for it)."""
    config = directory / "slow.yaml"
    config.write_text(SLOW_RUN.format(delay=delay, generations=generations))
    return subprocess.Popen([ABCSMC, "run", str(config), "-o", str(output), "--overwrite", "-q",
                             "--threads", "2"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def wait_until(predicate, timeout=60.0, step=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(step)
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}")


@pytest.fixture(scope="session")
def workdir() -> Path:
    path = scratch_dir() / "files"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def gaussian_file(workdir) -> Path:
    """B1 (config/examples/gaussian.yaml) at population 300, 4 generations."""
    config = derived_config("gaussian.yaml", workdir, "gaussian.yaml", population_size=300,
                            calibration_size=300, max_generations=4)
    return run(config, workdir / "gaussian.h5")


@pytest.fixture(scope="session")
def model_selection_file(workdir) -> Path:
    """B3 (config/examples/model_selection.yaml) at population 400, 4 generations."""
    config = derived_config("model_selection.yaml", workdir, "model_selection.yaml",
                            population_size=400, max_generations=4)
    return run(config, workdir / "model_selection.h5")


@pytest.fixture(scope="session")
def sir_file(workdir) -> Path:
    """The SIR example (two parameters, an adaptive distance, array statistics) at population
    200, 3 generations."""
    config = derived_config("sir.yaml", workdir, "sir.yaml", population_size=200,
                            max_generations=3)
    return run(config, workdir / "sir.h5")


@pytest.fixture(scope="session")
def resumed_files(workdir):
    """(resumed, uninterrupted): B3 stopped by max_generations 2, then resumed with 4; and the
    same run in one go."""
    short = derived_config("model_selection.yaml", workdir, "resume_short.yaml",
                           population_size=300, max_generations=2)
    longer = derived_config("model_selection.yaml", workdir, "resume_long.yaml",
                            population_size=300, max_generations=4)
    resumed = run(short, workdir / "resumed.h5")
    abcsmc("run", longer, "-o", resumed, "--resume", "-q")
    straight = run(longer, workdir / "straight.h5")
    return resumed, straight


def python() -> str:
    """The interpreter running these tests (Debian's /usr/bin/python3 under ctest)."""
    return sys.executable
