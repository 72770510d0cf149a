"""``cosim run``: the results folder (time series, manifest, figures) and its summary.

The folder is written atomically: a re-run replaces it whole, and a run that
fails while writing leaves the previous results untouched.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import cosim.reports.figures
from cosim import METRICS, load_scenario, simulate
from cosim.cli import main

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
ALL_LEVERS = ROOT / "scenarios" / "all_levers.toml"
FIGURES = {"participation_by_channel.png", "participation_by_income.png", "trust_by_group.png",
           "backlog_and_quality.png"}
PNG = b"\x89PNG\r\n\x1a\n"


def _cosim() -> list[str]:
    script = Path(sys.executable).with_name("cosim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cosim.cli"]


def _no_leftovers(parent: Path) -> None:
    hidden = [p.name for p in parent.iterdir() if p.name.startswith(".")]
    assert hidden == [], f"temporary folders left behind: {hidden}"


@pytest.mark.slow
def test_cosim_run_writes_the_results_folder(tmp_path):
    out = tmp_path / "baseline"
    proc = subprocess.run([*_cosim(), "run", str(BASELINE), "--steps", "20", "--out", str(out), "--seed", "3"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    # a short summary of the end state
    assert proc.stdout.startswith("baseline (seed 3):")
    for phrase in ("using e-participation", "mean trust", "backlog", "service quality", "smart-governance index"):
        assert phrase in proc.stdout, phrase
    assert str(out) in proc.stdout

    assert {p.name for p in out.iterdir()} == {"timeseries.parquet", "manifest.json"} | FIGURES
    _no_leftovers(tmp_path)

    # one row per step and municipality, one column per metric
    df = pd.read_parquet(out / "timeseries.parquet")
    assert list(df.columns) == ["seed", "step", "date", "municipality", *METRICS]
    assert len(df) == 21 * 2
    assert df.groupby("step")["municipality"].apply(list).tolist() == [["m1", "region"]] * 21
    assert (df["seed"] == 3).all()
    # the same table as the Python API gives for the same scenario and seed
    scenario = load_scenario(BASELINE, {"run.steps": 20})
    assert_frame_equal(df, simulate(scenario, seed=3), check_exact=True)

    m = json.loads((out / "manifest.json").read_text())
    assert m["seed"] == 3
    assert m["steps"] == 20
    assert m["scenario"] == json.loads(scenario.model_dump_json())  # the fully resolved scenario
    assert m["scenario"]["run"]["steps"] == 20 and m["scenario"]["run"]["n_citizens"] == 10_000
    for package in ("python", "cosim", "mesa", "numpy", "pandas", "pydantic"):
        assert m["versions"][package] and m["versions"][package] != "not installed", package
    assert isinstance(m["git_commit"], str) and m["git_commit"]
    assert m["git_commit"] == "unknown" or len(m["git_commit"].split("-")[0]) == 40
    assert 0 < m["wall_time_s"] < 300
    assert set(m["figures"]) == FIGURES
    assert m["scenario_sha256"] and m["scenario_file"] == str(BASELINE)

    for name in FIGURES:
        data = (out / name).read_bytes()
        assert data.startswith(PNG) and len(data) > 10_000, name


def test_set_overrides_reach_the_run(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["run", str(ALL_LEVERS), "--steps", "6", "--seed", "2", "--out", str(out), "--quiet", "--no-figures",
            "--set", "run.n_citizens=500", "--set", "wifi.hotspots=12", "--set", "training.targeting=low_income"]
    assert main(argv) == 0
    assert "all_levers (seed 2)" in capsys.readouterr().out
    m = json.loads((out / "manifest.json").read_text())
    assert m["overrides"] == {"run.n_citizens": 500, "wifi.hotspots": 12, "training.targeting": "low_income",
                              "run.steps": 6}
    assert m["scenario"]["wifi"]["hotspots"] == 12
    assert m["scenario"]["training"]["targeting"] == "low_income"
    assert m["figures"] == []
    df = pd.read_parquet(out / "timeseries.parquet")
    assert len(df) == 7 * 3  # two municipalities and the region
    assert (df.loc[df["municipality"] == "m1", "hotspots"] == 12).all()
    expected = simulate(load_scenario(ALL_LEVERS, {"run.n_citizens": 500, "wifi.hotspots": 12,
                                                   "training.targeting": "low_income", "run.steps": 6}), seed=2)
    assert_frame_equal(df, expected, check_exact=True)
    assert {p.name for p in out.iterdir()} == {"timeseries.parquet", "manifest.json"}


def test_default_seed_and_default_folder(tmp_path, monkeypatch, capsys):
    """Without --seed the scenario's run.seed is used; without --out, results/<name>/ in the working folder."""
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(BASELINE), "--steps", "3", "--quiet", "--no-figures",
                 "--set", "run.n_citizens=300", "--set", "run.seed=9"]) == 0
    out = tmp_path / "results" / "baseline"
    assert json.loads((out / "manifest.json").read_text())["seed"] == 9
    assert (pd.read_parquet(out / "timeseries.parquet")["seed"] == 9).all()
    assert "results in results/baseline/" in capsys.readouterr().out


