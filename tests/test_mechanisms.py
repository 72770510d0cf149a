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
# with a smartphone and no data, no access or service centres, no outages, and
# the literacy use gate open (use_floor 1: everyone with access goes online):
# a citizen is online exactly when a hotspot serves them.  A cold start (no
# burn-in): the town's history plays no part in who a hotspot reaches.  Everyone
# discovers the hotspot in week 0 (signage 1) and uses it from week 1 whenever
# served (use chance 1), wanting exactly 50 MB a day (no spread, youth as adults).
HOTSPOT_TOWN = {
    "run.n_citizens": 1000, "run.steps": 30, "run.burn_in_weeks": 0, "municipality.population": 1000,
    "literacy.use_floor": 1.0,
    "municipality.ward_rows": 1, "municipality.ward_cols": 1,
    "population.phone_share": 1.0, "population.smartphone_low": 1.0, "population.smartphone_mid": 1.0,
    "population.smartphone_high": 1.0, "population.data_low": 0.0, "population.data_mid": 0.0,
    "population.data_high": 0.0, "infrastructure.access_centres": 0, "infrastructure.service_centres": 0,
    "infrastructure.outage_hazard": 0.0, "infrastructure.walk_km": 0.2,
    "wifi.hotspots": 1, "wifi.capacity_per_week": 1e6,
    "infrastructure.hotspot_signage": 1.0, "infrastructure.hotspot_use_base": 1.0,
    "infrastructure.hotspot_demand_spread": 0.0, "infrastructure.hotspot_youth_demand": 1.0,
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


def test_hotspot_discovery_rule():
    """d = min(1, signage + word of mouth x neighbours' use + campaign reach)."""
    nbr = np.array([0.0, 0.5, 1.0, 1.0])
    assert mech.hotspot_discovery(0.25, 0.5, nbr, 0.0).tolist() == [0.25, 0.5, 0.75, 0.75]
    assert mech.hotspot_discovery(0.25, 0.5, nbr, 0.5).tolist() == [0.75, 1.0, 1.0, 1.0]


def test_habit_rises_with_use_and_decays_without():
    habit = np.array([0.0, 0.5, 0.0, 0.5])
    used = np.array([True, True, False, False])
    assert mech.habit_update(habit, used, 0.25, 0.5).tolist() == [0.25, 0.625, 0.0, 0.25]
    # Lally et al. 2010: 0.27 a week closes 95% of the gap in about 9.4 weeks (66 days)
    h = np.zeros(1)
    for _ in range(10):
        h = mech.habit_update(h, np.ones(1, bool), 0.27, 0.1)
    assert 0.95 < h[0] < 0.97


def test_hotspot_use_chance_habit_and_youth():
    habit = np.array([0.0, 0.5, 1.0, 0.0, 0.5])
    youth = np.array([False, False, False, True, True])
    # adults b + (1 - b) h; the young as if given two chances, 1 - ((1 - b)(1 - h))^2
    assert mech.hotspot_use_chance(habit, youth, 0.25, 2.0).tolist() == [0.25, 0.625, 1.0, 0.4375, 0.859375]


def test_cap_share_and_days_of_use():
    assert mech.cap_share(np.array([100.0, 500.0, 1000.0]), 500.0).tolist() == [1.0, 1.0, 0.5]
    assert mech.days_of_use(np.array([0.0, 0.5, 1.0]), 5.0).tolist() == [1.0, 3.0, 5.0]


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
    m.step()  # week 0: everyone in reach discovers the hotspot, nobody uses it yet
    assert not m.online.any() and np.array_equal(m.citizens.hotspot_known, in_reach)
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
    m.step()  # week 0: the hotspot is discovered
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
        assert np.array_equal(m.online, in_reach & m.nodes.up[0] & (t > 0)), t  # used from week 1
    assert up == [True, True, False, False, False, True, True]


@pytest.mark.parametrize(("capacity_share", "cap_mb"), [(0.25, 500.0), (0.6, 500.0), (1.0, 30.0)])
def test_hotspot_capacity_is_shared(capacity_share, cap_mb):
    """k users in reach, capacity c: each is served with chance c/k (times the share of demand the cap lets through)."""
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
    m.step()  # week 0: discovery
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


def test_use_chance_rule():
    lit = np.array([0.0, 0.5, 1.0])
    assert mech.use_chance(lit, 0.5).tolist() == [0.5, 0.75, 1.0]
    assert mech.use_chance(lit, 0.0).tolist() == lit.tolist()  # no floor: literacy alone
    assert mech.use_chance(lit, 1.0).tolist() == [1.0, 1.0, 1.0]  # the gate open
    grid = np.linspace(0.0, 1.0, 101)
    for floor in (0.0, 0.4, 0.7):
        p = mech.use_chance(grid, floor)
        assert (np.diff(p) > 0).all() and p[0] == floor and p[-1] == 1.0


def _draws_spy(m) -> list[np.ndarray]:
    """Record (a copy of) each week's block of draws the model uses."""
    seen: list[np.ndarray] = []
    real = m.week_draws

    def spy(*args):
        u = real(*args)
        seen.append(u.copy())
        return u

    m.week_draws = spy
    return seen


def test_literacy_gates_use_given_access():
    """Given access, a citizen goes online when the USE draw < floor + (1 - floor) x literacy."""
    from cosim.model.draws import USE

    m = CoProductionModel(load_scenario(None, {**HOTSPOT_TOWN, "literacy.use_floor": 0.25}), rng=1)
    in_reach = _reach(m)
    m.step()  # week 0: the hotspot is discovered
    seen = _draws_spy(m)
    gated = 0
    for _ in range(5):
        lit = m.literacy.copy()  # access comes before this week's literacy update
        m.step()
        expected = in_reach & (seen[-1][USE] < 0.25 + 0.75 * lit)
        assert np.array_equal(m.online, expected)
        gated += int((in_reach & ~m.online).sum())
    assert gated > 50  # the gate bites: some with access stay offline


def test_the_use_gate_favours_the_literate():
    m = CoProductionModel(load_scenario(None, {**HOTSPOT_TOWN, "literacy.use_floor": 0.25}), rng=2)
    in_reach = _reach(m)
    low = in_reach & (m.literacy < np.median(m.literacy[in_reach]))
    high = in_reach & ~low
    online = np.zeros(m.n)
    for _ in range(10):
        m.step()
        online += m.online
    assert online[high].mean() > online[low].mean() + 0.5  # of ten weeks


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
    """Friedkin-Johnsen anchored to each citizen's generalised trust."""
    got = mech.social_trust_update(np.array([0.25, 0.5]), np.array([0.75, 0.5]), np.array([0.5, 0.25]), 0.25, 0.5)
    # t + 0.25 (neighbours - t) + 0.5 (generalised - t)
    assert got.tolist() == [0.25 + 0.125 + 0.125, 0.5 + 0.0 - 0.125]


def test_generalised_trust_learns_bad_faster_than_good():
    g = np.array([0.5, 0.5, 0.5, 0.25])
    t = np.array([1.0, 0.0, 0.5, 0.75])
    # g + up (t - g)+ - down (g - t)+ with up 0.25, down 0.5
    assert mech.generalised_trust_update(g, t, 0.25, 0.5).tolist() == [0.625, 0.25, 0.5, 0.375]
    s = load_scenario()
    up, down = s.trust.generalised_up, s.trust.generalised_down
    assert down > up
    gap = np.linspace(0.01, 0.5, 50)
    rise = mech.generalised_trust_update(np.full(50, 0.5), 0.5 + gap, up, down) - 0.5
    fall = 0.5 - mech.generalised_trust_update(np.full(50, 0.5), 0.5 - gap, up, down)
    np.testing.assert_allclose(fall / rise, down / up, rtol=1e-9)
    # it moves toward trust and never overshoots it
    rng = np.random.default_rng(3)
    g, t = rng.random((2, 1000))
    new = mech.generalised_trust_update(g, t, up, down)
    assert (np.abs(new - t) <= np.abs(g - t)).all() and (np.sign(new - g) * np.sign(t - g) >= 0).all()


def test_participants_trust_moves_by_the_asymmetric_rule_in_the_model(small):
    """Inside the model: everyone moves toward perceived quality, participants then by their experience."""
    s = with_overrides(small, {"trust.peer_weight": 0.0, "trust.anchor_weight": 0.0, "trust.transparency_weight": 0.0,
                               "infosec.breach_hazard": 0.0, "municipality.need_rate": 0.3,
                               "population.propensity_scale": 0.15})
    m = CoProductionModel(s, rng=9)
    m.run(20)
    seen = {}

    real = stages.coproduction

    def spy(*args):
        who, outcome = real(*args)
        seen.update(trust=m.trust.copy(), expectation=m.citizens.expectation.copy(), who=who, outcome=outcome,
                    quality=m.wards.quality.copy(), generalised=m.citizens.generalised.copy())
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
    # performance: the ward's quality plus the citizen's fixed disposition
    perceived = seen["quality"][m.ward] + m.citizens.disposition
    moved = mech.quality_trust_update(seen["trust"], perceived, s.trust.quality_weight)
    expected = mech.asymmetric_trust_update(moved[had], seen["outcome"], seen["expectation"][had],
                                            s.trust.alpha_plus, s.trust.alpha_minus)
    np.testing.assert_allclose(m.trust[had], expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(m.trust[~had], np.clip(moved[~had], 0.0, 1.0), rtol=0, atol=1e-12)
    assert not np.allclose(m.trust[~had], seen["trust"][~had])  # performance moved non-participants too
    # generalised trust then learns from the new trust
    np.testing.assert_allclose(
        m.citizens.generalised,
        mech.generalised_trust_update(seen["generalised"], m.trust, s.trust.generalised_up, s.trust.generalised_down),
        rtol=0, atol=1e-15)


def test_disposition_keeps_mean_perceived_quality_at_mean_trust():
    """Disposition = initial trust - the municipality's mean quality: perceived quality averages to mean trust."""
    s = load_scenario(None, {"run.n_citizens": 2000, "run.burn_in_weeks": 0, "region.n_municipalities": 2})
    m = CoProductionModel(s, rng=4)
    muni = m.citizens.municipality
    quality = m.wards.quality[m.ward]
    perceived = quality + m.citizens.disposition
    for k in range(2):
        mine = muni == k
        np.testing.assert_allclose(perceived[mine] - m.trust[mine], quality[mine] - quality[mine].mean(), atol=1e-12)
        assert perceived[mine].mean() == pytest.approx(m.trust[mine].mean(), abs=1e-12)
    assert np.ptp(quality) > 0.05  # wards differ: better wards are perceived better
    np.testing.assert_array_equal(m.citizens.generalised, m.trust)


# --------------------------------------------------------------------------- requests


def test_effective_capacity():
    cap, skill = np.array([8.0, 8.0, 8.0, 8.0]), np.array([0.5, 0.5, 1.0, 0.5])
    # capacity x skill x (1 - w (1 - ICT skill)), w = 0.25
    got = mech.effective_capacity(cap, skill, np.array([1.0, 0.0, 0.5, 0.5]), 0.25)
    assert got.tolist() == [4.0, 3.0, 7.0, 3.5]
    assert mech.effective_capacity(cap, skill, np.zeros(4), 0.0).tolist() == (cap * skill).tolist()
    ict = np.linspace(0.0, 1.0, 11)
    assert (np.diff(mech.effective_capacity(np.full(11, 10.0), np.full(11, 0.5), ict, 0.3)) > 0).all()


def test_resolution_chance_shares_capacity_over_the_waiting():
    got = mech.resolution_chance(np.array([4.0, 4.0, 4.0, 0.0, 4.0]), np.array([4, 8, 16, 3, 0]), 0.5)
    # min(max rate, capacity / waiting); nobody waiting: the maximum
    assert got.tolist() == [0.5, 0.5, 0.25, 0.0, 0.5]
    waiting = np.arange(1, 200)
    chance = mech.resolution_chance(np.full(waiting.size, 20.0), waiting, 0.5)
    assert (np.diff(chance) <= 0).all() and chance[0] == 0.5 and chance[-1] == pytest.approx(20 / 199)
    # expected resolutions = waiting x chance: capacity, never more
    assert (waiting * chance <= 20.0 + 1e-12).all()


def test_queue_fate_exact():
    u = np.array([0.0, 0.125, 0.25, 0.5, 0.625, 0.75, 0.999])
    resolved, closed = mech.queue_fate(u, np.full(7, 0.25), 0.5)
    # resolved when u < r = 0.25; closed when u >= 1 - c (1 - r) = 0.625
    assert resolved.tolist() == [True, True, False, False, False, False, False]
    assert closed.tolist() == [False, False, False, False, True, True, True]
    # a per-request chance
    resolved, closed = mech.queue_fate(np.array([0.3, 0.3, 0.9]), np.array([0.5, 0.25, 0.5]), 0.25)
    assert resolved.tolist() == [True, False, False] and closed.tolist() == [False, False, True]
    # no abandonment: nothing closed; certain abandonment: everything unresolved closed
    r = np.full(7, 0.25)
    assert not mech.queue_fate(u, r, 0.0)[1].any()
    res, clo = mech.queue_fate(u, r, 1.0)
    assert (res | clo).all() and not (res & clo).any()
    # resolution certain: everything resolved, nothing closed
    res, clo = mech.queue_fate(u, np.ones(7), 0.5)
    assert res.all() and not clo.any()


@pytest.mark.parametrize(("r", "c"), [(0.5, 1 / 12), (0.05, 0.25), (0.9, 0.5), (0.0, 0.1)])
def test_queue_fate_shares_equal_their_probabilities(r, c):
    """Over many draws: share resolved = r, share closed unresolved = c (1 - r), never both."""
    n = 200_000
    u = np.random.default_rng(7).random(n)
    resolved, closed = mech.queue_fate(u, np.full(n, r), c)
    assert not (resolved & closed).any()
    for share, p in ((resolved.mean(), r), (closed.mean(), c * (1 - r))):
        assert abs(share - p) < 5 * math.sqrt(p * (1 - p) / n) + 1e-12, (share, p)


def _spent(m) -> tuple[int, int]:
    """Requests waiting at week 0 (carried over from the burn-in) and at the end."""
    df = m.timeseries()
    region = df[df["municipality"] == "region"].sort_values("step")
    return int(region["backlog"].iloc[0]), int(region["backlog"].iloc[-1])


def _conserved(m) -> None:
    """Requests are conserved from week 0 on.

    The burn-in's counters are reset at week 0 but its queue carries over, so
    the honest identity is: waiting at week 0 + submitted since = resolved +
    dropped + waiting now, overall and each week in each municipality.
    """
    tot = m.totals
    start, end = _spent(m)
    assert end == m.queue.size
    assert start + tot["submitted"] == tot["resolved"] + tot["dropped"] + m.queue.size
    df = m.timeseries()
    for name, g in df.groupby("municipality"):
        g = g.sort_values("step")
        first = g.iloc[0]
        assert first["requests"] == first["resolved"] == first["dropped"] == 0  # week 0 has no flows yet
        flow = g["requests"].cumsum() - g["resolved"].cumsum() - g["dropped"].cumsum()
        np.testing.assert_array_equal(flow.to_numpy() + first["backlog"], g["backlog"].to_numpy(), err_msg=name)
    region = df[df["municipality"] == "region"]
    assert region["requests"].sum() == tot["submitted"]
    assert region["resolved"].sum() == tot["resolved"]
    assert region["dropped"].sum() == tot["dropped"]


@pytest.mark.parametrize("pooled", [False, True])
def test_queue_conservation_over_a_whole_run(small_all_levers, pooled):
    """Waiting at week 0 + submitted = resolved + dropped + waiting, every week and per municipality.

    With the burn-in (the default): the queue carries its history into week 0.
    Few officials, so that requests wait, some are dropped and a backlog remains.
    """
    s = with_overrides(small_all_levers, {"officials.n_officials": 2, "officials.capacity_per_week": 20.0,
                                          "municipality.population": 20_000, "links.shared_talent_pool": pooled})
    assert s.run.burn_in_weeks > 0
    m = CoProductionModel(s, rng=10)
    assert m.queue.size > 0  # the burn-in left a queue
    assert (m.queue.week < 0).all() and (m.queue.week >= -s.run.burn_in_weeks).all()
    m.run(80)
    _conserved(m)
    assert m.totals["resolved"] > 0 and m.totals["dropped"] > 0 and m.queue.size > 0
    # the queue keeps arrival order; nothing waits from before the burn-in
    assert (np.diff(m.queue.week) >= 0).all()
    assert (m.queue.week >= -s.run.burn_in_weeks).all() and (m.queue.week < m.week).all()


def test_queue_conservation_from_a_cold_start(small):
    """Without a burn-in the queue starts empty: submitted = resolved + dropped + waiting."""
    m = CoProductionModel(with_overrides(small, {"run.burn_in_weeks": 0}), rng=11)
    assert m.queue.size == 0
    m.run()
    _conserved(m)
    t = m.totals
    assert t["submitted"] == t["resolved"] + t["dropped"] + m.queue.size
    assert t["submitted"] > 50


def _run_share_dropped(small, officials: int, capacity: float, rng: int):
    s = with_overrides(small, {"officials.n_officials": officials, "officials.capacity_per_week": capacity,
                               "municipality.need_rate": 0.3})
    m = CoProductionModel(s, rng=rng)
    delivery = []
    for _ in range(s.run.steps):
        m.step()
        delivery.append(float(m.municipalities.delivery[0]))
    _conserved(m)
    t = m.totals
    df = m.timeseries().query("municipality == 'region' and step > 0")
    return s, m, t["dropped"] / (t["resolved"] + t["dropped"]), np.array(delivery), df


def test_ample_capacity_resolves_almost_everything_quickly(small):
    """Capacity to spare: each request resolved with the maximum chance r, closed unresolved with c (1 - r).

    So the share of closed requests that were dropped is c (1 - r) / (r + c (1 - r))
    (about 8% at the defaults: abandonment while being processed), and waits are short.
    """
    s, m, share, delivery, df = _run_share_dropped(small, 80, 5_000.0, 11)
    assert (delivery == 1.0).all()  # capacity never bound
    r, c = s.coproduction.max_resolution_rate, 1.0 / s.participation.max_wait_weeks
    p = c * (1 - r) / (r + c * (1 - r))
    closed = m.totals["resolved"] + m.totals["dropped"]
    assert closed > 500
    assert abs(share - p) < 4 * math.sqrt(p * (1 - p) / closed), (share, p)
    assert share < 0.1
    assert df["median_response_weeks"].max() <= 1.0  # half resolved in the week they arrive, most within one more
    # scarce capacity: the chance falls smoothly with the load, more are dropped, waits grow
    _, _, scarce, delivery_scarce, df_scarce = _run_share_dropped(small, 80, 1_200.0, 11)
    assert 0.05 < delivery_scarce.min() and delivery_scarce.max() < 0.5
    assert scarce < 0.8  # still many resolved
    assert scarce > 3 * share
    assert df_scarce["median_response_weeks"].mean() > df["median_response_weeks"].mean() + 1.0


def test_triage_resolves_and_closes_by_the_queue_draws():
    """Each week, exactly the requests whose rng_queue draw says so are resolved or closed.

    Reactive capacity = (1 - planned share) x effective capacity; the chance is
    min(max rate, capacity / waiting); the draws come from model.rng_queue, one per
    waiting request in queue order.
    """
    s = load_scenario(None, {"run.n_citizens": 2000, "run.steps": 30, "officials.n_officials": 3,
                             "officials.capacity_per_week": 30.0, "municipality.population": 10_000,
                             "officials.attrition_annual": 0.0, "municipality.need_rate": 0.3,
                             "run.burn_in_weeks": 0})
    m = CoProductionModel(s, rng=12)
    cp = s.coproduction
    bound = 0
    for _ in range(15):
        staff = m.staff()
        per_official = mech.effective_capacity(s.officials.capacity_per_week, m.officials.skill,
                                               m.officials.ict_skill, cp.ict_productivity)
        cap = float((per_official * m.officials.active).sum() / m.municipalities.scale[0])
        assert staff.capacity[0] == pytest.approx(cap, rel=1e-12)
        twin = np.random.default_rng()
        twin.bit_generator.state = m.rng_queue.bit_generator.state
        before = m.queue.week.copy()
        t = m.week
        m.step()
        new = int(m.week_stats["requests"][0])
        weeks = np.concatenate([before, np.full(new, t)])
        u = twin.random(weeks.size)
        chance = min(cp.max_resolution_rate, (1 - cp.planned_share) * cap / max(weeks.size, 1e-12))
        assert m.municipalities.delivery[0] == pytest.approx(chance / cp.max_resolution_rate, rel=1e-12)
        resolved = u < chance
        closed = ~resolved & (u >= 1 - (1 - chance) / s.participation.max_wait_weeks)
        assert m.week_stats["resolved"][0] == resolved.sum()
        assert m.week_stats["dropped"][0] == closed.sum()
        np.testing.assert_array_equal(m.queue.week, weeks[~(resolved | closed)])
        bound += chance < cp.max_resolution_rate
    assert bound > 5  # demand exceeded capacity: the share, not the maximum, set the chance


def test_efficacy_follows_the_fate_of_requests():
    e = np.array([0.5, 0.5, 0.0, 1.0])
    got = mech.efficacy_update(e, np.array([True, False, True, False]), 0.25)
    assert got.tolist() == [0.625, 0.375, 0.25, 0.75]
    assert mech.efficacy_update(np.array([0.5]), True, 0.0).tolist() == [0.5]
    # personal efficacy multiplies acting: (1 - w) + 2 w e, 1 at e = 1/2
    assert mech.personal_efficacy(np.array([0.0, 0.5, 1.0]), 0.25).tolist() == [0.75, 1.0, 1.25]
    assert mech.personal_efficacy(np.array([0.0, 1.0]), 0.0).tolist() == [1.0, 1.0]


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
    lit = np.full(5, 0.4)
    used = np.array([False, True, False, True, False])
    trained = np.array([False, False, True, True, False])
    floor = np.array([0.2, 0.2, 0.2, 0.2, 0.5])
    got = mech.literacy_update(lit, used, trained, training_gain=0.25, learning_by_doing=0.125, decay=0.5,
                               floor=floor)
    expected = [
        0.4 - 0.5 * (0.4 - 0.2),          # disuse erodes half the gap to the floor: 0.3
        0.4 + 0.125 * 0.6,                # use teaches: 0.475
        0.55 - 0.5 * (0.55 - 0.2),        # a seat closes a quarter of the gap to 1 (0.55), then disuse: 0.375
        0.55 + 0.125 * (1 - 0.55),        # a seat, then use: 0.60625
        0.4,                              # below its floor: disuse takes nothing
    ]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15)


def test_literacy_decays_toward_its_floor_not_to_zero():
    lit, floor = np.array([0.9, 0.5, 0.1]), np.array([0.45, 0.45, 0.45])
    none = np.zeros(3, dtype=bool)
    for _ in range(2000):
        new = mech.literacy_update(lit, none, none, 0.2, 0.01, 0.01, floor)
        assert (new <= lit).all() and (new >= np.minimum(lit, floor)).all()
        lit = new
    np.testing.assert_allclose(lit, [0.45, 0.45, 0.1], atol=1e-6)  # the one below its floor stays


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
    expected = mech.literacy_update(lit, m.online & adopted, trained, li.training_gain, li.learning_by_doing, li.decay,
                                    m.citizens.literacy_floor)
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


def test_a_training_seat_raises_awareness_and_signs_up_phone_owners():
    s = load_scenario(None, {"run.n_citizens": 400, "run.burn_in_weeks": 0})
    m = CoProductionModel(s, rng=3)
    cit = m.citizens
    cit.device[:4] = [0, 1, 2, 2]
    cit.adopted[:4] = False
    cit.awareness[:4] = [0.0, 0.5, 0.25, 1.0]
    trained = np.zeros(m.n, dtype=bool)
    trained[:4] = True
    awareness, adopted = cit.awareness.copy(), cit.adopted.copy()
    stages.literacy(s, cit, trained)
    g = s.literacy.training_awareness
    np.testing.assert_allclose(cit.awareness[:4], awareness[:4] + g * (1 - awareness[:4]), rtol=0, atol=1e-15)
    assert cit.adopted[:4].tolist() == [False, True, True, True]  # no phone: cannot sign up
    np.testing.assert_array_equal(cit.awareness[4:], awareness[4:])
    np.testing.assert_array_equal(cit.adopted[4:], adopted[4:])


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
                               "idp.comment_rate": 0.5})
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


