"""Each policy lever moves the outcome it should, in the direction the literature says.

Every comparison runs the scenarios over seeded replications with common random
numbers: replication k of every scenario uses ``run_seed(ROOT_SEED, k)``, so a
paired difference isolates the policy from the noise.  Sizes are small (2,000
citizens, two or three years, 5-8 replications); the claims are tested with
95% paired t intervals that must exclude zero, not with single runs.

Also here: budget accounting (spend table = BudgetPlan; refuse / scale), the
scenario library (every file validates and says what it asks), and a check that
matched seeds are what make paired differences precise.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cosim import CoProductionModel, load_scenario, run_seed, simulate
from cosim.cli import main
from cosim.scenario.budget import WEEKS_PER_YEAR, BudgetPlan
from cosim.scenario.loading import check_files, read_toml, scenario_from_dict

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
ROOT_SEED = 20240607
N = 2000  # citizens in every lever test


def region_runs(data: dict, reps: int, steps: int, n: int = N) -> list[pd.DataFrame]:
    """The region time series (indexed by step) of ``reps`` replications with matched seeds."""
    scenario = scenario_from_dict(data, "<test>", {"run.n_citizens": n, "run.steps": steps})
    out = []
    for k in range(reps):
        df = simulate(scenario, run_seed(ROOT_SEED, k))
        out.append(df[df["municipality"] == "region"].set_index("step"))
    return out


def measure(runs: list[pd.DataFrame], fn) -> np.ndarray:
    """One number per replication."""
    return np.array([fn(r) for r in runs])


def last_year(metric: str):
    """Mean of a weekly metric over the last 52 weeks."""
    return lambda r: float(r[metric].iloc[-52:].mean())


def final(metric: str):
    return lambda r: float(r[metric].iloc[-1])


def paired_ci(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Mean of ``a - b`` over matched replications and its 95% t interval."""
    d = np.asarray(a) - np.asarray(b)
    mean = float(d.mean())
    if d.std(ddof=1) == 0:
        return mean, mean, mean
    half = float(stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size))
    return mean, mean - half, mean + half


def online_gap(r: pd.DataFrame) -> float:
    """Income gap in weekly online access: share online, high minus low income (last year)."""
    return float((r["share_online_high"] - r["share_online_low"]).iloc[-52:].mean())


# --------------------------------------------------------------------------- free Wi-Fi


@pytest.mark.slow
def test_equity_placed_wifi_narrows_the_income_gap_in_online_access_more_than_central():
    """Measure: the high-minus-low-income gap in the share online in a typical week.

    96 hotspots (two per ward on average) placed in the least-connected wards
    first reach low-income citizens who have a smartphone but no data; placed in
    the central (richest) wards they mostly reach people who were online anyway,
    so only equity placement is required to narrow the gap.
    """
    steps, reps = 156, 6
    none = region_runs({}, reps, steps)
    central = region_runs({"wifi": {"hotspots": 96, "placement": "central"}}, reps, steps)
    equity = region_runs({"wifi": {"hotspots": 96, "placement": "equity"}}, reps, steps)
    gap = {name: measure(runs, online_gap) for name, runs in
           (("none", none), ("central", central), ("equity", equity))}
    # equity placement narrows the gap; central placement need not (its users were
    # mostly online already: with most residents on their own data, it may even widen it) ...
    _, _, hi = paired_ci(gap["equity"], gap["none"])
    assert hi < 0, "equity placement did not narrow the online gap"
    # ... and equity placement narrows it more than central (paired difference of gaps < 0)
    mean, lo, hi = paired_ci(gap["equity"], gap["central"])
    assert hi < 0, f"equity vs central gap difference {mean:.4f} [{lo:.4f}, {hi:.4f}]"
    low = {name: measure(runs, last_year("share_online_low")) for name, runs in
           (("none", none), ("central", central), ("equity", equity))}
    _, lo, _ = paired_ci(low["equity"], low["central"])
    assert lo > 0, "equity placement should bring more low-income citizens online than central"


