"""Kernels of stages 3-6 (access, literacy, awareness, adoption): each one pass over the citizens.

Each kernel fuses a chain of :mod:`cosim.model.mechanisms` calls that a stage
of :mod:`cosim.model.stages.citizens` made one NumPy call at a time, with the
same floating-point operations in the same order (rules: :mod:`cosim.jit`).
The transcendental steps stay NumPy calls between kernels: the power of
mechanisms.hotspot_use_chance and the exponential of mechanisms.intention.
``tests/test_kernels_access.py`` checks every kernel against the mechanism
functions bit for bit.

The helpers below are NumPy's elementwise rules for one float:
``np.minimum``/``np.maximum`` (a NaN propagates) and ``np.clip`` (NumPy 2's
``min(max(x, lo), hi)``, a NaN passes through).
"""

from __future__ import annotations

import numpy as np

from cosim.jit import kernel


@kernel
def _minimum(a, b):
    """np.minimum(a, b) for one pair of floats: a NaN propagates, a tie (0.0 and -0.0) gives ``b``, as NumPy does."""
    return a if (a < b) | (a != a) else b


@kernel
def _maximum(a, b):
    """np.maximum(a, b) for one pair of floats: a NaN propagates, a tie (0.0 and -0.0) gives ``b``, as NumPy does."""
    return a if (a > b) | (a != a) else b


@kernel
def _clip(x, lo, hi):
    """np.clip(x, lo, hi) for one float: ``x`` unless it lies outside [lo, hi] (a NaN and a -0.0 at 0.0 pass, as in
    NumPy); selects, which vectorise."""
    x = lo if x < lo else x
    return hi if x > hi else x


@kernel
def _capacity_share(demand, capacity, out):
    """mechanisms.capacity_share(demand, capacity) into ``out`` (demand: whole numbers of users per node)."""
    for k in range(demand.size):
        d = float(demand[k])
        if d > 0:
            out[k] = _minimum(1.0, capacity[k] / _maximum(d, 1.0))
        else:
            out[k] = 1.0


@kernel
def hotspot_use_base(habit, age, hs, base, youth_factor, x, e):
    """The base and exponent of mechanisms.hotspot_use_chance for each hotspot user ``hs``.

    ``x = (1 - base)(1 - habit)`` and ``e = youth_factor`` for the young, else 1;
    the caller takes ``x ** e`` with NumPy (a non-integer power stays out of
    kernels) and passes it to :func:`access_week`.
    """
    for j in range(hs.size):
        i = hs[j]
        x[j] = (1.0 - base) * (1.0 - habit[i])
        e[j] = youth_factor if age[i] == 0 else 1.0


@kernel
def access_week(device, afford, data_factor, municipality, u, row_data, row_hotspot, row_centre,
                hs, hs_node, hotspot_known, nbr_hotspot, demand_mb, hs_power, signage, word_of_mouth,
                campaign_reach, cap_mb, node_up, node_capacity, cc, cc_node,
                smartphone, has_data, hotspot_ok, centre_ok):
    """Who has access this week (stages.access and stages.hotspots up to mechanisms.online_access).

    Fuses: ``smartphone`` (device 2); own data ``u[DATA] < affordability (x
    data_factor of the municipality when ``data_factor`` is not empty)``;
    hotspot discovery (mechanisms.hotspot_discovery, sets ``hotspot_known``),
    the hotspot askers' capacity share (mechanisms.capacity_share) times use
    chance (mechanisms.hotspot_use_chance: ``1 - hs_power``) times
    mechanisms.cap_share; those still offline ask their access centre, served
    with its capacity share.  Writes ``smartphone``, ``has_data``,
    ``hotspot_ok`` and ``centre_ok`` (all citizens), the arguments of
    mechanisms.online_access.
    """
    n = device.size
    n_nodes = node_capacity.size
    if data_factor.size:
        for i in range(n):
            has_data[i] = u[row_data, i] < afford[i] * data_factor[municipality[i]]
    else:
        for i in range(n):
            has_data[i] = u[row_data, i] < afford[i]
    for i in range(n):
        smartphone[i] = device[i] == 2
        hotspot_ok[i] = False
        centre_ok[i] = False
    count = np.zeros(n_nodes, dtype=np.int64)
    served = np.empty(n_nodes)
    if hs.size:
        ask = np.zeros(hs.size, dtype=np.bool_)
        for j in range(hs.size):
            i = hs[j]
            if not smartphone[i]:
                continue
            if not hotspot_known[i]:  # knew it at the start of the week? if not, may discover it
                discover = _minimum(1.0, signage + word_of_mouth * nbr_hotspot[i] + campaign_reach)
                if u[row_hotspot, i] < discover:
                    hotspot_known[i] = True
            elif not has_data[i] and node_up[hs_node[j]]:
                ask[j] = True
                count[hs_node[j]] += 1
        _capacity_share(count, node_capacity, served)
        for j in range(hs.size):
            if ask[j]:
                i = hs[j]
                chance = served[hs_node[j]] * (1.0 - hs_power[j]) * _minimum(1.0, cap_mb / demand_mb[i])
                hotspot_ok[i] = u[row_hotspot, i] < chance
    # those still offline ask their access centre, if it is up
    count[:] = 0
    ask_c = np.zeros(cc.size, dtype=np.bool_)
    for j in range(cc.size):
        i = cc[j]
        on_phone = (smartphone[i] & has_data[i]) | hotspot_ok[i]
        if not on_phone and node_up[cc_node[j]]:
            ask_c[j] = True
            count[cc_node[j]] += 1
    _capacity_share(count, node_capacity, served)
    for j in range(cc.size):
        if ask_c[j]:
            i = cc[j]
            centre_ok[i] = u[row_centre, i] < served[cc_node[j]]


