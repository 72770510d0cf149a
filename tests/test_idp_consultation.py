"""The IDP consultation as a process of its own (issue 14; MODEL.md s3 steps 7-8).

Written comments (several per commenter, heavy-tailed), ward meeting attendance
per meeting, who comments; rarer than service requests, outside the request
queue, moving plans toward the wards that gave input.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cosim import CoProductionModel, load_scenario
from cosim.errors import CosimError
from cosim.model import mechanisms as mech
from cosim.model import stages

# --------------------------------------------------------------------------- the rules, exactly


def test_comment_count_is_the_discrete_pareto_inverse_cdf():
    # k = min(most, max(1, floor(s (1 - u)^(-1/a)))); values chosen so the powers are exact
    u = np.array([0.0, 0.5, 0.75, 0.9375, 1.0 - 1.0 / 65536.0])
    assert mech.comment_count(u, 1.0, 2.0, 50).tolist() == [1, 1, 2, 4, 50]  # 256 capped at 50
    assert mech.comment_count(u, 1.0, 2.0, 1000).tolist() == [1, 1, 2, 4, 256]
    assert mech.comment_count(u, 4.0, 2.0, 1000).tolist() == [4, 5, 8, 16, 1000]  # 1024 capped
    # the activist's scale, per commenter
    assert mech.comment_count(np.array([0.75, 0.75]), np.array([1.0, 3.0]), 2.0, 50).tolist() == [2, 6]
    assert mech.comment_count(np.array([0.0]), 0.5, 2.0, 50).tolist() == [1]  # at least one comment


def test_comment_count_pmf_exact_values_and_total():
    # s = 1, a = 2: P(K >= k) = 1 / k^2
    assert mech.comment_count_pmf(1, 1.0, 2.0, 50) == 0.75
    assert mech.comment_count_pmf(2, 1.0, 2.0, 50) == pytest.approx(1 / 4 - 1 / 9, abs=1e-15)
    assert mech.comment_count_pmf(50, 1.0, 2.0, 50) == pytest.approx(1 / 2500, abs=1e-15)  # the cap takes the tail
    assert mech.comment_count_pmf(0, 1.0, 2.0, 50) == 0.0 and mech.comment_count_pmf(51, 1.0, 2.0, 50) == 0.0
    # s = 4: never fewer than 4 comments; P(K = 4) = 1 - (4/5)^2
    assert mech.comment_count_pmf(3, 4.0, 2.0, 50) == 0.0
    assert mech.comment_count_pmf(4, 4.0, 2.0, 50) == pytest.approx(1 - 0.64, abs=1e-15)
    for s, a in ((1.0, 2.0), (2.5, 1.5), (4.0, 3.0)):
        assert sum(mech.comment_count_pmf(k, s, a, 50) for k in range(1, 51)) == pytest.approx(1.0, abs=1e-12)


def test_comment_count_follows_its_pmf():
    """The inverse CDF on an even grid of uniforms gives each count its pmf's share (to one grid step)."""
    n = 200_000
    u = (np.arange(n) + 0.5) / n
    k = mech.comment_count(u, 1.5, 1.8, 40)
    freq = np.bincount(k, minlength=41) / n
    pmf = np.array([mech.comment_count_pmf(j, 1.5, 1.8, 40) for j in range(41)])
    np.testing.assert_allclose(freq, pmf, atol=2.0 / n)
    # the mean is above 1 and the tail long: zeta(1.8)-like, with a few writing many
    mean = float((np.arange(41) * pmf).sum())
    assert mean > 1.5 and pmf[10:].sum() > 0.01


def test_comment_and_attend_chances_exact():
    # 0.5 x 0.5 x 1 x 0.5 x (1 - 0.5) = 1/16; no channel (inf) = 0; cost above 1 = 0
    p = mech.comment_chance(0.5, np.array([0.5, 0.5, 0.5]), np.array([1.0, 1.0, 1.0]), np.array([0.5, 0.5, 0.5]),
                            np.array([0.5, np.inf, 1.5]))
    assert p.tolist() == [0.0625, 0.0, 0.0]
    # 0.5 x 0.25 meetings a week x 1 x 1 x (1 - 0.5) = 1/16; clipped at 1
    a = mech.attend_chance(0.5, 0.25, np.array([1.0, 1.0]), np.array([1.0, 64.0]), np.array([0.5, 0.0]))
    assert a.tolist() == [0.0625, 1.0]
    assert mech.idp_input(np.array([2, 0, 0]), np.array([True, True, False]), 0.5).tolist() == [2.5, 0.5, 0.0]


# --------------------------------------------------------------------------- in the model

def _window_run(overrides: dict | None = None, seed: int = 3, n: int = 3000):
    """A year after burn-in with the window inside; what each citizen did over the window's weeks."""
    s = load_scenario("baseline", {"run.n_citizens": n, "run.steps": 52, **(overrides or {})})
    m = CoProductionModel(s, rng=seed)
    comments = np.zeros(m.n, np.int64)
    requested = np.zeros(m.n, bool)
    attended = np.zeros(m.n, np.int64)
    for t in range(52):
        before = m.citizens.contributions.copy()
        m.step()
        if m.idp_window(t):
            comments += m.citizens.comments
            attended += m.citizens.attended
            # contributions: a request, each comment, each meeting attended
            requested |= m.citizens.contributions - before - m.citizens.comments - m.citizens.attended > 0
    return m, comments, requested, attended


