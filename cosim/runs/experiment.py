"""Experiments at scale: an experiment file, its design, and a resumable batch of runs.

An experiment file (``experiments/*.toml``) names a base scenario, the factors
(uncertainties and levers, in EMA Workbench's words: dotted scenario paths with
a range or a list of values), fixed constants, a design (grid, lhs, sobol,
morris), replications per design point, a root seed and the outcomes to keep::

    [experiment]
    name = "wifi_dose_response"
    base = "../scenarios/baseline.toml"     # relative to this file
    design = "grid"
    replications = 5
    root_seed = 20261122
    [experiment.constants]
    "run.n_citizens" = 2000
    [[factors]]
    path = "wifi.hotspots"
    min = 0
    max = 200
    steps = 9
    [[factors]]
    path = "wifi.placement"
    values = ["even", "equity"]

``cosim experiment FILE`` runs every (design point, replication) pair through
:func:`cosim.runs.backends.map_runs` (serially, on local processes or on Dask) and
commits each finished run to ``runs.sqlite`` at once (:mod:`cosim.runs.store`).
Rerunning on the same folder resumes; ``--retry-failed`` reruns failed runs.

Seeds: run (point p, replication r) gets
``SeedSequence(root_seed, spawn_key=(p, r))``; with
``common_random_numbers = true`` every point's replication r gets
``cosim.run_seed(root_seed, r)``.  Run ids are ``p * 1_000_000 + r``.  Neither
depends on the number of points, replications or workers, so adding
replications or extending a Sobol design keeps every existing run.

Over 400 lines: the file's checks against the schema (every problem at once,
with did-you-mean) and the resumable runner that relies on them; splitting
the checks into their own module is the next step when either grows.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import math
import os
import sys
import time
import typing
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import ValidationError

from cosim.errors import BackendError, ScenarioError, StoreBusy, UsageError
from cosim.outputs.metrics import OUTCOMES
from cosim.outputs.results import remove_stale_temporaries, write_parquet
from cosim.runs import evaluators
from cosim.runs.backends import batch_problem, seconds_per_run
from cosim.runs.batch import task_seconds
from cosim.runs.design import count_points, design, salib_problem
from cosim.runs.ids import REPLICATION_STRIDE, run_id_of, run_seed_of
from cosim.runs.spec import Experiment, Factor
from cosim.runs.store import STORE_FILE, RunStore, expand_outcomes
from cosim.scenario.loading import read_toml, scenario_from_dict, set_path
from cosim.scenario.schedules import schedule_field
from cosim.scenario.schema import iter_parameters
from cosim.scenario.validation import format_validation_error

#: Draws an experiment's summary figures into ``out/figures`` and returns their relative paths;
#: ``cosim.reports.experiment.summary_figures`` is the one ``cosim experiment`` passes (a layer above this one).
FigureWriter = Callable[[pd.DataFrame, Experiment, Path], list[str]]

__all__ = [
    "Experiment", "Factor", "check_experiment_files", "design", "load_experiment", "run_experiment",
    "salib_problem",
]

ISHIGAMI_FACTORS = ("x1", "x2", "x3")
_INVALID = "<invalid factor>"  # stands in for a factor that failed validation, to check the others



# --------------------------------------------------------------------------- the file


def _schema_parameters() -> dict[str, tuple[Any, float | None, float | None]]:
    """``path -> (annotation, min, max)`` for every scenario parameter."""
    out = {}
    for path, info, ann in iter_parameters():
        lo = hi = None
        for m in info.metadata:
            lo = getattr(m, "ge", lo)
            hi = getattr(m, "le", hi)
        out[path] = (ann, lo, hi)
    return out


def _kind(ann: Any) -> tuple[str, tuple[Any, ...]]:
    """``("choice", options) | ("bool", ()) | ("int", ()) | ("float", ())`` of a schema annotation."""
    if typing.get_origin(ann) is Literal:
        return "choice", typing.get_args(ann)
    args = [a for a in typing.get_args(ann) if a is not type(None)] or [ann]
    base = args[0]
    if base is bool:
        return "bool", ()
    if base is int:
        return "int", ()
    return "float", ()


def _unknown(path: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(path, list(known), n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else " (see the parameter tables in docs/ODD.md)"
    return f"unknown parameter '{path}'{hint}"


def _fmt(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else repr(v) if isinstance(v, str) else str(v)


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file; raise ScenarioError listing every problem."""
    from cosim.errors import expect_type

    expect_type(path, "path", str | os.PathLike, "an experiment file path (str or pathlib.Path)")
    path = Path(path)
    source = str(path)
    raw = read_toml(path)
    problems = [f"{source}: {k}: unknown top-level table (expected [experiment] and [[factors]])"
                for k in raw if k not in ("experiment", "factors")]
    table = raw.get("experiment")
    if not isinstance(table, dict):
        raise ScenarioError([*problems, f"{source}: experiment: missing [experiment] table"])
    if "source" in table:
        problems.append(f"{source}: experiment.source: unknown key (check the spelling)")
    data = {k: v for k, v in table.items() if k != "source"}
    data.setdefault("name", path.stem)
    data["factors"] = raw.get("factors", [])
    data["source"] = source
    if not isinstance(data["factors"], list) or not data["factors"]:
        problems.append(f"{source}: factors: no [[factors]]: an empty design (add at least one factor)")
        data["factors"] = []
    exp: Experiment | None
    try:
        exp = Experiment.model_validate(data)
    except ValidationError as exc:
        problems += [p for p in format_validation_error(exc, source, model=Experiment, prefix="experiment",
                                                        bare=("factors",), docs="docs/experiments.md")
                     if not p.startswith(f"{source}: factors: ")]
        exp = _lenient(data, exc)
    if exp is not None:  # check the rest too, so one pass reports every problem
        exp, more = _check_semantics(exp, path)
        problems += [p for p in more if p not in problems]
        if not more:
            too_big = scale_problem(exp, count_points(exp))
            if too_big:
                problems.append(f"{source}: experiment: {too_big}")
    if problems:
        raise ScenarioError(problems)
    assert exp is not None
    return exp