def test_idp_feedback_follows_the_level_offered_and_delivery():
    # clip(f + (1 - f) L x delivery - p (L - 1/4)), L = (level - 1) / 4
    full = [float(mech.idp_feedback(0.5, level, 1.0, 0.0)) for level in range(1, 6)]
    assert full == [0.5, 0.625, 0.75, 0.875, 1.0]  # officials deliver, no disappointment
    # nothing delivered, p = 1/4: a deeper promise only disappoints (voice without teeth)
    empty = [float(mech.idp_feedback(0.5, level, 0.0, 0.25)) for level in range(1, 6)]
    assert empty == [0.5625, 0.5, 0.4375, 0.375, 0.3125]
    # 'empower' by the municipality's delivery
    got = mech.idp_feedback(0.5, 5, np.array([0.0, 0.5, 1.0]), 0.25)
    assert got.tolist() == [0.3125, 0.5625, 0.8125]
    assert float(mech.idp_feedback(1.0, 1, 1.0, 1.0)) == 1.0  # clipped above
    assert float(mech.idp_feedback(0.0, 5, 0.0, 1.0)) == 0.0  # clipped below
    # at any level, more delivery never hurts
    d = np.linspace(0.0, 1.0, 21)
    for level in range(1, 6):
        assert (np.diff(mech.idp_feedback(0.3, level, d, 0.3)) >= 0).all()


