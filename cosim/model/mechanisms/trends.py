"""Exogenous trends (MODEL.md s2; docs/ODD.md Submodels, "Exogenous trends"): the world moving under the policies.

A scenario may schedule device ownership, data affordability, the literacy of
the young entering the population and the municipality's population as paths
over calendar time (:mod:`cosim.scenario.schedules`).  These rules move the
simulated population along the scheduled values week by week
(:func:`cosim.model.stages.trends` applies them; the per-citizen reference is
``ReferenceModel._trends``).  Sources of the scheduled paths are in
docs/calibration.md ("Access trends 2010-2030") and the shipped scenario
``scenarios/baseline_2010_2030.toml``; the forms below are assumptions, each
chosen so that the scheduled value is reached in expectation.
"""

from __future__ import annotations

import numpy as np

from cosim.scenario.budget import WEEKS_PER_YEAR

NONE, FEATURE, SMARTPHONE = range(3)  # device codes (cosim.model.state.DEVICES)
GAP_TOLERANCE = 1e-9  # citizens: a gap smaller than rounding in share x size is no gap


def device_transition(counts: np.ndarray, smart_target: float, phone_target: float) -> np.ndarray:
    """Weekly chances of moving between devices that bring a group to its scheduled shares in expectation.

    ``counts`` = (no phone, feature phone, smartphone) citizens of the group now;
    targets are shares of the group (the smartphone target is capped at the
    phone target: a smartphone is a phone).  Returns ``T`` (3 x 3) with
    ``T[a, b]`` the chance that a citizen with device ``a`` has device ``b``
    after the week (rows sum to 1).  With n citizens, S smartphones, P phones
    (S included), F = P - S feature phones, N = n - P without a phone:

    - gaining smartphones (dS = n s* - S > 0): feature phones upgrade first,
      chance min(1, dS / F); what upgrades cannot close, r = max(dS - F, 0),
      comes from those without a phone, chance min(1, r / N);
    - losing smartphones (dS < 0): smartphones fall back to feature phones,
      chance min(1, -dS / S);
    - then phones (dP = n p* - P', with P' = P plus the expected new
      smartphones of those without a phone): those still without one get a
      feature phone, chance min(1, dP / N'); or, dP < 0, the feature phones
      after the week's changes (F' = those not upgraded plus the expected
      downgrades) are lost, chance min(1, -dP / F').

    Each chance is the gap over the eligible, so the expected shares after the
    week are the targets whenever the eligible suffice (assumption: MODEL.md s2
    "exogenous trends move the world"; the order, upgrades first, follows RIA
    After Access 2017: the device, not the phone, is the barrier).
    """
    n_none, n_feature, n_smart = (float(x) for x in counts)
    n = n_none + n_feature + n_smart
    t = np.eye(3)
    if n <= 0:
        return t
    smart_target = min(smart_target, phone_target)
    d_smart = n * smart_target - n_smart
    new_from_none = 0.0
    if d_smart > GAP_TOLERANCE:
        up = min(1.0, d_smart / n_feature) if n_feature > 0 else 0.0
        t[FEATURE, SMARTPHONE], t[FEATURE, FEATURE] = up, 1.0 - up
        rest = max(d_smart - n_feature, 0.0)
        direct = min(1.0, rest / n_none) if n_none > 0 and rest > 0 else 0.0
        t[NONE, SMARTPHONE], t[NONE, NONE] = direct, 1.0 - direct
        new_from_none = direct * n_none
    elif d_smart < -GAP_TOLERANCE:
        down = min(1.0, -d_smart / n_smart)
        t[SMARTPHONE, FEATURE], t[SMARTPHONE, SMARTPHONE] = down, 1.0 - down
    d_phone = n * phone_target - (n_feature + n_smart + new_from_none)
    if d_phone > GAP_TOLERANCE:
        still_none = n_none - new_from_none
        gain = min(1.0, d_phone / still_none) if still_none > 0 else 0.0
        t[NONE, FEATURE] = gain * t[NONE, NONE]
        t[NONE, NONE] -= t[NONE, FEATURE]
    elif d_phone < -GAP_TOLERANCE:
        # the feature phones after this week's changes: those not upgraded and smartphones just downgraded
        features = n_feature * t[FEATURE, FEATURE] + n_smart * t[SMARTPHONE, FEATURE]
        lose = min(1.0, -d_phone / features) if features > 0 else 0.0
        t[FEATURE, NONE] = lose * t[FEATURE, FEATURE]
        t[FEATURE, FEATURE] -= t[FEATURE, NONE]
        t[SMARTPHONE, NONE] = lose * t[SMARTPHONE, FEATURE]
        t[SMARTPHONE, FEATURE] -= t[SMARTPHONE, NONE]
    return t


