"""Calibration: fit scenario parameters to observed targets.

``cosim calibrate TARGETS.csv --scenario FILE --params FILE [--method abc|optimize]
[--budget RUNS] [--workers N | --dask-local N | --dask ADDRESS] [--out DIR]``

- ``TARGETS.csv`` has columns ``metric, step, value, sd``: an observed value of a
  model metric (one of ``cosim.METRICS``, read from the region rows) at a week,
  with its uncertainty (one standard deviation).  Other columns (e.g. ``source``)
  are kept as notes; lines starting with ``#`` are comments.
- The params file (TOML) lists the parameters to fit with their prior ranges,
  the constants held fixed while fitting (e.g. a small ``run.n_citizens``) and
  the settings of the fit::

      [calibration]
      method = "abc"          # or "optimize"; --method wins
      seed = 2024             # root seed of every run and proposal
      replications = 1        # runs per parameter set (their mean is compared)
      population = 100        # ABC particles per generation
      [constants]
      "run.n_citizens" = 2000
      [parameters]
      "population.trust_mean" = [0.30, 0.60]                      # uniform prior
      "adoption.q" = { min = 0.003, max = 0.03, scale = "log" }   # log-uniform

The distance between a run and the targets is the root mean square of the
standardised errors, ``d = sqrt(mean_k ((model_k - value_k) / sd_k)^2)``, with
``model_k`` the mean over the replications.

Methods:

- ``abc``: approximate Bayesian computation by sequential Monte Carlo
  (ABC-SMC; Toni et al. 2009, J. R. Soc. Interface 6:187; population Monte
  Carlo weights and a Gaussian kernel with twice the weighted covariance,
  Beaumont, Cornuet, Marin & Robert 2009, Biometrika 96:983).  The tolerance of
  each generation is the ``alpha``-quantile of the previous generation's
  distances, and the fit stops when a generation accepts fewer than
  ``min_acceptance`` of its proposals or the run budget is spent (adaptive
  population Monte Carlo ABC, Lenormand, Jabot & Deffuant 2013, Comput. Stat.
  28:2777).  The last complete generation is the posterior sample
  (``posterior.parquet``); ``best.toml`` takes each parameter's posterior median.
- ``optimize``: a point estimate by differential evolution (Storn & Price 1997;
  ``scipy.optimize.differential_evolution``, seeded) of the distance averaged
  over ``replications`` runs with common random numbers, then ``validation``
  fresh runs at the optimum for the model band (``best.toml``).

Every run goes through :func:`cosim.runs.backends.map_runs` as a
:class:`cosim.runs.evaluators.RunTask` and is committed to ``OUT/runs.sqlite`` the
moment it finishes (:class:`cosim.runs.store.RunStore`).  Proposals depend only on
the root seed, the point's number and the results before it, so rerunning the
same command on the same folder replays the fit and runs only what is missing.
Outputs: ``posterior.parquet`` (abc) or ``evaluations.parquet`` (optimize),
``best.toml``, ``figures/``, ``report.html`` (goodness of fit, identifiability)
and ``manifest.json``.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import hashlib
import html
import json
import math
import os
import re
import shutil
import sys
import time
import tomllib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError

from cosim.errors import BackendError, ScenarioError, StoreBusy, UsageError
from cosim.outputs.metrics import METRICS
from cosim.runs.evaluators import RunTask, evaluate_run
from cosim.runs.ids import calibration_seed_of, run_id_of, run_seed
from cosim.runs.store import STORE_FILE, RunStore
from cosim.scenario.loading import read_toml, scenario_from_dict, set_path
from cosim.scenario.schema import parameter_table
from cosim.scenario.validation import format_validation_error

DEFAULT_BUDGET = 1000
#: spawn key of the proposal stream of point p: (PROPOSAL_KEY, p); run seeds use keys of length 1
PROPOSAL_KEY = 0xCA1
#: replication numbers of the optimum's validation runs (fresh seeds, not the fit's CRN seeds)
VALIDATION_BASE = 500
CHI2_1_95 = 3.841  # chi-square(1) 95% point: profile-likelihood interval (Raue et al. 2009)


# --------------------------------------------------------------------------- targets


@dataclasses.dataclass(frozen=True)
class Target:
    """One observed value of a model metric (region rows) at a week, with its sd."""

    metric: str
    step: int
    value: float
    sd: float
    line: int
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.metric}@{self.step}"


def read_targets(path: str | Path, horizon: int, horizon_source: str) -> list[Target]:
    """Read and check TARGETS.csv; raise ScenarioError naming file, row and column for every problem."""
    p = Path(path)
    if not p.is_file():
        raise ScenarioError([f"{p}: no such file"])
    try:
        text = p.read_text(encoding="utf-8-sig")  # utf-8-sig: Excel saves CSV with a byte-order mark
    except UnicodeDecodeError:
        raise ScenarioError([f"{p}: not a UTF-8 text file"]) from None
    lines = [(i + 1, line) for i, line in enumerate(text.splitlines()) if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise ScenarioError([f"{p}: empty: expected a header 'metric,step,value,sd' and at least one row"])
    rows = list(csv.reader([line for _, line in lines]))
    header = [h.strip() for h in rows[0]]
    need = ("metric", "step", "value", "sd")
    missing = [c for c in need if c not in header]
    if missing:
        raise ScenarioError([f"{p}, line {lines[0][0]}: missing column(s) {', '.join(missing)} "
                             f"(expected the header metric,step,value,sd; got {','.join(header)})"])
    col = {name: header.index(name) for name in header}
    problems: list[str] = []
    targets: list[Target] = []
    seen: dict[str, int] = {}
    if len(rows) < 2:
        problems.append(f"{p}: no target rows after the header")
    for k, ((line_no, _), row) in enumerate(zip(lines[1:], rows[1:], strict=True), start=1):
        where = f"{p}, row {k} (line {line_no})"
        if len(row) != len(header):
            problems.append(f"{where}: expected {len(header)} columns like the header, got {len(row)}")
            continue
        cell = {name: row[i].strip() for name, i in col.items()}
        bad = False
        metric = cell["metric"]
        if metric not in METRICS:
            close = difflib.get_close_matches(metric, METRICS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else " (see cosim.METRICS)"
            problems.append(f"{where}, column metric: unknown metric '{metric}'{hint}")
            bad = True
        step = _as_int(cell["step"])
        if step is None or step < 0:
            problems.append(f"{where}, column step: expected a whole number of weeks >= 0, got '{cell['step']}'")
            bad = True
        elif step > horizon:
            problems.append(f"{where}, column step: week {step} is beyond the horizon "
                            f"(run.steps = {horizon} in {horizon_source})")
            bad = True
        value = _as_float(cell["value"])
        if value is None:
            problems.append(f"{where}, column value: expected a number, got '{cell['value']}'")
            bad = True
        sd = _as_float(cell["sd"])
        if sd is None or sd <= 0:
            problems.append(f"{where}, column sd: expected a positive number (one standard deviation), "
                            f"got '{cell['sd']}'")
            bad = True
        if bad:
            continue
        key = f"{metric}@{step}"
        if key in seen:
            problems.append(f"{where}: duplicate target {metric} at week {step} (first on row {seen[key]})")
            continue
        seen[key] = k
        note = "; ".join(f"{n}: {cell[n]}" for n in header if n not in need and cell[n])
        targets.append(Target(metric, int(step), float(value), float(sd), line_no, note))  # type: ignore[arg-type]
    if problems:
        raise ScenarioError(problems)
    return targets


def _as_int(text: str) -> int | None:
    try:
        v = float(text)
    except ValueError:
        return None
    return int(v) if math.isfinite(v) and v == int(v) else None


def _as_float(text: str) -> float | None:
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


# --------------------------------------------------------------------------- parameters


@dataclasses.dataclass(frozen=True)
class Prior:
    """A parameter to fit: a uniform prior on [lo, hi] (scale "linear") or on [log lo, log hi] ("log")."""

    path: str
    lo: float
    hi: float
    scale: Literal["linear", "log"] = "linear"
    integer: bool = False

    @property
    def bounds(self) -> tuple[float, float]:
        """The prior box in internal coordinates (where the prior is uniform)."""
        return (math.log(self.lo), math.log(self.hi)) if self.scale == "log" else (self.lo, self.hi)

    def value(self, z: float) -> float | int:
        """The value the model gets for internal coordinate ``z`` (integers rounded half up)."""
        v = math.exp(z) if self.scale == "log" else z
        v = min(max(v, self.lo), self.hi)
        return math.floor(v + 0.5) if self.integer else float(v)

    def internal(self, v: float) -> float:
        return math.log(v) if self.scale == "log" else float(v)


class Settings(BaseModel):
    """The ``[calibration]`` table of a params file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Literal["abc", "optimize"] = "abc"
    seed: StrictInt = Field(1, ge=0, le=2**63 - 1)
    budget: StrictInt | None = Field(None, ge=1, description="default --budget")
    replications: StrictInt | None = Field(None, ge=1, le=100, description="abc: 1, optimize: 3")
    population: StrictInt = Field(100, ge=10, le=100_000, description="abc: particles per generation")
    alpha: StrictFloat = Field(0.5, gt=0.0, lt=1.0, description="abc: quantile of the next tolerance")
    min_acceptance: StrictFloat = Field(0.05, gt=0.0, lt=1.0, description="abc: stop below this acceptance rate")
    max_generations: StrictInt = Field(50, ge=1, le=1000)
    popsize: StrictInt = Field(8, ge=4, le=100, description="optimize: population = popsize x parameters")
    validation: StrictInt = Field(10, ge=2, le=1000, description="optimize: fresh runs at the optimum")


