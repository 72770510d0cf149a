"""The week's stages (MODEL.md s3, docs/ODD.md Process overview), one function each.

Each stage reads and updates the state containers of :mod:`cosim.model.state`
and takes the scenario's parameters; the rules themselves are the pure
functions of :mod:`cosim.model.mechanisms`.  :meth:`CoProductionModel.step`
calls them in this file's order.  The rows of the week's block of uniform
draws ``u`` are named in :mod:`cosim.model.draws`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from cosim.model import mechanisms as mech
from cosim.model.draws import ACT, CENTRE, DATA, HOTSPOT, IDP, NEED
from cosim.model.state import (
    MEETING_CHANNEL,
    Citizens,
    Municipalities,
    Nodes,
    Officials,
    RequestQueue,
    Staff,
    Wards,
    WeekPolicy,
)
from cosim.scenario.budget import WEEKS_PER_YEAR
from cosim.scenario.schema import Scenario


def by_citizen(per_muni: np.ndarray, municipality: np.ndarray) -> Any:
    """A municipality-level value for each citizen (one number when all municipalities agree)."""
    if (per_muni == per_muni[0]).all():
        return per_muni[0]
    return per_muni[municipality]


def in_idp_window(c: Scenario, t: int) -> bool:
    """Is week ``t`` inside the annual IDP consultation window?"""
    mc = c.municipality
    return (t % WEEKS_PER_YEAR - mc.idp_window_start) % WEEKS_PER_YEAR < mc.idp_window_weeks


# --------------------------------------------------------------------------- 1. policy schedule


def node_capacity(c: Scenario, nodes: Nodes, munis: Municipalities, wifi) -> np.ndarray:
    """Weekly users per node, in simulated citizens."""
    cap = np.empty(nodes.n)
    scale = munis.scale[nodes.municipality]
    cap[: nodes.n_centres] = c.infrastructure.access_centre_capacity
    cap[nodes.n_centres:] = wifi.capacity_per_week
    return cap / scale


def week_policy(c: Scenario, levers: dict[str, Any], spend: float, t: int, nodes: Nodes,
                munis: Municipalities) -> WeekPolicy:
    """What the levers and events in force in week ``t`` fix for the week (hotspots already placed)."""
    inf = c.infrastructure
    events = [e for e in c.events if e.step <= t < e.step + e.duration]
    outage = np.zeros(munis.n)
    for e in events:
        if e.kind == "outage":
            _apply(outage, e.municipality, lambda v, s=e.severity: np.maximum(v, s))
    data_factor = 1.0 - inf.outage_data_loss * outage
    ch = levers["channels"]
    level_offered = mech.IAP2_LEVELS.index(ch.iap2_level) + 1
    return WeekPolicy(
        levers=levers,
        spend=spend,
        events=events,
        p_down=np.clip(inf.outage_hazard + outage[nodes.municipality], 0.0, 1.0),
        data_factor=None if np.all(data_factor == 1.0) else data_factor,
        node_capacity=node_capacity(c, nodes, munis, levers["wifi"]),
        cap_factor=min(1.0, levers["wifi"].daily_cap_mb / inf.data_need_mb),
        level_offered=level_offered,
        level_of_channel=np.minimum(level_offered, mech.CHANNEL_MAX_LEVEL).astype(np.int8),
    )


def update_posture(c: Scenario, munis: Municipalities, sec) -> None:
    """Security posture from this week's security investment (mechanisms.security_posture)."""
    ic = c.infosec
    munis.posture = np.full(munis.n, mech.security_posture(ic.base_posture, sec.investment_rand,
                                                           ic.investment_scale))


def spend(munis: Municipalities, week_stats: dict, policy: WeekPolicy) -> None:
    """Book the week's spend."""
    week_stats["spend"] = np.full(munis.n, policy.spend)
    munis.spend_total += policy.spend


# --------------------------------------------------------------------------- 2. infrastructure


def infrastructure(nodes: Nodes, policy: WeekPolicy, rng_nodes: np.random.Generator) -> None:
    """Each node is up or down this week (outage hazard; load-shedding spells)."""
    nodes.up = rng_nodes.random(nodes.n) >= policy.p_down


# --------------------------------------------------------------------------- 3. access


