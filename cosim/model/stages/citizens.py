"""Stages 3-7 of the week (MODEL.md s3): access, literacy, awareness, adoption, participation."""

from __future__ import annotations

from typing import Any

import numpy as np

from cosim.model import mechanisms as mech
from cosim.model.draws import ACT, CENTRE, DATA, HOTSPOT, IDP, IDP_COUNT, MEET, NEED, USE
from cosim.model.kernels import access as kern
from cosim.model.stages.schedule import in_idp_window
from cosim.model.state import (
    MEETING_CHANNEL,
    Citizens,
    Municipalities,
    Nodes,
    RequestQueue,
    WeekPolicy,
)
from cosim.scenario.schema import Scenario


def by_citizen(per_muni: np.ndarray, municipality: np.ndarray) -> Any:
    """A municipality-level value for each citizen (one number when all municipalities agree)."""
    if (per_muni == per_muni[0]).all():
        return per_muni[0]
    return per_muni[municipality]



def access(c: Scenario, cit: Citizens, nodes: Nodes, policy: WeekPolicy, u: np.ndarray,
           campaign_reach: float = 0.0) -> None:
    """Who is online: own data, else a free hotspot in reach, else an access centre, and literate enough to use it.

    Each node's capacity is shared among those who ask for it
    (mechanisms.capacity_share); only citizens in reach of a node are looked
    at for that node.  The rule is mechanisms.online_access; given access, a
    citizen goes online with mechanisms.use_chance of their literacy (the
    second-level divide), so ``cit.online`` is access and use.  Hotspots
    (:func:`hotspots`) are asked for only by those who know them, and used
    with a chance that habit, youth and the daily cap set.
    """
    hs = cit.hotspot_users
    inf = c.infrastructure
    if hs.size:  # the power of mechanisms.hotspot_use_chance, a NumPy call between kernels
        base, expo = np.empty(hs.size), np.empty(hs.size)
        kern.hotspot_use_base(cit.hotspot_habit, cit.age, hs, float(inf.hotspot_use_base),
                              float(inf.hotspot_youth_use), base, expo)
        hs_power = np.power(base, expo, out=base)
    else:
        hs_power = _EMPTY_F
    n = cit.n
    smartphone, has_data = np.empty(n, dtype=bool), np.empty(n, dtype=bool)
    hotspot_ok, centre_ok = np.empty(n, dtype=bool), np.empty(n, dtype=bool)
    kern.access_week(cit.device, cit.data_affordability,
                     _EMPTY_F if policy.data_factor is None else policy.data_factor, cit.municipality,
                     u, DATA, HOTSPOT, CENTRE, hs, cit.hotspot_user_node, cit.hotspot_known, cit.nbr_hotspot,
                     cit.hotspot_demand_mb, hs_power, float(inf.hotspot_signage), float(inf.hotspot_word_of_mouth),
                     float(campaign_reach), float(policy.levers["wifi"].daily_cap_mb), nodes.up,
                     policy.node_capacity, cit.centre_users, cit.centre_user_node,
                     smartphone, has_data, hotspot_ok, centre_ok)
    online = mech.online_access(smartphone, has_data, hotspot_ok, centre_ok)
    online &= u[USE] < mech.use_chance(cit.literacy, c.literacy.use_floor)
    cit.online = online
    record_hotspot_use(c, cit, hotspot_ok, policy.levers["wifi"].daily_cap_mb)


_EMPTY_F = np.zeros(0)
_bounds_of: list = [None, None]  # the latest citizens' municipality_slices and their bounds


def municipality_bounds(cit: Citizens) -> np.ndarray:
    """Municipality m's citizens are ``bounds[m]:bounds[m + 1]`` (cit.municipality_slices as an array, kept)."""
    slices = cit.municipality_slices
    if _bounds_of[0] is not slices:
        _bounds_of[:] = [slices, np.array([s.start for s in slices] + [slices[-1].stop], dtype=np.int64)]
    return _bounds_of[1]


