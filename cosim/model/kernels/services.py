"""Compiled kernels of stage 8 (officials in post, plans, co-production) and stage 10 (talent).

Each kernel fuses the NumPy calls of :mod:`cosim.model.stages.services` or
:mod:`cosim.model.stages.talent` into one pass over the officials, wards,
citizens or waiting requests, with the arithmetic of the mechanism functions
it cites (:mod:`cosim.model.mechanisms.services`, ``.participation``,
``.talent``) in the same order (rules: :mod:`cosim.jit`).  What needs
``exp`` or a non-integer power (``coproduced_outcome``, ``timely_outcome``,
``production_target``) stays a NumPy call between kernels: a kernel hands
out the argument and the next takes the result (but for production_target's
power at the default elasticity 0.5, a square root: quality_and_experiences).  Sums per
municipality or ward are loops in the order ``np.bincount`` adds.

Clips are written ``if x < lo: x = lo; if x > hi: x = hi`` and minimum /
maximum ``hi if x > hi else x`` so that NaN propagates as in NumPy.
``tests/test_kernels_services.py`` checks each kernel against the NumPy
composition it replaces.
"""

from __future__ import annotations

import numpy as np

from cosim.jit import kernel


@kernel
def staff_totals(muni, active, skill, ict_skill, capacity, ict_productivity, scale):
    """Officials in post per municipality (stages.staff), as rows of one array (one array to hand back).

    Rows: capacity in simulated requests, officials in post (at least 1),
    their mean skill, their mean ICT skill.  Per official
    mechanisms.effective_capacity (capacity x skill x (1 - w (1 - ICT
    skill))); sums per municipality in ``np.bincount`` order with the in-post
    flag as a 0/1 weight; capacity divided by ``scale``.
    """
    n_muni = scale.size
    out = np.zeros((4, n_muni))
    cap, cnt, sk, ict = out[0], out[1], out[2], out[3]
    for i in range(muni.size):
        m = muni[i]
        a = 1.0 if active[i] else 0.0
        per_official = capacity * skill[i] * (1.0 - ict_productivity * (1.0 - ict_skill[i]))
        cap[m] += per_official * a
        cnt[m] += a
        sk[m] += skill[i] * a
        ict[m] += ict_skill[i] * a
    for m in range(n_muni):
        if cnt[m] < 1.0:  # np.maximum(count, 1)
            cnt[m] = 1.0
        cap[m] = cap[m] / scale[m]
        sk[m] = sk[m] / cnt[m]
        ict[m] = ict[m] / cnt[m]
    return out


@kernel
def open_data_value(ict_skill, level_freshness, capability_floor):
    """mechanisms.open_data_value per municipality (stages.open_data): (level x freshness) x capability.

    ``level_freshness`` is the mechanism's level x T / (T + interval), the
    product NumPy takes first; capability = c + (1 - c) x mean ICT skill.
    """
    out = np.empty(ict_skill.size)
    for m in range(ict_skill.size):
        out[m] = level_freshness * (capability_floor + (1.0 - capability_floor) * ict_skill[m])
    return out


@kernel
def plan_update(cit_ward, comments, attended, attendance_weight, ward_size, ward_muni, needs, idp_input,
                plan_rate, shift):
    """The IDP window's plans (stages.plans): ward input (in place) and the new plan priorities.

    Per citizen mechanisms.idp_input (comments + w x attendances), summed per
    ward in order; the ward's moving average of input per resident; the
    municipality's need-weighted mean input (in-order sums); then
    mechanisms.plan_priorities.
    """
    n_ward = ward_size.size
    total = np.zeros(n_ward)
    for i in range(cit_ward.size):
        total[cit_ward[i]] += comments[i] + attendance_weight * (1.0 if attended[i] else 0.0)
    n_muni = 0
    for w in range(n_ward):
        size = ward_size[w] if ward_size[w] > 1 else 1
        idp_input[w] += plan_rate * (total[w] / size - idp_input[w])
        if ward_muni[w] + 1 > n_muni:
            n_muni = ward_muni[w] + 1
    weighted = np.zeros(n_muni)
    need = np.zeros(n_muni)
    for w in range(n_ward):
        weighted[ward_muni[w]] += needs[w] * idp_input[w]
        need[ward_muni[w]] += needs[w]
    priority = np.empty(n_ward)
    for w in range(n_ward):
        mean_input = weighted[ward_muni[w]] / need[ward_muni[w]]
        relative = idp_input[w] / mean_input if mean_input > 0 else 1.0
        if relative > 3.0:  # MAX_RELATIVE_INPUT
            relative = 3.0
        x = 1.0 + shift * (relative - 1.0)
        priority[w] = needs[w] * (0.0 if x < 0.0 else x)
    return priority


