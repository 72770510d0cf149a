"""The model's mechanisms as pure array functions.

Each function updates all citizens at once and is what the vectorised step
(:mod:`cosim.model.stages`) calls; each is also tested on tiny hand-built
populations with exact expectations (tests/test_mechanisms.py).  Each docstring
gives the equation, the step of MODEL.md s3 / docs/ODD.md (Submodels) it
belongs to, and its source or "assumption".  The arithmetic of each form is
written in the order the golden outputs were produced with: reordering a
product or a sum changes the last bits of the results.
"""

from __future__ import annotations

import math

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


# --------------------------------------------------------------------------- 3. access


def facilitating_conditions(
    online: np.ndarray, e_channel_open: np.ndarray, municipality: np.ndarray,
    ussd_open: bool, ussd_access: float, phone: np.ndarray,
) -> np.ndarray:
    """Facilitating conditions (UTAUT) for adoption: 1 online with an open e-channel, else USSD's share.

    FC_i = 1 if online_i and an e-channel (portal up or social media) is open in
    i's municipality; else ``ussd_access`` if USSD is open and i has a phone;
    else 0.  MODEL.md s3 step 6 (Venkatesh et al. 2003); USSD menus carry
    reports and polls, not the portal's services (``ussd_access`` < 1: assumption).
    ``e_channel_open`` is per municipality.
    """
    if e_channel_open.all():
        fc = online.copy()
    elif e_channel_open.any():
        fc = online & e_channel_open[municipality]
    else:
        fc = np.zeros(online.size, dtype=bool)
    if ussd_open:
        # = np.where(fc, 1.0, ussd_access * phone), as ussd_access <= 1
        fc = np.maximum(fc, ussd_access * phone)
    return fc


# --------------------------------------------------------------------------- 5. awareness


def awareness_update(
    awareness: np.ndarray, campaign_reach: float, word_of_mouth: float, neighbour_awareness: np.ndarray,
    idp_boost: float, in_idp_window: bool, decay: float,
) -> np.ndarray:
    """Awareness of e-services after a week of campaigns, word of mouth and the IDP window.

    g = min(1, reach + w * neighbours' awareness (+ idp_boost in the window));
    a' = clip(a + (1 - a) g - decay a).  MODEL.md s3 step 5: informing campaigns
    (media advocacy, seed 001), word of mouth on the network (DeGroot 1974);
    magnitudes are assumptions.
    """
    gain = campaign_reach + word_of_mouth * neighbour_awareness
    if in_idp_window:
        gain += idp_boost
    return np.clip(awareness + (1.0 - awareness) * np.minimum(gain, 1.0) - decay * awareness, 0.0, 1.0)


# --------------------------------------------------------------------------- 6. adoption


def privacy_risk(privacy_concern: np.ndarray, posture: np.ndarray | float) -> np.ndarray:
    """Perceived privacy risk = concern x (1 - security posture).

    MODEL.md s3 step 6; privacy calculus (Dinev & Hart 2006).  ``posture`` is
    the citizen's municipality's (one number when all agree).
    """
    return privacy_concern * (1.0 - posture)


def performance_expectancy(
    responsiveness: np.ndarray, open_data_value: np.ndarray | float, open_data_weight: float,
) -> np.ndarray:
    """Performance expectancy = clip(experienced responsiveness + w x usefulness of open data).

    MODEL.md s3 step 6 (UTAUT, Venkatesh et al. 2003); the open-data term is
    civic-tech usefulness (seed 000); the weight is an assumption.
    """
    return np.clip(responsiveness + open_data_weight * open_data_value, 0.0, 1.0)


def adaptive_expectation(value: np.ndarray, outcome: np.ndarray, rate: float) -> np.ndarray:
    """Adaptive expectations: v' = v + rate (outcome - v).

    Used for the expected outcome (expectancy-disconfirmation, Van Ryzin 2004)
    and for experienced responsiveness (performance expectancy), MODEL.md s3
    steps 6 and 9; rates are assumptions.
    """
    return value + rate * (outcome - value)


# --------------------------------------------------------------------------- 7. participation


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


# --------------------------------------------------------------------------- 8. co-production


def citizen_input(
    literacy: np.ndarray, open_data_value: np.ndarray, report_floor: float, open_data_boost: float,
) -> np.ndarray:
    """Citizen input to a co-produced outcome: clip((f + (1 - f) literacy) (1 + b x open data)).

    MODEL.md s3 step 8: a literate reporter gives officials more to act on
    (Parks et al. 1981); open data raises the value of reports (civic tech,
    intermediaries; seed 000).  Magnitudes are assumptions.
    """
    return np.clip((report_floor + (1.0 - report_floor) * literacy) * (1.0 + open_data_boost * open_data_value),
                   0.0, 1.0)


def official_input(skill: np.ndarray, ict_skill: np.ndarray, digital: np.ndarray) -> np.ndarray:
    """Official input: mean skill, times sqrt(mean ICT skill) for a request made through an e-channel.

    MODEL.md s3 step 8 (Boyne 2003: skilled staff deliver better services; seed
    000: ICT skills short); the square root is an assumption.
    """
    return skill * np.where(digital, np.sqrt(np.maximum(ict_skill, 0.0)), 1.0)