# --------------------------------------------------------------------------- security


@pytest.mark.slow
def test_a_breach_lowers_trust_and_e_participation_and_a_legal_framework_damps_it():
    """A scheduled breach in week 52 (random breaches off to isolate it)."""
    steps, reps = 104, 6
    quiet = {"infosec": {"breach_hazard": 0.0}}
    breach = {**quiet, "events": [{"kind": "breach", "step": 52}]}
    none = region_runs(quiet, reps, steps)
    hit = region_runs(breach, reps, steps)
    damped = region_runs({**breach, "security": {"legal_strength": 1.0}}, reps, steps)

    def trust_after(r):
        return float(r["mean_trust"].loc[53])

    def adoption_after(r):  # e-participation adoption over the year after the breach
        return float(r["share_adopted"].loc[53:].mean())

    def e_participation_after(r):
        return float(r["e_participation_rate"].loc[53:].mean())

    _, _, hi = paired_ci(measure(hit, trust_after), measure(none, trust_after))
    assert hi < 0, "a breach should lower trust at once"
    _, _, hi = paired_ci(measure(hit, adoption_after), measure(none, adoption_after))
    assert hi < 0, "a breach should lower e-participation adoption"
    d_epart = paired_ci(measure(hit, e_participation_after), measure(none, e_participation_after))
    assert d_epart[0] < 0, "a breach should lower the e-participation rate"
    _, lo, _ = paired_ci(measure(hit, final("mean_privacy")), measure(none, final("mean_privacy")))
    assert lo > 0, "a breach should raise privacy concern"
    # the drop recovers slowly: still there a year later, but smaller
    drop_now = paired_ci(measure(hit, trust_after), measure(none, trust_after))[0]
    drop_later = paired_ci(measure(hit, final("mean_trust")), measure(none, final("mean_trust")))[0]
    assert drop_now < drop_later < 0
    # a full-strength legal framework damps the drop (legal_damping = 0.6 by default)
    drop_damped = paired_ci(measure(damped, trust_after), measure(none, trust_after))[0]
    assert drop_now < drop_damped < 0
    assert drop_damped == pytest.approx(0.4 * drop_now, rel=0.15)


@pytest.mark.slow
def test_security_investment_raises_posture_and_e_participation_adoption():
    """Privacy calculus (Dinev & Hart 2006): a better posture lowers perceived risk."""
    steps, reps = 104, 6
    none = region_runs({}, reps, steps)
    secure = region_runs({"security": {"investment_rand": 5e6}}, reps, steps)
    assert measure(secure, final("security_posture")).min() > measure(none, final("security_posture")).max()
    _, lo, _ = paired_ci(measure(secure, final("share_adopted")), measure(none, final("share_adopted")))
    assert lo > 0


# --------------------------------------------------------------------------- literacy training


@pytest.mark.slow
def test_literacy_training_targeted_at_low_income_raises_their_literacy_and_adoption():
    steps, reps = 156, 5
    none = region_runs({}, reps, steps)
    trained = region_runs({"training": {"seats_per_week": 1000.0, "targeting": "low_income"}}, reps, steps)
    gain_low = paired_ci(measure(trained, final("mean_literacy_low")), measure(none, final("mean_literacy_low")))
    gain_high = paired_ci(measure(trained, final("mean_literacy_high")), measure(none, final("mean_literacy_high")))
    assert gain_low[1] > 0.01, f"low-income literacy gain {gain_low}"
    assert gain_low[0] > 5 * abs(gain_high[0]), "seats targeted at low income should go to low income"
    # effort expectancy (UTAUT): more literate citizens adopt a little more; the effect is small
    adopt = paired_ci(measure(trained, final("share_adopted_low")), measure(none, final("share_adopted_low")))
    assert adopt[0] > 0, f"low-income adoption change {adopt}"
    assert measure(trained, lambda r: r["trained"].sum()).min() > 0


# --------------------------------------------------------------------------- talent incentives


