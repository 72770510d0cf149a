"""Kernels of stage 9 (trust) and of the neighbour averaging that feeds stages 5, 6 and 9.

Rules in :mod:`cosim.jit`; each kernel is tested equal to the NumPy functions it
fuses in ``tests/test_kernels_trust.py``.
"""

from __future__ import annotations

import numpy as np

from cosim.jit import kernel

_GAP_TOLERANCE = 1e-9  # mechanisms.trends.GAP_TOLERANCE


@kernel
def _max0(x: float) -> float:
    """``np.maximum(x, 0.0)`` for one number: NaN passes, and a zero of either sign gives +0.0 (NumPy's choice)."""
    return x if (x > 0.0 or x != x) else 0.0


@kernel
def _min0(x: float) -> float:
    """``np.minimum(x, 0.0)`` for one number: NaN passes, and a zero of either sign gives +0.0 (NumPy's choice)."""
    return x if (x < 0.0 or x != x) else 0.0


@kernel
def _clip01(x: float) -> float:
    """``np.clip(x, 0.0, 1.0)`` for one number (NaN and -0.0 pass, as in NumPy)."""
    if x < 0.0:
        return 0.0
    if x > 1.0:
        return 1.0
    return x


@kernel
def neighbour_means(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, trust: np.ndarray,
                    adopted: np.ndarray, awareness: np.ndarray, hotspot_used: np.ndarray, with_hotspot: bool,
                    x: np.ndarray, out: np.ndarray) -> None:
    """``W @ column_stack([trust, adopted, awareness(, hotspot_used)])`` for a CSR ``W``, column ``j`` into ``out[j]``.

    The columns are first copied into the scratch ``x`` (citizens x 4), a
    neighbour's values side by side as ``column_stack`` laid them out (one
    cache line per neighbour: faster than four gathers).  Then the sums of
    scipy's ``csr_matvecs`` (the product the model took before): for each
    row, from 0.0, add ``data[k] * x[indices[k]]`` over the row's entries in
    stored order; a boolean column counts as 0.0/1.0 (``np.float64``), as
    ``column_stack`` made it.  ``out`` has a row per column (one array in
    place of four: fewer arguments to pass); row 3 is written only when
    ``with_hotspot``.
    """
    n = indptr.size - 1
    for i in range(n):
        x[i, 0] = trust[i]
        x[i, 1] = np.float64(adopted[i])
        x[i, 2] = awareness[i]
        if with_hotspot:
            x[i, 3] = np.float64(hotspot_used[i])
    for i in range(n):
        st = 0.0
        sa = 0.0
        sw = 0.0
        sh = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            a = data[k]
            st += a * x[j, 0]
            sa += a * x[j, 1]
            sw += a * x[j, 2]
            if with_hotspot:
                sh += a * x[j, 3]
        out[0, i] = st
        out[1, i] = sa
        out[2, i] = sw
        if with_hotspot:
            out[3, i] = sh


@kernel
def trust_update(trust: np.ndarray, generalised: np.ndarray, ward_quality: np.ndarray, ward: np.ndarray,
                 disposition: np.ndarray, quality_weight: float,
                 who: np.ndarray, outcome: np.ndarray, expectation: np.ndarray, responsiveness: np.ndarray,
                 alpha_plus: float, alpha_minus: float, expectation_rate: float, responsiveness_rate: float,
                 transparency_weight: float, open_data_value: np.ndarray, municipality: np.ndarray,
                 awareness: np.ndarray, nbr_trust: np.ndarray, peer_weight: float, anchor_weight: float,
                 generalised_up: float, generalised_down: float,
                 new_trust: np.ndarray, new_generalised: np.ndarray) -> None:
    """The week's trust chain of :func:`cosim.model.stages.trust.trust`, into ``new_trust`` and ``new_generalised``.

    Fuses, in the stage's order (mechanisms in :mod:`cosim.model.mechanisms.trust`):
    ``quality_trust_update`` (perceived = ward quality + disposition), for the
    citizens ``who`` (distinct) ``asymmetric_trust_update`` and the
    ``adaptive_expectation`` of ``expectation`` and ``responsiveness`` (updated
    in place), ``transparency_update`` (open data value of the citizen's
    municipality), ``social_trust_update``, the clip to [0, 1] and
    ``generalised_trust_update``.
    """
    n = trust.size
    for i in range(n):
        t = trust[i]
        new_trust[i] = t + quality_weight * ((ward_quality[ward[i]] + disposition[i]) - t)
    for k in range(who.size):
        i = who[k]
        o = outcome[k]
        e = expectation[i]
        d = o - e
        new_trust[i] = _clip01(new_trust[i] + alpha_plus * _max0(d) + alpha_minus * _min0(d))
        expectation[i] = e + expectation_rate * (o - e)
        r = responsiveness[i]
        responsiveness[i] = r + responsiveness_rate * (o - r)
    for i in range(n):
        t = new_trust[i]
        t = t + (transparency_weight * open_data_value[municipality[i]]) * awareness[i] * (1.0 - t)
        g = generalised[i]
        t = t + peer_weight * (nbr_trust[i] - t) + anchor_weight * (g - t)
        t = _clip01(t)
        new_trust[i] = t
        gap = t - g
        new_generalised[i] = (generalised_up * _max0(gap) + g) + generalised_down * _min0(gap)