@kernel
def triage(pend_cit, pend_week, channel, cit_muni, literacy, u, pool_of, pool_cap, t, skill, ict, open_data_value,
           cum_resolved, cum_dropped, reactive_share, max_rate, close_p, max_wait_weeks, report_floor,
           open_data_boost, meeting_channel):
    """Officials triage the queue (stages.coproduction): fates, what the resolved requests put in, the queue left.

    mechanisms.resolution_chance per pool (reactive capacity over the requests
    waiting), the municipality's delivery (chance / max rate),
    mechanisms.queue_fate per request from its draw ``u``; for the resolved,
    their wait, mechanisms.citizen_input, mechanisms.official_input and
    the exponent of mechanisms.timely_outcome (-wait / max wait); the
    counts resolved and dropped per municipality (also added to the running
    totals ``cum_resolved`` and ``cum_dropped``, in place); the
    median wait (group_medians) of the resolved, or where a municipality
    resolved none of those still waiting.  The requests left waiting are
    moved up, in order, to the front of ``pend_cit``, ``pend_week`` and
    ``channel`` (in place; the stage keeps that many: the queue's size less
    the resolved and the closed).

    Returned packed, as few arrays as possible (each array handed back to
    Python costs about a microsecond): ``ints`` holds the resolved requests'
    citizens, then their municipalities (``n_res`` each), then the closed
    requests' citizens; ``reals`` rows citizen input, official input,
    timeliness exponent and a row for the outcomes (filled by service_work);
    and ``per_muni`` rows resolved,
    dropped, delivery, median wait and a row for the mean outcome (filled by
    service_work).
    """
    n = pend_cit.size
    n_muni = pool_of.size
    n_pool = pool_cap.size
    req_muni = np.empty(n, np.int64)
    waiting = np.zeros(n_pool, np.int64)
    for i in range(n):
        m = cit_muni[pend_cit[i]]
        req_muni[i] = m
        waiting[pool_of[m]] += 1
    chance = np.empty(n_pool)
    for p in range(n_pool):
        w = float(waiting[p])
        if w < 1e-12:
            w = 1e-12
        x = reactive_share * pool_cap[p] / w
        chance[p] = max_rate if x > max_rate else x
    per_muni = np.zeros((5, n_muni))
    resolved, dropped, delivery = per_muni[0], per_muni[1], per_muni[2]
    for m in range(n_muni):
        delivery[m] = chance[pool_of[m]] / max_rate
    fate = np.zeros(n, np.int8)  # 0 waiting, 1 resolved, 2 closed unresolved
    n_res = 0
    n_drop = 0
    for i in range(n):
        r = chance[pool_of[req_muni[i]]]
        if u[i] < r:
            fate[i] = 1
            n_res += 1
            resolved[req_muni[i]] += 1.0
        elif u[i] >= 1.0 - close_p * (1.0 - r):
            fate[i] = 2
            n_drop += 1
            dropped[req_muni[i]] += 1.0
    for m in range(n_muni):  # the stage's cum["resolved"] += resolved; cum["dropped"] += dropped
        cum_resolved[m] += resolved[m]
        cum_dropped[m] += dropped[m]
    ints = np.empty(2 * n_res + n_drop, np.int64)
    cits, m_res, d_cits = ints[:n_res], ints[n_res:2 * n_res], ints[2 * n_res:]
    reals = np.zeros((4, n_res))
    cit_in, off_in, timely_exponent = reals[0], reals[1], reals[2]
    # median wait: the resolved, and those still waiting where a municipality resolved none
    n_left = 0
    for i in range(n):
        if fate[i] == 0 and resolved[req_muni[i]] == 0.0:
            n_left += 1
    wait_group = np.empty(n_res + n_left, np.int64)
    wait_value = np.empty(n_res + n_left, np.int64)
    j = 0
    k = 0
    d = 0
    left = n_res
    for i in range(n):
        c = pend_cit[i]
        m = req_muni[i]
        if fate[i] == 1:
            cits[j] = c
            wait = t - pend_week[i]
            timely_exponent[j] = -wait / max_wait_weeks
            m_res[j] = m
            # mechanisms.citizen_input
            x = (report_floor + (1.0 - report_floor) * literacy[c]) * (1.0 + open_data_boost * open_data_value[m])
            if x < 0.0:
                x = 0.0
            if x > 1.0:
                x = 1.0
            cit_in[j] = x
            # mechanisms.official_input: sqrt(mean ICT skill) for a request through an e-channel
            if channel[i] != meeting_channel:
                e = ict[m]
                if e < 0.0:
                    e = 0.0
                off_in[j] = skill[m] * np.sqrt(e)
            else:
                off_in[j] = skill[m] * 1.0
            wait_group[j] = m
            wait_value[j] = wait
            j += 1
        elif fate[i] == 2:
            d_cits[d] = c
            d += 1
        else:
            if resolved[m] == 0.0:
                wait_group[left] = m
                wait_value[left] = t - pend_week[i]
                left += 1
            # still waiting: moved up to the k-th place of the queue (k <= i: read before written)
            pend_cit[k] = c
            pend_week[k] = pend_week[i]
            channel[k] = channel[i]
            k += 1
    per_muni[3] = group_medians(wait_group, wait_value, n_muni)
    return ints, reals, per_muni


