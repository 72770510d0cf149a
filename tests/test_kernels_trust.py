"""The trust-stage kernels (cosim.model.kernels.trust) equal the NumPy they replace, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from cosim.model import mechanisms as mech
from cosim.model.kernels import trust as kt
from cosim.model.mechanisms import trends as tmech
from cosim.model.network import small_world


def _edges(rng: np.random.Generator, n: int) -> np.ndarray:
    """Uniform values in [0, 1] with exact 0s and 1s mixed in."""
    x = rng.random(n)
    if n:
        x[rng.random(n) < 0.1] = 0.0
        x[rng.random(n) < 0.1] = 1.0
    return x


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b) and np.array_equal(
        np.signbit(a), np.signbit(b))


@pytest.mark.parametrize("n", [0, 1, 7, 500])
@pytest.mark.parametrize("hotspots", [False, True])
def test_neighbour_means_equal_the_sparse_product(n, hotspots):
    rng = np.random.default_rng(n + 10 * hotspots)
    if n:
        ward = np.sort(rng.integers(0, max(n // 20, 1), n))
        muni = (ward >= ward.max() // 2).astype(np.int64) if n > 1 else np.zeros(n, np.int64)
        w = small_world(ward, np.sort(muni), 6, 0.2, rng)
    else:
        w = sp.csr_matrix((0, 0))
        w.indptr = w.indptr.astype(np.int32)
        w.indices = w.indices.astype(np.int32)
    trust, awareness = _edges(rng, n), _edges(rng, n)
    adopted, used = rng.random(n) < 0.4, rng.random(n) < 0.3
    columns = [trust, adopted, awareness] + ([used] if hotspots else [])
    expected = w @ np.column_stack(columns) if n else np.zeros((0, len(columns)))
    out = np.empty((len(columns), n))
    kt.neighbour_means(w.indptr, w.indices, w.data, trust, adopted, awareness, used, hotspots, np.empty((n, 4)), out)
    for j in range(len(columns)):
        assert _same(out[j], np.ascontiguousarray(expected[:, j]))


def _numpy_trust(trust, generalised, quality, ward, disposition, qw, who, outcome, expectation, responsiveness,
                 ap, am, er, rr, tw, odv, muni, awareness, nbr, pw, aw, up, down):
    """The stage's chain of mechanisms before the kernel (stages.trust.trust as it was)."""
    perceived = quality[ward] + disposition
    new = mech.quality_trust_update(trust, perceived, qw)
    expectation, responsiveness = expectation.copy(), responsiveness.copy()
    if who.size:
        e = expectation[who]
        new[who] = mech.asymmetric_trust_update(new[who], outcome, e, ap, am)
        expectation[who] = mech.adaptive_expectation(e, outcome, er)
        responsiveness[who] = mech.adaptive_expectation(responsiveness[who], outcome, rr)
    per_citizen = odv[0] if (odv == odv[0]).all() else odv[muni]
    new = mech.transparency_update(new, tw, per_citizen, awareness)
    new = mech.social_trust_update(new, nbr, generalised, pw, aw)
    new = np.clip(new, 0.0, 1.0)
    return new, mech.generalised_trust_update(generalised, new, up, down), expectation, responsiveness


@pytest.mark.parametrize("n", [0, 1, 9, 1000])
@pytest.mark.parametrize("same_odv", [False, True])
def test_trust_update_equals_the_mechanisms(n, same_odv):
    rng = np.random.default_rng(100 + n + same_odv)
    n_wards, n_muni = 5, 2
    ward = np.sort(rng.integers(0, n_wards, n)).astype(np.int64)
    muni = (ward >= 3).astype(np.int64)
    quality = _edges(rng, n_wards)
    trust, generalised, awareness, nbr = (_edges(rng, n) for _ in range(4))
    disposition = rng.normal(0.0, 0.2, n)
    expectation, responsiveness = _edges(rng, n), _edges(rng, n)
    who = np.flatnonzero(rng.random(n) < 0.3).astype(np.int64)
    outcome = _edges(rng, who.size)
    if who.size:
        outcome[0] = expectation[who[0]]  # d = 0 exactly
    odv = np.full(n_muni, 0.7) if same_odv else _edges(rng, n_muni)
    params = dict(qw=0.05, ap=0.1, am=0.3, er=0.2, rr=0.15, tw=0.02, pw=0.1, aw=0.05, up=0.01, down=0.04)
    p = params
    exp_t, exp_g, exp_e, exp_r = _numpy_trust(
        trust, generalised, quality, ward, disposition, p["qw"], who, outcome, expectation, responsiveness,
        p["ap"], p["am"], p["er"], p["rr"], p["tw"], odv, muni, awareness, nbr, p["pw"], p["aw"], p["up"],
        p["down"])
    new_t, new_g = np.empty(n), np.empty(n)
    e, r = expectation.copy(), responsiveness.copy()
    kt.trust_update(trust, generalised, quality, ward, disposition, p["qw"], who, outcome, e, r,
                    p["ap"], p["am"], p["er"], p["rr"], p["tw"], odv, muni, awareness, nbr, p["pw"], p["aw"],
                    p["up"], p["down"], new_t, new_g)
    assert _same(new_t, exp_t)
    assert _same(new_g, exp_g)
    assert _same(e, exp_e)
    assert _same(r, exp_r)