def _lenient(data: dict[str, Any], exc: ValidationError) -> Experiment | None:
    """The experiment without the keys and factors that failed validation (None if still invalid)."""
    bad_keys = {e["loc"][0] for e in exc.errors() if e["loc"] and e["loc"][0] != "factors"}
    bad_factors = {e["loc"][1] for e in exc.errors() if len(e["loc"]) > 1 and e["loc"][0] == "factors"}
    cleaned = {k: v for k, v in data.items() if k not in bad_keys or k in ("name", "factors")}
    # a failed factor keeps its place (so later messages keep their indices) but is skipped
    cleaned["factors"] = [{"path": _INVALID, "values": [0]} if i in bad_factors else f
                          for i, f in enumerate(data["factors"])]
    if "name" in bad_keys:
        cleaned["name"] = "experiment"
    try:
        return Experiment.model_validate(cleaned)
    except ValidationError:
        return None


def _check_semantics(exp: Experiment, path: Path) -> tuple[Experiment, list[str]]:
    """Check the design settings and each factor against the model; fill resolved fields."""
    src = exp.source
    problems: list[str] = []
    update: dict[str, Any] = {}

    # --- design settings
    if exp.design == "grid":
        if exp.samples is not None:
            problems.append(f"{src}: experiment.samples: not used by the grid design "
                            "(a grid runs every combination of the factors' values or steps)")
        for i, f in enumerate(exp.factors):
            if not f.discrete and f.steps is None:
                problems.append(f"{src}: factors[{i}]: a grid needs 'steps' (points from min to max) "
                                f"or a 'values' list for {f.path}")
    else:
        if exp.samples is None:
            what = {"lhs": "points", "sobol": "base samples N (a power of two)", "morris": "trajectories"}
            problems.append(f"{src}: experiment.samples: required for the {exp.design} design "
                            f"(number of {what[exp.design]})")
        for i, f in enumerate(exp.factors):
            if f.steps is not None:
                problems.append(f"{src}: factors[{i}].steps: only the grid design uses steps")
    if exp.design == "sobol" and exp.samples is not None and exp.samples & (exp.samples - 1):
        lo = 1 << (exp.samples.bit_length() - 1)
        problems.append(f"{src}: experiment.samples: the Sobol' design needs a power of two "
                        f"(got {exp.samples}; use {lo} or {2 * lo}) to keep the sequence balanced")
    if exp.second_order and exp.design != "sobol":
        problems.append(f"{src}: experiment.second_order: only the sobol design estimates second-order indices")
    if exp.design == "morris":
        levels = exp.levels or 4
        if levels % 2:
            problems.append(f"{src}: experiment.levels: Morris needs an even number of levels (got {levels})")
        update["levels"] = levels
    elif exp.levels is not None:
        problems.append(f"{src}: experiment.levels: only the morris design uses levels")
    if any(f.group for f in exp.factors) and exp.design not in ("sobol", "morris"):
        problems.append(f"{src}: factors: group applies to sobol and morris designs only")
    seen: dict[str, int] = {}
    for i, f in enumerate(exp.factors):
        if f.path == _INVALID:
            continue
        if f.path in seen:
            problems.append(f"{src}: factors[{i}].path: '{f.path}' is already factors[{seen[f.path]}]")
        seen.setdefault(f.path, i)
        if f.path in exp.constants:
            problems.append(f"{src}: factors[{i}].path: '{f.path}' is also fixed in [experiment.constants]")

    # --- model-specific checks
    if exp.model == "ishigami":
        factors, more = _check_ishigami(exp)
    else:
        factors, more, base = _check_cosim(exp, path)
        update["base"] = base
    problems += more
    update["factors"] = factors

    # --- outcomes
    known = ("y",) if exp.model == "ishigami" else tuple(OUTCOMES)
    if exp.outcomes is None:
        update["outcomes"] = known
    else:
        if not exp.outcomes:
            problems.append(f"{src}: experiment.outcomes: empty list (omit it to keep every outcome)")
        for name in exp.outcomes:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f"did you mean '{close[0]}'?" if close else "known: " + ", ".join(known)
                problems.append(f"{src}: experiment.outcomes: unknown outcome '{name}' ({hint})")
    return exp.model_copy(update=update), problems


