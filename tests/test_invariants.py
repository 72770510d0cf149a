"""Invariants over random valid parameters (Hypothesis).

Draws a few dozen parameters from the schema (``parameter_table()``), each
within its sensitivity range (``sa_range``) or anywhere within its hard bounds, plus every
switch and choice, and runs a small model (200-400 citizens, 20-40 weeks) with
every lever on and random shocks.  Whatever the parameters: shares and rates
stay in [0, 1], nothing is NaN or infinite, requests are conserved (counting the
queue the burn-in leaves at week 0) and the
citizens' trust, literacy, awareness and privacy stay in [0, 1].
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cosim import METRICS, CoProductionModel, load_scenario
from cosim.scenario.schema import iter_parameters, parameter_table

ALL_LEVERS = Path(__file__).resolve().parent.parent / "scenarios" / "all_levers.toml"

# Size, horizon and burn-in are drawn separately (small); seeds and schedules are not model parameters.
SKIP = {"run.steps", "run.n_citizens", "run.seed", "run.burn_in_weeks", "region.n_municipalities", "municipality.population",
        "municipality.annual_budget_rand", "municipality.over_budget"}
# Hard upper bounds that would only make the test slow (each is still drawn up to this cap).
CAP = {"officials.n_officials": 400, "infrastructure.access_centres": 60, "infrastructure.service_centres": 30,
       "municipality.ward_rows": 12, "municipality.ward_cols": 12, "network.degree": 30,
       "wifi.hotspots": 200, "training.seats_per_week": 1000.0}


def _drawable() -> list[dict[str, Any]]:
    rows = []
    for row in parameter_table():
        path = row["path"]
        if path in SKIP or path.endswith((".start", ".stop")):
            continue
        rows.append(row)
    return rows


PARAMS = _drawable()
ANNOTATIONS = {path: ann for path, _, ann in iter_parameters()}


def _strategy(row: dict[str, Any]):
    t = row["type"]
    if row["path"] == "run.start_date":  # a calendar date, not a number (issue 14)
        return st.dates(datetime.date(1990, 1, 1), datetime.date(2040, 12, 31))
    if t == "bool":
        return st.booleans()
    if t == "Literal":
        return st.sampled_from(get_args(ANNOTATIONS[row["path"]]))
    ranges = [(row["min"], row["max"])]
    if row["sa_range"]:
        ranges.insert(0, tuple(row["sa_range"]))
    options = []
    for lo, hi in ranges:
        hi = min(hi, CAP.get(row["path"], hi))
        if row["path"] == "network.degree":
            options.append(st.integers(max(1, int(lo) // 2), int(hi) // 2).map(lambda k: 2 * k))
        elif t == "int":
            options.append(st.integers(int(lo), int(hi)))
        else:
            options.append(st.floats(float(lo), float(hi), allow_nan=False, allow_infinity=False))
    return st.one_of(options)  # the plausible range first (Hypothesis shrinks toward it), then the hard bounds


def _make_consistent(p: dict[str, Any]) -> None:
    """Respect the schema's cross-parameter rules (checked again on load)."""
    if "trust.alpha_plus" in p or "trust.alpha_minus" in p:
        ap, am = p.get("trust.alpha_plus", 0.05), p.get("trust.alpha_minus", 0.15)
        p["trust.alpha_plus"], p["trust.alpha_minus"] = min(ap, am), max(ap, am)
    for a, b in (("share_low_income", "share_high_income"), ("share_youth", "share_senior")):
        a, b = f"population.{a}", f"population.{b}"
        if p.get(a, 0.55) + p.get(b, 0.15) > 1.0:
            p.pop(b, None)
            p[a] = min(p.get(a, 0.55), 0.7)


