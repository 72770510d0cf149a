"""The inputs of a fit: observed targets (TARGETS.csv), the params file (priors, constants,
settings) and the checked :class:`Problem` built from them with the base scenario.

Every problem in the files is reported at once, naming file, row or key (ScenarioError).
Just over 400 lines: the two file formats are checked against each other.
"""

from __future__ import annotations

import collections
import csv
import dataclasses
import datetime
import difflib
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError

from cosim.errors import ScenarioError, UsageError, path_problem
from cosim.outputs.metrics import METRICS
from cosim.scenario.loading import check_file_name, read_toml, scenario_from_dict, set_path
from cosim.scenario.schedules import schedule_field
from cosim.scenario.schema import parameter_table
from cosim.scenario.validation import format_validation_error

#: model runs a fit spends unless --budget or calibration.budget says otherwise
DEFAULT_BUDGET = 1000


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


#: metrics whose counters start at week 0 (MODEL.md s2: the burn-in's counters are reset), so their week-0
#: value is 0 by construction in every run; checked by tests/test_calibrate.py on a run
ZERO_AT_WEEK_0 = ("requests", "resolved", "dropped", "requests_per_1000", "median_response_weeks", "share_dropped",
                  "mean_outcome", "trained", "breaches", "spend", "spend_cumulative", "gini_contributions",
                  "top1_share", "top10_share",
                  # hotspot use: the burn-in runs the status quo (no hotspots), and week 0 is recorded before its use
                  "share_hotspot_users", "hotspot_users_per_hotspot_day", "share_hotspot_ever", "share_hotspot_capped")
#: without a burn-in (run.burn_in_weeks = 0) nobody has been online or taken part before week 0 either
ZERO_AT_WEEK_0_COLD = ("share_online", "share_online_low", "share_online_mid", "share_online_high",
                       "share_participated_year", "share_participated_year_low", "share_participated_year_mid",
                       "share_participated_year_high", "backlog", "backlog_per_1000")
#: catalogue kinds whose values are fractions in [0, 1] (the gaps, differences of two rates, in [-1, 1])
FRACTION_KINDS = ("share", "weekly", "index")
SIGNED_FRACTIONS = ("participation_gap", "e_participation_gap")


def zero_at_week_0(metric: str, burn_in: int) -> bool:
    """True when ``metric`` is 0 at week 0 in every run (so a week-0 target of it can tell nothing)."""
    if metric in ZERO_AT_WEEK_0:
        return True
    if burn_in > 0:
        return False
    from cosim.outputs.catalogue import CATALOGUE

    return metric in ZERO_AT_WEEK_0_COLD or (metric in CATALOGUE and CATALOGUE[metric].kind == "weekly")


def value_problem(metric: str, value: float) -> str:
    """Why ``value`` cannot be an observation of ``metric`` (a share outside [0, 1], ...), or ''."""
    from cosim.outputs.catalogue import CATALOGUE

    if metric not in CATALOGUE or CATALOGUE[metric].kind not in FRACTION_KINDS:
        return "" if value >= 0 or metric in SIGNED_FRACTIONS else f"{metric} cannot be negative, got {value:g}"
    lo = -1.0 if metric in SIGNED_FRACTIONS else 0.0
    if lo <= value <= 1.0:
        return ""
    kind = {"share": "a share", "weekly": "a weekly share", "index": "an index"}[CATALOGUE[metric].kind]
    hint = (f" (if {value:g} is a percent, did you mean {value / 100:g}?)" if 1.0 < abs(value) <= 100.0
            else "")
    return f"{metric} is {kind} between {lo:g} and 1, got {value:g}{hint}"


def _date_to_step(cell: dict[str, str], start: datetime.date) -> tuple[str, dict[str, str]]:
    """A target row's ``date`` as its ``step`` (the week the date falls in); a problem, or ``""``.

    An empty date beside a step leaves the row to its step (a file may mix rows by week and by date)."""
    if not cell["date"] and cell.get("step"):
        return "", cell
    try:
        when = datetime.date.fromisoformat(cell["date"])
    except ValueError:
        also = " (or a week in column step)" if "step" in cell else ""
        return f"expected a date written YYYY-MM-DD{also}, got '{cell['date']}'", cell
    if when < start:
        return f"{when} is before the run's start date ({start}, run.start_date)", cell
    step = (when - start).days // 7
    given = cell.get("step", "")
    if given and _as_int(given) != step:
        return (f"{when} is week {step} from the start date {start} but column step says '{given}'; "
                "give one of them or make them agree"), cell
    return "", {**cell, "step": str(step)}