def access(cit: Citizens, nodes: Nodes, policy: WeekPolicy, u: np.ndarray) -> None:
    """Who is online: own data, else a free hotspot in reach, else an access centre (``cit.online``).

    Each node's capacity is shared among those who ask for it
    (mechanisms.capacity_share); only citizens in reach of a node are looked
    at for that node.  The rule is mechanisms.online_access.
    """
    n_nodes = nodes.n
    smartphone = cit.device == 2
    afford = cit.data_affordability
    if policy.data_factor is not None:
        afford = afford * policy.data_factor[cit.municipality]
    has_data = u[DATA] < afford
    # those who ask for a hotspot: a smartphone, no data of their own, the hotspot up
    # (a hotspot user has a smartphone, so smartphone & hotspot_ok = hotspot_ok)
    hs, hs_node = cit.hotspot_users, cit.hotspot_user_node
    ask = np.flatnonzero(smartphone[hs] & ~has_data[hs] & nodes.up[hs_node])
    asker, asker_node = hs.take(ask), hs_node.take(ask)
    served = mech.capacity_share(np.bincount(asker_node, minlength=n_nodes).astype(float),
                                 policy.node_capacity) * policy.cap_factor
    hotspot_ok = np.zeros(cit.n, dtype=bool)
    hotspot_ok[asker[u[HOTSPOT, asker] < served[asker_node]]] = True
    on_phone = smartphone & has_data
    on_phone |= hotspot_ok
    # those still offline ask their access centre, if it is up
    cc, cc_node = cit.centre_users, cit.centre_user_node
    ask = np.flatnonzero(~on_phone[cc] & nodes.up[cc_node])
    asker, asker_node = cc.take(ask), cc_node.take(ask)
    served = mech.capacity_share(np.bincount(asker_node, minlength=n_nodes).astype(float), policy.node_capacity)
    centre_ok = np.zeros(cit.n, dtype=bool)
    centre_ok[asker[u[CENTRE, asker] < served[asker_node]]] = True
    cit.online = mech.online_access(smartphone, has_data, hotspot_ok, centre_ok)


def portal_available(c_channels, munis: Municipalities, t: int) -> np.ndarray:
    """Per municipality: is the portal open this week (a breach takes e-services down for a while)?"""
    return c_channels.portal & (munis.portal_down_until <= t)


def facilitating_conditions(c: Scenario, cit: Citizens, ch, portal_av: np.ndarray) -> np.ndarray:
    """UTAUT facilitating conditions for each citizen (mechanisms.facilitating_conditions)."""
    e_online = portal_av | ch.social  # per municipality: an e-channel for the online
    return mech.facilitating_conditions(cit.online, e_online, cit.municipality, ch.ussd,
                                        c.adoption.ussd_access, cit.device >= 1)


# --------------------------------------------------------------------------- 4. literacy


def training(c: Scenario, cit: Citizens, munis: Municipalities, tr, key_draw: np.ndarray,
             rng: np.random.Generator, week_stats: dict) -> np.ndarray:
    """Who takes a digital-literacy seat this week (at access or service centres).

    Seats per municipality are rounded stochastically; the eligible citizens
    (near a venue, literacy below 0.999) first in line take them.
    """
    n = cit.n
    trained = np.zeros(n, dtype=bool)
    seats = tr.seats_per_week / munis.scale
    frac_draw = rng.random(munis.n)  # stochastic rounding of fractional seats
    k = np.floor(seats + frac_draw).astype(np.int64) if tr.seats_per_week > 0 else np.zeros(munis.n, int)
    week_stats["trained"] = k.astype(float)
    if not k.any():
        return trained
    for m, part in enumerate(cit.municipality_slices):  # citizens of municipality m
        if k[m] == 0:
            continue
        eligible = cit.near_training[part] & (cit.literacy[part] < 0.999)
        n_eligible = np.count_nonzero(eligible)
        if n_eligible == 0:
            continue
        if k[m] >= n_eligible:
            trained[part][eligible] = True
            continue
        # the k[m] eligible citizens first in line (lowest key) take the seats;
        # the others are put at the back of the line
        if tr.targeting == "random":
            key = key_draw[part].copy()
        elif tr.targeting == "low_literacy":
            key = cit.literacy[part] + 1e-3 * key_draw[part]
        else:
            key = cit.income[part] + 0.5 * key_draw[part]
        key[~eligible] = np.inf
        if k[m] <= 4:  # a few seats (the usual case): take them one by one, faster than a partition
            for _ in range(k[m]):
                first = key.argmin()
                trained[part.start + first] = True
                key[first] = np.inf
        else:
            trained[part.start + np.argpartition(key, k[m] - 1)[: k[m]]] = True
    return trained


