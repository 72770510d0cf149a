"""Lever pathways (MODEL.md s1 and s4; issue 13): each lever moves service quality and trust the way theory says.

One test per lever (or per claim about it), all on the same paired design:
every arm is the bundled baseline plus the lever's overrides, replication k
of every arm runs with the seed ``run_seed(ROOT_SEED, k)`` (common random
numbers: the same citizens, the same history up to week 0, the same draws),
so the paired difference arm - baseline per seed is the lever's effect.
Criteria are one-sided 99% Student t bounds over the R paired differences
(t_{0.99, R-1}), on effect sizes, not on signs alone; every test prints its
effect sizes (mean +- standard error over seeds) for the CI log.

Setting: 4,000 citizens, the default five-year horizon (260 weeks, after the
default burn-in), R = 6 seeds; the breach tests run 18-week spells at 5,000
citizens.  Staffing arms are multiples of the schema's default number of
officials, so the tests follow a refit of the defaults.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from cosim import CoProductionModel, Scenario, load_scenario, run_seed

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
ROOT_SEED = 20240901
R = 6
T99 = float(stats.t.ppf(0.99, R - 1))  # one-sided 99% bound over R paired differences
SETTING = {"run.n_citizens": 4000}  # the default 260 weeks
N_OFFICIALS = Scenario().officials.n_officials
E_CHANNELS = (1, 2, 3)  # portal/app, USSD/SMS, social media (4 is a ward meeting)
LOW = 0  # code of the low income group and of the lowest literacy tercile

ARMS: dict[str, dict[str, object]] = {
    "baseline": {},
    # a 30% scarce-skills premium and R2 m a year of officials' ICT training
    "talent": {"talent.salary_premium": 0.3, "talent.training_rand": 2_000_000.0},
    "officials_x2": {"officials.n_officials": 2 * N_OFFICIALS},
    "officials_half": {"officials.n_officials": N_OFFICIALS // 2},
    # 2,000 training seats a week for the least literate first
    "literacy": {"training.seats_per_week": 2000, "training.targeting": "low_literacy"},
    # 200 free hotspots, least-connected wards first
    "wifi": {"wifi.hotspots": 200, "wifi.placement": "equity"},
    # every high-demand dataset, refreshed quarterly; and the same without the direct transparency term
    "open_data": {"open_data.level": 1.0, "open_data.update_interval_weeks": 13},
    "open_data_no_direct": {"open_data.level": 1.0, "open_data.update_interval_weeks": 13,
                            "trust.transparency_weight": 0.0},
    # IAP2 "empower" with half and with twice the default officials (consult is the default level)
    "empower_half": {"officials.n_officials": N_OFFICIALS // 2, "channels.iap2_level": "empower"},
    "empower_x2": {"officials.n_officials": 2 * N_OFFICIALS, "channels.iap2_level": "empower"},
}


def run(overrides: dict, seed: int) -> dict[str, float]:
    """One five-year run: its outcomes (region time series and per-citizen counts)."""
    s = load_scenario(SCENARIOS / "baseline.toml", {**SETTING, **overrides})
    model = CoProductionModel(s, rng=seed)
    e_events = np.zeros(model.n)
    for _ in range(s.run.steps):
        model.step()
        e_events += np.isin(model.channel, E_CHANNELS)
    ts = model.timeseries()
    region = ts[ts["municipality"] == "region"].sort_values("step")
    year = region.iloc[-52:]
    low_lit, low_inc = model.lit_group == LOW, model.income == LOW
    years = s.run.steps / 52
    return {
        "quality": float(region["service_quality"].iloc[-1]),
        "trust": float(region["mean_trust"].iloc[-1]),
        "trust_sd": float(model.trust.std(ddof=1)),
        "response_weeks": float(year["median_response_weeks"].mean()),
        "share_online": float(year["share_online"].mean()),
        "online_gap": float((year["share_online_high"] - year["share_online_low"]).mean()),
        "adopted_low_lit": float(model.adopted[low_lit].mean()),
        # e-participation events per citizen per year over the run
        "e_rate_low_lit": float(e_events[low_lit].mean() / years),
        "e_rate_low_income": float(e_events[low_inc].mean() / years),
        "took_part_year_low_income": float(region["share_participated_year_low"].iloc[-1]),
        "took_part_year": float(region["share_participated_year"].iloc[-1]),
    }


@pytest.fixture(scope="module")
def runs() -> dict[str, list[dict[str, float]]]:
    """Every arm on the same R seeds (common random numbers)."""
    seeds = [run_seed(ROOT_SEED, k) for k in range(R)]
    return {arm: [run(overrides, seed) for seed in seeds] for arm, overrides in ARMS.items()}


def paired(runs, arm: str, key: str, against: str = "baseline") -> np.ndarray:
    """Per-seed differences arm - against of one outcome."""
    return np.array([a[key] - b[key] for a, b in zip(runs[arm], runs[against], strict=True)])


def lower(d: np.ndarray) -> float:
    """One-sided 99% lower bound of the mean of ``d``."""
    return float(d.mean() - T99 * d.std(ddof=1) / np.sqrt(d.size))


def upper(d: np.ndarray) -> float:
    """One-sided 99% upper bound of the mean of ``d``."""
    return float(d.mean() + T99 * d.std(ddof=1) / np.sqrt(d.size))


def show(d: np.ndarray, digits: int = 4) -> str:
    return f"{d.mean():+.{digits}f} ± {d.std(ddof=1) / np.sqrt(d.size):.{digits}f}"


def trust_sd(runs) -> float:
    """Spread of trust across citizens in the baseline (the unit of Cohen's d)."""
    return float(np.mean([r["trust_sd"] for r in runs["baseline"]]))


@pytest.mark.slow
def test_talent_raises_quality_and_trust(runs):
    """Talent incentives raise service quality and trust, and shorten response (Boyne 2003; Van Ryzin 2004).

    Pathway: a salary premium lowers officials' attrition and raises the skill
    of new hires, training raises their ICT skill -> more effective capacity
    per need -> better ward quality and faster answers -> trust (performance).
    Setting: the baseline vs a 30% premium and R2 m/year of training, 4,000
    citizens, 260 weeks, R = 6 seeds, common random numbers.

    Criterion (one-sided 99% t bounds on the paired effects): final service
    quality and mean trust higher (lower bounds > 0), the median response time
    over the last year shorter (upper bound < 0); and trust moves less than
    quality (trust follows performance, damped by generalised trust and
    neighbours): the mean trust effect is below the mean quality effect.
    """
    dq, dt = paired(runs, "talent", "quality"), paired(runs, "talent", "trust")
    dr = paired(runs, "talent", "response_weeks")
    print(f"\n[pathway talent] quality {show(dq)}, trust {show(dt)}, median response {show(dr, 2)} weeks")
    assert lower(dq) > 0, f"talent does not raise service quality: {show(dq)}"
    assert lower(dt) > 0, f"talent does not raise trust: {show(dt)}"
    assert upper(dr) < 0, f"talent does not shorten response: {show(dr, 2)} weeks"
    assert dt.mean() < dq.mean()


@pytest.mark.slow
def test_more_officials_raise_quality_and_trust(runs):
    """Twice the officials: better quality, more trust, faster answers (Boyne 2003; Van Ryzin 2004).

    Pathway: officials in post -> capacity per need -> ward quality and the
    request queue -> trust for everyone (performance) and for reporters
    (their own outcomes).  Setting: the baseline vs twice the default
    officials, 4,000 citizens, 260 weeks, R = 6 seeds, common random numbers.

    Criterion (one-sided 99% t bounds): quality and trust higher, and the
    trust effect at least small in Cohen's (1988) sense (lower bound of
    d = dTrust / sd of trust across citizens >= 0.2: doubling the staff is a
    large change in capacity); the median response time over the last year
    shorter (upper bound < 0).
    """
    sd = trust_sd(runs)
    dq, dt = paired(runs, "officials_x2", "quality"), paired(runs, "officials_x2", "trust")
    dr = paired(runs, "officials_x2", "response_weeks")
    print(f"\n[pathway officials x2] quality {show(dq)}, trust {show(dt)} (Cohen's d {dt.mean() / sd:.2f}), "
          f"median response {show(dr, 2)} weeks")
    assert lower(dq) > 0
    assert lower(dt) / sd >= 0.2, f"trust effect of doubling the officials d = {dt.mean() / sd:.3f}"
    assert upper(dr) < 0


@pytest.mark.slow
def test_fewer_officials_lower_quality_and_trust_and_lengthen_response(runs):
    """Half the officials: worse quality, less trust, slower answers (Boyne 2003; Van Ryzin 2004).

    Setting: the baseline vs half the default officials, 4,000 citizens, 260
    weeks, R = 6 seeds, common random numbers.

    Criterion (one-sided 99% t bounds): quality and trust lower, the trust
    effect at least small in Cohen's sense (upper bound of d <= -0.2); the
    median response time over the last year longer (lower bound > 0); and the
    cut hurts more than the doubling helps (diminishing returns to capacity,
    MODEL.md pattern 8): |dTrust(half)| > dTrust(x2) in the mean.
    """
    sd = trust_sd(runs)
    dq, dt = paired(runs, "officials_half", "quality"), paired(runs, "officials_half", "trust")
    dr = paired(runs, "officials_half", "response_weeks")
    up = paired(runs, "officials_x2", "trust")
    print(f"\n[pathway officials half] quality {show(dq)}, trust {show(dt)} (Cohen's d {dt.mean() / sd:.2f}), "
          f"median response {show(dr, 2)} weeks")
    assert upper(dq) < 0
    assert upper(dt) / sd <= -0.2, f"trust effect of halving the officials d = {dt.mean() / sd:.3f}"
    assert lower(dr) > 0, f"halving the officials does not lengthen response: {show(dr, 2)} weeks"
    assert -dt.mean() > up.mean()


@pytest.mark.slow
def test_literacy_training_raises_e_participation_of_the_least_literate_and_poorest(runs):
    """Training the least literate raises their e-participation (van Deursen & van Dijk 2014).

    Pathway: a training seat raises literacy (the second-level divide: use
    given access), awareness and signs the trainee up -> adoption and online
    use -> e-participation of the low-literacy and low-income groups.
    Setting: the baseline vs 2,000 seats a week targeted at the least
    literate, 4,000 citizens, 260 weeks, R = 6 seeds, common random numbers.
    Groups: the lowest literacy tercile at week 0 and the low income group.

    Criterion (one-sided 99% t bounds): in the low-literacy tercile adoption
    rises by at least 10 percentage points and the e-participation rate
    (portal, USSD, social media events per citizen-year) at least by half its
    baseline level; in the low income group the e-participation rate and the
    share who took part in the last year rise (lower bounds > 0).
    """
    da = paired(runs, "literacy", "adopted_low_lit")
    de = paired(runs, "literacy", "e_rate_low_lit")
    base_e = np.array([r["e_rate_low_lit"] for r in runs["baseline"]])
    di = paired(runs, "literacy", "e_rate_low_income")
    dp = paired(runs, "literacy", "took_part_year_low_income")
    rel = de / base_e
    print(f"\n[pathway literacy] low literacy: adoption {show(100 * da, 1)} pp, e-participation "
          f"{show(de, 3)} events/citizen-year (baseline {base_e.mean():.3f}; relative {show(rel, 2)}); "
          f"low income: e-participation {show(di, 3)} events/citizen-year, took part in the last year "
          f"{show(100 * dp, 1)} pp")
    assert lower(da) >= 0.10
    assert lower(rel) >= 0.5
    assert lower(di) > 0
    assert lower(dp) > 0


@pytest.mark.slow
def test_wifi_raises_share_online_and_narrows_the_gap(runs):
    """Equity-first free Wi-Fi raises the share online and narrows the income gap in it (RIA After Access 2017).

    Pathway: a hotspot in reach is access without paid data -> the poor, who
    can least afford data, gain most -> share online up, high-minus-low gap
    down.  Setting: the baseline vs 200 hotspots placed least-connected wards
    first, 4,000 citizens, 260 weeks, R = 6 seeds, common random numbers;
    outcomes averaged over the last 52 weeks.

    Criterion (one-sided 99% t bounds): the share of citizens online rises by
    at least 1 percentage point, and the gap in it between the high and the
    low income group falls (upper bound < 0).
    """
    do, dg = paired(runs, "wifi", "share_online"), paired(runs, "wifi", "online_gap")
    print(f"\n[pathway wifi] share online {show(100 * do, 2)} pp, high-low online gap {show(100 * dg, 2)} pp")
    assert lower(do) >= 0.01
    assert upper(dg) < 0


@pytest.mark.slow
def test_open_data_raises_trust_only_a_little_directly(runs):
    """Open data raises trust, but only a little, and directly less still (Grimmelikhuijsen et al. 2013).

    Pathway: published, fresh data -> a small direct transparency effect on
    the aware, and more valuable reports (civic tech) -> quality -> trust.
    Setting: the baseline vs full open data updated every 13 weeks, and the
    same with the direct transparency term off (``trust.transparency_weight``
    0), 4,000 citizens, 260 weeks, R = 6 seeds, common random numbers.  The
    direct effect is open data minus open data without the direct term.

    Criterion (one-sided 99% t bounds): the total trust effect is positive
    (lower bound > 0) and below a tenth of the trust sd across citizens
    (Cohen's d upper bound < 0.1, half of "small"); the direct effect is
    positive and at most 0.05 in d; and the total is below a quarter of the
    effect of doubling the officials (paired per seed: upper bound of
    dOpen - dOfficials/4 < 0).
    """
    sd = trust_sd(runs)
    dt = paired(runs, "open_data", "trust")
    direct = paired(runs, "open_data", "trust", against="open_data_no_direct")
    staff = paired(runs, "officials_x2", "trust")
    print(f"\n[pathway open data] trust {show(dt)} (Cohen's d {dt.mean() / sd:.3f}), of which direct "
          f"{show(direct)} (d {direct.mean() / sd:.3f}); officials x2 for comparison {show(staff)}")
    assert lower(dt) > 0
    assert upper(dt) / sd < 0.1
    assert lower(direct) > 0
    assert upper(direct) / sd <= 0.05
    assert upper(dt - staff / 4) < 0


@pytest.mark.slow
def test_empower_without_capacity_does_not_raise_trust(runs):
    """IAP2 "empower" without the capacity to deliver does not raise trust (Arnstein 1969; Fox 2015).

    Pathway: a deeper IAP2 promise draws more participation, but with too few
    officials the promise is not kept (longer queue, disappointed commenters),
    so trust gains nothing; with ample officials the same offer pays.
    Setting: half the default officials with IAP2 "empower" vs "consult" (the
    default), and the same with twice the default officials; 4,000 citizens,
    260 weeks, R = 6 seeds, common random numbers.

    Criteria (one-sided 99% t bounds): at half staffing
    - the lever acts: the share who took part in the last year rises (lower bound > 0);
    - trust is not higher: the upper bound of dTrust is <= 0.002 (about 1/75 of
      the trust sd across citizens, a negligible gain);
    and the effect of empower on trust is larger with twice the officials than
    with half (the interaction, lower bound > 0).
    """
    sd = trust_sd(runs)
    dt = paired(runs, "empower_half", "trust", against="officials_half")
    dp = paired(runs, "empower_half", "took_part_year", against="officials_half")
    dr = paired(runs, "empower_half", "response_weeks", against="officials_half")
    ample = paired(runs, "empower_x2", "trust", against="officials_x2")
    print(f"\n[pathway empower] half staffing: trust {show(dt)} (d {dt.mean() / sd:.3f}), took part in the "
          f"last year {show(100 * dp, 1)} pp, median response {show(dr, 2)} weeks; twice the staff: trust "
          f"{show(ample)}; interaction {show(ample - dt)}")
    assert lower(dp) > 0, "empower does not draw more participation: the test would pass because nothing moves"
    assert upper(dt) <= 0.002, f"empower without capacity raises trust: {show(dt)}"
    assert lower(ample - dt) > 0


# ------------------------------------------------------------------ breach exposure

BREACH_WEEK, AFTER = 4, 13
BREACH_SETTING = {"run.n_citizens": 5000, "run.steps": BREACH_WEEK + AFTER + 1, "infosec.breach_hazard": 0.0}


def breach_run(legal: float, breach: bool, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Trust of every citizen after each week (weeks x citizens), and who had adopted e-services in the breach week."""
    overrides = {**BREACH_SETTING, "security.legal_strength": legal}
    if breach:
        overrides["events"] = [{"kind": "breach", "step": BREACH_WEEK}]
    s = load_scenario(SCENARIOS / "baseline.toml", overrides)
    model = CoProductionModel(s, rng=seed, collect=False)
    trust, adopted = [], None
    for week in range(s.run.steps):
        model.step()
        trust.append(model.trust.copy())
        if week == BREACH_WEEK:
            adopted = model.adopted.copy()
    return np.array(trust), adopted


@pytest.fixture(scope="module")
def breaches() -> dict[float, list[dict[str, float]]]:
    """Per legal strength (0, 1) and seed: the trust drop (no breach - breach) over the 13 weeks after it, by group."""
    out: dict[float, list[dict[str, float]]] = {0.0: [], 1.0: []}
    for k in range(R):
        seed = run_seed(ROOT_SEED + 1, k)
        for legal in out:
            (control, _), (hit, users) = breach_run(legal, False, seed), breach_run(legal, True, seed)
            drop = (control - hit)[BREACH_WEEK:]  # the breach week and the 13 after it
            assert not (control - hit)[:BREACH_WEEK].any(), "runs differ before the breach"
            out[legal].append({"all": float(drop.mean()), "users": float(drop[:, users].mean()),
                               "others": float(drop[:, ~users].mean()), "share_users": float(users.mean())})
    return out


@pytest.mark.slow
def test_breach_lowers_trust_more_among_e_service_users(breaches):
    """A breach lowers trust more among those who use e-services (Slovic 1993: risk follows personal exposure).

    Pathway: a breach of the municipality's systems exposes the data of its
    e-service users; everyone else hears the news.  Setting: the baseline at
    5,000 citizens, random breaches off, one breach of severity 1 in week 4,
    no legal framework beyond the statutory minimum; R = 6 seeds, each
    against a no-breach run with common random numbers.  A citizen's drop is
    their trust without the breach minus with it, averaged over the breach
    week and the 13 weeks after; users = adopted e-participation in the
    breach week; both groups in the same run.

    Criterion: users' mean drop exceeds non-users' (one-sided 99% t bound of
    the per-seed difference > 0), and by at least half again (lower bound of
    users' drop - 1.5 x non-users' drop > 0); non-users still lose trust (the
    news reaches them: lower bound > 0).
    """
    rows = breaches[0.0]
    users = np.array([r["users"] for r in rows])
    others = np.array([r["others"] for r in rows])
    share = np.mean([r["share_users"] for r in rows])
    print(f"\n[pathway breach] mean trust drop over 14 weeks: users {show(users)}, non-users {show(others)} "
          f"(ratio {np.mean(users / others):.2f}; users are {100 * share:.1f}% of citizens)")
    assert lower(users - others) > 0
    assert lower(users - 1.5 * others) > 0
    assert lower(others) > 0


@pytest.mark.slow
def test_legal_framework_shrinks_the_breach_drop(breaches):
    """A strong legal framework shrinks the breach's trust drop (POPIA, Act 4 of 2013; MODEL.md pattern 7).

    Setting: as above, with ``security.legal_strength`` 0 and 1 on the same
    seeds (each against its own no-breach run).

    Criterion: the mean drop over the 14 weeks with the framework is below
    three quarters of the drop without it (one-sided 99% t bound of
    drop(1) - 0.75 drop(0) < 0, paired over seeds), and still positive.
    """
    without = np.array([r["all"] for r in breaches[0.0]])
    with_ = np.array([r["all"] for r in breaches[1.0]])
    print(f"\n[pathway legal] mean trust drop over 14 weeks: without framework {show(without)}, with "
          f"{show(with_)} (ratio {np.mean(with_ / without):.3f})")
    assert upper(with_ - 0.75 * without) < 0
    assert lower(with_) > 0