def scale_problem(exp: Experiment, n_points: int, workers: int = 1) -> str | None:
    """Why ``exp`` would not fit this machine (runs, memory and time stated), or None.

    See :func:`cosim.runs.backends.batch_problem`; a row of the runs table, its
    copy in runs.sqlite and pandas' working copy take about 16 bytes per column + 300.
    """
    columns = len(exp.factors) + len(exp.outcomes or OUTCOMES) + 8
    if exp.model == "ishigami":
        per_run = 1e-4
    else:
        try:
            base = scenario_from_dict(read_toml(exp.base), str(exp.base), exp.constants) if exp.base else None
        except ScenarioError:
            base = None
        per_run = seconds_per_run(base.run.n_citizens, base.run.steps) if base else 1.0
    return batch_problem(n_points * exp.replications, f"{n_points:,} design points x {exp.replications:,} "
                         "replications", 16 * columns + 300, per_run, workers,
                         "reduce samples, steps of the grid, or replications")


def _check_ishigami(exp: Experiment) -> tuple[tuple[Factor, ...], list[str]]:
    src, problems = exp.source, []
    if exp.base is not None:
        problems.append(f"{src}: experiment.base: the ishigami model has no base scenario (remove base)")
    if exp.keep_timeseries:
        problems.append(f"{src}: experiment.keep_timeseries: the ishigami model has no time series")
    for i, f in enumerate(exp.factors):
        if f.path == _INVALID:
            continue
        if f.path not in ISHIGAMI_FACTORS:
            problems.append(f"{src}: factors[{i}].path: the ishigami model's factors are x1, x2, x3 (got '{f.path}')")
            continue
        levels = [f.min, f.max] if not f.discrete else list(f.values or ())
        for v in levels:
            if isinstance(v, bool) or not isinstance(v, int | float) or abs(v) > math.pi + 1e-9:
                problems.append(f"{src}: factors[{i}]: {f.path} must lie in [-pi, pi] (got {v!r})")
    for k, v in exp.constants.items():
        if k not in ISHIGAMI_FACTORS:
            problems.append(f"{src}: experiment.constants.{k}: the ishigami model's inputs are x1, x2, x3")
        elif isinstance(v, bool) or not isinstance(v, int | float):
            problems.append(f"{src}: experiment.constants.{k}: expected a number (got {v!r})")
    missing = [x for x in ISHIGAMI_FACTORS if x not in exp.factor_paths and x not in exp.constants]
    if missing:
        problems.append(f"{src}: factors: the ishigami model needs {', '.join(missing)} "
                        "as a factor or under [experiment.constants]")
    return exp.factors, problems


