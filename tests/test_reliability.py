"""Reliability (issue 15): nothing of the user's is ever deleted, bad output locations fail
before any run, and batches survive dead workers and a killed parent.

Each test here failed before its fix; docs/testing.md ("Fault tests") lists what each guarantees.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cosim.cli import main

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
OPEN_DATA = ROOT / "scenarios" / "open_data.toml"
TINY = ["--steps", "2", "--quiet", "--set", "run.n_citizens=200"]
TINY_RUN = [*TINY, "--no-figures"]
TINY_COMPARE = [*TINY, "--replications", "2", "--workers", "1"]


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _project(tmp_path: Path) -> Path:
    """A user's project folder: data, scenarios and a manifest.json of their own."""
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "data" / "survey.csv").write_text("ward,households\n1,1200\n")
    (project / "scenarios").mkdir()
    shutil.copy(BASELINE, project / "scenarios" / "baseline.toml")
    shutil.copy(OPEN_DATA, project / "scenarios" / "open_data.toml")
    (project / "manifest.json").write_text('{"name": "my project", "files": ["data/survey.csv"]}\n')
    return project


# --------------------------------------------------------------------------- 1. data loss


def test_run_never_replaces_a_project_folder_with_a_manifest(tmp_path, capsys):
    """`cosim run --out PROJECT` once deleted data/ and scenarios/ because of a manifest.json."""
    project = _project(tmp_path)
    before = _tree(project)
    assert main(["run", str(project / "scenarios" / "baseline.toml"), *TINY_RUN, "--out", str(project)]) == 2
    err = capsys.readouterr().err
    assert str(project) in err and "Traceback" not in err
    assert _tree(project) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]  # no temporary folder left


def test_compare_into_the_working_folder_keeps_the_scenarios_it_read(tmp_path, monkeypatch, capsys):
    """`cosim compare --out "$PWD"` once deleted the scenario files it had just read."""
    project = _project(tmp_path)
    (project / "manifest.json").unlink()
    shutil.move(project / "scenarios" / "baseline.toml", project / "baseline.toml")
    shutil.move(project / "scenarios" / "open_data.toml", project / "open_data.toml")
    before = _tree(project)
    monkeypatch.chdir(project)
    for out in (str(project), ".", str(tmp_path)):
        assert main(["compare", "baseline.toml", "open_data.toml", *TINY_COMPARE, "--out", out]) == 2
        err = capsys.readouterr().err
        assert "working folder" in err and "Traceback" not in err, err
    assert _tree(project) == before


def test_results_of_another_kind_or_with_foreign_files_are_never_replaced(tmp_path, capsys):
    """Only cosim's own results of the same kind, holding only what cosim wrote, are replaced."""
    run_out = tmp_path / "run"
    assert main(["run", str(BASELINE), *TINY_RUN, "--out", str(run_out)]) == 0
    # a run folder is not a comparison's: compare refuses it (before computing anything)
    before = _tree(run_out)
    assert main(["compare", str(BASELINE), str(OPEN_DATA), *TINY_COMPARE, "--out", str(run_out)]) == 2
    assert "kind = 'run'" in capsys.readouterr().err
    assert _tree(run_out) == before
    # an experiment or calibration folder (runs.sqlite, subfolders) is never replaced by a run
    exp = tmp_path / "experiment"
    exp.mkdir()
    (exp / "runs.sqlite").write_bytes(b"SQLite format 3\x00")
    (exp / "manifest.json").write_text(json.dumps({"kind": "experiment"}))
    for folder in (exp,):
        before = _tree(folder)
        assert main(["run", str(BASELINE), *TINY_RUN, "--out", str(folder)]) == 2
        assert _tree(folder) == before
    # a run folder with a user's file added: refused, the file kept
    (run_out / "notes.toml").write_text("mine")
    before = _tree(run_out)
    assert main(["run", str(BASELINE), *TINY_RUN, "--out", str(run_out)]) == 2
    err = capsys.readouterr().err
    assert "notes.toml" in err and "Traceback" not in err
    assert _tree(run_out) == before
    # and without it, the earlier run is replaced as before
    (run_out / "notes.toml").unlink()
    assert main(["run", str(BASELINE), *TINY_RUN, "--out", str(run_out), "--seed", "5"]) == 0
    assert json.loads((run_out / "manifest.json").read_text())["seed"] == 5
    capsys.readouterr()


# --------------------------------------------------------------------------- 2. the location, checked first


