"""Reads an abcsmc results file into memory in one pass.

Why in one pass: the file of a running job changes under a reader. The writer replaces the small
index atomically (rename) per generation, each generation living in its own immutable file that
the index links, so one open handle sees one consistent version. The only promise either keeps is the documented layout
plus "a generation group exists only when it is complete" (docs/results-format.md). So the reader
lists the generation groups once, reads each of them completely, closes the file and never goes
back to it: the result is a consistent snapshot whichever way the file is written.

Everything here is plain numpy and Python values; `History` (history.py) gives them pyABC's names.
"""

from __future__ import annotations

import dataclasses
import os
import re

import h5py
import numpy as np

FORMAT_NAME = "abcsmc-results"
#: The newest format_version this package reads (the C++ reader's kFormatVersion).
FORMAT_VERSION = 1

_GENERATION_NAME = re.compile(r"^t[0-9]{1,10}$")


class ResultsFileError(OSError):
    """The path is not a readable abcsmc results file (missing, a directory, not HDF5, another
    format, or a newer format_version). The message names the path and the reason."""


@dataclasses.dataclass
class Generation:
    """One complete generation, as stored (see docs/results-format.md for each field)."""

    t: int
    epsilon: float
    simulations: int
    total_simulations: int
    failed: int
    accepted: int
    acceptance_rate: float
    ess: float
    wall_seconds: float
    model_probabilities: np.ndarray
    distance_weights: np.ndarray
    next_epsilon: float
    next_distance_weights: np.ndarray
    failure_reasons: list  # [str]; empty in files written before reasons were recorded
    failure_counts: np.ndarray  # uint64, same length as failure_reasons
    first_failure: str  # the generation's first failure message in full; "" if none or unknown
    theta: np.ndarray  # (n, D): column c is parameter_names[c]; NaN where the model lacks it
    weight: np.ndarray  # (n,) normalised over the whole generation
    distance: np.ndarray
    model: np.ndarray  # (n,) int32 model index
    eval_index: np.ndarray  # (n,) uint64
    stats: np.ndarray | None  # (n, k), or None when the run did not store statistics


@dataclasses.dataclass
class Snapshot:
    """Everything in a results file at the moment it was read."""

    path: str
    format_version: int
    software_version: str
    seed: int
    created: str
    sampler: str
    scheduling: str
    batch_size: int
    workers: int
    ranks: int
    population_size: int
    stop_reason: str
    resumes: int
    config: str
    observed_names: list
    observed_values: np.ndarray
    parameter_names: list  # union over the models: the theta columns
    model_names: list
    model_prior_probabilities: np.ndarray
    model_parameter_names: list  # per model, in its prior's order
    calibration_simulations: int | None  # None: the file does not say (older files)
    calibration_failed: int | None
    calibration_failure_reasons: list
    calibration_failure_counts: np.ndarray
    calibration_first_failure: str
    generations: list  # [Generation], t ascending