def _check_cosim(exp: Experiment, path: Path) -> tuple[tuple[Factor, ...], list[str], str | None]:
    src, problems = exp.source, []
    if exp.noise_sd:
        problems.append(f"{src}: experiment.noise_sd: only the ishigami model takes noise_sd "
                        "(cosim runs are stochastic already)")
    if exp.base is None:
        problems.append(f"{src}: experiment.base: required for model = \"cosim\" "
                        "(a scenario file, relative to the experiment file)")
        return exp.factors, problems, None
    base_path = (path.parent / exp.base).resolve()
    if not base_path.is_file():
        problems.append(f"{src}: experiment.base: no such scenario file: {exp.base} (looked for {base_path})")
        return exp.factors, problems, str(base_path)
    try:
        base_raw = read_toml(base_path)
    except ScenarioError as exc:
        return exp.factors, problems + [f"{src}: experiment.base: {p}" for p in exc.problems], str(base_path)
    params = _schema_parameters()
    # a schedule's fields are parameters too (schedules.<path>.midpoint, ...: cosim/scenario/schedules.py)
    for key in [*(f.path for f in exp.factors), *exp.constants]:
        row = schedule_field(key)
        if row is not None:
            params[row["path"]] = (float, row["min"], row["max"])
    constants = {}
    for key, value in exp.constants.items():
        if key in params:
            constants[key] = value
        else:
            problems.append(f"{src}: experiment.constants.\"{key}\": {_unknown(key, params)}")
    try:
        scenario_from_dict(base_raw, str(base_path), constants)
    except ScenarioError as exc:
        problems += [f"{src}: experiment.constants (on base {exp.base}): {p}" for p in exc.problems]
        constants = {}  # check the factors against the base alone

    factors = []
    for i, f in enumerate(exp.factors):
        where = f"{src}: factors[{i}]"
        if f.path == _INVALID:
            factors.append(f)
            continue
        if f.path == "run.seed":
            problems.append(f"{where}.path: run.seed cannot be a factor: each run's seed comes from root_seed")
            factors.append(f)
            continue
        if f.path not in params:
            problems.append(f"{where}.path: {_unknown(f.path, params)}")
            factors.append(f)
            continue
        ann, lo, hi = params[f.path]
        kind, options = _kind(ann)
        if kind in ("choice", "bool") and not f.discrete:
            opts = ", ".join(repr(o) for o in options) if kind == "choice" else "true, false"
            problems.append(f"{where}: {f.path} takes one of {opts}: list them as values = [...]")
            factors.append(f)
            continue
        if kind == "int" and not f.discrete and not f.integer:
            f = f.model_copy(update={"integer": True})  # an integer parameter is sampled as an integer
            if f.min != int(f.min) or f.max != int(f.max):  # type: ignore[arg-type]
                problems.append(f"{where}: {f.path} is a whole number: min and max must be whole numbers")
        factors.append(f)
        bad = False
        for key, v in (("min", f.min), ("max", f.max)) if not f.discrete else (
                (f"values[{j}]", v) for j, v in enumerate(f.values or ())):
            if isinstance(v, int | float) and not isinstance(v, bool):
                if lo is not None and v < lo:
                    problems.append(f"{where}.{key}: {_fmt(v)} is below the schema's minimum {_fmt(lo)} "
                                    f"for {f.path}")
                    bad = True
                if hi is not None and v > hi:
                    problems.append(f"{where}.{key}: {_fmt(v)} is above the schema's maximum {_fmt(hi)} "
                                    f"for {f.path}")
                    bad = True
        if bad:
            continue
        # each extreme (or level) with every other factor at the base value must be a valid scenario
        extremes = list(f.values or ()) if f.discrete else [f.min, f.max]
        for v in extremes:
            try:
                scenario_from_dict(base_raw, "", {**constants, f.path: v})
            except ScenarioError as exc:
                msg = exc.problems[0].split(": ", 1)[-1].removeprefix("(with --set): ")
                problems.append(f"{where}: {f.path} = {_fmt(v)} (other factors at base): {msg}")
                break
    return tuple(factors), problems, str(base_path)


