"""Literacy, awareness and adoption of e-participation (MODEL.md s3 steps 4-6): UTAUT and Bass."""

from __future__ import annotations

import numpy as np


def awareness_update(
    awareness: np.ndarray, campaign_reach: float, word_of_mouth: float, neighbour_awareness: np.ndarray,
    idp_boost: float, in_idp_window: bool, decay: float,
) -> np.ndarray:
    """Awareness of e-services after a week of campaigns, word of mouth and the IDP window.

    g = min(1, reach + w * neighbours' awareness (+ idp_boost in the window));
    a' = clip(a + (1 - a) g - decay a).  MODEL.md s3 step 5: informing campaigns
    (media advocacy, seed 002), word of mouth on the network (DeGroot 1974);
    magnitudes are assumptions.
    """
    gain = campaign_reach + word_of_mouth * neighbour_awareness
    if in_idp_window:
        gain += idp_boost
    return np.clip(awareness + (1.0 - awareness) * np.minimum(gain, 1.0) - decay * awareness, 0.0, 1.0)



def privacy_risk(privacy_concern: np.ndarray, posture: np.ndarray | float) -> np.ndarray:
    """Perceived privacy risk = concern x (1 - security posture).

    MODEL.md s3 step 6; privacy calculus (Dinev & Hart 2006).  ``posture`` is
    the citizen's municipality's (one number when all agree).
    """
    return privacy_concern * (1.0 - posture)



def open_data_reach(awareness: np.ndarray, online: np.ndarray, literacy: np.ndarray) -> np.ndarray:
    """How much of the open data's value reaches a citizen: awareness x online x (1 + literacy) / 2.

    MODEL.md s3 step 6: open data works through its users, those aware of it
    and online, more so the more literate (van Deursen & van Dijk 2014); the
    form is an assumption.
    """
    return awareness * online * (0.5 + 0.5 * literacy)



def performance_expectancy(
    responsiveness: np.ndarray, open_data_value: np.ndarray | float, open_data_weight: float,
) -> np.ndarray:
    """Performance expectancy = clip(experienced responsiveness + w x usefulness of open data to the citizen).

    MODEL.md s3 step 6 (UTAUT, Venkatesh et al. 2003); ``open_data_value`` is
    the data's value times its reach to this citizen (:func:`open_data_reach`;
    civic-tech usefulness, seed 000); the weight is an assumption.
    """
    return np.clip(responsiveness + open_data_weight * open_data_value, 0.0, 1.0)



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



def adaptive_expectation(value: np.ndarray, outcome: np.ndarray, rate: float) -> np.ndarray:
    """Adaptive expectations: v' = v + rate (outcome - v).

    Used for the expected outcome (expectancy-disconfirmation, Van Ryzin 2004)
    and for experienced responsiveness (performance expectancy), MODEL.md s3
    steps 6 and 9; rates are assumptions.
    """
    return value + rate * (outcome - value)



def literacy_update(
    literacy: np.ndarray, used_online: np.ndarray, trained: np.ndarray,
    training_gain: float, learning_by_doing: float, decay: float, floor: np.ndarray,
) -> np.ndarray:
    """Training closes a share of the gap to 1; use teaches; disuse erodes toward the citizen's floor.

    l' = l + g (1 - l) for a seat; then + b (1 - l) for a week of use, else
    - d max(l - floor, 0).  Learning by doing (Arrow 1962) and skill decay
    toward a floor, not to zero (van Deursen & van Dijk 2014 on digital
    skills).  Magnitudes are assumptions.
    """
    lit = literacy.copy()
    lit[trained] += training_gain * (1.0 - literacy[trained])  # the few trained this week
    lit = np.where(used_online, lit + learning_by_doing * (1.0 - lit), lit - decay * np.maximum(lit - floor, 0.0))
    return np.clip(lit, 0.0, 1.0)
