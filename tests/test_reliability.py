"""Reliability (issue 15): nothing of the user's is ever deleted, bad output locations fail
before any run, and batches survive dead workers and a killed parent.

Each test here failed before its fix; docs/testing.md ("Fault tests") lists what each guarantees.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
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
