"""`History`: an abcsmc results file under pyABC's `pyabc.History` names.

A pyABC user's analysis code calls `history.get_distribution(m, t)`, `history.max_t`,
`pyabc.visualization.plot_kde_1d_highlevel(history, ...)` and so on. The same calls work on an
abcsmc file: `abcsmc.load("run.h5")` returns a History with those names and return shapes, plus
what pyABC has no name for (the config, the seed, the stop reason, failure counts, distance
weights, the particles as `inspect --format csv` prints them).

Differences from pyABC are stated in each method's docstring. The general ones:

- The object is a snapshot: the file is read completely by `load` and never touched again, so a
  file that a running job is still writing gives a consistent view of its complete generations.
  Call `reload()` (or `load` again) to see newer generations.
- `t = -1` is pyABC's "pre-population" (calibration); abcsmc stores no particles for it, only
  the number of calibration simulations (and their failures), which appear in
  `get_all_populations()` and `get_failure_counts()` as t = -1.
- Not offered, having no counterpart in abcsmc: get_population and get_population_extended
  (pyABC's Population objects: get_particles gives a generation as one DataFrame), get_abc,
  get_population_strategy, get_ground_truth_parameter, the database ids.
- Parameters are DataFrame columns named as in the config; summary statistics are flat names as
  in `/observed/names` (an array statistic `x` of length 3 is `x[0]`, `x[1]`, `x[2]`), where
  pyABC keeps the user's dict of arrays.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from ._snapshot import Generation, read_snapshot
from .weighted import weighted_mean, weighted_quantile, weighted_std


def load(path) -> "History":
    """Reads the results file `path` (also while a run is writing it) into a History.

    Raises abcsmc.ResultsFileError when `path` is missing or not an abcsmc results file.
    """
    return History(path)


class History:
    """One abcsmc results file, read at once (a consistent snapshot); see the module docstring."""

    #: pyABC's index of the calibration ("pre-") population.
    PRE_TIME = -1

    def __init__(self, path):
        self._s = read_snapshot(path)
        self._by_t = {g.t: g for g in self._s.generations}
        self._column = {name: c for c, name in enumerate(self._s.parameter_names)}

    def reload(self) -> "History":
        """A new snapshot of the same file (a running job may have added generations)."""
        return History(self._s.path)

    def __repr__(self) -> str:
        status = self._s.stop_reason or "running"
        return f"<abcsmc.History '{self._s.path}': {self.n_populations} generations, {status}>"

    # --- the run ---------------------------------------------------------------------------

    @property
    def path(self) -> str:
        return self._s.path

    @property
    def config(self) -> str:
        """The resolved YAML config the run used (defaults filled in, seed resolved): the text of
        `/config`. Parse it with a YAML library if you need values (PyYAML: python3-yaml)."""
        return self._s.config

    @property
    def seed(self) -> int:
        return self._s.seed

    @property
    def stop_reason(self) -> str:
        """Why the run stopped (e.g. "max_generations reached", "stop requested"); "" while the
        run is going, and also after a crash or kill -9 (the file cannot tell these apart)."""
        return self._s.stop_reason

    @property
    def finished(self) -> bool:
        """True once the run recorded a stop reason. An early stop (exit 3) counts: `abcsmc run
        --resume` may continue it, which clears the reason again."""
        return bool(self._s.stop_reason)

    @property
    def resumes(self) -> int:
        """How often `abcsmc run --resume` continued this run."""
        return self._s.resumes

    @property
    def info(self) -> dict:
        """The root attributes: software version, created time, sampler, scheduling, batch size,
        workers, ranks, population size, format version."""
        s = self._s
        return {
            "format_version": s.format_version,
            "software_version": s.software_version,
            "created": s.created,
            "sampler": s.sampler,
            "scheduling": s.scheduling,
            "batch_size": s.batch_size,
            "workers": s.workers,
            "ranks": s.ranks,
            "population_size": s.population_size,
            "seed": s.seed,
            "stop_reason": s.stop_reason,
            "resumes": s.resumes,
        }

    @property
    def parameter_names(self) -> list:
        """The union of all models' parameter names, each once (the theta columns of the file)."""
        return list(self._s.parameter_names)

    def model_parameter_names(self, m: int = 0) -> list:
        """Model m's parameter names, in its prior's order (the columns of get_distribution)."""
        return list(self._s.model_parameter_names[self._model(m)])

    @property
    def n_models(self) -> int:
        return len(self._s.model_names)

    @property
    def model_prior_probabilities(self) -> np.ndarray:
        return self._s.model_prior_probabilities.copy()

    def model_names(self, t: int = PRE_TIME) -> list:
        """Names of the models alive at generation t; at t = -1 (the default, as in pyABC) every
        model of the run."""
        if t == self.PRE_TIME:
            return list(self._s.model_names)
        return [self._s.model_names[m] for m in self.alive_models(t)]

    def observed_sum_stat(self) -> dict:
        """The observed summary statistics, {name: value}, with flat names ("x[0]", ...) where
        pyABC returns the user's dict (possibly of arrays)."""
        return dict(zip(self._s.observed_names, self._s.observed_values.tolist()))

    @property
    def sum_stat_names(self) -> list:
        """Flat names of the summary statistics, in the order of `stats` and distance weights."""
        return list(self._s.observed_names)

    @property
    def has_sum_stats(self) -> bool:
        """Whether the run stored the particles' summary statistics (output.store_stats)."""
        return any(g.stats is not None for g in self._s.generations)

    # --- generations -----------------------------------------------------------------------

    @property
    def max_t(self) -> int:
        """The last complete generation; -1 while none is (pyABC's value when only the
        pre-population exists)."""
        return self._s.generations[-1].t if self._s.generations else self.PRE_TIME

    @property
    def n_populations(self) -> int:
        """Number of complete generations in the file (max_t + 1)."""
        return len(self._s.generations)

    @property
    def total_nr_simulations(self) -> int:
        """Simulations of the whole run so far, calibration included (as pyABC's count, which
        includes its pre-population's samples; and what stop.max_simulations counts)."""
        if self._s.generations:
            return self._s.generations[-1].total_simulations
        return self._s.calibration_simulations or 0

    @property
    def calibration_simulations(self) -> int:
        """Simulations spent on the calibration sample (the initial epsilon): the root attribute
        `calibration_simulations` or, in files without it, what generation 0's
        total_simulations - simulations implies."""
        if self._s.calibration_simulations is not None:
            return self._s.calibration_simulations
        if self._s.generations:
            g = self._s.generations[0]
            return max(g.total_simulations - g.simulations, 0)
        return 0

    def generation(self, t: int | None = None) -> Generation:
        """The stored record of generation t (default: the last): its attributes and arrays as
        they are in the file (see docs/results-format.md)."""
        return self._generation(t)

    def get_all_populations(self) -> pd.DataFrame:
        """One row per population, as pyABC: columns t, population_end_time, samples, epsilon,
        particles; the first row is t = -1, the calibration (samples = calibration simulations,
        epsilon = inf, particles = 0: abcsmc keeps no calibration particles, pyABC counts 1).

        abcsmc records no end time per generation, so population_end_time is NaT; it adds the
        columns failed, acceptance_rate, ess, wall_seconds and total_simulations.
        """
        rows = [
            {
                "t": self.PRE_TIME,
                "population_end_time": pd.NaT,
                "samples": self.calibration_simulations,
                "epsilon": float("inf"),
                "particles": 0,
                "failed": self._s.calibration_failed or 0,
                "acceptance_rate": float("nan"),
                "ess": float("nan"),
                "wall_seconds": float("nan"),
                "total_simulations": self.calibration_simulations,
            }
        ]
        for g in self._s.generations:
            rows.append(
                {
                    "t": g.t,
                    "population_end_time": pd.NaT,
                    "samples": g.simulations,
                    "epsilon": g.epsilon,
                    "particles": g.accepted,
                    "failed": g.failed,
                    "acceptance_rate": g.acceptance_rate,
                    "ess": g.ess,
                    "wall_seconds": g.wall_seconds,
                    "total_simulations": g.total_simulations,
                }
            )
        df = pd.DataFrame(rows)
        df["population_end_time"] = pd.to_datetime(df["population_end_time"])
        return df

    def get_nr_particles_per_population(self) -> pd.Series:
        """Particles per population, indexed by t, starting with t = -1 (0 particles: see
        get_all_populations) as pyABC's does, so code that drops the first entry still works."""
        index = [self.PRE_TIME] + [g.t for g in self._s.generations]
        values = [0] + [g.accepted for g in self._s.generations]
        return pd.Series(values, index=pd.Index(index, name="t"), name="particles")

    def get_distribution(self, m: int = 0, t: int | None = None):
        """Model m's weighted sample at generation t (default: the last) as (DataFrame, weights).

        The DataFrame has one column per parameter of model m (its prior's order) and is
        indexed by the particles' evaluation indices; the weights (np.ndarray, same order) are
        renormalised to sum 1 within the model, as in pyABC. A model without particles at t
        gives an empty DataFrame and weights.
        """
        g = self._generation(t)
        m = self._model(m)
        rows = g.model == m
        names = self._s.model_parameter_names[m]
        columns = [self._column[name] for name in names]
        values = g.theta[np.ix_(rows, columns)] if columns else np.zeros((rows.sum(), 0))
        df = pd.DataFrame(
            values, columns=pd.Index(names, name="name"),
            index=pd.Index(g.eval_index[rows], name="eval_index"),
        )
        w = g.weight[rows]
        total = w.sum()
        return df, (w / total if total > 0 else w.copy())

    def get_weighted_distances(self, t: int | None = None) -> pd.DataFrame:
        """The distances of generation t's particles, columns "distance" and "w". As in pyABC,
        w is the particle's weight times its model's probability: the weight stored in the file
        (normalised over the whole generation)."""
        g = self._generation(t)
        return pd.DataFrame({"distance": g.distance.copy(), "w": g.weight.copy()})

    def get_weighted_sum_stats(self, t: int | None = None):
        """(weights, sum_stats) of generation t, as in pyABC: a list of weights (times the model
        probabilities, i.e. the stored weights) and a list of {statistic name: value} dicts, one
        per particle, with flat names ("x[0]", ...). Raises ValueError when the run did not store
        statistics (pyABC always does; abcsmc only with output.store_stats)."""
        g = self._generation(t)
        stats = self._stats(g)
        return g.weight.tolist(), [self._stats_dict(row) for row in stats]

    def get_weighted_sum_stats_for_model(self, m: int = 0, t: int | None = None):
        """(weights, sum_stats) of model m's particles at generation t; the weights are
        renormalised within the model (they sum to 1), as in pyABC."""
        g = self._generation(t)
        m = self._model(m)
        stats = self._stats(g)
        rows = g.model == m
        w = g.weight[rows]
        total = w.sum()
        return (w / total if total > 0 else w), [self._stats_dict(r) for r in stats[rows]]

    def get_model_probabilities(self, t: int | None = None) -> pd.DataFrame:
        """Model probabilities. With t = None (pyABC's default: every generation) a DataFrame
        indexed by t with one column per model index; with a given t a DataFrame indexed by model
        index with column "p", listing the alive models only (as pyABC, which stores no dead
        models)."""
        if t is None:
            data = [g.model_probabilities for g in self._s.generations]
            return pd.DataFrame(
                np.asarray(data, dtype=float).reshape(len(data), self.n_models),
                index=pd.Index([g.t for g in self._s.generations], name="t"),
                columns=pd.Index(range(self.n_models), name="m"),
            )
        g = self._generation(t)
        alive = [m for m in range(self.n_models) if g.model_probabilities[m] > 0]
        return pd.DataFrame(
            {"p": g.model_probabilities[alive]}, index=pd.Index(alive, name="m")
        )

    def alive_models(self, t: int | None = None) -> list:
        """Indices of the models with particles at generation t (default: the last), sorted."""
        g = self._generation(t)
        return sorted(int(m) for m in np.unique(g.model))

    def nr_of_models_alive(self, t: int | None = None) -> int:
        return len(self.alive_models(t))

    # --- what pyABC has no name for --------------------------------------------------------

    def get_particles(self, t: int | None = None) -> pd.DataFrame:
        """Generation t's particles as `abcsmc inspect --format csv` prints them: columns model,
        eval_index, weight (normalised over the generation), distance, then every parameter of
        the union (NaN where the particle's model lacks it)."""
        g = self._generation(t)
        df = pd.DataFrame(
            {
                "model": g.model.astype(np.int64),
                "eval_index": g.eval_index,
                "weight": g.weight,
                "distance": g.distance,
            }
        )
        for c, name in enumerate(self._s.parameter_names):
            df[name] = g.theta[:, c]
        return df

    def get_all_particles(self) -> pd.DataFrame:
        """Every generation's particles with a leading column t (`inspect --generation all
        --format csv`)."""
        frames = [self.get_particles(g.t).assign(t=g.t) for g in self._s.generations]
        if not frames:
            columns = ["t", "model", "eval_index", "weight", "distance"] + self.parameter_names
            return pd.DataFrame(columns=columns)
        df = pd.concat(frames, ignore_index=True)
        return df[["t"] + [c for c in df.columns if c != "t"]]

    def get_failure_counts(self) -> pd.DataFrame:
        """Failed simulations by reason: columns t, reason, count; t = -1 is the calibration.
        Files written before reasons were recorded have none (an empty frame), though their
        per-generation totals are in get_all_populations()["failed"]."""
        rows = [
            (self.PRE_TIME, r, int(c))
            for r, c in zip(self._s.calibration_failure_reasons, self._s.calibration_failure_counts)
        ]
        for g in self._s.generations:
            rows += [(g.t, r, int(c)) for r, c in zip(g.failure_reasons, g.failure_counts)]
        return pd.DataFrame(rows, columns=["t", "reason", "count"]).astype(
            {"t": np.int64, "reason": object, "count": np.int64}
        )

    def get_first_failures(self) -> pd.DataFrame:
        """The first failure message of the calibration (t = -1) and of each generation that had
        failures, in full (the counts group failures by a short reason; this is the whole text
        of the first one, e.g. a command's stderr): columns t, message."""
        rows = []
        if self._s.calibration_first_failure:
            rows.append((self.PRE_TIME, self._s.calibration_first_failure))
        rows += [(g.t, g.first_failure) for g in self._s.generations if g.first_failure]
        return pd.DataFrame(rows, columns=["t", "message"]).astype({"t": np.int64})

    def get_distance_weights(self, next_generation: bool = False) -> pd.DataFrame:
        """The weights of the distance per generation (an adaptive distance re-weights the
        statistics every generation): indexed by t, one column per summary statistic. Empty when
        the distance is unweighted. next_generation=True gives the weights computed at the end of
        each generation for the next one. pyABC's AdaptivePNormDistance writes these to its log
        file instead."""
        rows, index = [], []
        for g in self._s.generations:
            w = g.next_distance_weights if next_generation else g.distance_weights
            if w.size:
                rows.append(w)
                index.append(g.t)
        if not rows:
            return pd.DataFrame(index=pd.Index([], name="t", dtype=np.int64))
        width = max(r.size for r in rows)
        names = self._s.observed_names if width == len(self._s.observed_names) else range(width)
        data = np.full((len(rows), width), np.nan)
        for i, r in enumerate(rows):
            data[i, : r.size] = r
        return pd.DataFrame(data, index=pd.Index(index, name="t"), columns=list(names))

    def posterior_summary(self, t: int | None = None) -> pd.DataFrame:
        """What `abcsmc inspect` prints under "Posterior at generation t": per model and
        parameter the weighted mean, sd (population form) and 5%, 50%, 95% weighted quantiles,
        weights renormalised within the model. Columns model, model_name, p (model probability),
        particles, parameter, mean, sd, q05, q50, q95."""
        g = self._generation(t)
        rows = []
        for m, model_name in enumerate(self._s.model_names):
            df, w = self.get_distribution(m, g.t)
            p = (float(g.model_probabilities[m]) if m < g.model_probabilities.size
                 else float(g.weight[g.model == m].sum()))
            for name in df.columns:
                x = df[name].to_numpy()
                rows.append(
                    {
                        "model": m,
                        "model_name": model_name,
                        "p": p,
                        "particles": len(df),
                        "parameter": name,
                        "mean": weighted_mean(x, w),
                        "sd": weighted_std(x, w),
                        "q05": weighted_quantile(x, w, 0.05),
                        "q50": weighted_quantile(x, w, 0.50),
                        "q95": weighted_quantile(x, w, 0.95),
                    }
                )
        return pd.DataFrame(
            rows,
            columns=["model", "model_name", "p", "particles", "parameter", "mean", "sd", "q05",
                     "q50", "q95"],
        )

    # --- helpers ---------------------------------------------------------------------------

    def _generation(self, t) -> Generation:
        if not self._s.generations:
            raise ValueError(
                f"'{self._s.path}' has no complete generation yet (the run is still in "
                "generation 0, or it stopped before completing one)"
            )
        if t is None:
            return self._s.generations[-1]
        if isinstance(t, bool) or not isinstance(t, numbers.Integral):
            raise TypeError(f"t must be a generation number or None, got {t!r}")
        g = self._by_t.get(int(t))
        if g is None:
            raise ValueError(
                f"generation {t} is not in '{self._s.path}'; it has generations "
                f"{self._s.generations[0].t}..{self.max_t}"
                + (" (t = -1, the calibration, has no particles)" if t == self.PRE_TIME else "")
            )
        return g

    def _model(self, m) -> int:
        if isinstance(m, bool) or not isinstance(m, numbers.Integral):
            raise TypeError(f"m must be a model index, got {m!r}")
        if not 0 <= int(m) < self.n_models:
            raise ValueError(
                f"model {m} is not in '{self._s.path}'; its models are 0..{self.n_models - 1} "
                f"({', '.join(self._s.model_names)})"
            )
        return int(m)

    def _stats(self, g: Generation) -> np.ndarray:
        if g.stats is None:
            raise ValueError(
                f"'{self._s.path}' has no summary statistics for generation {g.t}: the run did "
                "not store them (output.store_stats: false)"
            )
        return g.stats

    def _stats_dict(self, row) -> dict:
        return dict(zip(self._s.observed_names, row.tolist()))
