"""Reading scenario files: TOML -> validated, frozen :class:`~cosim.scenario.schema.Scenario`.

Every problem is reported as a :class:`ScenarioError` whose message names the file,
the dotted key path and what was expected, so the CLI can print it and exit 2
without a traceback.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from cosim.errors import ScenarioError, UsageError, expect_type, path_problem
from cosim.scenario.library import resolve_scenario, scenario_names
from cosim.scenario.schedules import schedule_problem
from cosim.scenario.schema import LEVERS, Scenario
from cosim.scenario.validation import format_validation_error


def parse_value(text: str) -> Any:
    """Parse a ``--set`` value as a TOML value; bare words are strings."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``data[a][b][c] = value`` for ``path = "a.b.c"``, creating tables."""
    keys = path.split(".")
    if keys[0] == "schedules" and len(keys) >= 4:
        # schedules.<dotted.parameter.path>.<field>: the parameter's path is one key of [schedules]
        keys = [keys[0], ".".join(keys[1:-1]), keys[-1]]
    elif keys[0] == "schedules" and len(keys) == 3:
        # schedules.<section>.<parameter>: the whole schedule ({ kind = "step", points = [...] })
        keys = [keys[0], ".".join(keys[1:])]
    node = data
    for key in keys[:-1]:
        nxt = node.setdefault(key, {})
        if not isinstance(nxt, dict):
            raise ScenarioError([f"--set {path}: '{key}' is a value, not a table"])
        node = nxt
    node[keys[-1]] = value


def parse_overrides(pairs: Iterable[str]) -> dict[str, Any]:
    """``["wifi.hotspots=40", ...]`` -> ``{"wifi.hotspots": 40, ...}``."""
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise ScenarioError([f"--set {pair}: expected KEY=VALUE, e.g. wifi.hotspots=40"])
        key, value = pair.split("=", 1)
        if not all(part.strip() for part in key.split(".")):
            raise ScenarioError([f"--set {pair}: expected KEY=VALUE with a dotted KEY, e.g. wifi.hotspots=40"])
        out[key.strip()] = parse_value(value.strip())
    return out


def check_file_name(path: str | Path) -> None:
    """Refuse (ScenarioError) a path no file can have: empty, a NUL byte, a name too long for the file system."""
    problem = path_problem(os.fspath(path))
    if problem:
        raise ScenarioError([f"{os.fspath(path)[:80]!r}: not a usable file name: it {problem}"])


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning a missing file or bad syntax into a ScenarioError."""
    check_file_name(path)
    p = Path(path)
    if p.is_dir():
        raise ScenarioError([f"{p}: is a folder; expected a TOML file"])
    if not p.is_file():
        raise ScenarioError([f"{p}: no such file"])
    try:
        # a byte-order mark (Windows editors) is not TOML, but not the user's mistake either
        data = tomllib.loads(p.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([f"{p}: invalid TOML: {exc}"]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError([f"{p}: not a UTF-8 text file (byte {exc.start}: {exc.object[exc.start:exc.start + 1]!r}); "
                             "save it as UTF-8"]) from None
    except RecursionError:  # tomllib parses nested inline tables and arrays recursively
        raise ScenarioError([f"{p}: nested too deeply: cosim files nest tables at most {MAX_DEPTH} levels"]) from None
    except OSError as exc:
        raise ScenarioError([f"{p}: cannot be read ({exc.strerror or exc})"]) from None
    where = _too_deep(data)
    if where is not None:
        raise ScenarioError([f"{p}: {where}: nested too deeply: cosim files nest tables at most {MAX_DEPTH} levels"])
    return data


#: the deepest nesting any cosim file needs is 3 (``[wifi]`` > ``phases`` > a phase table); far deeper
#: input would only exhaust the recursion of the validators
MAX_DEPTH = 16


def _too_deep(data: Any) -> str | None:
    """The key path of the first value nested more than MAX_DEPTH levels, or None (iterative: no recursion)."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        node, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            return where[:80] + ("..." if len(where) > 80 else "")
        if isinstance(node, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k), depth + 1) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{where}[{i}]", depth + 1) for i, v in enumerate(node))
    return None


#: top-level tables that make a TOML file an experiment design or a calibration params file
EXPERIMENT_TABLES = ("experiment", "factors")
CALIBRATION_TABLES = ("calibration", "parameters")


def file_kind(path: str | Path) -> str:
    """What a TOML file is, by its top-level tables: ``"experiment"``, ``"calibration"`` or ``"scenario"``.

    Decided by the content, never by the folder the file sits in (a scenario
    under ``experiments/`` is a scenario).  A file that cannot be read or
    parsed counts as a scenario, so the scenario loader reports why.
    """
    try:
        data = read_toml(path)
    except ScenarioError:
        return "scenario"
    if any(k in data for k in EXPERIMENT_TABLES):
        return "experiment"
    if any(k in data for k in CALIBRATION_TABLES):
        return "calibration"
    return "scenario"


