"""The kernels of the services and talent stages equal the NumPy mechanism compositions they replace, bit for bit.

Each reference below is the NumPy code the stage ran before its kernel
(cosim/model/stages/services.py and talent.py, issue 16), built from the
mechanism functions; the kernels must give the same arrays (np.array_equal,
same dtype) on random inputs including edge values (0, 1, empty arrays).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from cosim.model import mechanisms as mech
from cosim.model.kernels import services as ks
from cosim.model.stages.services import group_medians as group_medians_numpy
from cosim.model.state import MEETING_CHANNEL


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal arrays of equal dtype (NaN equal to NaN)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    """Uniform draws in [0, 1] with the edge values 0 and 1 mixed in."""
    x = rng.random(n)
    if n:
        x[rng.random(n) < 0.1] = 0.0
        x[rng.random(n) < 0.1] = 1.0
    return x


def random_officials(rng: np.random.Generator, active_share: float = 0.8, vacancies_due: bool = True):
    """A talent week's random officials in 1-3 municipalities, and its draws and numbers (the talent kernels' tests).

    ``state`` lists the arrays the kernels update: active, vacant_until,
    tenure, skill, ict skill, attrition count.  With ``vacancies_due`` False
    every vacancy is filled only after week ``t``: a week without hires.
    """
    M = int(rng.integers(1, 4))
    k = int(rng.choice([0, 1, 40, 160]))
    muni = np.sort(rng.integers(0, M, k))
    active = rng.random(k) < active_share
    vacant_until = rng.integers(0, 40, k) if vacancies_due else np.full(k, 100)
    tenure = rng.integers(0, 100, k)
    skill, ict = unit(rng, k), unit(rng, k)
    wealth = unit(rng, M)
    attrition = np.zeros(M) + rng.integers(0, 5, M)
    u = unit(rng, k)
    z1, z2 = rng.standard_normal(k), rng.standard_normal(k)
    return SimpleNamespace(
        muni=muni, wealth=wealth, u=u, z1=z1, z2=z2, t=30, state=[active, vacant_until, tenure, skill, ict, attrition],
        leave_p=float(rng.choice([0.0, 0.05, 1.0])), vacancy_weeks=int(rng.choice([0, 12])),
        rate=float(rng.choice([-1.0, 0.0, 0.01, 1.0])))


SEEDS = range(12)


# ---------------------------------------------------------------- staff


def staff_numpy(muni, active, skill, ict_skill, capacity, w, scale):
    M = scale.size
    cnt = np.maximum(np.bincount(muni, weights=active, minlength=M), 1)
    per_official = mech.effective_capacity(capacity, skill, ict_skill, w)
    return (np.bincount(muni, weights=per_official * active, minlength=M) / scale, cnt,
            np.bincount(muni, weights=skill * active, minlength=M) / cnt,
            np.bincount(muni, weights=ict_skill * active, minlength=M) / cnt)


@pytest.mark.parametrize("seed", SEEDS)
def test_staff_totals(seed):
    rng = np.random.default_rng(seed)
    M = int(rng.integers(1, 5))
    k = int(rng.choice([1, 7, 80, 333]))  # at least one official (schema); with none bincount's counts are ints
    muni = np.sort(rng.integers(0, M, k))
    active = rng.random(k) < rng.choice([0.0, 0.5, 1.0])
    skill, ict = unit(rng, k), unit(rng, k)
    scale = rng.random(M) + 0.5
    cap, w = 340.0 * rng.random(), float(unit(rng, 1)[0])
    rows = ks.staff_totals(muni, active, skill, ict, cap, w, scale)
    assert rows.shape == (4, M)
    expected = staff_numpy(muni, active, skill, ict, cap, w, scale)
    for got, exp in zip(rows, expected, strict=True):
        assert same(got, exp)


# ---------------------------------------------------------------- plans


def plans_numpy(cit_ward, comments, attended, attendance_weight, size, ward_muni, needs, idp_input, plan_rate,
                shift):
    W = size.size
    total = np.bincount(cit_ward, weights=mech.idp_input(comments, attended, attendance_weight), minlength=W)
    idp_input += plan_rate * (total / np.maximum(size, 1) - idp_input)
    M = int(ward_muni.max()) + 1
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_input = (np.bincount(ward_muni, weights=needs * idp_input, minlength=M)
                      / np.bincount(ward_muni, weights=needs, minlength=M))
    return mech.plan_priorities(needs, idp_input, mean_input[ward_muni], shift)


@pytest.mark.parametrize("seed", SEEDS)
def test_plan_update(seed):
    rng = np.random.default_rng(seed)
    W = int(rng.integers(1, 30))
    n = int(rng.choice([0, 1, 50, 500]))
    ward_muni = np.sort(rng.integers(0, 3, W))
    cit_ward = np.sort(rng.integers(0, W, n))
    comments = rng.integers(0, 3, n) * (rng.random(n) < 0.3)
    attended = rng.random(n) < 0.2
    size = np.bincount(cit_ward, minlength=W).astype(np.int64)
    needs = rng.random(W) * rng.choice([0.0, 1.0, 10.0]) + (rng.random(W) < 0.5) * 1e-12
    idp = unit(rng, W) * 0.1
    shift = 0.5 * (int(rng.integers(1, 6)) - 1) / 4.0
    rate, weight = float(unit(rng, 1)[0]), float(rng.random() * 2)
    idp_kernel, idp_numpy = idp.copy(), idp.copy()
    got = ks.plan_update(cit_ward, comments, attended, weight, size, ward_muni, needs, idp_kernel, rate, shift)
    expected = plans_numpy(cit_ward, comments, attended, weight, size, ward_muni, needs, idp_numpy, rate, shift)
    assert same(idp_kernel, idp_numpy)
    assert same(got, expected)


# ---------------------------------------------------------------- triage and medians


@pytest.mark.parametrize("seed", SEEDS)
def test_group_medians(seed):
    rng = np.random.default_rng(seed)
    G = int(rng.integers(1, 6))
    n = int(rng.choice([0, 1, 2, 9, 200]))
    group = rng.integers(0, G, n)
    value = rng.integers(0, int(rng.choice([1, 3, 40])), n)
    got = ks.group_medians(group, value, G)
    assert same(got, group_medians_numpy(group, value, G))
    assert same(got, np.array([np.median(value[group == g]) if (group == g).any() else 0.0 for g in range(G)]))


def triage_numpy(pend_cit, pend_week, channel, cit_muni, literacy, u, pool_of, pool_cap, t, reactive_share,
                 max_rate, close_p, max_wait, skill, ict, odv, report_floor, boost):
    M = pool_of.size
    req_muni = cit_muni[pend_cit]
    req_pool = pool_of[req_muni]
    waiting = np.bincount(req_pool, minlength=pool_cap.size)
    chance = mech.resolution_chance(reactive_share * pool_cap, waiting, max_rate)
    delivery = chance[pool_of] / max_rate
    is_resolved, is_closed = mech.queue_fate(u, chance[req_pool], close_p)
    res = np.flatnonzero(is_resolved)
    cits, waits, chan, m_res = pend_cit[res], t - pend_week[res], channel[res], req_muni[res]
    cit_in = mech.citizen_input(literacy[cits], odv[m_res], report_floor, boost)
    off_in = mech.official_input(skill[m_res], ict[m_res], chan != MEETING_CHANNEL)
    dropped = is_closed & ~is_resolved
    keep = ~(is_resolved | dropped)
    resolved = np.bincount(m_res, minlength=M)
    left = keep & (resolved[req_muni] == 0)
    median = group_medians_numpy(np.concatenate([m_res, req_muni[left]]),
                                 np.concatenate([waits, t - pend_week[left]]), M)
    return (cits, waits, m_res, cit_in, off_in, -waits / max_wait, pend_cit[dropped], pend_cit[keep], pend_week[keep], channel[keep],
            resolved.astype(float), np.bincount(cit_muni[pend_cit[dropped]], minlength=M).astype(float), delivery,
            median)


def queue_case(seed):
    rng = np.random.default_rng(seed)
    M = int(rng.integers(1, 4))
    N = 300
    cit_muni = np.sort(rng.integers(0, M, N))
    n = int(rng.choice([0, 1, 5, 120, 600]))
    t = 40
    pend_cit = rng.integers(0, N, n)
    pend_week = np.sort(rng.integers(0, t + 1, n))
    channel = rng.integers(1, 6, n).astype(np.int8)
    pooled = M > 1 and rng.random() < 0.5
    pool_of = np.zeros(M, np.int64) if pooled else np.arange(M)
    pool_cap = (rng.random(1 if pooled else M) * rng.choice([0.0, 1.0, 50.0]))
    skill, ict, odv = unit(rng, M), unit(rng, M), unit(rng, M)
    max_wait = int(rng.integers(1, 30))
    return dict(pend_cit=pend_cit, pend_week=pend_week, channel=channel, cit_muni=cit_muni, literacy=unit(rng, N),
                u=unit(rng, n), pool_of=pool_of, pool_cap=pool_cap, t=t, reactive_share=float(rng.random()),
                max_rate=float(rng.random() * 0.9 + 0.1), close_p=1.0 / max_wait, max_wait=float(max_wait), skill=skill, ict=ict,
                odv=odv, report_floor=float(unit(rng, 1)[0]), boost=float(rng.random()))


@pytest.mark.parametrize("seed", range(30))
def test_triage(seed):
    case = queue_case(seed)
    M = case["pool_of"].size
    cum_start = np.arange(M, dtype=float) * 3.0
    cum_resolved, cum_dropped = cum_start.copy(), cum_start + 1.0
    args = list(case.values())
    constants = args[9:13] + args[16:18]  # reactive_share, max_rate, close_p, max_wait, report_floor, boost
    queue = [a.copy() for a in args[:3]]  # citizen, week, channel: the requests still waiting move up (in place)
    ints, reals, per_muni = ks.triage(*queue, *args[3:9], *args[13:16], cum_resolved, cum_dropped, *constants,
                                      MEETING_CHANNEL)
    expected = triage_numpy(*case.values())
    n_res = reals.shape[1]
    n_keep = queue[0].size - (ints.size - n_res)
    keep_cit, keep_week, keep_channel = (a[:n_keep] for a in queue)
    assert reals.shape == (4, n_res) and per_muni.shape == (5, M) and ints.size >= 2 * n_res
    cits, _waits, m_res, cit_in, off_in, timely_exponent, d_cits = expected[:7]  # the waits: in the exponent
    got = (ints[:n_res], ints[n_res:2 * n_res], reals[0], reals[1], reals[2], ints[2 * n_res:], keep_cit, keep_week,
           keep_channel, *per_muni[:4])
    want = (cits, m_res, cit_in, off_in, timely_exponent, d_cits, *expected[7:])
    for i in range(len(want)):
        assert same(got[i], want[i]), i
    # the running totals: the stage's cum["resolved"] += resolved, cum["dropped"] += dropped
    assert same(cum_resolved, cum_start + expected[10]) and same(cum_dropped, cum_start + 1.0 + expected[11])


# ---------------------------------------------------------------- service production


def service_work_numpy(cit_in, off_in, waits, max_wait, share, m_res, cits, cit_ward, resolved, pool_of, pool_cap,
                       ward_muni, priority, expected, work, odv, leverage, discount, boost, rate, reference):
    M, W = resolved.size, ward_muni.size
    outcome = mech.timely_outcome(mech.coproduced_outcome(cit_in, off_in, share), waits, max_wait)
    osum = np.bincount(m_res, weights=outcome, minlength=M)
    mean_outcome = np.divide(osum, np.maximum(resolved, 1))
    planned = np.maximum(pool_cap - np.bincount(pool_of[m_res], minlength=pool_cap.size), 0.0)
    ward_pool = pool_of[ward_muni]
    weight = priority / np.bincount(ward_pool, weights=priority, minlength=pool_cap.size)[ward_pool]
    value = mech.unreported_value(discount, boost, odv)
    this_week = (leverage * np.bincount(cit_ward[cits], weights=outcome, minlength=W)
                 + planned[ward_pool] * weight * value[ward_muni])
    new_work = mech.ward_work_update(work, this_week / expected, rate)
    return outcome, mean_outcome, new_work, -new_work / reference


@pytest.mark.parametrize("seed", SEEDS)
def test_service_work(seed):
    rng = np.random.default_rng(seed)
    M = int(rng.integers(1, 4))
    W = int(rng.integers(M, 40))
    ward_muni = np.sort(np.concatenate([np.arange(M), rng.integers(0, M, W - M)]))
    N = 200
    cit_ward = np.sort(rng.integers(0, W, N))
    n = int(rng.choice([0, 1, 30]))
    cits = rng.integers(0, N, n)
    m_res = ward_muni[cit_ward[cits]]
    resolved = np.bincount(m_res, minlength=M).astype(float)
    pooled = M > 1 and rng.random() < 0.5
    pool_of = np.zeros(M, np.int64) if pooled else np.arange(M)
    pool_cap = rng.random(1 if pooled else M) * rng.choice([0.0, 5.0, 100.0])
    priority = rng.random(W) + 0.01
    expected = rng.random(W) + 1e-12
    cit_in, off_in = unit(rng, n), unit(rng, n)
    waits, max_wait = rng.integers(0, 30, n), int(rng.integers(1, 30))
    share = float(rng.choice([0.0, 0.4, 0.5, 1.0]))
    args = (m_res, cits, cit_ward, resolved, pool_of, pool_cap, ward_muni, priority, expected,
            unit(rng, W), unit(rng, M), 2.0 * rng.random(), float(unit(rng, 1)[0]), float(rng.random()),
            float(unit(rng, 1)[0]), 0.17)
    # triage's packed outputs: citizens and municipalities of the resolved (then closed requests' citizens),
    # the reals' outcome row and per_muni's resolved and mean-outcome rows
    ints = np.concatenate([cits, m_res, rng.integers(0, N, 3)])
    reals = np.full((4, n), np.nan)
    per_muni = np.full((5, M), np.nan)
    per_muni[0] = resolved
    # the stage's NumPy powers and exp, as in mechanisms.coproduced_outcome and timely_outcome
    ward_rows = ks.service_work(cit_in ** share, off_in ** (1.0 - share), np.exp(-waits / float(max_wait)), ints,
                                reals, per_muni, *args[2:3], *args[4:])
    expected = service_work_numpy(cit_in, off_in, waits, max_wait, share, *args)
    for got, exp in zip((reals[3], per_muni[4], ward_rows[0], ward_rows[1]), expected, strict=True):
        assert same(got, exp)


@pytest.mark.parametrize("seed", SEEDS)
def test_quality_update(seed):
    rng = np.random.default_rng(seed)
    W = int(rng.choice([0, 1, 40]))
    quality, base, work = unit(rng, W), unit(rng, W) * 1.2, unit(rng, W) * 0.5
    response, reference, elasticity = float(unit(rng, 1)[0]), 0.17, float(rng.choice([0.5, 0.7, 1.0]))
    # the stage: NumPy's exp and power of mechanisms.production_target, the rest in the kernel
    index = (1.0 - np.exp(-work / reference)) / (1.0 - math.exp(-1.0))
    got = ks.quality_update(quality, base, index ** elasticity, response)
    target = mech.production_target(base, work, reference, elasticity)
    assert same(got, mech.ward_quality_update(quality, target, response))


def experiences_numpy(efficacy, cits, d_cits, commenters, outcome, cit_muni, delivery, rate, floor, level, weight):
    efficacy[cits] = mech.efficacy_update(efficacy[cits], True, rate)
    efficacy[d_cits] = mech.efficacy_update(efficacy[d_cits], False, rate)
    feedback = mech.idp_feedback(floor, level, delivery[cit_muni[commenters]], weight)
    who, slot = np.unique(np.concatenate([cits, d_cits, commenters]), return_inverse=True)
    values = np.concatenate([outcome, np.zeros(d_cits.size), feedback])
    total = np.bincount(slot, weights=values, minlength=who.size)
    count = np.bincount(slot, minlength=who.size)
    return who, total / np.maximum(count, 1.0)


@pytest.mark.parametrize("seed", range(20))
def test_experiences(seed):
    rng = np.random.default_rng(seed)
    N, M = 60, 2
    cit_muni = np.sort(rng.integers(0, M, N))
    cits = rng.integers(0, N, int(rng.choice([0, 1, 25])))
    d_cits = rng.integers(0, N, int(rng.choice([0, 1, 15])))
    commenters = np.sort(rng.choice(N, int(rng.choice([0, 1, 20])), replace=False)).astype(np.int64)
    outcome, delivery = unit(rng, cits.size), unit(rng, M)
    efficacy = unit(rng, N)
    level = int(rng.integers(1, 6))
    rate, floor, weight = float(unit(rng, 1)[0]), float(unit(rng, 1)[0]), float(rng.random())
    e_kernel, e_numpy = efficacy.copy(), efficacy.copy()
    who, mean = ks.experiences(e_kernel, cits, d_cits, commenters, outcome, cit_muni, delivery, rate, floor,
                               (level - 1) / 4.0, weight)
    who_np, mean_np = experiences_numpy(e_numpy, cits, d_cits, commenters, outcome, cit_muni, delivery, rate, floor,
                                        level, weight)
    assert same(e_kernel, e_numpy)
    assert same(who, who_np) and same(mean, mean_np)


# ---------------------------------------------------------------- talent


def talent_numpy(active, vacant_until, tenure, skill, ict, muni, wealth, attrition, u, z1, z2, leave_p, t,
                 vacancy_weeks, market, gain, premium, sd, floor, ict_mean, rate):
    leave = active & (u < leave_p)
    active[leave] = False
    vacant_until[leave] = t + vacancy_weeks
    attrition += np.bincount(muni[leave], minlength=attrition.size)
    hire = ~active & (vacant_until <= t)
    nh = int(hire.sum())
    if nh:
        wf = np.sqrt(wealth[muni[hire]])
        mean = mech.hiring_skill_mean(market, wf, gain, premium)
        skill[hire] = np.clip(mean + sd * z1[:nh], floor, 1.0)
        ict[hire] = np.clip(ict_mean * wf + sd * z2[:nh], 0.0, 1.0)
        active[hire] = True
        tenure[hire] = 0
    tenure += active
    if rate >= 0:
        ict += active * rate * (1.0 - ict)
    return nh


@pytest.mark.parametrize("seed", range(20))
def test_talent_kernels(seed):
    rng = np.random.default_rng(seed)
    o = random_officials(rng)
    muni, wealth, u, z1, z2, t = o.muni, o.wealth, o.u, o.z1, o.z2, o.t
    leave_p, vacancy_weeks, rate = o.leave_p, o.vacancy_weeks, o.rate
    market, gain, premium = float(rng.random()), float(rng.random()), float(rng.random())
    sd, floor, ict_mean = float(rng.random() * 0.5), float(rng.random() * 0.5), float(rng.random())
    state = o.state
    kernel_state = [a.copy() for a in state]
    numpy_state = [a.copy() for a in state]
    a, v, te, s, i, att = kernel_state
    n_hire = ks.officials_leave(a, v, muni, u, leave_p, t, vacancy_weeks, att)
    ks.officials_hire_train(t, z1[:n_hire], z2[:n_hire], muni, wealth, s, i, a, v, te, market,
                            1.0 + gain * premium, sd, floor, ict_mean, rate)
    a, v, te, s, i, att = numpy_state
    nh = talent_numpy(a, v, te, s, i, muni, wealth, att, u, z1, z2, leave_p, t, vacancy_weeks, market,
                      gain, premium, sd, floor, ict_mean, rate)
    assert n_hire == nh
    for got, exp in zip(kernel_state, numpy_state, strict=True):
        assert same(got, exp)