def test_citizen_and_official_inputs():
    got = mech.citizen_input(np.array([0.0, 0.5, 1.0]), np.array([0.0, 0.5, 1.0]), 0.5, 0.5)
    # (0.5 + 0.5 lit)(1 + 0.5 open data) = [0.5, 0.9375, 1.5 -> 1]
    assert got.tolist() == [0.5, 0.9375, 1.0]
    got = mech.official_input(np.array([0.5, 0.5, 1.0]), np.array([0.25, 0.25, -0.5]), np.array([True, False, True]))
    assert got.tolist() == [0.25, 0.5, 0.0]  # sqrt(ICT) for e-channels only; negative ICT counts as 0


def test_timely_outcome():
    got = mech.timely_outcome(np.array([1.0, 0.5]), np.array([0, 4]), 4.0)
    assert got.tolist() == [1.0, 0.5 * math.exp(-1.0)]


def test_plan_priorities():
    needs = np.array([4.0, 4.0, 2.0, 2.0])
    ward_input = np.array([0.5, 0.0, 0.25, 0.0])
    mean_input = np.array([0.25, 0.25, 0.25, 0.0])
    # needs x max(0, 1 + s (input / mean - 1)); a municipality without input: plans follow needs
    assert mech.plan_priorities(needs, ward_input, mean_input, 0.5).tolist() == [6.0, 2.0, 2.0, 2.0]
    assert mech.plan_priorities(needs, ward_input, mean_input, 0.0).tolist() == needs.tolist()
    assert mech.plan_priorities(needs, ward_input, mean_input, 2.0).tolist() == [12.0, 0.0, 2.0, 2.0]  # not below 0
    # a ward's input counts at most MAX_RELATIVE_INPUT (3) times the mean: 8x the mean counts as 3x
    from cosim.model.mechanisms.services import MAX_RELATIVE_INPUT

    assert MAX_RELATIVE_INPUT == 3.0
    got = mech.plan_priorities(np.array([4.0, 4.0]), np.array([2.0, 0.75]), np.array([0.25, 0.25]), 0.5)
    assert got.tolist() == [8.0, 8.0]  # 4 x (1 + 0.5 x (3 - 1)) for both


