"""Exogenous trends (MODEL.md s2): population, cohort change in literacy, devices, data affordability.

:meth:`CoProductionModel._advance` calls :func:`trends` at the start of every
week (burn-in weeks too) in which the scenario schedules any of
:data:`cosim.scenario.schedules.TRENDED_PARAMETERS`, with ``values`` = every
scheduled path's value that week (``schedules.values_at``); without a schedule
it is not called and nothing changes.  Its draws come from ``model.rng_trends``,
a stream of its own (spawned from the model's seed sequence, so creating it
draws nothing from ``model.rng``): how many it draws depends on the gaps between
the population and the schedule.  The rules are in
:mod:`cosim.model.mechanisms.trends`.
"""

from __future__ import annotations

import numpy as np

from cosim.model import build
from cosim.model.kernels import trust as kt
from cosim.model.mechanisms import trends as mech
from cosim.model.memo import LastSeen
from cosim.model.state import INCOME_GROUPS, Citizens, Municipalities, Wards
from cosim.scenario.schema import Scenario

PHONE_KEY = "population.phone_share"
SMARTPHONE_KEYS = tuple(f"population.smartphone_{g}" for g in INCOME_GROUPS)
DEVICE_KEYS = (PHONE_KEY, *SMARTPHONE_KEYS)
DATA_KEYS = tuple(f"population.data_{g}" for g in INCOME_GROUPS)
LITERACY_KEYS = tuple(f"population.literacy_{g}" for g in INCOME_GROUPS)
POPULATION_KEY = "municipality.population"
# values fixed for a run or a scenario, kept for the last one seen (memo.LastSeen)
_citizens_per_muni_of: LastSeen[np.ndarray] = LastSeen()  # by the citizens' municipality array
_mean_quality_of: LastSeen[np.ndarray] = LastSeen()  # by wards' base quality and citizens' wards
_ageing_of: LastSeen[np.ndarray] = LastSeen()  # a scenario's [population]: its weekly ageing chances
NEVER_PARTICIPATED = -10_000  # last_participation (last_online) of a citizen who has not taken part (been online)


def trends(c: Scenario, cit: Citizens, wards: Wards, munis: Municipalities, values: dict[str, float],
           rng: np.random.Generator) -> None:
    """Move the world to this week's scheduled values (``values``: parameter path -> value).

    In order: the population (residents per simulated citizen), the cohort
    turnover (only while a literacy path is scheduled), devices, data
    affordability.  Each acts only when one of its parameters is scheduled.
    """
    if POPULATION_KEY in values:  # (citizens per municipality are fixed for a run: counted once)
        counts = _citizens_per_muni_of(lambda muni, m: np.bincount(muni, minlength=m.n), cit.municipality, munis)
        munis.scale = mech.residents_per_citizen(values[POPULATION_KEY], counts)
    if any(k in values for k in LITERACY_KEYS):
        cohort_turnover(c, cit, wards, values, rng)
    if any(k in values for k in DEVICE_KEYS):
        devices(cit, values, rng)
    if any(k in values for k in DATA_KEYS):
        targets = np.array([values.get(k, np.nan) for k in DATA_KEYS])
        # mech.shifted_affordability in one pass (kernels.trust.shifted_affordability)
        shifted = np.empty(cit.n)
        kt.shifted_affordability(cit.data_affordability, cit.income, targets, shifted)
        cit.data_affordability = shifted


def device_shares(cit: Citizens) -> tuple[np.ndarray, np.ndarray]:
    """Per income group, the share with a smartphone and the share with any phone now."""
    # the counts per (group, device) in one pass: whole numbers, so the same shares as
    # bincount(income, weights=device == SMARTPHONE) / max(bincount(income), 1) and so on
    counts = np.empty((3, 3))
    kt.device_counts(cit.income, cit.device, counts)
    size = np.maximum(counts.sum(axis=1), 1.0)
    smart = counts[:, mech.SMARTPHONE] / size
    phone = (counts[:, mech.FEATURE] + counts[:, mech.SMARTPHONE]) / size
    return smart, phone


def devices(cit: Citizens, values: dict[str, float], rng: np.random.Generator) -> None:
    """Devices acquired or lost toward each income group's scheduled shares (mechanisms.trends.device_transition).

    An unscheduled share is held where it is.  One uniform from ``rng`` per
    citizen whose device may change this week, in citizen order.
    """
    # the counts per (group, device), each group's transition (mech.device_transition, an unscheduled
    # share held at the group's current one) and the citizens whose device may change,
    # flatnonzero(may_change[income, device]), in one pass (kernels.trust.device_week)
    smart = np.array([values.get(key, np.nan) for key in SMARTPHONE_KEYS])
    transition = np.empty((3, 3, 3))
    who = np.empty(cit.n, np.int64)
    k = kt.device_week(cit.income, cit.device, smart, float(values.get(PHONE_KEY, np.nan)), transition, who)
    if k == 0:
        return
    u = rng.random(k)
    # mech.next_device with each citizen's group's transition, in place (kernels.trust.next_devices)
    kt.next_devices(cit.device, cit.income, who[:k], u, transition)