def timely_outcome(outcome: np.ndarray, wait_weeks: np.ndarray, max_wait_weeks: float) -> np.ndarray:
    """Timeliness: an outcome resolved after w weeks is worth outcome x exp(-w / max wait).

    MODEL.md s3 step 8 (reporters hear back; a late answer is worth less);
    assumption.
    """
    return outcome * np.exp(-wait_weeks / max_wait_weeks)


def ward_coverage_update(
    coverage: np.ndarray, resolved_work: np.ndarray, expected_requests: np.ndarray, rate: float,
) -> np.ndarray:
    """Share of a ward's needs met, as an exponential moving average: (1 - r) c + r min(1, work / needs).

    MODEL.md s3 step 8; ``resolved_work`` sums the co-produced outcomes
    resolved in the ward this week, ``expected_requests`` its needs a week.
    The averaging rate is an assumption.
    """
    return (1.0 - rate) * coverage + rate * np.minimum(1.0, resolved_work / expected_requests)


def ward_quality_update(
    quality: np.ndarray, base_quality: np.ndarray, coverage: np.ndarray, quality_gain: float, response: float,
) -> np.ndarray:
    """Service quality moves toward base + (1 - base) x coverage x gain at rate ``response``.

    MODEL.md s3 step 8: quality is an output of the municipality's capacity,
    co-produced reports telling officials where to act (Ostrom 1996; Boyne
    2003).  Rates are assumptions.
    """
    target = base_quality + (1.0 - base_quality) * coverage * quality_gain
    quality = quality + response * (target - quality)
    return np.clip(quality, 0.0, 1.0)


def idp_feedback(feedback_floor: float, level_offered: int) -> float:
    """Outcome of an IDP comment: f + (1 - f) (level - 1) / 4, from 'inform' (f) to 'empower' (1).

    MODEL.md s3 step 7-9: feedback on consultation input follows the IAP2
    level offered (Arnstein 1969; IAP2); the floor is an assumption.
    """
    return feedback_floor + (1.0 - feedback_floor) * (level_offered - 1) / 4.0


def open_data_value(
    level: float, update_interval_weeks: float, ict_skill: np.ndarray,
    reference_interval_weeks: float, reference_freshness: float, reference_capability: float,
) -> np.ndarray:
    """Effective openness of data: level x (freshness / f0) x (capability / c0), unclipped.

    freshness = T / (T + interval) (T the reference interval, 13 weeks: seed
    000 on infrequent updates), capability = 0.5 + 0.5 x officials' mean ICT
    skill; f0 and c0 (0.5, 0.75) make the value equal the level at the
    reference interval and ICT skill 0.5.  MODEL.md s3 step 8; assumption.
    """
    freshness = reference_interval_weeks / (reference_interval_weeks + update_interval_weeks)
    capability = 0.5 + 0.5 * ict_skill
    return level * (freshness / reference_freshness) * (capability / reference_capability)


# --------------------------------------------------------------------------- 9. trust


def quality_trust_update(trust: np.ndarray, quality: np.ndarray, quality_weight: float) -> np.ndarray:
    """Everyone's trust moves toward their ward's service quality: t + w (q - t).

    MODEL.md s3 step 9; performance drives trust (Van Ryzin 2004; Van de
    Walle & Bouckaert 2003); the weight is an assumption.
    """
    return trust + quality_weight * (quality - trust)


def transparency_update(trust: np.ndarray, transparency_weight: float,
                        open_data_value: np.ndarray | float) -> np.ndarray:
    """Direct effect of openness on trust: t + (w x open data) (1 - t), small.

    MODEL.md s3 step 9; transparency is a weak lever on its own
    (Grimmelikhuijsen et al. 2013).
    """
    return trust + (transparency_weight * open_data_value) * (1.0 - trust)


def security_posture(base_posture: float, investment_rand: float, investment_scale: float) -> float:
    """Security posture 1 - (1 - base) exp(-investment / scale): diminishing returns to investment.

    MODEL.md s3 steps 1 and 9; assumption.
    """
    return 1.0 - (1.0 - base_posture) * math.exp(-investment_rand / investment_scale)


def breach_hazard(hazard: float, posture: np.ndarray, base_posture: float) -> np.ndarray:
    """Weekly chance of a breach: hazard x (1 - posture) / (1 - base posture).

    Equal to ``hazard`` at the base posture, 0 at posture 1.  MODEL.md s3
    step 9; assumption.
    """
    return hazard * (1.0 - posture) / max(1.0 - base_posture, 1e-9)


def legal_damping(damping: float, legal_strength: float) -> float:
    """Share of a breach's effect left by the legal framework: 1 - damping x strength.

    MODEL.md s3 step 9 (a legal framework damps both drops; seed 000 on
    POPIA); assumption.
    """
    return 1.0 - damping * legal_strength


def breach_trust(trust: np.ndarray, trust_drop: float, severity: np.ndarray) -> np.ndarray:
    """Trust after a breach (or scandal) of damped severity s: t (1 - drop x s)."""
    return trust * (1.0 - trust_drop * severity)


def breach_privacy(privacy_concern: np.ndarray, privacy_rise: float, severity: np.ndarray) -> np.ndarray:
    """Privacy concern after a breach of damped severity s: p + rise x s (1 - p).

    MODEL.md s3 step 9 (privacy calculus, Dinev & Hart 2006); assumption.
    """
    return privacy_concern + privacy_rise * severity * (1.0 - privacy_concern)


# --------------------------------------------------------------------------- 10. talent


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