# ------------------------------------------------------------------ exogenous trends (stages/trends.py)


@kernel
def device_counts(income: np.ndarray, device: np.ndarray, counts: np.ndarray) -> None:
    """``np.add.at(counts, (income, device), 1.0)`` on a zeroed (groups x devices) ``counts``: citizens per cell."""
    counts[:, :] = 0.0
    for i in range(income.size):
        counts[income[i], device[i]] += 1.0


@kernel
def devices_changing(income: np.ndarray, device: np.ndarray, may_change: np.ndarray, who: np.ndarray) -> int:
    """``np.flatnonzero(may_change[income, device])`` into ``who[:count]``; returns ``count``."""
    count = 0
    for i in range(income.size):
        if may_change[income[i], device[i]]:
            who[count] = i
            count += 1
    return count


@kernel
def _min1(x: float) -> float:
    """Python's ``min(1.0, x)`` (``x`` unless ``x < 1.0`` fails: NaN gives 1.0)."""
    return x if x < 1.0 else 1.0


@kernel
def _device_transition(n_none: float, n_feature: float, n_smart: float, smart_target: float, phone_target: float,
                       t: np.ndarray) -> None:
    """:func:`cosim.model.mechanisms.trends.device_transition` into ``t`` (3 x 3), the same operations in order.

    Python's ``min(a, b)``/``max(a, b)`` on two floats written out (``a``
    unless ``b < a``/``b > a``), so NaN and signed zeros go as there.
    """
    for a in range(3):
        for b in range(3):
            t[a, b] = 1.0 if a == b else 0.0
    n = n_none + n_feature + n_smart
    if n <= 0:
        return
    if phone_target < smart_target:
        smart_target = phone_target
    d_smart = n * smart_target - n_smart
    new_from_none = 0.0
    if d_smart > _GAP_TOLERANCE:
        up = _min1(d_smart / n_feature) if n_feature > 0 else 0.0
        t[1, 2] = up
        t[1, 1] = 1.0 - up
        rest = d_smart - n_feature
        if rest < 0.0:
            rest = 0.0
        direct = _min1(rest / n_none) if n_none > 0 and rest > 0 else 0.0
        t[0, 2] = direct
        t[0, 0] = 1.0 - direct
        new_from_none = direct * n_none
    elif d_smart < -_GAP_TOLERANCE:
        down = _min1(-d_smart / n_smart)
        t[2, 1] = down
        t[2, 2] = 1.0 - down
    d_phone = n * phone_target - (n_feature + n_smart + new_from_none)
    if d_phone > _GAP_TOLERANCE:
        still_none = n_none - new_from_none
        gain = _min1(d_phone / still_none) if still_none > 0 else 0.0
        t[0, 1] = gain * t[0, 0]
        t[0, 0] -= t[0, 1]
    elif d_phone < -_GAP_TOLERANCE:
        features = n_feature * t[1, 1] + n_smart * t[2, 1]
        lose = _min1(-d_phone / features) if features > 0 else 0.0
        t[1, 0] = lose * t[1, 1]
        t[1, 1] -= t[1, 0]
        t[2, 0] = lose * t[2, 1]
        t[2, 1] -= t[2, 0]


