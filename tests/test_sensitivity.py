"""Sensitivity analysis verified on functions with known indices, through the model's own code path.

The Ishigami function (Ishigami & Homma 1990; a = 7, b = 0.1) has analytic
indices S1 = 0.314, 0.442, 0.0 and ST = 0.558, 0.442, 0.244.  Every Ishigami
test here goes experiment file -> ``cosim sensitivity`` -> ``run_experiment``
(seeded runs, run store) -> averaging -> SALib -> ``indices.csv``, exactly as a
study of the co-production model does.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cosim.analysis import sensitivity
from cosim.cli import main as cli
from cosim.cli.sensitivity import replications_for
from cosim.reports import sensitivity as sensitivity_report
from cosim.runs.experiment import design, load_experiment, salib_problem

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS = ROOT / "experiments"

S1_TRUE = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ST_TRUE = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}
VAR_TRUE = 7.0**2 / 8 + 0.1 * math.pi**4 / 5 + 0.1**2 * math.pi**8 / 18 + 0.5  # 13.84: Var of Ishigami
PI = repr(math.pi)


def ishigami_file(tmp_path: Path, *, name: str = "ishi", design_: str = "sobol", samples: int = 1024,
                  noise_sd: float = 0.0, replications: int | None = 1, groups: dict[str, str] | None = None,
                  extra: str = "") -> Path:
    """Write an Ishigami experiment file (x1..x3 on [-pi, pi])."""
    reps = "" if replications is None else f"replications = {replications}\n"
    text = (f'[experiment]\nname = "{name}"\nmodel = "ishigami"\ndesign = "{design_}"\nsamples = {samples}\n'
            f"{reps}root_seed = 20261124\nnoise_sd = {noise_sd}\n{extra}\n")
    for x in ("x1", "x2", "x3"):
        group = f'group = "{groups[x]}"\n' if groups and x in groups else ""
        text += f'[[factors]]\npath = "{x}"\nmin = -{PI}\nmax = {PI}\n{group}\n'
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


def run_cli(path: Path, out: Path, *extra: str) -> pd.DataFrame:
    assert cli(["sensitivity", str(path), "--out", str(out), "--quiet", *extra]) == 0
    return pd.read_csv(out / "sensitivity" / "indices.csv")


def index(df: pd.DataFrame, kind: str, name: str, outcome: str = "y") -> tuple[float, float]:
    row = df[(df["outcome"] == outcome) & (df["kind"] == kind) & (df["parameter"] == name)].iloc[0]
    return float(row["value"]), float(row["conf"])


def assert_within_intervals(df: pd.DataFrame) -> None:
    for kind, truth in (("S1", S1_TRUE), ("ST", ST_TRUE)):
        for name, true in truth.items():
            value, conf = index(df, kind, name)
            assert abs(value - true) <= conf, f"{kind} of {name}: {value:.3f} ± {conf:.3f} misses {true}"


# ------------------------------------------------------------------ Ishigami, Sobol'


@pytest.mark.slow
def test_ishigami_without_noise_recovers_analytic_indices(tmp_path):
    out = tmp_path / "out"
    df = run_cli(ishigami_file(tmp_path), out)
    assert_within_intervals(df)
    # the intervals are informative, not just wide enough to cover anything
    assert all(df.loc[df["kind"].isin(["S1", "ST"]), "conf"] < 0.1)
    assert list(df.columns) == ["outcome", "parameter", "kind", "value", "conf"]
    folder = out / "sensitivity"
    for name in ("report.html", "manifest.json", "noise.csv", "convergence.csv", "sobol_y.png",
                 "convergence_y.png"):
        assert (folder / name).is_file(), name
    report = (folder / "report.html").read_text()
    assert "data:image/png;base64," in report and "<img" in report and 'src="http' not in report
    assert "Inputs that matter" in report and "<code>x1</code>" in report
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["n_runs"] == 1024 * 5 and manifest["replications"] == 1
    assert set(manifest["verdicts"]) == {"y"}


@pytest.mark.slow
def test_noise_inflates_total_indices_and_averaging_replications_recovers_them(tmp_path):
    """One noisy run per point inflates ST (most visibly the null-alone x3); 20 averaged replications do not."""
    noise_sd = 2.0  # noise variance 4 against the function's 13.84
    path = ishigami_file(tmp_path, name="noisy", noise_sd=noise_sd)
    out = tmp_path / "out"

    single = run_cli(path, out)
    st3, conf3 = index(single, "ST", "x3")
    assert st3 - conf3 > ST_TRUE["x3"], f"ST of x3 with noise should be inflated, got {st3:.3f} ± {conf3:.3f}"
    # and by the amount the module docstring predicts: (ST V + s^2) / (V + s^2)
    s2 = noise_sd**2
    for name, true in ST_TRUE.items():
        value, conf = index(single, "ST", name)
        assert abs(value - (true * VAR_TRUE + s2) / (VAR_TRUE + s2)) <= conf
    noise = pd.read_csv(out / "sensitivity" / "noise.csv")
    assert noise["noise_share"].isna().all()  # one replication: the noise cannot be measured
    assert "cannot be measured" in (out / "sensitivity" / "report.html").read_text()

    # same folder, more replications: the runner keeps replication 0 and adds 1..19
    averaged = run_cli(path, out, "--replications", "20")
    assert_within_intervals(averaged)
    assert index(averaged, "ST", "x3")[0] < st3
    noise = pd.read_csv(out / "sensitivity" / "noise.csv").iloc[0]
    assert noise["replications"] == 20
    assert noise["noise_share"] == pytest.approx(s2 / (VAR_TRUE + s2), abs=0.03)  # 0.224
    assert noise["noise_floor"] == pytest.approx(s2 / 20 / (VAR_TRUE + s2 / 20), abs=0.005)  # 0.014
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 1024 * 5 * 20 and (runs["status"] == "ok").all()


@pytest.mark.slow
def test_grouped_inputs_get_the_indices_of_their_union(tmp_path):
    """Grouping x1 and x3: S1 of the group = S1 + S3 + S13 = 1 - ST(x2); ST of the group = 1 - S1(x2)."""
    path = ishigami_file(tmp_path, name="grouped", samples=512, groups={"x1": "x1+x3", "x3": "x1+x3"})
    df = run_cli(path, tmp_path / "out")
    assert set(df["parameter"]) == {"x1+x3", "x2"}
    for kind in ("S1", "ST"):
        value, conf = index(df, kind, "x1+x3")
        assert abs(value - 0.5576) <= conf
        value, conf = index(df, kind, "x2")
        assert abs(value - 0.4424) <= conf


@pytest.mark.slow
def test_second_order_indices(tmp_path):
    """S2 of x1 and x3 is the Ishigami's only interaction: 0.244; the other pairs are 0."""
    path = ishigami_file(tmp_path, name="second", samples=512, extra="second_order = true")
    df = run_cli(path, tmp_path / "out")
    s2 = df[df["kind"] == "S2"].set_index("parameter")
    assert set(s2.index) == {"x1:x2", "x1:x3", "x2:x3"}
    assert abs(s2.loc["x1:x3", "value"] - 0.2437) <= s2.loc["x1:x3", "conf"]
    for pair in ("x1:x2", "x2:x3"):
        assert abs(s2.loc[pair, "value"]) <= s2.loc[pair, "conf"]


