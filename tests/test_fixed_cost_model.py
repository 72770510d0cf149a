"""The week's fixed-cost shortcuts (issue 16) give what the plain composition gives, bit for bit.

The fused trends kernel against the mechanisms, the draw block's runs against
one full block of draws, and the memoised per-scenario values against the
expressions they stand for.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cosim.model import draws
from cosim.model.kernels import trust as kt
from cosim.model.mechanisms import trends as tmech
from cosim.model.model import CoProductionModel
from cosim.model.state import INCOME_GROUPS


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a.view(np.uint8), b.view(np.uint8))


# ------------------------------------------------------------------ devices (stages.trends.devices)


def _devices_before(income, device, values):
    """stages.trends.devices up to its draws, as it was before kernels.trust.device_week."""
    counts = np.zeros((3, 3))
    np.add.at(counts, (income, device), 1.0)
    n = counts.sum(axis=1)
    transition = np.empty((3, 3, 3))
    for g, name in enumerate(INCOME_GROUPS):
        size = max(n[g], 1.0)
        smart = values.get(f"population.smartphone_{name}", counts[g, 2] / size)
        phone = values.get("population.phone_share", (counts[g, 1] + counts[g, 2]) / size)
        transition[g] = tmech.device_transition(counts[g], smart, phone)
    may_change = (1.0 - transition[:, np.arange(3), np.arange(3)]) > 0
    return transition, np.flatnonzero(may_change[income, device])


_TARGETS = [
    {},  # nothing scheduled: every share held
    {"population.phone_share": 0.9, "population.smartphone_low": 0.2, "population.smartphone_mid": 0.5,
     "population.smartphone_high": 0.95},
    {"population.smartphone_mid": 0.99},  # phones held, smartphones above them: capped
    {"population.phone_share": 0.1, "population.smartphone_high": 0.0},  # losing devices
    {"population.phone_share": 1.0, "population.smartphone_low": 1.0},  # everyone at once
    {"population.phone_share": 0.0},
]


@pytest.mark.parametrize("n", [0, 1, 5, 40, 600])
@pytest.mark.parametrize("targets", range(len(_TARGETS)))
@pytest.mark.parametrize("empty_group", [False, True])
def test_device_week_equals_the_mechanisms(n, targets, empty_group):
    values = _TARGETS[targets]
    rng = np.random.default_rng(1000 + n + 10 * targets + empty_group)
    income = rng.integers(0, 2 if empty_group else 3, n).astype(np.int8)
    device = rng.choice(np.array([0, 1, 2], np.int8), n, p=rng.dirichlet(np.ones(3)))
    if n == 40:  # a group with one kind of device only
        device[income == 1] = 2
    expected_t, expected_who = _devices_before(income, device, values)
    smart = np.array([values.get(f"population.smartphone_{g}", np.nan) for g in INCOME_GROUPS])
    transition = np.full((3, 3, 3), 7.0)
    who = np.full(n, -1, np.int64)
    k = kt.device_week(income, device, smart, float(values.get("population.phone_share", np.nan)), transition, who)
    assert _same(transition, expected_t)
    assert _same(who[:k], expected_who)


@pytest.mark.parametrize("counts", [[0, 0, 0], [3, 0, 0], [0, 3, 0], [0, 0, 3], [5, 7, 11], [1e6, 3, 2]])
@pytest.mark.parametrize("smart, phone", [(0.5, 0.5), (0.6, 0.4), (0.0, 1.0), (1.0, 0.0), (0.3, 0.3 + 1e-12),
                                          (0.2, 0.9), (0.95, 0.97)])
def test_one_group_transition_equals_device_transition(counts, smart, phone):
    income = np.repeat(np.array([0], np.int8), int(sum(counts)) if sum(counts) < 1000 else 0)
    device = np.repeat(np.array([0, 1, 2], np.int8), [int(c) for c in counts]) if sum(counts) < 1000 else income
    values = {"population.phone_share": phone, "population.smartphone_low": smart}
    expected_t, expected_who = _devices_before(income, device, values)
    transition = np.empty((3, 3, 3))
    who = np.empty(income.size, np.int64)
    k = kt.device_week(income, device, np.array([smart, np.nan, np.nan]), phone, transition, who)
    assert _same(transition, expected_t)
    assert _same(who[:k], expected_who)


# ------------------------------------------------------------------ the draw block (cosim.model.draws)


@pytest.mark.parametrize("n", [0, 1, 50, 200, 1023, 1024, 3000])
@pytest.mark.parametrize("skip", [(), (draws.HOTSPOT,), (draws.IDP, draws.IDP_COUNT, draws.MEET),
                                  (draws.HOTSPOT, draws.IDP, draws.TRAIN, draws.IDP_COUNT, draws.MEET),
                                  (draws.DATA, draws.MEET), tuple(range(draws.N_DRAWS))])
def test_draw_block_reads_what_the_full_block_gives(n, skip):
    """Every row read, and every later draw, is what drawing the whole block gives; short skipped runs are drawn."""
    rng = np.random.default_rng(n)
    rng.random(3)
    twin = np.random.default_rng(n)
    twin.random(3)
    full = twin.random((draws.N_DRAWS, n))
    out = np.full((draws.N_DRAWS, n), -1.0)
    u = draws.week_block(rng, out, draws.idle_rows(False, False, False) | frozenset(skip))
    assert u is out
    read = [row for row in range(draws.N_DRAWS) if row not in skip]
    assert _same(u[read], full[read])
    assert rng.random() == twin.random()
    for row, stop, skipped in draws._runs(frozenset(skip), n):
        if skipped:  # advanced over: left as it was, and only runs worth it
            assert (stop - row) * n >= draws.ADVANCE_MIN and (u[row:stop] == -1.0).all()
        else:  # drawn: the full block's numbers
            assert _same(u[row:stop], full[row:stop])


def test_draw_block_runs_are_maximal_and_cover_the_block():
    for n in (10, 200, 5000):
        for mask in range(2 ** draws.N_DRAWS):
            skip = frozenset(r for r in range(draws.N_DRAWS) if mask >> r & 1)
            runs = draws._runs(skip, n)
            assert runs[0][0] == 0 and runs[-1][1] == draws.N_DRAWS
            assert all(a[1] == b[0] and a[2] != b[2] for a, b in itertools.pairwise(runs))
            assert all(all(r in skip for r in range(a, b)) for a, b, s in runs if s)


def test_draw_block_with_half_a_draw_held_draws_everything():
    """A generator holding half a 64-bit draw (after a 32-bit one) cannot be advanced without losing it."""
    rng = np.random.default_rng(3)
    rng.integers(0, 10, dtype=np.int32)  # leaves has_uint32 set
    twin = np.random.default_rng(3)
    twin.integers(0, 10, dtype=np.int32)
    assert rng.bit_generator.state["has_uint32"]
    u = draws.week_block(rng, np.empty((draws.N_DRAWS, 3000)), frozenset({draws.HOTSPOT}))
    assert _same(u, twin.random((draws.N_DRAWS, 3000)))
    assert rng.integers(0, 2**31, dtype=np.int32) == twin.integers(0, 2**31, dtype=np.int32)


def test_idle_rows_are_the_rows_of_the_idle_decisions():
    for a in (False, True):
        for b in (False, True):
            for c in (False, True):
                rows = draws.idle_rows(a, b, c)
                assert isinstance(rows, frozenset)
                assert rows == ({draws.HOTSPOT} if a else set()) | (
                    {draws.IDP, draws.IDP_COUNT, draws.MEET} if b else set()) | ({draws.TRAIN} if c else set())


# ------------------------------------------------------------------ memoised per-scenario values


def test_trend_rows_are_the_scheduled_values():
    m = CoProductionModel("baseline_2010_2030", 2, collect=False, run__n_citizens=60, run__steps=20,
                          run__burn_in_weeks=4)
    for t in (-4, -1, 0, 7, 19, 25):  # past the horizon: the last week's
        i = min(t - m._trend_first, m.config.run.steps - 1 - m._trend_first)
        expected = {p: float(v[i]) for p, v in m._trend_table.items()}
        got = m.trend_values(t)
        assert got == expected and all(type(x) is float for x in got.values())
        assert got is not m.trend_values(t)  # a fresh dict each call
    assert CoProductionModel("baseline", 2, collect=False, run__n_citizens=50).trend_values(3) == {}


def test_week_stats_spend_and_breaches_follow_the_policy():
    m = CoProductionModel("all_levers", 5, run__n_citizens=120, run__steps=30)
    before = m.municipalities.spend_total.copy()
    for _ in range(3):
        m.step()
        pol = m.policy_now
        assert _same(m.week_stats["spend"], np.full(m.n_muni, pol.spend))
        assert m.week_stats["breaches"].dtype == np.float64 and m.week_stats["breaches"].shape == (m.n_muni,)
    assert np.array_equal(m.municipalities.spend_total, before + 3 * m.policy_now.spend) or m.policy_now.spend == 0


# ------------------------------------------------------------------ newcomers (stages.trends.cohort_turnover)


def _citizens(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    return {
        "age": rng.integers(0, 3, n).astype(np.int8), "literacy": rng.random(n), "literacy_floor": rng.random(n),
        "device": rng.integers(0, 3, n).astype(np.int8), "data_affordability": rng.random(n),
        "trust": rng.random(n), "generalised": rng.random(n), "disposition": rng.normal(0, 0.2, n),
        "privacy_concern": rng.random(n), "awareness": rng.random(n), "adopted": rng.random(n) < 0.5,
        "efficacy": rng.random(n), "expectation": rng.random(n), "responsiveness": rng.random(n),
        "contributions": rng.integers(0, 9, n), "last_participation": rng.integers(-5, 50, n),
        "last_online": rng.integers(-5, 50, n), "window_comments": rng.integers(0, 4, n),
        "window_attended": rng.integers(0, 4, n), "hotspot_known": rng.random(n) < 0.5,
        "hotspot_habit": rng.random(n), "hotspot_ever": rng.random(n) < 0.5, "hotspot_demand_mb": rng.random(n) * 90,
    }


@pytest.mark.parametrize("n, k", [(1, 0), (1, 1), (30, 5), (800, 40)])
def test_newcomers_equal_the_stage_numpy(n, k):
    from types import SimpleNamespace

    from cosim.model import build

    rng = np.random.default_rng(70 + n + k)
    cit = _citizens(rng, n)
    income, muni = rng.integers(0, 3, n).astype(np.int8), np.sort(rng.integers(0, 2, n))
    leaving = np.sort(rng.choice(n, k, replace=False)).astype(np.int64)
    z = rng.normal(0.0, 3.0, (3, k))  # wide: the clips at 0 and 1 matter
    u = rng.random((2, k))
    u[0, : k // 3] = 0.4  # ties with the shares
    cohort, smart, phone = np.array([0.3, 0.5, 0.9]), np.array([0.4, 0.0, 0.9]), np.array([0.4, 0.7, 1.0])
    data_mean, mean_quality = rng.random(3), rng.random(2)
    p = SimpleNamespace(age_literacy_effect=0.3, age_literacy_youth=0.5, literacy_sd=0.2, trust_mean=0.45, trust_sd=0.3,
                        privacy_mean=0.5, privacy_sd=0.25, awareness_initial=0.6, awareness_literacy_base=0.2,
                        adopted_initial=0.3)
    floor_share, youth_demand, never = 0.4, 1.3, -10_000
    # the stage's NumPy before kernels.trust.newcomers
    exp = {name: a.copy() for name, a in cit.items()}
    g = income[leaving]
    literacy = tmech.newcomer_literacy(cohort[g], p.age_literacy_effect * p.age_literacy_youth, p.literacy_sd, z[0])
    device = tmech.newcomer_device(u[0], smart[g], phone[g])
    trust = np.clip(p.trust_mean + p.trust_sd * z[1], 0.0, 1.0)
    exp["age"][leaving] = 0
    exp["literacy"][leaving] = literacy
    exp["literacy_floor"][leaving] = floor_share * literacy
    exp["device"][leaving] = device
    exp["data_affordability"][leaving] = data_mean[g]
    exp["trust"][leaving] = trust
    exp["generalised"][leaving] = trust
    exp["disposition"][leaving] = trust - mean_quality[muni[leaving]]
    exp["privacy_concern"][leaving] = np.clip(p.privacy_mean + p.privacy_sd * z[2], 0.0, 1.0)
    exp["awareness"][leaving] = build.initial_awareness(p, literacy)
    exp["adopted"][leaving] = (u[1] < p.adopted_initial) & (device >= 1)
    for name in ("efficacy", "expectation", "responsiveness"):
        exp[name][leaving] = 0.5
    for name in ("contributions", "window_comments", "window_attended"):
        exp[name][leaving] = 0
    exp["last_participation"][leaving] = never
    exp["last_online"][leaving] = never
    exp["hotspot_known"][leaving] = False
    exp["hotspot_habit"][leaving] = 0.0
    exp["hotspot_ever"][leaving] = False
    exp["hotspot_demand_mb"][leaving] *= youth_demand
    kt.newcomers(leaving, income, muni, z, u, cohort, p.age_literacy_effect * p.age_literacy_youth, p.literacy_sd,
                 smart, phone, data_mean, p.trust_mean, p.trust_sd, mean_quality, p.privacy_mean, p.privacy_sd,
                 p.awareness_initial, p.awareness_literacy_base, p.adopted_initial, floor_share, youth_demand, never,
                 *cit.values())
    for name in cit:
        assert _same(cit[name], exp[name]), name