@kernel
def group_medians(group, value, n_groups):
    """Median of whole numbers ``value >= 0`` per group, 0 for an empty group (stages.group_medians).

    A histogram per group; the median is (the value at 0-based rank (n - 1) // 2
    + the value at rank n // 2) / 2, as the NumPy version and np.median give.
    """
    out = np.zeros(n_groups)
    if value.size == 0:
        return out
    width = value.max() + 1
    hist = np.zeros(n_groups * width, np.int64)
    count = np.zeros(n_groups, np.int64)
    for i in range(value.size):
        hist[group[i] * width + value[i]] += 1
        count[group[i]] += 1
    for g in range(n_groups):
        if count[g] == 0:
            continue
        lower_rank = (count[g] - 1) // 2
        upper_rank = count[g] // 2
        lower = -1
        upper = -1
        cum = 0
        for v in range(width):
            cum += hist[g * width + v]
            if lower < 0 and cum > lower_rank:
                lower = v
            if cum > upper_rank:
                upper = v
                break
        out[g] = (lower + upper) / 2.0
    return out


@kernel
def service_work(cit_pow, off_pow, timely, ints, reals, per_muni, cit_ward, pool_of, pool_cap, ward_muni, priority,
                 expected, work, open_data_value, report_leverage, discount, open_data_boost, coverage_rate,
                 reference_work):
    """Outcomes of the resolved requests and the wards' work per need after this week (stages.coproduction).

    Outcome = mechanisms.coproduced_outcome x the timeliness discount of
    mechanisms.timely_outcome, from NumPy's powers (citizen input ** share,
    official input ** (1 - share)) and exp(-wait / max wait): (a x b) x e.
    Outcomes are summed per municipality and per ward (in order); planned
    work is the capacity left after the resolved requests, spread over the
    pool's wards by plan priority (in-order sums), at
    mechanisms.unreported_value; work per need follows
    mechanisms.ward_work_update.  ``ints``, ``reals`` and ``per_muni`` are
    triage's: the outcomes go in ``reals[3]``, the mean outcome per
    municipality in ``per_muni[4]`` (resolved: ``per_muni[0]``).  Returns
    rows new work per need, the exponent of mechanisms.production_target
    (-work / reference work).
    """
    n_res = cit_pow.size
    cits, m_res = ints[:n_res], ints[n_res:2 * n_res]
    outcome = reals[3]
    resolved, mean_outcome = per_muni[0], per_muni[4]
    n_muni = resolved.size
    n_pool = pool_cap.size
    n_ward = ward_muni.size
    osum = np.zeros(n_muni)
    wsum = np.zeros(n_ward)
    res_pool = np.zeros(n_pool, np.int64)
    for i in range(n_res):
        outcome[i] = cit_pow[i] * off_pow[i] * timely[i]
        res_pool[pool_of[m_res[i]]] += 1
        osum[m_res[i]] += outcome[i]
        wsum[cit_ward[cits[i]]] += outcome[i]
    for m in range(n_muni):
        mean_outcome[m] = osum[m] / (resolved[m] if resolved[m] > 1.0 else 1.0)
    planned = np.empty(n_pool)
    for p in range(n_pool):
        x = pool_cap[p] - res_pool[p]
        planned[p] = 0.0 if x < 0.0 else x
    psum = np.zeros(n_pool)
    for w in range(n_ward):
        psum[pool_of[ward_muni[w]]] += priority[w]
    ward_rows = np.empty((2, n_ward))
    for w in range(n_ward):
        m = ward_muni[w]
        p = pool_of[m]
        weight = priority[w] / psum[p]
        value = discount * (1.0 + open_data_boost * open_data_value[m])
        if value > 1.0:
            value = 1.0
        this_week = report_leverage * wsum[w] + planned[p] * weight * value
        ward_rows[0, w] = (1.0 - coverage_rate) * work[w] + coverage_rate * (this_week / expected[w])
        ward_rows[1, w] = -ward_rows[0, w] / reference_work
    return ward_rows


