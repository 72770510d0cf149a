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



def personal_efficacy(efficacy_: np.ndarray, weight: float) -> np.ndarray:
    """Acting multiplier from personal efficacy e in [0, 1]: (1 - w) + 2 w e, 1 at e = 1/2.

    MODEL.md s3 step 7 (acting), fed by the efficacy loop of step 8
    (:func:`efficacy_update`): a citizen whose report was resolved reports
    again more readily (Sjoberg, Mellon & Peixoto 2017); the weight
    is an assumption, kept modest.
    """
    return (1.0 - weight) + 2.0 * weight * efficacy_



def efficacy_update(efficacy_: np.ndarray, resolved: np.ndarray | bool, rate: float) -> np.ndarray:
    """Personal efficacy after a request's fate: e + r (1 - e) when resolved, e - r e when closed unresolved.

    Sjoberg, Mellon & Peixoto 2017; the rate is an assumption.
    """
    # the week's stage passes one fate for all (True or False): work out that branch only
    if resolved is True:
        return efficacy_ + rate * (1.0 - efficacy_)
    if resolved is False:
        return efficacy_ - rate * efficacy_
    return np.where(resolved, efficacy_ + rate * (1.0 - efficacy_), efficacy_ - rate * efficacy_)



def idp_feedback(feedback_floor: float, level_offered: int, delivery: np.ndarray | float,
                 promise_weight: float) -> np.ndarray:
    """Outcome of an IDP comment: clip(f + (1 - f) L x delivery - p (L - 1/4)), L = (level - 1) / 4.

    MODEL.md s3 steps 7-9: feedback on consultation input follows the IAP2
    level offered (Arnstein 1969; IAP2) only as far as officials can deliver
    (``delivery`` in [0, 1]: the chance a waiting request is resolved relative
    to its maximum); a deeper promise raises expectations (p, disappointment
    per unit of promise above 'consult'), so 'empower' without capacity
    disappoints (Fox 2015: voice without teeth).  Floor and p are assumptions.
    """
    promise = (level_offered - 1) / 4.0
    return np.clip(feedback_floor + (1.0 - feedback_floor) * promise * delivery - promise_weight * (promise - 0.25),
                   0.0, 1.0)



def comment_chance(rate: float, propensity: np.ndarray, efficacy_: np.ndarray, awareness: np.ndarray,
                   channel_cost: np.ndarray) -> np.ndarray:
    """Weekly chance of writing IDP comments: clip(rate x propensity x efficacy x awareness x (1 - min(cost, 1))).

    MODEL.md s3 step 7: the IDP consultation is a process of its own, rarer
    than service requests (``rate`` is far below 1).  Propensity and efficacy
    as for acting on a need (Verba et al. 1995); a resident comments only on a
    consultation they know of (awareness, raised in the window); the cost is
    the cheapest way to hand in a comment (an e-channel or paper at an
    office; at a meeting the stage uses ``idp.speak_share`` instead).  The
    form is an assumption.
    """
    return np.clip(rate * propensity * efficacy_ * awareness * (1.0 - np.minimum(channel_cost, 1.0)), 0.0, 1.0)



def comment_count(u: np.ndarray, scale: np.ndarray | float, exponent: float, most: int) -> np.ndarray:
    """Comments a commenter writes: min(most, max(1, floor(s x u^(-1/a)))) for a uniform ``u`` in [0, 1).

    The inverse CDF of a discrete Pareto count: P(K >= k) = (s / k)^a for
    k > s (and 1 for k <= max(1, floor(s))), so K >= 1, its mean exceeds 1 and
    its tail is long: a few residents write most of the comments (90-9-1,
    Nielsen 2006; Sjoberg, Mellon & Peixoto 2017).  ``s`` >= 1 is the
    activist's scale (reach^reach_exponent).  Exponent and scale are
    assumptions (IdpConfig).  ``1 - u`` is used so that ``u = 0`` is finite.
    """
    k = np.floor(scale * (1.0 - u) ** (-1.0 / exponent))
    return np.clip(k, 1.0, float(most)).astype(np.int64)



def comment_count_pmf(k: int, scale: float, exponent: float, most: int) -> float:
    """P(K = k) for :func:`comment_count` (for tests and docs): P(K >= k) - P(K >= k + 1), capped at ``most``."""
    def at_least(j: int) -> float:  # P(floor(s x V^(-1/a)) >= j), V uniform on (0, 1]
        return 1.0 if j <= 1 or j <= scale else min(1.0, (scale / j) ** exponent)
    if k < 1 or k > most:
        return 0.0
    return at_least(k) - (at_least(k + 1) if k < most else 0.0)



def attend_chance(rate: float, meetings: float, propensity: np.ndarray, efficacy_: np.ndarray,
                  meeting_cost: np.ndarray) -> np.ndarray:
    """Weekly chance of attending a ward IDP meeting: clip(rate x meetings x propensity x efficacy x (1 - min(cost, 1))).

    ``meetings``: the ward's IDP meetings this week (meetings per window /
    window weeks).  The cost rises with the distance to the venue
    (``Citizens.meeting_cost``), so those far from a hall attend less (MODEL.md
    s3 steps 3 and 7; AB 2011: most never contact a councillor).  The form is
    an assumption.
    """
    return np.clip(rate * meetings * propensity * efficacy_ * (1.0 - np.minimum(meeting_cost, 1.0)), 0.0, 1.0)



def idp_input(comments: np.ndarray, attended: np.ndarray, attendance_weight: float) -> np.ndarray:
    """A ward's IDP input this week: comments + w x attendances (per resident when divided by its size).

    MODEL.md s3 step 8 ("IDP input moves plans toward the wards that gave it");
    the weight of a meeting attendance relative to a written comment is an
    assumption (IdpConfig.attendance_weight).
    """
    return comments + attendance_weight * attended
