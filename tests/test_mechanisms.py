"""Mechanisms on tiny hand-built populations, with exact expectations.

First the pure array functions of :mod:`cosim.model.mechanisms`, then the same
mechanisms inside a tiny model where the wiring matters (who is in a hotspot's
reach, who gets a training seat, where requests go).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cosim import CoProductionModel, load_scenario
from cosim.model import mechanisms as mech
from cosim.model import stages
from cosim.scenario.loading import with_overrides

# --------------------------------------------------------------------------- access

# One ward of 2 km x 2 km, one simulated citizen per resident (scale 1), everyone
# with a smartphone and no data, no access or service centres, no outages:
# a citizen is online exactly when a hotspot serves them.
HOTSPOT_TOWN = {
    "run.n_citizens": 1000, "run.steps": 30, "municipality.population": 1000,
    "municipality.ward_rows": 1, "municipality.ward_cols": 1,
    "population.phone_share": 1.0, "population.smartphone_low": 1.0, "population.smartphone_mid": 1.0,
    "population.smartphone_high": 1.0, "population.data_low": 0.0, "population.data_mid": 0.0,
    "population.data_high": 0.0, "infrastructure.access_centres": 0, "infrastructure.service_centres": 0,
    "infrastructure.outage_hazard": 0.0, "infrastructure.walk_km": 0.2,
    "wifi.hotspots": 1, "wifi.capacity_per_week": 1e6,
}


def test_online_access_rule():
    smart = np.array([1, 1, 1, 0, 0, 1, 0], bool)
    data = np.array([1, 0, 0, 1, 0, 0, 0], bool)
    hot = np.array([0, 1, 0, 1, 1, 0, 0], bool)
    centre = np.array([0, 0, 0, 0, 0, 1, 1], bool)
    # own data or a hotspot needs a smartphone; an access centre lends a computer
    assert mech.online_access(smart, data, hot, centre).tolist() == [True, True, False, False, False, True, True]


def test_capacity_is_shared_among_users():
    demand = np.array([0.0, 2.0, 3.0, 5.0, 10.0, 4.0])
    capacity = np.array([3.0, 3.0, 3.0, 3.0, 3.0, 0.0])
    assert mech.capacity_share(demand, capacity).tolist() == [1.0, 1.0, 1.0, 0.6, 0.3, 0.0]


def _reach(m) -> np.ndarray:
    """Brute force: is each citizen within coverage + walking distance of a hotspot?"""
    d = np.hypot(m.x[:, None] - m.nodes.hotspot_x[None, :], m.y[:, None] - m.nodes.hotspot_y[None, :])
    return (d <= m.nodes.hotspot_radius_km + m.config.infrastructure.walk_km).any(axis=1)


def test_hotspot_reach_is_coverage_plus_walk():
    m = CoProductionModel(load_scenario(None, {**HOTSPOT_TOWN, "wifi.hotspots": 3}), rng=1)
    in_reach = _reach(m)
    assert 0 < in_reach.sum() < m.n
    assert np.array_equal(m.citizens.hotspot >= 0, in_reach)


def test_in_reach_without_data_is_online_out_of_reach_is_not():
    m = CoProductionModel(load_scenario(None, HOTSPOT_TOWN), rng=1)
    in_reach = _reach(m)
    assert 20 < in_reach.sum() < 500
    for _ in range(5):
        m.step()
        assert np.array_equal(m.online, in_reach)


def test_devices_and_own_data_by_hand():
    """Hand-set groups: the hotspot needs a smartphone; own data needs no hotspot."""
    m = CoProductionModel(load_scenario(None, HOTSPOT_TOWN), rng=2)
    in_reach = _reach(m)
    feature_in_reach = np.flatnonzero(in_reach)[:10]
    data_out_of_reach = np.flatnonzero(~in_reach)[:10]
    none_in_reach = np.flatnonzero(in_reach)[10:20]
    m.citizens.device[feature_in_reach] = 1
    m.citizens.device[none_in_reach] = 0
    m.citizens.data_affordability[data_out_of_reach] = 1.0
    m.step()
    expected = in_reach.copy()
    expected[feature_in_reach] = False
    expected[none_in_reach] = False
    expected[data_out_of_reach] = True
    assert np.array_equal(m.online, expected)


def test_no_one_is_online_through_a_hotspot_that_is_down():
    outage = {**HOTSPOT_TOWN, "events": [{"kind": "outage", "step": 2, "duration": 3, "severity": 1.0}]}
    m = CoProductionModel(load_scenario(None, outage), rng=3)
    in_reach = _reach(m)
    up = []
    for t in range(7):
        m.step()
        up.append(bool(m.nodes.up[0]))
        assert np.array_equal(m.online, in_reach & m.nodes.up[0]), t
    assert up == [True, True, False, False, False, True, True]


@pytest.mark.parametrize(("capacity_share", "cap_mb"), [(0.25, 500.0), (0.6, 500.0), (1.0, 150.0)])
def test_hotspot_capacity_is_shared(capacity_share, cap_mb):
    """k users in reach, capacity c: each is served with chance c/k (times the data-cap factor)."""
    probe = CoProductionModel(load_scenario(None, HOTSPOT_TOWN), rng=4)
    k = int(_reach(probe).sum())
    c = capacity_share * k
    s = load_scenario(None, {**HOTSPOT_TOWN, "wifi.capacity_per_week": c, "wifi.daily_cap_mb": cap_mb})
    m = CoProductionModel(s, rng=4)
    in_reach = _reach(m)
    assert in_reach.sum() == k  # the same town: placement does not depend on capacity
    served = min(1.0, c / k) * min(1.0, cap_mb / s.infrastructure.data_need_mb)
    weeks = 30
    online = []
    for _ in range(weeks):
        m.step()
        assert not m.online[~in_reach].any()
        online.append(int(m.online.sum()))
    mean = np.mean(online)
    sd = math.sqrt(k * served * (1 - served) / weeks)
    assert abs(mean - k * served) < 4 * sd + 1e-9, (mean, k * served, sd)


def test_access_centre_serves_citizens_without_a_device():
    town = {**HOTSPOT_TOWN, "wifi.hotspots": 0, "infrastructure.access_centres": 1,
            "infrastructure.access_centre_capacity": 1e5, "population.phone_share": 0.0}
    m = CoProductionModel(load_scenario(None, town), rng=5)
    assert (m.citizens.device == 0).all()
    reach = m.config.infrastructure.centre_radius_m / 1000 + m.config.infrastructure.walk_km
    near = np.hypot(m.x - m.nodes.centre_x[0], m.y - m.nodes.centre_y[0]) <= reach
    assert 0 < near.sum() < m.n
    m.step()
    assert np.array_equal(m.online, near)


# --------------------------------------------------------------------------- trust


def test_asymmetric_trust_update_exact():
    trust = np.array([0.5, 0.5, 0.5, 0.8, 0.2, 0.02, 0.99])
    outcome = np.array([0.8, 0.2, 0.5, 0.1, 1.0, 0.0, 1.0])
    expectation = np.full(7, 0.5)
    got = mech.asymmetric_trust_update(trust, outcome, expectation, alpha_plus=0.05, alpha_minus=0.15)
    expected = [
        0.5 + 0.05 * 0.3,   # good: +alpha_plus * d = 0.515
        0.5 - 0.15 * 0.3,   # bad:  -alpha_minus * |d| = 0.455
        0.5,                # as expected: no change
        0.8 - 0.15 * 0.4,   # 0.74
        0.2 + 0.05 * 0.5,   # 0.225
        0.0,                # 0.02 - 0.075, clipped at 0
        1.0,                # 0.99 + 0.025, clipped at 1
    ]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15)
    assert 0.5 - got[1] > got[0] - 0.5  # bad weighs three times more


def test_bad_outweighs_good_for_equal_disconfirmation():
    """Equal-sized disconfirmation: the loss exceeds the gain (Slovic 1993).

    The update is linear in the disconfirmation, so the loss is
    alpha_minus / alpha_plus times the gain at every trust level, except where
    the bounds 0 and 1 clip a step.
    """
    s = load_scenario()
    ap, am = s.trust.alpha_plus, s.trust.alpha_minus
    assert am > ap
    trust = np.linspace(0.0, 1.0, 201)
    for d in (0.05, 0.2, 0.5):
        e = np.full(trust.size, 0.5)
        up = mech.asymmetric_trust_update(trust, e + d, e, ap, am) - trust
        down = trust - mech.asymmetric_trust_update(trust, e - d, e, ap, am)
        inside = (trust - am * d >= 0) & (trust + ap * d <= 1)
        np.testing.assert_allclose(up[inside], ap * d, atol=1e-15)
        np.testing.assert_allclose(down[inside], am * d, atol=1e-15)
        assert (down[inside] > up[inside]).all()
        assert inside.mean() > 0.5


def test_trust_update_stays_in_unit_interval():
    rng = np.random.default_rng(0)
    t, o, e = rng.random((3, 10_000))
    for ap, am in ((1.0, 1.0), (0.05, 0.15), (0.0, 1.0)):
        new = mech.asymmetric_trust_update(t, o, e, ap, am)
        assert ((new >= 0) & (new <= 1)).all()


def test_social_trust_update_exact():
    got = mech.social_trust_update(np.array([0.2, 0.6]), np.array([0.6, 0.6]), np.array([0.4, 0.3]), 0.1, 0.05)
    np.testing.assert_allclose(got, [0.2 + 0.1 * 0.4 + 0.05 * 0.2, 0.6 + 0.0 - 0.05 * 0.3], atol=1e-15)


def test_participants_trust_moves_by_the_asymmetric_rule_in_the_model(small):
    """Inside the model, a participant's trust follows the rule before social influence."""
    s = with_overrides(small, {"trust.peer_weight": 0.0, "trust.anchor_weight": 0.0, "trust.transparency_weight": 0.0,
                               "infosec.breach_hazard": 0.0, "municipality.need_rate": 0.3,
                               "population.propensity_scale": 0.15})
    m = CoProductionModel(s, rng=9)
    m.run(20)
    seen = {}

    real = stages.coproduction

    def spy(*args):
        who, outcome = real(*args)
        seen.update(trust=m.trust.copy(), expectation=m.citizens.expectation.copy(), who=who, outcome=outcome)
        return who, outcome

    stages.coproduction = spy
    try:
        m.step()
    finally:
        stages.coproduction = real
    assert np.all(np.diff(seen["who"]) > 0)  # each citizen once, in order
    had = np.zeros(m.n, dtype=bool)
    had[seen["who"]] = True
    assert had.sum() > 20
    mean_out = seen["outcome"]
    expected = mech.asymmetric_trust_update(seen["trust"][had], mean_out, seen["expectation"][had],
                                            s.trust.alpha_plus, s.trust.alpha_minus)
    np.testing.assert_allclose(m.trust[had], expected, rtol=0, atol=1e-12)
    # non-participants move toward their ward's service quality
    q = m.wards.quality[m.ward[~had]]
    before = seen["trust"][~had]
    np.testing.assert_allclose(m.trust[~had], before + s.trust.quality_weight * (q - before), atol=1e-12)


