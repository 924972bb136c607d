"""Parses `abcsmc inspect` output, so tests can hold the Python reader's numbers against it."""

from __future__ import annotations

import csv
import io
import re

import numpy as np


def parse_csv(text: str) -> dict:
    """inspect --format csv (or --generation all): {column: np.ndarray}; empty cells are NaN.
    Numbers are printed with 17 significant digits, so they parse back to the same doubles."""
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    out = {}
    for c, name in enumerate(header):
        cells = [r[c] for r in body]
        if name in ("t", "model", "eval_index"):
            out[name] = np.array([int(v) for v in cells], dtype=np.int64)
        else:
            out[name] = np.array([float(v) if v else np.nan for v in cells])
    return out


def parse_table(text: str) -> dict:
    """inspect's table (with --generation all: a posterior per generation) as
    {"header": {key: value}, "generations": [{column: text}], "posterior": {t: [row]}} where a
    posterior row is {model, p, particles, parameter, mean, sd, q05, q50, q95} (numbers as the
    text printed)."""
    lines = text.splitlines()
    header, i = {}, 0
    last_key = None
    while i < len(lines) and lines[i].strip():
        key, value = lines[i][:14].strip(), lines[i][14:].strip()
        if key:
            header[key] = value
            last_key = key
        else:  # a continuation (further models)
            header[last_key] += "\n" + value
        i += 1
    generations, posterior = [], {}
    columns = None
    t = model = None
    for line in lines[i:]:
        if not line.strip():
            columns = None
            continue
        m = re.match(r"Posterior at generation (\d+) ", line)
        if m:
            t = int(m.group(1))
            posterior[t] = []
            continue
        m = re.match(r"model (\S+)(?: \(p = ([0-9.]+), (\d+) particles\))?$", line)
        if m and t is not None:
            model = {"model": m.group(1), "p": m.group(2), "particles": m.group(3)}
            continue
        fields = line.split()
        if fields[0] in ("t", "parameter"):
            columns = fields
            continue
        if columns is None:
            continue
        if columns[0] == "t":
            generations.append(dict(zip(columns, fields)))
        else:
            row = dict(model)
            row.update(zip(["parameter", "mean", "sd", "q05", "q50", "q95"], fields))
            posterior[t].append(row)
    return {"header": header, "generations": generations, "posterior": posterior}
