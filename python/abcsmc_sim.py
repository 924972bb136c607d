"""Serve a Python simulator to abcsmc as a persistent simulator (docs/persistent-protocol.md).

Standard library only: copy this file next to your simulator, or put python/ on PYTHONPATH.

    # sim.py
    import random
    from abcsmc_sim import serve

    def simulate(theta, seed):           # theta: {"mu": 0.3, ...}, seed: int (64 bits)
        rng = random.Random(seed)        # or numpy.random.default_rng(seed)
        return {"y": theta["mu"] + rng.gauss(0.0, 1.0)}

    if __name__ == "__main__":
        serve(simulate)

and in the config:

    model: {persistent: [python3, sim.py], statistics: [y]}

simulate returns a dict (statistic name -> number or sequence; numpy arrays work) or a flat
sequence in the order of `statistics`. An exception fails that candidate only (its type and
message become the failure reason; the traceback goes to stderr) and the process stays. Results
must depend only on theta and the seed, so that runs are reproducible.

While serve() runs, anything printed (print, a C library's printf) goes to stderr: stdout is
the protocol channel.
"""

import math
import os
import sys
import traceback

PROTOCOL_VERSION = 1
__all__ = ["serve", "Hello", "PROTOCOL_VERSION"]


class ProtocolError(RuntimeError):
    """abcsmc sent something this helper does not understand."""


class Hello:
    """What abcsmc announced: parameter names (theta order), statistics [(name, size)], options
    {key: text} and the largest batch it may send (0: none)."""

    def __init__(self):
        self.parameters = []
        self.statistics = []
        self.options = {}
        self.max_batch = 0

    @property
    def n_stats(self):
        return sum(size for _, size in self.statistics)


def _read_hello(inp):
    first = inp.readline()
    if not first:
        raise ProtocolError("no hello: stdin closed at once")
    words = first.split()
    if len(words) != 2 or words[0] != b"abcsmc-persistent":
        raise ProtocolError("not an abcsmc hello: %r" % first[:80])
    if int(words[1]) != PROTOCOL_VERSION:
        raise ProtocolError("abcsmc speaks protocol version %s, this helper %d"
                            % (words[1].decode(), PROTOCOL_VERSION))
    hello = Hello()
    while True:
        line = inp.readline()
        if not line:
            raise ProtocolError("stdin closed inside the hello")
        words = line.decode("utf-8", "replace").split()
        if not words:
            continue
        key = words[0]
        if key == "end":
            return hello
        if key == "parameters":
            hello.parameters = words[2:]
        elif key == "statistics":
            rest = words[2:]
            hello.statistics = [(rest[i], int(rest[i + 1])) for i in range(0, len(rest), 2)]
        elif key == "option":
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            _, _, after = text.partition(" ")
            name, _, value = after.partition(" ")
            hello.options[name] = value
        elif key == "batch":
            hello.max_batch = int(words[1])
        # Other lines are for later protocol versions: ignored, as the protocol says.


def _flatten(value, out):
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        for v in value:
            _flatten(v, out)
    else:
        out.append(float(value))


def _statistics(result, hello):
    values = []
    if isinstance(result, dict):
        for name, size in hello.statistics:
            if name not in result:
                raise KeyError("simulate returned no statistic %r" % name)
            part = []
            _flatten(result[name], part)
            if len(part) != size:
                raise ValueError("statistic %r has %d values, %d expected" % (name, len(part), size))
            values.extend(part)
    else:
        _flatten(result, values)
        if len(values) != hello.n_stats:
            raise ValueError("simulate returned %d values, %d expected" % (len(values), hello.n_stats))
    return values


def _one_line(text):
    return " ".join(str(text).split())[:4000]


def _reply(sim_id, result, hello):
    """One reply line (bytes) for a result or an exception."""
    if isinstance(result, BaseException):
        return ("fail %s %s: %s\n" % (sim_id, type(result).__name__, _one_line(result))).encode()
    try:
        values = _statistics(result, hello)
    except Exception as e:  # a wrong shape: this candidate fails, the process stays
        return ("fail %s %s: %s\n" % (sim_id, type(e).__name__, _one_line(e))).encode()
    # repr(float) is the shortest text that reads back to the same double ('nan', 'inf').
    return ("ok %s %s\n" % (sim_id, " ".join(map(repr, values)))).encode()


def _parse_request(line, hello):
    words = line.split()
    if len(words) != 3 + len(hello.parameters) or words[0] != b"sim":
        raise ProtocolError("not a request: %r" % line[:80])
    theta = {name: float(w) for name, w in zip(hello.parameters, words[3:])}
    return words[1].decode(), int(words[2]), theta


def _call(simulate, theta, seed):
    try:
        return simulate(theta, seed)
    except Exception as e:
        traceback.print_exc(file=sys.stderr)
        return e


def serve(simulate, simulate_batch=None, max_batch=256, stdin=None, stdout=None):
    """Answer abcsmc's requests until it closes stdin.

    simulate(theta: dict, seed: int) -> dict | sequence, called once per candidate.
    simulate_batch(thetas: list[dict], seeds: list[int]) -> list of results (optional): used
    when abcsmc sends batches (config `batch:`); results may be exceptions to fail single
    candidates, and an exception it raises fails the whole batch. Results must equal
    simulate's for the same theta and seed, so that runs do not depend on batching.
    max_batch: the largest batch this process takes (it says so in its ready line).
    """
    if stdout is None:
        # Keep the real stdout for the protocol and send everything else written to fd 1
        # (print, C extensions) to stderr, where it cannot break the framing.
        sys.stdout.flush()
        out = os.fdopen(os.dup(1), "wb")
        os.dup2(2, 1)
        sys.stdout = sys.stderr
    else:
        out = stdout
    inp = stdin if stdin is not None else sys.stdin.buffer
    hello = _read_hello(inp)
    # Batches (config `batch:`) are taken with or without simulate_batch: without it, each
    # candidate of a batch is still simulated alone, and the batch saves pipe round trips.
    ready = "ready %d" % PROTOCOL_VERSION
    if max_batch > 1:
        ready += " batch %d" % max_batch
    out.write((ready + "\n").encode())
    out.flush()
    while True:
        line = inp.readline()
        if not line:
            return  # abcsmc closed stdin: the run is over
        if line.startswith(b"batch"):
            k = int(line.split()[1])
            requests = [_parse_request(inp.readline(), hello) for _ in range(k)]
            if simulate_batch is not None:
                try:
                    results = list(simulate_batch([r[2] for r in requests], [r[1] for r in requests]))
                    if len(results) != k:
                        raise ValueError("simulate_batch returned %d results for %d candidates"
                                         % (len(results), k))
                except Exception as e:
                    traceback.print_exc(file=sys.stderr)
                    results = [e] * k
            else:
                results = [_call(simulate, theta, seed) for _, seed, theta in requests]
            out.write(b"".join(_reply(r[0], res, hello) for r, res in zip(requests, results)))
        else:
            sim_id, seed, theta = _parse_request(line, hello)
            out.write(_reply(sim_id, _call(simulate, theta, seed), hello))
        out.flush()


if __name__ == "__main__":
    sys.exit("abcsmc_sim is a module: call abcsmc_sim.serve(simulate) from your simulator")