# --------------------------------------------------------------------------- requests


def test_resolve_fifo_order_and_capacity():
    pool = np.array([0, 1, 0, 0, 1, 2, 0, 1])
    assert mech.resolve_fifo(pool, np.array([2, 1, 0])).tolist() == [0, 1, 2]
    assert mech.resolve_fifo(pool, np.array([3, 5, 1])).tolist() == [0, 1, 2, 3, 4, 5, 7]
    assert mech.resolve_fifo(pool, np.array([0, 0, 0])).tolist() == []
    assert mech.resolve_fifo(np.zeros(0, np.int64), np.array([4])).tolist() == []


def test_resolve_fifo_matches_a_plain_queue():
    rng = np.random.default_rng(1)
    for _ in range(200):
        k = int(rng.integers(1, 5))
        pool = rng.integers(0, k, int(rng.integers(0, 40)))
        cap = rng.integers(0, 12, k)
        taken = dict.fromkeys(range(k), 0)
        expected = []
        for i, p in enumerate(pool):  # reference: walk the queue in arrival order
            if taken[p] < cap[p]:
                taken[p] += 1
                expected.append(i)
        assert mech.resolve_fifo(pool, cap).tolist() == expected


def _conserved(m) -> None:
    tot = m.totals
    assert tot["submitted"] == tot["resolved"] + tot["dropped"] + m.queue.size
    df = m.timeseries()
    for name, g in df.groupby("municipality"):
        g = g.sort_values("step")
        flow = g["requests"].cumsum() - g["resolved"].cumsum() - g["dropped"].cumsum()
        np.testing.assert_array_equal(flow.to_numpy(), g["backlog"].to_numpy(), err_msg=name)
    region = df[df["municipality"] == "region"]
    assert region["requests"].sum() == tot["submitted"]
    assert region["resolved"].sum() == tot["resolved"]
    assert region["dropped"].sum() == tot["dropped"]
    assert region["backlog"].iloc[-1] == m.queue.size


