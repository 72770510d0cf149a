"""The package stands alone: bundled scenarios by name, `cosim scenarios`, `--version`, and a wheel
installed in a fresh virtualenv outside the checkout runs the main commands and serves the dashboard."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT

import cosim
from cosim import load_scenario
from cosim.cli import main
from cosim.scenario import library


def test_bundled_scenario_by_name_is_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no scenarios/ folder here
    assert load_scenario("baseline") == load_scenario(ROOT / "scenarios" / "baseline.toml")
    assert load_scenario("open_data.toml").name == "open_data"
    assert library.scenario_names() == sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))


def test_a_file_in_the_current_folder_wins_over_a_bundled_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("baseline").write_text('name = "mine"\n[wifi]\nhotspots = 7\n')
    assert load_scenario("baseline").wifi.hotspots == 7


def test_unknown_name_lists_the_bundled_ones(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "no_such_scenario", "--steps", "2"]) == 2
    err = capsys.readouterr().err
    assert "no_such_scenario: no such file, and no bundled scenario of that name" in err
    assert "baseline" in err and "Traceback" not in err
    assert not (tmp_path / "results").exists()


def test_scenarios_list_show_copy(tmp_path, capsys):
    assert main(["scenarios"]) == 0
    listed = capsys.readouterr().out
    assert "baseline" in listed and "open_data" in listed and "20 scenarios" in listed
    assert main(["scenarios", "show", "baseline"]) == 0
    assert capsys.readouterr().out == (ROOT / "scenarios" / "baseline.toml").read_text()
    dest = tmp_path / "mine"
    assert main(["scenarios", "copy", "baseline", "open_data", "--to", str(dest)]) == 0
    assert sorted(p.name for p in dest.iterdir()) == ["baseline.toml", "open_data.toml"]
    # never overwrites: an edited copy survives a second copy
    (dest / "baseline.toml").write_text("# edited\n")
    assert main(["scenarios", "copy", "baseline", "--to", str(dest)]) == 2
    assert "already exist" in capsys.readouterr().err
    assert (dest / "baseline.toml").read_text() == "# edited\n"
    assert main(["scenarios", "show", "nope"]) == 2
    assert "--name: no bundled scenario called 'nope'" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"cosim {cosim.__version__} (cosim-coproduction)"


@pytest.mark.parametrize("command", ["compare", "experiment", "sensitivity", "calibrate"])
def test_one_workers_default_stated_in_help(command, capsys):
    from cosim.runs.backends import default_workers, workers_help

    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert " ".join(workers_help().split()) in text
    assert f"{default_workers()} here" in text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_outside_the_checkout(tmp_path):
    """`pip wheel .`, a new venv with only that wheel (and its dependencies), run from an empty folder."""
    dist = tmp_path / "dist"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "wheel", "--no-deps", "--quiet", "-w", str(dist), str(ROOT)], check=True, env=env,
                   timeout=600)
    (wheel,) = dist.glob("cosim_coproduction-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bin_ = venv / "bin"
    subprocess.run([str(bin_ / "pip"), "install", "--quiet", f"{wheel}[dashboard]"], check=True, env=env,
                   timeout=900)
    work = tmp_path / "elsewhere"
    work.mkdir()

    def cosim_(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(bin_ / "cosim"), *args], cwd=work, env=env, capture_output=True, text=True,
                              timeout=600)

    done = cosim_("--version")
    assert done.returncode == 0 and "cosim-coproduction" in done.stdout
    where = subprocess.run([str(bin_ / "python"), "-c", "import cosim; print(cosim.__file__)"], cwd=work, env=env,
                           capture_output=True, text=True, check=True).stdout
    assert str(venv) in where  # the installed copy, not the checkout
    done = cosim_("run", "baseline", "--steps", "10", "--set", "run.n_citizens=500", "--out", "one", "--quiet")
    assert done.returncode == 0, done.stderr
    assert (work / "one" / "timeseries.parquet").is_file()
    done = cosim_("compare", "baseline", "open_data", "--replications", "2", "--steps", "10",
                  "--set", "run.n_citizens=300", "--workers", "1", "--out", "cmp", "--quiet")
    assert done.returncode == 0, done.stderr
    assert (work / "cmp" / "report.html").is_file() and (work / "cmp" / "summary.csv").is_file()
    done = cosim_("scenarios", "copy", "idp_bundle", "--to", "mine")
    assert done.returncode == 0 and (work / "mine" / "idp_bundle.toml").is_file()
    installed_docs = venv.glob("lib/python*/site-packages/cosim/_bundled/docs/ODD.md")
    assert next(installed_docs).is_file()
    assert cosim_("dashboard", "--help").returncode == 0
    port = _free_port()
    proc = subprocess.Popen([str(bin_ / "cosim"), "dashboard", "--port", str(port), "--citizens", "500"], cwd=work,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        page = ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    page = r.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        assert "<html" in page.lower()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def test_docs_command_finds_the_model_description(capsys):
    assert main(["docs", "ODD"]) == 0
    assert Path(capsys.readouterr().out.strip()) == ROOT / "docs" / "ODD.md"
    assert main(["docs", "nope"]) == 2