def check_experiment_files(paths: Iterable[str | Path]) -> list[str]:
    """Validate experiment files (and that each design can be built); every problem, or []."""
    problems: list[str] = []
    for p in paths:
        try:
            exp = load_experiment(p)
            _build_design(exp)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    return problems


def _build_design(exp: Experiment) -> tuple[np.ndarray, pd.DataFrame]:
    try:
        X, points = design(exp)
    except ValueError as exc:  # SALib's own checks (e.g. groups)
        raise ScenarioError([f"{exp.source}: experiment.design: {exp.design}: {exc}"]) from None
    if len(points) == 0:
        raise ScenarioError([f"{exp.source}: experiment.design: the design is empty (no points)"])
    return X, points


# --------------------------------------------------------------------------- running


def base_scenario(exp: Experiment) -> tuple[dict[str, Any], dict[str, Any]]:
    """The base as the runs get it (raw dict with constants) and the resolved scenario (all values).

    For the ishigami model both are empty.
    """
    if exp.model != "cosim" or exp.base is None:
        return {}, {}
    raw = read_toml(exp.base)
    raw.setdefault("name", Path(exp.base).stem)
    for key, value in exp.constants.items():
        set_path(raw, key, value)
    resolved = scenario_from_dict(raw, exp.base).model_dump(mode="json")
    return raw, resolved


def identity(exp: Experiment, resolved_base: dict[str, Any]) -> dict[str, Any]:
    """What makes two experiments the same, so their runs can share a folder.

    Sample counts and replications are left out (more of them extend an
    experiment); the stored design rows are checked against the new design.
    """
    return {
        "model": exp.model,
        "design": exp.design,
        "root_seed": exp.root_seed,
        "common_random_numbers": exp.common_random_numbers,
        "keep_timeseries": exp.keep_timeseries,
        "second_order": exp.second_order,
        "levels": exp.levels,
        "noise_sd": exp.noise_sd,
        "factors": [f.model_dump(mode="json") for f in exp.factors],
        "ishigami_constants": exp.constants if exp.model == "ishigami" else {},
        "base_scenario": {k: v for k, v in resolved_base.items() if k not in ("name", "description")},
    }


def _hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _open_store(store: RunStore, ident: dict[str, Any], X: np.ndarray) -> dict[int, str]:
    """Check an existing folder belongs to this experiment; return stored run statuses.

    Raises a usage error (nothing written) when the folder holds something else.
    """
    out = store.folder
    if not out.exists():
        return {}
    if not store.exists():
        if any(out.iterdir()) and not _is_our_fresh_folder(out, ident):
            raise UsageError(f"{out}: the folder exists and holds no experiment results "
                             f"(no {STORE_FILE}); choose another output folder or remove it", argument="out")
        return {}
    _open_locked(store)
    meta = store.meta()
    stored = meta.get("identity", {})
    if meta.get("identity_sha256") != _hash(ident):
        keys = sorted(k for k in set(stored) | set(ident) if stored.get(k) != ident.get(k))
        store.close()
        raise UsageError(
            f"{out}: the folder holds results of a different experiment "
            f"({meta.get('experiment_file', '?')}; differs in: {', '.join(keys) or 'identity'}). "
            "Existing results are untouched; choose another output folder (or remove it to start afresh)",
            argument="out")
    old = store.points()
    for pid, row in old.items():
        if pid < len(X) and [float(v) for v in X[pid]] != row:
            store.close()
            raise UsageError(
                f"{out}: design point {pid} differs from the one stored there, so this is a different "
                "design (a new LHS sample size or grid changes every point; only Sobol and Morris designs "
                "extend as prefixes). Existing results are untouched; choose another output folder",
                argument="out")
    if len(X) > len(old):
        store.add_points(X, start=len(old))
    return store.statuses()