@pytest.mark.parametrize("pooled", [False, True])
def test_queue_conservation_over_a_whole_run(small_all_levers, pooled):
    """submitted = resolved + backlog + dropped, every week and per municipality.

    Few officials, so that requests wait, some are dropped and a backlog remains.
    """
    s = with_overrides(small_all_levers, {"officials.n_officials": 2, "officials.capacity_per_week": 20.0,
                                          "municipality.population": 20_000, "links.shared_talent_pool": pooled})
    m = CoProductionModel(s, rng=10)
    m.run(80)
    _conserved(m)
    assert m.totals["resolved"] > 0 and m.totals["dropped"] > 0 and m.queue.size > 0
    # the queue keeps arrival order; nothing waits longer than max_wait_weeks
    assert (np.diff(m.queue.week) >= 0).all()
    assert (m.week - 1 - m.queue.week < s.participation.max_wait_weeks).all()


def test_queue_conservation_with_ample_capacity(small):
    m = CoProductionModel(small, rng=11)
    m.run()
    _conserved(m)
    assert m.totals["submitted"] > 50
    assert m.totals["dropped"] == 0


def test_officials_resolve_capacity_times_skill():
    """Each week a municipality resolves floor(carry + capacity x skill / scale) requests at most."""
    s = load_scenario(None, {"run.n_citizens": 2000, "run.steps": 30, "officials.n_officials": 3,
                             "officials.capacity_per_week": 30.0, "municipality.population": 10_000,
                             "officials.attrition_annual": 0.0, "municipality.need_rate": 0.3})
    m = CoProductionModel(s, rng=12)
    carry = 0.0
    for _ in range(15):
        cap = float((s.officials.capacity_per_week * m.officials.skill * m.officials.active).sum() / m.municipalities.scale[0])
        backlog_before = m.queue.size
        m.step()
        avail = carry + cap
        resolved = m.week_stats["resolved"][0]
        waiting = backlog_before + m.week_stats["requests"][0]
        assert resolved == min(math.floor(avail), waiting)
        carry = avail - math.floor(avail) if resolved == math.floor(avail) else 0.0
    assert m.queue.size > 0  # demand exceeded capacity: the bound was binding


