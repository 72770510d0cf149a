"""The kernels of stages 3-6 (cosim.model.kernels.access) equal the NumPy mechanisms they fuse, bit for bit.

Each test builds random inputs (with exact 0s and 1s among them, and empty
arrays) and compares a kernel's output with the composition of
:mod:`cosim.model.mechanisms` calls the stage made before it had kernels.
"""

from __future__ import annotations

import numpy as np
import pytest

from cosim.model import mechanisms as mech
from cosim.model.draws import CENTRE, DATA, HOTSPOT, N_DRAWS
from cosim.model.kernels import access as kern

SIZES = [0, 1, 2, 7, 300]
SEEDS = range(4)


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    """Uniform [0, 1) floats with some exact 0s and 1s."""
    x = rng.random(n)
    x[rng.random(n) < 0.1] = 0.0
    x[rng.random(n) < 0.1] = 1.0
    return x


def municipalities(rng: np.random.Generator, n: int, n_muni: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted municipality codes of ``n`` citizens and their bounds (municipality m: bounds[m]:bounds[m + 1])."""
    muni = np.sort(rng.integers(0, n_muni, n)).astype(np.int64)
    return muni, np.searchsorted(muni, np.arange(n_muni + 1)).astype(np.int64)


def same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype
    assert np.array_equal(a, b)


def numpy_access(device, afford, data_factor, municipality, u, hs, hs_node, known, nbr_hotspot, demand_mb,
                 habit, age, use_base, youth_use, signage, wom, campaign, cap_mb, up, capacity, cc, cc_node):
    """stages.access and stages.hotspots as they were in NumPy: (smartphone, has_data, hotspot_ok, centre_ok,
    hotspot_known), the arguments of mechanisms.online_access and the updated knowledge of hotspots."""
    n = device.size
    known_out = known.copy()
    smartphone = device == 2
    if data_factor is not None:
        afford = afford * data_factor[municipality]
    has_data = u[DATA] < afford
    hotspot_ok = np.zeros(n, dtype=bool)
    if hs.size:
        known0 = known[hs]
        sp = smartphone[hs]
        new = hs[sp & ~known0]
        discover = mech.hotspot_discovery(signage, wom, nbr_hotspot[new], campaign)
        known_out[new[u[HOTSPOT, new] < discover]] = True
        ask = np.flatnonzero(known0 & sp & ~has_data[hs] & up[hs_node])
        asker, asker_node = hs.take(ask), hs_node.take(ask)
        served = mech.capacity_share(np.bincount(asker_node, minlength=up.size).astype(float), capacity)
        chance = (served[asker_node] * mech.hotspot_use_chance(habit[asker], age[asker] == 0, use_base, youth_use)
                  * mech.cap_share(demand_mb[asker], cap_mb))
        hotspot_ok[asker[u[HOTSPOT, asker] < chance]] = True
    on_phone = smartphone & has_data
    on_phone |= hotspot_ok
    ask = np.flatnonzero(~on_phone[cc] & up[cc_node])
    asker, asker_node = cc.take(ask), cc_node.take(ask)
    served = mech.capacity_share(np.bincount(asker_node, minlength=up.size).astype(float), capacity)
    centre_ok = np.zeros(n, dtype=bool)
    centre_ok[asker[u[CENTRE, asker] < served[asker_node]]] = True
    return smartphone, has_data, hotspot_ok, centre_ok, known_out


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_access_week(n, seed):
    rng = np.random.default_rng(seed)
    n_nodes, n_muni = 5, 3
    device = rng.integers(0, 3, n).astype(np.int8)
    age = rng.integers(0, 3, n).astype(np.int8)
    municipality, _ = municipalities(rng, n, n_muni)
    data_factor = None if seed % 2 else unit(rng, n_muni)
    u = rng.random((N_DRAWS, n))
    u[:, rng.random(n) < 0.05] = 0.0
    hs = np.flatnonzero(rng.random(n) < 0.6).astype(np.int64)
    hs_node = rng.integers(0, n_nodes, hs.size).astype(np.int64)
    cc = np.flatnonzero(rng.random(n) < 0.5).astype(np.int64)
    cc_node = rng.integers(0, n_nodes, cc.size).astype(np.int64)
    known = rng.random(n) < 0.5
    habit, afford, nbr = unit(rng, n), unit(rng, n), unit(rng, n)
    demand = 1.0 + rng.random(n) * 800  # daily demand in MB: positive (a lognormal draw)
    demand[rng.random(n) < 0.1] = 300.0  # at the cap
    up = rng.random(n_nodes) < 0.8
    capacity = np.array([0.0, 1.0, 2.5, 1e9, 3.0])
    use_base, youth_use, signage, wom, campaign, cap_mb = 0.3, 1.7, 0.02, 0.4, 0.05, 300.0
    want = numpy_access(device, afford, data_factor, municipality, u, hs, hs_node, known, nbr, demand, habit,
                        age, use_base, youth_use, signage, wom, campaign, cap_mb, up, capacity, cc, cc_node)
    base, expo = np.empty(hs.size), np.empty(hs.size)
    kern.hotspot_use_base(habit, age, hs, use_base, youth_use, base, expo)
    hs_power = np.power(base, expo, out=base)
    got = [np.empty(n, dtype=bool) for _ in range(4)]
    known_k = known.copy()
    kern.access_week(device, afford, np.zeros(0) if data_factor is None else data_factor, municipality, u,
                     DATA, HOTSPOT, CENTRE, hs, hs_node, known_k, nbr, demand, hs_power, signage, wom,
                     campaign, cap_mb, up, capacity, cc, cc_node, *got)
    for k, w in zip([*got, known_k], want, strict=True):
        same(k, w)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_use_gate_hotspot_week(n, seed):
    """The use gate (mechanisms.use_chance) then the hotspot week (days_of_use, habit_update) of stages.access."""
    rng = np.random.default_rng(seed)
    hotspot_ok, access, ever = rng.random(n) < 0.5, rng.random(n) < 0.7, rng.random(n) < 0.3
    u = rng.random((3, n))
    chance = mech.use_chance(unit(rng, n), 0.3)
    online = access & (u[2] < chance)
    hs = np.flatnonzero(rng.random(n) < 0.6).astype(np.int64)
    habit = unit(rng, n)
    demand = rng.random(n) * 600
    max_days, cap_mb, gain, decay = 5.0, 300.0, 0.2, 0.1
    used = hotspot_ok & online
    want_ever = ever | used
    want_days = np.where(used, mech.days_of_use(habit, max_days), 0.0)
    want_capped = used & (demand > cap_mb)
    want_habit = habit.copy()
    want_habit[hs] = mech.habit_update(habit[hs], used[hs], gain, decay)
    k_used, k_days, k_capped = np.empty(n, dtype=bool), np.empty(n), np.empty(n, dtype=bool)
    k_ever, k_habit, k_online = ever.copy(), habit.copy(), access.copy()
    kern.use_gate_hotspot_week(k_online, u, 2, chance, hotspot_ok, hs, k_habit, demand, max_days, cap_mb, gain,
                               decay, k_used, k_ever, k_days, k_capped)
    same(k_online, online)
    same(k_used, used)
    same(k_ever, want_ever)
    same(k_days, want_days)
    same(k_capped, want_capped)
    same(k_habit, want_habit)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("portal_av", [[True, True, True], [True, False, True], [False, False, False]])
@pytest.mark.parametrize("social", [False, True])
def test_facilitating_week(n, seed, portal_av, social):
    rng = np.random.default_rng(seed)
    municipality, bounds = municipalities(rng, n, 3)
    online = rng.random(n) < 0.5
    device = rng.integers(0, 3, n).astype(np.int8)
    portal_av = np.array(portal_av)
    e_online = portal_av | social  # stages.facilitating_conditions' e-channel per municipality, as it was
    for ussd_access in (0.0, 0.6, 1.0):
        want = mech.facilitating_conditions(online, e_online, municipality, True, ussd_access, device >= 1)
        fc = np.empty(n)
        kern.facilitating_week(online, portal_av, social, bounds, device, ussd_access, fc)
        same(fc, want)
    want = mech.facilitating_conditions(online, e_online, municipality, False, 0.6, device >= 1)
    fc = np.empty(n, dtype=bool)
    kern.facilitating_week_bool(online, portal_av, social, bounds, fc)
    same(fc, want)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_literacy_week(n, seed):
    rng = np.random.default_rng(seed)
    literacy, awareness, floor = unit(rng, n), unit(rng, n), unit(rng, n) * 0.5
    online, adopted, trained = rng.random(n) < 0.5, rng.random(n) < 0.4, rng.random(n) < 0.2
    device = rng.integers(0, 3, n).astype(np.int8)
    gain, by_doing, decay, training_awareness = 0.3, 0.02, 0.01, 0.5
    # stages.literacy as it was: mechanisms.literacy_update, then the trainees' awareness and sign-up
    want_lit = mech.literacy_update(literacy, online & adopted, trained, gain, by_doing, decay, floor)
    want_aw, want_adopted = awareness.copy(), adopted.copy()
    who = np.flatnonzero(trained)
    want_aw[who] += training_awareness * (1.0 - want_aw[who])
    want_adopted[who] |= device[who] >= 1
    out, k_aw, k_adopted = np.empty(n), awareness.copy(), adopted.copy()
    kern.literacy_week(literacy, online, k_adopted, trained, gain, by_doing, decay, floor, k_aw,
                       training_awareness, device, out)
    same(out, want_lit)
    same(k_aw, want_aw)
    same(k_adopted, want_adopted)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("window", [False, True])
def test_awareness_week(n, seed, window):
    rng = np.random.default_rng(seed)
    awareness, nbr = unit(rng, n), unit(rng, n)
    for reach, wom, boost, decay in ((0.0, 0.0, 0.0, 0.0), (0.05, 0.3, 0.2, 0.01), (0.9, 1.0, 0.5, 0.2)):
        want = mech.awareness_update(awareness, reach, wom, nbr, boost, window, decay)
        out = np.empty(n)
        kern.awareness_week(awareness, reach, wom, nbr, boost, window, decay, out)
        same(out, want)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fc_bool", [False, True])
def test_adoption_kernels(n, seed, fc_bool):
    rng = np.random.default_rng(seed)
    n_muni = 1 + seed % 3
    municipality, bounds = municipalities(rng, n, n_muni)
    posture, value = unit(rng, n_muni), unit(rng, n_muni)
    concern, awareness, literacy, responsiveness, trust, nbr, u_adopt = (unit(rng, n) for _ in range(7))
    online, adopted = rng.random(n) < 0.5, rng.random(n) < 0.4
    fc = rng.random(n) < 0.5 if fc_bool else np.where(rng.random(n) < 0.5, 1.0, 0.6)
    w, bp, be, bt, bpriv, p, q, lapse_rate = 0.3, 2.0, 1.5, 1.0, 0.8, 0.01, 0.3, 0.05
    # stages.adoption as it was
    risk = mech.privacy_risk(concern, posture[municipality])
    reach = mech.open_data_reach(awareness, online, literacy)
    performance = mech.performance_expectancy(responsiveness, value[municipality] * reach, w)
    intent = mech.intention(performance, literacy, trust, risk, bp, be, bt, bpriv)
    hazard = mech.adoption_hazard(p, q, nbr, intent, awareness, fc)
    lapse = mech.lapse_hazard(lapse_rate, intent)
    want = np.where(adopted, u_adopt >= lapse, u_adopt < hazard)
    minus_u = np.empty(n)
    kern.intention_exponent(concern, posture, awareness, online, literacy, responsiveness, value, trust, bounds,
                            w, bp, be, bt, bpriv, minus_u)
    exp_minus_u = np.exp(minus_u)
    same(2.0 / (1.0 + exp_minus_u), intent)
    out = np.empty(n, dtype=bool)
    kern.adoption_week(exp_minus_u, p, q, nbr, awareness, fc.astype(np.float64), lapse_rate, u_adopt, adopted, out)
    same(out, want)


def test_one_number_min_max_and_clip_copy_numpy_on_nan_and_signed_zeros():
    """Ties between 0.0 and -0.0 give NumPy's choice of sign, and a NaN passes, in both places."""
    from cosim.model.kernels.access import _clip, _maximum, _minimum

    values = [-0.0, 0.0, 0.5, 1.0, -1.0, 2.0, np.nan, np.inf, -np.inf]
    for a in values:
        for b in values:
            for ours, theirs in ((_minimum, np.minimum), (_maximum, np.maximum)):
                got, want = ours(a, b), float(theirs(np.array([a]), b)[0])
                assert np.array([got]).tobytes() == np.array([want]).tobytes(), (ours, a, b)
        for lo, hi in ((0.0, 1.0), (-0.0, 1.0), (-1.0, 0.0)):
            got, want = _clip(a, lo, hi), float(np.clip(np.array([a]), lo, hi)[0])
            assert np.array([got]).tobytes() == np.array([want]).tobytes(), (a, lo, hi)