@pytest.fixture(scope="module")
def window_run():
    return _window_run()


def test_comments_per_commenter_are_heavy_tailed(window_run):
    m, comments, _, _ = window_run
    k = comments[comments > 0]
    assert k.size >= 30
    assert k.mean() > 1.3  # several comments per commenter (v2: 1.0-1.1, at most one a week)
    assert k.max() >= 6 and np.percentile(k, 90) >= 2  # a long tail
    top = np.sort(k)[::-1][: math.ceil(0.1 * k.size)]
    assert top.sum() / k.sum() > 0.2  # the top 10% of commenters write well over 10% of the comments
    # the metrics say the same at the window's end
    region = m.timeseries().query("municipality == 'region'").iloc[-1]
    assert region["comments_per_commenter"] == pytest.approx(k.mean(), rel=1e-12)
    assert region["share_commented_window"] == pytest.approx((comments > 0).mean(), rel=1e-12)
    assert region["comments_per_1000_window"] == pytest.approx(1000 * comments.sum() / m.n, rel=1e-12)
    shares = [region[f"share_comments_{w}"] for w in mech.COMMENT_CHANNELS]
    assert sum(shares) == pytest.approx(1.0, abs=1e-12)


def test_commenting_is_rarer_than_requesting(window_run):
    _, comments, requested, _ = window_run
    assert 0 < (comments > 0).mean() < 0.6 * requested.mean()


def test_attendance_is_reported_per_meeting(window_run):
    m, _, _, attended = window_run
    region = m.timeseries().query("municipality == 'region'").iloc[-1]
    meetings = m.config.idp.meetings_per_window * m.n_wards  # the whole window's meetings
    per_meeting = attended.sum() * float(m.municipalities.scale[0]) / meetings
    assert region["attendance_per_meeting"] == pytest.approx(per_meeting, rel=1e-9)
    assert 10 < per_meeting < 2000  # residents in a community hall, not a share
    # twice the meetings, each with about the same turnout: not twice the attendance per meeting
    m2, _, _, attended2 = _window_run({"idp.meetings_per_window": 2.0})
    assert attended2.sum() > 1.4 * attended.sum()
    assert m2.timeseries().query("municipality == 'region'").iloc[-1]["attendance_per_meeting"] < 1.4 * per_meeting


def test_no_meetings_without_ward_meetings():
    m, _, _, attended = _window_run({"channels.ward_meetings": False}, n=800)
    assert attended.sum() == 0
    assert m.timeseries().query("municipality == 'region'").iloc[-1]["attendance_per_meeting"] == 0.0


def test_consultation_does_not_enter_the_request_queue():
    s = load_scenario("baseline", {"run.n_citizens": 800, "run.steps": 52, "municipality.need_rate": 0.0,
                                   "run.burn_in_weeks": 0})
    m = CoProductionModel(s, rng=2)
    m.run()
    ts = m.timeseries().query("municipality == 'region'")
    assert m.totals["submitted"] == 0 and m.queue.size == 0
    assert ts["share_commented_window"].iloc[-1] > 0 and ts["attendance_per_meeting"].iloc[-1] > 0
    assert m.citizens.contributions.sum() > 0  # comments and attendance count as contributions


def test_idp_input_moves_plans_toward_the_wards_that_gave_it():
    """Comments and attendance feed each ward's input; at 'empower' planned work follows it."""
    s = load_scenario("baseline", {"run.n_citizens": 3000, "run.steps": 52, "channels.iap2_level": "empower"})
    m = CoProductionModel(s, rng=5)
    m.run()
    wards = m.wards
    assert wards.idp_input.max() > 0
    lift = wards.priority / wards.expected_requests
    assert np.corrcoef(lift, wards.idp_input)[0, 1] > 0.5
    # attendance alone moves the input by its weight (stages.plans)
    cit = m.citizens
    cit.comments = np.zeros(cit.n, np.int64)
    cit.attended = cit.ward == 0
    before = wards.idp_input.copy()
    stages.plans(s, cit, wards, True, 5)
    rate, w = s.coproduction.plan_rate, s.idp.attendance_weight
    expected = before + rate * (w * np.bincount(cit.ward, weights=cit.attended, minlength=wards.n)
                                / np.maximum(wards.size, 1) - before)
    np.testing.assert_allclose(wards.idp_input, expected, rtol=1e-12)


def test_who_comments_is_reported_by_income_and_literacy(window_run):
    m, comments, _, _ = window_run
    region = m.timeseries().query("municipality == 'region'").iloc[-1]
    cit = m.citizens
    for code, g in enumerate(("low", "mid", "high")):
        mine = cit.income == code
        assert region[f"share_commented_window_{g}"] == pytest.approx((comments[mine] > 0).mean(), rel=1e-12)
    for code, g in enumerate(("lit1", "lit2", "lit3")):
        mine = cit.lit_group == code
        assert region[f"share_commented_window_{g}"] == pytest.approx((comments[mine] > 0).mean(), rel=1e-12)


def test_old_idp_rate_key_gets_a_clear_message(tmp_path):
    f = tmp_path / "old.toml"
    f.write_text('name = "old"\n[participation]\nidp_rate = 0.1\n')
    with pytest.raises(CosimError) as err:
        load_scenario(f)
    assert "participation.idp_rate" in str(err.value) and "idp.comment_rate" in str(err.value)