def test_official_ict_training_keeps_skill_at_most_one():
    """A training budget large enough to close more than the gap in a week stops at 1."""
    s = load_scenario(None, {"run.n_citizens": 200, "officials.n_officials": 1, "talent.training_rand": 9e8,
                             "talent.training_per_million": 1.0, "municipality.annual_budget_rand": 1e10})
    m = CoProductionModel(s, rng=1)
    m.run(3)
    assert m.officials.ict_skill.max() <= 1.0
    assert m.officials.ict_skill[m.officials.active].min() == pytest.approx(1.0)


def test_coproduced_outcome_is_cobb_douglas():
    got = mech.coproduced_outcome(np.array([0.25, 1.0, 0.0]), np.array([0.64, 0.5, 1.0]), 0.5)
    np.testing.assert_allclose(got, [0.4, math.sqrt(0.5), 0.0], atol=1e-15)


# --------------------------------------------------------------------------- literacy


def test_literacy_update_exact():
    lit = np.array([0.4, 0.4, 0.4, 0.4])
    used = np.array([False, True, False, True])
    trained = np.array([False, False, True, True])
    got = mech.literacy_update(lit, used, trained, training_gain=0.2, learning_by_doing=0.01, decay=0.001)
    expected = [
        0.4 - 0.001 * 0.4,                    # disuse decays
        0.4 + 0.01 * 0.6,                     # use teaches
        (0.4 + 0.2 * 0.6) * (1 - 0.001),      # a seat closes 20% of the gap, then disuse
        0.52 + 0.01 * (1 - 0.52),             # a seat, then use
    ]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15)