def test_plan_priorities_move_planned_work_but_keep_its_total():
    """With the need-weighted mean input, total planned work equals total needs (shift <= 1)."""
    rng = np.random.default_rng(5)
    needs, ward_input = rng.random(50) + 0.1, rng.random(50)
    mean = np.full(50, (needs * ward_input).sum() / needs.sum())
    for shift in (0.0, 0.25, 0.5, 1.0):
        plan = mech.plan_priorities(needs, ward_input, mean, shift)
        assert plan.sum() == pytest.approx(needs.sum(), rel=1e-12)
        if shift:  # more input, more planned work per need
            order = np.argsort(ward_input)
            assert (np.diff((plan / needs)[order]) >= -1e-12).all()


def test_idp_comments_move_plans_only_in_the_window_and_by_the_level():
    """stages.plans: a ward's input (comments per resident, a moving average) sets its planned work."""
    s = load_scenario(None, {"run.n_citizens": 1200, "run.burn_in_weeks": 0, "municipality.ward_rows": 2,
                             "municipality.ward_cols": 2})
    m = CoProductionModel(s, rng=6)
    cit, wards = m.citizens, m.wards
    first = np.searchsorted(cit.ward, np.arange(wards.n))
    cit.commenters = np.concatenate([first[0] + np.arange(6), first[1] + np.arange(2)])  # wards 0 and 1 speak
    cit.comments = np.zeros(cit.n, dtype=np.int64)
    cit.comments[cit.commenters] = 1
    cit.attended = np.zeros(cit.n, dtype=bool)
    needs = wards.expected_requests.copy()
    stages.plans(s, cit, wards, False, 5)  # outside the window: nothing moves
    np.testing.assert_array_equal(wards.priority, needs)
    assert not wards.idp_input.any()
    rate, weight = s.coproduction.plan_rate, s.coproduction.idp_plan_weight
    stages.plans(s, cit, wards, True, 1)  # 'inform': input is recorded, plans do not move
    comments = np.bincount(cit.ward[cit.commenters], minlength=wards.n)
    np.testing.assert_allclose(wards.idp_input, rate * comments / wards.size, rtol=1e-12)
    np.testing.assert_allclose(wards.priority, needs, rtol=1e-12)
    stages.plans(s, cit, wards, True, 5)  # 'empower': the full shift
    ward_input = (1 - rate) * rate * comments / wards.size + rate * comments / wards.size
    np.testing.assert_allclose(wards.idp_input, ward_input, rtol=1e-12)
    mean = (needs * ward_input).sum() / needs.sum()
    np.testing.assert_allclose(wards.priority, mech.plan_priorities(needs, ward_input, np.full(4, mean), weight),
                               rtol=1e-12)
    assert wards.priority[0] > needs[0] and wards.priority[3] < needs[3]  # toward the ward that spoke most