@pytest.mark.slow
def test_indices_identical_serial_and_process_pool(tmp_path):
    path = ishigami_file(tmp_path, name="backend", samples=16, noise_sd=1.0, replications=2)
    serial = run_cli(path, tmp_path / "serial")
    pool = run_cli(path, tmp_path / "pool", "--workers", "2")
    pd.testing.assert_frame_equal(serial, pool)


# ------------------------------------------------------------------ convergence


def _ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_convergence_prefixes_are_the_smaller_designs(tmp_path):
    """The first n * (D + 2) rows of the N-design are exactly the n-design: prefixes cost no runs."""
    big = load_experiment(ishigami_file(tmp_path, name="big", samples=256))
    small = load_experiment(ishigami_file(tmp_path, name="small", samples=32))
    x_big, _ = design(big)
    x_small, _ = design(small)
    per = sensitivity.rows_per_sample(salib_problem(big), second_order=False)
    assert per == 5
    np.testing.assert_array_equal(x_big[: 32 * per], x_small)


def test_convergence_curve_shapes_and_verdict():
    from SALib.sample import sobol

    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    n = 1024
    y = _ishigami(sobol.sample(problem, n, calc_second_order=False, seed=11))
    curve = sensitivity.sobol_convergence(problem, y, n_samples=n, second_order=False, seed=5)
    assert sorted(curve["n_samples"].unique()) == [128, 256, 512, 1024]
    assert len(curve) == 4 * 3 * 2
    full = sensitivity.sobol_indices(problem, y, second_order=False, seed=5)
    last = curve[curve["n_samples"] == n].drop(columns="n_samples").reset_index(drop=True)
    pd.testing.assert_frame_equal(last, full)  # the last point of the curve is the reported estimate
    for (_, _), d in curve.groupby(["parameter", "kind"]):
        conf = d.sort_values("n_samples")["conf"].to_numpy()
        # intervals shrink like 1/sqrt(N): eight times the samples, about sqrt(8) = 2.8 times narrower
        assert 1.8 < conf[0] / conf[-1] < 4.5
        assert conf[-1] < conf[0]
    # small designs fail the rule on interval width; a large one passes
    small = sensitivity.convergence_verdict(curve[curve["n_samples"] <= 256])
    assert not small["converged"] and small["max_half_width"] > sensitivity.CONVERGENCE_HALF_WIDTH
    big_n = 8192
    y = _ishigami(sobol.sample(problem, big_n, calc_second_order=False, seed=11))
    verdict = sensitivity.convergence_verdict(
        sensitivity.sobol_convergence(problem, y, n_samples=big_n, second_order=False, seed=5, n_resamples=200))
    assert verdict["converged"], verdict
    assert verdict["n_samples"] == big_n and verdict["n_half"] == big_n // 2


