"""Stage 10 of the week (MODEL.md s3): officials leave, are replaced, and are trained."""

from __future__ import annotations

import numpy as np

from cosim.model import mechanisms as mech
from cosim.model.kernels import services as ks
from cosim.model.state import (
    Municipalities,
    Officials,
)
from cosim.scenario.budget import WEEKS_PER_YEAR
from cosim.scenario.schema import Scenario

#: The hires' normal draws in a week without hires (read only).
NO_DRAWS = np.zeros(0)


def talent(c: Scenario, off: Officials, munis: Municipalities, t: int, tal, rng_staff: np.random.Generator) -> None:
    """Attrition (lowered by a premium), hiring (skill raised by it), ICT training."""
    o = c.officials
    k = off.n
    leave_p = mech.attrition_probability(o.attrition_annual, WEEKS_PER_YEAR, tal.retention_elasticity,
                                         tal.salary_premium)
    # kernels.services.officials_leave: leavers, their vacancies and the attrition count (in place)
    hire = ks.officials_leave(off.active, off.vacant_until, off.municipality, rng_staff.random(k), float(leave_p), t,
                              int(o.vacancy_weeks), munis.attrition_count)
    nh = hire.size
    z_skill = z_ict = NO_DRAWS
    if nh:
        z_skill = rng_staff.standard_normal(nh)
        z_ict = rng_staff.standard_normal(nh)
    # a week's training closes at most the whole gap (ICT skill stays <= 1); -1: no training
    rate = -1.0
    if tal.training_rand > 0:
        rate = mech.ict_training_rate(tal.training_rand, o.n_officials, tal.training_per_million, WEEKS_PER_YEAR)
    # kernels.services.officials_hire_train: hires' skills (hiring_skill_mean, clipped draws), tenure, training
    ks.officials_hire_train(hire, z_skill, z_ict, off.municipality, munis.wealth, off.skill, off.ict_skill,
                            off.active, off.tenure, float(o.market_skill_mean),
                            1.0 + tal.hiring_skill_gain * tal.salary_premium, float(o.skill_sd),
                            float(o.skill_floor), float(o.ict_skill_mean), float(rate))