def literacy(c: Scenario, cit: Citizens, trained: np.ndarray) -> None:
    """Training, learning by doing, decay (mechanisms.literacy_update)."""
    lit = c.literacy
    cit.literacy = mech.literacy_update(cit.literacy, cit.online & cit.adopted, trained,
                                        lit.training_gain, lit.learning_by_doing, lit.decay)


# --------------------------------------------------------------------------- 5. awareness


def awareness(c: Scenario, cit: Citizens, campaign, nbr_awareness: np.ndarray, window: bool) -> None:
    """Campaigns, word of mouth, the IDP window (mechanisms.awareness_update)."""
    aw = c.awareness
    cit.awareness = mech.awareness_update(cit.awareness, campaign.reach_per_week, aw.word_of_mouth, nbr_awareness,
                                          aw.idp_boost, window, aw.decay)


# --------------------------------------------------------------------------- 6. adoption


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
        ict=np.bincount(muni, weights=off.ict_skill * act, minlength=M) / cnt,
    )


def open_data(c: Scenario, munis: Municipalities, od, links, ict: np.ndarray) -> None:
    """Effective openness per municipality (mechanisms.open_data_value).

    Capability grows with officials' mean ICT skill ``ict``; a shared platform
    lets every member publish at the best member's level (assumption).
    """
    value = mech.open_data_value(od.level, od.update_interval_weeks, ict, 13.0, 0.5, 0.75)
    if links.shared_data_platform and munis.n > 1:
        value[:] = value.max()
    munis.open_data_value = np.clip(value, 0.0, 1.0)


def adoption(c: Scenario, cit: Citizens, munis: Municipalities, nbr_adopted: np.ndarray,
             fc: np.ndarray, u_adopt: np.ndarray) -> None:
    """Bass hazard x UTAUT intention x facilitating conditions; adopters may lapse."""
    ad = c.adoption
    risk = mech.privacy_risk(cit.privacy_concern, by_citizen(munis.posture, cit.municipality))
    performance = mech.performance_expectancy(cit.responsiveness,
                                              by_citizen(munis.open_data_value, cit.municipality), 0.5)
    intent = mech.intention(performance, cit.literacy, cit.trust, risk, ad.beta_performance,
                            ad.beta_effort, ad.beta_trust, ad.beta_privacy)
    hazard = mech.adoption_hazard(ad.p, ad.q, nbr_adopted, intent, cit.awareness, fc)
    lapse = mech.lapse_hazard(ad.lapse_rate, intent)
    # adopters stay unless they lapse; others adopt with the hazard
    # (np.where(adopted, u >= lapse, u < hazard) in boolean arithmetic, which is faster)
    adopted = cit.adopted
    cit.adopted = (adopted & (u_adopt >= lapse)) | (~adopted & (u_adopt < hazard))


# --------------------------------------------------------------------------- 7. participation