def cohort_turnover(c: Scenario, cit: Citizens, wards: Wards, values: dict[str, float],
                    rng: np.random.Generator) -> None:
    """Ageing and cohort replacement: seniors leave, young newcomers take their place (same ward, ties, income group).

    Draws, in this order: one uniform per citizen (the move to the next age
    group, mechanisms.trends.ageing_chances), then for the k newcomers a 3 x k
    block of standard normals (literacy, trust, privacy concern) and a 2 x k
    block of uniforms (device, already using e-participation).  A newcomer
    is built as at build for a youth of the group (cosim.model.build):
    literacy from the group's scheduled cohort mean (mechanisms.trends.newcomer_literacy),
    a device from the group's current ownership, data affordability at the
    group's current mean, trust, privacy, awareness and adoption drawn as at
    build, personal efficacy, expectation and responsiveness at 0.5, no
    contributions or comments in the latest IDP window yet, no hotspot known
    or habit, the slot's hotspot data demand times the youth factor.  Kept
    from the slot: ward, position, municipality, network ties, income group, contribution propensity and reach (so the
    need rate, a run constant, and the 90-9-1 tail stay as built), the
    week-0 literacy tercile (the "for whom" groups stay fixed sets of
    slots), and requests still waiting (the household's needs).  A youth
    who becomes an adult loses the youth factor of their hotspot demand.
    """
    p = c.population  # (the scenario's: it changes only with a scheduled parameter)
    chance = _ageing_of(lambda pop: mech.ageing_chances(pop.cohort_turnover_annual, pop.share_youth, pop.share_senior),
                        p)
    # a move when u < chance[age]: a youth becomes an adult (who wants an adult's data on a hotspot:
    # build.hotspot_state's youth factor off), an adult a senior, a senior leaves (kernels.trust.ageing)
    u_age = rng.random(cit.n)
    age = np.empty_like(cit.age)
    leaving = np.empty(cit.n, np.int64)
    youth_bit = np.empty(cit.n, np.uint8)  # (age == 0) * 8 after the week, newcomers included
    k = kt.ageing(u_age, chance, cit.age, cit.hotspot_demand_mb, float(c.infrastructure.hotspot_youth_demand),
                  age, leaving, youth_bit)
    cit.age = age
    cit.youth_bit = youth_bit
    leaving = leaving[:k]
    if k:
        z = rng.standard_normal((3, k))
        u = rng.random((2, k))
        static = np.array([p.literacy_low, p.literacy_mid, p.literacy_high])
        cohort = np.array([values.get(key, static[g]) for g, key in enumerate(LITERACY_KEYS)])
        smart, phone = device_shares(cit)
        size = np.maximum(np.bincount(cit.income, minlength=3), 1)
        data_mean = np.bincount(cit.income, weights=cit.data_affordability, minlength=3) / size
        # perceived quality: the same fixed offset as at build (initial trust - the municipality's mean base
        # quality; base quality and wards are fixed for a run: computed once)
        mean_quality = _mean_quality_of(
            lambda base, ward: build.mean_base_quality(wards, ward, cit.municipality, len(cit.municipality_slices)),
            wards.base_quality, cit.ward)
        # each newcomer in a leaver's slot, in place (kernels.trust.newcomers: the mechanisms
        # newcomer_literacy and newcomer_device, build.initial_awareness, the clips of trust and
        # privacy as at build, and the fixed starting values this docstring lists)
        kt.newcomers(leaving, cit.income, cit.municipality, z, u, cohort,
                     float(p.age_literacy_effect * p.age_literacy_youth), float(p.literacy_sd), smart, phone,
                     data_mean, float(p.trust_mean), float(p.trust_sd), mean_quality, float(p.privacy_mean),
                     float(p.privacy_sd), float(p.awareness_initial), float(p.awareness_literacy_base),
                     float(p.adopted_initial), float(c.literacy.floor_share),
                     float(c.infrastructure.hotspot_youth_demand), NEVER_PARTICIPATED,
                     cit.age, cit.literacy, cit.literacy_floor, cit.device, cit.data_affordability, cit.trust,
                     cit.generalised, cit.disposition, cit.privacy_concern, cit.awareness, cit.adopted,
                     cit.efficacy, cit.expectation, cit.responsiveness, cit.contributions, cit.last_participation,
                     cit.last_online, cit.window_comments, cit.window_attended, cit.hotspot_known,
                     cit.hotspot_habit, cit.hotspot_ever, cit.hotspot_demand_mb)
