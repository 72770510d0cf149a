"""Parameters that follow a schedule in time: the calendar and the ``[schedules]`` table.

Week ``t`` of a run is the date ``run.start_date + 7 t days``; the burn-in
weeks (``t < 0``) are the dates before the start.  A scenario's
``[schedules."<dotted.path>"]`` tables (:class:`~cosim.scenario.schema.Schedule`)
give a parameter's value in each week:

* ``logistic``: ``start + (end - start) / (1 + exp(-rate_per_year x (years - midpoint)))``,
  ``years`` counted from the midpoint in years of 365.25 days (the S-curve of
  diffusion: Rogers 2003, Bass 1969);
* ``linear``: piecewise-linear between ``points``, flat before the first and
  after the last;
* ``step``: piecewise-constant, each point's value from its time until the next
  point's (the first point's value before it).

Integer parameters are rounded half up (``floor(v + 0.5)``: 2.5 -> 3).  A time
is a date, a week number (an ``int``) or a decimal year (a ``float``: 2015.5
is the middle of 2015: 1 January plus half of the year's days).

Who may follow a schedule (:func:`schedulable`):

* a numeric parameter the engine reads every week (``trust.peer_weight``,
  ``officials.capacity_per_week``, ...): the model puts a copy of the scenario
  with the scheduled value in force in each week the value changes, burn-in
  weeks included (they are the world, not policy);
* a numeric lever field (``wifi.hotspots``, ``training.seats_per_week``,
  ``open_data.level``, ...): the lever plan (:class:`~cosim.scenario.budget.BudgetPlan`)
  uses the scheduled value from week 0 on, inside the lever's windows (``start``,
  ``stop``, ``phases``; outside them the lever is off as ever), so the lever's cost follows the
  schedule and the budget check sees it; during the burn-in the status quo
  holds (levers at their defaults, as without schedules);
* a parameter read only while the model is built (the population, the wards,
  the network, ...) only when it is in :data:`TRENDED_PARAMETERS`: a trend
  stage moves the built population toward the scheduled value each week.
"""

from __future__ import annotations

import datetime
import math
from functools import cache
from typing import Any

import numpy as np

from cosim.scenario.schema import LEVERS, Lever, Scenario, Schedule, iter_parameters, parameter_bounds
from cosim.scenario.validation import did_you_mean

DAYS_PER_YEAR = 365.25  # a Julian year: the unit of rate_per_year and of decimal years' fractions

#: parameters read only when the model is built that may follow a schedule: a trend stage
#: (cosim/model/stages/trends.py) moves the citizens toward the scheduled value each week
TRENDED_PARAMETERS = frozenset({
    "population.phone_share", "population.smartphone_low", "population.smartphone_mid",
    "population.smartphone_high", "population.data_low", "population.data_mid", "population.data_high",
    "population.literacy_low", "population.literacy_mid", "population.literacy_high",
    "municipality.population",
})

#: parameters the model reads while it is built (the world at week -burn_in, the budget plan,
#: per-citizen constants): a scheduled value would never reach the run, so they may follow a
#: schedule only through a trend (TRENDED_PARAMETERS).  tests/test_schedules.py traces the
#: attributes a model reads while being built and checks this list against them.
READ_AT_BUILD = frozenset({
    "run.steps", "run.n_citizens", "run.seed", "run.burn_in_weeks", "run.start_date",
    "region.n_municipalities", "region.wealth_gradient",
    "municipality.population", "municipality.ward_rows", "municipality.ward_cols", "municipality.ward_km",
    "municipality.ward_inequality", "municipality.ward_wealth_noise", "municipality.baseline_service_quality",
    "municipality.quality_floor_factor", "municipality.quality_wealth_factor", "municipality.need_rate",
    "municipality.need_gradient", "municipality.annual_budget_rand", "municipality.over_budget",
    "coproduction.reference_work_per_need", "trust.alpha_plus", "trust.alpha_minus", "infosec.base_posture",
    "literacy.floor_share",
    "officials.n_officials", "officials.salary_rand", "officials.ict_skill_mean",
    "officials.initial_tenure_weeks", "officials.skill_floor", "officials.skill_mean", "officials.skill_sd",
    "participation.activist_reach_max", "participation.cost_meeting", "participation.cost_portal",
    "participation.cost_social", "participation.cost_ussd", "participation.meeting_distance_km",
    "participation.youth_social_factor",
}) | frozenset(p for p, _, _ in iter_parameters()
                if p.split(".")[0] in ("population", "network", "costs", "infrastructure")
                and p not in ("infrastructure.access_centre_capacity",
                              "infrastructure.outage_data_loss", "infrastructure.outage_hazard")
                # hotspot dynamics are read weekly, except each resident's data demand (drawn at build)
                and not (p.startswith("infrastructure.hotspot_")
                         and p not in ("infrastructure.hotspot_demand_spread",
                                       "infrastructure.hotspot_youth_demand")))