def _training_week(targeting: str, seats: float = 25.0):
    s = load_scenario(None, {"run.n_citizens": 1500, "run.steps": 10, "municipality.population": 1500,
                             "training.seats_per_week": seats, "training.targeting": targeting,
                             "infrastructure.training_km": 3.0})
    m = CoProductionModel(s, rng=13)
    m.run(2)
    captured = []
    real = stages.training

    def spy(*args):
        captured.append(real(*args))
        return captured[-1]

    stages.training = spy
    lit, adopted, income = m.literacy.copy(), m.adopted.copy(), m.income.copy()
    try:
        m.step()
    finally:
        stages.training = real
    return s, m, captured[0], lit, adopted, income


@pytest.mark.parametrize("targeting", ["random", "low_literacy", "low_income"])
def test_training_seats_go_to_the_targeted_group(targeting):
    _, m, trained, lit, _, income = _training_week(targeting)
    assert trained.sum() == 25 == m.week_stats["trained"][0]
    eligible = m.citizens.near_training & (lit < 0.999)
    assert 25 < eligible.sum() < m.n  # some are too far from a centre
    assert not trained[~eligible].any()
    waiting = eligible & ~trained
    if targeting == "low_literacy":
        # the lowest literacy first (ties broken by a tiny random key)
        assert lit[trained].max() <= lit[waiting].min() + 1e-3
    elif targeting == "low_income":
        assert income[trained].max() <= income[waiting].min()
        assert (income[trained] == 0).all()
    else:
        assert lit[trained].max() > np.quantile(lit[eligible], 0.5)  # not sorted by literacy


@pytest.mark.parametrize("targeting", ["random", "low_literacy"])
def test_training_raises_literacy_by_the_expected_amount(targeting):
    s, m, trained, lit, adopted, _ = _training_week(targeting)
    li = s.literacy
    expected = mech.literacy_update(lit, m.online & adopted, trained, li.training_gain, li.learning_by_doing, li.decay)
    np.testing.assert_allclose(m.literacy, expected, rtol=0, atol=1e-15)
    gain = m.literacy[trained] - lit[trained]
    assert (gain > 0.9 * li.training_gain * (1 - lit[trained]) - 0.01).all()
    assert gain.sum() > 25 * li.training_gain * 0.3


def test_training_over_weeks_lifts_the_targeted_group(small):
    """Low-literacy targeting over a year lifts the lowest tercile far more than the highest."""
    base = with_overrides(small, {"municipality.population": 10_000})
    on = with_overrides(base, {"training.seats_per_week": 100.0, "training.targeting": "low_literacy"})
    a, b = CoProductionModel(base, rng=14), CoProductionModel(on, rng=14)
    a.run(52)
    b.run(52)
    lift = [b.literacy[b.lit_group == g].mean() - a.literacy[a.lit_group == g].mean() for g in range(3)]
    assert lift[0] > 0.05
    assert lift[0] > 5 * abs(lift[2])


# --------------------------------------------------------------------------- inequality measures


