"""Stage 8 of the week (MODEL.md s3): officials in post, open data, co-production and service quality."""

from __future__ import annotations

import math

import numpy as np

from cosim.model import mechanisms as mech
from cosim.model.kernels import services as ks
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
    return Staff(capacity=rows[0], in_post=rows[1], skill=rows[2], ict_skill=rows[3])



def open_data(c: Scenario, munis: Municipalities, od, links, ict: np.ndarray) -> None:
    """Value of the open data per municipality (mechanisms.open_data_value).

    Capability grows with officials' mean ICT skill ``ict``; a shared platform
    lets every member publish at the best member's level (assumption).
    """
    cp = c.coproduction
    value = mech.open_data_value(od.level, od.update_interval_weeks, ict, cp.open_data_reference_weeks,
                                 cp.open_data_capability_floor)
    if links.shared_data_platform and munis.n > 1:
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
    M = munis.n
    cap, cnt, skill, ict = staff_
    cp, pc = c.coproduction, c.participation
    pooled = links.shared_talent_pool and M > 1
    if pooled:  # one pool of officials for the region, skills averaged over it
        skill = np.full(M, np.add.reduce(skill * cnt) / np.add.reduce(cnt))  # np.average(skill, weights=cnt)
        ict = np.full(M, np.add.reduce(ict * cnt) / np.add.reduce(cnt))
        pool_of = np.zeros(M, dtype=np.int64)
        pool_cap = np.array([np.add.reduce(cap)])
    else:
        pool_of = np.arange(M)
        pool_cap = cap
    # triage (kernels.services.triage): resolution_chance, queue_fate, citizen_input, official_input,
    # counts, median wait (group_medians) and the requests left waiting
    resolved_int, resolved_input, d_cits, queue.citizen, queue.week, queue.channel, per_muni = ks.triage(
        queue.citizen, queue.week, queue.channel, cit.municipality, cit.literacy, u_queue, pool_of, pool_cap, t,
        1.0 - cp.planned_share, float(cp.max_resolution_rate), 1.0 / pc.max_wait_weeks, float(pc.max_wait_weeks),
        skill, ict, munis.open_data_value, float(cp.report_floor), float(cp.open_data_boost), MEETING_CHANNEL)
    cits, m_res = resolved_int[0], resolved_int[2]
    resolved, dropped = per_muni[0], per_muni[1]
    munis.delivery, week_stats["median_wait"] = per_muni[2], per_muni[3]
    # co-produced quality: citizen input (literacy, open data) x official input, discounted for the wait;
    # NumPy's powers and exp of mechanisms.coproduced_outcome and timely_outcome, multiplied in service_work
    cit_pow = resolved_input[0] ** cp.citizen_share
    off_pow = resolved_input[1] ** (1.0 - cp.citizen_share)
    timely = np.exp(resolved_input[2])
    week_stats["resolved"] = resolved
    week_stats["dropped"] = dropped
    cum["resolved"] += resolved
    cum["dropped"] += dropped
    totals["resolved"] += cits.size
    totals["dropped"] += d_cits.size
    # service production: resolved reports point officials to faults (leverage), the rest of the
    # capacity is planned work on unreported needs (Parks et al. 1981; Boyne 2003):
    # kernels.services.service_work (outcomes, unreported_value, ward_work_update), then production_target
    # (its exp and power in NumPy) and ward_quality_update (kernels.services.quality_update)
    outcome, week_stats["outcome"], ward_rows = ks.service_work(
        cit_pow, off_pow, timely, m_res, cits, cit.ward, resolved, pool_of, pool_cap, wards.municipality,
        wards.priority, wards.expected_requests, wards.work, munis.open_data_value, float(cp.report_leverage),
        float(cp.unreported_discount), float(cp.open_data_boost), float(c.municipality.coverage_rate),
        float(cp.reference_work_per_need))
    wards.work = ward_rows[0]
    index = (1.0 - np.exp(ward_rows[1])) / (1.0 - math.exp(-1.0))
    wards.quality = ks.quality_update(wards.quality, wards.base_quality, index ** cp.production_elasticity,
                                      float(c.municipality.quality_response))
    # personal efficacy: a resolved request raises it, one closed unresolved lowers it (Sjoberg et al. 2017);
    # once a week for each kind of news, however many of a citizen's requests it concerns.
    # Per-citizen experiences: resolved outcomes, dropped requests (0), IDP feedback (idp_feedback);
    # a citizen's are added in that order (kernels.services.experiences)
    return ks.experiences(cit.efficacy, cits, d_cits, cit.commenters, outcome, cit.municipality, munis.delivery,
                          float(pc.efficacy_learning), float(cp.feedback_floor), (level_offered - 1) / 4.0,
                          float(cp.promise_weight))



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
