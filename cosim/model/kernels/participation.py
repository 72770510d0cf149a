"""Kernels of stage 7, participation (:func:`cosim.model.stages.citizens.participation`; rules: :mod:`cosim.jit`).

A week outside the IDP window is one pass over the citizens
(:func:`act_on_needs`): the need draw, the channels open, the cheapest one,
the chance to act on the need and the draw, the channel and IAP2 level of
those who act, their contributions and the requests joining the queue.  A
week of the window is two passes around the comment counts, whose
non-integer powers stay NumPy (:func:`consultation_choices` before them,
:func:`consultation_outcome` after).

The arithmetic is that of :mod:`cosim.model.mechanisms.participation`
(``efficacy``, ``personal_efficacy``, ``act_probability``, ``attend_chance``,
``comment_chance``) in the same order; the scalar factors are worked out by
the caller as those functions do (:func:`efficacy_factors`).
``tests/test_kernels_participation.py`` checks each kernel against them.
"""

from __future__ import annotations

import numpy as np

from cosim.jit import kernel

MEETING = 3  # index of the ward meeting in mechanisms.CHANNELS (channel code MEETING + 1)


def efficacy_factors(efficacy_weight: float, iap2_efficacy: float, level_offered: int,
                     personal_weight: float) -> tuple[float, float, float, float, float]:
    """The scalars of mechanisms.efficacy and mechanisms.personal_efficacy, computed as they compute them.

    efficacy = (a + b trust) f x (c + d personal efficacy).
    """
    return (float(1.0 - efficacy_weight), float(efficacy_weight * 2.0),
            float(1.0 + iap2_efficacy * (level_offered - 2)),
            float(1.0 - personal_weight), float(2.0 * personal_weight))


@kernel
def _unit_cost(cost):  # pragma: no cover - compiled
    """1 - np.minimum(cost, 1.0) (NaN propagates as in NumPy)."""
    return 1.0 - (cost if (cost < 1.0 or cost != cost) else 1.0)


@kernel
def _clip01(x):  # pragma: no cover - compiled
    """np.clip(x, 0.0, 1.0) for one value."""
    if x < 0.0:
        return 0.0
    if x > 1.0:
        return 1.0
    return x


# The helpers below take scalars only: a compiled call with array arguments counts references to them.

@kernel
def _pattern(adopted, online, portal, phone, youth_bit, ussd, social):  # pragma: no cover - compiled
    """A citizen's pattern of open e-channels (index into mechanisms.cheapest_e_channel's table)."""
    p = youth_bit  # youth find social media cheaper (bit 3)
    if adopted:
        if online:
            if portal:
                p += 1
            if social:
                p += 4
        if ussd and phone:
            p += 2
    return p


@kernel
def _efficacy(trust, personal, a, b, f, c, d):  # pragma: no cover - compiled
    """mechanisms.efficacy x mechanisms.personal_efficacy: (a + b trust) f x (c + d personal) (:func:`efficacy_factors`)."""
    return (a + b * trust) * f * (c + d * personal)


@kernel
def _choice(p, meetings, meeting_cost, best, best_cost):  # pragma: no cover - compiled
    """Index in CHANNELS of the cheapest channel: the best e-channel, or the meeting when cheaper."""
    if meetings and meeting_cost < best_cost:
        return MEETING
    return best


@kernel
def _append_requests(q_citizen, q_week, q_channel, acting, k, t, channel):  # pragma: no cover - compiled
    """The queue's arrays with the first ``k`` of ``acting`` appended (week ``t``, their channel codes)."""
    m = q_citizen.size
    citizen = np.empty(m + k, dtype=np.int64)
    week = np.empty(m + k, dtype=np.int64)
    chan = np.empty(m + k, dtype=np.int8)
    citizen[:m] = q_citizen
    week[:m] = q_week
    chan[:m] = q_channel
    for j in range(k):
        i = acting[j]
        citizen[m + j] = i
        week[m + j] = t
        chan[m + j] = channel[i]
    return citizen, week, chan


