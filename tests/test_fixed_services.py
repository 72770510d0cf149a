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

from cosim.model import mechanisms as mech
from cosim.model.kernels import services as ks


def same(a, b) -> bool:
    """Equal arrays of equal dtype and shape, floats compared by their bits."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "f":
        return bool(np.array_equal(a.view(np.int64), b.view(np.int64)))
    return bool(np.array_equal(a, b))


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    """Uniform draws in [0, 1] with the edge values 0 and 1 mixed in."""
    x = rng.random(n)
    if n:
        x[rng.random(n) < 0.1] = 0.0
        x[rng.random(n) < 0.1] = 1.0
    return x


# ---------------------------------------------------------------- quality and experiences in one call


@pytest.mark.parametrize("seed", range(20))
def test_quality_and_experiences(seed):
    """quality_and_experiences = quality_update, then experiences on triage's packed arrays."""
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
    response, elasticity = float(unit(rng, 1)[0]), float(rng.choice([0.5, 0.7, 1.0]))
    index = (1.0 - np.exp(-work / 0.17)) / (1.0 - math.exp(-1.0))
    promise = (int(rng.integers(1, 6)) - 1) / 4.0
    rate, floor, weight = float(unit(rng, 1)[0]), float(unit(rng, 1)[0]), float(rng.random())
    efficacy = unit(rng, N)
    e_merged, e_apart = efficacy.copy(), efficacy.copy()
    new_quality, who, mean = ks.quality_and_experiences(quality, base, index ** elasticity, response, e_merged, ints,
                                                        reals, per_muni, commenters, cit_muni, promise, rate, floor,
                                                        weight)
    assert same(new_quality, ks.quality_update(quality, base, index ** elasticity, response))
    target = mech.production_target(base, work, 0.17, elasticity)
    assert same(new_quality, mech.ward_quality_update(quality, target, response))
    who_apart, mean_apart = ks.experiences(e_apart, cits, d_cits, commenters, reals[3].copy(), cit_muni,
                                           per_muni[2].copy(), rate, floor, promise, weight)
    assert same(e_merged, e_apart) and same(who, who_apart) and same(mean, mean_apart)


# ---------------------------------------------------------------- the stage's NumPy shortcuts


@pytest.mark.parametrize("seed", range(20))
def test_pooled_capacity_keepdims(seed):
    """np.add.reduce(cap, keepdims=True) is np.array([np.add.reduce(cap)]) (the pooled capacity), any length."""
    rng = np.random.default_rng(seed)
    for M in range(1, 40):
        cap = rng.random(M) * rng.choice([1e-3, 1.0, 1e6])
        cap[rng.random(M) < 0.2] = 0.0
        cap[rng.random(M) < 0.1] = -0.0
        assert same(np.add.reduce(cap, keepdims=True), np.array([np.add.reduce(cap)]))