@pytest.mark.slow
def test_talent_incentives_raise_skill_and_retention_and_cut_the_backlog():
    """In a stretched municipality (60 officials instead of 80, so officials are the bottleneck)."""
    steps, reps = 156, 8
    stretched = {"officials": {"n_officials": 60}}
    none = region_runs(stretched, reps, steps)
    paid = region_runs({**stretched, "talent": {"salary_premium": 0.2, "training_rand": 2e6}}, reps, steps)
    for metric in ("official_skill", "official_ict_skill"):
        _, lo, _ = paired_ci(measure(paid, final(metric)), measure(none, final(metric)))
        assert lo > 0, metric
    _, lo, _ = paired_ci(measure(paid, last_year("officials_active")), measure(none, last_year("officials_active")))
    assert lo > 0, "a salary premium should keep more posts filled (lower attrition)"

    def backlog(r):  # mean backlog after the first year
        return float(r["backlog_per_1000"].loc[53:].mean())

    mean, lo, hi = paired_ci(measure(paid, backlog), measure(none, backlog))
    assert hi < 0, f"backlog change {mean:.3f} [{lo:.3f}, {hi:.3f}] per 1,000"


def test_officials_training_budget_is_a_live_lever():
    """R2 m a year of ICT training raises officials' ICT skill (a year, 500 citizens)."""
    runs = [region_runs(d, 1, 52, n=500)[0] for d in ({}, {"talent": {"training_rand": 2e6}})]
    assert runs[1]["official_ict_skill"].iloc[-1] > runs[0]["official_ict_skill"].iloc[-1] + 0.005


# --------------------------------------------------------------------------- open data


@pytest.mark.slow
def test_open_data_alone_moves_trust_little_but_raises_coproduction_value():
    """Grimmelikhuijsen et al. 2013: transparency alone has a small effect on trust.

    "Little" is Cohen's d below 0.2 (Cohen's threshold of a small effect): the
    paired trust gain at full, monthly-updated openness divided by the spread of
    trust between citizens in the baseline.  Co-production value is the mean
    outcome of resolved requests (open data raises a report's value; civic tech).
    """
    steps, reps = 156, 5
    opened = {"open_data": {"level": 1.0, "update_interval_weeks": 4}}
    trust, spread, value = {}, [], {}
    for name, data in (("none", {}), ("open", opened)):
        sc = scenario_from_dict(data, "<test>", {"run.n_citizens": N, "run.steps": steps})
        t, v = [], []
        for k in range(reps):
            m = CoProductionModel(sc, rng=run_seed(ROOT_SEED, k))
            m.run()
            r = m.timeseries().query("municipality == 'region'")
            t.append(float(m.trust.mean()))
            v.append(float(r["mean_outcome"].iloc[-52:].mean()))
            if name == "none":
                spread.append(float(m.trust.std()))
        trust[name], value[name] = np.array(t), np.array(v)
    gain, lo, _ = paired_ci(trust["open"], trust["none"])
    assert lo > 0, "open data's trust effect should be small but positive (Gonzalvez-Gallego 2021)"
    d = gain / float(np.mean(spread))
    assert d < 0.2, f"open data alone moved trust by Cohen's d = {d:.2f}"
    gain, lo, _ = paired_ci(value["open"], value["none"])
    print(f"\n[open data] value of a resolved request +{gain:.4f} (lower bound {lo:.4f}) "
          f"on a baseline of {value['none'].mean():.3f}")
    assert lo > 0, "open data should raise the value of co-produced requests"


# --------------------------------------------------------------------------- other levers


