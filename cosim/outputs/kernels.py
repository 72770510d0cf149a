"""Compiled kernels of the weekly metrics tally (issue 16; rules in :mod:`cosim.jit`).

Each kernel is one pass over citizens (or officials, nodes, wards) doing what
several NumPy calls of :mod:`cosim.outputs.metrics` did, with the same
arithmetic: counts are integers (exact in any order) and every floating-point
sum is a running sum in element order starting from 0.0, as ``np.bincount``
with weights and SciPy's sparse matrix-vector product (``csr_matvec``) add.
``tests/test_kernels_metrics.py`` checks each kernel against those NumPy
expressions bit for bit.
"""

from __future__ import annotations

import numpy as np

from cosim.jit import kernel

# Columns of the group tally (metrics.week_tally): counts of citizens with each
# indicator (online, adopted, took part this week, through an e-channel, in the
# last 52 weeks, trusting; by this week's channel 0-4 and by the IAP2 level 0-5
# it reached), then sums of the continuous attributes (trust, literacy,
# awareness, privacy concern), then of the latest IDP window's commenters and
# comments.
ONLINE, ADOPTED, PART, E_PART, RECENT, TRUSTING = range(6)
CH0, LV0 = 6, 11
TRUST, LITERACY, AWARENESS, PRIVACY = 17, 18, 19, 20
COMMENTED, COMMENTS = 21, 22
N_COLS = 23

# Rows of the per-municipality block (metrics.PER_MUNI) that municipality_block fills: these,
# then a row per way of handing in comments (the columns of ``window_comments``), then
# hotspot users, ever-users, capped users, daily users, online in the month (HOTSPOT_ROWS),
# then the 4 values with a weighted region mean and their 4 weights (metrics.WEIGHTED_METRICS).
(REQUESTS, RESOLVED, DROPPED, BACKLOG, TRAINED, BREACHES, SPEND, SPEND_CUMULATIVE, OFFICIALS_ACTIVE, SKILL_SUM,
 ICT_SUM, POSTS, HOTSPOTS, NODES_UP, NODES, CUM_RESOLVED, CUM_DROPPED, QUALITY_SUM, ATTENDED_REAL, MEETINGS_HELD,
 COMMENTS_FIRST) = range(21)
HOTSPOT_ROWS = 5
WEIGHTED_ROWS = 4


@kernel
def group_tally(out, group, channel, online, adopted, last_participation, recent_after, trust, threshold,
                literacy, awareness, privacy, window_comments, level_of_channel):
    """Counts and sums per citizen group into ``out`` (groups, N_COLS).

    Replaces the NumPy tally: a category code per citizen (channel, online,
    adopted, took part in the last 52 weeks, trusting) counted per group and
    turned into indicator counts (integers, so exact), and one sparse product
    (group members x attribute) per continuous attribute, which adds each
    group's values in citizen order from 0.0, as this loop does.  The window's
    commenters and comments are whole numbers, summed as integers (exact).
    The per-citizen loop has no branches (they would be mispredicted).
    """
    n_groups = out.shape[0]
    codes = np.zeros((n_groups, 80), np.int64)
    sums = np.zeros((n_groups, 4))
    comments = np.zeros((n_groups, 2), np.int64)
    for i in range(group.size):
        g = group[i]
        code = (np.int64(channel[i]) + 5 * np.int64(online[i]) + 10 * np.int64(adopted[i])
                + 20 * np.int64(last_participation[i] > recent_after) + 40 * np.int64(trust[i] > threshold))
        codes[g, code] += 1
        sums[g, 0] += trust[i]
        sums[g, 1] += literacy[i]
        sums[g, 2] += awareness[i]
        sums[g, 3] += privacy[i]
        wc = window_comments[i]
        comments[g, 0] += np.int64(wc > 0)
        comments[g, 1] += wc
    for g in range(n_groups):
        for c in range(N_COLS):
            out[g, c] = 0.0
        for code in range(80):
            n = codes[g, code]
            if n == 0:
                continue
            ch = code % 5
            if code // 5 % 2:
                out[g, ONLINE] += n
            if code // 10 % 2:
                out[g, ADOPTED] += n
            if ch > 0:
                out[g, PART] += n
                if ch < 4:
                    out[g, E_PART] += n
            if code // 20 % 2:
                out[g, RECENT] += n
            if code // 40:
                out[g, TRUSTING] += n
            out[g, CH0 + ch] += n
            out[g, LV0 + level_of_channel[ch]] += n
        out[g, TRUST] = sums[g, 0]
        out[g, LITERACY] = sums[g, 1]
        out[g, AWARENESS] = sums[g, 2]
        out[g, PRIVACY] = sums[g, 3]
        out[g, COMMENTED] = comments[g, 0]
        out[g, COMMENTS] = comments[g, 1]


