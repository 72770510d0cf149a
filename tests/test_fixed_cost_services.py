"""The services and talent stages' fused kernels and shortcuts (issue 16, the per-week fixed cost) equal what they replace.

Bit for bit (np.array_equal on the float bits, equal dtypes) on random inputs
with edge values: the merged kernels against the kernels or NumPy mechanism
compositions they stand for, and the stage's NumPy shortcuts against the
expressions they replace.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_kernels_services import random_officials, unit

from cosim.model import mechanisms as mech
from cosim.model.kernels import services as ks
from cosim.model.stages.services import _filled


def same(a, b) -> bool:
    """Equal arrays of equal dtype and shape, floats compared by their bits."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "f":
        return bool(np.array_equal(a.view(np.int64), b.view(np.int64)))
    return bool(np.array_equal(a, b))


# ---------------------------------------------------------------- quality and experiences in one call


@pytest.mark.parametrize("seed", range(20))
def test_quality_and_experiences(seed):
    """quality_and_experiences = quality_update (in place), then experiences on triage's packed arrays."""
    rng = np.random.default_rng(seed)
    N, M = 60, int(rng.integers(1, 4))
    W = int(rng.choice([1, 7, 40]))
    cit_muni = np.sort(rng.integers(0, M, N))
    n_res, n_drop = int(rng.choice([0, 1, 25])), int(rng.choice([0, 1, 15]))
    cits, d_cits = rng.integers(0, N, n_res), rng.integers(0, N, n_drop)
    ints = np.concatenate([cits, rng.integers(0, M, n_res), d_cits])
    reals = rng.random((4, n_res))
    reals[3] = unit(rng, n_res)  # the outcomes
    per_muni = rng.random((5, M))
    per_muni[2] = unit(rng, M)  # the delivery
    commenters = np.sort(rng.choice(N, int(rng.choice([0, 1, 20])), replace=False)).astype(np.int64)
    quality, base, work = unit(rng, W), unit(rng, W) * 1.2, unit(rng, W) * 0.5
    response, elasticity = float(unit(rng, 1)[0]), float(rng.choice([0.5, 0.5, 0.7, 1.0]))
    work[rng.random(W) < 0.2] = 0.0  # index 0
    index = (1.0 - np.exp(-work / 0.17)) / (1.0 - math.exp(-1.0))
    promise = (int(rng.integers(1, 6)) - 1) / 4.0
    rate, floor, weight = float(unit(rng, 1)[0]), float(unit(rng, 1)[0]), float(rng.random())
    efficacy = unit(rng, N)
    e_merged, e_apart = efficacy.copy(), efficacy.copy()
    new_quality = quality.copy()  # written over
    work_exp = np.exp(-work / 0.17)
    sqrt_index = elasticity == 0.5 and seed % 2 == 0  # at 0.5 the kernel may take the power (a square root)
    index_power = work_exp if sqrt_index else index ** elasticity
    who, mean = ks.quality_and_experiences(new_quality, base, work_exp, index_power, sqrt_index,
                                           1.0 - math.exp(-1.0), response, e_merged, ints, reals, per_muni,
                                           commenters, cit_muni, promise, rate, floor, weight)
    assert same(new_quality, ks.quality_update(quality, base, index ** elasticity, response))
    target = mech.production_target(base, work, 0.17, elasticity)
    assert same(new_quality, mech.ward_quality_update(quality, target, response))
    who_apart, mean_apart = ks.experiences(e_apart, cits, d_cits, commenters, reals[3].copy(), cit_muni,
                                           per_muni[2].copy(), rate, floor, promise, weight)
    assert same(e_merged, e_apart) and same(who, who_apart) and same(mean, mean_apart)


# ---------------------------------------------------------------- the stage's NumPy shortcuts