def _bad_locations(tmp_path: Path) -> dict[str, Path]:
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("keep")
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    bad = {"a file": a_file, "under a file": a_file / "out", "a dangling link": dangling}
    if os.geteuid() != 0:  # root may write anywhere
        bad["read-only"] = locked / "out"
    return bad


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX links and permissions")
@pytest.mark.parametrize("command", ["run", "compare", "experiment", "sensitivity", "calibrate"])
def test_a_bad_output_location_fails_before_any_run(tmp_path, monkeypatch, capsys, command):
    import cosim.runs.backends

    def no_runs(*args, **kwargs):
        raise AssertionError("a run was started before the output location was checked")

    monkeypatch.setattr(cosim.runs.backends, "_dispatch", no_runs)
    monkeypatch.setattr("cosim.model.model.CoProductionModel.step", no_runs)
    argv = {
        "run": ["run", str(BASELINE), *TINY_RUN],
        "compare": ["compare", str(BASELINE), str(OPEN_DATA), *TINY_COMPARE],
        "experiment": ["experiment", str(ROOT / "experiments" / "wifi_dose_response.toml"), "--quiet"],
        "sensitivity": ["sensitivity", str(ROOT / "experiments" / "ishigami_sobol.toml"), "--quiet"],
        "calibrate": ["calibrate", str(ROOT / "experiments" / "calibration" / "targets.csv"),
                      "--scenario", str(BASELINE), "--params",
                      str(ROOT / "experiments" / "calibration" / "params.toml"), "--quiet"],
    }[command]
    try:
        for what, out in _bad_locations(tmp_path).items():
            listing = sorted(p.name for p in tmp_path.iterdir())
            assert main([*argv, "--out", str(out)]) == 2, what
            err = capsys.readouterr().err
            assert err.startswith("error: ") and str(out) in err and "Traceback" not in err, (what, err)
            assert sorted(p.name for p in tmp_path.iterdir()) == listing, what
            assert not (tmp_path / "locked" / "out").exists()
        assert (tmp_path / "a_file.txt").read_text() == "keep"
    finally:
        (tmp_path / "locked").chmod(0o700)


def test_a_seed_too_large_for_the_tables_fails_up_front(tmp_path, monkeypatch, capsys):
    """`--seed 2**64` once failed after the run, when the table was written."""
    def no_runs(*args, **kwargs):
        raise AssertionError("the run started")

    monkeypatch.setattr("cosim.model.model.CoProductionModel.step", no_runs)
    out = tmp_path / "out"
    assert main(["run", str(BASELINE), *TINY_RUN, "--seed", str(2**64), "--out", str(out)]) == 2
    assert main(["compare", str(BASELINE), str(OPEN_DATA), *TINY_COMPARE, "--seed", str(2**64),
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("--seed:") == 2 and "Traceback" not in err
    assert not out.exists()


# --------------------------------------------------------------------------- 3. a dead worker


def kill_own_worker_once(task: tuple[int, str]) -> int:
    """Square ``n``; the first time task 3 runs, kill this worker process (as the OOM killer would)."""
    n, marker = task
    if n == 3 and not os.path.exists(marker):
        Path(marker).write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.05)
    return n * n


def always_kill_own_worker(task: int) -> int:
    if task == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.05)
    return task


@pytest.mark.slow
def test_a_dead_worker_does_not_fail_the_batch(tmp_path):
    """Once, every pending run failed with BrokenProcessPool and the surviving worker was never used again."""
    from cosim.runs.backends import map_runs

    marker = str(tmp_path / "killed")
    tasks = [(n, marker) for n in range(12)]
    results = dict(map_runs(kill_own_worker_once, tasks, workers=2, progress=False))
    assert Path(marker).exists(), "the task never killed its worker"
    assert sorted(results) == list(range(12))
    assert all(r.ok for r in results.values()), [r.error for r in results.values() if not r.ok]
    assert [results[n].value for n in range(12)] == [n * n for n in range(12)]


@pytest.mark.slow
def test_a_run_that_always_kills_its_worker_is_failed_with_the_cause(tmp_path):
    """Bounded retries: the run that kills every worker it meets is recorded as failed; the rest finish."""
    from cosim.runs.backends import MAX_ATTEMPTS, map_runs

    results = dict(map_runs(always_kill_own_worker, list(range(8)), workers=2, progress=False))
    assert sorted(results) == list(range(8))
    assert not results[2].ok
    assert "SIGKILL" in results[2].error and f"{MAX_ATTEMPTS} time(s)" in results[2].error
    assert all(results[n].ok and results[n].value == n for n in range(8) if n != 2)


