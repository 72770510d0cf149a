"""Stage 10 of the week (MODEL.md s3): officials leave, are replaced, and are trained."""

from __future__ import annotations

import numpy as np

from cosim.model import mechanisms as mech
from cosim.model.state import (
    Municipalities,
    Officials,
)
from cosim.scenario.budget import WEEKS_PER_YEAR
from cosim.scenario.schema import Scenario


def talent(c: Scenario, off: Officials, munis: Municipalities, t: int, tal, rng_staff: np.random.Generator) -> None:
    """Attrition (lowered by a premium), hiring (skill raised by it), ICT training."""
    o = c.officials
    k = off.n
    leave_p = mech.attrition_probability(o.attrition_annual, WEEKS_PER_YEAR, tal.retention_elasticity,
                                         tal.salary_premium)
    leave = off.active & (rng_staff.random(k) < leave_p)
    off.active[leave] = False
    off.vacant_until[leave] = t + o.vacancy_weeks
    munis.attrition_count += np.bincount(off.municipality[leave], minlength=munis.n)
    hire = ~off.active & (off.vacant_until <= t)
    nh = int(hire.sum())
    if nh:
        wf = np.sqrt(munis.wealth[off.municipality[hire]])
        mean = mech.hiring_skill_mean(o.market_skill_mean, wf, tal.hiring_skill_gain, tal.salary_premium)
        off.skill[hire] = np.clip(mean + o.skill_sd * rng_staff.standard_normal(nh), o.skill_floor, 1.0)
        off.ict_skill[hire] = np.clip(o.ict_skill_mean * wf + o.skill_sd * rng_staff.standard_normal(nh), 0.0, 1.0)
        off.active[hire] = True
        off.tenure[hire] = 0
    off.tenure += off.active
    if tal.training_rand > 0:
        # a week's training closes at most the whole gap (ICT skill stays <= 1)
        rate = mech.ict_training_rate(tal.training_rand, o.n_officials, tal.training_per_million, WEEKS_PER_YEAR)
        off.ict_skill += off.active * rate * (1.0 - off.ict_skill)
