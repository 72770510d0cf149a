"""Stage 9 of the week (MODEL.md s3): trust, then breaches and scandals."""

from __future__ import annotations

import numpy as np

from cosim.model import mechanisms as mech
from cosim.model.kernels import trust as kt
from cosim.model.memo import LastSeen
from cosim.model.stages.schedule import apply_to
from cosim.model.state import (
    Citizens,
    Municipalities,
    Wards,
)
from cosim.scenario.schema import Scenario

_NOBODY = np.zeros(0, np.int64)  # ``who`` and ``outcome`` of a week without experiences (one kernel signature)
_NO_OUTCOME = np.zeros(0)

# the last scenario's [trust] parameters as floats, and its [infosec] breach hazard at the last posture
# seen: the scenario (frozen) changes only when a scheduled parameter does, so most weeks reuse them.
# The hazard is kept by the posture's values, not the array (events change the posture in place):
# one tuple, replaced whole, as memo.LastSeen keeps its entry (safe to read while another thread replaces it).
_trust_parameters_of: LastSeen[tuple[float, ...]] = LastSeen()
_HAZARD: tuple = (None, b"", None)


def _floats(tc) -> tuple[float, ...]:
    return tuple(float(v) for v in (
        tc.quality_weight, tc.alpha_plus, tc.alpha_minus, tc.expectation_rate, tc.responsiveness_rate,
        tc.transparency_weight, tc.peer_weight, tc.anchor_weight, tc.generalised_up, tc.generalised_down))


def _trust_parameters(tc) -> tuple[float, ...]:
    """The ``[trust]`` parameters trust_update takes, as floats (kept for the last ``tc``)."""
    return _trust_parameters_of(_floats, tc)


def _breach_hazard(ic, posture: np.ndarray) -> np.ndarray:
    """mech.breach_hazard for ``ic`` at ``posture`` (memoised for the last scenario and posture values)."""
    global _HAZARD
    key = posture.tobytes()
    of, at, hazard = _HAZARD
    if of is not ic or at != key:
        hazard = mech.breach_hazard(ic.breach_hazard, posture, ic.base_posture)
        _HAZARD = (ic, key, hazard)
    return hazard


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
    # one pass over the citizens (kernels.trust.trust_update, tested equal to the mechanisms
    # quality_trust_update, asymmetric_trust_update, adaptive_expectation, transparency_update,
    # social_trust_update, the clip and generalised_trust_update composed as the docstring says)
    if who.size == 0:
        who, outcome = _NOBODY, _NO_OUTCOME
    (quality_weight, alpha_plus, alpha_minus, expectation_rate, responsiveness_rate, transparency_weight,
     peer_weight, anchor_weight, generalised_up, generalised_down) = _trust_parameters(c.trust)
    new_trust = np.empty(cit.n)
    new_generalised = np.empty(cit.n)
    kt.trust_update(cit.trust, cit.generalised, wards.quality, cit.ward, cit.disposition, quality_weight,
                    who, outcome, cit.expectation, cit.responsiveness, alpha_plus, alpha_minus,
                    expectation_rate, responsiveness_rate, transparency_weight,
                    munis.open_data_value, cit.municipality, cit.awareness, nbr_trust, peer_weight,
                    anchor_weight, generalised_up, generalised_down,
                    new_trust, new_generalised)
    cit.trust = new_trust
    cit.generalised = new_generalised



def shocks(c: Scenario, cit: Citizens, munis: Municipalities, t: int, events, sec,
           rng: np.random.Generator, week_stats: dict) -> None:
    """Breaches (hazard falls with security) and scandals; the legal framework damps breaches only."""
    ic = c.infosec
    draw = rng.random(munis.n)
    hit = draw < _breach_hazard(ic, munis.posture)
    if not events and not hit.any():  # the usual week: no breach, no event in progress
        week_stats["breaches"] = np.zeros(munis.n)
        return
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
