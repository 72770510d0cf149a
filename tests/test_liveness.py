"""Parameter liveness: nudging any scenario parameter changes some output.

This catches the dead-slider defect (a parameter declared, shown and documented
but no longer read by the model; Mesa 3.5.1's civil-violence example has one).
The base is ``scenarios/all_levers.toml`` (every lever on, two municipalities,
a breach, an outage and a scandal) at 600 citizens, with its schedule compressed
into 70 weeks so that every lever and event parameter is in play.  Each
parameter from ``iter_parameters()`` is nudged within its bounds (numbers
halfway toward the far end of their plausible or valid range; booleans flipped;
choices changed; schedules moved) and the time series must differ from the
un-nudged run with the same seed.

Stricter than "some column changed": a parameter must change a behavioural
metric (anything but spend), except the unit costs in ``COST_ONLY`` whose only
job is the spend.  A parameter that is legitimately without effect in the base
context is listed in ``CONTEXT`` (run in a context where it must act) or
``NUDGE`` (nudged to a given value) with the reason; none is skipped.
"""

from __future__ import annotations

import datetime
from functools import cache
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pandas as pd
import pytest

from cosim import METRICS, ScenarioError, load_scenario, simulate
from cosim.scenario.loading import get_path, with_overrides
from cosim.scenario.schema import iter_parameters, parameter_table

ALL_LEVERS = Path(__file__).resolve().parent.parent / "scenarios" / "all_levers.toml"
STEPS = 70  # one IDP window (weeks 40-45) and every event and phase below
SEED = 1
# A parameter that acts through rare events (a breach, an adoption among 600
# citizens) may flip no draw at one seed; it is live if it changes the output at
# any of these seeds (tried in turn, so a live parameter usually costs one run).
SEEDS = (1, 2, 3)


def _base_overrides() -> dict[str, Any]:
    """all_levers at a small size, its schedule compressed into the horizon."""
    s = load_scenario(ALL_LEVERS, {"run.n_citizens": 600, "run.steps": STEPS})
    events = [e.model_dump() for e in s.events]
    # apart from each other: outage 25-28, breach 30 (its portal downtime has weeks
    # to act), scandal 50; in the file they are at weeks 60, 120 and 200
    moved = {"outage": 25, "breach": 30, "scandal": 50}
    for e in events:
        e["step"] = moved[e["kind"]]
    assert {e["kind"] for e in events} == set(moved)
    assert s.campaign.start < s.campaign.stop < STEPS
    phase = {**s.wifi.phases[0], "start": 45}  # the Wi-Fi expansion (week 104 in the file)
    return {"run.n_citizens": 600, "run.steps": STEPS, "events": events, "wifi.phases": [phase]}


BASE = _base_overrides()
ROWS = {row["path"]: row for row in parameter_table()}
ANNOTATIONS = {path: ann for path, _, ann in iter_parameters()}
SPEND = ("spend", "spend_cumulative")
BEHAVIOUR = [m for m in METRICS if m not in SPEND]

# Unit costs: their only effect, by design, is on spend (and on lever intensity
# when a budget binds).  Halved: halfway to their very wide upper bounds the
# all_levers plan exceeds its budget and the scenario is (rightly) refused.
COST_ONLY = {path for path in ROWS if path.startswith("costs.")} | {
    "campaign.cost_per_reach", "officials.salary_rand", "links.cost_saving"}

# Parameters without effect in the base context, each run in a context where it must act.
CONTEXT: dict[str, tuple[dict[str, Any], str]] = {
    "municipality.annual_budget_rand": (
        {"municipality.over_budget": "scale"},
        "under over_budget = 'refuse' a sufficient budget only admits the plan; with 'scale' it sets the levers"),
    "participation.cost_social": (
        {"channels.portal": False},
        "the cheapest channel wins and the portal (0.10) beats social media (0.15) for everyone who can use "
        "both, so social media carries participation only while the portal is down or off"),
    "adoption.beta_trust": (
        {"adoption.p": 0.005},
        "a weak effect on rare events: about ten of 600 citizens adopt in 70 weeks and a 50% heavier trust "
        "weight moves their weekly hazard by ~2%; with ten times the innovation rate adoption is frequent"),
    "channels.social": (
        {"channels.portal": False},
        "as for participation.cost_social: with the portal on, switching social media off changes only the spend"),
    "adoption.open_data_weight": (
        {"adoption.p": 0.005},
        "it acts only on adoption and lapse of aware, online citizens whose performance expectancy is below 1: with the calibrated defaults about 28 of 600 citizens adopt in 70 weeks and no draw flips at seeds 1-3; with ten times the innovation rate adoption is frequent (as for adoption.beta_trust)"),
    "trust.responsiveness_rate": (
        {"adoption.open_data_weight": 0.0, "adoption.p": 0.005},
        "all_levers opens the data fully, so performance expectancy = clip(responsiveness + 0.5 x openness) sits "
        "at 1 and only falls in responsiveness below 0.5 show; without the open-data term every change reaches "
        "intention (a weak effect on rare adoption events; since issue 14's draw rows no flip at seeds 1-3, so, "
        "as for adoption.beta_trust, ten times the innovation rate makes adoption frequent)"),
}
CONTEXT["population.cohort_turnover_annual"] = (
    {"schedules.population.literacy_low.kind": "linear",
     "schedules.population.literacy_low.points": ((-52, 0.35), (STEPS, 0.6))},
    "the cohort turnover runs only while a literacy path is scheduled (docs/ODD.md Submodel 0: the young "
    "enter with the scheduled literacy)")