@kernel
def device_week(income: np.ndarray, device: np.ndarray, smart_targets: np.ndarray, phone_target: float,
                transition: np.ndarray, who: np.ndarray) -> int:
    """The week's device transitions of :func:`cosim.model.stages.trends.devices` up to its draws; returns ``count``.

    Fuses: the counts per (income group, device) (:func:`device_counts`); each
    group's targets, a NaN target (not scheduled) held at the group's current
    share, ``counts[g, 2] / max(size, 1.0)`` for smartphones and
    ``(counts[g, 1] + counts[g, 2]) / max(size, 1.0)`` for phones; the
    group's ``transition[g]`` (mechanisms.trends.device_transition); and the
    citizens whose device may change, ``flatnonzero((1 - T[income, d, d]) > 0)``
    into ``who[:count]`` (:func:`devices_changing`).
    """
    counts = np.empty((3, 3))
    device_counts(income, device, counts)
    may_change = np.empty((3, 3), np.bool_)
    for g in range(3):
        size = counts[g, 0] + counts[g, 1] + counts[g, 2]  # whole numbers: any order is exact
        if size < 1.0:
            size = 1.0
        smart = smart_targets[g]
        if smart != smart:
            smart = counts[g, 2] / size
        phone = phone_target
        if phone != phone:
            phone = (counts[g, 1] + counts[g, 2]) / size
        _device_transition(counts[g, 0], counts[g, 1], counts[g, 2], smart, phone, transition[g])
        for d in range(3):
            may_change[g, d] = (1.0 - transition[g, d, d]) > 0
    return devices_changing(income, device, may_change, who)


@kernel
def next_devices(device: np.ndarray, income: np.ndarray, who: np.ndarray, u: np.ndarray,
                 transition: np.ndarray) -> None:
    """``device[who]`` = :func:`cosim.model.mechanisms.trends.next_device` with each citizen's ``transition[income]``.

    ``who`` distinct; citizen ``who[k]`` reads ``u[k]``.  The mechanism's order
    of moves: from no phone a smartphone first, then a feature phone; from a
    feature phone a smartphone, then none; from a smartphone a feature phone,
    then none; else the device is kept.
    """
    for k in range(who.size):
        i = who[k]
        d = device[i]
        if d == 0:
            first, second = 2, 1
        elif d == 1:
            first, second = 2, 0
        else:
            first, second = 1, 0
        g = income[i]
        p_first = transition[g, d, first]
        p_second = transition[g, d, second]
        if u[k] < p_first:
            device[i] = first
        elif u[k] < p_first + p_second:
            device[i] = second


@kernel
def ageing(u: np.ndarray, chance: np.ndarray, age: np.ndarray, demand: np.ndarray, youth_demand: float,
           new_age: np.ndarray, leaving: np.ndarray, youth_bit: np.ndarray) -> int:
    """The week's ageing of :func:`cosim.model.stages.trends.cohort_turnover`; returns how many seniors leave.

    A citizen moves on when ``u < chance[age]`` (mechanisms.trends.ageing_chances):
    a youth becomes an adult (their hotspot demand divided by
    ``youth_demand`` in place), an adult a senior, into ``new_age``; a senior
    leaves: their index goes to ``leaving[:count]`` (in citizen order) and
    ``new_age`` keeps 2 (the stage puts the newcomer in).  ``youth_bit`` gets
    the stage's ``(age == 0).astype(np.uint8) * np.uint8(8)`` of the ages
    after the week, a leaver's newcomer a youth.
    """
    count = 0
    for i in range(u.size):
        a = age[i]
        youth = False
        if u[i] < chance[a]:
            if a == 2:
                leaving[count] = i
                count += 1
                new_age[i] = a
                youth = True  # the newcomer in this slot
            else:
                if a == 0:
                    demand[i] = demand[i] / youth_demand
                new_age[i] = a + 1
        else:
            new_age[i] = a
            youth = a == 0
        youth_bit[i] = np.uint8(8) if youth else np.uint8(0)
    return count