def _open_locked(store: RunStore) -> None:
    """Open the store and hold its lock; another process holding it is a usage error (exit 2), not a crash."""
    try:
        store.open()
    except StoreBusy:
        raise UsageError(f"{store.folder}: another cosim experiment is writing to this folder "
                         "(wait for it to finish or choose another output folder)", argument="out") from None


def _claim(store: RunStore, exp: Experiment, out: Path, X: np.ndarray, points: pd.DataFrame,
           ident: dict[str, Any], resolved: dict[str, Any]) -> None:
    """Create the store, locked, then the manifest (at the first finished run of a fresh folder).

    The lock comes first: of two processes started at once on a fresh folder,
    the second is refused here with a usage error (exit 2) and writes nothing
    (it once died with a ``StoreBusy`` traceback after overwriting the first
    one's manifest).
    """
    out.mkdir(parents=True, exist_ok=True)
    _open_locked(store)
    meta = store.meta()
    if meta and meta.get("identity_sha256") != _hash(ident):  # another process wrote here meanwhile
        store.close()
        raise UsageError(f"{out}: another cosim experiment wrote a different experiment to this folder "
                         "meanwhile; choose another output folder", argument="out")
    store.set_meta({"identity": ident, "identity_sha256": _hash(ident),
                    "experiment_file": exp.source, "name": exp.name})
    store.add_points(X)
    _write_manifest(exp, out, X, points, ident, resolved, status="running", extra={})
    _remove_stale_temporaries(out)


def _remove_stale_temporaries(out: Path) -> None:
    """What a killed experiment left in its folder (hidden temporary files of dead processes)."""
    for folder in (out, out / "timeseries"):
        remove_stale_temporaries(folder)


def _is_our_fresh_folder(out: Path, ident: dict[str, Any]) -> bool:
    """A folder with only our manifest (killed before the first run finished) may be reused."""
    try:
        m = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    return m.get("kind") == "experiment" and m.get("hashes", {}).get("identity") == _hash(ident)