def test_unreported_value():
    # min(1, d (1 + b x open data))
    assert mech.unreported_value(0.5, 0.5, np.array([0.0, 0.5, 1.0])).tolist() == [0.5, 0.625, 0.75]
    assert mech.unreported_value(0.75, 1.0, np.array([1.0])).tolist() == [1.0]  # capped at 1


def test_ward_work_and_quality_updates():
    work = mech.ward_work_update(np.array([0.0, 1.0, 0.5]), np.array([2.0, 0.0, 0.5]), 0.25)
    assert work.tolist() == [0.5, 0.75, 0.5]  # (1 - r) w + r x this week's work per need
    q = mech.ward_quality_update(np.array([0.5, 0.5, 0.0, 0.75]), np.array([1.0, 0.0, 0.25, 2.0]), 0.5)
    assert q.tolist() == [0.75, 0.25, 0.125, 1.0]  # q + r (target - q), within [0, 1]


def test_production_target_exact():
    base, ref = np.full(4, 0.5), 0.25
    p1 = 1 - math.exp(-1.0)
    work = np.array([0.0, ref, ref * math.log(2.0), 100.0])
    got = mech.production_target(base, work, ref, 1.0)
    # base x P(w / w0) / P(1), P(x) = 1 - exp(-x): 0 with no work, the base at the reference
    np.testing.assert_allclose(got, [0.0, 0.5, 0.5 * 0.5 / p1, 0.5 / p1], rtol=1e-12)
    got = mech.production_target(base, work, ref, 0.5)
    np.testing.assert_allclose(got, [0.0, 0.5, 0.5 * math.sqrt(0.5 / p1), 0.5 / math.sqrt(p1)], rtol=1e-12)
    assert mech.production_target(np.array([0.9]), np.array([100.0]), ref, 1.0).tolist() == [1.0]  # at most 1


