"""The model's mechanisms as pure array functions.

Each function updates all citizens at once and is what the vectorised step calls;
each is also tested on tiny hand-built populations with exact expectations.
Sources are cited next to each form; docs/ODD.md explains them.
"""

from __future__ import annotations

import numpy as np

IAP2_LEVELS = ("inform", "consult", "involve", "collaborate", "empower")
CHANNELS = ("portal", "ussd", "social", "meeting")
# Deepest IAP2 level a channel can carry (1 = inform ... 5 = empower): USSD menus
# can collect a vote or a complaint but not deliberation (assumption).
CHANNEL_MAX_LEVEL = np.array([0, 5, 2, 3, 5], dtype=np.int8)  # index 0 = no channel


def online_access(
    smartphone: np.ndarray, has_data: np.ndarray, hotspot_ok: np.ndarray, centre_ok: np.ndarray
) -> np.ndarray:
    """Online this week: a smartphone with own data or a hotspot, or an access centre.

    MODEL.md s3 step 3; access centres lend a computer, so they need no device
    (SmartCape model).
    """
    return (smartphone & (has_data | hotspot_ok)) | centre_ok


def capacity_share(demand: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Chance that a user of a node is served: capacity shared among its users.

    ``demand`` counts users (whole numbers), so dividing by ``max(demand, 1)``
    is dividing by the demand wherever there is any.
    """
    return np.where(demand > 0, np.minimum(1.0, capacity / np.maximum(demand, 1.0)), 1.0)


def intention(
    performance: np.ndarray,
    literacy: np.ndarray,
    trust: np.ndarray,
    privacy_risk: np.ndarray,
    beta_performance: float,
    beta_effort: float,
    beta_trust: float,
    beta_privacy: float,
) -> np.ndarray:
    """Behavioural intention multiplier in (0, 2), equal to 1 for a neutral citizen.

    UTAUT (Venkatesh et al. 2003): performance expectancy, effort expectancy
    (here digital literacy) and trust (Carter & Belanger 2005) raise intention;
    perceived privacy risk lowers it (privacy calculus, Dinev & Hart 2006).
    Neutral = performance 0.5, literacy 0.5, trust 0.5, risk 0, so that
    identical neutral citizens follow the Bass model exactly.
    """
    u = (beta_performance * (performance - 0.5) + beta_effort * (literacy - 0.5)
         + beta_trust * (trust - 0.5) - beta_privacy * privacy_risk)
    return 2.0 / (1.0 + np.exp(-u))


def adoption_hazard(
    p: float, q: float, neighbour_share: np.ndarray, intention_: np.ndarray,
    awareness: np.ndarray, access: np.ndarray,
) -> np.ndarray:
    """Weekly chance a non-adopter adopts e-participation.

    Bass 1969: innovation p plus imitation q x adopted share among neighbours.
    With awareness 1, access and neutral intention (1) on a complete network
    this is exactly the discrete-time Bass model F' = (1-F)(p + qF).
    Awareness and access act as facilitating conditions (UTAUT).
    """
    h = (p + q * neighbour_share) * intention_ * awareness * access
    return np.clip(h, 0.0, 1.0)


def lapse_hazard(lapse_rate: float, intention_: np.ndarray) -> np.ndarray:
    """Weekly chance an adopter lapses: zero at neutral or higher intention."""
    return lapse_rate * np.clip(1.0 - intention_, 0.0, 1.0)


def asymmetric_trust_update(
    trust: np.ndarray, outcome: np.ndarray, expectation: np.ndarray,
    alpha_plus: float, alpha_minus: float,
) -> np.ndarray:
    """Expectancy-disconfirmation with asymmetric rates.

    d = outcome - expectation (Van Ryzin 2006).  Trust rises by alpha_plus * d
    when d > 0 and falls by alpha_minus * |d| when d < 0, clipped to [0, 1];
    alpha_minus > alpha_plus makes bad experiences weigh more at every trust
    level (Slovic 1993; Poortinga & Pidgeon 2004).
    """
    d = outcome - expectation
    # linear in d: an equal-sized bad experience moves trust alpha_minus/alpha_plus
    # times as far as a good one at every trust level (up to the bounds 0 and 1)
    return np.clip(trust + alpha_plus * np.maximum(d, 0.0) + alpha_minus * np.minimum(d, 0.0), 0.0, 1.0)


def social_trust_update(
    trust: np.ndarray, neighbour_mean: np.ndarray, prior: np.ndarray,
    peer_weight: float, anchor_weight: float,
) -> np.ndarray:
    """Friedkin-Johnsen: DeGroot averaging with neighbours, anchored to a prior.

    DeGroot 1974; Friedkin & Johnsen 1990.
    """
    return trust + peer_weight * (neighbour_mean - trust) + anchor_weight * (prior - trust)


def literacy_update(
    literacy: np.ndarray, used_online: np.ndarray, trained: np.ndarray,
    training_gain: float, learning_by_doing: float, decay: float,
) -> np.ndarray:
    """Training closes a share of the gap; use teaches; disuse slowly erodes.

    Learning by doing (Arrow 1962) and skill decay; van Deursen & van Dijk 2014
    on digital skills.  Magnitudes are assumptions.
    """
    lit = literacy.copy()
    lit[trained] += training_gain * (1.0 - literacy[trained])  # the few trained this week
    lit = np.where(used_online, lit + learning_by_doing * (1.0 - lit), lit - decay * lit)
    return np.clip(lit, 0.0, 1.0)


def coproduced_outcome(
    citizen_input: np.ndarray, official_input: np.ndarray, citizen_share: float
) -> np.ndarray:
    """Cobb-Douglas co-production: citizen and official inputs are complements.

    Ostrom 1996; Brudney & England 1983.  Both inputs in [0, 1].
    """
    return citizen_input**citizen_share * official_input ** (1.0 - citizen_share)


def resolve_fifo(
    pool: np.ndarray, capacity: np.ndarray
) -> np.ndarray:
    """Indices of the pending requests resolved this week, first in first out.

    ``pool`` is each pending request's pool (municipality, or 0 when officials are
    pooled); ``capacity[k]`` the whole number of requests pool ``k`` resolves.
    Requests are stored in arrival order.
    """
    order = np.argsort(pool, kind="stable")
    sorted_pool = pool[order]
    first = np.searchsorted(sorted_pool, np.arange(capacity.size))
    rank = np.arange(pool.size) - first[sorted_pool]
    take = rank < capacity[sorted_pool]
    return np.sort(order[take])


def gini_from_counts(values: np.ndarray, counts: np.ndarray) -> float:
    """Gini coefficient of a distribution given as a histogram (values ascending)."""
    n = counts.sum()
    total = float((values * counts).sum())
    if n == 0 or total == 0:
        return 0.0
    before = np.cumsum(counts) - counts  # people ranked below each value
    rank_sum = (values * (counts * before + counts * (counts + 1) / 2.0)).sum()
    return float(2.0 * rank_sum / (n * total) - (n + 1.0) / n)


def top_share_from_counts(values: np.ndarray, counts: np.ndarray, share: float) -> float:
    """Share of the total held by the top ``share`` of people (histogram input)."""
    n = counts.sum()
    total = float((values * counts).sum())
    if n == 0 or total == 0:
        return 0.0
    k = max(1, int(np.ceil(share * n)))
    v = values[::-1]
    c = counts[::-1]
    cum = np.cumsum(c)
    take = np.minimum(c, np.maximum(0, k - (cum - c)))
    return float((v * take).sum() / total)
