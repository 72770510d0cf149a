"""Participation (MODEL.md s3 step 7): channel choice, efficacy, the chance to act, IDP feedback."""

from __future__ import annotations

import numpy as np


def cheapest_e_channel(portal: float, ussd: float, social: float,
                       youth_social_factor: float) -> tuple[np.ndarray, np.ndarray]:
    """Best e-channel and its cost for each of the 16 patterns of open e-channels.

    Pattern bit j is set when e-channel j (0 portal, 1 USSD, 2 social media) is
    open, bit 3 when the citizen is young (social media costs them
    ``youth_social_factor`` times as much); the best is the cheapest open one,
    ties to the lowest index; with none open the cost is inf (index 0).
    MODEL.md s3 step 7 (channel cost); costs are assumptions (see the schema).
    """
    best = np.zeros(16, dtype=np.int8)
    cost = np.full(16, np.inf)
    for pattern in range(16):
        costs = (portal, ussd, social * (youth_social_factor if pattern & 8 else 1.0))
        open_ = [(costs[j], j) for j in range(3) if pattern >> j & 1]
        if open_:
            cost[pattern], best[pattern] = min(open_)
    return best, cost



def efficacy(trust: np.ndarray, efficacy_weight: float, iap2_efficacy: float, level_offered: int) -> np.ndarray:
    """Political efficacy multiplier: (1 - w) + 2 w trust, times 1 + e (level offered - 2).

    Equal to 1 at trust 0.5 and the IAP2 level "consult".  MODEL.md s3 step 7;
    trust raises acting (OECD 2024: 43-point trust gap with a say); a deeper
    IAP2 offer raises efficacy (Arnstein 1969; IAP2); weights are assumptions.
    """
    e = (1.0 - efficacy_weight) + efficacy_weight * 2.0 * trust
    return e * (1.0 + iap2_efficacy * (level_offered - 2))



def act_probability(propensity: np.ndarray, efficacy_: np.ndarray, channel_cost: np.ndarray) -> np.ndarray:
    """Chance to act on a need: clip(propensity x efficacy x (1 - min(cost, 1))).

    No open channel (cost inf) or a cost of 1 or more means no action.
    MODEL.md s3 step 7; the form is an assumption (costs of participation,
    Verba et al. 1995).
    """
    return np.clip(propensity * efficacy_ * (1.0 - np.minimum(channel_cost, 1.0)), 0.0, 1.0)



def idp_feedback(feedback_floor: float, level_offered: int) -> float:
    """Outcome of an IDP comment: f + (1 - f) (level - 1) / 4, from 'inform' (f) to 'empower' (1).

    MODEL.md s3 step 7-9: feedback on consultation input follows the IAP2
    level offered (Arnstein 1969; IAP2); the floor is an assumption.
    """
    return feedback_floor + (1.0 - feedback_floor) * (level_offered - 1) / 4.0
