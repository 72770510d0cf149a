"""Stage 8 of the week (MODEL.md s3): officials in post, open data, co-production and service quality."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from cosim.model.kernels import services as ks
from cosim.model.memo import LastSeen
from cosim.model.state import (
    MEETING_CHANNEL,
    Citizens,
    Municipalities,
    Officials,
    RequestQueue,
    Staff,
    Wards,
)
from cosim.scenario.schema import Scenario


def staff(c: Scenario, off: Officials, munis: Municipalities) -> Staff:
    """The officials in post in each municipality this week (see :class:`~cosim.model.state.Staff`).

    Capacity x skill x ICT per week (mechanisms.effective_capacity) summed over
    those in post and converted to simulated requests, their number (at least
    1) and mean skills: one pass of kernels.services.staff_totals.
    """
    o = c.officials
    rows = ks.staff_totals(off.municipality, off.active, off.skill, off.ict_skill, float(o.capacity_per_week),
                           float(c.coproduction.ict_productivity), munis.scale)
    return Staff(rows[0], rows[1], rows[2], rows[3])  # capacity, in_post, skill, ict_skill



def open_data(c: Scenario, munis: Municipalities, od, links, ict: np.ndarray) -> None:
    """Value of the open data per municipality (mechanisms.open_data_value).

    Capability grows with officials' mean ICT skill ``ict``; a shared platform
    lets every member publish at the best member's level (assumption).
    """
    cp = c.coproduction
    reference = cp.open_data_reference_weeks
    freshness = reference / (reference + od.update_interval_weeks)
    # kernels.services.open_data_value: mechanisms.open_data_value with level x freshness as it multiplies first
    value = ks.open_data_value(ict, float(od.level * freshness), float(cp.open_data_capability_floor))
    if links.shared_data_platform and value.size > 1:
        value[:] = value.max()
    munis.open_data_value = value



def plans(c: Scenario, cit: Citizens, wards: Wards, window: bool, level_offered: int) -> None:
    """In the IDP window, each ward's input (comments and meeting attendance per resident) moves planned work toward it.

    The week's input is mechanisms.idp_input (written and oral comments plus
    ``idp.attendance_weight`` per meeting attended); mechanisms.plan_priorities
    with shift = idp_plan_weight x (level - 1) / 4: none at 'inform', most at
    'empower' (Grossman, Humphreys & Sacramone-Lutz 2014; Fox 2015).
    """
    if not window:
        return
    cp = c.coproduction
    # in place: wards.idp_input; kernels.services.plan_update fuses idp_input, the moving average and plan_priorities
    wards.priority = ks.plan_update(cit.ward, cit.comments, cit.attended, float(c.idp.attendance_weight),
                                    wards.size, wards.municipality, wards.expected_requests, wards.idp_input,
                                    float(cp.plan_rate), cp.idp_plan_weight * (level_offered - 1) / 4.0)



class _Constants(NamedTuple):
    """The scenario's numbers the co-production stage hands its kernels (once per scenario: :func:`_constants`)."""

    triage: tuple[float, ...]        # kernels.services.triage's last parameters, in order
    citizen_share: float             # exponents of mechanisms.coproduced_outcome
    official_share: float
    service_work: tuple[float, ...]  # kernels.services.service_work's last parameters, in order
    elasticity: float                # exponent of mechanisms.production_target
    sqrt_index: bool                 # it is 0.5: the power is a square root (kernels.services.quality_and_experiences)
    response: float                  # municipality.quality_response
    experiences: tuple[float, ...]   # kernels.services.quality_and_experiences's last parameters but the promise


#: The co-production constants of the scenario last seen.
_constants_of: LastSeen[_Constants] = LastSeen()


def _constants(c: Scenario) -> _Constants:
    """The co-production stage's numbers from scenario ``c`` (kept: ``c`` is frozen)."""
    return _constants_of(_compute_constants, c)


def _compute_constants(c: Scenario) -> _Constants:
    cp, pc = c.coproduction, c.participation
    return _Constants(
        triage=(1.0 - cp.planned_share, float(cp.max_resolution_rate), 1.0 / pc.max_wait_weeks,
                float(pc.max_wait_weeks), float(cp.report_floor), float(cp.open_data_boost), MEETING_CHANNEL),
        citizen_share=cp.citizen_share, official_share=1.0 - cp.citizen_share,
        service_work=(float(cp.report_leverage), float(cp.unreported_discount), float(cp.open_data_boost),
                      float(c.municipality.coverage_rate), float(cp.reference_work_per_need)),
        elasticity=cp.production_elasticity, sqrt_index=cp.production_elasticity == 0.5, response=float(c.municipality.quality_response),
        experiences=(float(pc.efficacy_learning), float(cp.feedback_floor), float(cp.promise_weight)))


#: Each municipality its own pool of officials (np.arange(M)), and all in one pool (zeros), by M; never written.
_OWN_POOLS: dict[int, np.ndarray] = {}
_ONE_POOL: dict[int, np.ndarray] = {}


def _pools(table: dict[int, np.ndarray], M: int, pooled: bool) -> np.ndarray:
    """The pool of each of ``M`` municipalities (shared: the kernels only read it)."""
    pools = table.get(M)
    if pools is None:
        pools = np.zeros(M, dtype=np.int64) if pooled else np.arange(M)
        table[M] = pools  # (writeable: Numba types a read-only array apart, and more slowly)
    return pools


def _filled(n: int, value: float) -> np.ndarray:
    """np.full(n, value) for a float ``value``, in half the time."""
    out = np.empty(n)
    out.fill(value)
    return out


#: 1 - exp(-1): production_target's normalisation
_ONE_MINUS_INV_E = 1.0 - math.exp(-1.0)