def test_convergence_verdict_flags_a_moving_index():
    rows = []
    for n, v in ((64, 0.30), (128, 0.31), (256, 0.20), (512, 0.40)):
        rows += [{"n_samples": n, "parameter": "a", "kind": "ST", "value": v, "conf": 0.02},
                 {"n_samples": n, "parameter": "a", "kind": "S1", "value": 0.1, "conf": 0.02}]
    verdict = sensitivity.convergence_verdict(pd.DataFrame(rows))
    assert not verdict["converged"]
    assert verdict["max_change"] == pytest.approx(0.2) and verdict["max_change_at"] == "ST of a"


def test_report_words_for_noise_dominated_and_unconverged_outcomes():
    """A noise-dominated outcome is not ranked; an unconverged one gets an extrapolated N."""
    indices = pd.DataFrame([{"outcome": "y", "parameter": p, "kind": k, "value": v, "conf": c}
                            for p, k, v, c in (("a", "S1", 0.5, 0.3), ("a", "ST", 1.4, 0.9),
                                               ("b", "S1", 0.1, 0.3), ("b", "ST", 1.1, 0.8))])
    noise = pd.DataFrame([{"outcome": "y", "replications": 2.0, "noise_share": 0.9, "noise_floor": 0.8}])
    verdict = {"converged": False, "n_samples": 64, "n_half": 32, "max_change": 0.3, "max_change_at": "ST of a",
               "max_half_width": 0.9, "max_half_width_at": "ST of a"}
    analysis = sensitivity.Analysis("sobol", indices, noise, verdicts={"y": verdict})
    text = " ".join(sensitivity_report.sobol_summary(analysis, "y"))
    assert "Noise dominates" in text and "Inputs that matter" not in text and "May matter" not in text
    # 1/sqrt(N): half-width 0.295 at N = 64 reaches 0.10 near N = 557 -> the power of two 1024
    assert sensitivity.samples_for_width({**verdict, "max_half_width": 0.295}) == 1024
    assert sensitivity.samples_for_width({**verdict, "max_half_width": 0.1}) == 128  # at least double
    analysis.noise.loc[0, "noise_floor"] = 0.01
    text = " ".join(sensitivity_report.sobol_summary(analysis, "y"))
    assert "Not converged" in text and "experiment.samples</code> = 8192" in text


