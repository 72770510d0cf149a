"""Stage 8 of the week (MODEL.md s3): officials in post, open data, co-production and service quality."""

from __future__ import annotations

import math
from typing import Any

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
    return Staff(
        # capacity x skill per week, converted to simulated requests
        capacity=np.bincount(muni, weights=o.capacity_per_week * off.skill * act, minlength=M) / munis.scale,
        in_post=cnt,
        skill=np.bincount(muni, weights=off.skill * act, minlength=M) / cnt,
        ict_skill=np.bincount(muni, weights=off.ict_skill * act, minlength=M) / cnt,
    )



def open_data(c: Scenario, munis: Municipalities, od, links, ict: np.ndarray) -> None:
    """Effective openness per municipality (mechanisms.open_data_value).

    Capability grows with officials' mean ICT skill ``ict``; a shared platform
    lets every member publish at the best member's level (assumption).
    """
    cp = c.coproduction
    value = mech.open_data_value(od.level, od.update_interval_weeks, ict, cp.open_data_reference_weeks,
                                 cp.open_data_reference_ict, cp.open_data_capability_floor)
    if links.shared_data_platform and munis.n > 1:
        value[:] = value.max()
    munis.open_data_value = np.clip(value, 0.0, 1.0)



def coproduction(c: Scenario, cit: Citizens, wards: Wards, munis: Municipalities, queue: RequestQueue,
                 t: int, links, staff_: Staff, level_offered: int, week_stats: dict, totals: dict,
                 cum: dict) -> tuple[np.ndarray, np.ndarray]:
    """Resolve requests first in first out; return who had an experience this week and its mean outcome.

    An experience is a resolved request (its co-produced outcome), a dropped
    one (outcome 0) or an IDP comment (feedback by the IAP2 level offered).
    Ward service quality follows the resolved co-produced work.
    """
    M = munis.n
    cap, cnt, skill, ict = staff_
    pooled = links.shared_talent_pool and M > 1
    pend_cit, pend_week = queue.citizen, queue.week
    req_muni = cit.municipality[pend_cit]
    res: Any  # the requests resolved: positions in the queue
    if pooled or M == 1:  # one queue: the first k requests are resolved (what resolve_fifo gives)
        if pooled:  # for the region, officials' skills averaged over it
            skill = np.full(M, np.add.reduce(skill * cnt) / np.add.reduce(cnt))  # np.average(skill, weights=cnt)
            ict = np.full(M, np.add.reduce(ict * cnt) / np.add.reduce(cnt))
            munis.capacity_carry[1:] = 0.0
        avail = float(munis.capacity_carry[0] + np.add.reduce(cap))
        k = math.floor(avail)
        res = slice(0, min(k, pend_cit.size))
        # unused capacity is lost; only the fractional part carries to next week
        munis.capacity_carry[0] = 0.0 if pend_cit.size < k else avail - k
    else:
        avail = munis.capacity_carry + cap
        whole = np.floor(avail).astype(np.int64)
        res = mech.resolve_fifo(req_muni, whole)
        used = np.bincount(req_muni[res], minlength=M)
        munis.capacity_carry = np.where(used < whole, 0.0, avail - whole)
    cits = pend_cit[res]
    waits = t - pend_week[res]
    chan = queue.channel[res]
    m_res = req_muni[res]
    # co-produced quality: citizen input (literacy, open data) x official input
    cp = c.coproduction
    cit_in = mech.citizen_input(cit.literacy[cits], munis.open_data_value[m_res], cp.report_floor,
                                cp.open_data_boost)
    off_in = mech.official_input(skill[m_res], ict[m_res], chan != MEETING_CHANNEL)
    outcome = mech.coproduced_outcome(cit_in, off_in, cp.citizen_share)
    outcome = mech.timely_outcome(outcome, waits, c.participation.max_wait_weeks)
    keep = np.ones(pend_cit.size, dtype=bool)
    keep[res] = False
    dropped = keep & (t - pend_week >= c.participation.max_wait_weeks)
    d_cits = pend_cit[dropped]
    keep &= ~dropped
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
    # ward service quality follows resolved co-produced work (moving average of coverage)
    res_w = np.bincount(cit.ward[cits], weights=outcome, minlength=wards.n)
    wards.coverage = mech.ward_coverage_update(wards.coverage, res_w, wards.expected_requests,
                                               c.municipality.coverage_rate)
    wards.quality = mech.ward_quality_update(wards.quality, wards.base_quality, wards.coverage, cp.quality_gain,
                                             c.municipality.quality_response)
    # per-citizen experiences: resolved outcomes, dropped requests (0), IDP feedback;
    # a citizen's are added in that order (a bincount over the few citizens concerned)
    commenters = cit.commenters
    feedback = mech.idp_feedback(cp.feedback_floor, level_offered)
    who, slot = np.unique(np.concatenate([cits, d_cits, commenters]), return_inverse=True)
    values = np.concatenate([outcome, np.zeros(d_cits.size), np.full(commenters.size, feedback)])
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
