"""``cosim compare``: common random numbers, honest intervals, a report, clean failure."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import count_runs
from scipy import stats

import cosim.runs.evaluators
from cosim import load_scenario, run_seed
from cosim.analysis.compare import SUMMARY_COLUMNS, compare, cost_effectiveness, load_result, summarise
from cosim.cli import main
from cosim.reports.compare import write_outputs
from cosim.scenario.loading import scenario_from_dict

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
SMALL = {"run.n_citizens": 500, "run.steps": 52}
SMALL_ARGS = ["--set", "run.n_citizens=500", "--steps", "52", "--replications", "3", "--quiet"]


def small(name: str):
    return load_scenario(SCENARIOS / f"{name}.toml", SMALL)


@pytest.fixture(scope="module")
def serial():
    return compare([small("baseline"), small("free_wifi_equity")], replications=3, root_seed=11,
                   workers=1, progress=False)


# --------------------------------------------------------------------------- the API


def test_summary_has_the_issue_columns_and_every_outcome(serial):
    s = serial.summary
    assert list(s.columns) == SUMMARY_COLUMNS
    assert set(s["scenario"]) == {"baseline", "free_wifi_equity"}
    for outcome in ("share_participated_year", "mean_trust", "share_online_gap", "sgi_national", "sgi_organisational",
                    "sgi_service", "sgi_community", "participants", "mean_outcome"):
        assert outcome in set(s["outcome"])
    ref = s[s["scenario"] == "baseline"]
    assert (ref["diff"] == 0).all() and (ref["diff_ci_low"] == 0).all() and (ref["diff_ci_high"] == 0).all()
    assert (s["ci_low"] <= s["mean"] + 1e-12).all() and (s["mean"] <= s["ci_high"] + 1e-12).all()


def test_replication_k_of_every_scenario_uses_the_same_seed(serial):
    seeds = [run_seed(11, k) for k in range(3)]
    assert serial.seeds == seeds
    for name in serial.names:
        runs = serial.runs[serial.runs["scenario"] == name]
        got = runs.groupby("replication")["seed"].first().tolist()
        assert got == seeds
    assert {"scenario", "replication", "seed", "step", "municipality"} <= set(serial.runs.columns)


def test_diff_is_the_mean_paired_difference_with_a_t_interval(serial):
    o = serial.outcomes.set_index(["scenario", "replication"])["share_online"]
    d = (o["free_wifi_equity"] - o["baseline"]).to_numpy()
    row = serial.summary.query("scenario == 'free_wifi_equity' and outcome == 'share_online'").iloc[0]
    half = stats.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3)
    assert row["diff"] == pytest.approx(d.mean())
    assert row["diff_ci_low"] == pytest.approx(d.mean() - half)
    assert row["diff_ci_high"] == pytest.approx(d.mean() + half)
    assert row["diff_ci_low"] > 0  # equity Wi-Fi brings people online even in a 500-citizen town


@pytest.mark.slow
def test_two_workers_give_the_same_runs_and_summary_as_one(serial):
    pooled = compare([small("baseline"), small("free_wifi_equity")], replications=3, root_seed=11,
                     workers=2, progress=False)
    pd.testing.assert_frame_equal(pooled.summary, serial.summary)
    pd.testing.assert_frame_equal(pooled.runs, serial.runs)


def test_summarise_and_cost_effectiveness_on_known_numbers():
    per_run = pd.DataFrame({
        "scenario": ["a"] * 3 + ["b"] * 3, "replication": [0, 1, 2] * 2, "seed": [1, 2, 3] * 2,
        "x": [1.0, 2.0, 3.0, 2.0, 4.0, 6.0],
        "participants": [100.0, 100.0, 100.0, 300.0, 500.0, 400.0],
        "spend_per_year": [1e6, 1e6, 1e6, 3e6, 3e6, 3e6]})
    s = summarise(per_run, ["a", "b"]).set_index(["scenario", "outcome"])
    assert s.loc[("b", "x"), "mean"] == pytest.approx(4.0)
    assert s.loc[("b", "x"), "diff"] == pytest.approx(2.0)  # mean of 1, 2, 3
    half = stats.t.ppf(0.975, 2) * 1.0 / np.sqrt(3)
    assert s.loc[("b", "x"), "diff_ci_high"] == pytest.approx(2.0 + half)
    ce = cost_effectiveness(per_run, ["a", "b"]).iloc[0]
    assert ce["extra_spend_rand_m_per_year"] == pytest.approx(2.0)
    assert ce["participants_gained"] == pytest.approx(300.0)
    assert ce["per_million_rand_a_year"] == pytest.approx(150.0)  # 300 residents / R2 m a year


@pytest.mark.slow
def test_a_failed_run_is_reported_not_dropped(monkeypatch, tmp_path):
    real = cosim.runs.evaluators.evaluate_run
    bad_seed = run_seed(5, 1)

    def flaky(task):
        if task.seed == bad_seed and task.source == "free_wifi_equity":
            raise RuntimeError("simulated crash")
        return real(task)

    monkeypatch.setattr(cosim.runs.evaluators, "evaluate_run", flaky)
    tiny = {"run.n_citizens": 300, "run.steps": 20}
    res = compare([load_scenario(SCENARIOS / "baseline.toml", tiny),
                   load_scenario(SCENARIOS / "free_wifi_equity.toml", tiny)],
                  replications=3, root_seed=5, workers=1, progress=False)
    assert len(res.failures) == 1
    f = res.failures[0]
    assert (f["scenario"], f["replication"], f["seed"]) == ("free_wifi_equity", 1, bad_seed)
    assert "simulated crash" in f["error"]
    assert len(res.outcomes) == 5
    out = write_outputs(res, tmp_path / "cmp")
    assert "1 run(s) failed" in (out / "report.html").read_text()
    meta = json.loads((out / "manifest.json").read_text())
    assert meta["runs_failed"] == 1 and meta["failures"][0]["replication"] == 1


def test_every_library_scenario_survives_the_round_trip_to_the_workers():
    """compare sends each scenario to a worker as a dict; it must come back identical."""
    for path in sorted(SCENARIOS.glob("*.toml")):
        s = load_scenario(path)
        assert scenario_from_dict(s.model_dump(mode="json"), str(path)) == s, path.name


# --------------------------------------------------------------------------- the command line


@pytest.mark.slow
def test_cosim_compare_writes_a_self_contained_report(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", str(SCENARIOS / "baseline.toml"), str(SCENARIOS / "open_data.toml"),
                 *SMALL_ARGS, "--workers", "1", "--seed", "3", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "open_data vs baseline" in printed and "95% CI" in printed
    for name in ("runs.parquet", "outcomes.parquet", "summary.csv", "budget.csv", "cost_effectiveness.csv",
                 "manifest.json", "report.html", "trajectories.png", "differences.png", "by_group.png",
                 "costs.png", "sgi.png"):
        assert (out / name).is_file(), name
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == SUMMARY_COLUMNS
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs.groupby(["scenario", "replication"])["seed"].first().unstack(0).nunique(axis=1).eq(1).all()
    page = (out / "report.html").read_text()
    assert page.count('src="data:image/png;base64,') == 5
    assert "http://" not in page and "https://" not in page and 'src="' + str(out) not in page
    for phrase in ("What was compared", "Headline differences", "Who gains", "What it costs", "Assumptions",
                   "Root seed <code>3</code>", "Student t"):
        assert phrase in page, phrase
    meta = json.loads((out / "manifest.json").read_text())
    assert meta["kind"] == "compare" and meta["root_seed"] == 3 and len(meta["seeds"]) == 3
    # a saved comparison reads back with the same summary (for notebooks, no run repeated)
    again = load_result(out)
    pd.testing.assert_frame_equal(again.summary, summary, check_exact=False, rtol=1e-8)
    assert again.names == ["baseline", "open_data"] and again.seeds == meta["seeds"]
    assert meta["runs_failed"] == 0 and meta["intervals"].startswith("95% Student t")
    assert not list(tmp_path.glob(".cmp*")), "temporary folders left behind"


BAD = {
    "unknown-lever": ("[wiffi]\nhotspots = 3\n", "wiffi"),
    "unknown-key": ("[wifi]\nhotspotz = 3\n", "wifi.hotspotz"),
    "overlapping-schedule": ("[wifi]\nhotspots = 3\nstop = 60\nphases = [{ start = 52, hotspots = 9 }]\n",
                             "overlapping schedule"),
    "negative-budget": ("[municipality]\nannual_budget_rand = -5.0\n", "municipality.annual_budget_rand"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenario_files_exit_2_naming_the_file_and_key_and_write_nothing(case, tmp_path, capsys):
    text, key = BAD[case]
    bad = tmp_path / f"{case}.toml"
    bad.write_text(text)
    out = tmp_path / "cmp"
    code = main(["compare", str(SCENARIOS / "baseline.toml"), str(bad), *SMALL_ARGS, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert str(bad) in err and key in err, err
    assert "Traceback" not in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]


@pytest.mark.parametrize("files, args, message", [
    (["no_such_scenario.toml"], [], "no_such_scenario.toml: no such file"),
    ([], ["--replications", "1"], "--replications"),
    ([], ["--workers", "0"], "--workers"),
    ([], ["--set", "wifi.hotspots=-3"], "wifi.hotspots"),
    ([], ["--set", "wiffi.hotspots=3"], "wiffi"),
])
def test_bad_arguments_exit_2_and_write_nothing(files, args, message, tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", str(SCENARIOS / "baseline.toml"), *files, *SMALL_ARGS, *args, "--out", str(out)])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_ctrl_c_leaves_no_half_written_report_and_keeps_the_runs(monkeypatch, tmp_path, capsys):
    import cosim.reports.compare

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    # interrupted while the figures are being drawn, after the tables were written
    monkeypatch.setattr(cosim.reports.compare, "figures", interrupted)
    out = tmp_path / "cmp"
    argv = ["compare", str(SCENARIOS / "baseline.toml"), "--set", "run.n_citizens=300", "--steps", "10",
            "--replications", "2", "--workers", "1", "--quiet", "--out", str(out)]
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "rerun the same command to resume" in err
    # no report, no table, no temporary folder: only the finished runs and the folder's mark
    assert [p.name for p in tmp_path.iterdir()] == ["cmp"]
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "runs.sqlite"]
    monkeypatch.undo()
    monkeypatch.setattr(cosim.runs.evaluators, "evaluate_run", interrupted)  # no run may run again
    assert main(argv) == 0
    assert "2 of 2 runs finished, 2 of them from an earlier, interrupted session" in capsys.readouterr().out
    assert not (out / "runs.sqlite").exists() and (out / "report.html").is_file()


def test_ctrl_c_during_the_runs_writes_nothing(monkeypatch, tmp_path):
    def interrupted(task):
        raise KeyboardInterrupt

    monkeypatch.setattr(cosim.runs.evaluators, "evaluate_run", interrupted)
    out = tmp_path / "cmp"
    code = main(["compare", str(SCENARIOS / "baseline.toml"), "--set", "run.n_citizens=300", "--steps", "10",
                 "--replications", "2", "--workers", "1", "--quiet", "--out", str(out)])
    assert code == 130
    assert list(tmp_path.iterdir()) == []


def test_an_out_folder_that_is_not_results_is_refused_before_any_run(tmp_path, capsys):
    precious = tmp_path / "Documents"
    precious.mkdir()
    (precious / "thesis.docx").write_text("years of work")
    code = main(["compare", str(SCENARIOS / "baseline.toml"), *SMALL_ARGS, "--out", str(precious)])
    assert code == 2
    assert "--out" in capsys.readouterr().err
    assert (precious / "thesis.docx").read_text() == "years of work"


def test_report_is_on_the_shared_base_with_catalogue_labels(tmp_path):
    """The comparison report extends the one base page; labels come from the catalogue, text is escaped."""
    from cosim.reports.html import REPORT_MARKER

    tiny = {"run.n_citizens": 300, "run.steps": 20, "trust.share_trusting_threshold": 0.6,
            "description": "more <b>trust</b> & less noise"}
    res = compare([load_scenario(SCENARIOS / "baseline.toml", tiny),
                   load_scenario(SCENARIOS / "open_data.toml", tiny)], replications=2, root_seed=4, workers=1,
                  progress=False)
    page = (write_outputs(res, tmp_path / "cmp") / "report.html").read_text()
    assert REPORT_MARKER in page and "--accent:" in page
    for section in ("How to read this", "Assumptions", "Seeds and runs", "<figcaption>",
                    "trust above 0.6", "more &lt;b&gt;trust&lt;/b&gt; &amp; less noise"):
        assert section in page, section
    assert "(> 0.5)" not in page and "trust above 0.5" not in page


def test_every_report_template_extends_the_one_base():
    """compare, sensitivity and calibration pages are package data, load through importlib.resources, share a base."""
    from importlib import resources

    from cosim.reports.html import environment

    folder = resources.files("cosim.reports").joinpath("templates")
    assert folder.joinpath("base.html.j2").is_file() and folder.joinpath("report.css").is_file()
    for name in ("compare.html.j2", "sensitivity.html.j2", "calibration.html.j2"):
        source = folder.joinpath(name).read_text()
        assert source.startswith('{% extends "base.html.j2" %}'), name
        assert environment().get_template(name) is not None
    assert environment().autoescape


# --------------------------------------------------------------------------- resuming (issue 15)

TINY_ARGS = ["--set", "run.n_citizens=300", "--steps", "10", "--workers", "1", "--quiet", "--seed", "3"]
TABLES = ("runs.parquet", "outcomes.parquet", "summary.csv", "budget.csv", "cost_effectiveness.csv")


def _compare_argv(out, *more):
    return ["compare", str(SCENARIOS / "baseline.toml"), str(SCENARIOS / "open_data.toml"), *TINY_ARGS,
            *more, "--out", str(out)]


def _interrupt_after(monkeypatch, n_stored):
    """Ctrl-C the moment run ``n_stored + 1`` is about to be committed."""
    from cosim.runs.store import RunStore

    real, calls = RunStore.record, []

    def record(self, *args, **kwargs):
        calls.append(args[0])
        if len(calls) > n_stored:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(RunStore, "record", record)


def _stored(out):
    from cosim.runs.store import RunStore

    with RunStore(out) as store:
        store.open()
        return store.statuses()


@pytest.mark.slow
def test_an_interrupted_comparison_resumes_to_identical_tables(monkeypatch, tmp_path, capsys):
    """Once all-or-nothing: Ctrl-C lost every finished run.  Now they are kept and only the rest run again."""
    whole, out = tmp_path / "whole", tmp_path / "out"
    assert main(_compare_argv(whole, "--replications", "3")) == 0
    with monkeypatch.context() as m:
        _interrupt_after(m, 4)
        assert main(_compare_argv(out, "--replications", "3")) == 130
    assert "every finished run is saved in" in capsys.readouterr().err
    assert len(_stored(out)) == 4 and not (out / "runs.parquet").exists()
    ran = count_runs(monkeypatch)
    assert main(_compare_argv(out, "--replications", "3")) == 0
    assert len(ran) == 2  # only the unfinished runs
    assert "4 of them from an earlier, interrupted session" in capsys.readouterr().out
    for name in TABLES:
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name
    assert not (out / "runs.sqlite").exists()  # the results replaced the store
    assert json.loads((out / "manifest.json").read_text())["runs_reused"] == 4


@pytest.mark.slow
def test_a_different_comparison_never_mixes_with_stored_runs(monkeypatch, tmp_path, capsys):
    """Another seed, steps, override or scenario list on a folder with unfinished runs is refused, the runs kept."""
    out = tmp_path / "out"
    with monkeypatch.context() as m:
        _interrupt_after(m, 3)
        assert main(_compare_argv(out, "--replications", "2")) == 130
    capsys.readouterr()
    before = (out / "runs.sqlite").read_bytes()
    ran = count_runs(monkeypatch)
    for more, differs in ((["--seed", "4"], "root seed"), (["--steps", "11"], "baseline: run.steps"),
                          (["--set", "wifi.hotspots=7"], "wifi.hotspots")):
        assert main(_compare_argv(out, "--replications", "2", *more)) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: --out: {out}: holds 3 finished run(s) of an unfinished comparison"), err
        assert differs in err and "Traceback" not in err, err
    assert main(["compare", str(SCENARIOS / "baseline.toml"), *TINY_ARGS, "--replications", "2",
                 "--out", str(out)]) == 2
    assert "scenarios (baseline, open_data before, baseline now)" in capsys.readouterr().err
    assert ran == [] and (out / "runs.sqlite").read_bytes() == before
    # more replications are the same comparison extended: the stored runs are used, the tables as if run whole
    assert main(_compare_argv(out, "--replications", "3")) == 0
    assert len(ran) == 6 - 3
    assert main(_compare_argv(tmp_path / "whole", "--replications", "3")) == 0
    for name in TABLES:
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
