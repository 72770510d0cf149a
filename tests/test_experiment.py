"""Experiments at scale: files, designs, the resumable store, backends and cosim.evaluate."""

from __future__ import annotations

import hashlib
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cosim
import cosim.cli
from cosim import OUTCOMES, ScenarioError, evaluate, load_scenario, outcomes, run_seed, simulate
from cosim.reports.experiment import summary_figures
from cosim.runs.experiment import (
    check_experiment_files,
    design,
    load_experiment,
    run_experiment,
    salib_problem,
)
from cosim.runs.ids import run_id_of, run_seed_of
from cosim.runs.store import RunStore

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
PI = "3.141592653589793"


# Only the commands under test: other commands' modules are built by others at the same time.
MY_COMMANDS = ("run", "check", "experiment")
CLI = ("import sys, cosim.cli as c; "
       f"c.COMMANDS = {{k: v for k, v in c.COMMANDS.items() if k in {MY_COMMANDS!r}}}; "
       "sys.exit(c.main(sys.argv[1:]))")


def cli(argv: list[str]) -> int:
    """``cosim ARGV`` in this process, as the console script runs it."""
    saved = cosim.cli.COMMANDS
    cosim.cli.COMMANDS = {k: v for k, v in saved.items() if k in MY_COMMANDS}
    try:
        return cosim.cli.main(argv)
    finally:
        cosim.cli.COMMANDS = saved


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def small_cosim(tmp_path: Path, name: str = "small", *, extra: str = "", factors: str | None = None,
                design_: str = 'design = "grid"', replications: int = 2, citizens: int = 300,
                steps: int = 26) -> Path:
    """A small cosim experiment file: 300 citizens, 26 weeks."""
    factors = factors if factors is not None else """
[[factors]]
path = "wifi.hotspots"
min = 0
max = 40
steps = 3
[[factors]]
path = "wifi.placement"
values = ["even", "equity"]
"""
    return write(tmp_path / f"{name}.toml", f"""
[experiment]
name = "{name}"
base = "{BASELINE}"
{design_}
replications = {replications}
root_seed = 7
outcomes = ["share_adopted", "mean_trust", "spend"]
{extra}
[experiment.constants]
"run.n_citizens" = {citizens}
"run.steps" = {steps}
{factors}
""")


def ishigami_file(tmp_path: Path, name: str = "ish", *, samples: int = 8, replications: int = 1,
                  design_: str = "sobol", extra: str = "") -> Path:
    return write(tmp_path / f"{name}.toml", f"""
[experiment]
name = "{name}"
model = "ishigami"
design = "{design_}"
samples = {samples}
replications = {replications}
root_seed = 11
noise_sd = 0.5
{extra}
[[factors]]
path = "x1"
min = -{PI}
max = {PI}
[[factors]]
path = "x2"
min = -{PI}
max = {PI}
[[factors]]
path = "x3"
min = -{PI}
max = {PI}
""")