# --------------------------------------------------------------------------- 4. no orphans


ORPHAN_SCRIPT = """
import sys, time
from cosim.runs.backends import map_runs
from test_reliability import sleep_and_report_pid
for _ in map_runs(sleep_and_report_pid, [sys.argv[1]] * 4, workers=2, progress=False):
    pass
"""


def sleep_and_report_pid(folder: str) -> int:
    Path(folder, str(os.getpid())).touch()
    time.sleep(60)
    return os.getpid()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (dead, not yet reaped) counts as gone
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_workers_die_with_a_killed_parent(tmp_path):
    """kill -9 of the main process once left ~200 MB workers alive for minutes, holding stdout/stderr."""
    pids = tmp_path / "pids"
    pids.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    parent = subprocess.Popen([sys.executable, "-c", ORPHAN_SCRIPT, str(pids)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = [int(p.name) for p in pids.iterdir()]
        assert len(workers) == 2, "the workers did not start"
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in workers), "workers outlived their parent"
    finally:
        parent.kill()
        for p in pids.iterdir():
            try:
                os.kill(int(p.name), signal.SIGKILL)
            except ProcessLookupError:
                pass


# --------------------------------------------------------------------------- 5. budgets of partial years

OVER_BUDGET = {"wifi.hotspots": 400, "municipality.annual_budget_rand": 18e6}  # R21.2 m a year planned


@pytest.mark.parametrize("weeks", [52, 260, 40, 270, 1])
def test_a_plan_over_budget_is_refused_whatever_the_horizon(weeks):
    """Once refused at 52 or 260 weeks but accepted at 40: a partial year was held to a whole year's budget."""
    from cosim import ScenarioError, load_scenario

    with pytest.raises(ScenarioError, match="annual_budget_rand"):
        load_scenario(BASELINE, {**OVER_BUDGET, "run.steps": weeks})


def test_budget_scaling_holds_to_the_last_week():
    """Once the last, partial year of a scaled plan jumped back to the unscaled plan (400 hotspots)."""
    from cosim import load_scenario
    from cosim.scenario.budget import BudgetPlan

    s = load_scenario(BASELINE, {**OVER_BUDGET, "run.steps": 270, "municipality.over_budget": "scale"})
    plan = BudgetPlan(s)
    assert plan.scale[0] < 1
    assert {plan.config("wifi", w).hotspots for w in range(270)} == {plan.config("wifi", 0).hotspots}
    spend = [sum(plan.spend(w).values()) for w in range(270)]
    assert max(spend) == pytest.approx(min(spend), rel=1e-9)
    assert sum(spend[260:]) <= 18e6 * 10 / 52 * (1 + 1e-9)  # the partial year keeps to its share


# --------------------------------------------------------------------------- 6. strict files, bounds, warnings


def _experiment(tmp_path: Path, experiment: str = "", factor: str = 'min = 0\nmax = 10\nsteps = 3') -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(f'[experiment]\nbase = "{BASELINE}"\n{experiment}\n[[factors]]\npath = "wifi.hotspots"\n{factor}\n')
    return path


@pytest.mark.parametrize(("experiment", "factor", "where"), [
    ('replications = "2"', "min = 0\nmax = 10\nsteps = 3", "experiment.replications"),
    ('root_seed = "7"', "min = 0\nmax = 10\nsteps = 3", "experiment.root_seed"),
    ('common_random_numbers = "no"', "min = 0\nmax = 10\nsteps = 3", "experiment.common_random_numbers"),
    ('keep_timeseries = 1', "min = 0\nmax = 10\nsteps = 3", "experiment.keep_timeseries"),
    ("", 'min = 0\nmax = 10\nsteps = "3"', "factors[0].steps"),
    ("", 'min = 0\nmax = 10\nsteps = 3\ninteger = "yes"', "factors[0].integer"),
    ('design = "lhs"\nsamples = 4.0', "min = 0\nmax = 10", "experiment.samples"),
])
def test_experiment_files_are_as_strict_as_scenario_files(tmp_path, experiment, factor, where):
    """Experiment files once took "2" for 2 and "no" for false (pydantic's lax mode)."""
    from cosim import ScenarioError
    from cosim.runs.experiment import load_experiment

    path = _experiment(tmp_path, experiment, factor)
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    assert any(p.startswith(f"{path}: {where}: ") for p in info.value.problems), info.value.problems


def test_equal_levels_are_duplicates(tmp_path):
    """`values = [1, 1.0]` once passed as two levels (the same run twice, under two labels)."""
    from cosim import ScenarioError
    from cosim.runs.experiment import load_experiment

    with pytest.raises(ScenarioError, match=r"factors\[0\].*duplicates"):
        load_experiment(_experiment(tmp_path, factor="values = [1, 1.0]"))
    assert load_experiment(_experiment(tmp_path, factor="values = [1, 2]")).factors[0].values == (1, 2)


def test_calibration_files_are_strict_and_read_through_a_byte_order_mark(tmp_path):
    """params files once took "0.5" for 0.5; a targets CSV saved by Excel (with a BOM) lost its metric column."""
    from cosim import ScenarioError
    from cosim.analysis.calibration import read_params, read_targets

    params = tmp_path / "params.toml"
    params.write_text('[calibration]\nalpha = "0.5"\n[parameters]\n"population.trust_mean" = [0.3, 0.6]\n')
    with pytest.raises(ScenarioError, match=r"calibration\.alpha"):
        read_params(params)
    targets = tmp_path / "targets.csv"
    targets.write_bytes(b"\xef\xbb\xbfmetric,step,value,sd\r\nmean_trust,20,0.4,0.05\r\n")
    assert [t.key for t in read_targets(targets, 52, "test")] == ["mean_trust@20"]
    params.write_bytes(b"\xef\xbb\xbf" + b'[parameters]\n"population.trust_mean" = [0.3, 0.6]\n')
    assert read_params(params).priors[0].path == "population.trust_mean"


def test_a_scenario_file_with_a_byte_order_mark_loads():
    from cosim import load_scenario

    assert load_scenario(BASELINE) == load_scenario(_with_bom(BASELINE))


def _with_bom(path: Path) -> Path:
    import tempfile

    out = Path(tempfile.mkdtemp()) / path.name
    out.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return out


def test_a_design_that_would_not_fit_the_machine_is_refused_up_front(tmp_path, monkeypatch, capsys):
    """10**9 runs once started (and sampled a 10**9-row design) before failing or filling the memory."""
    from cosim import ScenarioError
    from cosim.runs.experiment import load_experiment

    with pytest.raises(ScenarioError) as info:
        load_experiment(_experiment(tmp_path, 'design = "lhs"\nsamples = 1_000_000_000', "min = 0\nmax = 10"))
    (line,) = info.value.problems
    assert "1,000,000,000 runs" in line and "of memory" in line and "this machine has" in line
    assert any(unit in line for unit in ("years", "days", "hours"))
    # --replications given on the command line (sensitivity), checked before any run
    monkeypatch.setattr("cosim.runs.backends._dispatch", lambda *a, **k: pytest.fail("a run started"))
    code = main(["sensitivity", str(ROOT / "experiments" / "ishigami_sobol.toml"), "--quiet",
                 "--replications", str(10**9), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: --replications: ") and "runs" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "runs.sqlite").exists()
    # and compare's --replications
    code = main(["compare", str(BASELINE), str(OPEN_DATA), "--quiet", "--replications", str(10**9),
                 "--out", str(tmp_path / "cmp")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: --replications: 2,000,000,000 runs") and "Traceback" not in err
    assert not (tmp_path / "cmp").exists()


def test_too_many_workers_are_refused(tmp_path, capsys):
    too_many = str(4 * (os.cpu_count() or 1) + 1)
    assert main(["experiment", str(ROOT / "experiments" / "wifi_dose_response.toml"), "--workers", too_many,
                 "--out", str(tmp_path / "e")]) == 2
    assert main(["compare", str(BASELINE), str(OPEN_DATA), *TINY, "--workers", too_many,
                 "--out", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert err.count("--workers: ") == 2 and "core" in err
    assert list(tmp_path.iterdir()) == []


def test_plans_after_the_horizon_are_a_warning_naming_the_key(tmp_path, capsys):
    """Events, lever starts and phases after the last week never happen: say so (stderr), do not refuse."""
    from cosim import load_scenario

    path = tmp_path / "late.toml"
    path.write_text('[run]\nsteps = 20\n[[events]]\nkind = "breach"\nstep = 30\n'
                    '[wifi]\nhotspots = 5\nstart = 25\n[training]\nseats_per_week = 2\nphases = [{start = 40}]\n')
    scenario = load_scenario(path)
    assert scenario.run.steps == 20
    err = capsys.readouterr().err
    for key in ("events[0].step", "wifi.start", "training.phases[0].start"):
        assert f"warning: {path}: {key}: week" in err, (key, err)
    load_scenario(path, {"run.steps": 52})
    assert capsys.readouterr().err == ""
