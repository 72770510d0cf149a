"""Kernels and caches that cut the fixed cost of a week in stages 3-7 (issue 16): equal to the NumPy they replace.

Bit for bit (floats compared as their 64-bit patterns) on random inputs with
edge values.  The fused use gate and hotspot week is checked in
``tests/test_kernels_access.py`` (test_use_gate_hotspot_week).
"""

from __future__ import annotations

import numpy as np
import pytest

from cosim import load_scenario
from cosim.model.kernels import access as kern
from cosim.model.kernels import participation as kp
from cosim.model.stages import citizens as stage


def bits(a: np.ndarray) -> np.ndarray:
    return a.view(np.int64)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("seats_per_week", [0.0, -1.0, 0.4, 3.0, 250.0, 1e4])
def test_training_seats_is_the_numpy_rounding(seed, seats_per_week):
    """stages.training's stochastic rounding as it was: floor(seats / scale + draw), zeros without seats."""
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 6))
    scale = rng.choice([1.0, 7.5, 400.0, 8e5 / 2000, 3.0e3], m)
    frac = rng.random(m)
    frac[rng.random(m) < 0.2] = 0.0
    if seats_per_week > 0:
        k = np.floor(seats_per_week / scale + frac).astype(np.int64)
    else:
        k = np.zeros(m, int)
    seats = np.empty(m)
    with_seats = kern.training_seats(float(seats_per_week), scale, frac, seats)
    want = k.astype(float)
    assert seats.dtype == want.dtype
    assert np.array_equal(bits(seats), bits(want))
    assert with_seats == np.count_nonzero(k)
    assert (with_seats == 0) == (not k.any())


def test_stage_constants_are_the_scenarios_floats_and_follow_a_new_scenario():
    s = load_scenario("baseline")
    k = stage.constants(s)
    assert stage.constants(s) is k  # kept for the same scenario object
    assert k.p == float(s.adoption.p) and k.word_of_mouth == float(s.awareness.word_of_mouth)
    assert k.hotspot_signage == float(s.infrastructure.hotspot_signage)
    pc = s.participation
    for level in (0, 2, 4):
        want = np.array(kp.efficacy_factors(pc.efficacy_weight, pc.iap2_efficacy, level, pc.personal_efficacy_weight))
        assert np.array_equal(bits(k.efficacy(level)), bits(want))
    other = s.model_copy(update={"adoption": s.adoption.model_copy(update={"p": s.adoption.p * 2})})
    assert stage.constants(other).p == float(s.adoption.p * 2)  # a new scenario object: its own constants
    assert stage.constants(s).p == float(s.adoption.p)
