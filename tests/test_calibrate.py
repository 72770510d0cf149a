"""cosim calibrate: input checks, the ABC-SMC core, parameter recovery, outputs and resume."""

from __future__ import annotations

import itertools
import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cosim
from cosim import load_scenario, simulate
from cosim.analysis.calibration import abc_smc, proposal_rng, read_targets, toml_dumps, weighted_quantile
from cosim.cli import main
from cosim.errors import ScenarioError
from cosim.scenario.loading import read_toml

ROOT = Path(__file__).resolve().parent.parent
BASELINE = str(ROOT / "scenarios" / "baseline.toml")
TRUE_TRUST_MEAN = 0.45
SMALL = {"run.n_citizens": 300, "run.steps": 20}

PARAMS = """
[calibration]
seed = 11
population = 30
{extra}
[constants]
"run.n_citizens" = 300
"run.steps" = 20

[parameters]
"population.trust_mean" = [0.30, 0.60]
"""


# --------------------------------------------------------------------------- the ABC core (no model)


def toy(observed: float, sd: float, seed: int, used: int = 1):
    """Evaluate: y = theta_0 + N(0, sd) from each point's own stream; distance |y - observed| / sd."""

    def evaluate(zs, ids):
        out = []
        for z, pid in zip(zs, ids, strict=True):
            y = z[0] + sd * proposal_rng(seed + 1, pid).standard_normal()
            out.append({"z": z, "point": pid, "distance": abs(y - observed) / sd})
        return out

    return evaluate


def test_abc_smc_recovers_a_known_posterior():
    """Flat prior on [-3, 3] x [-3, 3], y ~ N(theta_1, 0.2^2), y_obs = 1: posterior of theta_1 ~ N(1, 0.2^2);
    theta_2 does not enter the model, so its posterior stays the prior."""
    bounds = np.array([[-3.0, 3.0], [-3.0, 3.0]])
    gens, reason = abc_smc(toy(1.0, 0.2, 5), bounds, population=300, alpha=0.5, min_acceptance=0.1,
                           max_generations=30, budget_points=20_000, seed=5)
    final = gens[-1]
    z = np.array([p["z"] for p in final.particles])
    w = final.weights
    mean = np.average(z[:, 0], weights=w)
    sd = math.sqrt(np.average((z[:, 0] - mean) ** 2, weights=w))
    sd2 = math.sqrt(np.average((z[:, 1] - np.average(z[:, 1], weights=w)) ** 2, weights=w))
    assert reason == "min_acceptance"
    assert len(gens) >= 4
    assert all(a.epsilon > b.epsilon for a, b in itertools.pairwise(gens[1:]))
    assert abs(mean - 1.0) < 0.05, mean
    # ABC with tolerance > 0 widens the posterior a little; it cannot be narrower than the likelihood
    assert 0.17 < sd < 0.3, sd
    assert sd2 / (6 / math.sqrt(12)) > 0.8, "a parameter the data do not touch must stay near its prior"
    assert np.isclose(w.sum(), 1.0)


def test_abc_smc_is_deterministic_and_stops_on_budget():
    bounds = np.array([[-3.0, 3.0]])
    a, ra = abc_smc(toy(1.0, 0.2, 6), bounds, population=50, alpha=0.5, min_acceptance=0.01,
                    max_generations=30, budget_points=400, seed=6)
    b, rb = abc_smc(toy(1.0, 0.2, 6), bounds, population=50, alpha=0.5, min_acceptance=0.01,
                    max_generations=30, budget_points=400, seed=6)
    assert ra == rb == "budget"
    assert [p["point"] for p in a[-1].particles] == [p["point"] for p in b[-1].particles]
    assert sum(g.proposed for g in a) <= 400


def test_weighted_quantile():
    x = np.array([3.0, 1.0, 2.0])
    assert weighted_quantile(x, np.ones(3), 0.5) == pytest.approx(2.0)
    assert weighted_quantile(x, np.array([1.0, 0.0, 0.0]), 0.5) == pytest.approx(3.0)


def test_toml_writer_round_trips_a_scenario_with_phases_and_events():
    raw = read_toml(ROOT / "scenarios" / "all_levers.toml")
    text = toml_dumps(raw)
    assert tomllib.loads(text) == raw


# --------------------------------------------------------------------------- input checks