@pytest.mark.slow
def test_campaign_raises_awareness_and_a_higher_iap2_level_raises_participation():
    steps, reps = 104, 8  # 4 replications left the adoption effect (+0.5 pp) inside the noise
    none = region_runs({}, reps, steps, n=1000)
    campaign = region_runs({"campaign": {"reach_per_week": 0.01}}, reps, steps, n=1000)
    involve = region_runs({"channels": {"iap2_level": "collaborate"}}, reps, steps, n=1000)
    _, lo, _ = paired_ci(measure(campaign, last_year("mean_awareness")), measure(none, last_year("mean_awareness")))
    assert lo > 0.05
    _, lo, _ = paired_ci(measure(campaign, final("share_adopted")), measure(none, final("share_adopted")))
    assert lo > 0
    _, lo, _ = paired_ci(measure(involve, final("share_participated_year")),
                         measure(none, final("share_participated_year")))
    assert lo > 0


def test_shared_data_platform_lifts_the_poorer_municipality_and_shared_costs_cut_spend():
    two = {"region": {"n_municipalities": 2}, "open_data": {"level": 0.6, "update_interval_weeks": 13},
           "wifi": {"hotspots": 20}}
    alone = simulate(scenario_from_dict(two, "<test>", {"run.n_citizens": 600, "run.steps": 20}), 1)
    linked_data = {**two, "links": {"shared_data_platform": True, "shared_costs": True}}
    linked = simulate(scenario_from_dict(linked_data, "<test>", {"run.n_citizens": 600, "run.steps": 20}), 1)

    def at_end(df, muni, metric):
        return float(df[(df["municipality"] == muni) & (df["step"] == 20)][metric].iloc[0])

    lower = min(("m1", "m2"), key=lambda m: at_end(alone, m, "open_data_value"))
    higher = "m2" if lower == "m1" else "m1"
    assert at_end(alone, lower, "open_data_value") < at_end(alone, higher, "open_data_value")
    assert at_end(linked, lower, "open_data_value") == pytest.approx(at_end(alone, higher, "open_data_value"))
    # two members share costs: each pays 1 - cost_saving (0.2) of its bill
    assert at_end(linked, "region", "spend_cumulative") == pytest.approx(0.8 * at_end(alone, "region", "spend_cumulative"))


def test_a_wifi_phase_adds_hotspots_from_its_start_week():
    data = {"wifi": {"hotspots": 10, "placement": "equity", "start": 4, "phases": [{"start": 8, "hotspots": 25}]}}
    df = simulate(scenario_from_dict(data, "<test>", {"run.n_citizens": 500, "run.steps": 12}), 3)
    r = df[df["municipality"] == "region"].set_index("step")
    # row `step` s records the state after week s - 1 has run
    assert r["hotspots"].loc[1:4].eq(0).all()
    assert r["hotspots"].loc[5:8].eq(10).all()
    assert r["hotspots"].loc[9:].eq(25).all()
    assert r["spend"].loc[9] > r["spend"].loc[5] > r["spend"].loc[1]


# --------------------------------------------------------------------------- budget accounting


def test_spend_in_the_table_equals_the_budget_plan():
    s = load_scenario(SCENARIOS / "all_levers.toml", {"run.n_citizens": 600, "run.steps": 120})
    df = simulate(s, 2)
    plan = BudgetPlan(s)
    per_muni = df[df["municipality"] == "m1"].set_index("step")["spend"]
    region = df[df["municipality"] == "region"].set_index("step")["spend"]
    for week in range(s.run.steps):
        expected = sum(plan.spend(week).values())
        assert per_muni.loc[week + 1] == pytest.approx(expected)
        assert region.loc[week + 1] == pytest.approx(expected * s.region.n_municipalities)
    # unscaled plan: the table's annual spend is the plan's annual total
    for y in range(plan.n_years):
        weeks = range(y * WEEKS_PER_YEAR + 1, min((y + 1) * WEEKS_PER_YEAR, s.run.steps) + 1)
        assert per_muni.loc[list(weeks)].sum() == pytest.approx(sum(plan.planned[y].values()))
    cum = df[df["municipality"] == "region"]["spend_cumulative"].iloc[-1]
    assert cum == pytest.approx(region.sum())


OVER_BUDGET = """\
# test: twice as many hotspots as the budget allows
[municipality]
annual_budget_rand = 5_000_000.0
[wifi]
hotspots = 200
"""