def scenario_from_dict(
    data: Mapping[str, Any], source: str = "<scenario>", overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Validate a nested dict (plus dotted overrides) into a Scenario."""
    data = _deepcopy(dict(data))
    for path, value in (overrides or {}).items():
        set_path(data, path, value)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = format_validation_error(exc, source, model=Scenario)
        if overrides:
            problems = [p.replace(source, f"{source} (with --set)", 1) for p in problems]
        raise ScenarioError(problems) from None
    problem = schedule_problem(scenario) if scenario.schedules else None
    if problem:
        raise ScenarioError([f"{source}{' (with --set)' if overrides else ''}: {problem}"])
    from cosim.scenario.budget import check_budget  # late import: costs needs the schema only

    check_budget(scenario, source)
    return scenario


def load_scenario(
    path: str | Path | None = None, overrides: Mapping[str, Any] | Iterable[str] | None = None
) -> Scenario:
    """Load and validate a scenario file, or a bundled scenario by name (``None`` gives the defaults).

    ``overrides`` maps dotted paths to values (``{"wifi.hotspots": 40}``) or is a
    list of ``"KEY=VALUE"`` strings as given to ``--set``.  A wrong argument
    raises :class:`~cosim.errors.UsageError` naming it; a bad file a ScenarioError.
    """
    overrides = override_argument(overrides)
    if path is None:
        return scenario_from_dict({}, "<defaults>", overrides)
    expect_type(path, "path", str | os.PathLike, "a scenario file path or a bundled scenario name")
    check_file_name(path)
    path = resolve_scenario(os.fspath(path))  # a file, else a bundled scenario by name ("baseline")
    if not path_problem(str(path)) and not path.exists() and path.parent == Path(".") and path.suffix in ("", ".toml"):
        raise ScenarioError([f"{path}: no such file, and no bundled scenario of that name "
                             f"(bundled: {', '.join(scenario_names())}; see `cosim scenarios`)"])
    data = read_toml(path)
    data.setdefault("name", Path(path).stem)
    scenario = scenario_from_dict(data, str(path), overrides)
    for line in horizon_warnings(scenario, str(path)):
        print(f"warning: {line}", file=sys.stderr)
    return scenario


def override_argument(overrides: Any, argument: str = "overrides") -> dict[str, Any] | None:
    """Overrides as given to the API: None, ``{"wifi.hotspots": 40}`` or ``["wifi.hotspots=40", ...]``."""
    if overrides is None:
        return None
    expected = 'a mapping {"wifi.hotspots": 40} or a list of "KEY=VALUE" strings'
    if isinstance(overrides, Mapping):
        bad = [k for k in overrides if not isinstance(k, str) or not k.strip()]
        if bad:
            raise UsageError(f"expected {expected}; the key {bad[0]!r} is not a dotted parameter path",
                             argument=argument)
        return dict(overrides)
    if isinstance(overrides, str | bytes) or not isinstance(overrides, Iterable):
        raise UsageError(f"expected {expected}, got {type(overrides).__name__} {overrides!r:.60}",
                         argument=argument)
    pairs = list(overrides)
    bad = [p for p in pairs if not isinstance(p, str)]
    if bad:
        raise UsageError(f"expected {expected}; {bad[0]!r} is not a string", argument=argument)
    return parse_overrides(pairs)


def horizon_warnings(scenario: Scenario, source: str) -> list[str]:
    """Events, lever starts and phases that begin after the run's last week (they never happen).

    Not errors: a short run of a long scenario (``--steps 20``) is legitimate,
    but the user should know part of the plan is cut off.
    """
    steps = scenario.run.steps
    lines = []
    for i, ev in enumerate(scenario.events):
        if ev.step >= steps:
            lines.append(f"{source}: events[{i}].step: week {ev.step} is after the run's last week "
                         f"({steps - 1}; run.steps = {steps}): this {ev.kind} never happens")
    for name in LEVERS:
        lever = getattr(scenario, name)
        if "start" in lever.model_fields_set and lever.start >= steps:
            lines.append(f"{source}: {name}.start: week {lever.start} is after the run's last week "
                         f"({steps - 1}; run.steps = {steps}): the lever is never active")
        for j, phase in enumerate(lever.phases):
            if phase.get("start", 0) >= steps:
                lines.append(f"{source}: {name}.phases[{j}].start: week {phase['start']} is after the run's "
                             f"last week ({steps - 1}; run.steps = {steps}): this phase never happens")
    return lines


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """A copy of ``scenario`` with dotted-path overrides, validated like a file."""
    return scenario_from_dict(scenario.model_dump(exclude_defaults=True), scenario.name, overrides)


def check_files(paths: Iterable[str | Path]) -> list[str]:
    """Validate scenario files; return every problem (empty when all are fine)."""
    problems: list[str] = []
    for p in paths:
        try:
            load_scenario(p)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    return problems


def get_path(obj: BaseModel, path: str) -> Any:
    """Read a dotted path from a scenario (``get_path(s, "wifi.hotspots")``)."""
    node: Any = obj
    for key in path.split("."):
        node = getattr(node, key)
    return node


def _deepcopy(d: dict[str, Any]) -> dict[str, Any]:
    return {k: _deepcopy(v) if isinstance(v, dict) else v for k, v in d.items()}