# --------------------------------------------------------------------------- time


def decimal_year_date(year: float) -> datetime.date:
    """The date of a decimal year: 2015.0 is 1 January 2015, 2015.5 half of 2015's days later."""
    y = math.floor(year)
    days = (datetime.date(y + 1, 1, 1) - datetime.date(y, 1, 1)).days
    return datetime.date(y, 1, 1) + datetime.timedelta(days=round((year - y) * days))


def day_of(t: datetime.date | int | float, start: datetime.date) -> float:
    """Days from ``start`` (week 0) to the time ``t`` (a date, a week number, a decimal year)."""
    if isinstance(t, datetime.date):
        return float((t - start).days)
    if isinstance(t, float):
        return float((decimal_year_date(t) - start).days)
    return 7.0 * t


def week_date(start: datetime.date, week: int) -> datetime.date:
    """The date of week ``week`` (negative: a burn-in week before the start)."""
    return start + datetime.timedelta(days=7 * week)


def week_dates(start: datetime.date, steps: Any) -> np.ndarray:
    """The dates of weeks ``steps`` as ``datetime64[D]``."""
    return np.datetime64(start, "D") + 7 * np.asarray(steps, dtype=np.int64).astype("timedelta64[D]")


def date_week(start: datetime.date, when: datetime.date) -> int:
    """The week a date falls in (week 0 = ``start`` .. ``start`` + 6 days)."""
    return (when - start).days // 7


# --------------------------------------------------------------------------- evaluation


def evaluate(schedule: Schedule, start: datetime.date, weeks: Any) -> np.ndarray:
    """The schedule's (unrounded) values in ``weeks`` (an array of week numbers)."""
    days = 7.0 * np.asarray(weeks, dtype=float)
    if schedule.kind == "logistic":
        assert schedule.midpoint is not None and schedule.rate_per_year is not None
        assert schedule.start is not None and schedule.end is not None
        years = (days - day_of(schedule.midpoint, start)) / DAYS_PER_YEAR
        with np.errstate(over="ignore"):  # a steep curve far from its midpoint: exp -> inf, the value -> start
            return schedule.start + (schedule.end - schedule.start) / (1.0 + np.exp(-schedule.rate_per_year * years))
    xs = np.array([day_of(t, start) for t, _ in schedule.points])
    ys = np.array([v for _, v in schedule.points], dtype=float)
    if schedule.kind == "linear":
        return np.interp(days, xs, ys)
    return ys[np.maximum(np.searchsorted(xs, days, side="right") - 1, 0)]  # step


def is_integer(path: str) -> bool:
    """Does the parameter at ``path`` hold an integer?"""
    return _annotation(path) is int


def rounded(path: str, values: np.ndarray) -> np.ndarray:
    """Values as the parameter takes them: integers rounded half up (floor(v + 0.5))."""
    return np.floor(values + 0.5) if is_integer(path) else values