@kernel
def act_on_needs(u_need, need_chance, u_act, adopted, online, portal_av, municipality, device, youth_bit,
                 ussd, social, meetings, meeting_cost, trust, personal, propensity, eff, e_best, e_cost,
                 level_of_channel, t, n_muni, contributions, last_participation,
                 q_citizen, q_week, q_channel):  # pragma: no cover - compiled
    """A week outside the IDP window: needs acted on through the cheapest open channel.

    Citizen i has a need when ``u_need < need_chance``; the e-channels open
    to them make a pattern (mechanisms.cheapest_e_channel's table ``e_best``,
    ``e_cost``), the ward meeting (``meetings``) competes at ``meeting_cost``;
    they act when ``u_act`` < mechanisms.act_probability(propensity,
    efficacy, cost).  Those who act get their channel code (1 + index in
    CHANNELS) and IAP2 level, a contribution, ``last_participation = t``
    and a request in the queue.  Updates ``contributions`` and
    ``last_participation``; returns the channel codes, levels, the queue's
    new arrays, the number who acted and the requests per municipality.
    """
    n = u_need.size
    a, b, f, c, d = eff[0], eff[1], eff[2], eff[3], eff[4]
    channel = np.zeros(n, dtype=np.int8)
    level = np.zeros(n, dtype=np.int8)
    acting = np.empty(n, dtype=np.int64)
    requests = np.zeros(n_muni)
    k = 0
    for i in range(n):
        if not u_need[i] < need_chance[i]:
            continue
        p = _pattern(adopted[i], online[i], portal_av[municipality[i]], device[i] >= 1, youth_bit[i], ussd,
                     social)
        cost = e_cost[p]  # inf when no e-channel is open
        if meetings:  # np.minimum
            mc = meeting_cost[i]
            if mc < cost or mc != mc:
                cost = mc
        act_p = _clip01(propensity[i] * _efficacy(trust[i], personal[i], a, b, f, c, d) * _unit_cost(cost))
        if u_act[i] < act_p:
            code = _choice(p, meetings, meeting_cost[i], e_best[p], e_cost[p]) + 1
            channel[i] = code
            level[i] = level_of_channel[code]
            contributions[i] += 1
            last_participation[i] = t
            requests[municipality[i]] += 1.0
            acting[k] = i
            k += 1
    citizen, week, chan = _append_requests(q_citizen, q_week, q_channel, acting, k, t, channel)
    return channel, level, citizen, week, chan, k, requests


@kernel
def consultation_choices(u_need, need_chance, u_act, u_meet, u_idp, adopted, online, portal_av, municipality,
                         device, youth_bit, ussd, social, meetings, meeting_cost, trust, personal, propensity,
                         awareness, eff, e_cost, attend, attend_factor, comment_rate, paper_cost,
                         speak_share):  # pragma: no cover - compiled
    """A week of the IDP window, before the comment counts: who acts on a need, attends, comments.

    For everyone: the pattern of open e-channels; acting on a need as in
    :func:`act_on_needs`; attending the ward meeting (when ``attend``) with
    mechanisms.attend_chance (``attend_factor`` = rate x meetings this
    week); the way to hand in a comment (paper when ``meetings`` and it is
    cheaper than the best e-channel); commenting with
    mechanisms.comment_chance, or ``speak_share`` for an attender.  Returns
    the patterns, who acts, who attends, who would hand in on paper and the
    commenters (in order).
    """
    n = u_need.size
    a, b, f, c, d = eff[0], eff[1], eff[2], eff[3], eff[4]
    pattern = np.empty(n, dtype=np.uint8)
    act = np.zeros(n, dtype=np.bool_)
    attended = np.zeros(n, dtype=np.bool_)
    on_paper = np.zeros(n, dtype=np.bool_)
    commenters = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        p = _pattern(adopted[i], online[i], portal_av[municipality[i]], device[i] >= 1, youth_bit[i], ussd,
                     social)
        pattern[i] = p
        e_cost_now = e_cost[p]  # inf when no e-channel is open
        efficacy = _efficacy(trust[i], personal[i], a, b, f, c, d)
        if u_need[i] < need_chance[i]:  # a need, acted on as in act_on_needs
            cost = e_cost_now
            if meetings:  # np.minimum
                mc = meeting_cost[i]
                if mc < cost or mc != mc:
                    cost = mc
            act[i] = u_act[i] < _clip01(propensity[i] * efficacy * _unit_cost(cost))
        if attend:
            attend_p = _clip01(attend_factor * propensity[i] * efficacy * _unit_cost(meeting_cost[i]))
            attended[i] = u_meet[i] < attend_p
        paper = meetings and e_cost_now > paper_cost  # paper at an office is cheaper (ties: the e-channel)
        on_paper[i] = paper
        if attended[i]:
            p_comment = speak_share  # at the meeting: an oral (or written) comment from the floor
        else:
            cost = paper_cost if paper else e_cost_now
            p_comment = _clip01(comment_rate * propensity[i] * efficacy * awareness[i] * _unit_cost(cost))
        if u_idp[i] < p_comment:
            commenters[k] = i
            k += 1
    return pattern, act, attended, on_paper, commenters[:k].copy()