def run_experiment(
    exp: Experiment,
    out: str | Path,
    *,
    workers: int = 1,
    dask_address: str | None = None,
    dask_local: int | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    figures: FigureWriter | None = None,
    batch_size: int | None = None,
) -> pd.DataFrame:
    """Run every (design point, replication) not yet in ``out``; return the full runs table.

    The table has ``run_id, point_id, replication, seed, status ("ok"/"failed"),
    error``, one column per factor (the value the model got), one per outcome,
    and ``seconds`` (wall time of the run itself).  Each run is committed to
    ``out/runs.sqlite`` as it finishes; ``out/runs.parquet``,
    ``out/manifest.json`` and, given a ``figures`` writer (e.g.
    :func:`cosim.reports.experiment.summary_figures`), ``out/figures/`` are written at the end.  Failed
    runs are kept (status "failed", their error) and are rerun only with
    ``retry_failed``.  ``batch_size``: runs sent to a worker at once (default:
    small runs in chunks of about a second and a half of work, see
    :func:`cosim.runs.backends.map_runs`; 1: one at a time); results do not
    depend on it.  Raises :class:`cosim.errors.UsageError` when ``out`` holds another
    experiment or the backend cannot start (nothing is written then).
    """
    from cosim.errors import expect_int, expect_path, expect_type
    from cosim.runs.backends import check_workers, map_runs

    expect_type(exp, "exp", Experiment, "an Experiment (from cosim.runs.experiment.load_experiment(path))")
    out = Path(expect_path(out, "out", what="a results folder path (str or pathlib.Path)"))
    check_workers(expect_int(workers, "workers", minimum=1))
    if batch_size is not None:
        batch_size = expect_int(batch_size, "batch_size", minimum=1, what="a number of runs")
    too_big = scale_problem(exp, count_points(exp), workers)  # e.g. replications raised after loading
    if too_big:
        raise UsageError(too_big, argument="replications")
    X, points = _build_design(exp)
    base_raw, resolved = base_scenario(exp)
    ident = identity(exp, resolved)
    store = RunStore(out)
    started = time.time()
    try:
        statuses = _open_store(store, ident, X)
        plan = [(p, r) for r in range(exp.replications) for p in range(len(points))]  # replication-major
        todo = [(p, r) for p, r in plan
                if statuses.get(run_id_of(p, r)) is None or (retry_failed and statuses[run_id_of(p, r)] == "failed")]
        before = {"done": len(plan) - len(todo), "failed": sum(statuses.get(run_id_of(p, r)) == "failed"
                                                               for p, r in plan)}
        params = _point_params(exp, points)
        tasks = [evaluators.RunTask(
            run_id=run_id_of(p, r), seed=run_seed_of(exp.root_seed, p, r, exp.common_random_numbers),
            params=params[p], model=exp.model, base=base_raw, source=f"{exp.source} (point {p})",
            keep_timeseries=exp.keep_timeseries, noise_sd=exp.noise_sd) for p, r in todo]
        if progress and before["done"]:
            print(f"{out}: {before['done']} of {len(plan)} runs already done"
                  + (f" ({before['failed']} failed{'; retrying them' if retry_failed else ''})"
                     if before["failed"] else ""), file=sys.stderr)

        def begin() -> None:  # only once a run has finished: the store (locked) first, then the manifest
            if store.con is None:
                _claim(store, exp, out, X, points, ident, resolved)

        if store.con is not None:
            _remove_stale_temporaries(out)
        new = failed = 0
        try:
            with _one_blas_thread(workers > 1 and not (dask_address or dask_local)):
                runs = map_runs(evaluators.evaluate_run, tasks, workers=workers, dask_address=dask_address,
                                dask_local=dask_local, progress=progress, desc=exp.name,
                                seconds=[task_seconds(t) for t in tasks], batch_size=batch_size)
                for i, res in runs:
                    begin()
                    p, r = todo[i]
                    task = tasks[i]
                    value = res.value if res.ok else None
                    if value is not None and value.get("timeseries") is not None:
                        _write_timeseries(out, task.run_id, p, r, value["timeseries"])
                    store.record(task.run_id, p, r, task.seed, res.ok, "" if res.ok else res.error,
                                 value["outcomes"] if value else None, res.seconds)
                    new += 1
                    failed += not res.ok
        except BackendError as exc:
            raise UsageError(str(exc)) from None
        begin()
        table = _table(exp, store, points, plan)
        wall = time.time() - started
        figure_names = figures(table, exp, out) if figures else []
        write_parquet(out / "runs.parquet", table)
        _write_manifest(exp, out, X, points, ident, resolved, status="complete", extra={
            "runs": {"total": len(table), "ok": int((table["status"] == "ok").sum()),
                     "failed": int((table["status"] == "failed").sum()),
                     "this_session": new, "failed_this_session": failed},
            "session": {"backend": _backend_name(workers, dask_address, dask_local),
                        "wall_time_s": round(wall, 3), "retry_failed": retry_failed},
            "figures": figure_names,
        })
    finally:
        store.close()
    table.attrs["summary"] = {"new": new, "failed_new": failed, "skipped": before["done"], "wall_s": wall}
    return table


