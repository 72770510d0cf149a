"""Talent (MODEL.md s3 step 10): officials' attrition, hiring and ICT training."""

from __future__ import annotations

import numpy as np


def attrition_probability(annual_rate: float, weeks_per_year: float, retention_elasticity: float,
                          salary_premium: float) -> float:
    """Weekly chance an official leaves: annual rate / 52 x max(0, 1 - elasticity x premium).

    MODEL.md s3 step 10; a salary premium retains ICT talent (seed 000;
    elasticity an assumption).
    """
    return annual_rate / weeks_per_year * max(0.0, 1.0 - retention_elasticity * salary_premium)



def hiring_skill_mean(market_skill: float, wealth_factor: np.ndarray, skill_gain: float,
                      salary_premium: float) -> np.ndarray:
    """Mean skill of a hire: min(1, market skill x wealth factor x (1 + gain x premium)).

    MODEL.md s3 step 10: a premium draws better hires (seed 000); the gain is
    an assumption.
    """
    return np.minimum(1.0, market_skill * wealth_factor * (1.0 + skill_gain * salary_premium))



def ict_training_rate(training_rand: float, n_officials: int, per_million: float,
                      weeks_per_year: float) -> float:
    """Weekly share of the gap to ICT skill 1 that training closes: min(1, k x Rand per official / 10^6 / 52).

    MODEL.md s3 step 10; the effect per million Rand is an assumption.
    """
    per_official = training_rand / 1e6 / max(1, n_officials)
    return min(1.0, per_million * per_official / weeks_per_year)
