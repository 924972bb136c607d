#!/usr/bin/python3
"""A small numpy ODE simulator, shared by abcsmc and pyABC (benchmarks/persistent_vs_pyabc.sh).

Logistic growth dN/dt = r N (1 - N / K), N(0) = N0, integrated with a fixed-step classical
Runge-Kutta (RK4) in numpy, observed at T_OBS (20 points) with Gaussian noise of sd SIGMA drawn
from numpy.random.default_rng(seed). Parameters: r (growth rate) and K (capacity).

- abcsmc runs it as a persistent simulator: `python3 ode_sim.py` (serve() answers the protocol
  of docs/persistent-protocol.md; abcsmc sends theta and a 64-bit seed per simulation, or
  batches of them with the config's `batch:`, answered by the vectorised simulate_batch).
- pyABC imports it and calls the same simulate() from its model(parameters), with a seed drawn
  from numpy's global generator (which pyABC's samplers reseed per worker process).

`python3 ode_sim.py --observed` prints the observed data (TRUE_THETA, OBSERVED_SEED) as JSON.
"""

import os
import sys

import numpy as np

N0 = 1.0
SIGMA = 0.5
T_END = 10.0
N_OBS = 20
SUBSTEPS = 2                      # RK4 steps between observations (h = 0.25)
T_OBS = np.linspace(T_END / N_OBS, T_END, N_OBS)
TRUE_THETA = {"r": 0.8, "K": 10.0}
OBSERVED_SEED = 20261201
PRIORS = {"r": (0.1, 2.0), "K": (2.0, 20.0)}   # uniform [low, high] on both sides


def _rhs(n, r, k):
    return r * n * (1.0 - n / k)


def solve(r, k):
    """N at T_OBS: fixed-step RK4 on a grid of N_OBS * SUBSTEPS steps (numpy arrays)."""
    return solve_many(np.array([r]), np.array([k]))[0]


def solve_many(r, k):
    """solve() for arrays of r and K at once: the same operations element by element, so each
    row has the bits solve() gives for that candidate alone."""
    h = (T_END / N_OBS) / SUBSTEPS
    n = np.full(r.shape, N0)
    out = np.empty((r.size, N_OBS))
    for i in range(N_OBS):
        for _ in range(SUBSTEPS):
            k1 = _rhs(n, r, k)
            k2 = _rhs(n + 0.5 * h * k1, r, k)
            k3 = _rhs(n + 0.5 * h * k2, r, k)
            k4 = _rhs(n + h * k3, r, k)
            n = n + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        out[:, i] = n
    return out


def simulate_batch(thetas, seeds):
    """simulate() for a batch (abcsmc's `batch:`): one vectorised RK4 for all candidates, then
    each candidate's noise from its own seed. Equal to simulate() candidate by candidate."""
    y = solve_many(np.array([t["r"] for t in thetas]), np.array([t["K"] for t in thetas]))
    return [{"y": y[j] + np.random.default_rng(s).normal(0.0, SIGMA, N_OBS)}
            for j, s in enumerate(seeds)]


def simulate(theta, seed):
    """theta: {"r": float, "K": float}; seed: int. Returns {"y": array of N_OBS}."""
    rng = np.random.default_rng(seed)
    y = solve(theta["r"], theta["K"])
    return {"y": y + rng.normal(0.0, SIGMA, N_OBS)}


def observed():
    return simulate(TRUE_THETA, OBSERVED_SEED)


if __name__ == "__main__":
    if sys.argv[1:] == ["--observed"]:
        import json
        print(json.dumps({"y": observed()["y"].tolist()}))
        sys.exit(0)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
    from abcsmc_sim import serve
    serve(simulate, simulate_batch=simulate_batch)
