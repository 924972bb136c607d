"""python/abcsmc_sim.py, the persistent-simulator helper (docs/persistent-protocol.md), driven
in process over byte streams: the handshake, replies (dicts, sequences, numpy), exceptions as
fail lines, batches with and without simulate_batch, and exact round trips of the numbers."""

from __future__ import annotations

import io
import math

import pytest

import abcsmc_sim

HELLO = (b"abcsmc-persistent 1\nparameters 2 a b\nstatistics 2 y 1 x 2\n"
         b"option mesh my file.dat\nfuture-key 3\nbatch 0\nend\n")


def talk(simulate, requests: bytes, **kwargs) -> list[str]:
    out = io.BytesIO()
    abcsmc_sim.serve(simulate, stdin=io.BytesIO(HELLO + requests), stdout=out, **kwargs)
    return out.getvalue().decode().splitlines()


def test_handshake_and_exact_numbers():
    seen = []

    def simulate(theta, seed):
        seen.append((theta, seed))
        return {"y": theta["a"] / 3, "x": [theta["b"], 5e-324]}

    lines = talk(simulate, b"sim 1 18446744073709551615 0.1 -1e-300\n")
    assert lines[0] == "ready 1 batch 256"  # batches are taken even without simulate_batch
    assert seen == [({"a": 0.1, "b": -1e-300}, 18446744073709551615)]
    words = lines[1].split()
    assert words[:2] == ["ok", "1"]
    assert [float(w) for w in words[2:]] == [0.1 / 3, -1e-300, 5e-324]


def test_sequences_numpy_and_non_finite():
    np = pytest.importorskip("numpy")
    lines = talk(lambda t, s: np.array([1.5, math.nan, math.inf]), b"sim 4 1 0 0\n")
    assert lines[1] == "ok 4 1.5 nan inf"
    lines = talk(lambda t, s: {"y": np.float64(2.0), "x": np.array([[1.0], [2.0]])},
                 b"sim 5 1 0 0\n")
    assert lines[1] == "ok 5 2.0 1.0 2.0"


def test_exceptions_and_wrong_shapes_fail_the_candidate_only():
    def simulate(theta, seed):
        if theta["a"] > 0:
            raise ValueError("diverged\nat t=1")
        if theta["b"] > 0:
            return [1.0, 2.0]
        return {"y": 1.0, "x": [1.0, 2.0]}

    lines = talk(simulate, b"sim 1 1 1 0\nsim 2 1 0 1\nsim 3 1 0 0\n")
    assert lines[1] == "fail 1 ValueError: diverged at t=1"
    assert lines[2] == "fail 2 ValueError: simulate returned 2 values, 3 expected"
    assert lines[3] == "ok 3 1.0 1.0 2.0"


def test_batches_in_order_with_and_without_simulate_batch():
    def simulate(theta, seed):
        return [theta["a"], seed, 0.0]

    lines = talk(simulate, b"batch 2\nsim 1 7 1 0\nsim 2 8 2 0\nsim 3 9 3 0\n", max_batch=1)
    assert lines[0] == "ready 1"
    assert lines[1:] == ["ok 1 1.0 7.0 0.0", "ok 2 2.0 8.0 0.0", "ok 3 3.0 9.0 0.0"]

    def simulate_batch(thetas, seeds):
        return [[t["a"], s, 1.0] if t["a"] < 2 else RuntimeError("no") for t, s in zip(thetas, seeds)]

    lines = talk(simulate, b"batch 2\nsim 1 7 1 0\nsim 2 8 2 0\n", simulate_batch=simulate_batch,
                 max_batch=32)
    assert lines == ["ready 1 batch 32", "ok 1 1.0 7.0 1.0", "fail 2 RuntimeError: no"]


def test_a_wrong_hello_is_refused():
    with pytest.raises(abcsmc_sim.ProtocolError):
        abcsmc_sim.serve(lambda t, s: [], stdin=io.BytesIO(b"abcsmc-persistent 2\nend\n"),
                         stdout=io.BytesIO())