# Parameters whose generic nudge lands where they have no effect, nudged to a given value instead.
NUDGE: dict[str, tuple[Any, str]] = {
    "municipality.annual_budget_rand": (1e7, "below the all_levers plan (R17.7 m in year 1), so scaling binds"),
    "wifi.daily_cap_mb": (100.0, "few users want more than the default 500 MB a day (median demand 50 MB, youth 75): "
                          "a 100 MB cap binds for many"),
    "idp.max_comments": (2, "a cap on the heavy tail: commenters at the default exponent write 2.3 comments on "
                         "average and rarely more than 15, so a higher cap binds for nobody; a cap of 2 binds"),
    "infrastructure.training_km": (2.0, "nearly every citizen is within 5 km of a centre; farther changes nothing"),
    "infosec.breach_hazard": (0.02, "the top of its plausible range: breaches are rare events"),
    "run.n_citizens": (800, "halfway to the bound is a million citizens; any other size changes the sample"),
    "participation.activist_reach_max": (
        5.0, "it binds only above it: among 600 citizens few have a propensity beyond 20x the cap, "
        "many beyond 5x"),
    "infrastructure.service_centre_need_base": (
        3.0, "three service centres per municipality, one weighted draw each: a nudge to 1.6 moves none of them "
        "to another ward at these seeds; 3.0 (nearly uniform placement) does"),
}
# Parameters tested by their own function below instead of the generic nudge.
OWN_TEST = {
    "run.seed": "a seed passed to simulate() wins; run.seed is the default seed (test_run_seed_is_the_default_seed)",
    "municipality.over_budget": "'refuse' refuses an over-budget plan at load (test_over_budget_choice_is_live)",
    "run.start_date": "the calendar: it dates the weeks and places what a schedule gives by date, not the "
    "model's behaviour itself (test_start_date_dates_the_weeks_and_the_schedules)",
    "officials.initial_tenure_weeks": "officials' tenure is state shown on the agents (Official.tenure) that no "
    "weekly rule or metric reads; it sets the tenures at the start (test_initial_tenure_sets_the_tenures)",
}
PATHS = [p for p in ROWS if p not in OWN_TEST]


def nudge(path: str, value: Any) -> Any:
    """A different valid value for ``path`` (see the module docstring)."""
    if path in NUDGE:
        return NUDGE[path][0]
    if path in COST_ONLY:
        return value / 2
    row = ROWS[path]
    if row["type"] == "bool":
        return not value
    if row["type"] == "Literal":
        options = get_args(ANNOTATIONS[path])
        return options[(options.index(value) + 1) % len(options)]
    if path.endswith(".stop"):  # a lever's window ends earlier (or at all)
        start = get_path(load_scenario(ALL_LEVERS, BASE), path.replace(".stop", ".start"))
        return (start + STEPS) // 2 if value is None else (start + value) // 2
    if path.endswith(".start"):  # a lever starts later
        return value + 30
    lo, hi = row["sa_range"] or (row["min"], row["max"])
    if not lo <= value <= hi:  # a scenario value outside the plausible range: use the hard bounds
        lo, hi = row["min"], row["max"]
    far = lo if value - lo > hi - value else hi
    new = value + 0.5 * (far - value)
    if row["type"] == "int":
        new = round(new)
        if path == "network.degree":
            new += new % 2
        if new == value:
            new = value + (1 if far > value else -1)
    return new


@cache
def _table(overrides: tuple[tuple[str, Any], ...], seed: int = SEED):
    return simulate(load_scenario(ALL_LEVERS, {**BASE, **dict(overrides)}), seed=seed)


def _changed(a, b) -> list[str]:
    """Metrics whose time series differ (all of them if the tables have different shapes)."""
    if a.shape != b.shape:
        return list(METRICS)
    return [m for m in METRICS if not np.array_equal(a[m].to_numpy(), b[m].to_numpy())]


def test_every_parameter_is_covered():
    assert len(PATHS) + len(OWN_TEST) == len(ROWS) == len(list(iter_parameters()))
    assert set(CONTEXT) | set(NUDGE) | set(OWN_TEST) | COST_ONLY <= set(ROWS)
    for path in PATHS:  # every nudge is a valid, different value
        context = CONTEXT.get(path, ({}, ""))[0]
        value = get_path(load_scenario(ALL_LEVERS, {**BASE, **context}), path)
        new = nudge(path, value)
        assert new != value, path
        assert get_path(load_scenario(ALL_LEVERS, {**BASE, **context, path: new}), path) == new


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS)
def test_nudging_the_parameter_changes_the_output(path):
    context = CONTEXT.get(path, ({}, ""))[0]
    value = get_path(load_scenario(ALL_LEVERS, {**BASE, **context}), path)
    new = nudge(path, value)
    wanted = {"spend"} if path in COST_ONLY else set(BEHAVIOUR)
    for seed in SEEDS:
        changed = _changed(_table(tuple(sorted(context.items())), seed),
                           _table(tuple(sorted({**context, path: new}.items())), seed))
        if set(changed) & wanted:
            break
    assert changed, f"{path}: {value!r} -> {new!r} changed no output at seeds {SEEDS}"
    assert set(changed) & wanted, f"{path}: {value!r} -> {new!r} changed only {changed}"