def read_targets(path: str | Path, horizon: int | None, horizon_source: str, burn_in: int = 52,
                 start_date: datetime.date | None = None) -> list[Target]:
    """Read and check TARGETS.csv; raise ScenarioError naming file, row and column for every problem.

    Checked: the header, each metric (one of cosim.METRICS, with a did-you-mean), the week (>= 0, not beyond
    ``horizon`` when given, not week 0 for a metric that is 0 there by construction given ``burn_in``), the
    value (a share or index in [0, 1], with a hint when it looks like a percent) and the sd (> 0).
    A ``date`` column (ISO, 2024-07-01) may stand for ``step`` or stand beside it: a date is in the week
    ``(date - start_date) // 7`` days (``start_date``: the scenario's ``run.start_date``, default
    2022-07-01); a date before the start, beyond the horizon, or disagreeing with ``step`` is an error.
    """
    if start_date is None:
        from cosim.scenario.schema import RunConfig

        start_date = RunConfig().start_date
    check_file_name(path)
    p = Path(path)
    if p.is_dir():
        raise ScenarioError([f"{p}: is a folder; expected a CSV file"])
    if not p.is_file():
        raise ScenarioError([f"{p}: no such file"])
    try:
        text = p.read_text(encoding="utf-8-sig")  # utf-8-sig: Excel saves CSV with a byte-order mark
    except UnicodeDecodeError:
        raise ScenarioError([f"{p}: not a UTF-8 text file"]) from None
    except OSError as exc:
        raise ScenarioError([f"{p}: cannot be read ({exc.strerror or exc})"]) from None
    lines = [(i + 1, line) for i, line in enumerate(text.splitlines()) if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise ScenarioError([f"{p}: empty: expected a header 'metric,step,value,sd' and at least one row"])
    # one line, one row: a stray quote must not swallow the lines after it
    rows = [_csv_row(line) for _, line in lines]
    header = [h.strip() for h in rows[0] or []]
    need = ("metric", "step", "value", "sd")
    missing = [c for c in need if c not in header and not (c == "step" and "date" in header)]
    if missing:
        raise ScenarioError([f"{p}, line {lines[0][0]}: missing column(s) {', '.join(missing)} "
                             f"(expected the header metric,step,value,sd; got {','.join(header)})"])
    twice = sorted(h for h, n in collections.Counter(header).items() if n > 1)
    if twice:
        raise ScenarioError([f"{p}, line {lines[0][0]}: column(s) {', '.join(repr(h[:40]) for h in twice[:5])} "
                             "appear more than once in the header; expected each column once"])
    col = {name: header.index(name) for name in header}
    problems: list[str] = []
    targets: list[Target] = []
    seen: dict[str, int] = {}
    if len(rows) < 2:
        problems.append(f"{p}: no target rows after the header")
    for k, ((line_no, _), row) in enumerate(zip(lines[1:], rows[1:], strict=True), start=1):
        where = f"{p}, row {k} (line {line_no})"
        if row is None:
            problems.append(f"{where}: expected comma-separated text, got a line with a NUL byte")
            continue
        if len(row) != len(header):
            problems.append(f"{where}: expected {len(header)} columns like the header, got {len(row)}")
            continue
        cell = {name: row[i].strip() for name, i in col.items()}
        bad = False
        if "date" in cell:
            problem, cell = _date_to_step(cell, start_date)
            if problem:
                problems.append(f"{where}, column date: {problem}")
                continue
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
        elif horizon is not None and step > horizon:
            said = f"date: {cell['date']} is in week {step}," if cell.get("date") else f"step: week {step} is"
            problems.append(f"{where}, column {said} beyond the horizon "
                            f"(run.steps = {horizon} in {horizon_source})")
            bad = True
        value = _as_float(cell["value"])
        if value is None:
            problems.append(f"{where}, column value: expected a number, got '{cell['value']}'")
            bad = True
        elif metric in METRICS and value_problem(metric, value):
            problems.append(f"{where}, column value: {value_problem(metric, value)}")
            bad = True
        if step == 0 and metric in METRICS and zero_at_week_0(metric, burn_in):
            why = ("its counter starts at week 0" if metric in ZERO_AT_WEEK_0
                   else "run.burn_in_weeks = 0: nothing has happened before week 0")
            problems.append(f"{where}, column step: {metric} is 0 at week 0 in every run ({why}), so a target "
                            "there cannot inform the fit; expected a later week")
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
        note = "; ".join(f"{n}: {cell[n]}" for n in header if n not in (*need, "date") and cell[n])
        targets.append(Target(metric, int(step), float(value), float(sd), line_no, note))  # type: ignore[arg-type]
    if problems:
        raise ScenarioError(problems)
    return targets


def _csv_row(line: str) -> list[str] | None:
    """One CSV line as its cells, or None when it is not CSV (a NUL byte)."""
    try:
        return next(csv.reader([line]), [])
    except csv.Error:
        return None


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
    for table in ("calibration", "constants", "parameters"):
        if not isinstance(data.get(table, {}), dict):
            problems.append(f"{src}: {table}: expected a table [{table}], got {data[table]!r:.60}")
            data = {**data, table: {}}
    try:
        settings = Settings.model_validate(data.get("calibration", {}))
    except ValidationError as exc:
        problems += format_validation_error(exc, src, model=Settings, prefix="calibration")
        settings = Settings()
    schema = {row["path"]: row for row in parameter_table()}
    constants = _flatten(data.get("constants", {}))
    # a schedule's fields are parameters too (schedules.<path>.midpoint in decimal years, ...)
    for key in [*constants, *_flatten(data.get("parameters", {}))]:
        row = schedule_field(key)
        if row is not None:
            schema[key] = row
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


def check_targets_files(paths: Sequence[str | Path]) -> list[str]:
    """Check targets files (for ``cosim check``) against the default scenario's burn-in; return every problem.

    The horizon is the base scenario's, unknown here: ``cosim calibrate`` checks it.
    """
    from cosim.scenario.schema import Scenario

    problems: list[str] = []
    for path in paths:
        try:
            read_targets(path, None, "", Scenario().run.burn_in_weeks)
        except ScenarioError as exc:
            problems += exc.problems
    return problems


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
    from cosim.scenario.loading import file_kind

    return file_kind(path) == "calibration"


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
    overrides: dict[str, Any] = dataclasses.field(default_factory=dict)  # --set, applied to the base scenario

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
                 budget: int | None, overrides: dict[str, Any] | None = None) -> Problem:
    """Read and check the three input files; raise ScenarioError/UsageError on any problem.

    ``overrides`` (``--set KEY=VALUE``) change the base scenario, so they are carried into best.toml (unlike
    the params file's [constants]); a key that is also fitted or held constant by the params file is refused.
    """
    for label, f in (("targets file", targets_path), ("base scenario", scenario_path), ("params file", params_path)):
        if path_problem(str(f)) or not Path(f).is_file():
            raise ScenarioError([f"{f}: no such file ({label})"])
    spec = read_params(params_path)
    base = read_toml(scenario_path)
    base.setdefault("name", Path(scenario_path).stem)
    overrides = dict(overrides or {})
    clash = [f"--set {k}: also {'fitted in [parameters]' if k in {p.path for p in spec.priors} else 'held in [constants]'}"
             f" of {params_path}; set it in one place" for k in overrides
             if k in spec.constants or k in {p.path for p in spec.priors}]
    if clash:
        raise ScenarioError(clash)
    if overrides:
        scenario_from_dict(base, scenario_path, overrides)  # names the bad key as "(with --set)"
        for key, value in overrides.items():
            set_path(base, key, value)
    for key, value in spec.constants.items():
        set_path(base, key, value)
    source = f"{scenario_path} with [constants] of {params_path}" if spec.constants else scenario_path
    scenario = scenario_from_dict(base, source)
    horizon = scenario.run.steps
    targets = read_targets(targets_path, horizon, source, scenario.run.burn_in_weeks, scenario.run.start_date)
    method = method or spec.settings.method
    budget = budget if budget is not None else (spec.settings.budget or DEFAULT_BUDGET)
    if budget < 1:
        raise UsageError(f"expected a positive number of runs, got {budget}", argument="budget")
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
                   horizon, tuple(steps), overrides)