@pytest.mark.parametrize("elasticity", [0.25, 0.5, 1.0])
def test_production_target_has_diminishing_returns(elasticity):
    work = np.linspace(0.0, 1.0, 201)
    q = mech.production_target(np.full(work.size, 0.42), work, 0.11, elasticity)
    gain = np.diff(q)
    assert (gain > 0).all()  # more work, better services
    assert (np.diff(gain) < 0).all()  # each extra unit adds less
    assert q.max() < 0.42 / (1 - math.exp(-1.0)) ** elasticity


def test_open_data_value_counts_every_level_and_interval():
    # level x T / (T + interval) x (c + (1 - c) ICT), no clip
    got = mech.open_data_value(1.0, 13.0, np.array([0.0, 0.5, 1.0]), 13.0, 0.5)
    assert got.tolist() == [0.25, 0.375, 0.5]
    assert mech.open_data_value(0.5, 39.0, np.array([1.0]), 13.0, 0.5).tolist() == [0.125]  # a quarter fresh
    assert mech.open_data_value(1.0, 0.0, np.array([1.0]), 13.0, 0.25).tolist() == [1.0]  # always fresh, full skill
    levels, intervals = np.linspace(0.0, 1.0, 11), np.array([1.0, 2.0, 4.0, 13.0, 26.0, 52.0])
    ict = np.array([0.3, 0.6])
    values = np.array([[mech.open_data_value(lv, iv, ict, 13.0, 0.5) for iv in intervals] for lv in levels])
    assert (values >= 0).all() and (values <= 1).all()
    assert (np.diff(values, axis=0) > 0).all()  # every step up in level counts ...
    assert (np.diff(values[1:], axis=1) < 0).all()  # ... and every more frequent update
    assert (values[1:, :, 1] > values[1:, :, 0]).all()  # more ICT skill, more capability