@kernel
def use_gate_hotspot_week(online, u, row_use, chance, hotspot_ok, hs, habit, demand_mb, max_days, cap_mb, gain,
                          decay, used, ever, days, capped):
    """The use gate of stages.access, then this week's hotspot use: ``used``, ``days``, ``capped``; ``ever``, ``habit``.

    Fuses ``online &= u[row_use] < chance`` (``chance``: mechanisms.use_chance;
    ``online``: mechanisms.online_access, updated in place),
    mechanisms.days_of_use (on the habit before this week's update) and
    mechanisms.habit_update for the users ``hs``.
    """
    for i in range(online.size):
        on = online[i] & (u[row_use, i] < chance[i])
        online[i] = on
        h_ok = hotspot_ok[i] & on
        used[i] = h_ok
        ever[i] = ever[i] | h_ok
        d = 1.0 + (max_days - 1.0) * habit[i]
        days[i] = d if h_ok else 0.0
        capped[i] = h_ok & (demand_mb[i] > cap_mb)
    for j in range(hs.size):
        i = hs[j]
        h = habit[i]
        habit[i] = h + gain * (1.0 - h) if used[i] else h * (1.0 - decay)


@kernel
def _facilitating(online, e, device, ussd_access, out):
    """facilitating_week for one municipality's citizens (``e``: an e-channel open there)."""
    for i in range(online.size):  # np.maximum(fc, share) = fc >= share ? fc : share (fc not NaN)
        fc = 1.0 if online[i] & e else 0.0
        share = ussd_access * (1.0 if device[i] >= 1 else 0.0)
        out[i] = fc if fc >= share else share


@kernel
def facilitating_week(online, portal_av, social, bounds, device, ussd_access, out):
    """mechanisms.facilitating_conditions with USSD open, as floats: 1 online with an open e-channel, else USSD's share.

    np.maximum of the boolean (online and an e-channel open in the
    municipality: its portal, ``portal_av[m]``, or ``social`` media) and
    ``ussd_access x phone`` (a phone: ``device >= 1``).
    Municipality ``m``'s citizens are ``bounds[m]:bounds[m + 1]``; the loop over
    each one's slice, with the municipality's values as scalars, vectorises.
    """
    for m in range(bounds.size - 1):
        a, b = bounds[m], bounds[m + 1]
        _facilitating(online[a:b], portal_av[m] | social, device[a:b], ussd_access, out[a:b])


@kernel
def facilitating_week_bool(online, portal_av, social, bounds, out):
    """mechanisms.facilitating_conditions with USSD closed: online and an open e-channel (portal or social; booleans)."""
    for m in range(bounds.size - 1):
        e = portal_av[m] | social
        for i in range(bounds[m], bounds[m + 1]):
            out[i] = online[i] & e


@kernel
def training_seats(seats_per_week, scale, frac_draw, seats):
    """Training seats taken per municipality (stages.training): ``floor(seats_per_week / scale + frac_draw)``.

    Stochastic rounding of the fractional seats, into ``seats`` as floats (0
    everywhere when ``seats_per_week`` is not positive); returns how many
    municipalities have seats (``np.count_nonzero``).
    """
    with_seats = 0
    for m in range(seats.size):
        k = np.floor(seats_per_week / scale[m] + frac_draw[m]) if seats_per_week > 0 else 0.0
        seats[m] = k
        if k != 0.0:
            with_seats += 1
    return with_seats