@kernel
def municipality_block(out, muni, contributions, stride, window_attended, hotspot_used, hotspot_ever, hotspot_capped,
                       hotspot_days, last_online, online_since, waiting,
                       requests, resolved, dropped, trained, breaches, spend, spend_total, cum_resolved, cum_dropped,
                       official_muni, active, skill, ict_skill, posts, hotspot_muni, node_muni, up,
                       ward_muni, quality, n_ward, scale, window_meetings, window_comments,
                       median_wait, outcome, open_data_value, posture, n_citizens):
    """Fill the week's per-municipality block ``out`` (rows above, municipalities); return the
    histogram of contributions (municipalities, width).

    The counts are exact in any order; the float sums are those of ``np.bincount``
    with weights, in element order from 0.0, of the same rounded products:
    officials active / ``skill * active`` / ``ict_skill * active``, nodes up,
    ``quality * n_ward`` per ward, days of hotspot use per citizen.  Per
    citizen: the latest window's meeting attendances (times ``scale``, the real
    residents per simulated citizen), this week's hotspot users, ever-users,
    capped users, days of use (``* scale / 7``), and the citizens online since
    week ``online_since``.  ``width`` is ``stride`` or, when the largest count
    does not fit, the next power of two (at least 16) above it.  The weights of
    the weighted means: ``np.maximum(resolved, 1e-9)``, ``resolved``,
    ``n_citizens`` twice.
    """
    n_muni = out.shape[1]
    top = 0
    for i in range(contributions.size):
        if contributions[i] > top:
            top = contributions[i]
    top += 1
    if top > stride:
        bits = 0
        v = top - 1
        while v > 0:
            bits += 1
            v >>= 1
        stride = 1 << max(4, bits)
    hist = np.zeros((n_muni, stride), np.int64)
    hot = COMMENTS_FIRST + window_comments.shape[1]
    own = hot + HOTSPOT_ROWS
    weight = own + WEIGHTED_ROWS
    attended = np.zeros(n_muni, np.int64)
    for r in range(out.shape[0]):
        for m in range(n_muni):
            out[r, m] = 0.0
    for i in range(muni.size):
        m = muni[i]
        hist[m, contributions[i]] += 1
        attended[m] += window_attended[i]
        if hotspot_used[i]:
            out[hot, m] += 1.0
        if hotspot_ever[i]:
            out[hot + 1, m] += 1.0
        if hotspot_capped[i]:
            out[hot + 2, m] += 1.0
        out[hot + 3, m] += hotspot_days[i]
        if last_online[i] >= online_since:
            out[hot + 4, m] += 1.0
    for i in range(waiting.size):
        out[BACKLOG, muni[waiting[i]]] += 1.0
    for i in range(official_muni.size):
        m = official_muni[i]
        a = 1.0 if active[i] else 0.0
        out[OFFICIALS_ACTIVE, m] += a
        out[SKILL_SUM, m] += skill[i] * a
        out[ICT_SUM, m] += ict_skill[i] * a
    for i in range(hotspot_muni.size):
        out[HOTSPOTS, hotspot_muni[i]] += 1.0
    for i in range(node_muni.size):
        m = node_muni[i]
        if up[i]:
            out[NODES_UP, m] += 1.0
        out[NODES, m] += 1.0
    for i in range(ward_muni.size):
        out[QUALITY_SUM, ward_muni[i]] += quality[i] * n_ward[i]
    for m in range(n_muni):
        out[REQUESTS, m] = requests[m]
        out[RESOLVED, m] = resolved[m]
        out[DROPPED, m] = dropped[m]
        out[TRAINED, m] = trained[m]
        out[BREACHES, m] = breaches[m]
        out[SPEND, m] = spend[m]
        out[SPEND_CUMULATIVE, m] = spend_total[m]
        out[POSTS, m] = posts[m]
        out[CUM_RESOLVED, m] = cum_resolved[m]
        out[CUM_DROPPED, m] = cum_dropped[m]
        out[ATTENDED_REAL, m] = scale[m] * float(attended[m])
        out[MEETINGS_HELD, m] = window_meetings[m]
        for w in range(window_comments.shape[1]):
            out[COMMENTS_FIRST + w, m] = window_comments[m, w]
        out[hot + 3, m] = out[hot + 3, m] * scale[m] / 7.0
        out[own, m] = median_wait[m]
        out[own + 1, m] = outcome[m]
        out[own + 2, m] = open_data_value[m]
        out[own + 3, m] = posture[m]
        r = resolved[m]
        out[weight, m] = r if (r > 1e-9 or r != r) else 1e-9
        out[weight + 1, m] = r
        out[weight + 2, m] = n_citizens[m]
        out[weight + 3, m] = n_citizens[m]
    return hist


@kernel
def inequality_rows(hist, gini, top1, top10):
    """Gini coefficient and the top 1% and 10% shares of each row of ``hist`` (rows, values).

    The arithmetic of ``metrics._inequality_rows`` (NumPy, before this kernel)
    row by row: every sum there is of whole or half numbers below 2**53, exact
    in any order, and each division and product here is the one NumPy does.
    One pass up the values gives the count, the total and the rank sum; the
    top shares take from the highest value down until ``k`` people are taken.
    """
    rows, width = hist.shape
    for r in range(rows):
        n = 0
        total_i = 0
        rank_sum = 0.0
        for v in range(width):
            c = hist[r, v]
            if c == 0:
                continue
            rank_sum += v * (float(c * n) + c * (c + 1) / 2.0)  # n: the people ranked below v
            n += c
            total_i += v * c
        total = float(total_i)
        if n <= 0 or total <= 0.0:
            gini[r] = 0.0
            top1[r] = 0.0
            top10[r] = 0.0
            continue
        nf = float(n)
        gini[r] = 2.0 * rank_sum / (nf * total) - (nf + 1.0) / nf
        for which in range(2):
            k = max(1, np.int64(np.ceil((0.01 if which == 0 else 0.10) * n)))
            above = 0
            took = 0
            for v in range(width - 1, -1, -1):
                if above >= k:
                    break
                c = hist[r, v]
                took += v * min(c, k - above)
                above += c
            if which == 0:
                top1[r] = took / total
            else:
                top10[r] = took / total