@dataclasses.dataclass(frozen=True)
class CalibrationSpec:
    """A params file: what to fit, what to hold fixed, and how."""

    priors: tuple[Prior, ...]
    constants: dict[str, Any]
    settings: Settings
    source: str

    def replications(self, method: str) -> int:
        if self.settings.replications is not None:
            return self.settings.replications
        return 1 if method == "abc" else 3


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested TOML tables to dotted paths; a dict with ``min`` (or a 2-list) is a prior, not a table."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and "min" not in value and "max" not in value:
            out.update(_flatten(value, f"{path}."))
        else:
            out[path] = value
    return out


def read_params(path: str | Path) -> CalibrationSpec:
    """Read and check a params file (TOML); raise ScenarioError naming file and key for every problem."""
    src = str(path)
    data = read_toml(path)
    problems: list[str] = []
    unknown = set(data) - {"calibration", "constants", "parameters"}
    for key in sorted(unknown):
        problems.append(f"{src}: {key}: unknown table (expected [calibration], [constants] and [parameters])")
    try:
        settings = Settings.model_validate(data.get("calibration", {}))
    except ValidationError as exc:
        problems += format_validation_error(exc, src, model=Settings, prefix="calibration")
        settings = Settings()
    schema = {row["path"]: row for row in parameter_table()}
    constants = _flatten(data.get("constants", {}))
    for key in constants:
        if key not in schema:
            problems.append(f"{src}: constants.{key}: {_unknown_path(key, schema)}")
    raw_params = _flatten(data.get("parameters", {}))
    if not raw_params:
        problems.append(f"{src}: parameters: expected at least one parameter to fit, e.g. "
                        "\"population.trust_mean\" = [0.3, 0.6]")
    priors = []
    for key, spec in raw_params.items():
        where = f"{src}: parameters.{key}"
        if key not in schema:
            problems.append(f"{where}: {_unknown_path(key, schema)}")
            continue
        if key in constants:
            problems.append(f"{where}: also listed in [constants]; a parameter is either fitted or held fixed")
            continue
        row = schema[key]
        if row["type"] not in ("int", "float"):
            kind = {"bool": "true/false", "Literal": "choice"}.get(row["type"], row["type"])
            problems.append(f"{where}: a {kind} parameter cannot be fitted (only numbers can); "
                            "hold it fixed in [constants] or compare its settings with cosim compare")
            continue
        prior, msg = _prior(key, spec, row)
        if msg:
            problems.append(f"{where}: {msg}")
        else:
            priors.append(prior)
    if problems:
        raise ScenarioError(problems)
    return CalibrationSpec(tuple(priors), constants, settings, src)  # type: ignore[arg-type]


def check_params_files(paths: Sequence[str | Path]) -> list[str]:
    """Check calibration params files (for ``cosim check``); return every problem."""
    problems: list[str] = []
    for path in paths:
        try:
            read_params(path)
        except ScenarioError as exc:
            problems += exc.problems
    return problems


def is_params_file(path: str | Path) -> bool:
    """A calibration params file has a [parameters] or [calibration] table and no [experiment] table."""
    try:
        tables = {line.strip() for line in Path(path).read_text().splitlines() if line.strip().startswith("[")}
    except (OSError, UnicodeDecodeError):
        return False
    return bool(tables & {"[parameters]", "[calibration]"}) and "[experiment]" not in tables


def _unknown_path(key: str, schema: dict[str, Any]) -> str:
    close = difflib.get_close_matches(key, list(schema), n=1)
    return "unknown parameter" + (f" (did you mean '{close[0]}'?)" if close else " (see docs/ODD.md)")


def _prior(key: str, spec: Any, row: dict[str, Any]) -> tuple[Prior | None, str]:
    """A Prior from ``[lo, hi]`` or ``{min, max, scale}``, checked against the schema bounds."""
    scale = "linear"
    if isinstance(spec, list):
        if len(spec) != 2:
            return None, f"expected [min, max], got {spec!r}"
        lo, hi = spec
    elif isinstance(spec, dict):
        extra = set(spec) - {"min", "max", "scale"}
        if extra:
            return None, f"unknown key(s) {', '.join(sorted(extra))} (expected min, max and optionally scale)"
        if "min" not in spec or "max" not in spec:
            return None, "expected both min and max"
        lo, hi, scale = spec["min"], spec["max"], spec.get("scale", "linear")
        if scale not in ("linear", "log"):
            return None, f"scale: expected 'linear' or 'log', got {scale!r}"
    else:
        return None, f"expected a range [min, max] or a table {{ min = .., max = .. }}, got {spec!r}"
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lo, hi)):
        return None, f"expected numbers for min and max, got {lo!r} and {hi!r}"
    if not lo < hi:
        return None, f"min ({lo}) must be below max ({hi})"
    if row["min"] is not None and lo < row["min"]:
        return None, f"min {lo} is below the parameter's valid range [{row['min']}, {row['max']}]"
    if row["max"] is not None and hi > row["max"]:
        return None, f"max {hi} is above the parameter's valid range [{row['min']}, {row['max']}]"
    if scale == "log" and lo <= 0:
        return None, f"a log-scale prior needs min > 0, got {lo}"
    return Prior(key, float(lo), float(hi), scale, row["type"] == "int"), ""  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the problem