def _gini_brute(x: np.ndarray) -> float:
    x = np.asarray(x, float)
    if x.sum() == 0:
        return 0.0
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean()))


def _top_share_brute(x: np.ndarray, share: float) -> float:
    if x.sum() == 0:
        return 0.0
    k = max(1, math.ceil(share * x.size))
    return float(np.sort(x)[::-1][:k].sum() / x.sum())


def test_gini_and_top_share_against_brute_force():
    rng = np.random.default_rng(2)
    cases = [np.zeros(10, int), np.array([0, 0, 0, 7]), np.array([3, 3, 3]), np.array([1]),
             *[rng.integers(0, 1 + int(rng.integers(1, 30)), int(rng.integers(1, 400))) for _ in range(60)],
             *[np.minimum(rng.pareto(1.1, 300).astype(int), 500) for _ in range(10)]]
    for x in cases:
        counts = np.bincount(x)
        values = np.arange(counts.size)
        assert mech.gini_from_counts(values, counts) == pytest.approx(_gini_brute(x), abs=1e-12)
        for share in (0.01, 0.1, 0.5):
            assert mech.top_share_from_counts(values, counts, share) == pytest.approx(
                _top_share_brute(x, share), abs=1e-12)
    # textbook values: one of four holds everything
    assert mech.gini_from_counts(np.arange(8), np.bincount([0, 0, 0, 7])) == pytest.approx(0.75)
    assert mech.top_share_from_counts(np.arange(8), np.bincount([0, 0, 0, 7]), 0.25) == 1.0


def test_contribution_metrics_match_brute_force(small_all_levers):
    m = CoProductionModel(small_all_levers, rng=15)
    m.run(60)
    last = m.timeseries().query("step == 60")
    assert last["municipality"].tolist() == ["m1", "m2", "region"]
    assert m.contributions.sum() > 50
    for i, (_, row) in enumerate(last.iterrows()):
        x = m.contributions if row["municipality"] == "region" else m.contributions[m.citizens.municipality == i]
        assert row["gini_contributions"] == pytest.approx(_gini_brute(x), abs=1e-9)
        assert row["top1_share"] == pytest.approx(_top_share_brute(x, 0.01), abs=1e-9)
        assert row["top10_share"] == pytest.approx(_top_share_brute(x, 0.10), abs=1e-9)


# --------------------------------------------------------------------------- the IDP window


@pytest.mark.parametrize(("start", "weeks"), [(40, 6), (50, 6), (0, 1), (10, 0), (30, 26)])
def test_idp_window_weeks(start, weeks):
    s = load_scenario(None, {"run.n_citizens": 100, "municipality.idp_window_start": start,
                             "municipality.idp_window_weeks": weeks})
    m = CoProductionModel(s, rng=1, collect=False)
    for t in range(3 * 52):
        inside = any((start + k) % 52 == t % 52 for k in range(weeks))
        assert m.idp_window(t) == inside, t
    assert sum(m.idp_window(t) for t in range(52)) == weeks


def test_consultation_comments_only_in_the_idp_window(small):
    s = with_overrides(small, {"municipality.idp_window_start": 5, "municipality.idp_window_weeks": 4,
                               "participation.idp_rate": 0.5})
    m = CoProductionModel(s, rng=16)
    commented = []
    for _ in range(20):
        m.step()
        commented.append(int(m.citizens.commented.sum()))
    assert all(c == 0 for t, c in enumerate(commented) if not 5 <= t < 9)
    assert all(c > 0 for t, c in enumerate(commented) if 5 <= t < 9)


# --------------------------------------------------------------------------- the named rules, on tiny inputs
# (values chosen as sums of powers of two, so the expected numbers are exact)