_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def _one_blas_thread(active: bool) -> Iterator[None]:
    """Spawned workers inherit the environment: give each one BLAS thread, as Dask's nanny does.

    Otherwise N workers each start a BLAS pool as wide as the machine and
    oversubscribe it (measured: 2 workers on 2 cores ran 22-34% slower).  A
    value the user set is kept.  Results do not change (tested bit for bit).
    """
    saved = {k: os.environ.get(k) for k in _THREAD_VARS}
    if active:
        os.environ.update({k: v or "1" for k, v in saved.items()})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _backend_name(workers: int, dask_address: str | None, dask_local: int | None) -> str:
    if dask_address:
        return f"dask {dask_address}"
    if dask_local:
        return f"dask LocalCluster x{dask_local}"
    return "serial" if workers <= 1 else f"{workers} local processes"


def _point_params(exp: Experiment, points: pd.DataFrame) -> list[dict[str, Any]]:
    """Overrides for each design point: the factor values (plus constants for the ishigami model)."""
    fixed = dict(exp.constants) if exp.model == "ishigami" else {}
    cols = exp.factor_paths
    return [{**fixed, **{c: _plain(v) for c, v in zip(cols, row, strict=True)}}
            for row in points[cols].itertuples(index=False, name=None)]


def _table(exp: Experiment, store: RunStore, points: pd.DataFrame, plan: list[tuple[int, int]]) -> pd.DataFrame:
    """The runs table of the current plan, sorted by run id."""
    runs = store.runs(run_id_of(p, r) for p, r in plan)
    outcomes = expand_outcomes(runs, exp.outcome_names)
    table = runs[["run_id", "point_id", "replication", "seed", "status", "error"]].merge(
        points, on="point_id", how="left")
    table = pd.concat([table, outcomes, runs[["seconds"]]], axis=1)
    return table.sort_values("run_id", kind="stable").reset_index(drop=True)


def _write_timeseries(out: Path, run_id: int, point_id: int, replication: int, ts: pd.DataFrame) -> None:
    folder = out / "timeseries"
    folder.mkdir(exist_ok=True)
    ts = ts.copy()
    ts.insert(0, "replication", replication)
    ts.insert(0, "point_id", point_id)
    ts.insert(0, "run_id", run_id)
    write_parquet(folder / f"run-{run_id}.parquet", ts)


def _write_manifest(exp: Experiment, out: Path, X: np.ndarray, points: pd.DataFrame, ident: dict[str, Any],
                    resolved: dict[str, Any], status: str, extra: dict[str, Any]) -> None:
    from cosim.outputs.results import file_hash, manifest, write_json

    previous: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        previous = json.loads((out / "manifest.json").read_text())
    sessions = list(previous.get("sessions", []))
    if extra.get("session"):
        sessions.append({**extra.pop("session"), "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                         **extra.get("runs", {})})
    source = Path(exp.source)
    m = manifest(
        kind="experiment",
        status=status,
        first_created=previous.get("first_created", previous.get("created")),
        experiment_file=str(source),
        experiment_text=source.read_text() if source.is_file() else None,
        experiment=exp.model_dump(mode="json"),
        base_scenario_file=exp.base,
        base_scenario=resolved or None,
        start_date=(resolved or {}).get("run", {}).get("start_date"),  # of the base scenario: week 0's date
        design={"kind": exp.design, "samples": exp.samples, "points": len(points),
                "replications": exp.replications, "runs": len(points) * exp.replications,
                "columns": exp.factor_paths, "salib_problem": salib_problem(exp),
                "seeds": "SeedSequence(root_seed, spawn_key=(replication,) if common_random_numbers "
                         "else (point_id, replication))",
                "run_id": f"point_id * {REPLICATION_STRIDE} + replication"},
        hashes={"identity": _hash(ident),
                "design_X": hashlib.sha256(np.ascontiguousarray(X).tobytes()).hexdigest(),
                "experiment_file": file_hash(source) if source.is_file() else None,
                "base_scenario_file": file_hash(exp.base) if exp.base else None,
                "base_scenario_resolved": _hash(resolved) if resolved else None},
        store=STORE_FILE,
        sessions=sessions,
        **extra,
    )
    if m["first_created"] is None:
        m["first_created"] = m["created"]
    write_json(out / "manifest.json", m)


# --------------------------------------------------------------------------- command line