def table(c: Scenario, first: int, last: int) -> dict[str, np.ndarray]:
    """Each scheduled parameter's value in weeks ``first .. last`` (rounded; integers as floats)."""
    weeks = np.arange(first, last + 1)
    return {path: rounded(path, evaluate(s, c.run.start_date, weeks)) for path, s in c.schedules.items()}


def values_at(c: Scenario, week: int) -> dict[str, float]:
    """The value of every scheduled parameter path in week ``week`` (ints already rounded).

    ``week`` may be negative: burn-in weeks are the dates before ``run.start_date``.
    ``{}`` for a scenario without schedules.  An integer parameter's value is an ``int``
    (``floor(v + 0.5)``), any other a ``float``.  Lever fields are given for every week too,
    although the lever plan uses them only from week 0 and inside the lever's windows.
    """
    out: dict[str, float] = {}
    for path, s in c.schedules.items():
        v = float(rounded(path, evaluate(s, c.run.start_date, [week]))[0])
        out[path] = int(v) if is_integer(path) else v
    return out


def schedule_change_weeks(c: Scenario, first: int, last: int, paths: Any = None) -> list[int]:
    """Weeks in ``first .. last`` where some scheduled value (of ``paths``; default all) differs from the
    week before; ``first`` is always one (the values are put in force then)."""
    values = table(c, first, last)
    changed = np.zeros(last - first + 1, dtype=bool)
    changed[0] = True
    for path, v in values.items():
        if paths is None or path in paths:
            changed[1:] |= v[1:] != v[:-1]
    return (np.flatnonzero(changed) + first).tolist()


def split_paths(c: Scenario) -> tuple[list[str], list[str], list[str]]:
    """The scheduled paths as (trended, lever fields, other weekly parameters)."""
    trended = [p for p in c.schedules if p in TRENDED_PARAMETERS]
    lever = [p for p in c.schedules if p.split(".")[0] in LEVERS]
    plain = [p for p in c.schedules if p not in trended and p not in lever]
    return trended, lever, plain


def with_values(c: Scenario, values: dict[str, Any]) -> Scenario:
    """A copy of ``c`` with the parameters at the dotted paths set to ``values`` (unvalidated: values
    come from a checked schedule)."""
    by_section: dict[str, dict[str, Any]] = {}
    for path, v in values.items():
        section, field = path.split(".")
        by_section.setdefault(section, {})[field] = v
    return c.model_copy(update={s: getattr(c, s).model_copy(update=u) for s, u in by_section.items()})


# --------------------------------------------------------------------------- checks


@cache
def _annotations() -> dict[str, Any]:
    return {p: ann for p, _, ann in iter_parameters()}


def _annotation(path: str) -> Any:
    return _annotations().get(path)


def lever_fields() -> list[str]:
    """The numeric lever fields a schedule may drive (``wifi.hotspots``, ...)."""
    return [p for p, _, ann in iter_parameters() if p.split(".")[0] in LEVERS and ann in (int, float)
            and p.split(".")[1] not in ("start", "stop")]


@cache
def schedulable() -> tuple[str, ...]:
    """Every dotted path that may follow a schedule."""
    return tuple(sorted(p for p, _, ann in iter_parameters()
                  if ann in (int, float) and p.split(".")[1] not in ("start", "stop")
                  and (p not in READ_AT_BUILD or p in TRENDED_PARAMETERS)))