@kernel
def quality_update(quality, base_quality, index_power, response):
    """New ward quality: mechanisms.production_target's min(1, base x index ** e), then mechanisms.ward_quality_update.

    ``index_power`` is NumPy's index ** elasticity; the target is
    min(1, base x it) and quality moves toward it: clip(q + r (target - q), 0, 1).
    """
    out = np.empty(quality.size)
    for w in range(quality.size):
        target = base_quality[w] * index_power[w]
        if target > 1.0:
            target = 1.0
        x = quality[w] + response * (target - quality[w])
        if x < 0.0:
            x = 0.0
        if x > 1.0:
            x = 1.0
        out[w] = x
    return out


@kernel
def experiences(efficacy, cits, d_cits, commenters, outcome, cit_muni, delivery, rate, feedback_floor, promise,
                promise_weight):
    """Efficacy after the week's news (in place) and each citizen's experiences (stages.coproduction).

    mechanisms.efficacy_update once for the resolved (gathered, then
    written, so a citizen with several counts once), then once for those with
    a request closed unresolved; the experiences are the resolved outcomes,
    0 per closed request and mechanisms.idp_feedback per comment, averaged per
    citizen (added in that order, as np.bincount over np.unique's slots).
    Returns the citizens (ascending) and their mean outcome.
    """
    up = np.empty(cits.size)
    for i in range(cits.size):
        e = efficacy[cits[i]]
        up[i] = e + rate * (1.0 - e)
    for i in range(cits.size):
        efficacy[cits[i]] = up[i]
    down = np.empty(d_cits.size)
    for i in range(d_cits.size):
        e = efficacy[d_cits[i]]
        down[i] = e - rate * e
    for i in range(d_cits.size):
        efficacy[d_cits[i]] = down[i]
    n = cits.size + d_cits.size + commenters.size
    ids = np.empty(n, np.int64)
    values = np.empty(n)
    a = (1.0 - feedback_floor) * promise
    b = promise_weight * (promise - 0.25)
    for i in range(cits.size):
        ids[i] = cits[i]
        values[i] = outcome[i]
    for i in range(d_cits.size):
        ids[cits.size + i] = d_cits[i]
        values[cits.size + i] = 0.0
    for i in range(commenters.size):
        x = feedback_floor + a * delivery[cit_muni[commenters[i]]] - b
        if x < 0.0:
            x = 0.0
        if x > 1.0:
            x = 1.0
        ids[cits.size + d_cits.size + i] = commenters[i]
        values[cits.size + d_cits.size + i] = x
    order = np.argsort(ids, kind="mergesort")  # stable: a citizen's values in the order above
    n_who = 0
    for j in range(n):
        if j == 0 or ids[order[j]] != ids[order[j - 1]]:
            n_who += 1
    who = np.empty(n_who, np.int64)
    mean = np.empty(n_who)
    s = -1
    total = 0.0
    count = 0
    for j in range(n):
        i = order[j]
        if j == 0 or ids[i] != ids[order[j - 1]]:
            if s >= 0:
                mean[s] = total / (count if count > 1 else 1.0)
            s += 1
            who[s] = ids[i]
            total = 0.0
            count = 0
        total += values[i]
        count += 1
    if s >= 0:
        mean[s] = total / (count if count > 1 else 1.0)
    return who, mean


