"""Trust (MODEL.md s3 step 9): experiences, service quality, transparency, neighbours, and shocks."""

from __future__ import annotations

import math

import numpy as np


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
    trust: np.ndarray, neighbour_mean: np.ndarray, generalised: np.ndarray,
    peer_weight: float, anchor_weight: float,
) -> np.ndarray:
    """Friedkin-Johnsen: DeGroot averaging with neighbours, anchored to the citizen's generalised trust.

    DeGroot 1974; Friedkin & Johnsen 1990; the anchor is each citizen's own
    slowly learnt generalised trust (:func:`generalised_trust_update`), not a
    fixed prior.
    """
    return trust + peer_weight * (neighbour_mean - trust) + anchor_weight * (generalised - trust)



def generalised_trust_update(generalised: np.ndarray, trust: np.ndarray, up: float, down: float) -> np.ndarray:
    """Generalised trust learns from the citizen's own trust, bad faster than good: g + u (t - g)+ - d (g - t)+.

    MODEL.md s3 step 9: a slow generalised component (Van de Walle &
    Bouckaert 2003; Kampen, Van de Walle & Bouckaert 2006) that follows each
    citizen's experience, with ``down`` > ``up`` (Slovic 1993), so that shocks
    leave a lasting mark and heterogeneity is kept (each citizen learns from
    their own trust).  Rates are assumptions.
    """
    gap = trust - generalised
    # (generalised + up * max(gap, 0)) + down * min(gap, 0), in that order, computed in
    # place: the same numbers with two citizen-sized arrays instead of six (faster)
    out = np.maximum(gap, 0.0)
    out *= up
    out += generalised
    down_part = np.minimum(gap, 0.0, out=gap)
    down_part *= down
    out += down_part
    return out



def quality_trust_update(trust: np.ndarray, perceived: np.ndarray, quality_weight: float) -> np.ndarray:
    """Everyone's trust moves toward the service quality they perceive: t + w (q_ward + disposition - t).

    MODEL.md s3 step 9 and pattern 8: performance drives trust for
    participants and non-participants alike (Van Ryzin 2004, 2006; Van de
    Walle & Bouckaert 2003); ``perceived`` is the ward's quality plus the
    citizen's fixed disposition (their initial trust minus the municipality's
    initial mean quality), which keeps trust heterogeneous.  The rate is an
    assumption.
    """
    return trust + quality_weight * (perceived - trust)



def transparency_update(trust: np.ndarray, transparency_weight: float,
                        open_data_value: np.ndarray | float, awareness: np.ndarray) -> np.ndarray:
    """Direct effect of openness on trust: t + w x open data x awareness x (1 - t), small.

    MODEL.md s3 step 9; transparency is a weak lever on its own
    (Grimmelikhuijsen et al. 2013); it reaches those aware of the municipality's
    e-services.
    """
    return trust + (transparency_weight * open_data_value) * awareness * (1.0 - trust)



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



def breach_exposure(uses_e_services: np.ndarray, exposure_floor: float) -> np.ndarray:
    """Exposure to a breach: 1 for a user of e-services, the floor for everyone else.

    MODEL.md s3 step 9: breaches hurt in proportion to exposure (users' own
    data; Slovic 1993 on personal exposure); the floor is an assumption.
    """
    return exposure_floor + (1.0 - exposure_floor) * uses_e_services



def breach_trust(trust: np.ndarray, trust_drop: float, severity: np.ndarray) -> np.ndarray:
    """Trust after a breach (or scandal) of damped severity s: t (1 - drop x s)."""
    return trust * (1.0 - trust_drop * severity)



def breach_privacy(privacy_concern: np.ndarray, privacy_rise: float, severity: np.ndarray) -> np.ndarray:
    """Privacy concern after a breach of damped severity s: p + rise x s (1 - p).

    MODEL.md s3 step 9 (privacy calculus, Dinev & Hart 2006); assumption.
    """
    return privacy_concern + privacy_rise * severity * (1.0 - privacy_concern)
