"""Exogenous trends (issue 14, pattern 9): the rules of mechanisms.trends and the stage stages.trends.

First the pure functions on hand-made numbers with exact expectations, then
the stage on a small built population with explicit scheduled ``values``
(the week's values of the scenario's schedules, as the model passes them).
"""

from __future__ import annotations

import numpy as np
import pytest

from cosim import CoProductionModel
from cosim.model import mechanisms as mech
from cosim.model import stages
from cosim.model.stages.trends import device_shares

# --------------------------------------------------------------------------- devices


def test_device_transition_upgrades_feature_phones_first():
    # 100 citizens: 10 without a phone, 20 feature phones, 70 smartphones; targets 80% smart, 95% phone
    t = mech.device_transition(np.array([10, 20, 70]), 0.8, 0.95)
    # 10 more smartphones from the 20 feature phones (1/2); then 5 more phones from the 10 without (1/2)
    assert t.tolist() == [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.0, 0.0, 1.0]]


def test_device_transition_beyond_the_feature_phones():
    # 40 / 10 / 50; targets 70% smart, 90% phone: all 10 feature phones upgrade, 10 of 40 get a
    # smartphone directly (1/4), then 20 of the 30 still without a phone get a feature phone
    t = mech.device_transition(np.array([40, 10, 50]), 0.7, 0.9)
    np.testing.assert_allclose(t, [[0.25, 0.5, 0.25], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]], rtol=0, atol=1e-15)


def test_device_transition_losses():
    # 0 / 20 / 80; targets 60% smart, 90% phone: a quarter of smartphones fall back to feature phones
    # (20 of 80), then 10 of the 40 feature phones after that are lost (1/4), downgraded ones alike
    t = mech.device_transition(np.array([0, 20, 80]), 0.6, 0.9)
    assert t.tolist() == [[1.0, 0.0, 0.0], [0.25, 0.75, 0.0], [0.0625, 0.1875, 0.75]]


def test_device_transition_smartphones_are_capped_by_phones():
    # a smartphone target above the phone target means the phone target
    a = mech.device_transition(np.array([30, 30, 40]), 0.9, 0.7)
    b = mech.device_transition(np.array([30, 30, 40]), 0.7, 0.7)
    assert a.tolist() == b.tolist()


@pytest.mark.parametrize("counts, smart, phone", [
    ([10, 20, 70], 0.8, 0.95), ([40, 10, 50], 0.7, 0.9), ([0, 20, 80], 0.6, 0.9), ([5, 60, 35], 0.5, 0.9),
    ([30, 30, 40], 0.3, 0.5), ([50, 5, 45], 0.55, 0.6), ([20, 30, 50], 0.6, 0.75)])
def test_device_transition_reaches_the_targets_in_expectation(counts, smart, phone):
    t = mech.device_transition(np.array(counts), smart, phone)
    np.testing.assert_allclose(t.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert (t >= 0).all()
    after = np.array(counts, float) @ t
    n = sum(counts)
    assert after[2] == pytest.approx(n * min(smart, phone), abs=1e-9)
    assert after[1] + after[2] == pytest.approx(n * phone, abs=1e-9)


def test_device_transition_without_a_gap_changes_nothing():
    assert mech.device_transition(np.array([10, 20, 70]), 0.7, 0.9).tolist() == np.eye(3).tolist()


def test_next_device_changes_first_then_stays():
    t = np.array([[0.25, 0.5, 0.25], [0.1, 0.6, 0.3], [0.0625, 0.1875, 0.75]])
    device = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2], np.int8)
    u = np.array([0.2, 0.7, 0.8, 0.2, 0.35, 0.5, 0.1, 0.2, 0.3])
    # none: u < .25 smart, < .75 feature, else none; feature: < .3 smart, < .4 none; smart: < .1875 feature, < .25 none
    assert mech.next_device(device, u, t).tolist() == [2, 1, 0, 2, 0, 1, 1, 0, 2]


