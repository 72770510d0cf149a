"""The participation kernels (:mod:`cosim.model.kernels.participation`) equal the NumPy mechanisms bit for bit.

The references below are stage 7 as a chain of NumPy calls of
:mod:`cosim.model.mechanisms` (the engine before the kernels); each kernel is
checked against them on random populations with edge values (draws and chances
of 0 and 1, costs of 0, 1, above 1 and inf, ties between channels, an empty
population), every combination of open channels, and equal dtypes.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cosim.model import mechanisms as mech
from cosim.model.kernels import participation as kp

MEETING_CHANNEL = 4
N_MUNI = 3


def population(rng: np.random.Generator, n: int) -> dict:
    """Random citizens, with edge values mixed in."""
    def unit(size: int) -> np.ndarray:
        x = rng.random(size)
        edges = rng.random(size)
        x[edges < 0.1] = 0.0
        x[(edges >= 0.1) & (edges < 0.2)] = 1.0
        return x

    cost = np.where(rng.random(n) < 0.5, rng.choice([0.0, 0.3, 0.5, 0.999, 1.0, 1.7, np.inf], n),
                    rng.random(n) * 1.2)
    u = unit(6 * n).reshape(6, n)
    u[4] = rng.random(n)  # the comment count's draw is in [0, 1) (1 would be an infinite count)
    return {
        "u": u,
        "need_chance": unit(n),
        "adopted": rng.random(n) < 0.6,
        "online": rng.random(n) < 0.6,
        "municipality": np.sort(rng.integers(0, N_MUNI, n)).astype(np.int64),
        "device": rng.integers(0, 3, n).astype(np.int8),
        "youth_bit": (rng.random(n) < 0.3).astype(np.uint8) * np.uint8(8),
        "meeting_cost": cost,
        "trust": unit(n),
        "efficacy": unit(n),
        "propensity": unit(n),
        "awareness": unit(n),
        "reach": 1.0 + 3.0 * rng.random(n),
        "contributions": rng.integers(0, 5, n).astype(np.int64),
        "last_participation": rng.integers(-5, 5, n).astype(np.int64),
    }


def tables(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """mechanisms.cheapest_e_channel with costs drawn from a few values (so ties happen)."""
    portal, ussd, social = rng.choice([0.1, 0.2, 0.5, 1.0, 1.5], 3)
    return mech.cheapest_e_channel(portal, ussd, social, rng.choice([0.5, 1.0, 2.0]))


def params(rng: np.random.Generator) -> dict:
    return {
        "efficacy_weight": rng.choice([0.0, 0.3, 1.0]), "iap2_efficacy": rng.choice([0.0, 0.15]),
        "level_offered": int(rng.integers(1, 6)), "personal_weight": rng.choice([0.0, 0.25, 1.0]),
        "level_of_channel": rng.integers(0, 6, 5).astype(np.int8),
        "portal_av": rng.random(N_MUNI) < 0.7, "t": int(rng.integers(0, 300)),
    }


def reference_choices(p: dict, pr: dict, e_best, e_cost, ussd, social, meetings):
    """Pattern of open e-channels, efficacy and the chance to act (the engine's NumPy chain)."""
    adopted_online = p["adopted"] & p["online"]
    pattern = (adopted_online & pr["portal_av"][p["municipality"]]).astype(np.uint8)
    if ussd:
        pattern += (p["adopted"] & (p["device"] >= 1)) * np.uint8(2)
    if social:
        pattern += adopted_online * np.uint8(4)
    pattern += p["youth_bit"]
    best_cost = e_cost.take(pattern)
    if meetings:
        best_cost = np.minimum(best_cost, p["meeting_cost"])
    efficacy = mech.efficacy(p["trust"], pr["efficacy_weight"], pr["iap2_efficacy"], pr["level_offered"])
    efficacy = efficacy * mech.personal_efficacy(p["efficacy"], pr["personal_weight"])
    return pattern, efficacy, mech.act_probability(p["propensity"], efficacy, best_cost)


def reference_channel(p, pattern, who, e_best, e_cost, meetings):
    best = e_best.take(pattern[who])
    if meetings:
        best[p["meeting_cost"][who] < e_cost.take(pattern[who])] = MEETING_CHANNEL - 1
    return best + 1


def eff_of(pr: dict) -> np.ndarray:
    return np.array(kp.efficacy_factors(pr["efficacy_weight"], pr["iap2_efficacy"], pr["level_offered"],
                                        pr["personal_weight"]))


def channel_args(p, pr, ussd, social, meetings):
    return (p["adopted"], p["online"], pr["portal_av"], p["municipality"], p["device"], p["youth_bit"],
            ussd, social, meetings, p["meeting_cost"])


def assert_same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    assert np.array_equal(a, b)


def old_queue(rng: np.random.Generator):
    m = int(rng.integers(0, 4))
    return (rng.integers(0, 50, m).astype(np.int64), rng.integers(0, 9, m).astype(np.int64),
            rng.integers(1, 5, m).astype(np.int8))


FLAGS = list(itertools.product([False, True], repeat=3))


@pytest.mark.parametrize(("seed", "n"), [(0, 0), (1, 1), (2, 7), (3, 300), (4, 2000)])
@pytest.mark.parametrize(("ussd", "social", "meetings"), FLAGS)
def test_act_on_needs_equals_mechanisms(seed, n, ussd, social, meetings):
    rng = np.random.default_rng(seed)
    p, pr = population(rng, n), params(rng)
    e_best, e_cost = tables(rng)
    q = old_queue(rng)
    u = p["u"]
    # the reference: the NumPy chain of the stage, for those with a need
    need = u[0] < p["need_chance"]
    pattern, _, act_p = reference_choices(p, pr, e_best, e_cost, ussd, social, meetings)
    acting = np.flatnonzero(need & (u[1] < act_p))
    channel = np.zeros(n, dtype=np.int8)
    channel[acting] = reference_channel(p, pattern, acting, e_best, e_cost, meetings)
    level = np.zeros(n, dtype=np.int8)
    level[acting] = pr["level_of_channel"].take(channel[acting])
    contributions, last = p["contributions"].copy(), p["last_participation"].copy()
    contributions[acting] += 1
    last[acting] = pr["t"]
    requests = np.bincount(p["municipality"][acting], minlength=N_MUNI).astype(float)
    # the kernel
    k_contrib, k_last = p["contributions"].copy(), p["last_participation"].copy()
    out = kp.act_on_needs(u[0], p["need_chance"], u[1], *channel_args(p, pr, ussd, social, meetings),
                          p["trust"], p["efficacy"], p["propensity"], eff_of(pr), e_best, e_cost,
                          pr["level_of_channel"], pr["t"], N_MUNI, k_contrib, k_last, *q)
    k_channel, k_level, q_cit, q_week, q_chan, k, k_requests = out
    assert k == acting.size
    assert_same(k_channel, channel)
    assert_same(k_level, level)
    assert_same(k_contrib, contributions)
    assert_same(k_last, last)
    assert_same(k_requests, requests)
    assert_same(q_cit, np.concatenate([q[0], acting]))
    assert_same(q_week, np.concatenate([q[1], np.full(acting.size, pr["t"], dtype=np.int64)]))
    assert_same(q_chan, np.concatenate([q[2], channel[acting]]))


def reference_consultation(p, pr, idp, e_best, e_cost, ussd, social, meetings):
    """The IDP window week as the engine's NumPy chain (stage 7 with the consultation)."""
    n = p["need_chance"].size
    u = p["u"]
    need = u[0] < p["need_chance"]
    pattern, efficacy, act_p = reference_choices(p, pr, e_best, e_cost, ussd, social, meetings)
    act = need & (u[1] < act_p)
    acting = np.flatnonzero(act)
    if meetings and idp["meetings"] > 0:
        attend_p = mech.attend_chance(idp["attend_rate"], idp["meetings"] / idp["weeks"], p["propensity"],
                                      efficacy, p["meeting_cost"])
        attended = u[2] < attend_p
    else:
        attended = np.zeros(n, dtype=bool)
    attending = np.flatnonzero(attended)
    e_cost_now = e_cost.take(pattern)
    on_paper = (e_cost_now > idp["paper_cost"]) if meetings else np.zeros(n, dtype=bool)
    cost = np.where(on_paper, idp["paper_cost"], e_cost_now)
    p_comment = mech.comment_chance(idp["comment_rate"], p["propensity"], efficacy, p["awareness"], cost)
    p_comment[attending] = idp["speak_share"]
    commenters = np.flatnonzero(u[3] < p_comment)
    scale = np.minimum(p["reach"][commenters], 2.5) ** 0.7
    comments = np.zeros(n, dtype=np.int64)
    comments[commenters] = mech.comment_count(u[4, commenters], scale, 1.8, idp["most"])
    via = np.full(n, -1, dtype=np.int64)
    e_way = np.where(e_best.take(pattern) == 1, 1, 0)
    via[commenters] = np.where(on_paper[commenters], 2, e_way[commenters])
    via[np.flatnonzero(attended & (comments > 0))] = 3
    took = np.flatnonzero(act | (comments > 0) | attended)
    channel = np.zeros(n, dtype=np.int8)
    channel[took] = reference_channel(p, pattern, took, e_best, e_cost, meetings)
    consult_only = np.zeros(n, dtype=bool)
    consult_only[commenters] = True
    consult_only[attending] = True
    consult_only[acting] = False
    only = np.flatnonzero(consult_only)
    by_e = (via[only] >= 0) & (via[only] <= 1)
    channel[only] = np.where(by_e, e_best.take(pattern[only]) + 1, MEETING_CHANNEL)
    level = np.zeros(n, dtype=np.int8)
    level[took] = pr["level_of_channel"].take(channel[took])
    contributions, last = p["contributions"].copy(), p["last_participation"].copy()
    contributions[acting] += 1
    contributions[commenters] += comments[commenters]
    contributions[attending] += 1
    last[took] = pr["t"]
    commented = np.zeros(n, dtype=bool)
    commented[commenters] = True
    requests = np.bincount(p["municipality"][acting], minlength=N_MUNI).astype(float)
    return dict(pattern=pattern, act=act, attended=attended, on_paper=on_paper, commenters=commenters,
                channel=channel, level=level, comments=comments, commented=commented, via=via,
                contributions=contributions, last=last, acting=acting, requests=requests)


@pytest.mark.parametrize(("seed", "n"), [(10, 0), (11, 1), (12, 7), (13, 300), (14, 2000)])
@pytest.mark.parametrize(("ussd", "social", "meetings"), FLAGS)
@pytest.mark.parametrize("n_meetings", [0, 2])
def test_consultation_equals_mechanisms(seed, n, ussd, social, meetings, n_meetings):
    rng = np.random.default_rng(seed)
    p, pr = population(rng, n), params(rng)
    e_best, e_cost = tables(rng)
    q = old_queue(rng)
    idp = {"meetings": n_meetings, "weeks": 6, "attend_rate": rng.choice([0.5, 3.0]),
           "paper_cost": rng.choice([0.0, 0.2, 0.5, 1.0]), "comment_rate": rng.choice([0.3, 1.0, 5.0]),
           "speak_share": rng.choice([0.0, 0.3, 1.0]), "most": int(rng.choice([1, 2, 50]))}
    ref = reference_consultation(p, pr, idp, e_best, e_cost, ussd, social, meetings)
    u = p["u"]
    attend = bool(meetings and idp["meetings"] > 0)
    attend_factor = float(idp["attend_rate"] * (idp["meetings"] / idp["weeks"])) if attend else 0.0
    pattern, act, attended, on_paper, commenters = kp.consultation_choices(
        u[0], p["need_chance"], u[1], u[2], u[3], *channel_args(p, pr, ussd, social, meetings), p["trust"],
        p["efficacy"], p["propensity"], p["awareness"], eff_of(pr), e_cost, attend, attend_factor,
        float(idp["comment_rate"]), float(idp["paper_cost"]), float(idp["speak_share"]))
    assert_same(pattern, ref["pattern"])
    assert_same(act, ref["act"])
    assert_same(attended, ref["attended"])
    assert_same(commenters, ref["commenters"])
    assert_same(on_paper, ref["on_paper"])
    scale = np.minimum(p["reach"][commenters], 2.5) ** 0.7
    counts = mech.comment_count(u[4, commenters], scale, 1.8, idp["most"])
    k_contrib, k_last = p["contributions"].copy(), p["last_participation"].copy()
    (channel, level, comments, commented, via, q_cit, q_week, q_chan, k, requests) = kp.consultation_outcome(
        pattern, act, attended, on_paper, commenters, counts, meetings, p["meeting_cost"], e_best, e_cost,
        pr["level_of_channel"], p["municipality"], pr["t"], N_MUNI, k_contrib, k_last, *q)
    for name, got in (("channel", channel), ("level", level), ("comments", comments), ("commented", commented),
                      ("via", via), ("contributions", k_contrib), ("last", k_last), ("requests", requests)):
        assert got.dtype == ref[name].dtype and np.array_equal(got, ref[name]), name
    acting = ref["acting"]
    assert k == acting.size
    assert_same(q_cit, np.concatenate([q[0], acting]))
    assert_same(q_week, np.concatenate([q[1], np.full(acting.size, pr["t"], dtype=np.int64)]))
    assert_same(q_chan, np.concatenate([q[2], ref["channel"][acting]]))


def test_efficacy_factors_equal_mechanisms():
    """efficacy = (a + b trust) f (c + d e) is mechanisms.efficacy x mechanisms.personal_efficacy bit for bit."""
    rng = np.random.default_rng(5)
    trust, personal = rng.random(1000), rng.random(1000)
    for w, i2, lvl, pw in itertools.product([0.0, 0.3, 0.7, 1.0], [0.0, 0.15, 0.4], range(1, 6), [0.0, 0.25, 1.0]):
        a, b, f, c, d = kp.efficacy_factors(w, i2, lvl, pw)
        ref = mech.efficacy(trust, w, i2, lvl) * mech.personal_efficacy(personal, pw)
        assert np.array_equal((a + b * trust) * f * (c + d * personal), ref)