@kernel
def literacy_week(literacy, online, adopted, trained, training_gain, learning_by_doing, decay, floor,
                  awareness, training_awareness, device, out):
    """stages.literacy: mechanisms.literacy_update into ``out``; the trained become aware and sign up.

    A trainee's literacy closes ``training_gain`` of its gap first; then use
    (online and adopted at the start of the week) teaches, disuse decays toward
    the floor, clipped to [0, 1].  Trainees' ``awareness`` gains
    ``training_awareness`` of its gap and those with a phone adopt (in place).
    """
    for i in range(literacy.size):
        lit = literacy[i]
        used = online[i] & adopted[i]
        if trained[i]:  # the few trained this week
            lit = lit + training_gain * (1.0 - lit)
            a = awareness[i]
            awareness[i] = a + training_awareness * (1.0 - a)
            if device[i] >= 1:
                adopted[i] = True
        learnt = lit + learning_by_doing * (1.0 - lit)
        decayed = lit - decay * _maximum(lit - floor[i], 0.0)
        out[i] = _clip(learnt if used else decayed, 0.0, 1.0)


@kernel
def awareness_week(awareness, campaign_reach, word_of_mouth, nbr_awareness, idp_boost, in_idp_window, decay, out):
    """stages.awareness: mechanisms.awareness_update into ``out``."""
    for i in range(awareness.size):
        gain = campaign_reach + word_of_mouth * nbr_awareness[i]
        if in_idp_window:
            gain += idp_boost
        a = awareness[i]
        out[i] = _clip(a + (1.0 - a) * _minimum(gain, 1.0) - decay * a, 0.0, 1.0)


@kernel
def _intention_exponent(privacy_concern, safety, awareness, online, literacy, responsiveness, value, trust,
                        open_data_weight, beta_performance, beta_effort, beta_trust, beta_privacy, out):
    """intention_exponent for one municipality's citizens (``safety`` = 1 - posture, ``value``: its open data's)."""
    for i in range(awareness.size):
        risk = privacy_concern[i] * safety
        reach = awareness[i] * online[i] * (0.5 + 0.5 * literacy[i])
        performance = _clip(responsiveness[i] + open_data_weight * (value * reach), 0.0, 1.0)
        u = (beta_performance * (performance - 0.5) + beta_effort * (literacy[i] - 0.5)
             + beta_trust * (trust[i] - 0.5) - beta_privacy * risk)
        out[i] = -u


@kernel
def intention_exponent(privacy_concern, posture, awareness, online, literacy, responsiveness, open_data_value,
                       trust, bounds, open_data_weight, beta_performance, beta_effort, beta_trust,
                       beta_privacy, out):
    """The exponent ``-u`` of mechanisms.intention (the caller takes np.exp of it) into ``out``.

    Fuses mechanisms.privacy_risk, open_data_reach, performance_expectancy and
    the linear predictor of mechanisms.intention; ``posture`` and
    ``open_data_value`` are per municipality, whose citizens are
    ``bounds[m]:bounds[m + 1]`` (a loop over each one's slice vectorises).
    """
    for m in range(bounds.size - 1):
        a, b = bounds[m], bounds[m + 1]
        _intention_exponent(privacy_concern[a:b], 1.0 - posture[m], awareness[a:b], online[a:b], literacy[a:b],
                            responsiveness[a:b], open_data_value[m], trust[a:b], open_data_weight,
                            beta_performance, beta_effort, beta_trust, beta_privacy, out[a:b])


@kernel
def adoption_week(exp_minus_u, p, q, nbr_adopted, awareness, fc, lapse_rate, u_adopt, adopted, out):
    """stages.adoption after the exponential: mechanisms.intention, adoption_hazard, lapse_hazard, the decision.

    ``exp_minus_u`` is np.exp of :func:`intention_exponent`'s output; ``fc``
    the facilitating conditions as floats.  Adopters stay unless
    ``u_adopt < lapse``; others adopt when ``u_adopt < hazard``.
    """
    for i in range(adopted.size):
        intent = 2.0 / (1.0 + exp_minus_u[i])
        stay = u_adopt[i] >= lapse_rate * _clip(1.0 - intent, 0.0, 1.0)
        adopt = u_adopt[i] < _clip((p + q * nbr_adopted[i]) * intent * awareness[i] * fc[i], 0.0, 1.0)
        out[i] = stay if adopted[i] else adopt