def test_facilitating_conditions():
    online = np.array([True, True, False, False])
    muni = np.array([0, 1, 0, 1])
    phone = np.array([True, True, True, False])
    # e-channel open in municipality 0 only; no USSD
    assert mech.facilitating_conditions(online, np.array([True, False]), muni, False, 0.5, phone).tolist() == [
        True, False, False, False]
    # USSD gives its partial access to everyone with a phone and no online e-channel
    assert mech.facilitating_conditions(online, np.array([True, False]), muni, True, 0.5, phone).tolist() == [
        1.0, 0.5, 0.5, 0.0]
    assert mech.facilitating_conditions(online, np.array([True, True]), muni, False, 0.5, phone).tolist() == [
        True, True, False, False]
    assert not mech.facilitating_conditions(online, np.array([False, False]), muni, False, 0.5, phone).any()


def test_awareness_update():
    a = np.array([0.0, 0.5, 1.0])
    nbr = np.array([0.5, 1.0, 0.0])
    # gain = 0.25 + 0.5 nbr = [0.5, 0.75, 0.25]; a + (1 - a) gain - 0.25 a
    got = mech.awareness_update(a, 0.25, 0.5, nbr, 0.5, False, 0.25)
    assert got.tolist() == [0.5, 0.75, 0.75]
    # in the IDP window the boost is added, the gain capped at 1
    got = mech.awareness_update(a, 0.25, 0.5, nbr, 0.5, True, 0.25)
    assert got.tolist() == [1.0, 0.875, 0.75]


def test_privacy_risk_and_performance_expectancy():
    assert mech.privacy_risk(np.array([0.5, 1.0]), np.array([0.5, 0.75])).tolist() == [0.25, 0.25]
    assert mech.privacy_risk(np.array([0.5, 1.0]), 0.5).tolist() == [0.25, 0.5]
    got = mech.performance_expectancy(np.array([0.25, 0.75]), np.array([0.5, 1.0]), 0.5)
    assert got.tolist() == [0.5, 1.0]  # clipped at 1


def test_adaptive_expectation():
    assert mech.adaptive_expectation(np.array([0.5, 0.5]), np.array([1.0, 0.0]), 0.25).tolist() == [0.625, 0.375]


def test_cheapest_e_channel_table():
    best, cost = mech.cheapest_e_channel(0.25, 0.5, 0.75, 0.25)
    assert cost[0] == np.inf and best[0] == 0          # nothing open
    assert (best[0b011], cost[0b011]) == (0, 0.25)    # portal beats USSD
    assert (best[0b110], cost[0b110]) == (1, 0.5)     # USSD beats social media for an adult
    assert (best[0b1110], cost[0b1110]) == (2, 0.1875)  # ... not for the young (0.75 x 0.25)
    assert (best[0b100], cost[0b100]) == (2, 0.75)


def test_efficacy_and_act_probability():
    trust = np.array([0.0, 0.5, 1.0])
    # (1 - w) + 2 w trust, w = 0.5: [0.5, 1, 1.5]; level 3 with e = 0.5: x 1.5
    assert mech.efficacy(trust, 0.5, 0.5, 2).tolist() == [0.5, 1.0, 1.5]
    assert mech.efficacy(trust, 0.5, 0.5, 3).tolist() == [0.75, 1.5, 2.25]
    got = mech.act_probability(np.array([0.5, 0.5, 1.0, 0.5]), np.array([1.0, 1.5, 2.0, 1.0]),
                               np.array([0.5, 0.0, 0.75, np.inf]))
    assert got.tolist() == [0.25, 0.75, 0.5, 0.0]


def test_idp_feedback_follows_the_level_offered():
    assert [mech.idp_feedback(0.5, level) for level in range(1, 6)] == [0.5, 0.625, 0.75, 0.875, 1.0]


def test_citizen_and_official_inputs():
    got = mech.citizen_input(np.array([0.0, 0.5, 1.0]), np.array([0.0, 0.5, 1.0]), 0.5, 0.5)
    # (0.5 + 0.5 lit)(1 + 0.5 open data) = [0.5, 0.9375, 1.5 -> 1]
    assert got.tolist() == [0.5, 0.9375, 1.0]
    got = mech.official_input(np.array([0.5, 0.5, 1.0]), np.array([0.25, 0.25, -0.5]), np.array([True, False, True]))
    assert got.tolist() == [0.25, 0.5, 0.0]  # sqrt(ICT) for e-channels only; negative ICT counts as 0