def test_open_data_reach():
    awareness = np.array([1.0, 0.5, 1.0, 1.0])
    online = np.array([True, True, False, True])
    literacy = np.array([0.0, 1.0, 1.0, 0.5])
    # awareness x online x (1 + literacy) / 2
    assert mech.open_data_reach(awareness, online, literacy).tolist() == [0.5, 0.5, 0.0, 0.75]


def test_trust_rules():
    t = np.array([0.5, 0.25])
    assert mech.quality_trust_update(t, np.array([1.0, 0.75]), 0.5).tolist() == [0.75, 0.5]
    # t + w x open data x awareness x (1 - t): only the aware gain
    assert mech.transparency_update(t, 0.5, 0.5, np.array([1.0, 1.0])).tolist() == [0.625, 0.4375]
    assert mech.transparency_update(t, 0.5, 0.5, np.array([1.0, 0.5])).tolist() == [0.625, 0.34375]
    assert mech.transparency_update(t, 0.5, np.array([0.0, 1.0]), np.array([1.0, 1.0])).tolist() == [0.5, 0.625]
    assert mech.transparency_update(t, 0.5, 1.0, np.zeros(2)).tolist() == t.tolist()  # unaware: no effect


def test_breach_exposure():
    uses = np.array([True, False])
    assert mech.breach_exposure(uses, 0.25).tolist() == [1.0, 0.25]
    assert mech.breach_exposure(uses, 1.0).tolist() == [1.0, 1.0]
    assert mech.breach_exposure(uses, 0.0).tolist() == [1.0, 0.0]
    # users lose more trust in the same breach
    after = mech.breach_trust(np.array([0.5, 0.5]), 0.5, 1.0 * mech.breach_exposure(uses, 0.25))
    assert after.tolist() == [0.25, 0.4375]


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
    """docs/ODD.md names mechanisms.online_access and the use gate mechanisms.use_chance: the step uses both."""
    calls = []
    real_access, real_use = mech.online_access, mech.use_chance

    def counted_access(*args):
        calls.append("access")
        return real_access(*args)

    def counted_use(*args):
        calls.append("use")
        return real_use(*args)

    monkeypatch.setattr(mech, "online_access", counted_access)
    monkeypatch.setattr(mech, "use_chance", counted_use)
    m = CoProductionModel(load_scenario(None, HOTSPOT_TOWN), rng=1)
    m.step()
    assert sorted(calls) == ["access", "use"]
    # and what it returns decides: a gate that never opens keeps everyone offline
    monkeypatch.setattr(mech, "use_chance", lambda literacy, floor: np.zeros_like(literacy))
    m.step()
    assert not m.online.any()