def same_runs(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Identical tables apart from the wall time of each run."""
    pd.testing.assert_frame_equal(a.drop(columns="seconds"), b.drop(columns="seconds"), check_exact=True)


def folder_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class Counter:
    """Wraps the evaluator to count calls (and optionally fail chosen runs)."""

    def __init__(self, fail: set[int] | None = None):
        self.calls: list[int] = []
        self.fail = fail or set()
        self.real = cosim.runs.evaluators.evaluate_run

    def __call__(self, task):
        self.calls.append(task.run_id)
        if task.run_id in self.fail:
            raise RuntimeError(f"deliberate failure of run {task.run_id}")
        return self.real(task)


# --------------------------------------------------------------------------- files


@pytest.mark.slow
def test_shipped_experiment_files_validate():
    files = sorted((ROOT / "experiments").glob("*.toml"))
    assert {"wifi_dose_response.toml", "policy_mix_grid.toml", "ishigami_sobol.toml"} <= {f.name for f in files}
    assert check_experiment_files(files) == []
    assert cli(["check", *map(str, files)]) == 0


def test_load_fills_defaults_and_marks_integers(tmp_path):
    exp = load_experiment(small_cosim(tmp_path, factors="""
[[factors]]
path = "officials.n_officials"
min = 40
max = 120
steps = 3
"""))
    assert exp.factors[0].integer  # an integer schema parameter is sampled as an integer
    assert Path(exp.base).is_absolute()
    full = load_experiment(write(tmp_path / "all.toml", (tmp_path / "small.toml").read_text().replace(
        'outcomes = ["share_adopted", "mean_trust", "spend"]', "")))
    assert full.outcome_names == list(OUTCOMES)
    with pytest.raises(Exception, match="frozen"):
        exp.replications = 3  # type: ignore[misc]


BAD = {
    "unknown factor path": ('path = "wifi.hotspots"', 'path = "wifi.hotspot"', "factors[0].path: unknown parameter 'wifi.hotspot' (did you mean 'wifi.hotspots'?)"),
    "range above the schema": ("max = 40", "max = 30000", "factors[0].max: 30000 is above the schema's maximum 20000 for wifi.hotspots"),
    "range below the schema": ("min = 0", "min = -3", "factors[0].min: -3 is below the schema's minimum 0"),
    "empty values": ('values = ["even", "equity"]', "values = []", "factors[1]: values is empty: an empty design"),
    "bad level": ('values = ["even", "equity"]', 'values = ["even", "everywhere"]', "wifi.placement = 'everywhere'"),
    "unknown key": ("replications = 2", "replication = 2", "experiment.replication: unknown key"),
    "sobol not a power of two": ('design = "grid"', 'design = "sobol"\nsamples = 100', "needs a power of two (got 100; use 64 or 128)"),
    "unknown outcome": ('"spend"]', '"spending"]', "unknown outcome 'spending' (did you mean 'spend'?)"),
    "unknown constant": ('"run.steps" = 26', '"run.step" = 26', "experiment.constants.\"run.step\": unknown parameter"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_exits_2_with_nothing_written(tmp_path, capsys, case):
    old, new, expected = BAD[case]
    good = small_cosim(tmp_path).read_text()
    assert old in good
    path = write(tmp_path / "bad.toml", good.replace(old, new, 1))
    out = tmp_path / "out"
    assert cli(["experiment", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert expected in err, err
    assert err.startswith(f"error: {path}: ")
    assert "Traceback" not in err
    assert not out.exists()
    assert cli(["check", str(path)]) == 2


def test_empty_design_and_missing_factors(tmp_path, capsys):
    path = write(tmp_path / "none.toml", '[experiment]\nmodel = "ishigami"\ndesign = "lhs"\nsamples = 4\n')
    assert cli(["experiment", str(path), "--out", str(tmp_path / "o")]) == 2
    assert "factors: no [[factors]]: an empty design" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_every_problem_reported_at_once(tmp_path):
    path = write(tmp_path / "many.toml", f"""
[experiment]
base = "{BASELINE}"
design = "grid"
levels = 4
[[factors]]
path = "wifi.hotspot"
values = [1]
[[factors]]
path = "trust.alpha_plus"
values = []
[[factors]]
path = "network.degree"
values = [4, 5]
""")
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    text = str(info.value)
    assert "experiment.levels: only the morris design uses levels" in text
    assert "factors[0].path: unknown parameter" in text
    assert "factors[1]: values is empty" in text
    assert "factors[2]: network.degree = 5" in text and "must be even" in text


# --------------------------------------------------------------------------- designs


def test_sobol_and_morris_designs_extend_as_a_prefix(tmp_path):
    for second in ("false", "true"):
        small = load_experiment(ishigami_file(tmp_path, "a", samples=8, extra=f"second_order = {second}"))
        big = load_experiment(ishigami_file(tmp_path, "b", samples=16, extra=f"second_order = {second}"))
        Xs, ps = design(small)
        Xb, pb = design(big)
        d = 3
        assert len(Xs) == 8 * ((2 * d + 2) if second == "true" else (d + 2))
        assert len(Xb) == 2 * len(Xs)
        np.testing.assert_array_equal(Xs, Xb[: len(Xs)])
        pd.testing.assert_frame_equal(ps, pb.iloc[: len(ps)])
    # Morris trajectories are drawn one after another: 4 trajectories are a prefix of 8
    Xs, _ = design(load_experiment(ishigami_file(tmp_path, "m4", samples=4, design_="morris")))
    Xb, _ = design(load_experiment(ishigami_file(tmp_path, "m8", samples=8, design_="morris")))
    assert len(Xs) == 4 * 4 and len(Xb) == 8 * 4
    np.testing.assert_array_equal(Xs, Xb[: len(Xs)])


def test_sobol_design_is_salibs_and_grouped(tmp_path):
    from SALib.sample import sobol

    from cosim.runs.ids import design_seed

    path = small_cosim(tmp_path, design_='design = "sobol"\nsamples = 4', factors="""
[[factors]]
path = "wifi.hotspots"
min = 0
max = 40
group = "wifi"
[[factors]]
path = "wifi.placement"
values = ["even", "equity", "central"]
group = "wifi"
[[factors]]
path = "trust.alpha_minus"
min = 0.1
max = 0.3
""")
    exp = load_experiment(path)
    problem = salib_problem(exp)
    assert problem == {"num_vars": 3, "names": ["wifi.hotspots", "wifi.placement", "trust.alpha_minus"],
                       "bounds": [[0.0, 40.0], [0.0, 3.0], [0.1, 0.3]],
                       "groups": ["wifi", "wifi", "trust.alpha_minus"]}
    X, points = design(exp)
    expected = sobol.sample(problem, 4, calc_second_order=False, seed=design_seed(7))
    np.testing.assert_array_equal(X, expected)
    assert len(X) == 4 * (2 + 2)  # two groups
    # actual values: integers rounded half up, levels floor(x) of [0, 3]
    assert points["wifi.hotspots"].tolist() == [math.floor(x + 0.5) for x in X[:, 0]]
    levels = ["even", "equity", "central"]
    assert points["wifi.placement"].tolist() == [levels[min(int(x), 2)] for x in X[:, 1]]
    assert points["point_id"].tolist() == list(range(len(X)))


def test_grid_lhs_and_morris_designs(tmp_path):
    grid = load_experiment(small_cosim(tmp_path))
    X, points = design(grid)
    assert len(points) == 6
    assert sorted(set(points["wifi.hotspots"])) == [0, 20, 40]
    assert set(points["wifi.placement"]) == {"even", "equity"}
    assert not points.duplicated(subset=["wifi.hotspots", "wifi.placement"]).any()
    # integer steps that round to the same value are run once
    dup = load_experiment(small_cosim(tmp_path, "dup", factors='[[factors]]\npath = "wifi.hotspots"\nmin = 0\nmax = 2\nsteps = 5\n'))
    assert design(dup)[1]["wifi.hotspots"].tolist() == [0, 1, 2]

    lhs = load_experiment(small_cosim(tmp_path, "lhs", design_='design = "lhs"\nsamples = 30', factors="""
[[factors]]
path = "wifi.hotspots"
min = 0
max = 40
[[factors]]
path = "channels.ussd"
values = [true, false]
"""))
    X, points = design(lhs)
    assert len(points) == 30
    # Latin hypercube: one point in each of the 30 strata of every column
    assert sorted(np.floor(X[:, 0] / 40 * 30).astype(int)) == list(range(30))
    assert sorted(np.floor(X[:, 1] / 2 * 30).astype(int)) == list(range(30))
    assert points["wifi.hotspots"].between(0, 40).all()
    assert points["wifi.hotspots"].map(type).eq(int).all()
    assert set(points["channels.ussd"]) == {True, False}
    np.testing.assert_array_equal(X, design(lhs)[0])  # seeded

    morris = load_experiment(small_cosim(tmp_path, "mo", design_='design = "morris"\nsamples = 5', factors="""
[[factors]]
path = "trust.alpha_minus"
min = 0.1
max = 0.3
[[factors]]
path = "wifi.hotspots"
min = 0
max = 60
"""))
    X, points = design(morris)
    assert morris.levels == 4
    assert len(points) == 5 * 3
    assert set(np.round(X[:, 0], 12)) <= {0.1, round(0.1 + 0.2 / 3, 12), round(0.1 + 0.4 / 3, 12), 0.3}


def test_run_seeds_are_stable():
    # depends on (root, point, replication) only; common random numbers = cosim.run_seed(root, r)
    assert run_seed_of(5, 3, 2) == run_seed_of(5, 3, 2)
    assert len({run_seed_of(5, p, r) for p in range(20) for r in range(5)}) == 100
    assert [run_seed_of(5, p, 1, True) for p in range(4)] == [run_seed(5, 1)] * 4
    assert run_id_of(17, 3) == 17_000_003


# --------------------------------------------------------------------------- running


@pytest.mark.slow
def test_serial_processes_and_dask_give_identical_results(tmp_path):
    exp = load_experiment(small_cosim(tmp_path, replications=1))
    serial = run_experiment(exp, tmp_path / "serial", progress=False, figures=False)
    assert (serial["status"] == "ok").all() and len(serial) == 6
    pool = run_experiment(exp, tmp_path / "pool", workers=2, progress=False, figures=False)
    dask = run_experiment(exp, tmp_path / "dask", dask_local=2, progress=False, figures=False)
    same_runs(serial, pool)
    same_runs(serial, dask)
    # and each run equals simulate() with that seed: the table is the model's, not the runner's
    row = serial.iloc[4]
    s = load_scenario(BASELINE, {"run.n_citizens": 300, "run.steps": 26, "wifi.hotspots": int(row["wifi.hotspots"]),
                                 "wifi.placement": row["wifi.placement"]})
    assert outcomes(simulate(s, seed=int(row["seed"])))["mean_trust"] == row["mean_trust"]
    assert row["seed"] == run_seed_of(7, int(row["point_id"]), 0)


@pytest.mark.slow
def test_results_folder(tmp_path):
    exp = load_experiment(small_cosim(tmp_path, replications=1, extra="keep_timeseries = true",
                                      factors='[[factors]]\npath = "wifi.placement"\nvalues = ["even", "equity"]\n'))
    table = run_experiment(exp, tmp_path / "out", progress=False, figures=summary_figures)
    out = tmp_path / "out"
    assert list(table.columns) == ["run_id", "point_id", "replication", "seed", "status", "error",
                                   "wifi.placement", "share_adopted", "mean_trust", "spend", "seconds"]
    same_runs(pd.read_parquet(out / "runs.parquet"), table)
    m = json.loads((out / "manifest.json").read_text())
    assert m["kind"] == "experiment" and m["status"] == "complete"
    assert m["base_scenario"]["run"]["n_citizens"] == 300
    assert m["design"]["points"] == 2 and m["runs"]["ok"] == 2
    assert set(m["hashes"]) >= {"identity", "design_X", "experiment_file", "base_scenario_file"}
    assert m["git_commit"] and m["versions"]["SALib"]
    assert "wifi.placement" in m["experiment_text"]
    assert (out / "figures" / "wifi.placement.png").stat().st_size > 1000
    ts = pd.read_parquet(out / "timeseries")
    assert sorted(ts["run_id"].unique()) == sorted(table["run_id"])
    assert len(ts) == 2 * 27 * 2  # runs x (steps + 1) x (m1 + region)


def test_failed_run_is_recorded_and_retry_reruns_only_it(tmp_path, monkeypatch):
    exp = load_experiment(ishigami_file(tmp_path, samples=4))
    clean = run_experiment(exp, tmp_path / "clean", progress=False, figures=False)
    bad_run = run_id_of(3, 0)
    counter = Counter(fail={bad_run})
    monkeypatch.setattr(cosim.runs.evaluators, "evaluate_run", counter)
    out = tmp_path / "out"
    first = run_experiment(exp, out, progress=False, figures=False)
    assert len(counter.calls) == len(clean)  # the batch went on after the failure
    failed = first[first["status"] == "failed"]
    assert failed["run_id"].tolist() == [bad_run]
    assert "RuntimeError: deliberate failure of run 3000000" in failed["error"].iloc[0]
    assert math.isnan(failed["y"].iloc[0])
    same_runs(first[first["run_id"] != bad_run], clean[clean["run_id"] != bad_run])

    counter.calls.clear()
    again = run_experiment(exp, out, progress=False, figures=False)  # a plain rerun skips failed runs
    assert counter.calls == []
    same_runs(again, first)

    counter.fail.clear()  # the cause is fixed
    retried = run_experiment(exp, out, retry_failed=True, progress=False, figures=False)
    assert counter.calls == [bad_run]
    same_runs(retried, clean)
    with RunStore(out) as store:
        store.open()
        assert store.runs([bad_run])["attempts"].tolist() == [2]


def test_failing_combination_exit_status_and_message(tmp_path, capsys):
    # each extreme is valid alone; 0.85 low + 0.2 high income > 1 fails at run time
    path = small_cosim(tmp_path, replications=1, steps=4, factors="""
[[factors]]
path = "population.share_low_income"
values = [0.5, 0.85]
[[factors]]
path = "population.share_high_income"
values = [0.1, 0.2]
""")
    out = tmp_path / "out"
    assert cli(["experiment", str(path), "--out", str(out), "--quiet", "--no-figures"]) == 1
    err = capsys.readouterr().err
    assert "1 run(s) failed" in err and "--retry-failed" in err
    table = pd.read_parquet(out / "runs.parquet")
    assert table["status"].tolist() == ["ok", "ok", "ok", "failed"]
    assert "share_low_income + population.share_high_income must be <= 1" in table["error"].iloc[3]
    assert "(point 3)" in table["error"].iloc[3]


def test_extending_replications_and_sobol_runs_only_new_runs(tmp_path, monkeypatch):
    counter = Counter()
    monkeypatch.setattr(cosim.runs.evaluators, "evaluate_run", counter)
    out = tmp_path / "out"
    small = load_experiment(ishigami_file(tmp_path, "s", samples=8, replications=1))
    t1 = run_experiment(small, out, progress=False, figures=False)
    assert len(counter.calls) == len(t1) == 40

    counter.calls.clear()
    more_reps = load_experiment(ishigami_file(tmp_path, "s", samples=8, replications=2))
    t2 = run_experiment(more_reps, out, progress=False, figures=False)
    assert sorted(counter.calls) == sorted(run_id_of(p, 1) for p in range(40))
    same_runs(t2[t2["replication"] == 0].reset_index(drop=True), t1)

    counter.calls.clear()
    bigger = load_experiment(ishigami_file(tmp_path, "s", samples=16, replications=2))
    t3 = run_experiment(bigger, out, progress=False, figures=False)
    assert sorted(counter.calls) == sorted(run_id_of(p, r) for p in range(40, 80) for r in range(2))
    same_runs(t3[t3["point_id"] < 40].reset_index(drop=True), t2)

    counter.calls.clear()
    fresh = run_experiment(bigger, tmp_path / "fresh", progress=False, figures=False)
    same_runs(t3, fresh)  # an extended experiment equals one run in one go


@pytest.mark.slow
def test_folder_of_a_different_experiment_is_refused_untouched(tmp_path, capsys):
    path = ishigami_file(tmp_path, samples=4, design_="sobol")
    out = tmp_path / "out"
    assert cli(["experiment", str(path), "--out", str(out), "--quiet"]) == 0
    before = folder_digest(out)
    write(path, path.read_text().replace("root_seed = 11", "root_seed = 12"))
    assert cli(["experiment", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "holds results of a different experiment" in err and "differs in: root_seed" in err
    assert folder_digest(out) == before
    # an LHS with another sample size changes every point: refused too
    lhs = ishigami_file(tmp_path, "lhs", samples=6, design_="lhs")
    assert cli(["experiment", str(lhs), "--out", str(tmp_path / "lhs"), "--quiet"]) == 0
    before = folder_digest(tmp_path / "lhs")
    write(lhs, lhs.read_text().replace("samples = 6", "samples = 7"))
    assert cli(["experiment", str(lhs), "--out", str(tmp_path / "lhs"), "--quiet"]) == 2
    assert "design point 0 differs" in capsys.readouterr().err
    assert folder_digest(tmp_path / "lhs") == before
    # a folder that is not an experiment's
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    assert cli(["experiment", str(path), "--out", str(other), "--quiet"]) == 2
    assert "holds no experiment results" in capsys.readouterr().err
    assert [p.name for p in other.iterdir()] == ["notes.txt"]


def test_two_writers_on_one_folder_are_refused(tmp_path, capsys):
    path = ishigami_file(tmp_path, samples=4)
    out = tmp_path / "out"
    assert cli(["experiment", str(path), "--out", str(out), "--quiet", "--no-figures"]) == 0
    write(path, path.read_text().replace("replications = 1", "replications = 2"))
    with RunStore(out) as other:  # another process's experiment holds the store
        other.open()
        before = other.statuses()
        assert cli(["experiment", str(path), "--out", str(out), "--quiet"]) == 2
        assert "another cosim experiment is writing to this folder" in capsys.readouterr().err
        assert other.statuses() == before


def test_bad_backend_options(tmp_path, capsys):
    path = ishigami_file(tmp_path, samples=4)
    assert cli(["experiment", str(path), "--workers", "0", "--out", str(tmp_path / "o")]) == 2
    assert "--workers: expected a positive number" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:  # argparse: the backends exclude each other
        cli(["experiment", str(path), "--workers", "2", "--dask-local", "2"])
    assert info.value.code == 2
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_running_dask_scheduler_by_address(tmp_path, capsys):
    from dask.distributed import LocalCluster

    path = ishigami_file(tmp_path, samples=4)
    serial = run_experiment(load_experiment(path), tmp_path / "serial", progress=False, figures=False)
    # a scheduler someone else started (as dask-jobqueue does), reached by its address
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        out = tmp_path / "out"
        assert cli(["experiment", str(path), "--dask", cluster.scheduler_address, "--out", str(out),
                    "--quiet", "--no-figures"]) == 0
    same_runs(pd.read_parquet(out / "runs.parquet"), serial)
    assert json.loads((out / "manifest.json").read_text())["sessions"][0]["backend"].startswith("dask tcp://")


@pytest.mark.slow
def test_unreachable_dask_scheduler(tmp_path, capsys):
    path = ishigami_file(tmp_path, samples=4)
    out = tmp_path / "out"
    assert cli(["experiment", str(path), "--dask", "tcp://127.0.0.1:1", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "error: --dask tcp://127.0.0.1:1: cannot reach a Dask scheduler" in err
    assert not out.exists()


@pytest.mark.slow
def test_resume_after_sigkill_equals_an_uninterrupted_run(tmp_path):
    path = small_cosim(tmp_path, replications=4, steps=52, factors="""
[[factors]]
path = "wifi.hotspots"
min = 0
max = 100
steps = 6
""")  # 24 runs of about 0.1 s each
    out = tmp_path / "killed"
    # one process, as the timing below assumes (every core, the default, finishes the batch too soon)
    cmd = [sys.executable, "-c", CLI, "experiment", str(path), "--out", str(out), "--quiet", "--no-figures",
           "--workers", "1"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not (out / "runs.sqlite").exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(0.4)  # a few more runs finish
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "runs.parquet").exists()
    with RunStore(out) as store:
        store.open()
        saved = store.statuses()
    assert 0 < len(saved) < 24, f"kill came too late or too early: {len(saved)} runs saved"

    exp = load_experiment(path)
    resumed = run_experiment(exp, out, progress=False, figures=False)
    assert resumed.attrs["summary"]["skipped"] == len(saved)
    assert resumed.attrs["summary"]["new"] == 24 - len(saved)
    uninterrupted = run_experiment(exp, tmp_path / "whole", progress=False, figures=False)
    same_runs(resumed, uninterrupted)


def test_cli_run_writes_summary(tmp_path, capsys):
    path = ishigami_file(tmp_path, samples=4)
    out = tmp_path / "out"
    assert cli(["experiment", str(path), "--out", str(out), "--quiet"]) == 0
    assert "20 runs (20 run now" in capsys.readouterr().out
    assert cli(["experiment", str(path), "--out", str(out), "--quiet"]) == 0
    assert "(0 run now" in capsys.readouterr().out  # resumed: nothing left to run
    assert sorted(p.name for p in (out / "figures").iterdir()) == ["x1.png", "x2.png", "x3.png"]


# --------------------------------------------------------------------------- cosim.evaluate


def test_evaluate_for_outside_tools(tmp_path):
    kw = {"run__n_citizens": 300, "run__steps": 26, "wifi__hotspots": 40, "wifi__placement": "equity"}
    got = evaluate(seed=3, **kw)
    assert set(got) == set(OUTCOMES) and all(isinstance(v, float) for v in got.values())
    s = load_scenario(BASELINE, {"run.n_citizens": 300, "run.steps": 26, "wifi.hotspots": 40,
                                 "wifi.placement": "equity"})
    assert got == outcomes(simulate(s, seed=3))
    assert evaluate(seed=3, **kw) == got
    assert evaluate(seed=4, **kw) != got
    # numpy scalars (as SALib and EMA Workbench pass them) work too
    assert evaluate(seed=3, **{**kw, "wifi__hotspots": np.int64(40)}) == got
    # a scenario file
    other = write(tmp_path / "two.toml", 'name = "two"\n[region]\nn_municipalities = 2\n')
    two = evaluate(scenario=str(other), seed=3, run__n_citizens=300, run__steps=26)
    s2 = load_scenario(other, {"run.n_citizens": 300, "run.steps": 26})
    assert two == outcomes(simulate(s2, seed=3))
    with pytest.raises(ScenarioError, match=r"wifi\.hotspot"):
        evaluate(seed=1, run__n_citizens=300, wifi__hotspot=40)


def test_one_atomic_writer_replaces_files_and_folders_whole(tmp_path):
    """write_text/write_parquet leave no temp files; replace_folder keeps the old folder when the block fails."""
    from cosim.outputs.results import replace_folder, write_parquet, write_text

    write_text(tmp_path / "a.txt", "old")
    write_text(tmp_path / "a.txt", "new")
    write_parquet(tmp_path / "t.parquet", pd.DataFrame({"x": [1, 2]}))
    assert (tmp_path / "a.txt").read_text() == "new" and pd.read_parquet(tmp_path / "t.parquet")["x"].tolist() == [1, 2]
    with replace_folder(tmp_path / "figures") as tmp:
        (tmp / "one.png").write_bytes(b"1")
    with pytest.raises(RuntimeError), replace_folder(tmp_path / "figures") as tmp:
        (tmp / "two.png").write_bytes(b"2")
        raise RuntimeError("drawing failed")
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == ["one.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "figures", "t.parquet"]


def test_one_run_id_and_seed_scheme():
    """compare, experiments and calibration take run ids and seeds from cosim.runs.ids, unchanged in value."""

    from cosim.runs import ids

    for root, k in ((1, 0), (20261122, 7), (2**63 - 1, 999)):
        legacy = int(np.random.SeedSequence(root, spawn_key=(k,)).generate_state(1, np.uint64)[0] >> 1)
        assert cosim.run_seed(root, k) == ids.run_seed_of(root, 5, k, common_random_numbers=True) == legacy
        assert ids.calibration_seed_of(root, 3, k) == cosim.run_seed(root, 3 * 1000 + k)
    assert ids.run_id_of(17, 3) == 17_000_003
    with pytest.raises(ValueError):
        ids.run_id_of(1, ids.REPLICATION_STRIDE)