def participation(c: Scenario, cit: Citizens, queue: RequestQueue, t: int, u: np.ndarray,
                  portal_av: np.ndarray, window: bool, policy: WeekPolicy, e_best: np.ndarray,
                  e_cost: np.ndarray, week_stats: dict, totals: dict) -> None:
    """Needs and IDP consultations, acted on through each citizen's cheapest open channel.

    ``e_best``, ``e_cost``: mechanisms.cheapest_e_channel's table.  New
    requests join ``queue``; this week's channel, level and comments are set
    on ``cit``.
    """
    pc = c.participation
    ch = policy.levers["channels"]
    n = cit.n
    online = cit.online
    # Who may act this week: citizens with a need and, in the IDP window, everyone
    # (a comment needs no need).  Outside the window that is a few per cent of the
    # citizens, so the channel and the chance to act are worked out for them only;
    # ``sel`` picks them (a slice of all citizens in the window: views, no copies).
    need = u[NEED] < cit.need_chance
    sel: Any = slice(None) if window else np.flatnonzero(need)
    adopted = cit.adopted[sel]
    on = online[sel]
    # The cheapest channel open to each, ties going to the first in CHANNELS
    # order (as np.argmin over the four costs would).  E-channels need
    # adoption, the portal and social media being online, USSD a phone; which
    # e-channels are open is one of 8 patterns, so the best one is looked up.
    adopted_online = adopted & on
    if portal_av.all():
        pattern = adopted_online.astype(np.uint8)
    elif portal_av.any():
        pattern = (adopted_online & portal_av[cit.municipality[sel]]).astype(np.uint8)
    else:
        pattern = np.zeros(adopted.size, dtype=np.uint8)
    if ch.ussd:
        pattern += (adopted & (cit.device >= 1)[sel]) * np.uint8(2)
    if ch.social:
        pattern += adopted_online * np.uint8(4)
    pattern += cit.youth_bit[sel]  # youth find social media cheaper
    best_cost = e_cost.take(pattern)  # inf when no e-channel is open (take: faster than [])
    if ch.ward_meetings:  # open to everyone, at a cost rising with distance
        best_cost = np.minimum(best_cost, cit.meeting_cost[sel])
    level_offered = policy.level_offered
    efficacy = mech.efficacy(cit.trust[sel], pc.efficacy_weight, pc.iap2_efficacy, level_offered)
    act_p = mech.act_probability(cit.propensity[sel], efficacy, best_cost)
    if window:
        act = need & (u[ACT] < act_p)
        comment = u[IDP] < pc.idp_rate * act_p
        took = np.flatnonzero(act | comment)  # positions in sel = citizens
        acting, commenters, who = np.flatnonzero(act), np.flatnonzero(comment), took
    else:
        took = np.flatnonzero(u[ACT, sel] < act_p)  # positions in sel
        acting = who = sel[took]
        commenters = np.zeros(0, dtype=np.int64)
    # the channel of those who took part: the cheapest e-channel, or the meeting when cheaper
    p = pattern[took]
    best = e_best.take(p)
    if ch.ward_meetings:
        best[cit.meeting_cost[who] < e_cost.take(p)] = MEETING_CHANNEL - 1
    channel = np.zeros(n, dtype=np.int8)  # 0 = none, else 1 + index in CHANNELS
    channel[who] = best + 1
    cit.channel = channel
    level = np.zeros(n, dtype=np.int8)
    level[who] = policy.level_of_channel.take(best + 1)
    cit.level = level
    cit.contributions[acting] += 1
    cit.contributions[commenters] += 1
    cit.last_participation[who] = t
    cit.commented = np.zeros(n, dtype=bool)
    cit.commented[commenters] = True
    cit.commenters = commenters
    queue.citizen = np.concatenate([queue.citizen, acting])
    queue.week = np.concatenate([queue.week, np.full(acting.size, t, dtype=np.int64)])
    queue.channel = np.concatenate([queue.channel, channel[acting]])
    n_muni = len(cit.municipality_slices)
    week_stats["requests"] = np.bincount(cit.municipality[acting], minlength=n_muni).astype(float)
    totals["submitted"] += acting.size


# --------------------------------------------------------------------------- 8. co-production


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
    wards.coverage = mech.ward_coverage_update(wards.coverage, res_w, wards.expected_requests, 0.1)
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


# --------------------------------------------------------------------------- 9. trust