def test_rerun_replaces_the_folder_atomically(tmp_path, capsys):
    out = tmp_path / "out"
    base = ["run", str(BASELINE), "--steps", "4", "--out", str(out), "--quiet", "--no-figures",
            "--set", "run.n_citizens=300"]
    assert main([*base, "--seed", "1"]) == 0
    (out / "stray.png").write_bytes(PNG)  # a figure of an earlier run (with figures)
    first = pd.read_parquet(out / "timeseries.parquet")
    assert main([*base, "--seed", "2"]) == 0
    assert {p.name for p in out.iterdir()} == {"timeseries.parquet", "manifest.json"}  # replaced, not merged
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2
    second = pd.read_parquet(out / "timeseries.parquet")
    assert (second["seed"] == 2).all() and not first.equals(second)
    _no_leftovers(tmp_path)
    capsys.readouterr()


def test_a_folder_that_is_not_results_is_never_replaced(tmp_path, capsys):
    """--out pointing at someone's documents: refused (exit 2), nothing deleted or written."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "thesis.txt").write_text("years of work")
    argv = ["run", str(BASELINE), "--steps", "2", "--quiet", "--no-figures", "--set", "run.n_citizens=200"]
    assert main([*argv, "--out", str(docs)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --out: {docs}: exists and is not a results folder") and "Traceback" not in err
    assert [p.name for p in docs.iterdir()] == ["thesis.txt"]
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep")
    assert main([*argv, "--out", str(a_file)]) == 2
    assert a_file.read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "notes.txt"]
    # an empty folder is fine to fill
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main([*argv, "--out", str(empty)]) == 0
    assert (empty / "manifest.json").is_file()
    capsys.readouterr()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_results_folder_permissions_follow_the_umask(tmp_path, capsys):
    """The results folder is as readable as any folder the user makes (not private 0700)."""
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        assert main(["run", str(BASELINE), "--steps", "2", "--out", str(out), "--quiet", "--no-figures",
                     "--set", "run.n_citizens=200"]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    capsys.readouterr()


def test_a_failure_while_writing_keeps_the_old_results(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    base = ["run", str(BASELINE), "--steps", "4", "--out", str(out), "--quiet", "--set", "run.n_citizens=300"]
    assert main([*base, "--seed", "1", "--no-figures"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*args, **kwargs):
        raise RuntimeError("disk full while drawing")

    monkeypatch.setattr(cosim.reports.figures, "run_figures", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        main([*base, "--seed", "2"])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    _no_leftovers(tmp_path)
    # and with no earlier results, nothing at all is left
    fresh = tmp_path / "fresh"
    with pytest.raises(RuntimeError):
        main(["run", str(BASELINE), "--steps", "2", "--out", str(fresh), "--quiet", "--set", "run.n_citizens=300"])
    assert not fresh.exists()
    _no_leftovers(tmp_path)
    capsys.readouterr()


def test_interrupt_writes_nothing(tmp_path, monkeypatch, capsys):
    """Ctrl-C during the run: exit 130, a message, no results folder."""
    import cosim.model.model

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(cosim.model.model.CoProductionModel, "step", interrupted)
    out = tmp_path / "out"
    assert main(["run", str(BASELINE), "--steps", "3", "--out", str(out), "--quiet"]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