def test_timely_outcome():
    got = mech.timely_outcome(np.array([1.0, 0.5]), np.array([0, 4]), 4.0)
    assert got.tolist() == [1.0, 0.5 * math.exp(-1.0)]


def test_ward_coverage_and_quality():
    cov = mech.ward_coverage_update(np.array([0.0, 1.0, 0.5]), np.array([2.0, 0.0, 8.0]), np.array([4.0, 1.0, 4.0]),
                                    0.25)
    assert cov.tolist() == [0.125, 0.75, 0.625]  # 0.75 c + 0.25 min(1, work / needs)
    q = mech.ward_quality_update(np.array([0.5, 0.5]), np.array([0.5, 0.0]), np.array([1.0, 0.5]), 0.5, 0.5)
    # target = base + (1 - base) coverage gain = [0.75, 0.25]; q + 0.5 (target - q)
    assert q.tolist() == [0.625, 0.375]


def test_open_data_value_equals_the_level_at_the_reference_point():
    got = mech.open_data_value(0.5, 13.0, np.array([0.5, 1.0, 0.0]), 13.0, 0.5, 0.5)
    assert got[0] == 0.5  # interval 13 weeks, ICT 0.5: the level
    assert got[1] == pytest.approx(0.5 / 0.75) and got[2] == pytest.approx(0.5 * 0.5 / 0.75)
    assert mech.open_data_value(1.0, 39.0, np.array([0.5]), 13.0, 0.5, 0.5)[0] == 0.5  # fresh a quarter


def test_trust_rules():
    t = np.array([0.5, 0.25])
    assert mech.quality_trust_update(t, np.array([1.0, 0.75]), 0.5).tolist() == [0.75, 0.5]
    assert mech.transparency_update(t, 0.5, 0.5).tolist() == [0.625, 0.4375]
    assert mech.transparency_update(t, 0.5, np.array([0.0, 1.0])).tolist() == [0.5, 0.625]


def test_shock_rules():
    assert mech.security_posture(0.5, 0.0, 1e6) == 0.5
    assert mech.security_posture(0.5, 1e6 * math.log(2.0), 1e6) == pytest.approx(0.75)
    assert mech.breach_hazard(0.25, np.array([0.5, 0.75, 1.0]), 0.5).tolist() == [0.25, 0.125, 0.0]
    assert mech.legal_damping(0.5, 0.5) == 0.75
    assert mech.breach_trust(np.array([0.5, 1.0]), 0.5, np.array([1.0, 0.5])).tolist() == [0.25, 0.75]
    assert mech.breach_privacy(np.array([0.5, 0.0]), 0.5, np.array([1.0, 0.5])).tolist() == [0.75, 0.25]


def test_talent_rules():
    assert mech.attrition_probability(0.52, 52.0, 0.5, 0.0) == 0.01
    assert mech.attrition_probability(0.52, 52.0, 0.5, 1.0) == 0.005
    assert mech.attrition_probability(0.52, 52.0, 2.0, 1.0) == 0.0  # never negative
    got = mech.hiring_skill_mean(0.5, np.array([1.0, 0.5]), 0.5, 1.0)
    assert got.tolist() == [0.75, 0.375]
    assert mech.hiring_skill_mean(1.0, np.array([1.0]), 1.0, 1.0).tolist() == [1.0]  # capped
    assert mech.ict_training_rate(52e6, 4, 0.5, 52.0) == 0.125  # R13m each a year, 0.5 per million, weekly
    assert mech.ict_training_rate(52e9, 1, 1.0, 52.0) == 1.0  # at most the whole gap


def test_the_engine_calls_the_access_rule(monkeypatch):
    """docs/ODD.md names mechanisms.online_access as the access rule: the step uses it."""
    calls = []
    real = mech.online_access

    def counted(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(mech, "online_access", counted)
    m = CoProductionModel(load_scenario(None, HOTSPOT_TOWN), rng=1)
    m.step()
    assert len(calls) == 1