def trust(c: Scenario, cit: Citizens, wards: Wards, munis: Municipalities, who: np.ndarray,
          outcome: np.ndarray, nbr_trust: np.ndarray) -> None:
    """Trust after the week; ``who`` had an experience this week, of mean ``outcome``.

    Everyone moves with their ward's service quality; participants by
    expectancy-disconfirmation instead, asymmetrically; then transparency
    and Friedkin-Johnsen social influence.
    """
    tc = c.trust
    old = cit.trust
    # (np.repeat over the ward-sorted citizens is ward quality[ward], faster)
    quality = np.repeat(wards.quality, wards.size)
    new = mech.quality_trust_update(old, quality, tc.quality_weight)
    if who.size:
        # participants: expectancy-disconfirmation, asymmetric (Slovic 1993)
        expectation = cit.expectation[who]
        new[who] = mech.asymmetric_trust_update(old[who], outcome, expectation, tc.alpha_plus, tc.alpha_minus)
        cit.expectation[who] = mech.adaptive_expectation(expectation, outcome, tc.expectation_rate)
        cit.responsiveness[who] = mech.adaptive_expectation(cit.responsiveness[who], outcome, 0.2)
    # transparency: a small direct effect of openness (Grimmelikhuijsen et al. 2013)
    new = mech.transparency_update(new, tc.transparency_weight, by_citizen(munis.open_data_value, cit.municipality))
    new = mech.social_trust_update(new, nbr_trust, cit.trust_prior, tc.peer_weight, tc.anchor_weight)
    cit.trust = np.clip(new, 0.0, 1.0)


def shocks(c: Scenario, cit: Citizens, munis: Municipalities, t: int, events, sec,
           rng: np.random.Generator, week_stats: dict) -> None:
    """Breaches (hazard falls with security), scandals; a legal framework damps both."""
    ic = c.infosec
    draw = rng.random(munis.n)
    hazard = mech.breach_hazard(ic.breach_hazard, munis.posture, ic.base_posture)
    severity = np.where(draw < hazard, 1.0, 0.0)
    scandal = np.zeros(munis.n)
    for e in events:
        if e.step != t:
            continue
        if e.kind == "breach":
            _apply(severity, e.municipality, lambda v, s=e.severity: np.maximum(v, s))
        elif e.kind == "scandal":
            _apply(scandal, e.municipality, lambda v, s=e.severity: np.maximum(v, s))
    week_stats["breaches"] = (severity > 0).astype(float)
    damp = mech.legal_damping(ic.legal_damping, sec.legal_strength)
    if severity.any():
        s = severity[cit.municipality] * damp
        cit.trust = mech.breach_trust(cit.trust, ic.breach_trust_drop, s)
        cit.privacy_concern = mech.breach_privacy(cit.privacy_concern, ic.breach_privacy_rise, s)
        hit = severity > 0
        munis.portal_down_until[hit] = t + 1 + ic.breach_downtime_weeks
    if scandal.any():
        cit.trust = mech.breach_trust(cit.trust, c.trust.scandal_drop, scandal[cit.municipality])


# --------------------------------------------------------------------------- 10. talent


def talent(c: Scenario, off: Officials, munis: Municipalities, t: int, tal, rng_staff: np.random.Generator) -> None:
    """Attrition (lowered by a premium), hiring (skill raised by it), ICT training."""
    o = c.officials
    k = off.n
    leave_p = mech.attrition_probability(o.attrition_annual, 52.0, tal.retention_elasticity, tal.salary_premium)
    leave = off.active & (rng_staff.random(k) < leave_p)
    off.active[leave] = False
    off.vacant_until[leave] = t + o.vacancy_weeks
    munis.attrition_count += np.bincount(off.municipality[leave], minlength=munis.n)
    hire = ~off.active & (off.vacant_until <= t)
    nh = int(hire.sum())
    if nh:
        wf = np.sqrt(munis.wealth[off.municipality[hire]])
        mean = mech.hiring_skill_mean(o.market_skill_mean, wf, tal.hiring_skill_gain, tal.salary_premium)
        off.skill[hire] = np.clip(mean + 0.12 * rng_staff.standard_normal(nh), 0.05, 1.0)
        off.ict_skill[hire] = np.clip(o.ict_skill_mean * wf + 0.12 * rng_staff.standard_normal(nh), 0.0, 1.0)
        off.active[hire] = True
        off.tenure[hire] = 0
    off.tenure += off.active
    if tal.training_rand > 0:
        # a week's training closes at most the whole gap (ICT skill stays <= 1)
        rate = mech.ict_training_rate(tal.training_rand, o.n_officials, tal.training_per_million, 52.0)
        off.ict_skill += off.active * rate * (1.0 - off.ict_skill)


# --------------------------------------------------------------------------- helpers


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


def _apply(arr: np.ndarray, muni: int | None, fn) -> None:
    if muni is None:
        arr[:] = fn(arr)
    else:
        arr[muni] = fn(arr[muni])