# ------------------------------------------------------------------ noise table


def test_noise_share_and_floor_on_a_hand_built_table():
    # two points, three replications each: within-point variance 1 at both; point means 0 and 4
    runs = pd.DataFrame({"point_id": [0, 0, 0, 1, 1, 1], "status": ["ok"] * 6,
                         "y": [-1.0, 0.0, 1.0, 3.0, 4.0, 5.0]})
    s = sensitivity.summarise_points(runs, ["y"], 2)
    assert s.means["y"].tolist() == [0.0, 4.0]
    row = s.noise.iloc[0]
    assert row["var_within"] == pytest.approx(1.0)
    assert row["var_runs"] == pytest.approx(np.var(runs["y"], ddof=1))
    assert row["noise_share"] == pytest.approx(1.0 / np.var(runs["y"], ddof=1))
    assert row["noise_floor"] == pytest.approx((1.0 / 3) / 8.0)  # Var(means) = 8 (ddof 1)
    # a failed run is left out of the mean; a point with none left is NaN and the outcome is skipped
    runs.loc[5, "status"] = "failed"
    assert sensitivity.summarise_points(runs, ["y"], 2).means["y"].tolist() == [0.0, 3.5]
    runs.loc[3:5, "status"] = "failed"
    s = sensitivity.summarise_points(runs, ["y"], 2)
    assert "1 of 2 sample points" in sensitivity.outcome_problem(s.means["y"].to_numpy())


# ------------------------------------------------------------------ Morris


