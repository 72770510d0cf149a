"""Property-based fuzzing of every input file and ``--set`` (Hypothesis; issue 15, input items).

Property: a loader either accepts the input (and the object it returns is
valid) or raises ScenarioError/UsageError with at least one line of the form
``file: key: ...``; never another exception, never a hang.  Inputs mix valid
keys (from ``cosim.scenario.schema.parameter_table()``) with typos, wrong
types and out-of-range values, so most examples land near the boundary.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import tempfile
from pathlib import Path

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cosim import Scenario, ScenarioError, load_scenario
from cosim.analysis.calibration.targets import read_params, read_targets
from cosim.cli import main as cli
from cosim.errors import UsageError
from cosim.outputs.metrics import METRICS
from cosim.runs.experiment import load_experiment
from cosim.runs.spec import Experiment
from cosim.scenario.schema import parameter_table

# the same examples every run (a failure reproduces); COSIM_FUZZ_EXAMPLES=2000 COSIM_FUZZ_RANDOM=1 explores further
FUZZ = settings(max_examples=int(os.environ.get("COSIM_FUZZ_EXAMPLES", "150")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow], derandomize=not os.environ.get("COSIM_FUZZ_RANDOM"))
ROWS = parameter_table()
PATHS = [r["path"] for r in ROWS]
TABLES = sorted({p.split(".")[0] for p in PATHS})
TINY = {"name": "tiny", "run": {"n_citizens": 50, "steps": 3}}

# values of every kind TOML can hold, hostile ones included
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2**63 - 1, 2**63, 2**64, 10**30, -(10**30)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, 5e-324, -0.0]),
)
scalars = st.one_of(numbers, st.booleans(), st.text(max_size=12), st.sampled_from(["", "many", "\x00", "n" * 300]))
values = st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(st.text(max_size=5), scalars, max_size=2))


def typo(word: str) -> st.SearchStrategy[str]:
    """``word`` with one character dropped, doubled or replaced (a plausible slip)."""
    return st.integers(0, max(0, len(word) - 1)).flatmap(lambda i: st.sampled_from([
        word[:i] + word[i + 1:], word[:i] + word[i] * 2 + word[i + 1:], word[:i] + "x" + word[i + 1:]]))


@st.composite
def parameter_value(draw, row: dict) -> object:
    """A value for a schema parameter: valid, just out of range, or of a wrong type."""
    lo, hi, default = row["min"], row["max"], row["default"]
    choices = [st.just(default), values]
    if isinstance(lo, int | float) and not isinstance(lo, bool):
        choices.append(st.sampled_from([lo, lo - 1, lo - 1e-9]))
    if isinstance(hi, int | float) and not isinstance(hi, bool):
        choices.append(st.sampled_from([hi, hi + 1, hi * 10]))
    return draw(st.one_of(*choices))


@st.composite
def scenario_trees(draw) -> dict:
    """A scenario as TOML tables: the tiny run plus a few keys, valid or slightly wrong."""
    tree: dict = {"name": "tiny", "run": {"n_citizens": 50, "steps": 3}}
    for _ in range(draw(st.integers(1, 6))):
        row = draw(st.sampled_from(ROWS))
        table, key = row["path"].split(".", 1)
        kind = draw(st.sampled_from(["valid", "valid", "typo_key", "typo_table", "value"]))
        if kind == "typo_key":
            key = draw(typo(key))
        elif kind == "typo_table":
            table = draw(typo(table))
        value = draw(parameter_value(row)) if kind != "value" else draw(values)
        node = tree.setdefault(table, {})
        if isinstance(node, dict):
            node[key] = value
    if draw(st.booleans()):
        tree["events"] = draw(st.lists(st.dictionaries(st.sampled_from(["kind", "step", "severity", "municipality"]),
                                                       values, max_size=3), max_size=2))
    if draw(st.booleans()):
        tree[draw(st.sampled_from(["name", "description", "run"]))] = draw(values)
    return tree


_FOLDER = tempfile.TemporaryDirectory(prefix="cosim-fuzz-")  # removed when the test session ends
_NUMBER = itertools.count()


def _new_path(suffix: str) -> Path:
    return Path(_FOLDER.name) / f"f{next(_NUMBER)}{suffix}"


def _write(tree: dict, suffix: str = ".toml") -> Path:
    path = _new_path(suffix)
    try:
        text = tomli_w.dumps(tree)
    except (TypeError, ValueError):  # a value TOML cannot hold (e.g. a NUL in a key): write what we can
        text = tomli_w.dumps({"name": "tiny"})
    path.write_text(text, encoding="utf-8")
    return path


def _assert_clear(exc: Exception, path: Path | str) -> None:
    """One or more ``file: key: ...`` lines (or a UsageError naming its argument)."""
    if isinstance(exc, UsageError):
        assert exc.argument, str(exc)
        return
    assert isinstance(exc, ScenarioError), f"{type(exc).__name__}: {exc}"
    pattern = re.compile(rf"^{re.escape(str(path))}( \(with --set\))?(, row \d+ \(line \d+\)|, line \d+)?(, column \w+)?: .+")
    assert any(pattern.match(p) for p in exc.problems), exc.problems


@FUZZ
@given(scenario_trees())
def test_fuzzed_scenario_files_are_accepted_or_refused_clearly(tree):
    path = _write(tree)
    try:
        scenario = load_scenario(path)
    except (ScenarioError, UsageError) as exc:
        _assert_clear(exc, path)
    else:
        assert isinstance(scenario, Scenario)
        assert Scenario.model_validate(scenario.model_dump()) == scenario  # the object is valid


@FUZZ
@given(scenario_trees())
def test_cosim_check_exits_0_or_2_on_fuzzed_files(tree):
    path = _write(tree)
    assert cli(["check", str(path)]) in (0, 2)


set_keys = st.one_of(st.sampled_from(PATHS), st.sampled_from(PATHS).flatmap(typo), st.text(max_size=20))
set_values = st.one_of(st.text(max_size=20), numbers.map(str), st.sampled_from(
    ["", "nan", "inf", "-inf", "[1,", "{a=1}", "true", "yes", '"40"', "1e999", "0x10", "1_000", "2**64"]))


@FUZZ
@given(st.lists(st.one_of(st.tuples(set_keys, set_values).map("=".join), st.text(max_size=20)), min_size=1,
                max_size=3))
def test_fuzzed_set_strings_are_accepted_or_refused_clearly(pairs):
    path = _write(TINY)
    try:
        scenario = load_scenario(path, pairs)
    except (ScenarioError, UsageError) as exc:
        if isinstance(exc, ScenarioError):
            assert any(p.startswith((str(path), "--set ")) and p.count(":") >= 1 for p in exc.problems), exc.problems
        else:
            assert exc.argument
    else:
        assert isinstance(scenario, Scenario)


EXPERIMENT_KEYS = [k for k in Experiment.model_fields if k not in ("factors", "source")]
FACTOR_KEYS = ["path", "min", "max", "integer", "steps", "values", "group"]


@st.composite
def experiment_trees(draw) -> dict:
    table = {"name": "fuzz", "model": draw(st.sampled_from(["cosim", "ishigami", "other"])),
             "design": draw(st.sampled_from(["grid", "lhs", "sobol", "morris", "grids"]))}
    for _ in range(draw(st.integers(0, 4))):
        key = draw(st.one_of(st.sampled_from(EXPERIMENT_KEYS), st.sampled_from(EXPERIMENT_KEYS).flatmap(typo)))
        table[key] = draw(st.one_of(values, st.integers(0, 64)))
    table.pop("base", None)  # a base file would be read from disk: the base scenario is fuzzed above
    factors = []
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.one_of(st.sampled_from(["x1", "x2", "x3"]), st.sampled_from(PATHS),
                              st.sampled_from(PATHS).flatmap(typo)))
        factor: dict = {"path": path}
        if draw(st.booleans()):
            factor["min"], factor["max"] = draw(numbers), draw(numbers)
        else:
            factor["values"] = draw(st.lists(scalars, max_size=3))
        for key in draw(st.lists(st.sampled_from(FACTOR_KEYS), max_size=2)):
            factor[key] = draw(values)
        factors.append(factor)
    tree: dict = {"experiment": table}
    if factors:
        tree["factors"] = factors
    if draw(st.booleans()):
        tree[draw(st.sampled_from(["experiments", "factor", "constants"]))] = {"a": 1}
    return tree


@FUZZ
@given(experiment_trees())
def test_fuzzed_experiment_files_are_accepted_or_refused_clearly(tree):
    path = _write(tree)
    try:
        exp = load_experiment(path)
    except (ScenarioError, UsageError) as exc:
        _assert_clear(exc, path)
    else:
        assert isinstance(exp, Experiment) and exp.factors


SETTINGS_KEYS = ["method", "seed", "budget", "replications", "population", "alpha", "min_acceptance",
                 "max_generations", "popsize", "validation"]


@st.composite
def params_trees(draw) -> dict:
    calibration = {draw(st.one_of(st.sampled_from(SETTINGS_KEYS), st.sampled_from(SETTINGS_KEYS).flatmap(typo))):
                   draw(st.one_of(values, st.integers(0, 200), st.floats(0, 1)))
                   for _ in range(draw(st.integers(0, 3)))}
    rows = [r for r in ROWS if r["type"] in ("int", "float")]
    parameters = {}
    for _ in range(draw(st.integers(0, 3))):
        row = draw(st.sampled_from(ROWS))
        key = draw(st.one_of(st.just(row["path"]), typo(row["path"])))
        prior = draw(st.one_of(
            st.lists(numbers, min_size=0, max_size=3),
            st.fixed_dictionaries({"min": numbers, "max": numbers},
                                  optional={"scale": st.sampled_from(["log", "linear", "logs"])}),
            st.tuples(parameter_value(row), parameter_value(row)).map(list),
            values))
        parameters[key] = prior
    row = draw(st.sampled_from(rows))
    constants = {row["path"]: draw(parameter_value(row))} if draw(st.booleans()) else {}
    tree = {"calibration": calibration, "parameters": parameters, "constants": constants}
    if draw(st.booleans()):
        tree[draw(st.sampled_from(["calibration", "parameters", "constants", "extra"]))] = draw(values)
    return tree


@FUZZ
@given(params_trees())
def test_fuzzed_calibration_params_files_are_accepted_or_refused_clearly(tree):
    path = _write(tree)
    try:
        spec = read_params(path)
    except (ScenarioError, UsageError) as exc:
        _assert_clear(exc, path)
    else:
        assert spec.priors and all(p.lo < p.hi for p in spec.priors)


cells = st.one_of(st.sampled_from(METRICS), st.sampled_from(METRICS).flatmap(typo), numbers.map(str),
                  st.text(max_size=8), st.sampled_from(["", "nan", "inf", "-1", "1e999", "52", "0.3", '"x"']))


@FUZZ
@given(st.one_of(st.just(["metric", "step", "value", "sd"]),
                 st.lists(st.sampled_from(["metric", "step", "value", "sd", "source", "Metric", ""]), max_size=5)),
       st.lists(st.lists(cells, min_size=0, max_size=6), max_size=4))
def test_fuzzed_targets_csv_is_accepted_or_refused_clearly(header, rows):
    path = _new_path(".csv")
    lines = [",".join(header)] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        targets = read_targets(path, 52, "the base scenario")
    except (ScenarioError, UsageError) as exc:
        _assert_clear(exc, path)
    else:
        assert targets and all(t.sd > 0 and 0 <= t.step <= 52 and math.isfinite(t.value) for t in targets)
