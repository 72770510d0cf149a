"""Reliability (issue 15): nothing of the user's is ever deleted, bad output locations fail
before any run, and batches survive dead workers and a killed parent.

Each test here failed before its fix; docs/testing.md ("Fault tests") lists what each guarantees.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import count_runs

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


# --------------------------------------------------------------------------- 7. every batch survives a crash
# (issue 15): a comparison commits each finished run to <out>/runs.sqlite; a rerun of the same
# command runs only the rest, and its tables equal an uninterrupted run's, bit for bit.

COMPARE_TABLES = ("runs.parquet", "outcomes.parquet", "summary.csv", "budget.csv", "cost_effectiveness.csv")
# 2 scenarios x 4 replications of about 0.3 s each: long enough to be killed in the middle
SLOW_COMPARE = ["compare", str(BASELINE), str(OPEN_DATA), "--steps", "52", "--set", "run.n_citizens=1500",
                "--replications", "4", "--seed", "9", "--quiet"]
N_SLOW = 8

# `cosim ARGV` in a subprocess, touching MARKS/<run id> after each run is committed to a store
# (so a test can kill it once some runs are stored) and, with COSIM_TEST_HOLD_REPORT set,
# holding still once the results are being written (so a test can kill it there)
MARKED_CLI = """
import os, sys, time
from pathlib import Path
from cosim.runs.store import RunStore
marks, real = Path(sys.argv[1]), RunStore.record
def record(self, *args, **kwargs):
    real(self, *args, **kwargs)
    (marks / str(args[0])).touch()
RunStore.record = record
if os.environ.get("COSIM_TEST_HOLD_REPORT"):
    import cosim.reports.compare as rc
    drawn = rc.figures
    def figures(*args, **kwargs):
        paths = drawn(*args, **kwargs)
        (marks / "writing").touch()
        time.sleep(120)
        return paths
    rc.figures = figures