# --------------------------------------------------------------------------- data, age, newcomers


def test_affordability_shift_keeps_offsets():
    a = np.array([0.5, 0.7, 0.2, 0.9, 1.0])
    g = np.array([0, 0, 1, 1, 2])
    out = mech.shifted_affordability(a, g, np.array([0.7, np.nan, 0.5]))
    np.testing.assert_allclose(out, [0.6, 0.8, 0.2, 0.9, 0.5], rtol=0, atol=1e-15)


def test_affordability_shift_is_clipped():
    out = mech.shifted_affordability(np.array([0.8, 1.0]), np.array([0, 0]), np.array([0.95, np.nan, np.nan]))
    np.testing.assert_allclose(out, [0.85, 1.0], rtol=0, atol=1e-15)  # the mean falls short: 0.925


def test_ageing_chances_balance_the_flows():
    # r = 0.26 a year, shares 0.25 / 0.25 / 0.5: 0.005 a week over each share
    np.testing.assert_allclose(mech.ageing_chances(0.26, 0.25, 0.5), [0.02, 0.02, 0.01], rtol=1e-12)
    assert mech.ageing_chances(0.02, 0.35, 0.0).tolist()[2] == 0.0  # no seniors: nobody leaves
    assert mech.ageing_chances(0.0, 0.35, 0.15).tolist() == [0.0, 0.0, 0.0]


def test_newcomers_as_at_build():
    lit = mech.newcomer_literacy(np.array([0.4, 0.6, 0.95]), 0.1, 0.1, np.array([1.0, -2.0, 0.5]))
    np.testing.assert_allclose(lit, [0.6, 0.5, 1.0], rtol=0, atol=1e-15)
    device = mech.newcomer_device(np.array([0.1, 0.5, 0.7, 0.95]), np.array([0.6, 0.6, 0.6, 0.6]),
                                  np.array([0.9, 0.9, 0.9, 0.9]))
    assert device.tolist() == [2, 2, 1, 0]
    assert mech.residents_per_citizen(1000.0, np.array([10, 4])).tolist() == [100.0, 250.0]


# --------------------------------------------------------------------------- the stage

SMALL = {"run.n_citizens": 6000, "run.burn_in_weeks": 0, "run.steps": 10}


def _model(**overrides) -> CoProductionModel:
    return CoProductionModel(None, rng=3, collect=False, **{k.replace(".", "__"): v for k, v in
                                                          {**SMALL, **overrides}.items()})


def test_rng_trends_leaves_the_model_stream_alone(monkeypatch):
    """The trends' stream is spawned, not drawn: model.rng and the run are what they would be without it."""
    import cosim.model.model as model_module

    with_stream = _model()
    with_stream.run(5)
    monkeypatch.setattr(model_module, "_spawned_stream", lambda rng: None)
    without = _model()
    without.run(5)
    assert with_stream.rng.bit_generator.state == without.rng.bit_generator.state
    assert (with_stream.citizens.trust == without.citizens.trust).all()
    # the same seed gives the same trends stream, a stream of its own
    monkeypatch.undo()
    assert _model().rng_trends.random() == with_stream.rng_trends.random()
    assert with_stream.rng_trends.bit_generator.state != with_stream.rng.bit_generator.state


def test_device_stage_moves_each_group_to_its_target():
    m = _model()
    cit = m.citizens
    before = device_shares(cit)
    values = {"population.smartphone_low": 0.75, "population.smartphone_high": 0.8}
    stages.trends(m.config, cit, m.wards, m.municipalities, values, np.random.default_rng(1))
    smart, phone = device_shares(cit)
    n = np.bincount(cit.income, minlength=3)
    # binomial noise around the target: within 4 standard errors
    for g, target in ((0, 0.75), (2, 0.8)):
        assert abs(smart[g] - target) < 4 * np.sqrt(target * (1 - target) / n[g]), (g, smart[g])
    assert smart[1] == before[0][1] and phone[1] == before[1][1]  # the unscheduled group: nothing moves
    assert abs(phone[0] - before[1][0]) < 4 * np.sqrt(0.05 / n[0])  # phones held at their share