def test_scalar_helpers_follow_numpy_on_signed_zeros_and_nan():
    for x in (-0.0, 0.0, -1e-300, 1e-300, -2.0, 2.0, np.nan, 0.5):
        a = np.array([x])
        assert _same(np.array([kt._max0(x)]), np.maximum(a, 0.0)) or (np.isnan(x) and np.isnan(kt._max0(x)))
        assert _same(np.array([kt._min0(x)]), np.minimum(a, 0.0)) or (np.isnan(x) and np.isnan(kt._min0(x)))
        assert _same(np.array([kt._clip01(x)]), np.clip(a, 0.0, 1.0)) or (np.isnan(x) and np.isnan(kt._clip01(x)))


# ------------------------------------------------------------------ exogenous trends

@pytest.mark.parametrize("n", [0, 1, 300])
def test_device_counts_equal_add_at(n):
    rng = np.random.default_rng(n)
    income, device = rng.integers(0, 3, n).astype(np.int8), rng.integers(0, 3, n).astype(np.int8)
    expected = np.zeros((3, 3))
    np.add.at(expected, (income, device), 1.0)
    counts = np.full((3, 3), 7.0)
    kt.device_counts(income, device, counts)
    assert _same(counts, expected)


@pytest.mark.parametrize("n", [0, 1, 400])
def test_next_devices_equal_next_device_per_group(n):
    rng = np.random.default_rng(200 + n)
    device, income = rng.integers(0, 3, n).astype(np.int8), rng.integers(0, 3, n).astype(np.int8)
    u = _edges(rng, n)
    transition = np.empty((3, 3, 3))
    for g, (counts, smart, phone) in enumerate((([50, 30, 20], 0.4, 0.9), ([10, 10, 80], 0.5, 0.7),
                                                ([0, 5, 5], 0.9, 0.95))):
        transition[g] = tmech.device_transition(np.array(counts, float), smart, phone)
    transition[2, 0] = [0.25, 0.25, 0.5]  # make sums and ties matter
    u[: min(n, 5)] = 0.25
    expected = np.empty_like(device)
    for g in range(3):
        mine = income == g
        expected[mine] = tmech.next_device(device[mine], u[mine], transition[g])
    out = device.copy()
    kt.next_devices(out, income, np.arange(n, dtype=np.int64), u, transition)
    assert _same(out, expected)
    # a subset of citizens: the others keep their device
    who = np.flatnonzero(rng.random(n) < 0.5).astype(np.int64)
    out = device.copy()
    kt.next_devices(out, income, who, u[: who.size], transition)
    sub = device.copy()
    for g in range(3):
        mine = income[who] == g
        sub[who[mine]] = tmech.next_device(device[who][mine], u[: who.size][mine], transition[g])
    assert _same(out, sub)


@pytest.mark.parametrize("n", [0, 1, 300])
def test_devices_changing_equals_flatnonzero(n):
    rng = np.random.default_rng(500 + n)
    income, device = rng.integers(0, 3, n).astype(np.int8), rng.integers(0, 3, n).astype(np.int8)
    may_change = rng.random((3, 3)) < 0.5
    who = np.empty(n, np.int64)
    k = kt.devices_changing(income, device, may_change, who)
    assert _same(who[:k], np.flatnonzero(may_change[income, device]))


@pytest.mark.parametrize("n", [0, 1, 500])
def test_ageing_equals_the_stage_arithmetic(n):
    rng = np.random.default_rng(300 + n)
    age = rng.integers(0, 3, n).astype(np.int8)
    u = _edges(rng, n)
    chance = np.array([0.3, 0.0, 1.0]) if n != 500 else tmech.ageing_chances(0.5, 0.35, 0.15)
    demand = rng.random(n) * 100
    # the stage before the kernel
    moves = u < chance[age]
    exp_leaving = np.flatnonzero(moves & (age == 2))
    exp_demand = demand.copy()
    exp_demand[moves & (age == 0)] /= 1.7
    exp_age = np.where(moves & (age < 2), age + 1, age).astype(age.dtype)
    after = exp_age.copy()
    after[exp_leaving] = 0  # the stage puts a youth in each leaver's slot
    exp_youth_bit = (after == 0).astype(np.uint8) * np.uint8(8)
    new_age, leaving, youth_bit = np.empty_like(age), np.empty(n, np.int64), np.empty(n, np.uint8)
    k = kt.ageing(u, chance, age, demand, 1.7, new_age, leaving, youth_bit)
    assert _same(new_age, exp_age)
    assert _same(leaving[:k], exp_leaving)
    assert _same(demand, exp_demand)
    assert _same(youth_bit, exp_youth_bit)


@pytest.mark.parametrize("n", [0, 1, 600])
@pytest.mark.parametrize("targets", [[0.5, np.nan, 0.9], [np.nan] * 3, [0.0, 1.0, 0.3]])
def test_shifted_affordability_equals_the_mechanism(n, targets):
    rng = np.random.default_rng(400 + n)
    aff = _edges(rng, n)
    group = rng.integers(0, 2, n).astype(np.int8)  # group 2 empty
    targets = np.array(targets)
    out = np.empty(n)
    kt.shifted_affordability(aff, group, targets, out)
    assert _same(out, tmech.shifted_affordability(aff, group, targets))


@pytest.mark.parametrize("n", [0, 1, 700])
def test_device_shares_equal_the_bincount_shares(n):
    from types import SimpleNamespace

    from cosim.model.stages.trends import device_shares
    rng = np.random.default_rng(600 + n)
    cit = SimpleNamespace(income=rng.integers(0, 2, n).astype(np.int8), device=rng.integers(0, 3, n).astype(np.int8))
    size = np.maximum(np.bincount(cit.income, minlength=3), 1)
    smart, phone = device_shares(cit)
    assert _same(smart, np.bincount(cit.income, weights=cit.device == 2, minlength=3) / size)
    assert _same(phone, np.bincount(cit.income, weights=cit.device >= 1, minlength=3) / size)