import cosim.cli
sys.exit(cosim.cli.main(sys.argv[2:]))
"""


def _marked(marks: Path, argv: list[str], cwd: Path, **env: str) -> subprocess.Popen:
    """Start MARKED_CLI; its stderr goes to ``marks/../MARKS.stderr`` (read it with :func:`_stderr`)."""
    marks.mkdir(exist_ok=True)
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    with open(marks.with_name(f"{marks.name}.stderr"), "w") as err:
        return subprocess.Popen([sys.executable, "-c", MARKED_CLI, str(marks), *argv], cwd=cwd, env=environ,
                                stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)


def _stderr(marks: Path) -> str:
    return marks.with_name(f"{marks.name}.stderr").read_text()


def _wait_for(condition, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"exited {proc.returncode} too early"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _stored(out: Path) -> dict[int, str]:
    from cosim.runs.store import RunStore

    with RunStore(out) as store:
        store.open()
        return store.statuses()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> Path:
    """The slow comparison, run in one go."""
    out = tmp_path_factory.mktemp("whole") / "cmp"
    assert main([*SLOW_COMPARE, "--workers", "1", "--out", str(out)]) == 0
    return out


def _same_tables(out: Path, whole: Path) -> None:
    for name in COMPARE_TABLES:
        assert (out / name).read_bytes() == (whole / name).read_bytes(), f"{name} differs from an uninterrupted run"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_compare_killed_mid_batch_resumes_where_it_stopped(tmp_path, monkeypatch, uninterrupted, capsys):
    """kill -9 of `cosim compare` once lost every finished run; now a rerun runs only the others."""
    out, marks = tmp_path / "cmp", tmp_path / "marks"
    proc = _marked(marks, [*SLOW_COMPARE, "--workers", "1", "--out", str(out)], tmp_path)
    try:
        _wait_for(lambda: len(list(marks.iterdir())) >= 2, proc)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    saved = _stored(out)
    assert 2 <= len(saved) < N_SLOW and set(saved.values()) == {"ok"}, saved
    assert not (out / "runs.parquet").exists()
    ran = count_runs(monkeypatch)
    assert main([*SLOW_COMPARE, "--workers", "1", "--out", str(out)]) == 0
    assert len(ran) == N_SLOW - len(saved) and not set(ran) & set(saved), (ran, saved)
    assert f"{len(saved)} of them from an earlier, interrupted session" in capsys.readouterr().out
    _same_tables(out, uninterrupted)
    assert not (out / "runs.sqlite").exists() and not list(tmp_path.glob(".cmp*"))


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_worker_killed_during_a_compare_is_replaced(tmp_path, uninterrupted):
    """compare runs on the WorkerPool: a worker killed by the OOM killer costs one retried run, not the batch."""
    out, marks = tmp_path / "cmp", tmp_path / "marks"
    proc = _marked(marks, [*SLOW_COMPARE, "--workers", "2", "--out", str(out)], tmp_path)
    try:
        _wait_for(lambda: len(list(marks.iterdir())) >= 1, proc)
        workers = [p for p in _children(proc.pid)
                   if "spawn_main" in Path(f"/proc/{p}/cmdline").read_text(errors="replace")]
        assert workers, "no worker process found"
        os.kill(workers[0], signal.SIGKILL)
        proc.wait(timeout=300)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == 0, _stderr(marks)
    assert len(list(marks.iterdir())) == N_SLOW  # every run stored once: the killed worker's run was sent again
    meta = json.loads((out / "manifest.json").read_text())
    assert meta["runs_failed"] == 0 and meta["runs_finished"] == N_SLOW
    _same_tables(out, uninterrupted)


def _race(tmp_path: Path, argv: list[str]) -> tuple[list[int], list[str]]:
    """Start two `cosim ARGV` at once on one fresh folder; their exit codes and stderr, winner first."""
    procs = [_marked(tmp_path / f"marks{i}", argv, tmp_path) for i in range(2)]
    for p in procs:
        p.wait(timeout=300)
    order = sorted(range(2), key=lambda i: procs[i].returncode)
    return [procs[i].returncode for i in order], [_stderr(tmp_path / f"marks{i}") for i in order]


@pytest.mark.slow
def test_two_experiments_started_at_once_on_one_folder(tmp_path):
    """The second once died with a StoreBusy traceback (after overwriting the first one's manifest)."""
    exp = tmp_path / "exp.toml"
    exp.write_text(f'[experiment]\nname = "race"\nbase = "{BASELINE}"\ndesign = "grid"\nreplications = 4\n'
                   'root_seed = 5\n[experiment.constants]\n"run.n_citizens" = 4000\n"run.steps" = 104\n'
                   '[[factors]]\npath = "wifi.hotspots"\nmin = 0\nmax = 40\nsteps = 5\n')
    # 20 runs of 0.2-0.6 s: the second process's first run ends while the first holds the store (an
    # experiment locks its store at its first finished run), however late it started
    out = tmp_path / "out"
    codes, errs = _race(tmp_path, ["experiment", str(exp), "--workers", "1", "--quiet", "--no-figures",
                                   "--out", str(out)])
    assert codes == [0, 2], errs
    assert "another cosim experiment is writing to this folder" in errs[1] and "Traceback" not in errs[1], errs[1]
    import pandas as pd

    table = pd.read_parquet(out / "runs.parquet")
    assert len(table) == 20 and (table["status"] == "ok").all()
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


@pytest.mark.slow
def test_two_compares_started_at_once_on_one_folder(tmp_path, uninterrupted):
    out = tmp_path / "cmp"
    codes, errs = _race(tmp_path, [*SLOW_COMPARE, "--workers", "1", "--out", str(out)])
    assert codes == [0, 2], errs
    assert f"error: --out: {out}: another cosim compare is writing to this folder" in errs[1], errs[1]
    assert "Traceback" not in errs[1]
    _same_tables(out, uninterrupted)
    assert not (out / "runs.sqlite").exists()


# ------------------------------------------------------------------ a full disk


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


TINY_CMP = [str(BASELINE), str(OPEN_DATA), *TINY, "--replications", "3", "--workers", "1"]


@pytest.mark.slow
def test_a_full_disk_while_runs_are_stored_keeps_them_and_the_earlier_results(tmp_path, monkeypatch, capsys):
    """The disk fills up after two runs are stored: a message (exit 2), earlier results untouched, runs kept."""
    from cosim.runs.store import RunStore

    out = tmp_path / "cmp"
    assert main(["compare", *TINY_CMP, "--seed", "1", "--out", str(out)]) == 0
    earlier = _tree(out)
    real, calls = RunStore.record, []

    def record(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs) if len(calls) <= 2 else _no_space()

    monkeypatch.setattr(RunStore, "record", record)
    capsys.readouterr()
    assert main(["compare", *TINY_CMP, "--seed", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --out: {out}: the disk is full") and "Traceback" not in err, err
    assert "every finished run is saved in" in err and "rerun the same command" in err
    assert {k: v for k, v in _tree(out).items() if not k.startswith("runs.sqlite")} == earlier
    assert len(_stored(out)) == 2
    monkeypatch.undo()
    ran = count_runs(monkeypatch)
    assert main(["compare", *TINY_CMP, "--seed", "2", "--out", str(out)]) == 0
    assert len(ran) == 6 - 2
    assert main(["compare", *TINY_CMP, "--seed", "2", "--out", str(tmp_path / "whole")]) == 0
    _same_tables(out, tmp_path / "whole")


@pytest.mark.slow
def test_a_full_disk_while_the_results_are_written_keeps_everything(tmp_path, monkeypatch, capsys):
    """The report no longer fits: the earlier results stay whole, every run stays stored, no temporary is left."""
    import cosim.reports.compare

    out = tmp_path / "cmp"
    assert main(["compare", *TINY_CMP, "--seed", "1", "--out", str(out)]) == 0
    earlier = _tree(out)
    monkeypatch.setattr(cosim.reports.compare, "write_text", _no_space)
    capsys.readouterr()
    assert main(["compare", *TINY_CMP, "--seed", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "the disk is full" in err and "Traceback" not in err, err
    assert {k: v for k, v in _tree(out).items() if not k.startswith("runs.sqlite")} == earlier
    assert set(_stored(out).values()) == {"ok"} and len(_stored(out)) == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cmp"]


@pytest.fixture
def tiny_disk(tmp_path):
    """A 4 MB tmpfs (root only); unmounted whatever happens."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root on Linux")
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.mark.slow
def test_a_really_full_disk(tiny_disk, monkeypatch, capsys):
    """The same on a real full file system (SQLite, Parquet, PNG writers each meet ENOSPC their own way)."""
    import cosim.outputs.results

    monkeypatch.setattr(cosim.outputs.results, "MIN_FREE_BYTES", 0)  # let it start on the almost full disk
    out = tiny_disk / "cmp"
    assert main(["compare", *TINY_CMP, "--seed", "1", "--out", str(out)]) == 0
    earlier = _tree(out)
    ballast = tiny_disk / "ballast"
    free = os.statvfs(tiny_disk).f_bavail * os.statvfs(tiny_disk).f_frsize
    ballast.write_bytes(b"\0" * max(0, free - 96 * 1024))  # room for the store and a run or two
    capsys.readouterr()
    assert main(["compare", *TINY_CMP, "--seed", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "the disk is full" in err and "Traceback" not in err, err
    assert {k: v for k, v in _tree(out).items() if not k.startswith("runs.sqlite")} == earlier
    saved = _stored(out) if (out / "runs.sqlite").exists() else {}
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["ballast", "cmp"]  # no temporary left
    ballast.unlink()
    ran = count_runs(monkeypatch)
    assert main(["compare", *TINY_CMP, "--seed", "2", "--out", str(out)]) == 0
    assert len(ran) == 6 - len(saved)


# ------------------------------------------------------------------ what a kill leaves behind


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_compare_killed_while_writing_its_results_leaves_nothing_behind(tmp_path, monkeypatch, uninterrupted):
    """kill -9 while the report was written left a hidden .cmp.partial-* folder for good; now the next run
    removes it, and runs nothing again (every run is stored)."""
    out, marks = tmp_path / "cmp", tmp_path / "marks"
    for _ in range(2):  # twice: temporaries must not pile up
        proc = _marked(marks, [*SLOW_COMPARE, "--workers", "1", "--out", str(out)], tmp_path,
                       COSIM_TEST_HOLD_REPORT="1")
        try:
            _wait_for(lambda: (marks / "writing").exists(), proc, timeout=300)
            os.killpg(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
        (marks / "writing").unlink()
    assert len(list(tmp_path.glob(".cmp.partial-*"))) == 1  # the second run removed what the first kill left
    assert len(_stored(out)) == N_SLOW
    ran = count_runs(monkeypatch)
    assert main([*SLOW_COMPARE, "--workers", "1", "--out", str(out)]) == 0
    assert ran == []
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    _same_tables(out, uninterrupted)


def test_only_cosims_own_stale_temporaries_are_removed(tmp_path):
    """A name of cosim's pattern whose process is gone: removed.  A live process's, or any other name: kept."""
    from cosim.outputs.results import remove_stale_temporaries

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone, alive = dead.pid, os.getppid()
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "summary.csv").write_text("kept")
    stale = [tmp_path / f".cmp.partial-{gone}-0a1b2c3d", tmp_path / f".cmp.old-{gone}-0a1b2c3d",
             out / f".summary.csv.tmp-{gone}-0a1b2c3d"]
    kept = [tmp_path / f".cmp.partial-{alive}-0a1b2c3d", tmp_path / ".cmp.partial-notes",
            tmp_path / f".other.partial-{gone}-0a1b2c3d", tmp_path / f"cmp.partial-{gone}-0a1b2c3d",
            out / f".notes.txt.bak-{gone}"]
    for p in stale + kept:
        p.mkdir() if "csv" not in p.name and "notes.txt" not in p.name else p.write_text("x")
    assert sorted(remove_stale_temporaries(out)) == sorted(stale)
    assert all(p.exists() for p in kept) and not any(p.exists() for p in stale)
    assert (out / "summary.csv").read_text() == "kept"
    # killed between moving the old results aside and the new ones in: the old ones come back
    shutil.rmtree(out)
    old = tmp_path / f".cmp.old-{gone}"
    old.mkdir()
    (old / "summary.csv").write_text("earlier")
    remove_stale_temporaries(out)
    assert (out / "summary.csv").read_text() == "earlier" and not old.exists()


def test_a_full_disk_in_any_command_is_a_message_not_a_traceback(tmp_path, monkeypatch, capsys):
    """cosim run on a full disk: exit 2, one error line, the earlier results untouched."""
    import errno

    import pandas as pd

    from cosim.cli import main

    out = tmp_path / "res"
    args = ["run", "baseline", "--steps", "3", "--set", "run.n_citizens=200", "--out", str(out), "--no-figures",
            "--quiet"]
    assert main(args) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def full(self, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x.parquet"))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the disk is full") and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]  # no temporary left beside it