@dataclasses.dataclass
class Problem:
    """Everything a fit needs, checked: base scenario (raw, with constants), targets, priors, settings."""

    base: dict[str, Any]
    base_name: str
    scenario_path: str
    targets: list[Target]
    targets_path: str
    spec: CalibrationSpec
    method: str
    budget: int
    horizon: int
    record_steps: tuple[int, ...]

    @property
    def priors(self) -> tuple[Prior, ...]:
        return self.spec.priors

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.metric for t in self.targets))

    @property
    def replications(self) -> int:
        return self.spec.replications(self.method)

    def params(self, z: np.ndarray) -> dict[str, Any]:
        """Scenario overrides for internal coordinates ``z``."""
        return {p.path: p.value(float(v)) for p, v in zip(self.priors, z, strict=True)}

    def identity(self) -> dict[str, Any]:
        """What makes two fits the same, so their runs can share a folder (the budget may grow for abc)."""
        s = self.spec.settings
        ident: dict[str, Any] = {
            "method": self.method, "seed": s.seed, "replications": self.replications,
            "priors": [dataclasses.asdict(p) for p in self.priors],
            "targets": [[t.metric, t.step, t.value, t.sd] for t in self.targets],
            "record_steps": list(self.record_steps),
            "base": scenario_from_dict(self.base, self.scenario_path).model_dump(mode="json", exclude={"name", "description"}),
        }
        if self.method == "abc":
            ident.update(population=s.population, alpha=s.alpha, min_acceptance=s.min_acceptance,
                         max_generations=s.max_generations)
        else:
            ident.update(popsize=s.popsize, validation=s.validation, budget=self.budget)
        return ident


def load_problem(targets_path: str, scenario_path: str, params_path: str, method: str | None,
                 budget: int | None) -> Problem:
    """Read and check the three input files; raise ScenarioError/UsageError on any problem."""
    for label, f in (("TARGETS.csv", targets_path), ("--scenario", scenario_path), ("--params", params_path)):
        if not Path(f).is_file():
            raise ScenarioError([f"{f}: no such file ({label})"])
    spec = read_params(params_path)
    base = read_toml(scenario_path)
    base.setdefault("name", Path(scenario_path).stem)
    for key, value in spec.constants.items():
        set_path(base, key, value)
    source = f"{scenario_path} with [constants] of {params_path}" if spec.constants else scenario_path
    scenario = scenario_from_dict(base, source)
    horizon = scenario.run.steps
    targets = read_targets(targets_path, horizon, source)
    method = method or spec.settings.method
    budget = budget if budget is not None else (spec.settings.budget or DEFAULT_BUDGET)
    if budget < 1:
        raise UsageError(f"--budget: expected a positive number of runs, got {budget}")
    # every prior bound must give a valid scenario (e.g. the budget check of a lever)
    problems = []
    for prior in spec.priors:
        for bound in (prior.lo, prior.hi):
            try:
                scenario_from_dict(base, source, {prior.path: prior.value(prior.internal(bound))})
            except ScenarioError as exc:
                problems += [f"{params_path}: parameters.{prior.path} = {bound}: {m}" for m in exc.problems]
    if problems:
        raise ScenarioError(problems)
    thin = max(1, horizon // 52)
    steps = sorted(set(range(0, horizon + 1, thin)) | {horizon} | {t.step for t in targets})
    return Problem(base, str(base["name"]), scenario_path, targets, targets_path, spec, method, budget,
                   horizon, tuple(steps))


# --------------------------------------------------------------------------- one run


@dataclasses.dataclass(frozen=True)
class FitJob:
    """One run of a fit: the RunTask and which region series to send back."""

    task: RunTask
    metrics: tuple[str, ...]
    steps: tuple[int, ...]


def simulate_targets(job: FitJob) -> dict[str, float]:
    """Run one task; return ``{"metric@step": value}`` from its region rows (the steps asked for)."""
    value = evaluate_run(dataclasses.replace(job.task, keep_timeseries=True))
    ts = value["timeseries"]
    region = ts[ts["municipality"] == "region"].set_index("step")
    return {f"{m}@{s}": float(region.at[s, m]) for m in job.metrics for s in job.steps}


# --------------------------------------------------------------------------- running points


class Runner:
    """Evaluates parameter points (each with R replications) through map_runs, caching runs in a RunStore.

    A point is evaluated once per id; ``evaluate(ids, zs, seeds)`` returns per
    point the mean distance inputs.  Runs already in the store (same point id,
    same parameter values) are read back instead of rerun.
    """

    def __init__(self, problem: Problem, out: Path, *, workers: int = 1, dask_address: str | None = None,
                 dask_local: int | None = None, progress: bool = True):
        self.problem = problem
        self.out = out
        self.workers, self.dask_address, self.dask_local = workers, dask_address, dask_local
        self.store = RunStore(out)
        self.ident = problem.identity()
        self.ident_hash = _hash(self.ident)
        self.points: list[list[float]] = []
        self.cached: dict[tuple[int, int], dict[str, Any]] = {}
        self.stored_points: dict[int, list[float]] = {}
        self.runs_used = 0
        self.new_runs = 0
        self.failed_runs = 0
        self.first_error = ""
        self.bar = None
        self.progress = progress
        self._pool: Any = None
        self._cluster: Any = None
        self._open()

    def _open(self) -> None:
        out = self.out
        if not out.exists():
            return
        if not self.store.exists():
            if any(out.iterdir()):
                raise UsageError(f"--out {out}: the folder exists and holds no calibration runs "
                                 f"(no {STORE_FILE}); choose another --out or remove it")
            return
        try:
            self.store.open()
        except StoreBusy:
            raise UsageError(f"--out {out}: another cosim process is writing to this folder") from None
        meta = self.store.meta()
        if meta.get("kind") != "calibration" or meta.get("identity_sha256") != self.ident_hash:
            stored = meta.get("identity", {})
            keys = sorted(k for k in set(stored) | set(self.ident) if stored.get(k) != self.ident.get(k))
            self.store.close()
            raise UsageError(f"--out {out}: the folder holds runs of a different "
                             f"{'calibration' if meta.get('kind') == 'calibration' else 'job'} (differs in: "
                             f"{', '.join(keys) or 'identity'}); choose another --out or remove the folder")
        self.stored_points = self.store.points()
        runs = self.store.runs()
        for row in runs.itertuples(index=False):
            if row.status == "ok":
                self.cached[(int(row.point_id), int(row.replication))] = json.loads(row.outcomes)
        if self.progress and self.cached:
            print(f"{out}: resuming; {len(self.cached)} finished runs found in {STORE_FILE}", file=sys.stderr)

    def _begin(self) -> None:
        if self.store.con is None:
            self.store.create({"kind": "calibration", "identity": self.ident, "identity_sha256": self.ident_hash})

    def _backend(self) -> dict[str, Any]:
        """map_runs arguments; one process pool or LocalCluster serves every batch of the fit."""
        if self.dask_address:
            return {"dask_address": self.dask_address}
        if self.dask_local:
            if self._cluster is None:
                from dask.distributed import LocalCluster

                try:
                    self._cluster = LocalCluster(n_workers=int(self.dask_local), threads_per_worker=1,
                                                 processes=True, dashboard_address=None)
                except Exception as exc:  # any failure to start is a backend problem, reported plainly
                    raise UsageError(f"--dask-local {self.dask_local}: cannot start a Dask LocalCluster ({exc})") from None
            return {"dask_address": self._cluster.scheduler_address}
        if self.workers > 1:
            if self._pool is None:
                from cosim.runs.backends import WorkerPool

                self._pool = WorkerPool(self.workers)  # survives a dead worker
            return {"executor": self._pool}
        return {}

    def close(self) -> None:
        self.store.close()
        if self.bar is not None:
            self.bar.close()
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def start_bar(self, total: int, desc: str) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=desc, unit="run", disable=not self.progress or None, smoothing=0.05)

    def evaluate(self, zs: Sequence[np.ndarray], seeds: Callable[[int, int], int],
                 replications: int | None = None) -> list[dict[str, Any]]:
        """Run the points ``zs`` (new point ids in order); return per point its runs' values.

        Each result is ``{"point": id, "params": {...}, "runs": [ {key: value} | None ], "mean": {key: value} | None}``
        (``mean`` over the successful replications of the target keys; None if all failed).
        """
        from cosim.runs.backends import map_runs

        reps = replications or self.problem.replications
        prob = self.problem
        ids = list(range(len(self.points), len(self.points) + len(zs)))
        rows = [[float(v) for v in z] for z in zs]
        for pid, row in zip(ids, rows, strict=True):
            old = self.stored_points.get(pid)
            if old is not None and old != row:
                raise UsageError(f"--out {self.out}: point {pid} of this fit differs from the one stored there "
                                 "(the code or its inputs changed); choose another --out or remove the folder")
        self.points.extend(rows)
        jobs, where = [], []
        values: dict[tuple[int, int], dict[str, float] | None] = {}
        for pid, z in zip(ids, zs, strict=True):
            params = prob.params(z)
            for r in range(reps):
                if (pid, r) in self.cached:
                    values[(pid, r)] = self.cached[(pid, r)]
                    continue
                task = RunTask(run_id=run_id_of(pid, r), seed=seeds(pid, r), params=params, base=prob.base,
                               source=f"{prob.scenario_path} (calibration point {pid})")
                jobs.append(FitJob(task, prob.metrics, prob.record_steps))
                where.append((pid, r))
        self.runs_used += len(ids) * reps
        if self.bar is not None:
            self.bar.update(len(ids) * reps - len(jobs))
        try:
            for i, res in map_runs(simulate_targets, jobs, progress=False, **self._backend()):
                self._begin()
                if len(self.stored_points) < len(self.points):
                    self.store.add_points(np.array(self.points), start=len(self.stored_points))
                    self.stored_points.update({k: self.points[k] for k in range(len(self.stored_points), len(self.points))})
                job = jobs[i]
                pid, r = where[i]
                self.store.record(job.task.run_id, pid, r, job.task.seed, res.ok, "" if res.ok else res.error,
                                  res.value if res.ok else None, res.seconds)
                values[(pid, r)] = res.value if res.ok else None
                self.new_runs += 1
                if not res.ok:
                    self.failed_runs += 1
                    self.first_error = self.first_error or res.error.splitlines()[0]
                if self.bar is not None:
                    self.bar.update(1)
        except BackendError as exc:
            raise UsageError(str(exc)) from None
        out = []
        keys = [t.key for t in prob.targets]
        for pid, z in zip(ids, zs, strict=True):
            runs = [values[(pid, r)] for r in range(reps)]
            ok = [v for v in runs if v is not None]
            mean = {k: float(np.mean([v[k] for v in ok])) for k in keys} if ok else None
            out.append({"point": pid, "z": np.asarray(z, dtype=float), "params": prob.params(z), "runs": runs,
                        "mean": mean, "distance": distance(mean, prob.targets)})
        return out


