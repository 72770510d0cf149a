"""The dashboard's controls, generated from the scenario schema.

Nothing here declares a parameter: each control reads its path, default,
bounds, unit, description, source and (for ``Literal`` fields) its choices from
:mod:`cosim.scenario.schema`, so a slider cannot drift from the model it drives.  The
dashboard only decides *which* schema sections it shows and how wide a slider
is (the schema's plausible range ``sa_range`` when there is one).
"""

from __future__ import annotations

import math
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from cosim.scenario.schema import LEVERS, Event, Scenario, iter_parameters

# Groups of controls: (title, schema section, applies to, expanded at start).
# "policy" controls change the policy run only; "world" controls change both
# runs (they are uncertainties or constants, not levers; EMA Workbench's words).
LEVER_TITLES = {lv: type(getattr(Scenario(), lv)).title for lv in LEVERS}  # declared with each lever
WORLD_SECTIONS = {
    "adoption": "Adoption (world)",
    "trust": "Trust dynamics (world)",
    "infosec": "Security posture and breaches (world)",
}
# The budget and the run size are shown apart from the levers.
BUDGET_PATHS = ("municipality.annual_budget_rand", "municipality.over_budget")
RUN_PATHS = ("run.n_citizens", "run.steps", "run.seed")


@dataclass(frozen=True)
class Control:
    """One input on the page: a schema parameter and how to show it.

    ``kind`` is ``"switch"`` (bool), ``"choice"`` (Literal), ``"slider"``
    (bounded number), ``"number"`` (number without a useful slider range) or
    ``"week"`` (an optional week, ``None`` meaning "until the end of the run").
    """

    path: str
    label: str
    kind: str
    default: Any
    unit: str
    description: str
    source: str
    lo: float | None = None
    hi: float | None = None
    slider_lo: float | None = None
    slider_hi: float | None = None
    step: float | None = None
    integer: bool = False
    choices: tuple[str, ...] = ()

    @property
    def help(self) -> str:
        """Tooltip text: description, unit, valid range and source."""
        parts = [self.description]
        if self.unit and self.unit != "-":
            parts.append(f"Unit: {self.unit}.")
        if self.lo is not None or self.hi is not None:
            lo = "-inf" if self.lo is None else _fmt(self.lo)
            hi = "inf" if self.hi is None else _fmt(self.hi)
            parts.append(f"Valid: {lo} to {hi}.")
        if self.source:
            parts.append(f"Source: {self.source}.")
        return " ".join(parts)


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:g}"


def _bounds(info) -> tuple[float | None, float | None]:
    lo = hi = None
    for m in info.metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    return lo, hi


def _nice_step(span: float, integer: bool) -> float:
    """A 1-2-5 step giving about 100 slider positions."""
    if integer:
        return max(1, int(_nice_step(span, False))) if span > 1000 else 1
    if span <= 0:
        return 1.0
    raw = span / 100.0
    exp = math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * 10**exp >= raw:
            return m * 10**exp
    return 10 ** (exp + 1)


# name suffixes that only repeat the unit shown beside the label
_UNIT_SUFFIXES = ("_mb", "_m", "_km", "_rand", "_weeks")


def _label(name: str) -> str:
    """A field name as a label: ``daily_cap_mb`` -> "Daily cap", ``n_citizens`` -> "Citizens"."""
    for suffix in _UNIT_SUFFIXES:
        if name.endswith(suffix) and name != suffix[1:]:
            name = name[: -len(suffix)]
            break
    name = name.removeprefix("n_")
    words = [_ACRONYMS.get(w, w) for w in name.split("_")]
    return " ".join(words)[:1].upper() + " ".join(words)[1:]


_ACRONYMS = {"ussd": "USSD", "iap2": "IAP2", "idp": "IDP", "ict": "ICT"}


def make_control(path: str, info, ann, horizon: int = 260) -> Control:
    """The control for one schema field (``iter_parameters`` gives the triple)."""
    extra = info.json_schema_extra or {}
    common = dict(
        path=path,
        label=_label(path.rsplit(".", 1)[-1]),
        default=info.default,
        unit=extra.get("unit", ""),
        description=info.description or "",
        source=extra.get("source", ""),
    )
    if ann is bool:
        return Control(kind="switch", **common)
    if typing.get_origin(ann) is Literal:
        return Control(kind="choice", choices=tuple(typing.get_args(ann)), **common)
    lo, hi = _bounds(info)
    args = typing.get_args(ann)
    optional = (typing.get_origin(ann) in (typing.Union, types.UnionType)) and type(None) in args
    base = next((a for a in args if a is not type(None)), ann) if optional else ann
    integer = base is int
    if optional and integer and common["unit"] == "week":
        return Control(kind="week", lo=lo, hi=hi, slider_lo=lo or 0, slider_hi=horizon, step=1, integer=True, **common)
    sa = extra.get("sa_range")
    if sa is not None:
        s_lo, s_hi = float(sa[0]), float(sa[1])
    elif common["unit"] == "week" and hi is None:
        s_lo, s_hi = float(lo or 0), float(horizon)
    elif (
        lo is not None
        and hi is not None
        and ((integer and hi - lo <= 300) or hi - lo <= 20 * max(abs(float(info.default or 0)), 1.0))
    ):
        s_lo, s_hi = float(lo), float(hi)
    else:
        return Control(kind="number", lo=lo, hi=hi, step=1 if integer else None, integer=integer, **common)
    step = _nice_step(s_hi - s_lo, integer)
    return Control(kind="slider", lo=lo, hi=hi, slider_lo=s_lo, slider_hi=s_hi, step=step, integer=integer, **common)


def controls_for(section: str, horizon: int = 260, model: type[BaseModel] = Scenario) -> list[Control]:
    """Controls for every parameter of one scenario section (``"wifi"``, ``"trust"``, ...)."""
    prefix = f"{section}."
    out = [make_control(p, i, a, horizon) for p, i, a in _fields(model) if p.startswith(prefix)]
    # a lever's schedule (start/stop) reads best after its own parameters
    return sorted(out, key=lambda c: c.path.rsplit(".", 1)[-1] in ("start", "stop"))


def controls_at(paths: tuple[str, ...], horizon: int = 260) -> list[Control]:
    """Controls for the named dotted paths, in that order."""
    fields = {p: (i, a) for p, i, a in _fields(Scenario)}
    return [make_control(p, *fields[p], horizon) for p in paths]


def event_controls(horizon: int = 260) -> list[Control]:
    """Controls for one extra shock (a breach, an outage or a scandal) from the Event schema."""
    out = []
    for name, info in Event.model_fields.items():
        if name == "municipality":  # the shock hits every municipality
            continue
        out.append(make_control(f"event.{name}", info, info.annotation, horizon))
    return out


def lever_sections() -> list[tuple[str, str]]:
    """``(section, title)`` for every policy lever, in the schema's order."""
    return [(lv, LEVER_TITLES.get(lv, _label(lv))) for lv in LEVERS]


def is_policy(path: str) -> bool:
    """Does this path belong to a policy lever (policy run only) rather than the world?"""
    return path.split(".", 1)[0] in LEVERS


def _fields(model: type[BaseModel]):
    return iter_parameters(model)