def test_device_stage_tracks_a_rising_schedule_week_by_week():
    m = _model()
    cit, rng = m.citizens, np.random.default_rng(2)
    path = 0.2 + 0.7 / (1.0 + np.exp(-(np.arange(260) - 130) / 30.0))
    worst = 0.0
    for target in path:
        stages.trends(m.config, cit, m.wards, m.municipalities, {"population.smartphone_low": float(target)}, rng)
        worst = max(worst, abs(device_shares(cit)[0][0] - target))
    n_low = np.count_nonzero(cit.income == 0)
    assert worst < 4 * np.sqrt(0.25 / n_low)  # the gap is closed every week, so errors do not accumulate


def test_device_stage_draws_only_for_citizens_who_may_change():
    m = _model()
    smart, _ = device_shares(m.citizens)
    rng = np.random.default_rng(5)
    state = rng.bit_generator.state
    # the groups' current shares as targets: no gap, no draw
    values = {f"population.smartphone_{g}": float(smart[i]) for i, g in enumerate(("low", "mid", "high"))}
    stages.trends(m.config, m.citizens, m.wards, m.municipalities, values, rng)
    assert rng.bit_generator.state == state
    # a gap in the low group: one draw per low-income feature-phone owner (upgrades only)
    values["population.smartphone_low"] = float(smart[0]) + 0.01
    n_feature_low = np.count_nonzero((m.citizens.income == 0) & (m.citizens.device == 1))
    stages.trends(m.config, m.citizens, m.wards, m.municipalities, values, rng)
    check = np.random.default_rng(5)
    check.random(n_feature_low)
    assert rng.bit_generator.state == check.bit_generator.state


def test_data_stage_sets_the_group_means():
    m = _model()
    cit = m.citizens
    values = {"population.data_low": 0.3, "population.data_mid": 0.85}
    stages.trends(m.config, cit, m.wards, m.municipalities, values, np.random.default_rng(0))
    for g, target in ((0, 0.3), (1, 0.85), (2, m.config.population.data_high)):
        assert cit.data_affordability[cit.income == g].mean() == pytest.approx(target, abs=1e-12)


def test_population_stage_scales_capacity_per_citizen():
    m = _model()
    base_scale = m.municipalities.scale.copy()
    cap = stages.node_capacity(m.config, m.nodes, m.municipalities, m.levers["wifi"])
    staff = m.staff().capacity
    pop = 2.0 * m.config.municipality.population
    stages.trends(m.config, m.citizens, m.wards, m.municipalities, {"municipality.population": pop},
                  np.random.default_rng(0))
    np.testing.assert_allclose(m.municipalities.scale, 2 * base_scale, rtol=1e-15)
    # twice the residents per simulated citizen: half the node places and officials' requests per simulated citizen
    np.testing.assert_allclose(stages.node_capacity(m.config, m.nodes, m.municipalities, m.levers["wifi"]),
                               cap / 2, rtol=1e-12)
    np.testing.assert_allclose(m.staff().capacity, staff / 2, rtol=1e-12)