def test_hotspots_are_discovered_over_time_and_habits_form():
    """Signage 0.1 a week, no word of mouth: the share of residents in reach who know the hotspot after t
    weeks is 1 - 0.9^t; users come back more often as their habit grows; a later hotspot starts unknown."""
    town = {**HOTSPOT_TOWN, "infrastructure.hotspot_signage": 0.1, "infrastructure.hotspot_word_of_mouth": 0.0,
            "infrastructure.hotspot_use_base": 0.2}
    m = CoProductionModel(load_scenario(None, town), rng=6)
    in_reach = _reach(m)
    k = int(in_reach.sum())
    known = []
    for _ in range(10):
        m.step()
        known.append(m.citizens.hotspot_known.sum() / k)
    for t, share in enumerate(known, start=1):
        expected = 1 - 0.9 ** t
        assert abs(share - expected) < 4 * math.sqrt(expected * (1 - expected) / k) + 1e-9, (t, share, expected)
    assert not m.citizens.hotspot_known[~in_reach].any()
    # users with a habit use the hotspot more often than the base rate, on more days a week
    users = m.citizens.hotspot_used
    assert users.any() and (m.citizens.hotspot_habit[users] > 0).any()
    assert (m.citizens.hotspot_days[users] >= 1).all() and (m.citizens.hotspot_days[~users] == 0).all()


def test_hotspot_demand_is_youth_heavier_and_the_cap_is_hit_by_those_above_it():
    s = load_scenario(None, {"run.n_citizens": 4000, "run.burn_in_weeks": 0})
    m = CoProductionModel(s, rng=8)
    inf, c = s.infrastructure, m.citizens
    youth = c.age == 0
    # lognormal demand: median data_need_mb for adults, x hotspot_youth_demand for the young
    assert abs(np.median(c.hotspot_demand_mb[~youth]) / inf.data_need_mb - 1) < 0.1
    assert abs(np.median(c.hotspot_demand_mb[youth]) / (inf.data_need_mb * inf.hotspot_youth_demand) - 1) < 0.1
    # the defaults put about 7% of demand above a 250 MB cap (Tshwane 2015), weighted toward youth
    above = c.hotspot_demand_mb > 250.0
    assert 0.03 < above.mean() < 0.12 and above[youth].mean() > above[~youth].mean()


def test_a_hotspot_opened_later_starts_unknown():
    """A phase adds hotspots at week 3: those newly in reach know none of them then; the others keep theirs."""
    m = CoProductionModel(load_scenario(None, {**HOTSPOT_TOWN, "wifi.phases": [{"start": 3, "hotspots": 4}]}), rng=2)
    m.run(3)
    before = m.citizens.hotspot >= 0
    assert m.citizens.hotspot_known[before].all()  # signage 1: all discovered in week 0
    m.policy(3)  # the phase places the new hotspots
    newly = (m.citizens.hotspot >= 0) & ~before
    assert newly.any() and not m.citizens.hotspot_known[newly].any()
    assert m.citizens.hotspot_known[before].all()