def hotspots(c: Scenario, cit: Citizens, nodes: Nodes, policy: WeekPolicy, u: np.ndarray,
             smartphone: np.ndarray, has_data: np.ndarray, campaign_reach: float) -> np.ndarray:
    """Who gets on a free hotspot this week (MODEL.md s3 step 3: discovery, habit, the cap).

    Smartphone owners in reach who do not know their hotspot may discover it
    (mechanisms.hotspot_discovery; they use it from next week on); those who
    know it, have no data of their own and find it up ask for it, and each is
    served with the node's capacity share (mechanisms.capacity_share) times
    their own use chance (mechanisms.hotspot_use_chance of their habit and age)
    times the share of their daily demand the cap lets through
    (mechanisms.cap_share).  Each reads row HOTSPOT of the week's draws once:
    for discovery if they do not know the hotspot, for use if they do.

    The step runs this rule fused in kernels.access.access_week (:func:`access`);
    this NumPy version is its readable definition.
    """
    hotspot_ok = np.zeros(cit.n, dtype=bool)
    hs, hs_node = cit.hotspot_users, cit.hotspot_user_node
    if hs.size == 0:
        return hotspot_ok
    inf = c.infrastructure
    known = cit.hotspot_known[hs]  # a copy: what they knew at the start of the week
    sp = smartphone[hs]
    new = hs[sp & ~known]
    discover = mech.hotspot_discovery(inf.hotspot_signage, inf.hotspot_word_of_mouth, cit.nbr_hotspot[new],
                                      campaign_reach)
    cit.hotspot_known[new[u[HOTSPOT, new] < discover]] = True
    # those who ask: they know the hotspot, have a smartphone and no data of their own, and it is up
    ask = np.flatnonzero(known & sp & ~has_data[hs] & nodes.up[hs_node])
    asker, asker_node = hs.take(ask), hs_node.take(ask)
    served = mech.capacity_share(np.bincount(asker_node, minlength=nodes.n).astype(float), policy.node_capacity)
    chance = (served[asker_node]
              * mech.hotspot_use_chance(cit.hotspot_habit[asker], cit.age[asker] == 0, inf.hotspot_use_base,
                                        inf.hotspot_youth_use)
              * mech.cap_share(cit.hotspot_demand_mb[asker], policy.levers["wifi"].daily_cap_mb))
    hotspot_ok[asker[u[HOTSPOT, asker] < chance]] = True
    return hotspot_ok


def record_hotspot_use(c: Scenario, cit: Citizens, hotspot_ok: np.ndarray, cap_mb: float) -> None:
    """This week's hotspot users (on a hotspot and online), their days of use, who hits the cap, their habits.

    Days of use follow the habit before this week's update
    (mechanisms.days_of_use); a user hits the daily cap ``cap_mb`` when their
    demand exceeds it; habits of those in reach grow with use and decay
    without (mechanisms.habit_update).
    """
    hs = cit.hotspot_users
    if hs.size == 0 and not cit.hotspot_used.any():
        return
    inf = c.infrastructure
    n = cit.n
    used, days, capped = np.empty(n, dtype=bool), np.empty(n), np.empty(n, dtype=bool)
    kern.record_hotspot_week(hotspot_ok, cit.online, hs, cit.hotspot_habit, cit.hotspot_demand_mb,
                             float(inf.hotspot_max_days), float(cap_mb), float(inf.hotspot_habit_gain),
                             float(inf.hotspot_habit_decay),
                             used, cit.hotspot_ever, days, capped)
    cit.hotspot_used, cit.hotspot_days, cit.hotspot_capped = used, days, capped


def portal_available(c_channels, munis: Municipalities, t: int) -> np.ndarray:
    """Per municipality: is the portal open this week (a breach takes e-services down for a while)?"""
    if c_channels.portal:  # = portal & (portal_down_until <= t), without a ufunc on a Python bool
        return munis.portal_down_until <= t
    return np.zeros(munis.n, dtype=bool)



def facilitating_conditions(c: Scenario, cit: Citizens, ch, portal_av: np.ndarray) -> np.ndarray:
    """UTAUT facilitating conditions for each citizen (mechanisms.facilitating_conditions)."""
    e_online = portal_av | ch.social  # per municipality: an e-channel for the online
    if ch.ussd:
        fc = np.empty(cit.n)
        kern.facilitating_week(cit.online, e_online, municipality_bounds(cit), cit.device,
                               float(c.adoption.ussd_access), fc)
    else:
        fc = np.empty(cit.n, dtype=bool)
        kern.facilitating_week_bool(cit.online, e_online, municipality_bounds(cit), fc)
    return fc



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
    """Training, learning by doing, decay toward a floor (mechanisms.literacy_update).

    A training seat also makes the trainee aware of e-services and signs up
    those with a phone (assisted sign-up; assumption, see LiteracyConfig).
    """
    lit = c.literacy
    out = np.empty(cit.n)
    kern.literacy_week(cit.literacy, cit.online, cit.adopted, trained, float(lit.training_gain),
                       float(lit.learning_by_doing), float(lit.decay), cit.literacy_floor, cit.awareness,
                       float(lit.training_awareness), cit.device, out)
    cit.literacy = out



