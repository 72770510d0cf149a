"""Stage 9 of the week (MODEL.md s3): trust, then breaches and scandals."""

from __future__ import annotations

import numpy as np

from cosim.model import mechanisms as mech
from cosim.model.stages.citizens import by_citizen
from cosim.model.stages.schedule import apply_to
from cosim.model.state import (
    Citizens,
    Municipalities,
    Wards,
)
from cosim.scenario.schema import Scenario


def trust(c: Scenario, cit: Citizens, wards: Wards, munis: Municipalities, who: np.ndarray,
          outcome: np.ndarray, nbr_trust: np.ndarray) -> None:
    """Trust after the week; ``who`` had an experience this week, of mean ``outcome``.

    Everyone moves toward the service quality they perceive in their ward
    (performance); participants add their own experience by
    expectancy-disconfirmation, asymmetrically; then transparency (small,
    for the aware), Friedkin-Johnsen social influence anchored to each
    citizen's generalised trust, which then learns from the new trust (bad
    faster than good).
    """
    tc = c.trust
    old = cit.trust
    # (np.repeat over the ward-sorted citizens is ward quality[ward], faster; the
    # disposition added in place, the same sum without one more citizen-sized array)
    perceived = np.repeat(wards.quality, wards.size)
    perceived += cit.disposition
    new = mech.quality_trust_update(old, perceived, tc.quality_weight)
    if who.size:
        # participants: expectancy-disconfirmation, asymmetric (Slovic 1993)
        expectation = cit.expectation[who]
        new[who] = mech.asymmetric_trust_update(new[who], outcome, expectation, tc.alpha_plus, tc.alpha_minus)
        cit.expectation[who] = mech.adaptive_expectation(expectation, outcome, tc.expectation_rate)
        cit.responsiveness[who] = mech.adaptive_expectation(cit.responsiveness[who], outcome, tc.responsiveness_rate)
    # transparency: a small direct effect of openness (Grimmelikhuijsen et al. 2013)
    new = mech.transparency_update(new, tc.transparency_weight, by_citizen(munis.open_data_value, cit.municipality),
                                   cit.awareness)
    new = mech.social_trust_update(new, nbr_trust, cit.generalised, tc.peer_weight, tc.anchor_weight)
    cit.trust = np.clip(new, 0.0, 1.0)
    cit.generalised = mech.generalised_trust_update(cit.generalised, cit.trust, tc.generalised_up,
                                                    tc.generalised_down)



def shocks(c: Scenario, cit: Citizens, munis: Municipalities, t: int, events, sec,
           rng: np.random.Generator, week_stats: dict) -> None:
    """Breaches (hazard falls with security) and scandals; the legal framework damps breaches only."""
    ic = c.infosec
    draw = rng.random(munis.n)
    hazard = mech.breach_hazard(ic.breach_hazard, munis.posture, ic.base_posture)
    severity = np.where(draw < hazard, 1.0, 0.0)
    scandal = np.zeros(munis.n)
    for e in events:
        if e.step != t:
            continue
        if e.kind == "breach":
            apply_to(severity, e.municipality, lambda v, s=e.severity: np.maximum(v, s))
        elif e.kind == "scandal":
            apply_to(scandal, e.municipality, lambda v, s=e.severity: np.maximum(v, s))
    week_stats["breaches"] = (severity > 0).astype(float)
    damp = mech.legal_damping(ic.legal_damping, sec.legal_strength)
    if severity.any():
        # in proportion to exposure: users of e-services most (their data), others by the news
        s = severity[cit.municipality] * damp * mech.breach_exposure(cit.adopted, ic.breach_exposure_floor)
        cit.trust = mech.breach_trust(cit.trust, ic.breach_trust_drop, s)
        cit.generalised = mech.breach_trust(cit.generalised, ic.breach_trust_drop * ic.breach_lasting_share, s)
        cit.privacy_concern = mech.breach_privacy(cit.privacy_concern, ic.breach_privacy_rise, s)
        hit = severity > 0
        munis.portal_down_until[hit] = t + 1 + ic.breach_downtime_weeks
    if scandal.any():
        s = scandal[cit.municipality]
        cit.trust = mech.breach_trust(cit.trust, c.trust.scandal_drop, s)
        cit.generalised = mech.breach_trust(cit.generalised, c.trust.scandal_drop * ic.breach_lasting_share, s)