@st.composite
def scenarios(draw):
    chosen = draw(st.lists(st.sampled_from(PARAMS), min_size=20, max_size=40, unique_by=lambda r: r["path"]))
    params = {row["path"]: draw(_strategy(row)) for row in chosen}
    _make_consistent(params)
    steps = draw(st.integers(20, 40))
    n_muni = draw(st.integers(1, 3))
    events = []
    for kind in draw(st.lists(st.sampled_from(["breach", "outage", "scandal"]), max_size=3)):
        events.append({"kind": kind, "step": draw(st.integers(0, steps - 1)),
                       "duration": draw(st.integers(1, 6)), "severity": draw(st.floats(0.0, 1.0)),
                       "municipality": draw(st.one_of(st.none(), st.integers(0, n_muni - 1)))})
    params.update({
        "run.n_citizens": draw(st.integers(200, 400)), "run.steps": steps,
        "run.burn_in_weeks": draw(st.integers(0, 60)),  # a cold start, or a queue carried into week 0
        "region.n_municipalities": n_muni, "municipality.over_budget": "scale",
        "municipality.annual_budget_rand": draw(st.sampled_from([2e7, 2e8])),
        "events": events,
    })
    return params, draw(st.integers(0, 2**32))


SHARE_PREFIXES = ("share_", "participation_rate", "e_participation_rate", "mean_trust", "mean_literacy",
                  "mean_awareness", "mean_privacy", "gini_", "top1_", "top10_", "nodes_up_share",
                  "open_data_value", "security_posture", "service_quality", "official_", "mean_outcome", "sgi")
SHARES = [m for m in METRICS if m.startswith(SHARE_PREFIXES)]
GAPS = [m for m in METRICS if m.endswith("_gap")]
COUNTS = ["requests", "resolved", "dropped", "backlog", "requests_per_1000", "backlog_per_1000",
          "median_response_weeks", "officials_active", "hotspots", "trained", "breaches", "spend",
          "spend_cumulative", "comments_per_commenter", "comments_per_1000_window", "attendance_per_meeting",
          "hotspot_users_per_hotspot_day"]


def test_metric_groups_cover_every_metric():
    assert set(SHARES) | set(GAPS) | set(COUNTS) == set(METRICS)
    assert len(PARAMS) >= 30


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_invariants_hold_for_random_parameters(drawn):
    params, seed = drawn
    s = load_scenario(ALL_LEVERS, params)
    m = CoProductionModel(s, rng=seed)
    n_m = s.region.n_municipalities
    for _ in range(s.run.steps):
        m.step()
        for name in ("trust", "literacy", "awareness", "privacy_concern"):
            x = getattr(m.citizens, name)
            assert ((x >= 0) & (x <= 1)).all(), name
        assert m.adopted.dtype == bool and m.online.dtype == bool
    df = m.timeseries()
    values = df[list(METRICS)].to_numpy()
    assert np.isfinite(values).all(), df.columns[np.flatnonzero(~np.isfinite(values).all(axis=0))].tolist()
    shares = df[SHARES].to_numpy()
    bad = [c for c in SHARES if not df[c].between(0.0, 1.0 + 1e-12).all()]
    assert not bad, bad
    assert (shares >= 0).all()
    assert df[GAPS].abs().le(1.0).all().all()
    assert (df[COUNTS] >= 0).all().all()
    # counts are conserved from week 0 (the burn-in's queue carries over, its counters do not):
    # waiting at week 0 + submitted = resolved + dropped + waiting now
    t = m.totals
    start = df[(df["municipality"] == "region") & (df["step"] == 0)]["backlog"].item()
    assert start + t["submitted"] == t["resolved"] + t["dropped"] + m.queue.size
    for _, g in df.groupby("municipality"):
        flow = g["requests"].cumsum() - g["resolved"].cumsum() - g["dropped"].cumsum()
        assert (flow.to_numpy() + g["backlog"].iloc[0] == g["backlog"].to_numpy()).all()
    # the region row adds up the municipalities' counts
    region = df[df["municipality"] == "region"].set_index("step")
    munis = df[df["municipality"] != "region"].groupby("step")
    for c in ("requests", "resolved", "dropped", "backlog", "hotspots", "officials_active", "trained"):
        np.testing.assert_allclose(region[c], munis[c].sum(), atol=1e-9)
    assert (region["officials_active"] <= n_m * s.officials.n_officials).all()
    assert (np.diff(region["spend_cumulative"]) >= -1e-6).all()
    assert region["requests"].sum() == t["submitted"]
    assert (m.contributions >= 0).all() and m.contributions.sum() >= t["submitted"]