def test_an_over_budget_scenario_is_refused_with_exit_2_naming_the_budget(tmp_path, capsys):
    path = tmp_path / "over.toml"
    path.write_text(OVER_BUDGET)
    out = tmp_path / "results"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "municipality.annual_budget_rand" in err and str(path) in err
    assert "Traceback" not in err
    assert not out.exists()
    assert main(["check", str(path)]) == 2


def test_scale_keeps_every_year_within_the_budget(tmp_path):
    path = tmp_path / "over.toml"
    path.write_text(OVER_BUDGET + "[training]\nseats_per_week = 300.0\n")
    s = load_scenario(path, {"municipality.over_budget": "scale", "run.n_citizens": 500, "run.steps": 104})
    plan = BudgetPlan(s)
    assert all(f < 1.0 for f in plan.scale)
    df = simulate(s, 4)
    spend = df[df["municipality"] == "m1"].set_index("step")["spend"]
    budget = s.municipality.annual_budget_rand
    for y in range(2):
        year = spend.loc[y * 52 + 1: (y + 1) * 52].sum()
        assert year <= budget * (1 + 1e-9)
        assert year > 0.9 * budget  # scaling uses the budget, it does not cut to nothing
    hot = df[df["municipality"] == "m1"]["hotspots"].iloc[-1]
    assert 0 < hot < 200


# --------------------------------------------------------------------------- matched seeds


def test_paired_differences_use_matched_seeds():
    """Common random numbers: same seed, same citizens; the paired difference is far less noisy."""
    base = load_scenario(None, {"run.n_citizens": 500, "run.steps": 30})
    wifi = load_scenario(None, {"run.n_citizens": 500, "run.steps": 30, "wifi.hotspots": 30})
    a, b = CoProductionModel(base, rng=run_seed(ROOT_SEED, 0)), CoProductionModel(wifi, rng=run_seed(ROOT_SEED, 0))
    for attr in ("trust", "literacy", "income", "ward", "x", "propensity"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))
    reps = 6
    trust = {}
    for name, s in (("base", base), ("wifi", wifi)):
        trust[name] = np.array([simulate(s, run_seed(ROOT_SEED, k)).query("municipality == 'region'")
                                ["mean_trust"].iloc[-1] for k in range(reps)])
    paired = trust["wifi"] - trust["base"]
    unpaired = trust["wifi"] - np.roll(trust["base"], 1)  # replication k against k - 1
    assert paired.std(ddof=1) < 0.25 * unpaired.std(ddof=1)


# --------------------------------------------------------------------------- scenario library

LIBRARY = sorted(SCENARIOS.glob("*.toml"))
DEMO = ("baseline", "free_wifi_even", "free_wifi_equity", "open_data", "literacy_training",
        "talent_incentives", "security_breach", "idp_bundle")
EXPECTED = {*DEMO, "free_wifi_central", "breach_no_security", "dual_municipality", "multi_municipality",
            "wifi_phased"}


def test_the_library_has_every_scenario_and_the_demo_uses_them():
    names = {p.stem for p in LIBRARY}
    assert EXPECTED <= names, sorted(EXPECTED - names)
    demo = (ROOT / "Makefile").read_text().split("demo:", 1)[1].split("\n\n", 1)[0]
    assert re.findall(r"scenarios/(\w+)\.toml", demo) == list(DEMO)


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.name)
def test_every_scenario_file_validates_and_has_a_header_comment(path):
    assert check_files([path]) == []
    header = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        header.append(line.lstrip("# ").strip())
    assert len([h for h in header if h]) >= 2, f"{path.name}: needs a header comment saying what it asks"
    if path.stem in EXPECTED:  # the policy library also says which seed passage it comes from
        text = " ".join(header)
        assert "Asks:" in text, f"{path.name}: header should say 'Asks: ...'"
        assert re.search(r"[Ss]eed 00[02]", text), f"{path.name}: header should name the seed passage"
        assert read_toml(path).get("description"), f"{path.name}: needs a description"