def distance(mean: dict[str, float] | None, targets: Sequence[Target]) -> float:
    """Root mean square of standardised errors (inf for a failed point)."""
    if mean is None:
        return math.inf
    z = [(mean[t.key] - t.value) / t.sd for t in targets]
    return float(math.sqrt(np.mean(np.square(z))))


def _hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


# --------------------------------------------------------------------------- ABC-SMC


@dataclasses.dataclass
class Generation:
    """One ABC-SMC generation: its tolerance, accepted particles and weights."""

    index: int
    epsilon: float
    particles: list[dict[str, Any]]
    weights: np.ndarray
    proposed: int

    @property
    def acceptance(self) -> float:
        return len(self.particles) / max(self.proposed, 1)


def proposal_rng(seed: int, point: int) -> np.random.Generator:
    """The random stream of point ``point``'s proposal (independent of batch sizes and backends)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(PROPOSAL_KEY, point)))


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float | np.ndarray) -> np.ndarray:
    """Quantiles of ``x`` under weights ``w`` (inverse of the weighted empirical CDF, midpoint rule)."""
    order = np.argsort(x)
    x, w = np.asarray(x, float)[order], np.asarray(w, float)[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cdf, x)


def weighted_cov(z: np.ndarray, w: np.ndarray) -> np.ndarray:
    w = w / w.sum()
    mu = w @ z
    d = z - mu
    return (d * w[:, None]).T @ d / max(1e-300, 1.0 - (w**2).sum())


def abc_smc(evaluate: Callable[[list[np.ndarray], list[int]], list[dict[str, Any]]], bounds: np.ndarray,
            *, population: int, alpha: float, min_acceptance: float, max_generations: int, budget_points: int,
            seed: int, on_generation: Callable[[Generation], None] | None = None) -> tuple[list[Generation], str]:
    """ABC-SMC with adaptive tolerance (Toni et al. 2009; Beaumont et al. 2009; Lenormand et al. 2013).

    ``evaluate(zs, point_ids)`` returns one dict per point with at least
    ``distance``.  ``bounds`` (D x 2) is the prior box in internal coordinates,
    where the prior is uniform.  Generation 0 draws ``population`` points from
    the prior and keeps them all; generation t accepts proposals with distance
    <= epsilon_t, the ``alpha``-quantile of generation t-1's distances, until it
    has ``population`` particles.  Proposals: a particle of generation t-1 drawn
    by weight, moved by a Gaussian kernel with covariance twice the weighted
    covariance, redrawn until inside the prior box.  Weights: prior / sum_j
    w_j K(theta | theta_j).  Returns the complete generations and why it stopped.
    """
    lo, hi = bounds[:, 0], bounds[:, 1]
    n_dim = lo.size
    next_point = 0
    spent = 0

    def draw_prior(point: int) -> np.ndarray:
        return lo + (hi - lo) * proposal_rng(seed, point).random(n_dim)

    if budget_points < population:
        raise UsageError(f"--budget: {budget_points} parameter sets are fewer than one ABC generation "
                         f"({population} particles); raise --budget or lower calibration.population")
    ids = list(range(population))
    results = evaluate([draw_prior(p) for p in ids], ids)
    next_point = spent = population
    ok = [r for r in results if math.isfinite(r["distance"])]
    if len(ok) < 2:
        raise RuntimeError("every run of the first generation failed: "
                           + (results[0].get("error") or "see runs.sqlite"))
    gens = [Generation(0, math.inf, ok, np.full(len(ok), 1.0 / len(ok)), population)]
    if on_generation:
        on_generation(gens[-1])
    reason = "max_generations"
    for t in range(1, max_generations):
        prev = gens[-1]
        z_prev = np.array([p["z"] for p in prev.particles])
        d_prev = np.array([p["distance"] for p in prev.particles])
        eps = float(weighted_quantile(d_prev, prev.weights, alpha))
        cov = 2.0 * weighted_cov(z_prev, prev.weights)
        cov += np.diag(((hi - lo) * 1e-6) ** 2)  # keep the kernel proper if a parameter collapses
        chol = np.linalg.cholesky(cov)
        cdf = np.cumsum(prev.weights / prev.weights.sum())

        def propose(point: int, z_prev=z_prev, chol=chol, cdf=cdf) -> np.ndarray:
            rng = proposal_rng(seed, point)
            for _ in range(10_000):
                j = min(int(np.searchsorted(cdf, rng.random(), side="right")), len(cdf) - 1)
                z = z_prev[j] + chol @ rng.standard_normal(n_dim)
                if np.all(z >= lo) and np.all(z <= hi):
                    return z
            raise RuntimeError("the ABC kernel keeps proposing outside the prior box")

        accepted: list[dict[str, Any]] = []
        proposed = 0
        rate = max(prev.acceptance if t > 1 else alpha, min_acceptance)
        while len(accepted) < population:
            left = budget_points - spent
            if left <= 0:
                return gens, "budget"
            size = min(left, max(population - len(accepted), math.ceil((population - len(accepted)) / rate)))
            ids = list(range(next_point, next_point + size))
            batch = evaluate([propose(p) for p in ids], ids)
            next_point += size
            spent += size
            need = population - len(accepted)
            hit_at = [i for i, r in enumerate(batch) if r["distance"] <= eps]
            if len(hit_at) >= need:
                # the proposals after the one that completed the population do not count as proposed
                proposed += hit_at[need - 1] + 1
                accepted.extend(batch[i] for i in hit_at[:need])
            else:
                proposed += size
                accepted.extend(batch[i] for i in hit_at)
            rate = max(len(hit_at) / size, min_acceptance)
        z_new = np.array([p["z"] for p in accepted])
        inv = np.linalg.inv(cov)
        diff = z_new[:, None, :] - z_prev[None, :, :]
        kern = np.exp(-0.5 * np.einsum("ijk,kl,ijl->ij", diff, inv, diff))
        w = 1.0 / (kern @ prev.weights)
        gen = Generation(t, eps, accepted, w / w.sum(), proposed)
        gens.append(gen)
        if on_generation:
            on_generation(gen)
        if gen.acceptance < min_acceptance:
            reason = "min_acceptance"
            break
    return gens, reason


# --------------------------------------------------------------------------- differential evolution


def optimize_de(runner: Runner, problem: Problem) -> dict[str, Any]:
    """Differential evolution on the replication-mean distance with common random numbers.

    Every point's replication r gets ``run_seed(seed, r)``, so the objective is
    a deterministic function of the parameters (common random numbers), which
    differential evolution needs.  Returns the evaluations and the optimum.
    """
    from scipy.optimize import differential_evolution

    s = problem.spec.settings
    reps = problem.replications
    n_dim = len(problem.priors)
    pop = s.popsize * n_dim
    fit_budget = problem.budget - s.validation
    maxiter = fit_budget // (reps * pop) - 1
    if maxiter < 1:
        need = 2 * reps * pop + s.validation
        raise UsageError(f"--budget: {problem.budget} runs are too few for differential evolution with "
                         f"{n_dim} parameter(s), popsize {s.popsize} and {reps} replication(s): at least {need} "
                         "are needed (two generations plus the validation runs)")
    bounds = [p.bounds for p in problem.priors]
    evaluations: list[dict[str, Any]] = []

    def crn(point: int, r: int) -> int:
        return run_seed(s.seed, r)

    def batch_map(func, iterable):  # differential_evolution's map-like "workers"
        zs = [np.asarray(x, dtype=float) for x in iterable]
        res = runner.evaluate(zs, crn)
        evaluations.extend(res)
        return [min(r["distance"], 1e300) for r in res]

    result = differential_evolution(lambda z: 0.0, bounds, rng=s.seed, popsize=s.popsize, maxiter=maxiter,
                                    init="latinhypercube", polish=False, updating="deferred", workers=batch_map,
                                    tol=0.0, atol=0.0)
    best = min(evaluations, key=lambda r: r["distance"])
    # validation: fresh seeds at the optimum, for the model band and an honest distance
    validation = runner.evaluate([best["z"]], lambda p, r: run_seed(s.seed, VALIDATION_BASE + r),
                                 replications=s.validation)[0]
    return {"evaluations": evaluations, "best": best, "validation": validation, "de_message": str(result.message),
            "de_generations": int(result.nit), "maxiter": maxiter, "stop_reason": str(result.message)}


# --------------------------------------------------------------------------- summaries


def predictive_bands(series: list[tuple[dict[str, float], float]], problem: Problem,
                     qs: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> dict[str, pd.DataFrame]:
    """Per metric, weighted quantiles over runs at every recorded step: ``{metric: DataFrame(step, q...)}``."""
    w = np.array([wt for _, wt in series])
    out = {}
    for m in problem.metrics:
        rows = []
        for step in problem.record_steps:
            x = np.array([v[f"{m}@{step}"] for v, _ in series])
            rows.append([step, *weighted_quantile(x, w, np.asarray(qs))])
        out[m] = pd.DataFrame(rows, columns=["step", *[f"q{round(100 * q):02d}" for q in qs]])
    return out


def goodness_of_fit(bands: dict[str, pd.DataFrame], problem: Problem) -> pd.DataFrame:
    """Targets against the model's median and 90% predictive interval; z = (median - value) / sd."""
    rows = []
    for t in problem.targets:
        b = bands[t.metric].set_index("step").loc[t.step]
        z = (b["q50"] - t.value) / t.sd
        rows.append({"metric": t.metric, "step": t.step, "target": t.value, "sd": t.sd,
                     "model_median": b["q50"], "model_q05": b["q05"], "model_q95": b["q95"], "z": z,
                     "within_2sd": abs(z) <= 2.0, "note": t.note})
    return pd.DataFrame(rows)