def test_targets_are_checked_row_and_column(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("metric,step,value,sd\nshare_trust,10,0.3,0.05\nmean_trust,300,0.4,0.05\n"
                 "mean_trust,5,0.4,-0.1\nmean_trust,x,0.4,0.1\n")
    with pytest.raises(ScenarioError) as exc:
        read_targets(f, 260, "baseline.toml")
    msgs = exc.value.problems
    assert len(msgs) == 4
    assert "row 1 (line 2), column metric: unknown metric 'share_trust' (did you mean 'share_trusting'?)" in msgs[0]
    assert "row 2 (line 3), column step: week 300 is beyond the horizon (run.steps = 260" in msgs[1]
    assert "row 3 (line 4), column sd: expected a positive number" in msgs[2]
    assert "row 4 (line 5), column step" in msgs[3]
    assert all(m.startswith(str(f)) for m in msgs)


def _write_inputs(tmp_path, targets: str, params: str) -> tuple[str, str]:
    t = tmp_path / "targets.csv"
    t.write_text(targets)
    p = tmp_path / "params.toml"
    p.write_text(params)
    return str(t), str(p)


GOOD_TARGETS = "metric,step,value,sd\nmean_trust,10,0.45,0.01\n"


@pytest.mark.parametrize("targets, params, expected", [
    ("metric,step,value,sd\nshare_trust,10,0.3,0.05\n", PARAMS.format(extra=""),
     "row 1 (line 2), column metric: unknown metric 'share_trust'"),
    ("metric,step,value,sd\nmean_trust,21,0.3,0.05\n", PARAMS.format(extra=""),
     "column step: week 21 is beyond the horizon (run.steps = 20"),
    ("metric,step,value,sd\nmean_trust,10,0.3,-0.05\n", PARAMS.format(extra=""),
     "row 1 (line 2), column sd: expected a positive number"),
    ("metric,step,value\nmean_trust,10,0.3\n", PARAMS.format(extra=""), "missing column(s) sd"),
    (GOOD_TARGETS, PARAMS.format(extra="").replace("population.trust_mean", "population.trust_men"),
     "parameters.population.trust_men: unknown parameter (did you mean 'population.trust_mean'?)"),
    (GOOD_TARGETS, PARAMS.format(extra="").replace("[0.30, 0.60]", "[0.30, 1.60]"),
     "parameters.population.trust_mean: max 1.6 is above the parameter's valid range [0.0, 1.0]"),
    (GOOD_TARGETS, PARAMS.format(extra="").replace("[0.30, 0.60]", "[0.60, 0.30]"), "min (0.6) must be below max"),
    (GOOD_TARGETS, PARAMS.format(extra="") + '"network.kind" = ["a", "b"]\n', "a choice parameter cannot be fitted (only numbers can)"),
    (GOOD_TARGETS, PARAMS.format(extra="alpha = 1.5"), "calibration.alpha: Input should be less than 1"),
    (GOOD_TARGETS, PARAMS.format(extra="") .replace('"run.steps" = 20', '"run.stepz" = 20'),
     "constants.run.stepz: unknown parameter"),
])
def test_bad_input_exits_2_naming_the_problem(tmp_path, capsys, targets, params, expected):
    t, p = _write_inputs(tmp_path, targets, params)
    out = tmp_path / "out"
    code = main(["calibrate", t, "--scenario", BASELINE, "--params", p, "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err, err
    assert "Traceback" not in err
    assert not out.exists(), "nothing may be written on bad input"


def test_missing_files_and_bad_options(tmp_path, capsys):
    t, p = _write_inputs(tmp_path, GOOD_TARGETS, PARAMS.format(extra=""))
    assert main(["calibrate", str(tmp_path / "nope.csv"), "--scenario", BASELINE, "--params", p]) == 2
    assert "nope.csv: no such file" in capsys.readouterr().err
    assert main(["calibrate", t, "--scenario", BASELINE, "--params", p, "--budget", "0"]) == 2
    assert "--budget" in capsys.readouterr().err
    assert main(["calibrate", t, "--scenario", BASELINE, "--params", p, "--budget", "10",
                 "--out", str(tmp_path / "o")]) == 2
    assert "fewer than one ABC generation" in capsys.readouterr().err


# --------------------------------------------------------------------------- recovery through the model


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """Targets generated by the model itself at population.trust_mean = 0.45 (mean of 4 seeds)."""
    d = tmp_path_factory.mktemp("synthetic")
    s = load_scenario(BASELINE, {**SMALL, "population.trust_mean": TRUE_TRUST_MEAN})
    runs = [simulate(s, seed=100 + k) for k in range(4)]
    rows = ["metric,step,value,sd,source"]
    for metric, step, sd in (("mean_trust", 10, 0.01), ("mean_trust", 20, 0.01), ("share_trusting", 20, 0.04)):
        v = np.mean([r.loc[(r["municipality"] == "region") & (r["step"] == step), metric].item() for r in runs])
        rows.append(f"{metric},{step},{v:.5f},{sd},model at trust_mean = {TRUE_TRUST_MEAN}")
    (d / "targets.csv").write_text("\n".join(rows) + "\n")
    (d / "params.toml").write_text(PARAMS.format(extra=""))
    return d


@pytest.mark.slow
def test_abc_recovers_a_known_parameter_and_resumes(synthetic, capsys):
    """ABC-SMC on targets made by the model at trust_mean = 0.45 recovers it; rerunning reuses every run."""
    out = synthetic / "abc"
    args = ["calibrate", str(synthetic / "targets.csv"), "--scenario", BASELINE, "--params",
            str(synthetic / "params.toml"), "--budget", "150", "--out", str(out), "--quiet"]
    assert main(args) == 0
    post = pd.read_parquet(out / "posterior.parquet")
    # the last generation may be the unfinished one (issue 14: no budget thrown away): 10 to 30 particles
    assert 10 <= len(post) <= 30 and np.isclose(post["weight"].sum(), 1.0)
    lo, med, hi = weighted_quantile(post["population.trust_mean"].to_numpy(), post["weight"].to_numpy(),
                                    np.array([0.05, 0.5, 0.95]))
    assert lo <= TRUE_TRUST_MEAN <= hi, (lo, med, hi)
    assert abs(med - TRUE_TRUST_MEAN) < 0.03
    assert hi - lo < 0.15, "the targets should pin trust_mean well inside its prior [0.3, 0.6]"
    best = load_scenario(out / "best.toml")
    assert abs(best.population.trust_mean - med) < 1e-5
    assert best.run.n_citizens == 10_000, "constants of the fit are not carried into best.toml"
    m = json.loads((out / "manifest.json").read_text())
    assert m["kind"] == "calibration" and m["runs"]["runs_used"] <= 150
    assert m["identifiability"][0]["verdict"] == "pinned down"
    assert m["verdict"] == "fit" and m["calibrated"] is True, m["verdict_statement"]
    assert (out / "best.toml").read_text().startswith("# Calibrated scenario written by `cosim calibrate`")
    for f in ("report.html", "bands.parquet", "figures/fit.png", "figures/posterior.png", "runs.sqlite"):
        assert (out / f).is_file(), f
    html = (out / "report.html").read_text()
    assert "Goodness of fit" in html and "identifiability" in html
    # resume: the same command again runs nothing new and writes the same posterior
    capsys.readouterr()
    assert main(args) == 0
    assert "(0 run now" in capsys.readouterr().out
    assert pd.read_parquet(out / "posterior.parquet").equals(post)
    # a different calibration may not use the folder
    (synthetic / "params2.toml").write_text(PARAMS.format(extra="").replace("[0.30, 0.60]", "[0.30, 0.55]"))
    args2 = [*args]
    args2[args2.index(str(synthetic / "params.toml"))] = str(synthetic / "params2.toml")
    assert main(args2) == 2
    assert "holds runs of a different calibration (differs in: priors)" in capsys.readouterr().err
    assert pd.read_parquet(out / "posterior.parquet").equals(post)


@pytest.mark.slow
def test_two_workers_give_the_serial_result(synthetic):
    outs = []
    for workers in ("1", "2"):
        out = synthetic / f"w{workers}"
        assert main(["calibrate", str(synthetic / "targets.csv"), "--scenario", BASELINE, "--params",
                     str(synthetic / "params.toml"), "--budget", "60", "--out", str(out), "--quiet",
                     "--no-figures", "--workers", workers]) == 0
        outs.append(pd.read_parquet(out / "posterior.parquet"))
    assert outs[0].equals(outs[1])


@pytest.mark.slow
def test_optimize_recovers_a_known_parameter(synthetic):
    """Differential evolution (common random numbers, 2 replications) finds trust_mean near 0.45."""
    params = synthetic / "params_opt.toml"
    params.write_text(PARAMS.format(extra='method = "optimize"\nreplications = 2\npopsize = 5\nvalidation = 4'))
    out = synthetic / "opt"
    assert main(["calibrate", str(synthetic / "targets.csv"), "--scenario", BASELINE, "--params", str(params),
                 "--budget", "44", "--out", str(out), "--quiet"]) == 0
    best = load_scenario(out / "best.toml")
    assert abs(best.population.trust_mean - TRUE_TRUST_MEAN) < 0.03
    evals = pd.read_parquet(out / "evaluations.parquet")
    assert len(evals) == 20  # popsize 5 x 1 parameter x 4 generations; 2 replications each; + 4 validation runs
    m = json.loads((out / "manifest.json").read_text())
    assert m["method"] == "optimize" and m["runs"]["runs_used"] == 44
    assert (out / "figures" / "profiles.png").is_file()


def test_shipped_example_validates():
    """experiments/calibration/ inputs load and check; scenarios/calibrated.toml carries the fitted values."""
    from cosim.analysis.calibration import load_problem

    folder = ROOT / "experiments" / "calibration"
    problem = load_problem(str(folder / "targets.csv"), BASELINE, str(folder / "params.toml"), None, None)
    assert problem.method == "abc" and len(problem.targets) == 3 and len(problem.priors) == 4
    calibrated = load_scenario(ROOT / "scenarios" / "calibrated.toml")
    defaults = cosim.Scenario()
    for prior in problem.priors:
        section, key = prior.path.split(".")
        value = getattr(getattr(calibrated, section), key)
        assert prior.lo <= value <= prior.hi, prior.path
        # the default municipality is the calibrated one
        assert getattr(getattr(defaults, section), key) == value, prior.path
    assert calibrated.run.n_citizens == 10_000, "the fit's constants are not part of the calibrated scenario"


def test_cosim_check_validates_params_files(tmp_path, capsys):
    assert main(["check", str(ROOT / "experiments" / "calibration" / "params.toml")]) == 0
    bad = tmp_path / "params.toml"
    bad.write_text('[parameters]\n"trust.alpha_plas" = [0.0, 0.5]\n')
    capsys.readouterr()
    assert main(["check", str(bad)]) == 2
    assert "parameters.trust.alpha_plas: unknown parameter (did you mean 'trust.alpha_plus'?)" in capsys.readouterr().err


@pytest.mark.slow
def test_interrupted_fit_resumes_to_the_uninterrupted_result(synthetic, monkeypatch, capsys):
    """Ctrl-C after 45 runs: exit 130, the finished runs are kept, and the rerun ends where a clean run ends."""
    import cosim.analysis.calibration.runner as cal

    def args(out):
        return ["calibrate", str(synthetic / "targets.csv"), "--scenario", BASELINE, "--params",
                str(synthetic / "params.toml"), "--budget", "90", "--out", str(out), "--quiet", "--no-figures",
                "--workers", "1"]  # in this process, where the interruption is patched in

    assert main(args(synthetic / "clean")) == 0
    real = cal.simulate_targets
    calls = {"n": 0}

    def flaky(job):
        calls["n"] += 1
        if calls["n"] > 45:
            raise KeyboardInterrupt
        return real(job)

    monkeypatch.setattr(cal, "simulate_targets", flaky)
    assert main(args(synthetic / "cut")) == 130
    assert "rerun the same command to resume" in capsys.readouterr().err
    assert not (synthetic / "cut" / "posterior.parquet").exists()
    monkeypatch.setattr(cal, "simulate_targets", real)
    assert main(args(synthetic / "cut")) == 0
    assert "(45 run now" in capsys.readouterr().out
    assert pd.read_parquet(synthetic / "cut" / "posterior.parquet").equals(
        pd.read_parquet(synthetic / "clean" / "posterior.parquet"))


# --------------------------------------------------------------------------- report, TOML and errors


def test_best_toml_is_written_by_tomli_w_and_round_trips():
    """toml_dumps is tomli-w's text (unset values left out) and reads back as the same scenario."""
    import tomli_w

    raw = read_toml(ROOT / "scenarios" / "all_levers.toml")
    assert toml_dumps(raw) == tomli_w.dumps(raw)
    with_none = {"name": "x", "description": None, "run": {"steps": 4, "seed": None}}
    assert tomllib.loads(toml_dumps(with_none)) == {"name": "x", "run": {"steps": 4}}


def test_library_errors_name_the_argument_not_the_flag(tmp_path):
    """A notebook user calling the library is told about ``out`` and ``budget``, not --out and --budget."""
    from cosim.analysis.calibration import calibrate, load_problem
    from cosim.errors import UsageError

    with pytest.raises(UsageError) as exc:
        abc_smc(toy(0.5, 0.1, 1), np.array([[0.0, 1.0]]), population=20, alpha=0.5, min_acceptance=0.05,
                max_generations=3, budget_points=10, seed=1)
    assert exc.value.argument == "budget" and "--" not in str(exc.value)
    assert exc.value.for_command_line().startswith("--budget: ")
    folder = ROOT / "experiments" / "calibration"
    problem = load_problem(str(folder / "targets.csv"), BASELINE, str(folder / "params.toml"), None, 100)
    taken = tmp_path / "Documents"
    taken.mkdir()
    (taken / "thesis.docx").write_text("years of work")
    with pytest.raises(UsageError) as exc:
        calibrate(problem, taken, progress=False)
    assert exc.value.argument == "out" and "--out" not in str(exc.value)
    assert str(exc.value).startswith("out: ") and (taken / "thesis.docx").read_text() == "years of work"


@pytest.mark.slow
def test_calibration_report_is_on_the_shared_base(synthetic):
    """The report extends the one base page: header marker, stylesheet, the shared sections, figures embedded."""
    from cosim.reports.html import REPORT_MARKER

    params = synthetic / "params_report.toml"
    params.write_text(PARAMS.format(extra='method = "optimize"\nreplications = 1\npopsize = 4\nvalidation = 2'))
    out = synthetic / "report"
    assert main(["calibrate", str(synthetic / "targets.csv"), "--scenario", BASELINE, "--params", str(params),
                 "--budget", "20", "--out", str(out), "--quiet"]) == 0
    page = (out / "report.html").read_text()
    assert REPORT_MARKER in page and "--accent:" in page
    for section in ("How to read this", "Assumptions", "Seeds and runs", "Goodness of fit", "<figcaption>"):
        assert section in page, section
    assert page.count('src="data:image/png;base64,') == 2 and "src='figures/" not in page  # fit and profiles
    text = (out / "best.toml").read_text()
    assert text.startswith("# Calibrated scenario written by `cosim calibrate` (optimize)")
    assert load_scenario(out / "best.toml").name == "baseline_calibrated"


# --------------------------------------------------------------------------- issue 14: checks, verdict, --set


@pytest.mark.parametrize("row, expected", [
    ("share_online,10,53,0.05", "column value: share_online is a share between 0 and 1, got 53 "
                                "(if 53 is a percent, did you mean 0.53?)"),
    ("share_online,10,1.103,0.05", "column value: share_online is a share between 0 and 1, got 1.103"),
    ("mean_trust,10,-0.2,0.05", "column value: mean_trust is an index between 0 and 1, got -0.2"),
    ("requests,0,3,1", "column step: requests is 0 at week 0 in every run (its counter starts at week 0)"),
    ("share_dropped,0,0.1,0.05", "column step: share_dropped is 0 at week 0 in every run"),
    ("backlog,10,-4,1", "column value: backlog cannot be negative, got -4"),
    ("share_onlin,10,0.3,0.05", "unknown metric 'share_onlin' (did you mean 'share_online'?)"),
    ("share_online,10,0.3,0", "column sd: expected a positive number"),
    ("share_online,30,0.3,0.05", "week 30 is beyond the horizon (run.steps = 20"),
])
def test_targets_that_cannot_be_observations_are_refused(tmp_path, row, expected):
    f = tmp_path / "t.csv"
    f.write_text(f"metric,step,value,sd\n{row}\n")
    with pytest.raises(ScenarioError) as exc:
        read_targets(f, 20, "baseline.toml")
    assert len(exc.value.problems) == 1
    assert exc.value.problems[0].startswith(f"{f}, row 1 (line 2)")
    assert expected in exc.value.problems[0], exc.value.problems[0]


def test_targets_that_are_fine_pass():
    """A gap may be negative; a stock (trust, the share online after the burn-in) may be a target at week 0."""
    f = ROOT / "experiments" / "calibration" / "targets.csv"
    assert read_targets(f, 520, "x")
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        t = Path(d) / "t.csv"
        t.write_text("metric,step,value,sd\nparticipation_gap,5,-0.01,0.01\nmean_trust,0,0.4,0.05\n"
                     "share_online,0,0.45,0.05\n")
        assert len(read_targets(t, 20, "x", burn_in=52)) == 3
        with pytest.raises(ScenarioError, match=r"run\.burn_in_weeks = 0"):
            read_targets(t, 20, "x", burn_in=0)


@pytest.mark.parametrize("burn_in", [0, 52])
def test_zero_at_week_0_is_true_of_a_run(burn_in):
    """The metrics refused at week 0 are 0 there in a run with every lever on, with and without a burn-in."""
    from cosim.analysis.calibration.targets import zero_at_week_0

    s = load_scenario(ROOT / "scenarios" / "all_levers.toml",
                      {"run.n_citizens": 400, "run.steps": 2, "run.burn_in_weeks": burn_in})
    r = simulate(s, seed=3)
    row = r[(r["municipality"] == "region") & (r["step"] == 0)].iloc[0]
    zero = [m for m in cosim.METRICS if zero_at_week_0(m, burn_in)]
    assert zero and all(row[m] == 0 for m in zero), [m for m in zero if row[m] != 0]


def test_cosim_check_reports_bad_targets(tmp_path, capsys):
    bad = tmp_path / "targets.csv"
    bad.write_text("metric,step,value,sd\nshare_online,52,53,0.05\n")
    assert main(["check", str(bad), str(ROOT / "experiments" / "calibration" / "targets.csv")]) == 2
    captured = capsys.readouterr()
    assert "did you mean 0.53?" in captured.err and "1 of 2 file(s) valid" in captured.out


IMPOSSIBLE = ("metric,step,value,sd\nshare_online,20,0.99,0.005\nmean_trust,10,0.9,0.01\n"
              "mean_trust,20,0.1,0.01\n")


def test_an_impossible_target_set_is_reported_as_a_misfit(tmp_path, capsys):
    """Nearly everyone online by week 20, and trust both far above and far below what the priors allow:
    a result (exit 0), reported as a misfit in the CLI, the manifest, the report and best.toml."""
    t, p = _write_inputs(tmp_path, IMPOSSIBLE, PARAMS.format(extra=""))
    out = tmp_path / "out"
    assert main(["calibrate", t, "--scenario", BASELINE, "--params", p, "--budget", "60", "--out", str(out),
                 "--quiet", "--no-figures", "--set", "wifi.hotspots=5"]) == 0
    printed = capsys.readouterr().out
    assert "verdict: MISFIT" in printed and "cannot reproduce 3 of 3 target(s)" in printed
    m = json.loads((out / "manifest.json").read_text())
    assert m["verdict"] == "misfit" and m["calibrated"] is False
    assert set(m["missed_targets"]) == {"share_online@20", "mean_trust@10", "mean_trust@20"}
    assert all("ppc_p" in row and row["ppc_p"] < 0.05 for row in m["goodness_of_fit"])
    assert m["overrides"] == {"wifi.hotspots": 5}
    best = (out / "best.toml").read_text()
    assert best.startswith("# Best fit (NOT calibrated: the model misses 3 of 3 targets)")
    assert "Calibrated scenario" not in best
    assert load_scenario(out / "best.toml").wifi.hotspots == 5, "--set is carried into best.toml"
    html = (out / "report.html").read_text()
    assert "misfit" in html and "NOT calibrated" in html and "pinned down" not in html
    assert all("fit fails" in v["verdict"] or v["verdict"] == "not identified" for v in m["identifiability"])


def test_set_is_checked_like_other_commands(tmp_path, capsys):
    t, p = _write_inputs(tmp_path, GOOD_TARGETS, PARAMS.format(extra=""))
    base = ["calibrate", t, "--scenario", BASELINE, "--params", p, "--out", str(tmp_path / "o"), "--quiet"]
    assert main([*base, "--set", "wifi.hotspot=3"]) == 2
    assert "(with --set): wifi.hotspot: unknown key" in capsys.readouterr().err
    assert main([*base, "--set", "population.trust_mean=0.4"]) == 2
    assert "--set population.trust_mean: also fitted in [parameters]" in capsys.readouterr().err
    assert main([*base, "--set", "run.n_citizens=400"]) == 2
    assert "also held in [constants]" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