def schedule_problem(c: Scenario) -> str | None:
    """The first problem with the scenario's schedules, as ``schedules.<path>[.key]: ...``; None when fine."""
    known = _annotations()
    for path, s in c.schedules.items():
        where = f'schedules."{path}"'
        if path not in known:
            return f"{where}: unknown parameter ({did_you_mean(path, known, 'see docs/ODD.md for the parameters')})"
        if known[path] not in (int, float) or path.split(".")[-1] in ("start", "stop"):
            what = {bool: "true/false", datetime.date: "a date"}.get(known[path], "a choice")
            if path.split(".")[-1] in ("start", "stop"):
                what = "a lever's window, set with start, stop and phases"
            return f"{where}: only a numeric parameter may follow a schedule ({path} is {what})"

        if path in READ_AT_BUILD and path not in TRENDED_PARAMETERS:
            return (f"{where}: {path} is read only when the model is built, so a schedule would not reach the run; "
                    f"of those, only these follow a schedule (through a trend): {', '.join(sorted(TRENDED_PARAMETERS))}"
                    "; any numeric parameter read every week or lever field may too (docs/ODD.md, Calendar and schedules)")
        if c.population.homogeneous and path in TRENDED_PARAMETERS and path.startswith("population."):
            return (f"{where}: population.homogeneous = true makes every citizen identical (the Bass docking "
                    f"test), and a trend of {path} would change some citizens but not others; schedule it "
                    "without population.homogeneous, or drop the schedule")
        section, field = path.split(".")
        lever = getattr(c, section)
        # (a value other than the default: a scenario dumped in full and read again sets every field)
        if isinstance(lever, Lever) and (getattr(lever, field) != type(lever).model_fields[field].default
                                         or any(field in ph for ph in lever.phases)):
            return (f"{where}: {section}.{field} is also set in [{section}] or its phases; give its value either "
                    "there or in the schedule, not both")
        if s.kind != "logistic":
            days = [day_of(t, c.run.start_date) for t, _ in s.points]
            for i in range(1, len(days)):
                if days[i] <= days[i - 1]:
                    return (f"{where}.points[{i}]: points must be in time order (each later than the one before); "
                            f"{s.points[i][0]} is not after {s.points[i - 1][0]}")
        lo, hi = parameter_bounds(path)
        first = -c.run.burn_in_weeks if section not in LEVERS else 0
        v = rounded(path, evaluate(s, c.run.start_date, np.arange(first, c.run.steps)))
        if not np.isfinite(v).all():
            bad = float(v[~np.isfinite(v)][0])
            return (f"{where}: the schedule's value is {bad:g} in week {first + int(np.flatnonzero(~np.isfinite(v))[0])}"
                    f" (start and end too far apart to compute); expected finite values within {path}'s range "
                    f"{list(parameter_bounds(path))}")
        v_lo, v_hi = float(v.min()), float(v.max())
        if (lo is not None and v_lo < lo) or (hi is not None and v_hi > hi):
            span = f"{week_date(c.run.start_date, first)} to {week_date(c.run.start_date, c.run.steps - 1)}"
            return (f"{where}: the schedule's values over the run ({span}, weeks {first}..{c.run.steps - 1}) span "
                    f"{v_lo:g}..{v_hi:g}, outside {path}'s range [{lo}, {hi}]")
    return None


# --------------------------------------------------------------------------- schedule fields as parameters

#: a schedule's numeric fields as parameters (calibration, experiment factors, --set):
#: ``schedules.<path>.start`` / ``.end`` in the parameter's unit and bounds, ``.rate_per_year`` in 1/year,
#: ``.midpoint`` as a decimal year (a float: 2015.5; a date or a week number also work in --set)
MIDPOINT_YEARS = (1800.0, 2300.0)


def schedule_field(path: str) -> dict[str, Any] | None:
    """A parameter-table row (``path``, ``type``, ``min``, ``max``, ``unit``) for ``schedules.<param>.<field>``;
    None if ``path`` is not one (or names no schedulable parameter)."""
    keys = path.split(".")
    if len(keys) < 4 or keys[0] != "schedules":
        return None
    param, field = ".".join(keys[1:-1]), keys[-1]
    if param not in schedulable():
        return None
    if field in ("start", "end"):
        lo, hi = parameter_bounds(param)
        unit = "as " + param
    elif field == "rate_per_year":
        lo, hi, unit = 1e-9, None, "1/year"
    elif field == "midpoint":
        (lo, hi), unit = MIDPOINT_YEARS, "decimal year"
    else:
        return None
    return {"path": path, "type": "float", "min": lo, "max": hi, "unit": unit, "default": None,
            "description": f"{field} of the schedule of {param}", "source": "scenario", "sa_range": None}