def abc_identifiability(post: pd.DataFrame, problem: Problem) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Posterior against prior per parameter (internal coordinates) and posterior correlations.

    Prior sd of a uniform prior on [a, b] is (b - a) / sqrt(12).  ratio = posterior
    sd / prior sd: below 0.5 "pinned down", 0.5-0.8 "partly constrained", above
    0.8 "not identified" (the posterior is about as wide as the prior).
    """
    w = post["weight"].to_numpy()
    rows = []
    zcols = []
    for p in problem.priors:
        z = np.array([p.internal(v) for v in post[p.path]])
        zcols.append(z)
        a, b = p.bounds
        prior_sd = (b - a) / math.sqrt(12)
        mu = np.average(z, weights=w)
        sd = math.sqrt(np.average((z - mu) ** 2, weights=w))
        q05, q50, q95 = weighted_quantile(post[p.path].to_numpy(), w, np.array([0.05, 0.5, 0.95]))
        ratio = sd / prior_sd
        verdict = "pinned down" if ratio < 0.5 else "partly constrained" if ratio < 0.8 else "not identified"
        rows.append({"parameter": p.path, "prior_min": p.lo, "prior_max": p.hi, "scale": p.scale,
                     "median": q50, "q05": q05, "q95": q95, "sd_ratio": ratio,
                     "contraction": 1.0 - (p.internal(q95) - p.internal(q05)) / (0.9 * (b - a)),
                     "verdict": verdict})
    Z = np.array(zcols).T
    if Z.shape[1] > 1:
        cov = weighted_cov(Z, w)
        sds = np.sqrt(np.diag(cov))
        corr = cov / np.outer(sds, sds)
    else:
        corr = np.ones((1, 1))
    names = [p.path for p in problem.priors]
    return pd.DataFrame(rows), pd.DataFrame(corr, index=names, columns=names)


def profile_identifiability(evals: pd.DataFrame, problem: Problem, bins: int = 12) -> tuple[pd.DataFrame, dict]:
    """Approximate profile likelihood from the evaluated points (optimize).

    S = sum of squared standardised errors = K d^2 (K targets).  For each
    parameter, the profile is the lowest S among evaluated points in each of
    ``bins`` slices of its prior range; the 95% profile interval is where it
    stays within chi2(1) = 3.84 of the best S (Raue et al. 2009, Bioinformatics
    25:1923).  Approximate: differential evolution samples densely only near
    the optimum.
    """
    k = len(problem.targets)
    S = k * evals["distance"].to_numpy() ** 2
    best = float(np.nanmin(S))
    rows, profiles = [], {}
    for p in problem.priors:
        a, b = p.bounds
        z = np.array([p.internal(v) for v in evals[p.path]])
        edges = np.linspace(a, b, bins + 1)
        idx = np.clip(np.digitize(z, edges) - 1, 0, bins - 1)
        prof = np.array([np.nanmin(np.where(idx == i, S, np.nan)) if np.any(idx == i) else np.nan
                         for i in range(bins)])
        inside = np.flatnonzero(prof <= best + CHI2_1_95)
        lo_z, hi_z = edges[inside.min()], edges[inside.max() + 1]
        width = (hi_z - lo_z) / (b - a)
        verdict = "pinned down" if width < 0.5 else "partly constrained" if width < 0.8 else "not identified"
        to_v = (lambda v: math.exp(v)) if p.scale == "log" else (lambda v: v)
        rows.append({"parameter": p.path, "prior_min": p.lo, "prior_max": p.hi, "scale": p.scale,
                     "profile_lo": to_v(lo_z), "profile_hi": to_v(hi_z), "width_share": width, "verdict": verdict})
        profiles[p.path] = (edges, prof)
    return pd.DataFrame(rows), {"profiles": profiles, "best_S": best}


# --------------------------------------------------------------------------- outputs


def toml_dumps(data: dict[str, Any]) -> str:
    """A scenario dict as TOML (tables, scalars, arrays; lists of tables as [[key]] or inline)."""

    def key(k: str) -> str:
        return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, float):
            return repr(v) if math.isfinite(v) else ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, list | tuple):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{key(k)} = {value(x)}" for k, x in v.items()) + " }"
        raise TypeError(f"cannot write {type(v).__name__} to TOML")

    lines: list[str] = []
    tables, arrays = [], []
    for k, v in data.items():
        if isinstance(v, dict):
            tables.append((k, v))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            arrays.append((k, v))
        elif v is not None:
            lines.append(f"{key(k)} = {value(v)}")

    def table(name: str, t: dict[str, Any]) -> None:
        lines.append("")
        lines.append(f"[{name}]")
        subs = []
        for k, v in t.items():
            if isinstance(v, dict):
                subs.append((f"{name}.{key(k)}", v))
            elif v is not None:
                lines.append(f"{key(k)} = {value(v)}")
        for n, sub in subs:
            table(n, sub)

    for k, v in tables:
        table(key(k), v)
    for k, items in arrays:
        for item in items:
            lines.append("")
            lines.append(f"[[{key(k)}]]")
            lines += [f"{key(a)} = {value(b)}" for a, b in item.items() if b is not None]
    text = "\n".join(lines).lstrip("\n") + "\n"
    if tomllib.loads(text) != json.loads(json.dumps(data)):  # round trip (tuples -> lists)
        raise ValueError("TOML writer did not round-trip the scenario")
    return text


def best_scenario_text(problem: Problem, values: dict[str, Any], header: list[str]) -> str:
    """``best.toml``: the base scenario file's contents with the fitted values set, and a provenance header."""
    raw = read_toml(problem.scenario_path)
    raw["name"] = f"{problem.base_name}_calibrated"
    raw["description"] = f"{raw.get('description', problem.base_name)} Calibrated by cosim calibrate.".strip()
    for path, v in values.items():
        set_path(raw, path, v)
    scenario_from_dict(raw, "best.toml")  # must validate
    body = toml_dumps({"name": raw.pop("name"), "description": raw.pop("description"), **raw})
    return "\n".join(f"# {h}".rstrip() for h in header) + "\n\n" + body


