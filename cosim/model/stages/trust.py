"""Stage 9 of the week (MODEL.md s3): trust, then breaches and scandals."""

from __future__ import annotations

import numpy as np

from cosim.model import mechanisms as mech
from cosim.model.kernels import trust as kt
from cosim.model.stages.schedule import apply_to
from cosim.model.state import (
    Citizens,
    Municipalities,
    Wards,
)
from cosim.scenario.schema import Scenario

_NOBODY = np.zeros(0, np.int64)  # ``who`` and ``outcome`` of a week without experiences (one kernel signature)
_NO_OUTCOME = np.zeros(0)


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
    # one pass over the citizens (kernels.trust.trust_update, tested equal to the mechanisms
    # quality_trust_update, asymmetric_trust_update, adaptive_expectation, transparency_update,
    # social_trust_update, the clip and generalised_trust_update composed as the docstring says)
    if who.size == 0:
        who, outcome = _NOBODY, _NO_OUTCOME
    new_trust = np.empty(cit.n)
    new_generalised = np.empty(cit.n)
    kt.trust_update(cit.trust, cit.generalised, wards.quality, cit.ward, cit.disposition, float(tc.quality_weight),
                    who, outcome, cit.expectation, cit.responsiveness, float(tc.alpha_plus), float(tc.alpha_minus),
                    float(tc.expectation_rate), float(tc.responsiveness_rate), float(tc.transparency_weight),
                    munis.open_data_value, cit.municipality, cit.awareness, nbr_trust, float(tc.peer_weight),
                    float(tc.anchor_weight), float(tc.generalised_up), float(tc.generalised_down),
                    new_trust, new_generalised)
    cit.trust = new_trust
    cit.generalised = new_generalised



def shocks(c: Scenario, cit: Citizens, munis: Municipalities, t: int, events, sec,
           rng: np.random.Generator, week_stats: dict) -> None:
    """Breaches (hazard falls with security) and scandals; the legal framework damps breaches only."""
    ic = c.infosec
    draw = rng.random(munis.n)
    hazard = mech.breach_hazard(ic.breach_hazard, munis.posture, ic.base_posture)
    hit = draw < hazard
    severity = hit.astype(float)  # 1.0 where a breach happens
    scandal = None  # (no scandal this week: nothing to allocate)
    for e in events:
        if e.step != t:
            continue
        if e.kind == "breach":
            apply_to(severity, e.municipality, lambda v, s=e.severity: np.maximum(v, s))
            hit = severity > 0
        elif e.kind == "scandal":
            if scandal is None:
                scandal = np.zeros(munis.n)
            apply_to(scandal, e.municipality, lambda v, s=e.severity: np.maximum(v, s))
    week_stats["breaches"] = hit.astype(float)
    if hit.any():
        damp = mech.legal_damping(ic.legal_damping, sec.legal_strength)
        # in proportion to exposure: users of e-services most (their data), others by the news
        s = severity[cit.municipality] * damp * mech.breach_exposure(cit.adopted, ic.breach_exposure_floor)
        cit.trust = mech.breach_trust(cit.trust, ic.breach_trust_drop, s)
        cit.generalised = mech.breach_trust(cit.generalised, ic.breach_trust_drop * ic.breach_lasting_share, s)
        cit.privacy_concern = mech.breach_privacy(cit.privacy_concern, ic.breach_privacy_rise, s)
        munis.portal_down_until[hit] = t + 1 + ic.breach_downtime_weeks
    if scandal is not None and scandal.any():
        s = scandal[cit.municipality]
        cit.trust = mech.breach_trust(cit.trust, c.trust.scandal_drop, s)
        cit.generalised = mech.breach_trust(cit.generalised, c.trust.scandal_drop * ic.breach_lasting_share, s)
