"""Stage 10 of the week (MODEL.md s3): officials leave, are replaced, and are trained."""

from __future__ import annotations

import numpy as np

from cosim.model import mechanisms as mech
from cosim.model.kernels import services as ks
from cosim.model.memo import LastSeen
from cosim.model.state import (
    Municipalities,
    Officials,
)
from cosim.scenario.budget import WEEKS_PER_YEAR
from cosim.scenario.schema import Scenario

#: The talent stage's numbers for the scenario and talent lever last seen.
_constants_of: LastSeen[tuple[tuple[float, int, float], tuple[float, ...]]] = LastSeen()


def _constants(c: Scenario, tal) -> tuple[tuple[float, int, float], tuple[float, ...]]:
    """The talent stage's numbers (kept: the scenario and the lever are frozen).

    The weekly chance of leaving (mechanisms.attrition_probability), the
    vacancy weeks and the training rate (mechanisms.ict_training_rate; -1: no
    training); then kernels.services.officials_hire_train's last parameters.
    """
    return _constants_of(_compute_constants, c, tal)


def _compute_constants(c: Scenario, tal) -> tuple[tuple[float, int, float], tuple[float, ...]]:
    o = c.officials
    leave_p = mech.attrition_probability(o.attrition_annual, WEEKS_PER_YEAR, tal.retention_elasticity,
                                         tal.salary_premium)
    # a week's training closes at most the whole gap (ICT skill stays <= 1); -1: no training
    rate = -1.0
    if tal.training_rand > 0:
        rate = mech.ict_training_rate(tal.training_rand, o.n_officials, tal.training_per_million, WEEKS_PER_YEAR)
    week = (float(leave_p), int(o.vacancy_weeks), float(rate))
    hire_train = (float(o.market_skill_mean), 1.0 + tal.hiring_skill_gain * tal.salary_premium, float(o.skill_sd),
                  float(o.skill_floor), float(o.ict_skill_mean), float(rate))
    return week, hire_train


def talent(c: Scenario, off: Officials, munis: Municipalities, t: int, tal, rng_staff: np.random.Generator) -> None:
    """Attrition (lowered by a premium), hiring (skill raised by it), ICT training."""
    (leave_p, vacancy_weeks, rate), hire_train = _constants(c, tal)
    # kernels.services.officials_week: leavers, their vacancies and the attrition count (officials_leave), and
    # in a week without hires tenure and training too (in place)
    nh = ks.officials_week(off.active, off.vacant_until, off.municipality, rng_staff.random(off.n), off.tenure,
                           off.ict_skill, munis.attrition_count, leave_p, t, vacancy_weeks, rate)
    if nh:
        z_skill = rng_staff.standard_normal(nh)
        z_ict = rng_staff.standard_normal(nh)
        # kernels.services.officials_hire_train: hires' skills (hiring_skill_mean, clipped draws), tenure, training
        ks.officials_hire_train(t, z_skill, z_ict, off.municipality, munis.wealth, off.skill, off.ict_skill,
                                off.active, off.vacant_until, off.tenure, *hire_train)