@pytest.mark.slow
def test_run_seed_is_the_default_seed():
    """run.seed is used when no seed is given, and a given seed wins over it."""
    base = load_scenario(ALL_LEVERS, {**BASE, "run.steps": 20})
    other = load_scenario(ALL_LEVERS, {**BASE, "run.steps": 20, "run.seed": base.run.seed + 1})
    assert _changed(simulate(base), simulate(other))
    assert not _changed(simulate(base, seed=5), simulate(other, seed=5))


@pytest.mark.slow
def test_over_budget_choice_is_live():
    """Over budget, 'refuse' refuses the scenario and 'scale' runs it with scaled levers."""
    tight = {**BASE, "run.steps": 20, "municipality.annual_budget_rand": 2e6}
    with pytest.raises(ScenarioError, match=r"municipality\.annual_budget_rand"):
        load_scenario(ALL_LEVERS, {**tight, "municipality.over_budget": "refuse"})
    scaled = load_scenario(ALL_LEVERS, {**tight, "municipality.over_budget": "scale"})
    full = load_scenario(ALL_LEVERS, {**BASE, "run.steps": 20})
    assert set(_changed(simulate(scaled, seed=SEED), simulate(full, seed=SEED))) & set(BEHAVIOUR)


EVENT_NUDGES = {
    "step": lambda v: v - 7,
    "duration": lambda v: v + 3,
    "severity": lambda v: v / 2,
    "municipality": lambda v: 0 if v is None else None,
    "kind": lambda v: {"breach": "scandal", "scandal": "outage", "outage": "breach"}[v],
}


@pytest.mark.slow
@pytest.mark.parametrize("field", list(EVENT_NUDGES))
@pytest.mark.parametrize("index", [0, 1, 2])
def test_nudging_an_event_changes_the_output(index, field):
    events = [dict(e) for e in BASE["events"]]
    if field == "duration" and events[index]["kind"] != "outage":
        # duration stretches outages; breaches and scandals are one-week shocks
        events[index]["kind"] = "outage"
    nudged = [dict(e) for e in events]
    nudged[index][field] = EVENT_NUDGES[field](nudged[index][field])
    before = simulate(load_scenario(ALL_LEVERS, {**BASE, "events": events}), seed=SEED)
    after = simulate(load_scenario(ALL_LEVERS, {**BASE, "events": nudged}), seed=SEED)
    changed = _changed(before, after)
    assert set(changed) & set(BEHAVIOUR), f"events[{index}].{field}: {events[index][field]!r} -> " \
                                          f"{nudged[index][field]!r} changed only {changed}"


def test_initial_tenure_sets_the_tenures():
    """officials.initial_tenure_weeks bounds the tenures drawn at the start (before the burn-in)."""
    from cosim import CoProductionModel

    for weeks in (10, 520):
        cold = load_scenario(None, {"run.n_citizens": 200, "officials.initial_tenure_weeks": weeks,
                                    "run.burn_in_weeks": 0})
        tenure = CoProductionModel(cold, rng=1).officials.tenure
        assert tenure.min() >= 0 and tenure.max() < weeks
        assert tenure.max() >= weeks // 2
        # the burn-in is history: without attrition every official is still in post at
        # week 0, each tenure exactly burn_in_weeks longer than the one drawn
        burn = 104
        warm = CoProductionModel(with_overrides(cold, {"run.burn_in_weeks": burn,
                                                       "officials.attrition_annual": 0.0}), rng=1)
        assert warm.officials.active.all()
        np.testing.assert_array_equal(warm.officials.tenure, tenure + burn)


def test_start_date_dates_the_weeks_and_the_schedules():
    """run.start_date moves the date column, and a schedule given by date moves with it."""
    schedule = {"schedules.trust.peer_weight.kind": "step",
                "schedules.trust.peer_weight.points": [[datetime.date(2022, 6, 1), 0.01],
                                                                [datetime.date(2022, 9, 1), 0.2]]}
    base = {**BASE, "run.steps": 20, **schedule}
    a = simulate(load_scenario(ALL_LEVERS, base), seed=1)
    b = simulate(load_scenario(ALL_LEVERS, {**base, "run.start_date": datetime.date(2022, 8, 1)}), seed=1)
    assert a["date"].iloc[0] == pd.Timestamp("2022-07-01") and b["date"].iloc[0] == pd.Timestamp("2022-08-01")
    assert _changed(a, b)  # the step to 0.2 comes four weeks earlier in the run
