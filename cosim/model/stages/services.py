"""Stage 8 of the week (MODEL.md s3): officials in post, open data, co-production and service quality."""

from __future__ import annotations

import numpy as np

from cosim.model import mechanisms as mech
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
    """The officials in post in each municipality this week (see :class:`~cosim.model.state.Staff`)."""
    o = c.officials
    M, act, muni = munis.n, off.active, off.municipality
    cnt = np.maximum(np.bincount(muni, weights=act, minlength=M), 1)
    per_official = mech.effective_capacity(o.capacity_per_week, off.skill, off.ict_skill,
                                           c.coproduction.ict_productivity)
    return Staff(
        # capacity x skill x ICT per week, converted to simulated requests
        capacity=np.bincount(muni, weights=per_official * act, minlength=M) / munis.scale,
        in_post=cnt,
        skill=np.bincount(muni, weights=off.skill * act, minlength=M) / cnt,
        ict_skill=np.bincount(muni, weights=off.ict_skill * act, minlength=M) / cnt,
    )



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
    comments = np.bincount(cit.ward, weights=mech.idp_input(cit.comments, cit.attended, c.idp.attendance_weight),
                           minlength=wards.n)
    wards.idp_input += cp.plan_rate * (comments / np.maximum(wards.size, 1) - wards.idp_input)
    needs = wards.expected_requests
    M = int(wards.municipality.max()) + 1
    mean_input = (np.bincount(wards.municipality, weights=needs * wards.idp_input, minlength=M)
                  / np.bincount(wards.municipality, weights=needs, minlength=M))
    wards.priority = mech.plan_priorities(needs, wards.idp_input, mean_input[wards.municipality],
                                          cp.idp_plan_weight * (level_offered - 1) / 4.0)



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
    pend_cit, pend_week = queue.citizen, queue.week
    req_muni = cit.municipality[pend_cit]
    if pooled:  # one pool of officials for the region, skills averaged over it
        skill = np.full(M, np.add.reduce(skill * cnt) / np.add.reduce(cnt))  # np.average(skill, weights=cnt)
        ict = np.full(M, np.add.reduce(ict * cnt) / np.add.reduce(cnt))
        pool_of = np.zeros(M, dtype=np.int64)
        pool_cap = np.array([np.add.reduce(cap)])
    else:
        pool_of = np.arange(M)
        pool_cap = cap
    req_pool = pool_of[req_muni]
    waiting = np.bincount(req_pool, minlength=pool_cap.size)
    chance = mech.resolution_chance((1.0 - cp.planned_share) * pool_cap, waiting, cp.max_resolution_rate)
    munis.delivery = chance[pool_of] / cp.max_resolution_rate
    is_resolved, is_closed = mech.queue_fate(u_queue, chance[req_pool], 1.0 / pc.max_wait_weeks)
    res = np.flatnonzero(is_resolved)
    cits = pend_cit[res]
    waits = t - pend_week[res]
    chan = queue.channel[res]
    m_res = req_muni[res]
    # co-produced quality: citizen input (literacy, open data) x official input
    cit_in = mech.citizen_input(cit.literacy[cits], munis.open_data_value[m_res], cp.report_floor,
                                cp.open_data_boost)
    off_in = mech.official_input(skill[m_res], ict[m_res], chan != MEETING_CHANNEL)
    outcome = mech.coproduced_outcome(cit_in, off_in, cp.citizen_share)
    outcome = mech.timely_outcome(outcome, waits, pc.max_wait_weeks)
    dropped = is_closed & ~is_resolved
    d_cits = pend_cit[dropped]
    keep = ~(is_resolved | dropped)
    # median wait of the resolved requests, or where none was resolved of those still waiting
    resolved = np.bincount(m_res, minlength=M)
    if resolved.all():
        week_stats["median_wait"] = group_medians(m_res, waits, M)
    else:
        left = keep & (resolved[req_muni] == 0)
        week_stats["median_wait"] = group_medians(
            np.concatenate([m_res, req_muni[left]]), np.concatenate([waits, t - pend_week[left]]), M)
    week_stats["resolved"] = resolved.astype(float)
    week_stats["dropped"] = np.bincount(cit.municipality[d_cits], minlength=M).astype(float)
    osum = np.bincount(m_res, weights=outcome, minlength=M)
    week_stats["outcome"] = np.divide(osum, np.maximum(week_stats["resolved"], 1))
    cum["resolved"] += week_stats["resolved"]
    cum["dropped"] += week_stats["dropped"]
    totals["resolved"] += cits.size
    totals["dropped"] += d_cits.size
    queue.citizen, queue.week, queue.channel = pend_cit[keep], pend_week[keep], queue.channel[keep]
    # service production: resolved reports point officials to faults (leverage), the
    # rest of the capacity is planned work on unreported needs (Parks et al. 1981; Boyne 2003)
    planned = np.maximum(pool_cap - np.bincount(req_pool[res], minlength=pool_cap.size), 0.0)
    ward_pool = pool_of[wards.municipality]
    weight = wards.priority / np.bincount(ward_pool, weights=wards.priority, minlength=pool_cap.size)[ward_pool]
    value = mech.unreported_value(cp.unreported_discount, cp.open_data_boost, munis.open_data_value)
    work = (cp.report_leverage * np.bincount(cit.ward[cits], weights=outcome, minlength=wards.n)
            + planned[ward_pool] * weight * value[wards.municipality])
    wards.work = mech.ward_work_update(wards.work, work / wards.expected_requests, c.municipality.coverage_rate)
    target = mech.production_target(wards.base_quality, wards.work, cp.reference_work_per_need,
                                    cp.production_elasticity)
    wards.quality = mech.ward_quality_update(wards.quality, target, c.municipality.quality_response)
    # personal efficacy: a resolved request raises it, one closed unresolved lowers it (Sjoberg et al. 2017);
    # once a week for each kind of news, however many of a citizen's requests it concerns
    cit.efficacy[cits] = mech.efficacy_update(cit.efficacy[cits], True, pc.efficacy_learning)
    cit.efficacy[d_cits] = mech.efficacy_update(cit.efficacy[d_cits], False, pc.efficacy_learning)
    # per-citizen experiences: resolved outcomes, dropped requests (0), IDP feedback;
    # a citizen's are added in that order (a bincount over the few citizens concerned)
    commenters = cit.commenters
    feedback = mech.idp_feedback(cp.feedback_floor, level_offered, munis.delivery[cit.municipality[commenters]],
                                 cp.promise_weight)
    who, slot = np.unique(np.concatenate([cits, d_cits, commenters]), return_inverse=True)
    values = np.concatenate([outcome, np.zeros(d_cits.size), feedback])
    total = np.bincount(slot, weights=values, minlength=who.size)
    count = np.bincount(slot, minlength=who.size)
    return who, total / np.maximum(count, 1.0)



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
