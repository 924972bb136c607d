#!/usr/bin/env python3
"""Benchmark B1's simulator (see gaussian.yaml) as a persistent simulator: one Python process per
evaluating thread answers every simulation (config/examples/persistent_python.yaml)."""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from abcsmc_sim import serve  # noqa: E402  (python/abcsmc_sim.py, standard library only)


def simulate(theta, seed):
    rng = random.Random(seed)
    return {"y": theta["theta"] + rng.gauss(0.0, 1.0)}


if __name__ == "__main__":
    serve(simulate)