def awareness(c: Scenario, cit: Citizens, campaign, nbr_awareness: np.ndarray, window: bool) -> None:
    """Campaigns, word of mouth, the IDP window (mechanisms.awareness_update)."""
    aw = c.awareness
    out = np.empty(cit.n)
    # a contiguous copy of a column of the neighbour means: the kernel's loop then vectorises (faster in all)
    kern.awareness_week(cit.awareness, float(campaign.reach_per_week), float(aw.word_of_mouth),
                        np.ascontiguousarray(nbr_awareness),
                        float(aw.idp_boost), bool(window), float(aw.decay), out)
    cit.awareness = out



def adoption(c: Scenario, cit: Citizens, munis: Municipalities, nbr_adopted: np.ndarray,
             fc: np.ndarray, u_adopt: np.ndarray) -> None:
    """Bass hazard x UTAUT intention x facilitating conditions; adopters may lapse."""
    ad = c.adoption
    minus_u = np.empty(cit.n)
    kern.intention_exponent(cit.privacy_concern, munis.posture, cit.awareness, cit.online, cit.literacy,
                            cit.responsiveness, munis.open_data_value, cit.trust, municipality_bounds(cit),
                            float(ad.open_data_weight), float(ad.beta_performance), float(ad.beta_effort),
                            float(ad.beta_trust), float(ad.beta_privacy), minus_u)
    exp_minus_u = np.exp(minus_u)  # mechanisms.intention's exponential, a NumPy call (rules: cosim.jit)
    adopted = np.empty(cit.n, dtype=bool)
    kern.adoption_week(exp_minus_u, float(ad.p), float(ad.q), np.ascontiguousarray(nbr_adopted), cit.awareness,
                       fc if fc.dtype == np.float64 else fc.astype(np.float64), float(ad.lapse_rate), u_adopt,
                       cit.adopted, adopted)
    cit.adopted = adopted