@pytest.mark.slow
def test_morris_ranks_ishigami_inputs(tmp_path):
    """mu* puts x1 and x2 above x3 (4-level grid; 1,000 trajectories keep the bootstrap tight)."""
    path = ishigami_file(tmp_path, name="morris", design_="morris", samples=1000, extra="levels = 4")
    out = tmp_path / "out"
    df = run_cli(path, out)
    mu = df[df["kind"] == "mu_star"].set_index("parameter")
    for name in ("x1", "x2"):
        assert mu.loc[name, "value"] - mu.loc[name, "conf"] > mu.loc["x3", "value"] + mu.loc["x3", "conf"], mu
    sigma = df[df["kind"] == "sigma"].set_index("parameter")["value"]
    assert (sigma > 0).all()  # Ishigami is non-linear in every input
    assert (out / "sensitivity" / "morris_y.png").is_file()
    assert "Influential inputs" in (out / "sensitivity" / "report.html").read_text()


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("samples, words", [(100, "power of two"), (8, "at least 16")])
def test_sobol_samples_must_be_a_power_of_two(tmp_path, capsys, samples, words):
    path = ishigami_file(tmp_path, samples=samples)
    out = tmp_path / "out"
    assert cli(["sensitivity", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "experiment.samples" in err and words in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("change, words", [
    ("lhs", "needs 'sobol' or 'morris'"),
    ("--replications=0", "--replications"),
    ("--workers=0", "--workers"),
    ("missing", "no such file"),
])
def test_bad_input_exits_2_with_a_message_and_writes_nothing(tmp_path, capsys, change, words):
    path = ishigami_file(tmp_path, design_="lhs" if change == "lhs" else "sobol", samples=16)
    if change == "missing":
        path = tmp_path / "nope.toml"
    out = tmp_path / "out"
    extra = [change] if change.startswith("--") else []
    assert cli(["sensitivity", str(path), "--out", str(out), "--quiet", *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and words in err and "Traceback" not in err
    assert not out.exists()


def test_replications_default_to_five_unless_the_file_says(tmp_path):
    assert replications_for(ishigami_file(tmp_path, replications=None), None) == 5
    assert replications_for(ishigami_file(tmp_path, replications=2), None) == 2
    assert replications_for(ishigami_file(tmp_path, replications=2), 7) == 7


# ------------------------------------------------------------------ the model itself


@pytest.mark.slow
def test_cosim_sobol_rounds_integers_and_maps_levels(tmp_path):
    """A small Sobol' study of the model: integer factors reach it rounded, switches as their levels."""
    base = ROOT / "scenarios" / "baseline.toml"
    text = (f'[experiment]\nname = "tiny"\nbase = "{base}"\ndesign = "sobol"\nsamples = 16\n'
            'replications = 2\nroot_seed = 3\noutcomes = ["share_adopted", "mean_trust"]\n'
            '[experiment.constants]\n"run.n_citizens" = 200\n"run.steps" = 20\n'
            '"municipality.annual_budget_rand" = 80000000.0\n'
            '[[factors]]\npath = "wifi.hotspots"\nmin = 0\nmax = 200\n'
            '[[factors]]\npath = "wifi.placement"\nvalues = ["even", "central", "equity"]\n'
            '[[factors]]\npath = "channels.ussd"\nvalues = [false, true]\n')
    path = tmp_path / "tiny.toml"
    path.write_text(text)
    out = tmp_path / "out"
    df = run_cli(path, out)
    exp = load_experiment(path)
    x, _ = design(exp)
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 16 * 5 * 2 and (runs["status"] == "ok").all()
    hotspots = runs["wifi.hotspots"]
    assert pd.api.types.is_integer_dtype(hotspots)
    raw = x[runs["point_id"].to_numpy(), 0]
    np.testing.assert_array_equal(hotspots.to_numpy(), np.floor(raw + 0.5).astype(int))
    assert not np.all(raw == np.round(raw))  # SALib did sample fractional hotspots
    assert set(runs["wifi.placement"]) == {"even", "central", "equity"}
    assert set(runs["channels.ussd"]) == {False, True}
    assert set(df["outcome"]) == {"share_adopted", "mean_trust"}
    assert set(df["parameter"]) == {"wifi.hotspots", "wifi.placement", "channels.ussd"}
    assert np.isfinite(df["value"]).all()


def test_shipped_experiment_files_are_generated_from_the_schema():
    import importlib.util

    from cosim.runs.experiment import check_experiment_files
    from cosim.scenario.schema import parameter_table

    spec = importlib.util.spec_from_file_location("make_sa", EXPERIMENTS / "make_sensitivity_experiments.py")
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    for name, build in make.FILES.items():
        assert (EXPERIMENTS / name).read_text() == build(), f"{name} is stale: run the generator"
    files = [EXPERIMENTS / "sobol_policies.toml", EXPERIMENTS / "morris_screening.toml"]
    assert check_experiment_files(files) == []
    sobol = load_experiment(files[0])
    assert sobol.design == "sobol" and sensitivity.is_power_of_two(sobol.samples)
    assert 10 <= len(sobol.factors) <= 14
    morris = load_experiment(files[1])
    ranged = {r["path"] for r in parameter_table() if r["sa_range"] and not r["path"].startswith("run.")}
    assert {f.path for f in morris.factors} == ranged
    table = {r["path"]: r for r in parameter_table()}
    for f in sobol.factors:
        if f.values is None:
            assert [f.min, f.max] == pytest.approx(table[f.path]["sa_range"])
    adjusted = make.factor_ranges(sorted(ranged))
    for f in morris.factors:
        assert [f.min, f.max] == pytest.approx(adjusted[f.path])
        if f.path != "trust.alpha_minus":  # raised to alpha_plus's maximum: the schema wants minus >= plus
            assert [f.min, f.max] == pytest.approx(table[f.path]["sa_range"])
    # every corner of the morris box is a valid scenario for the schema's cross-parameter rule
    lows = {f.path: f.min for f in morris.factors}
    highs = {f.path: f.max for f in morris.factors}
    assert lows["trust.alpha_minus"] >= highs["trust.alpha_plus"]


def test_report_is_on_the_shared_base(tmp_path):
    """The sensitivity report extends the one base page (header marker, stylesheet, shared sections), escaped."""
    from cosim.reports.html import REPORT_MARKER

    indices = pd.DataFrame([{"outcome": "mean_trust", "parameter": p, "kind": k, "value": v, "conf": c}
                            for p, k, v, c in (("a<b", "S1", 0.5, 0.05), ("a<b", "ST", 0.6, 0.05),
                                               ("c", "S1", 0.0, 0.01), ("c", "ST", 0.01, 0.01))])
    noise = pd.DataFrame([{"outcome": "mean_trust", "replications": 5.0, "noise_share": 0.2, "noise_floor": 0.01}])
    verdict = {"converged": True, "n_samples": 64, "n_half": 32, "max_change": 0.01, "max_change_at": "ST of c",
               "max_half_width": 0.05, "max_half_width_at": "ST of a<b"}
    analysis = sensitivity.Analysis("sobol", indices, noise, verdicts={"mean_trust": verdict})
    page = sensitivity_report.report_html(analysis, {}, title="t<1>", facts=[("root seed", "7")], root_seed=7, seed=9)
    assert REPORT_MARKER in page and "--accent:" in page
    for section in ("How to read this", "Assumptions", "Seeds and runs", "Root seed <code>7</code>",
                    "mean trust in the municipality (0-1)", "Inputs that matter", "<code>a&lt;b</code>"):
        assert section in page, section
    assert "t<1>" not in page and "t&lt;1&gt;" in page  # autoescape


def _morris_toy(noise_sd: float, replications: int, trajectories: int = 40, levels: int = 4):
    """y = 1.0 * x1 + 0 * x2 + 0 * x3 on the unit cube plus N(0, noise_sd) per run, through the Morris analysis."""
    from SALib.sample import morris as morris_sample

    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0.0, 1.0]] * 3, "groups": None}
    x = morris_sample.sample(problem, trajectories, num_levels=levels, seed=3)
    rng = np.random.default_rng(4)
    rows = [{"point_id": i, "status": "ok", "y": x[i, 0] + noise_sd * rng.standard_normal()}
            for i in range(len(x)) for _ in range(replications)]
    summary = sensitivity.summarise_points(pd.DataFrame(rows), ["y"], len(x))
    analysis = sensitivity.analyse_morris(problem, x, summary, ["y"], levels=levels, seed=5, n_resamples=500)
    floor = sensitivity.noise_floor_of(analysis, "y")
    return sensitivity.classify_morris(analysis.indices, floor), floor, analysis


def test_morris_noise_floor_keeps_no_effect_inputs_out():
    """Under heavy noise x2 and x3 (no effect) have mu* at the noise floor and are not influential; x1 is.
    Without the floor (the old rule: 10% of the largest mu*) the noise inputs were called influential."""
    table, floor, analysis = _morris_toy(noise_sd=0.5, replications=5)
    # the floor is the mean |effect| of pure noise: sqrt(2/pi) sqrt(2 x 0.25 / 5) / (4 / 6) = 0.38
    assert floor == pytest.approx(math.sqrt(2 / math.pi) * math.sqrt(2 * 0.25 / 5) / (4 / 6), rel=0.25)
    assert bool(table.loc["x1", "influential"])
    assert not table.loc["x2", "influential"] and not table.loc["x3", "influential"]
    for name in ("x2", "x3"):  # what noise alone produces
        assert table.loc[name, "mu_star"] == pytest.approx(floor, rel=0.4)
    old = sensitivity.classify_morris(analysis.indices)  # no floor
    assert old["influential"].sum() == 3, "the old rule calls noise influential (issue 14)"
    summary = " ".join(sensitivity_report.morris_summary(analysis, "y"))
    assert "Noise floor of mu*" in summary and "2 input(s) are not" in summary


def test_morris_noise_floor_is_unknown_with_one_replication():
    _, floor, analysis = _morris_toy(noise_sd=0.5, replications=1)
    assert math.isnan(floor)
    assert "cannot be measured" in " ".join(sensitivity_report.morris_summary(analysis, "y"))
