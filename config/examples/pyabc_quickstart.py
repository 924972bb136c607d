#!/usr/bin/env python3
"""pyABC's first example (its "Parameter inference" notebook) as a persistent simulator:
y ~ Normal(mu, 0.5^2), one parameter mu. config/examples/pyabc_quickstart.yaml runs it.

In pyABC it reads

    def model(parameter):
        return {"data": parameter["mu"] + 0.5 * np.random.randn()}

Here the randomness comes from the seed abcsmc sends (the same run for any number of threads,
ranks or workers), and serve() from python/abcsmc_sim.py (standard library only) does the
talking; simulate_batch is not needed: a batch (config `batch:`) is answered one candidate at a
time, with one pipe round trip per batch.
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from abcsmc_sim import serve  # noqa: E402


def model(parameter, seed):
    return {"data": parameter["mu"] + 0.5 * random.Random(seed).gauss(0.0, 1.0)}


if __name__ == "__main__":
    serve(model)