def participation(c: Scenario, cit: Citizens, queue: RequestQueue, t: int, u: np.ndarray,
                  portal_av: np.ndarray, window: bool, policy: WeekPolicy, e_best: np.ndarray,
                  e_cost: np.ndarray, week_stats: dict, totals: dict, munis: Municipalities | None = None) -> None:
    """Needs acted on through each citizen's cheapest open channel; in the IDP window, the consultation.

    ``e_best``, ``e_cost``: mechanisms.cheapest_e_channel's table.  New
    requests join ``queue``; IDP comments and meeting attendance
    (:func:`consultation`) do not.  This week's channel, level, comments
    and attendance are set on ``cit``; ``munis`` (when given) keeps the
    latest window's tallies (:func:`consultation_tally`).
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
    efficacy = efficacy * mech.personal_efficacy(cit.efficacy[sel], pc.personal_efficacy_weight)
    act_p = mech.act_probability(cit.propensity[sel], efficacy, best_cost)
    if window:
        act = need & (u[ACT] < act_p)
        acting = np.flatnonzero(act)
        commenters, comments, attending, via = consultation(c, cit, u, pattern, e_best, e_cost, efficacy,
                                                            bool(ch.ward_meetings))
        took = np.flatnonzero(act | (comments > 0) | cit.attended)  # positions in sel = citizens
        who = took
    else:
        took = np.flatnonzero(u[ACT, sel] < act_p)  # positions in sel
        acting = who = sel[took]
        commenters = attending = np.zeros(0, dtype=np.int64)
        comments = via = np.zeros(0, dtype=np.int64)  # no consultation outside the window
        if cit.attended.any():  # last week's consultation is over
            cit.attended = np.zeros(n, dtype=bool)
    # the channel of those who took part: the cheapest e-channel, or the meeting when cheaper
    p = pattern[took]
    best = e_best.take(p)
    if ch.ward_meetings:
        best[cit.meeting_cost[who] < e_cost.take(p)] = MEETING_CHANNEL - 1
    channel = np.zeros(n, dtype=np.int8)  # 0 = none, else 1 + index in CHANNELS
    channel[who] = best + 1
    if window:
        # who took part in the consultation only: the way they handed in their comments
        # (paper counts as in person, with the meeting), or the meeting they attended
        consult_only = np.zeros(n, dtype=bool)
        consult_only[commenters] = True
        consult_only[attending] = True
        consult_only[acting] = False
        only = np.flatnonzero(consult_only)
        way = via[only]
        by_e = (way >= 0) & (way <= 1)  # online or USSD: the e-channel they used (-1: attended only)
        channel[only] = np.where(by_e, e_best.take(pattern[only]) + 1, MEETING_CHANNEL)
    cit.channel = channel
    level = np.zeros(n, dtype=np.int8)
    level[who] = policy.level_of_channel.take(channel[who])
    cit.level = level
    cit.contributions[acting] += 1
    if window:
        # each comment counts, and so does each meeting attended (Nielsen 2006: contributions)
        cit.contributions[commenters] += comments[commenters]
        cit.contributions[attending] += 1
        cit.comments = comments
    elif cit.commenters.size:
        cit.comments = np.zeros(n, dtype=np.int64)
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
    if munis is not None:
        consultation_tally(c, cit, munis, t, window, bool(ch.ward_meetings), via if window else None)



def consultation(c: Scenario, cit: Citizens, u: np.ndarray, pattern: np.ndarray, e_best: np.ndarray,
                 e_cost: np.ndarray, efficacy: np.ndarray,
                 meetings_open: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A week of the IDP window: ward meetings, then written comments (MODEL.md s3 step 7).

    Not requests: nothing here joins the queue.  A resident attends their
    ward's meeting with mechanisms.attend_chance (the meetings of the week,
    the distance cost of the venue); then writes comments with
    mechanisms.comment_chance through the cheapest way open to them (an
    e-channel or paper at an office); an attender speaks at the meeting with
    chance ``idp.speak_share`` instead.  A commenter hands in as many comments
    as mechanisms.comment_count draws (heavy-tailed, raised by the activist's
    reach).  Sets ``cit.attended``; returns the
    commenters, everyone's comment count, the attenders and each citizen's way
    of handing in (index in COMMENT_CHANNELS, -1 none).
    """
    idp, pc = c.idp, c.participation
    n = cit.n
    weeks = max(c.municipality.idp_window_weeks, 1)
    if meetings_open and idp.meetings_per_window > 0:
        attend_p = mech.attend_chance(idp.attend_rate, idp.meetings_per_window / weeks, cit.propensity, efficacy,
                                      cit.meeting_cost)
        cit.attended = u[MEET] < attend_p
    else:
        cit.attended = np.zeros(n, dtype=bool)
    attending = np.flatnonzero(cit.attended)
    e_cost_now = e_cost.take(pattern)  # inf when no e-channel is open
    # paper (at a municipal office) is cheaper than any open e-channel (ties: the e-channel); it is the
    # municipality's in-person channel, counted with the ward meetings and open only with them
    on_paper = (e_cost_now > idp.paper_cost) if meetings_open else np.zeros(n, dtype=bool)
    cost = np.where(on_paper, idp.paper_cost, e_cost_now)
    p_comment = mech.comment_chance(idp.comment_rate, cit.propensity, efficacy, cit.awareness, cost)
    p_comment[attending] = idp.speak_share  # at the meeting: an oral (or written) comment from the floor
    commenters = np.flatnonzero(u[IDP] < p_comment)
    scale = np.minimum(cit.reach[commenters], pc.activist_reach_max) ** idp.reach_exponent
    comments = np.zeros(n, dtype=np.int64)
    comments[commenters] = mech.comment_count(u[IDP_COUNT, commenters], scale, idp.count_exponent,
                                              idp.max_comments)
    # how each hands in: at the meeting, on paper, by USSD (e-channel 1) or online (portal, social media)
    via = np.full(n, -1, dtype=np.int64)
    e_way = np.where(e_best.take(pattern) == 1, 1, 0)
    via[commenters] = np.where(on_paper[commenters], 2, e_way[commenters])
    via[np.flatnonzero(cit.attended & (comments > 0))] = 3
    return commenters, comments, attending, via


def consultation_tally(c: Scenario, cit: Citizens, munis: Municipalities, t: int, window: bool,
                       meetings_open: bool, via: np.ndarray | None = None) -> None:
    """Keep the latest IDP window's tallies: per citizen comments and meetings, per municipality meetings held.

    A new window (its first week) starts them from zero; they are kept after
    the window closes until the next one opens, so the metrics read the latest
    window (docs/ODD.md, Outputs).
    """
    if not window:
        return
    if not in_idp_window(c, t - 1):  # the window's first week
        cit.window_comments = np.zeros(cit.n, dtype=np.int64)
        cit.window_attended = np.zeros(cit.n, dtype=np.int64)
        munis.window_meetings = np.zeros(munis.n)
        munis.window_comments = np.zeros((munis.n, 4))
    cit.window_comments += cit.comments
    cit.window_attended += cit.attended
    if meetings_open:
        munis.window_meetings = munis.window_meetings + munis.n_wards * (
            c.idp.meetings_per_window / max(c.municipality.idp_window_weeks, 1))
    if via is not None and cit.commenters.size:
        who = cit.commenters
        key = cit.municipality[who] * 4 + via[who]
        munis.window_comments = munis.window_comments + np.bincount(
            key, weights=cit.comments[who], minlength=munis.n * 4).reshape(munis.n, 4)