def next_device(device: np.ndarray, u: np.ndarray, transition: np.ndarray) -> np.ndarray:
    """Each citizen's device after the week, from ``transition`` (:func:`device_transition`) and a uniform draw.

    The changes of a device come first, to the better device first, then
    staying: from no phone, u < T[0,2] gives a smartphone, u < T[0,2] + T[0,1]
    a feature phone; from a feature phone, u < T[1,2] a smartphone, u < T[1,2]
    + T[1,0] none; from a smartphone, u < T[2,1] a feature phone, u < T[2,1] +
    T[2,0] none; otherwise the device is kept.
    """
    order = np.array([[SMARTPHONE, FEATURE, NONE], [SMARTPHONE, NONE, FEATURE], [FEATURE, NONE, SMARTPHONE]])
    first, second = order[device, 0], order[device, 1]
    p_first = transition[device, first]
    p_second = transition[device, second]
    return np.where(u < p_first, first, np.where(u < p_first + p_second, second, device)).astype(device.dtype)


def shifted_affordability(affordability: np.ndarray, group: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Data affordability moved so that each group's mean is its scheduled value: a' = clip(a + (m* - m_g), 0, 1).

    ``targets`` holds the scheduled mean of each income group (NaN: not
    scheduled, unchanged).  A shift keeps each citizen's offset from their
    group's mean (their rank too); clipping at 0 and 1 can leave the mean short
    of the target only when citizens of the group differ (at build they all
    share the group's value).  Falling data prices (WCG 2016: 24.7% of income
    on mobile services) as a path of the weekly chance of having data;
    the additive form is an assumption.
    """
    total = np.bincount(group, weights=affordability, minlength=targets.size)
    size = np.bincount(group, minlength=targets.size)
    mean = np.divide(total, size, out=np.zeros(targets.size), where=size > 0)
    shift = np.where(np.isnan(targets), 0.0, targets - mean)
    return np.clip(affordability + shift[group], 0.0, 1.0)


def ageing_chances(turnover_annual: float, share_youth: float, share_senior: float) -> np.ndarray:
    """Weekly chances that a youth becomes an adult, an adult a senior, and a senior leaves (replaced by a youth).

    With turnover r a year and stationary age shares (y, a, s), the flows into
    and out of each group balance when r / y of the young, r / a of the adults
    and r / s of the seniors move on each year: chance r / (52 x share) a week
    (0 for an empty group).  At r = 1/50 and the default shares (0.35, 0.50,
    0.15) that is about 17.5 years as a youth (15-34), 25 as an adult (35-59)
    and 7.5 as a senior (60+), near Stats SA's life expectancy (assumption).
    """
    shares = np.array([share_youth, 1.0 - share_youth - share_senior, share_senior])
    weekly = turnover_annual / WEEKS_PER_YEAR
    return np.minimum(1.0, np.divide(weekly, shares, out=np.zeros(3), where=shares > 0))


def newcomer_literacy(mean: np.ndarray, youth_shift: float, sd: float, z: np.ndarray) -> np.ndarray:
    """Literacy of a young newcomer, drawn as at build: clip(m_g(t) + youth shift + sd x z, 0, 1).

    ``mean`` is the scheduled literacy of the newcomer's income group (the
    cohort's level), ``youth_shift`` = population.age_literacy_effect x
    population.age_literacy_youth as for a youth at build (van Deursen & van
    Dijk 2014: the young are more digitally literate), ``z`` standard normal.
    """
    return np.clip(mean + youth_shift + sd * z, 0.0, 1.0)


def newcomer_device(u: np.ndarray, smart_share: np.ndarray, phone_share: np.ndarray) -> np.ndarray:
    """A newcomer's device as at build, from their group's current ownership: u < min(s, p) smartphone, u < p feature phone."""
    return np.where(u < np.minimum(smart_share, phone_share), SMARTPHONE,
                    np.where(u < phone_share, FEATURE, NONE)).astype(np.int8)


def residents_per_citizen(population: float, citizens: np.ndarray) -> np.ndarray:
    """Real residents each simulated citizen stands for: the scheduled population over the citizens of each municipality."""
    return population / np.maximum(citizens, 1)
