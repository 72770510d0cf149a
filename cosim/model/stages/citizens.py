"""Stages 3-7 of the week (MODEL.md s3): access, literacy, awareness, adoption, participation."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from cosim.model import mechanisms as mech
from cosim.model.draws import ACT, CENTRE, DATA, HOTSPOT, IDP, IDP_COUNT, MEET, NEED, USE
from cosim.model.kernels import access as kern
from cosim.model.kernels import participation as kp
from cosim.model.memo import LastSeen
from cosim.model.stages.schedule import in_idp_window
from cosim.model.state import (
    Citizens,
    Municipalities,
    Nodes,
    RequestQueue,
    WeekPolicy,
)
from cosim.scenario.schema import Scenario

#: what the participation kernels read of each citizen's ways to take part: adopted, online, portal open,
#: municipality, device, youth, USSD line, social media, ward meetings, cost of getting to a meeting
Channels = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool, bool, bool, np.ndarray]


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
    k = constants(c)
    hs = cit.hotspot_users
    if hs.size:  # the power of mechanisms.hotspot_use_chance, a NumPy call between kernels
        base, expo = _scratch("hotspot_power", 2, hs.size, np.float64)
        kern.hotspot_use_base(cit.hotspot_habit, cit.age, hs, k.hotspot_use_base, k.hotspot_youth_use, base, expo)
        hs_power = np.power(base, expo, out=base)
    else:
        hs_power = _EMPTY_F
    data_factor = policy.data_factor
    cap_mb = float(policy.levers["wifi"].daily_cap_mb)
    # this week's arguments of mechanisms.online_access, working arrays that only this function reads
    smartphone, has_data, hotspot_ok, centre_ok = _scratch("access", 4, cit.n, np.bool_)
    kern.access_week(cit.device, cit.data_affordability, _EMPTY_F if data_factor is None else data_factor,
                     cit.municipality, u, DATA, HOTSPOT, CENTRE, hs, cit.hotspot_user_node, cit.hotspot_known,
                     cit.nbr_hotspot, cit.hotspot_demand_mb, hs_power, k.hotspot_signage, k.hotspot_word_of_mouth,
                     float(campaign_reach), cap_mb, nodes.up, policy.node_capacity, cit.centre_users,
                     cit.centre_user_node, smartphone, has_data, hotspot_ok, centre_ok)
    online = mech.online_access(smartphone, has_data, hotspot_ok, centre_ok)
    chance = mech.use_chance(cit.literacy, c.literacy.use_floor)
    cit.online = online
    if hs.size == 0 and not cit.hotspot_used.any():  # no hotspot to record: the use gate alone
        online &= u[USE] < chance
        return
    # the use gate (online &= u[USE] < chance) and this week's hotspot use, in one kernel
    n = cit.n
    used, days, capped = np.empty(n, dtype=bool), np.empty(n), np.empty(n, dtype=bool)
    kern.use_gate_hotspot_week(online, u, USE, chance, hotspot_ok, hs, cit.hotspot_habit, cit.hotspot_demand_mb,
                               k.hotspot_max_days, cap_mb, k.hotspot_habit_gain, k.hotspot_habit_decay,
                               used, cit.hotspot_ever, days, capped)
    cit.hotspot_used, cit.hotspot_days, cit.hotspot_capped = used, days, capped


class StageConstants:
    """A scenario's parameters that stages 3-7 read every week, as Python floats (worked out once per scenario).

    The model swaps ``model.config`` for a new scenario object when a
    scheduled parameter changes (scenarios are frozen), so one per scenario
    object is current (:func:`constants`).
    """

    def __init__(self, c: Scenario) -> None:
        inf, lit, aw, ad, pc = c.infrastructure, c.literacy, c.awareness, c.adoption, c.participation
        self.hotspot_use_base, self.hotspot_youth_use = float(inf.hotspot_use_base), float(inf.hotspot_youth_use)
        self.hotspot_signage, self.hotspot_word_of_mouth = float(inf.hotspot_signage), float(inf.hotspot_word_of_mouth)
        self.hotspot_max_days = float(inf.hotspot_max_days)
        self.hotspot_habit_gain, self.hotspot_habit_decay = float(inf.hotspot_habit_gain), float(inf.hotspot_habit_decay)
        self.ussd_access = float(ad.ussd_access)
        self.training_gain, self.learning_by_doing = float(lit.training_gain), float(lit.learning_by_doing)
        self.literacy_decay, self.training_awareness = float(lit.decay), float(lit.training_awareness)
        self.word_of_mouth, self.idp_boost, self.awareness_decay = (float(aw.word_of_mouth), float(aw.idp_boost),
                                                                     float(aw.decay))
        self.open_data_weight, self.beta_performance = float(ad.open_data_weight), float(ad.beta_performance)
        self.beta_effort, self.beta_trust, self.beta_privacy = (float(ad.beta_effort), float(ad.beta_trust),
                                                                float(ad.beta_privacy))
        self.p, self.q, self.lapse_rate = float(ad.p), float(ad.q), float(ad.lapse_rate)
        self._participation = pc
        self._efficacy: dict[int, np.ndarray] = {}

    def efficacy(self, level_offered: int) -> np.ndarray:
        """kernels.participation.efficacy_factors at the IAP2 level offered, as an array (kept)."""
        eff = self._efficacy.get(level_offered)
        if eff is None:
            pc = self._participation
            eff = self._efficacy[level_offered] = np.array(kp.efficacy_factors(
                pc.efficacy_weight, pc.iap2_efficacy, level_offered, pc.personal_efficacy_weight))
        return eff


_constants_of: LastSeen[StageConstants] = LastSeen()


def constants(c: Scenario) -> StageConstants:
    """The StageConstants of scenario ``c`` (the latest one's are kept: a run reads the same scenario every week)."""
    return _constants_of(StageConstants, c)


# name -> working arrays, reused while their size stays; one set per thread, since the kernels release
# the GIL and models stepped in two threads must not write into the same arrays
_scratch_of = threading.local()


def _scratch(name: str, count: int, size: int, dtype: type) -> tuple[np.ndarray, ...]:
    """``count`` working arrays of ``size`` for ``name`` (their contents are garbage; only the function named uses
    them, and none outlives the call).  A tuple of separate arrays: unpacking one is free, unlike the rows of a
    2-d array."""
    store = getattr(_scratch_of, "arrays", None)
    if store is None:
        store = _scratch_of.arrays = {}
    arrays = store.get(name)
    if arrays is None or arrays[0].size != size or arrays[0].dtype != dtype:
        arrays = store[name] = tuple(np.empty(size, dtype=dtype) for _ in range(count))
    return arrays


_EMPTY_F = np.zeros(0)
_bounds_of: LastSeen[np.ndarray] = LastSeen()


def _bounds(slices: list[slice]) -> np.ndarray:
    return np.array([s.start for s in slices] + [slices[-1].stop], dtype=np.int64)


def municipality_bounds(cit: Citizens) -> np.ndarray:
    """Municipality m's citizens are ``bounds[m]:bounds[m + 1]`` (cit.municipality_slices as an array, kept)."""
    return _bounds_of(_bounds, cit.municipality_slices)


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


def portal_available(c_channels, munis: Municipalities, t: int) -> np.ndarray:
    """Per municipality: is the portal open this week (a breach takes e-services down for a while)?"""
    if c_channels.portal:  # = portal & (portal_down_until <= t), without a ufunc on a Python bool
        return munis.portal_down_until <= t
    return np.zeros(munis.n, dtype=bool)



def facilitating_conditions(c: Scenario, cit: Citizens, ch, portal_av: np.ndarray) -> np.ndarray:
    """UTAUT facilitating conditions for each citizen (mechanisms.facilitating_conditions)."""
    # an e-channel for the online in municipality m: portal_av[m] or social media
    if ch.ussd:
        fc = np.empty(cit.n)
        kern.facilitating_week(cit.online, portal_av, bool(ch.social), municipality_bounds(cit), cit.device,
                               constants(c).ussd_access, fc)
    else:
        fc = np.empty(cit.n, dtype=bool)
        kern.facilitating_week_bool(cit.online, portal_av, bool(ch.social), municipality_bounds(cit), fc)
    return fc



def training(c: Scenario, cit: Citizens, munis: Municipalities, tr, key_draw: np.ndarray,
             rng: np.random.Generator, week_stats: dict) -> np.ndarray:
    """Who takes a digital-literacy seat this week (at access or service centres).

    Seats per municipality are rounded stochastically; the eligible citizens
    (near a venue, literacy below 0.999) first in line take them.
    """
    n = cit.n
    trained = np.zeros(n, dtype=bool)
    frac_draw = rng.random(munis.n)  # stochastic rounding of fractional seats
    seats = np.empty(munis.n)  # floor(seats_per_week / scale + frac_draw) per municipality, 0 without seats
    if kern.training_seats(float(tr.seats_per_week), munis.scale, frac_draw, seats) == 0:
        week_stats["trained"] = seats
        return trained
    week_stats["trained"] = seats
    k = seats.astype(np.int64)
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
    k = constants(c)
    out = np.empty(cit.n)
    kern.literacy_week(cit.literacy, cit.online, cit.adopted, trained, k.training_gain, k.learning_by_doing,
                       k.literacy_decay, cit.literacy_floor, cit.awareness, k.training_awareness, cit.device, out)
    cit.literacy = out



def awareness(c: Scenario, cit: Citizens, campaign, nbr_awareness: np.ndarray, window: bool) -> None:
    """Campaigns, word of mouth, the IDP window (mechanisms.awareness_update)."""
    k = constants(c)
    out = np.empty(cit.n)
    # a contiguous copy of a column of the neighbour means: the kernel's loop then vectorises (faster in all)
    kern.awareness_week(cit.awareness, float(campaign.reach_per_week), k.word_of_mouth,
                        np.ascontiguousarray(nbr_awareness), k.idp_boost, bool(window), k.awareness_decay, out)
    cit.awareness = out



def adoption(c: Scenario, cit: Citizens, munis: Municipalities, nbr_adopted: np.ndarray,
             fc: np.ndarray, u_adopt: np.ndarray) -> None:
    """Bass hazard x UTAUT intention x facilitating conditions; adopters may lapse."""
    k = constants(c)
    minus_u, exp_minus_u = _scratch("intention", 2, cit.n, np.float64)  # working arrays of this function
    kern.intention_exponent(cit.privacy_concern, munis.posture, cit.awareness, cit.online, cit.literacy,
                            cit.responsiveness, munis.open_data_value, cit.trust, municipality_bounds(cit),
                            k.open_data_weight, k.beta_performance, k.beta_effort, k.beta_trust, k.beta_privacy,
                            minus_u)
    np.exp(minus_u, out=exp_minus_u)  # mechanisms.intention's exponential, a NumPy call (rules: cosim.jit)
    adopted = np.empty(cit.n, dtype=bool)
    kern.adoption_week(exp_minus_u, k.p, k.q, np.ascontiguousarray(nbr_adopted), cit.awareness,
                       fc if fc.dtype == np.float64 else fc.astype(np.float64), k.lapse_rate, u_adopt,
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

    A citizen has a need with chance ``need_chance``.  The cheapest channel
    open to them, ties going to the first in CHANNELS order: e-channels need
    adoption, the portal and social media being online, USSD a phone (one of
    8 patterns, mechanisms.cheapest_e_channel's table), and the ward meeting
    is open to everyone at a cost rising with distance.  They act on the need
    with mechanisms.act_probability of their efficacy (mechanisms.efficacy x
    mechanisms.personal_efficacy) and that cost, and make a request through
    that channel.  Outside the window that is one compiled pass
    (kernels.participation.act_on_needs); in it, :func:`consultation` adds
    the comments and meetings.
    """
    ch = policy.levers["channels"]
    n = cit.n
    eff = constants(c).efficacy(policy.level_offered)  # kp.efficacy_factors, kept per scenario and level
    channels: Channels = (cit.adopted, cit.online, np.asarray(portal_av, dtype=bool), cit.municipality, cit.device,
                cit.youth_bit, bool(ch.ussd), bool(ch.social), bool(ch.ward_meetings), cit.meeting_cost)
    n_muni = len(cit.municipality_slices)
    if window:
        via = consultation(c, cit, u, channels, eff, e_best, e_cost, policy.level_of_channel, t, n_muni, queue,
                           week_stats, totals)
    else:
        channel, level, queue.citizen, queue.week, queue.channel, k, requests = kp.act_on_needs(
            u[NEED], cit.need_chance, u[ACT], *channels, cit.trust, cit.efficacy, cit.propensity, eff, e_best,
            e_cost, policy.level_of_channel, t, n_muni, cit.contributions, cit.last_participation,
            queue.citizen, queue.week, queue.channel)
        cit.channel = channel
        cit.level = level
        week_stats["requests"] = requests
        totals["submitted"] += k
        if cit.attended.any():  # last week's consultation is over
            cit.attended = np.zeros(n, dtype=bool)
        if cit.commenters.size:  # last week's comments are over
            cit.comments = np.zeros(n, dtype=np.int64)
        if cit.commenters.size or cit.commented.size != n:
            cit.commented = np.zeros(n, dtype=bool)
            cit.commenters = np.zeros(0, dtype=np.int64)
    if munis is not None:
        consultation_tally(c, cit, munis, t, window, bool(ch.ward_meetings), via if window else None)



def consultation(c: Scenario, cit: Citizens, u: np.ndarray, channels: Channels, eff: np.ndarray, e_best: np.ndarray,
                 e_cost: np.ndarray, level_of_channel: np.ndarray, t: int, n_muni: int, queue: RequestQueue,
                 week_stats: dict, totals: dict) -> np.ndarray:
    """A week of the IDP window: needs acted on, ward meetings, then written comments (MODEL.md s3 step 7).

    Needs are acted on as outside the window (:func:`participation`).
    Comments and meetings are not requests: nothing of them joins the queue.
    A resident attends their ward's meeting with mechanisms.attend_chance
    (the meetings of the week, the distance cost of the venue); then writes
    comments with mechanisms.comment_chance through the cheapest way open to
    them (an e-channel or paper at an office; paper is the municipality's
    in-person channel, counted with the ward meetings and open only with
    them); an attender speaks at the meeting with chance ``idp.speak_share``
    instead.  A commenter hands in as many comments as
    mechanisms.comment_count draws (heavy-tailed, raised by the activist's
    reach).  The way each hands in (index in COMMENT_CHANNELS, -1 none): at
    the meeting, on paper, by USSD (e-channel 1) or online (portal, social
    media).  Who took part in the consultation only gets that e-channel as
    their channel, or the meeting.  Each comment counts as a contribution,
    and so does each meeting attended (Nielsen 2006).  Sets this week's
    choices on ``cit``; returns each citizen's way of handing in.
    """
    idp, pc = c.idp, c.participation
    meetings_open = channels[8]
    weeks = max(c.municipality.idp_window_weeks, 1)
    attend = bool(meetings_open and idp.meetings_per_window > 0)
    attend_factor = float(idp.attend_rate * (idp.meetings_per_window / weeks)) if attend else 0.0
    pattern, act, attended, on_paper, commenters = kp.consultation_choices(
        u[NEED], cit.need_chance, u[ACT], u[MEET], u[IDP], *channels, cit.trust, cit.efficacy, cit.propensity,
        cit.awareness, eff, e_cost, attend, attend_factor, float(idp.comment_rate), float(idp.paper_cost),
        float(idp.speak_share))
    # the comment counts (non-integer powers: NumPy, mechanisms.comment_count)
    scale = np.minimum(cit.reach[commenters], pc.activist_reach_max) ** idp.reach_exponent
    counts = mech.comment_count(u[IDP_COUNT, commenters], scale, idp.count_exponent, idp.max_comments)
    (cit.channel, cit.level, comments, cit.commented, via, queue.citizen, queue.week, queue.channel, k,
     requests) = kp.consultation_outcome(pattern, act, attended, on_paper, commenters, counts, meetings_open,
                                         channels[9], e_best, e_cost, level_of_channel, cit.municipality, t, n_muni,
                                         cit.contributions, cit.last_participation, queue.citizen, queue.week,
                                         queue.channel)
    cit.attended = attended
    cit.comments = comments
    cit.commenters = commenters
    week_stats["requests"] = requests
    totals["submitted"] += k
    return via


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