def _atomic_write(path: Path, data: str | bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    if isinstance(data, bytes):
        tmp.write_bytes(data)
    else:
        tmp.write_text(data, encoding="utf-8")
    os.replace(tmp, path)


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def fit_figure(bands: dict[str, pd.DataFrame], problem: Problem, path: Path, label: str) -> None:
    """Model band (50% and 90%) and median per target metric over time, targets with +-1 and +-2 sd bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = problem.metrics
    cols = min(3, len(metrics))
    rows = math.ceil(len(metrics) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.6 * rows), squeeze=False)
    for ax, m in zip(axes.flat, metrics, strict=False):
        b = bands[m]
        ax.fill_between(b["step"], b["q05"], b["q95"], color="#9ecae1", alpha=0.6, label=f"{label}: 90%")
        ax.fill_between(b["step"], b["q25"], b["q75"], color="#4292c6", alpha=0.6, label="50%")
        ax.plot(b["step"], b["q50"], color="#08519c", lw=1.5, label="median")
        ts = [t for t in problem.targets if t.metric == m]
        x = [t.step for t in ts]
        y = [t.value for t in ts]
        ax.errorbar(x, y, yerr=[2 * t.sd for t in ts], fmt="none", ecolor="#d95f02", elinewidth=1, capsize=3)
        ax.errorbar(x, y, yerr=[t.sd for t in ts], fmt="o", color="#d95f02", elinewidth=2.5, capsize=0,
                    label="target +-1 sd (thin: 2 sd)")
        ax.set_title(m, fontsize=10)
        ax.set_xlabel("week")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.suptitle(f"Calibration fit: model band against targets ({label})", fontsize=11)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def posterior_figure(post: pd.DataFrame, problem: Problem, path: Path) -> None:
    """Corner plot: weighted marginal histograms over the prior range; pairwise scatter of particles."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ps = problem.priors
    n = len(ps)
    fig, axes = plt.subplots(n, n, figsize=(2.6 * n + 1, 2.4 * n + 0.6), squeeze=False)
    w = post["weight"].to_numpy()
    for i, pi in enumerate(ps):
        for j, pj in enumerate(ps):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                # 15 bins equal in the prior's own scale: the prior puts 1/15 of its mass in each
                bins = np.geomspace(pi.lo, pi.hi, 16) if pi.scale == "log" else np.linspace(pi.lo, pi.hi, 16)
                ax.hist(post[pi.path], bins=bins, weights=w / w.sum(), color="#4292c6", alpha=0.8,
                        label="posterior")
                ax.axhline(1.0 / 15, color="#636363", ls="--", lw=1, label="prior")
                ax.set_ylabel("share" if j == 0 else "", fontsize=8)
            else:
                ax.scatter(post[pj.path], post[pi.path], s=6 + 200 * w, alpha=0.5, color="#08519c")
                ax.set_ylim(pi.lo, pi.hi)
            ax.set_xlim(pj.lo, pj.hi)
            if pi.scale == "log" and i != j:
                ax.set_yscale("log")
            if pj.scale == "log":
                ax.set_xscale("log")
            if i == n - 1:
                ax.set_xlabel(pj.path, fontsize=8)
            if j == 0 and i != j:
                ax.set_ylabel(pi.path, fontsize=8)
            ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=7)
    fig.suptitle("ABC posterior (weighted particles) within the prior ranges", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def profile_figure(evals: pd.DataFrame, info: dict, problem: Problem, path: Path) -> None:
    """Evaluated points (S = K d^2) against each parameter, with the approximate profile and its 95% line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(problem.priors)
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 3.4), squeeze=False)
    S = len(problem.targets) * evals["distance"].to_numpy() ** 2
    for ax, p in zip(axes.flat, problem.priors, strict=True):
        ax.scatter(evals[p.path], S, s=6, alpha=0.4, color="#6baed6", label="evaluated")
        edges, prof = info["profiles"][p.path]
        mids = 0.5 * (edges[1:] + edges[:-1])
        x = np.exp(mids) if p.scale == "log" else mids
        ax.plot(x, prof, "o-", color="#08519c", label="profile (min per slice)")
        ax.axhline(info["best_S"] + CHI2_1_95, color="#d95f02", ls="--", lw=1, label="best + 3.84")
        ax.set_yscale("log")
        if p.scale == "log":
            ax.set_xscale("log")
        ax.set_xlabel(p.path, fontsize=9)
        ax.set_ylabel("sum of squared z")
        ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Differential evolution: approximate profiles", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def generations_figure(gens: list[Generation], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(9, 3.2))
    idx = [g.index for g in gens[1:]]
    ax[0].plot(idx, [g.epsilon for g in gens[1:]], "o-")
    ax[0].set_ylabel("tolerance (RMS z)")
    ax[1].plot(idx, [100 * g.acceptance for g in gens[1:]], "o-", color="#d95f02")
    ax[1].set_ylabel("% of proposals accepted")
    for a in ax:
        a.set_xlabel("generation")
        a.grid(alpha=0.3)
    fig.suptitle("ABC-SMC: tolerance and acceptance by generation", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _table_html(df: pd.DataFrame, floats: str = "{:.4g}") -> str:
    def fmt(v: Any) -> str:
        if isinstance(v, bool | np.bool_):
            return "yes" if v else "no"
        if isinstance(v, float | np.floating):
            return floats.format(v)
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{fmt(v)}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False, name=None))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def report_html(title: str, summary: list[tuple[str, str]], sections: list[tuple[str, str]]) -> str:
    css = ("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
           "table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}"
           "td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f0f0f0}"
           "td:first-child,th:first-child{text-align:left}img{max-width:100%}p.note{color:#555;font-size:.9em}")
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in summary)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{css}</style></head><body><h1>{html.escape(title)}</h1><table>{rows}</table>"]
    parts += [f"<h2>{html.escape(h)}</h2>{body}" for h, body in sections]
    parts.append("</body></html>")
    return "\n".join(parts)


# --------------------------------------------------------------------------- the command


def calibrate(problem: Problem, out: Path, *, workers: int = 1, dask_address: str | None = None,
              dask_local: int | None = None, progress: bool = True, figures: bool = True) -> dict[str, Any]:
    """Run the fit, write every output into ``out``; return a summary dict."""
    started = time.time()
    runner = Runner(problem, out, workers=workers, dask_address=dask_address, dask_local=dask_local,
                    progress=progress)
    s = problem.spec.settings
    try:
        runner.start_bar(problem.budget, f"calibrate ({problem.method})")
        if problem.method == "abc":
            fit = _run_abc(runner, problem)
        else:
            fit = optimize_de(runner, problem)
    finally:
        runner.close()
    wall = time.time() - started
    summary = {"runs_used": runner.runs_used, "runs_this_session": runner.new_runs,
               "failed_runs_this_session": runner.failed_runs, "wall_time_s": round(wall, 2)}
    _write_outputs(problem, out, fit, summary, figures, workers, dask_address, dask_local, s)
    return {**summary, **{k: v for k, v in fit.items() if k in ("stop_reason", "best_values", "gof")}}


def _run_abc(runner: Runner, problem: Problem) -> dict[str, Any]:
    s = problem.spec.settings
    reps = problem.replications
    bounds = np.array([p.bounds for p in problem.priors])

    def seeds(point: int, r: int) -> int:
        return calibration_seed_of(s.seed, point, r)

    def evaluate(zs: list[np.ndarray], ids: list[int]) -> list[dict[str, Any]]:
        assert ids[0] == len(runner.points), "ABC point ids must follow the runner's"
        return runner.evaluate(zs, seeds)

    def on_generation(g: Generation) -> None:
        if runner.bar is not None:
            runner.bar.set_postfix(generation=g.index, eps=f"{g.epsilon:.3g}", acc=f"{g.acceptance:.2f}")

    gens, reason = abc_smc(evaluate, bounds, population=s.population, alpha=s.alpha,
                           min_acceptance=s.min_acceptance, max_generations=s.max_generations,
                           budget_points=problem.budget // reps, seed=s.seed, on_generation=on_generation)
    return {"generations": gens, "stop_reason": reason}


def _write_outputs(problem: Problem, out: Path, fit: dict[str, Any], summary: dict[str, Any], figures: bool,
                   workers: int, dask_address: str | None, dask_local: int | None, s: Settings) -> None:
    from cosim.outputs.results import file_hash, manifest, write_json

    out.mkdir(parents=True, exist_ok=True)
    fig_dir = out / "figures"
    tmp_fig = out / f".figures.tmp-{os.getpid()}"
    shutil.rmtree(tmp_fig, ignore_errors=True)
    tmp_fig.mkdir()
    names = [p.path for p in problem.priors]
    created = datetime.now(UTC).isoformat(timespec="seconds")
    extra: dict[str, Any] = {}
    sections: list[tuple[str, str]] = []
    if problem.method == "abc":
        gens: list[Generation] = fit["generations"]
        final = gens[-1]
        rows = []
        series: list[tuple[dict[str, float], float]] = []
        for i, (part, w) in enumerate(zip(final.particles, final.weights, strict=True)):
            row = {"particle": i, "generation": final.index, "weight": float(w), **part["params"],
                   "distance": part["distance"], "point": part["point"]}
            row.update({f"model:{k}": v for k, v in part["mean"].items()})
            rows.append(row)
            ok = [r for r in part["runs"] if r is not None]
            series += [(r, float(w) / len(ok)) for r in ok]
        post = pd.DataFrame(rows)
        _write_parquet(post, out / "posterior.parquet")
        bands = predictive_bands(series, problem)
        ident, corr = abc_identifiability(post, problem)
        best_values = {p.path: _round_for(p, float(v)) for p, v in zip(problem.priors, ident["median"], strict=True)}
        label = f"posterior predictive, generation {final.index}"
        gen_table = pd.DataFrame([{"generation": g.index, "tolerance": g.epsilon, "accepted": len(g.particles),
                                   "proposed": g.proposed, "acceptance": g.acceptance} for g in gens])
        extra = {"generations": gen_table.to_dict(orient="records"), "stop_reason": fit["stop_reason"],
                 "final_generation": final.index, "final_tolerance": final.epsilon}
        strong = [(a, b, corr.loc[a, b]) for i, a in enumerate(names) for b in names[i + 1:]
                  if abs(corr.loc[a, b]) > 0.7]
        ident_note = ("<p class='note'>sd ratio = posterior sd / prior sd (in the prior's own scale: log for "
                      "log-scale priors); below 0.5: pinned down by the data; 0.5-0.8: partly constrained; "
                      "above 0.8: not identified (the data leave it near the prior). Contraction = 1 - width "
                      "of the 90% posterior interval / width of the prior's 90% interval.</p>")
        corr_note = ("<p>Strongly correlated pairs (|r| > 0.7; the data pin down a combination, not each): "
                     + (", ".join(f"{a} & {b} (r = {r:+.2f})" for a, b, r in strong) or "none") + "</p>")
        sections += [("Parameters: posterior against prior (identifiability)", _table_html(ident) + ident_note),
                     ("Posterior correlations", _table_html(corr.reset_index().rename(columns={"index": ""}))
                      + corr_note),
                     ("Generations", _table_html(gen_table))]
        if figures:
            posterior_figure(post, problem, tmp_fig / "posterior.png")
            generations_figure(gens, tmp_fig / "generations.png")
        interval = {p.path: (float(a), float(b)) for p, a, b in zip(problem.priors, ident["q05"], ident["q95"], strict=True)}
        est = "posterior median (90% credible interval)"
    else:
        evals = pd.DataFrame([{"point": r["point"], **r["params"], "distance": r["distance"],
                               **{f"model:{k}": v for k, v in (r["mean"] or {}).items()}}
                              for r in fit["evaluations"]])
        _write_parquet(evals, out / "evaluations.parquet")
        val = fit["validation"]
        ok = [r for r in val["runs"] if r is not None]
        bands = predictive_bands([(r, 1.0) for r in ok], problem)
        ident, info = profile_identifiability(evals, problem)
        best_values = {p.path: fit["best"]["params"][p.path] for p in problem.priors}
        label = f"{len(ok)} fresh runs at the optimum"
        extra = {"de_generations": fit["de_generations"], "de_maxiter": fit["maxiter"],
                 "de_message": fit["de_message"], "best_distance_crn": fit["best"]["distance"],
                 "validation_distance": val["distance"], "stop_reason": fit["de_message"]}
        sections.append(("Parameters: approximate profile intervals (identifiability)", _table_html(ident)
                         + "<p class='note'>Profile interval: the slices of the prior range where the lowest "
                           "sum of squared z among evaluated points stays within 3.84 (chi-square, 1 df, 95%) of "
                           "the best (Raue et al. 2009). width share = interval width / prior width: below 0.5 "
                           "pinned down; 0.5-0.8 partly constrained; above 0.8 not identified. Approximate: "
                           "differential evolution samples densely only near the optimum.</p>"))
        if figures:
            profile_figure(evals, info, problem, tmp_fig / "profiles.png")
        interval = {p.path: (float(a), float(b)) for p, a, b in
                    zip(problem.priors, ident["profile_lo"], ident["profile_hi"], strict=True)}
        est = "best point (approximate 95% profile interval)"
    gof = goodness_of_fit(bands, problem)
    if figures:
        fit_figure(bands, problem, tmp_fig / "fit.png", label)
    rms = float(np.sqrt(np.mean(gof["z"] ** 2)))
    header = [
        f"Calibrated scenario written by `cosim calibrate` ({problem.method}) on {created}.",
        f"Base scenario: {problem.scenario_path}; targets: {problem.targets_path} "
        f"(sha256 {file_hash(problem.targets_path)[:12]}); params: {problem.spec.source}.",
        f"Fitted values = {est}:",
        *[f"  {k} = {best_values[k]}  ({interval[k][0]:.4g} .. {interval[k][1]:.4g})" for k in names],
        f"Fit: RMS standardised error {rms:.2f} over {len(problem.targets)} targets; "
        f"{summary['runs_used']} runs; see {out}/report.html.",
        *(["Constants used while fitting (not applied here): "
           + ", ".join(f"{k} = {v!r}" for k, v in problem.spec.constants.items())] if problem.spec.constants else []),
    ]
    _atomic_write(out / "best.toml", best_scenario_text(problem, best_values, header))
    _write_parquet(pd.concat({m: b for m, b in bands.items()}, names=["metric"]).reset_index(level=0),
                   out / "bands.parquet")
    gof_note = ("<p class='note'>z = (model median - target) / target sd; the model columns give the median and "
                f"the 5-95% range of {html.escape(label)}. RMS z = {rms:.2f}; "
                f"{int(gof['within_2sd'].sum())} of {len(gof)} targets within 2 sd.</p>")
    sections.insert(0, ("Goodness of fit", _table_html(gof) + gof_note))
    figs = sorted(f.name for f in tmp_fig.iterdir())
    if figs:
        sections.append(("Figures", "".join(f"<p><img src='figures/{f}' alt='{f}'></p>" for f in figs)))
    summary_rows = [("method", problem.method), ("runs used", str(summary["runs_used"])),
                    ("runs this session", str(summary["runs_this_session"])),
                    ("wall time this session", f"{summary['wall_time_s']:.1f} s"),
                    ("stopped because", str(extra.get("stop_reason"))),
                    ("RMS z (model median vs targets)", f"{rms:.3f}"),
                    ("scenario", problem.scenario_path), ("targets", problem.targets_path),
                    ("params", problem.spec.source), ("fitted values", "; ".join(f"{k} = {best_values[k]:.4g}" for k in names))]
    _atomic_write(out / "report.html", report_html(f"cosim calibrate: {problem.base_name}", summary_rows, sections))
    if fig_dir.exists():
        shutil.rmtree(fig_dir)
    os.replace(tmp_fig, fig_dir)
    write_json(out / "manifest.json", manifest(
        kind="calibration", method=problem.method, budget=problem.budget, settings=s.model_dump(),
        replications=problem.replications, runs=summary, targets_file=problem.targets_path,
        targets_sha256=file_hash(problem.targets_path), params_file=problem.spec.source,
        params_sha256=file_hash(problem.spec.source), scenario_file=problem.scenario_path,
        scenario_sha256=file_hash(problem.scenario_path), constants=problem.spec.constants,
        priors=[dataclasses.asdict(p) for p in problem.priors], fitted=best_values,
        intervals=interval, rms_z=rms, goodness_of_fit=gof.to_dict(orient="records"),
        identifiability=ident.to_dict(orient="records"),
        backend=("dask " + dask_address) if dask_address else (f"dask LocalCluster x{dask_local}" if dask_local
                                                                else ("serial" if workers <= 1 else f"{workers} processes")),
        figures=figs, **extra))
    fit["best_values"] = best_values
    fit["gof"] = gof


def _round_for(p: Prior, v: float) -> float | int:
    return math.floor(v + 0.5) if p.integer else float(f"{v:.6g}")
