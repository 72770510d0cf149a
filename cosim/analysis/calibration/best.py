"""``best.toml``: the base scenario with the fitted values set, written as TOML by tomli-w."""

from __future__ import annotations

import json
import tomllib
from typing import Any

import tomli_w

from cosim.analysis.calibration.targets import Problem
from cosim.scenario.loading import read_toml, scenario_from_dict, set_path


def _drop_none(v: Any) -> Any:
    """TOML has no null: leave out unset (None) values, as a scenario file would."""
    if isinstance(v, dict):
        return {k: _drop_none(x) for k, x in v.items() if x is not None}
    if isinstance(v, list | tuple):
        return [_drop_none(x) for x in v]
    return v


def toml_dumps(data: dict[str, Any]) -> str:
    """A scenario dict as TOML text (tomli-w), checked to read back as the same dict.

    Top-level keys first, then tables and arrays of tables (``[[phases]]``), in
    the order of ``data``; None values are left out.
    """
    clean = _drop_none(data)
    text = tomli_w.dumps(clean)
    def plain(d: Any) -> Any:  # tuples -> lists, dates -> ISO text (a start date, a schedule's points)
        return json.loads(json.dumps(d, default=str))

    if plain(tomllib.loads(text)) != plain(clean):  # round trip
        raise ValueError("TOML writer did not round-trip the scenario")
    return text


def best_scenario_text(problem: Problem, values: dict[str, Any], header: list[str],
                       description: str = "Calibrated by cosim calibrate.") -> str:
    """``best.toml``: the base scenario file's contents with --set and the fitted values set, under a header."""
    raw = read_toml(problem.scenario_path)
    raw["name"] = f"{problem.base_name}_calibrated"
    raw["description"] = f"{raw.get('description', problem.base_name)} {description}".strip()
    for path, v in {**problem.overrides, **values}.items():
        set_path(raw, path, v)
    scenario_from_dict(raw, "best.toml")  # must validate
    body = toml_dumps({"name": raw.pop("name"), "description": raw.pop("description"), **raw})
    return "\n".join(f"# {h}".rstrip() for h in header) + "\n\n" + body