def coproduction(c: Scenario, cit: Citizens, wards: Wards, munis: Municipalities, queue: RequestQueue,
                 t: int, links, staff_: Staff, level_offered: int, week_stats: dict, totals: dict,
                 cum: dict, u_queue: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Officials triage the queue and do planned work; ward quality follows the work per need.

    Reactive capacity ((1 - planned share) of effective capacity) is shared
    over the requests waiting (mechanisms.resolution_chance); each request is
    resolved, closed unresolved or left waiting by its draw in ``u_queue``
    (mechanisms.queue_fate).  The rest of the capacity is planned work on
    unreported needs, spread over wards by their plan priority at an
    information discount.  Ward work per need = (report leverage x resolved
    outcomes + planned work) / needs; quality follows it with diminishing
    returns (mechanisms.production_target).  Returns who had an experience
    this week and its mean outcome: a resolved request (its co-produced,
    timeliness-discounted outcome), one closed unresolved (0) or an IDP
    comment (mechanisms.idp_feedback).
    """
    k = _constants(c)
    cap, cnt, skill, ict = staff_
    M = cap.size
    if links.shared_talent_pool and M > 1:  # one pool of officials for the region, skills averaged over it
        in_post = np.add.reduce(cnt)
        skill = _filled(M, np.add.reduce(skill * cnt) / in_post)  # np.average(skill, weights=cnt)
        ict = _filled(M, np.add.reduce(ict * cnt) / in_post)
        pool_of = _pools(_ONE_POOL, M, True)
        pool_cap = _filled(1, np.add.reduce(cap))
    else:
        pool_of = _pools(_OWN_POOLS, M, False)
        pool_cap = cap
    # triage (kernels.services.triage): resolution_chance, queue_fate, citizen_input, official_input,
    # counts (added to cum in place), median wait (group_medians) and the requests left waiting
    ints, reals, per_muni = ks.triage(
        queue.citizen, queue.week, queue.channel, cit.municipality, cit.literacy, u_queue, pool_of, pool_cap, t,
        skill, ict, munis.open_data_value, cum["resolved"], cum["dropped"], *k.triage)
    n_res = reals.shape[1]
    # the requests still waiting, moved up to the front of the queue's arrays by triage: all but the
    # resolved and the closed (ints holds two numbers per resolved request and one per closed)
    n_keep = queue.citizen.size - (ints.size - n_res)
    queue.citizen, queue.week, queue.channel = queue.citizen[:n_keep], queue.week[:n_keep], queue.channel[:n_keep]
    week_stats["resolved"], week_stats["dropped"] = per_muni[0], per_muni[1]
    munis.delivery, week_stats["median_wait"] = per_muni[2], per_muni[3]
    totals["resolved"] += n_res
    totals["dropped"] += ints.size - 2 * n_res
    # co-produced quality: citizen input (literacy, open data) x official input, discounted for the wait;
    # NumPy's powers and exp of mechanisms.coproduced_outcome and timely_outcome, multiplied in service_work
    # (none resolved: the empty row stands for all three)
    cit_pow = off_pow = timely = reals[3]
    if n_res:
        cit_pow = reals[0] ** k.citizen_share
        off_pow = reals[1] ** k.official_share
        timely = np.exp(reals[2])
    # service production: resolved reports point officials to faults (leverage), the rest of the
    # capacity is planned work on unreported needs (Parks et al. 1981; Boyne 2003):
    # kernels.services.service_work (outcomes, unreported_value, ward_work_update), then production_target
    # (its exp and power in NumPy) and ward_quality_update (kernels.services.quality_update)
    ward_rows = ks.service_work(cit_pow, off_pow, timely, ints, reals, per_muni, cit.ward, pool_of, pool_cap,
                                wards.municipality, wards.priority, wards.expected_requests, wards.work,
                                munis.open_data_value, *k.service_work)
    week_stats["outcome"] = per_muni[4]
    wards.work = ward_rows[0]
    work_exp = np.exp(ward_rows[1])
    # production_target's index ** elasticity: at elasticity 0.5 a square root, taken in the kernel
    index_power = work_exp if k.sqrt_index else ((1.0 - work_exp) / _ONE_MINUS_INV_E) ** k.elasticity
    # personal efficacy: a resolved request raises it, one closed unresolved lowers it (Sjoberg et al. 2017);
    # once a week for each kind of news, however many of a citizen's requests it concerns.
    # Per-citizen experiences: resolved outcomes, dropped requests (0), IDP feedback (idp_feedback);
    # a citizen's are added in that order (kernels.services.experiences, called with quality_update by
    # quality_and_experiences)
    # (ward quality updated in place)
    return ks.quality_and_experiences(
        wards.quality, wards.base_quality, work_exp, index_power, k.sqrt_index, _ONE_MINUS_INV_E, k.response,
        cit.efficacy, ints, reals, per_muni, cit.commenters, cit.municipality, (level_offered - 1) / 4.0,
        *k.experiences)



def group_medians(group: np.ndarray, value: np.ndarray, n_groups: int) -> np.ndarray:
    """Median of whole numbers ``value >= 0`` per group, as np.median gives; 0 for an empty group."""
    if value.size == 0:
        return np.zeros(n_groups)
    width = int(value.max()) + 1
    hist = np.bincount(group * width + value, minlength=n_groups * width).reshape(n_groups, width)
    n = np.add.reduce(hist, axis=1)
    cum = np.cumsum(hist, axis=1)
    # the value at 0-based rank r is the number of values whose cumulative count is <= r
    lower = np.add.reduce(cum <= ((n - 1) // 2)[:, None], axis=1)
    upper = np.add.reduce(cum <= (n // 2)[:, None], axis=1)
    return np.where(n > 0, (lower + upper) / 2.0, 0.0)