@kernel
def consultation_outcome(pattern, act, attended, on_paper, commenters, counts, meetings, meeting_cost, e_best,
                         e_cost, level_of_channel, municipality, t, n_muni, contributions, last_participation,
                         q_citizen, q_week, q_channel):  # pragma: no cover - compiled
    """A week of the IDP window, after the comment counts: channels, levels, contributions, requests.

    ``counts``: the comments each of ``commenters`` writes
    (mechanisms.comment_count).  Each citizen's way of handing in
    (index in COMMENT_CHANNELS, -1 none): at the meeting if they attended and
    commented, else paper, USSD (e-channel 1) or online.  Those who act on a
    need take their cheapest channel as in :func:`act_on_needs` and make a
    request; those who only took part in the consultation get the e-channel
    they commented through, or the meeting (paper counts as in person).
    Updates ``contributions`` (a request, each comment, a meeting attended)
    and ``last_participation``; returns the channel codes, levels, comments,
    who commented, ways, the queue's new arrays, the number who acted and the requests per
    municipality.
    """
    n = pattern.size
    comments = np.zeros(n, dtype=np.int64)
    commented = np.zeros(n, dtype=np.bool_)
    via = np.full(n, -1, dtype=np.int64)
    for j in range(commenters.size):
        i = commenters[j]
        comments[i] = counts[j]
        commented[i] = True
        if attended[i] and counts[j] > 0:
            via[i] = 3
        elif on_paper[i]:
            via[i] = 2
        else:
            via[i] = 1 if e_best[pattern[i]] == 1 else 0
    channel = np.zeros(n, dtype=np.int8)
    level = np.zeros(n, dtype=np.int8)
    acting = np.empty(n, dtype=np.int64)
    requests = np.zeros(n_muni)
    k = 0
    for i in range(n):
        p = pattern[i]
        took = act[i] or comments[i] > 0 or attended[i]
        if act[i]:
            code = _choice(p, meetings, meeting_cost[i], e_best[p], e_cost[p]) + 1
            contributions[i] += 1
            requests[municipality[i]] += 1.0
            acting[k] = i
            k += 1
        elif commented[i] or attended[i]:  # in the consultation only: the way they handed in, or the meeting
            code = e_best[p] + 1 if (via[i] == 0 or via[i] == 1) else MEETING + 1
        else:
            continue
        channel[i] = code
        contributions[i] += comments[i]
        if attended[i]:
            contributions[i] += 1
        if took:
            level[i] = level_of_channel[code]
            last_participation[i] = t
    citizen, week, chan = _append_requests(q_citizen, q_week, q_channel, acting, k, t, channel)
    return channel, level, comments, commented, via, citizen, week, chan, k, requests