@kernel
def quality_and_experiences(quality, base_quality, work_exp, index_power, sqrt_index, one_minus_inv_e, response,
                            efficacy, ints, reals, per_muni, commenters, cit_muni, promise, rate, feedback_floor,
                            promise_weight):
    """The end of the co-production stage in one call: quality_update (written over ``quality``), then experiences.

    ``index_power`` is NumPy's index ** elasticity of mechanisms.production_target;
    with ``sqrt_index`` (elasticity 0.5) the kernel takes it here instead:
    the index (1 - ``work_exp``) / ``one_minus_inv_e`` (``work_exp`` = NumPy's
    exp(-work / reference work), ``one_minus_inv_e`` = 1 - exp(-1)) and its
    square root, which is NumPy's index ** 0.5 bit for bit (NumPy takes that
    power as a square root, which IEEE 754 rounds correctly everywhere).
    ``ints``, ``reals`` and ``per_muni`` are triage's, after service_work:
    the resolved and closed requests' citizens, the outcomes (``reals[3]``)
    and the delivery (``per_muni[2]``).  Returns the citizens with an
    experience (ascending) and their mean outcome.
    """
    if sqrt_index:
        index_power = np.empty(work_exp.size)
        for w in range(work_exp.size):
            index_power[w] = np.sqrt((1.0 - work_exp[w]) / one_minus_inv_e)
    quality[:] = quality_update(quality, base_quality, index_power, response)
    n_res = reals.shape[1]
    return experiences(efficacy, ints[:n_res], ints[2 * n_res:], commenters, reals[3], cit_muni, per_muni[2],
                       rate, feedback_floor, promise, promise_weight)


@kernel
def officials_leave(active, vacant_until, muni, u, leave_p, t, vacancy_weeks, attrition_count):
    """Attrition (stages.talent): an official in post leaves when u < p; returns the number of posts to fill.

    The post is vacant until week t + vacancy weeks; the municipality's
    attrition count (float) rises by one per leaver; a vacant post whose
    vacancy has run out (``vacant_until <= t``) is filled this week
    (officials_hire_train).
    """
    for i in range(active.size):
        if active[i] and u[i] < leave_p:
            active[i] = False
            vacant_until[i] = t + vacancy_weeks
            attrition_count[muni[i]] += 1.0
    n_hire = 0
    for i in range(active.size):
        if not active[i] and vacant_until[i] <= t:
            n_hire += 1
    return n_hire


@kernel
def officials_hire_train(t, z_skill, z_ict, muni, wealth, skill, ict_skill, active, vacant_until, tenure,
                         market_skill, premium_factor, skill_sd, skill_floor, ict_skill_mean, training_rate):
    """Hiring and training (stages.talent), in place.

    The posts filled are the vacant ones whose vacancy has run out
    (``vacant_until <= t``), in order; the j-th hire's skill is
    clip(mechanisms.hiring_skill_mean + sd z_skill[j], floor, 1) and ICT skill
    clip(ICT mean x wealth factor + sd z_ict[j], 0, 1), wealth factor =
    sqrt(municipal wealth); then tenure_and_training.
    ``premium_factor`` is 1 + hiring gain x salary premium.
    """
    j = 0
    for i in range(active.size):
        if active[i] or vacant_until[i] > t:
            continue
        wf = np.sqrt(wealth[muni[i]])
        mean = market_skill * wf * premium_factor
        if mean > 1.0:
            mean = 1.0
        x = mean + skill_sd * z_skill[j]
        if x < skill_floor:
            x = skill_floor
        if x > 1.0:
            x = 1.0
        skill[i] = x
        y = ict_skill_mean * wf + skill_sd * z_ict[j]
        if y < 0.0:
            y = 0.0
        if y > 1.0:
            y = 1.0
        ict_skill[i] = y
        active[i] = True
        tenure[i] = 0
        j += 1
    tenure_and_training(active, tenure, ict_skill, training_rate)


@kernel
def tenure_and_training(active, tenure, ict_skill, training_rate):
    """The end of the talent stage, in place: tenure rises by a week for those in post and, when
    ``training_rate >= 0``, their ICT skill closes that share of its gap to 1 (mechanisms.ict_training_rate).
    """
    for i in range(active.size):
        if active[i]:
            tenure[i] += 1
    if training_rate >= 0.0:
        for i in range(active.size):
            a = 1.0 if active[i] else 0.0
            ict_skill[i] += a * training_rate * (1.0 - ict_skill[i])


@kernel
def officials_week(active, vacant_until, muni, u, tenure, ict_skill, attrition_count, leave_p, t, vacancy_weeks,
                   training_rate):
    """The talent stage in one call in a week without hires: officials_leave and, when no post is filled, the
    stage's tenure_and_training (officials_hire_train would hire nobody).  Returns the number of posts to fill;
    when there are some, the stage draws their skills and calls officials_hire_train, which does the rest.
    """
    n_hire = officials_leave(active, vacant_until, muni, u, leave_p, t, vacancy_weeks, attrition_count)
    if n_hire == 0:
        tenure_and_training(active, tenure, ict_skill, training_rate)
    return n_hire