@kernel
def newcomers(leaving: np.ndarray, income: np.ndarray, municipality: np.ndarray, z: np.ndarray, u: np.ndarray,
              cohort: np.ndarray, youth_shift: float, literacy_sd: float, smart: np.ndarray, phone: np.ndarray,
              data_mean: np.ndarray, trust_mean: float, trust_sd: float, mean_quality: np.ndarray,
              privacy_mean: float, privacy_sd: float, awareness_initial: float, awareness_literacy_base: float,
              adopted_initial: float, floor_share: float, youth_demand: float, never: int,
              age: np.ndarray, literacy: np.ndarray, literacy_floor: np.ndarray, device: np.ndarray,
              data_affordability: np.ndarray, trust: np.ndarray, generalised: np.ndarray, disposition: np.ndarray,
              privacy_concern: np.ndarray, awareness: np.ndarray, adopted: np.ndarray, efficacy: np.ndarray,
              expectation: np.ndarray, responsiveness: np.ndarray, contributions: np.ndarray,
              last_participation: np.ndarray, last_online: np.ndarray, window_comments: np.ndarray,
              window_attended: np.ndarray, hotspot_known: np.ndarray, hotspot_habit: np.ndarray,
              hotspot_ever: np.ndarray, hotspot_demand_mb: np.ndarray) -> None:
    """The newcomers of :func:`cosim.model.stages.trends.cohort_turnover` put in the leavers' slots, in place.

    Newcomer ``j`` takes slot ``leaving[j]`` and reads ``z[:, j]`` (standard
    normals: literacy, trust, privacy) and ``u[:, j]`` (uniforms: device,
    adoption).  The stage's NumPy per newcomer, the same operations in order:
    literacy ``clip((cohort[g] + youth_shift) + literacy_sd z0)``
    (mechanisms.trends.newcomer_literacy) and its floor ``floor_share x
    literacy``; a smartphone when ``u0 < min(smart[g], phone[g])``, else a
    feature phone when ``u0 < phone[g]`` (mechanisms.trends.newcomer_device;
    shares are never NaN or -0.0); the group's mean data affordability;
    trust ``clip(trust_mean + trust_sd z1)``, generalised trust the same,
    disposition ``trust - mean_quality[municipality]``; privacy
    ``clip(privacy_mean + privacy_sd z2)``; awareness
    ``clip(awareness_initial x (awareness_literacy_base + literacy))``
    (build.initial_awareness); adopted ``u1 < adopted_initial`` with a
    phone; age 0, efficacy, expectation and responsiveness 0.5, no
    contributions, never participated or online (``never``), no window
    comments or meetings, no hotspot known, habit or use, the slot's hotspot
    demand times ``youth_demand``.
    """
    for j in range(leaving.size):
        i = leaving[j]
        g = income[i]
        lit = _clip01((cohort[g] + youth_shift) + literacy_sd * z[0, j])
        s = smart[g]
        p = phone[g]
        best = s if s < p else p
        if u[0, j] < best:
            d = 2
        elif u[0, j] < p:
            d = 1
        else:
            d = 0
        t = _clip01(trust_mean + trust_sd * z[1, j])
        age[i] = 0
        literacy[i] = lit
        literacy_floor[i] = floor_share * lit
        device[i] = d
        data_affordability[i] = data_mean[g]
        trust[i] = t
        generalised[i] = t
        disposition[i] = t - mean_quality[municipality[i]]
        privacy_concern[i] = _clip01(privacy_mean + privacy_sd * z[2, j])
        awareness[i] = _clip01(awareness_initial * (awareness_literacy_base + lit))
        adopted[i] = u[1, j] < adopted_initial and d >= 1
        efficacy[i] = 0.5
        expectation[i] = 0.5
        responsiveness[i] = 0.5
        contributions[i] = 0
        last_participation[i] = never
        last_online[i] = never
        window_comments[i] = 0
        window_attended[i] = 0
        hotspot_known[i] = False
        hotspot_habit[i] = 0.0
        hotspot_ever[i] = False
        hotspot_demand_mb[i] = hotspot_demand_mb[i] * youth_demand


@kernel
def shifted_affordability(affordability: np.ndarray, group: np.ndarray, targets: np.ndarray,
                          out: np.ndarray) -> None:
    """:func:`cosim.model.mechanisms.trends.shifted_affordability` into ``out``.

    Group totals summed in citizen order from 0.0 (as ``np.bincount``), the
    mean 0 for an empty group, no shift for a NaN target, the clip to [0, 1].
    """
    m = targets.size
    total = np.zeros(m)
    size = np.zeros(m, np.int64)
    for i in range(affordability.size):
        g = group[i]
        total[g] += affordability[i]
        size[g] += 1
    shift = np.zeros(m)
    for g in range(m):
        mean = total[g] / np.float64(size[g]) if size[g] > 0 else 0.0
        shift[g] = 0.0 if targets[g] != targets[g] else targets[g] - mean
    for i in range(affordability.size):
        out[i] = _clip01(affordability[i] + shift[group[i]])