def _text(value) -> str:
    """An HDF5 string (attribute or dataset element; variable or fixed length) as str."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    elif isinstance(value, np.ndarray) and value.shape == ():
        return _text(value[()])
    return str(value).rstrip("\x00")


def _texts(values) -> list:
    if isinstance(values, h5py.Empty):  # an attribute with a null dataspace
        return []
    return [_text(v) for v in np.atleast_1d(np.asarray(values, dtype=object))]


def _strings_dataset(dataset) -> list:
    return _texts(dataset[()])


def _uint(attrs, name: str, default=None):
    return int(attrs[name]) if name in attrs else default


def _floats(attrs, name: str) -> np.ndarray:
    if name not in attrs:
        return np.zeros(0)
    return np.atleast_1d(np.asarray(attrs[name], dtype=float))


def _reasons(attrs, reasons_name: str, counts_name: str):
    """Failure reasons and counts; older files have neither (treated as none)."""
    if reasons_name not in attrs or counts_name not in attrs:
        return [], np.zeros(0, dtype=np.uint64)
    reasons = _texts(attrs[reasons_name])
    raw = attrs[counts_name]
    counts = np.zeros(0, dtype=np.uint64) if isinstance(raw, h5py.Empty) else \
        np.atleast_1d(np.asarray(raw, dtype=np.uint64))
    if len(reasons) != len(counts):
        raise ValueError(
            f"attributes {reasons_name!r} and {counts_name!r} differ in length "
            f"({len(reasons)} and {len(counts)})"
        )
    return reasons, counts


def _open(path: str) -> h5py.File:
    """Opens read-only without HDF5 file locking, as the C++ writer and reader do (locks fail on
    some network file systems, and the writer never shares a file it writes)."""
    try:
        return h5py.File(path, "r", locking=False)
    except TypeError:  # h5py built against an HDF5 without the locking switch
        return h5py.File(path, "r")


def _check_path(path: str) -> None:
    if not os.path.exists(path):
        raise ResultsFileError(f"cannot open results file '{path}': no such file")
    if os.path.isdir(path):
        raise ResultsFileError(f"cannot open results file '{path}': it is a directory")
    if not os.access(path, os.R_OK):
        raise ResultsFileError(f"cannot open results file '{path}': permission denied")
    if not h5py.is_hdf5(path):
        raise ResultsFileError(f"cannot open results file '{path}': not an HDF5 file")


def _read_generation(group, n_models: int, width: int) -> Generation:
    a = group.attrs
    reasons, counts = _reasons(a, "failure_reasons", "failure_counts")
    weight = np.asarray(group["weight"][()], dtype=float)
    theta = np.asarray(group["theta"][()], dtype=float).reshape(weight.size, width)
    model = np.asarray(group["model"][()], dtype=np.int32)
    if model.size and (model.min() < 0 or model.max() >= n_models):
        raise ValueError(f"{group.name}/model has an index outside 0..{n_models - 1}")
    stats = None
    if "stats" in group:
        stats = np.asarray(group["stats"][()], dtype=float)
        stats = stats.reshape(theta.shape[0], -1)
    return Generation(
        t=int(a["t"]),
        epsilon=float(a["epsilon"]),
        simulations=int(a["simulations"]),
        total_simulations=_uint(a, "total_simulations", 0),
        failed=int(a["failed"]),
        accepted=int(a["accepted"]),
        acceptance_rate=float(a["acceptance_rate"]),
        ess=float(a["ess"]),
        wall_seconds=float(a["wall_seconds"]),
        model_probabilities=_floats(a, "model_probabilities"),
        distance_weights=_floats(a, "distance_weights"),
        next_epsilon=float(a["next_epsilon"]) if "next_epsilon" in a else float("nan"),
        next_distance_weights=_floats(a, "next_distance_weights"),
        failure_reasons=reasons,
        failure_counts=counts,
        first_failure=_text(a.get("first_failure", "")),
        theta=theta,
        weight=weight,
        distance=np.asarray(group["distance"][()], dtype=float),
        model=model,
        eval_index=np.asarray(group["eval_index"][()], dtype=np.uint64),
        stats=stats,
    )


def _generation_group(groups, name: str, path: str):
    """The group of generation `name`: stored in the file, or (while a run is going, and for
    large runs) an external link to `<file>.d/<name>.h5` next to it (docs/results-format.md).
    Other links are refused rather than followed: the file may come from anyone."""
    link = groups.get(name, getlink=True)
    if isinstance(link, h5py.ExternalLink):
        folder, _, rest = link.filename.partition("/")
        if not (folder.endswith(".d") and len(folder) > 2 and rest == f"{name}.h5"
                and link.path == f"/{name}"):
            raise ValueError(
                f"results file '{path}': '/generations/{name}' links to '{link.filename}' "
                f"object '{link.path}', not to its generation file: refused"
            )
        target = os.path.join(os.path.dirname(os.path.abspath(path)), link.filename)
        if not os.path.exists(target):
            raise ValueError(
                f"results file '{path}': '/generations/{name}' is stored in '{target}', which "
                f"is missing: keep the folder '{folder}' next to the file (copy both)"
            )
    elif not isinstance(link, h5py.HardLink):
        raise ValueError(f"results file '{path}': '/generations/{name}' is a link of a kind "
                         "abcsmc does not write: refused")
    return groups[name]


def _identity(path: str):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def read_snapshot(path) -> Snapshot:
    """Reads the whole file (see the module's docstring for why at once).

    Raises ResultsFileError when `path` is not an abcsmc results file at all, ValueError when it
    is one but a part of it is malformed.
    """
    path = os.fspath(path)
    for attempt in range(6):
        before = _identity(path)
        try:
            return _read_snapshot_once(path)
        except (ValueError, OSError):
            # A generation file vanishes under a reader only when the writer has just replaced
            # the index by rename (it packed the run, or a new run overwrote it): then the path
            # names another file, and reading it again sees the new state.
            if attempt == 5 or _identity(path) == before:
                raise


def _read_snapshot_once(path: str) -> Snapshot:
    _check_path(path)
    try:
        f = _open(path)
    except OSError as e:
        raise ResultsFileError(f"cannot open results file '{path}': {e}") from e
    with f:
        try:
            return _read_open_file(f, path)
        except KeyError as e:  # h5py: a group, dataset or attribute is missing
            raise ValueError(f"results file '{path}' is incomplete: {e}") from e


def _read_open_file(f: h5py.File, path: str) -> Snapshot:
    root = f.attrs
    if "format" not in root or _text(root["format"]) != FORMAT_NAME:
        raise ResultsFileError(
            f"cannot open results file '{path}': not an abcsmc results file "
            f'(no root attribute format = "{FORMAT_NAME}")'
        )
    version = int(root["format_version"])
    if not 1 <= version <= FORMAT_VERSION:
        raise ResultsFileError(
            f"cannot open results file '{path}': format_version {version} is not supported "
            f"(this package reads version {FORMAT_VERSION}); use a matching abcsmc release"
        )
    model_names = _strings_dataset(f["models/names"])
    parameter_names = _strings_dataset(f["parameter_names"])
    model_parameter_names = [
        _strings_dataset(f[f"models/m{m}/parameter_names"]) for m in range(len(model_names))
    ]
    cal_reasons, cal_counts = _reasons(
        root, "calibration_failure_reasons", "calibration_failure_counts"
    )
    groups = f["generations"]
    generations = [
        _read_generation(_generation_group(groups, name, path), len(model_names), len(parameter_names))
        for name in groups
        if _GENERATION_NAME.match(name)
    ]
    generations.sort(key=lambda g: g.t)
    snapshot = Snapshot(
        path=path,
        format_version=version,
        software_version=_text(root.get("software_version", "")),
        seed=int(root["seed"]),
        created=_text(root.get("created", "")),
        sampler=_text(root.get("sampler", "")),
        scheduling=_text(root.get("scheduling", "")),
        batch_size=_uint(root, "batch_size", 0),
        workers=_uint(root, "workers", 0),
        ranks=_uint(root, "ranks", 1),
        population_size=_uint(root, "population_size", 0),
        stop_reason=_text(root.get("stop_reason", "")),
        resumes=_uint(root, "resumes", 0),
        config=_text(f["config"][()]),
        observed_names=_strings_dataset(f["observed/names"]),
        observed_values=np.atleast_1d(np.asarray(f["observed/values"][()], dtype=float)),
        parameter_names=parameter_names,
        model_names=model_names,
        model_prior_probabilities=np.asarray(
            f["models/prior_probabilities"][()], dtype=float
        ),
        model_parameter_names=model_parameter_names,
        calibration_simulations=_uint(root, "calibration_simulations"),
        calibration_failed=_uint(root, "calibration_failed"),
        calibration_failure_reasons=cal_reasons,
        calibration_failure_counts=cal_counts,
        calibration_first_failure=_text(root.get("calibration_first_failure", "")),
        generations=generations,
    )
    # Files written before total_simulations existed: a running sum (calibration unknown), as the
    # C++ reader does.
    running = 0
    for g in snapshot.generations:
        running += g.simulations
        if g.total_simulations == 0:
            g.total_simulations = running
    return snapshot