def test_cohort_turnover_replaces_seniors_by_young_newcomers():
    m = _model(**{"population.cohort_turnover_annual": 0.2})
    cit = m.citizens
    before = {name: getattr(cit, name).copy() for name in ("age", "ward", "income", "propensity", "x", "literacy")}
    cit.contributions[:] = 3
    values = {"population.literacy_low": 0.9}
    stages.trends(m.config, cit, m.wards, m.municipalities, values, np.random.default_rng(4))
    new = np.flatnonzero(cit.contributions == 0)
    assert new.size > 0
    assert (before["age"][new] == 2).all() and (cit.age[new] == 0).all()  # seniors left, the young came
    for name in ("ward", "income", "propensity", "x"):  # the slot is kept
        assert (getattr(cit, name)[new] == before[name][new]).all()
    assert (cit.youth_bit == (cit.age == 0) * 8).all()
    low = new[cit.income[new] == 0]
    shift = m.config.population.age_literacy_effect * m.config.population.age_literacy_youth
    # the scheduled cohort mean (clipped at 1: the mean of the clipped draws is a little lower)
    assert abs(cit.literacy[low].mean() - min(0.9 + shift, 1.0)) < 0.08
    others = np.setdiff1d(np.arange(cit.n), new)
    assert (cit.literacy[others] == before["literacy"][others]).all()
    # the age shares stay near the scenario's over a year of turnover
    rng = np.random.default_rng(6)
    for _ in range(52):
        stages.trends(m.config, cit, m.wards, m.municipalities, values, rng)
    shares = np.bincount(cit.age, minlength=3) / cit.n
    p = m.config.population
    np.testing.assert_allclose(shares, [p.share_youth, 1 - p.share_youth - p.share_senior, p.share_senior],
                               atol=0.03)


def test_no_literacy_schedule_no_turnover():
    m = _model(**{"population.cohort_turnover_annual": 0.2})
    age = m.citizens.age.copy()
    rng = np.random.default_rng(4)
    state = rng.bit_generator.state
    stages.trends(m.config, m.citizens, m.wards, m.municipalities, {"municipality.population": 1e6}, rng)
    assert (m.citizens.age == age).all() and rng.bit_generator.state == state


def test_costs_per_resident_follow_a_scheduled_population():
    """A campaign costs per resident reached: with a growing population its weekly cost grows alike."""
    from cosim import load_scenario
    from cosim.scenario.budget import BudgetPlan

    s = load_scenario(None, {"run.steps": 20, "campaign.reach_per_week": 0.01,
                             "schedules.municipality.population.kind": "linear",
                             "schedules.municipality.population.points": ((0, 400_000), (10, 800_000))})
    plan = BudgetPlan(s)
    assert plan.spend(10)["campaign"] == pytest.approx(2 * plan.spend(0)["campaign"], rel=1e-12)
    assert plan.spend(15)["campaign"] == plan.spend(10)["campaign"]  # flat after the last point
    static = BudgetPlan(load_scenario(None, {"run.steps": 20, "campaign.reach_per_week": 0.01,
                                             "municipality.population": 400_000}))
    assert plan.spend(0)["campaign"] == static.spend(0)["campaign"]


def test_hotspot_demand_keeps_the_youth_factor_only_while_young():
    """Over years of ageing and replacement each slot's demand is its build draw x the youth factor iff young now.

    (Before the fix, a youth kept the factor as an adult and a senior, and the slot's next newcomer got it
    again: demand compounded generation by generation.)
    """
    m = _model(**{"population.cohort_turnover_annual": 0.2, "infrastructure.hotspot_youth_demand": 2.0})
    cit = m.citizens
    adult_demand = cit.hotspot_demand_mb / np.where(cit.age == 0, 2.0, 1.0)
    cit.window_comments[:] = 2
    cit.window_attended[:] = 1
    cit.contributions[:] = 3  # a newcomer starts at 0
    rng = np.random.default_rng(8)
    for _ in range(10 * 52):
        stages.trends(m.config, cit, m.wards, m.municipalities, {"population.literacy_low": 0.5}, rng)
    np.testing.assert_allclose(cit.hotspot_demand_mb, adult_demand * np.where(cit.age == 0, 2.0, 1.0), rtol=1e-9)
    new = cit.contributions == 0
    assert new.any() and (cit.window_comments[new] == 0).all() and (cit.window_attended[new] == 0).all()
    assert (cit.window_comments[~new] == 2).all()  # those still here keep their part in the latest window
