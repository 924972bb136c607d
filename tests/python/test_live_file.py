"""A file that a running job is still writing reads as a consistent snapshot: every snapshot
taken mid-run holds complete generations that equal inspect's, and a History never changes
after load (it does not go back to the file)."""

from __future__ import annotations

import time

import numpy as np

import abcsmc
from conftest import abcsmc as run_abcsmc
from conftest import start_slow_run, wait_until
from inspect_output import parse_csv
from test_reader_vs_inspect import assert_same_as_inspect


def test_snapshots_while_running(tmp_path):
    output = tmp_path / "live.h5"
    job = start_slow_run(tmp_path, output, delay=0.002)
    snapshots = []
    try:
        wait_until(output.exists, what="the results file")
        while job.poll() is None:
            try:
                h = abcsmc.load(output)
            except abcsmc.ResultsFileError:
                continue  # only before the first rename completes
            if not snapshots or h.n_populations != snapshots[-1][0].n_populations:
                frozen = h.get_all_particles()
                # inspect right after: it may see more generations, never other numbers.
                later = parse_csv(run_abcsmc("inspect", output, "-g", "all", "--format", "csv").stdout)
                for column in frozen.columns:
                    n = len(frozen)
                    np.testing.assert_array_equal(frozen[column].to_numpy(), later[column][:n])
                snapshots.append((h, frozen))
            time.sleep(0.01)
    finally:
        job.wait(timeout=120)
    assert job.returncode == 0, job.stderr.read()
    mid_run = [h for h, _ in snapshots if not h.finished and 0 < h.n_populations < 4]
    assert mid_run, f"no snapshot between generations (saw {[h.n_populations for h, _ in snapshots]})"
    for h in mid_run:
        assert h.stop_reason == "" and h.max_t == h.n_populations - 1
    # The snapshots are frozen: the file has moved on, their frames have not.
    for h, frozen in snapshots:
        assert h.get_all_particles().equals(frozen)
    assert mid_run[0].reload().n_populations == 4
    assert_same_as_inspect(output)