@pytest.mark.parametrize("seed", range(10))
def test_filled(seed):
    """The stage's _filled(n, v) is np.full(n, v) (the pooled skills and capacity), NaN and -0.0 included."""
    rng = np.random.default_rng(seed)
    for n in (1, 2, 3, 17):
        for value in (np.add.reduce(rng.random(n)), np.float64(-0.0), np.float64(np.nan), float(rng.random())):
            assert same(_filled(n, value), np.full(n, value))


# ---------------------------------------------------------------- open data


@pytest.mark.parametrize("seed", range(20))
def test_open_data_value(seed):
    """The kernel equals mechanisms.open_data_value, level x freshness multiplied first as in NumPy."""
    rng = np.random.default_rng(seed)
    M = int(rng.choice([0, 1, 2, 5]))
    ict = unit(rng, M)
    level = float(rng.choice([0.0, 0.3, 0.6, 1.0]))
    interval, reference = int(rng.choice([1, 4, 13, 26, 52])), float(rng.choice([13.0, 7.5]))
    floor = float(unit(rng, 1)[0])
    freshness = reference / (reference + interval)
    got = ks.open_data_value(ict, float(level * freshness), floor)
    assert same(got, mech.open_data_value(level, interval, ict, reference, floor))


# ---------------------------------------------------------------- talent in one call in a week without hires


@pytest.mark.parametrize("seed", range(30))
def test_officials_week(seed):
    """officials_week (+ officials_hire_train when there are hires) = officials_leave, then officials_hire_train."""
    rng = np.random.default_rng(seed)
    o = random_officials(rng, active_share=float(rng.choice([0.8, 1.0])), vacancies_due=bool(rng.random() < 0.5))
    muni, wealth, u, z1, z2, t = o.muni, o.wealth, o.u, o.z1, o.z2, o.t
    leave_p, vacancy_weeks, rate = o.leave_p, o.vacancy_weeks, o.rate
    constants = (float(rng.random()), 1.0 + float(rng.random()) * float(rng.random()), float(rng.random() * 0.5),
                 float(rng.random() * 0.5), float(rng.random()))
    state = o.state
    merged, apart = [a.copy() for a in state], [a.copy() for a in state]
    a, v, te, s, i, att = merged
    n_hire = ks.officials_week(a, v, muni, u, te, i, att, leave_p, t, vacancy_weeks, rate)
    if n_hire:
        ks.officials_hire_train(t, z1[:n_hire], z2[:n_hire], muni, wealth, s, i, a, v, te, *constants, rate)
    a, v, te, s, i, att = apart
    n_apart = ks.officials_leave(a, v, muni, u, leave_p, t, vacancy_weeks, att)
    ks.officials_hire_train(t, z1[:n_apart], z2[:n_apart], muni, wealth, s, i, a, v, te, *constants, rate)
    assert n_hire == n_apart
    for got, exp in zip(merged, apart, strict=True):
        assert same(got, exp)


def test_square_root_is_numpy_half_power():
    """With sqrt_index the kernel's quality is that from NumPy's index ** 0.5, bit for bit, over a wide range.

    (Quality response 1 and base 1: the quality is min(1, index ** 0.5), so indices above 1 only check the clip.)
    """
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.random(200_000), rng.random(1000) * 1e-300, [0.0, 1.0, 1.0 / (1.0 - math.exp(-1.0))]])
    x = x * np.exp(rng.uniform(-30.0, 0.5, x.size))
    work_exp = 1.0 - x * (1.0 - math.exp(-1.0))
    quality = np.zeros(x.size)
    empty = np.zeros(0, np.int64)
    ks.quality_and_experiences(quality, np.ones(x.size), work_exp, work_exp, True, 1.0 - math.exp(-1.0), 1.0,
                               np.zeros(1), empty, np.zeros((4, 0)), np.zeros((5, 1)), empty, empty, 0.0, 0.1,
                               0.5, 0.1)
    expected = ks.quality_update(np.zeros(x.size), np.ones(x.size),
                                 ((1.0 - work_exp) / (1.0 - math.exp(-1.0))) ** 0.5, 1.0)
    assert same(quality, expected)
