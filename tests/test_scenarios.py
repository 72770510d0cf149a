"""Scenario files: every shipped file validates; bad input is refused clearly.

Bad input (a typo'd key, a wrong type, an out-of-range value, a missing file,
invalid TOML, an inconsistent schedule or parameter pair) must give one message
per problem naming the file and the key path, exit status 2 from the CLI with no
traceback, and nothing written under the output folder.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from cosim import ScenarioError, load_scenario
from cosim.cli import main
from cosim.scenario.loading import check_files, get_path, parse_overrides, read_toml

ROOT = Path(__file__).resolve().parent.parent
SCENARIO_FILES = sorted((ROOT / "scenarios").glob("*.toml"))
BASELINE = ROOT / "scenarios" / "baseline.toml"


# --------------------------------------------------------------------------- shipped files


def test_the_shipped_scenarios_are_there():
    names = {p.stem for p in SCENARIO_FILES}
    assert {"baseline", "all_levers"} <= names


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_every_shipped_scenario_validates(path, capsys):
    assert check_files([path]) == []
    scenario = load_scenario(path)
    assert scenario.name
    # every key the file sets is a schema parameter and arrives unchanged
    for section, table in read_toml(path).items():
        if section == "schedules":  # [schedules."<parameter>"]: each a path of one parameter
            assert set(table) == set(scenario.schedules), section
            for key, value in table.items():
                got = scenario.schedules[key].model_dump(exclude_defaults=True)
                if "points" in got:  # held as tuples
                    got["points"] = [list(point) for point in got["points"]]
                assert got == value, f"schedules.{key}"
        elif isinstance(table, dict):
            for key, value in table.items():
                if key != "phases":
                    assert get_path(scenario, f"{section}.{key}") == value, f"{section}.{key}"
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr()
    assert "1 of 1 file(s) valid" in out.out
    assert out.err == ""


def test_cosim_check_takes_every_shipped_file_at_once(capsys):
    assert main(["check", *map(str, SCENARIO_FILES)]) == 0
    assert f"{len(SCENARIO_FILES)} of {len(SCENARIO_FILES)} file(s) valid" in capsys.readouterr().out


# --------------------------------------------------------------------------- bad files

# (id, file text, patterns that must appear in the message: the key path and what was expected)
BAD_FILES = [
    ("typo-section", "[wifii]\nhotspots = 3\n", [r"wifii", r"unknown key \(did you mean 'wifi'\?\)"]),
    ("typo-key", "[wifi]\nhotspotz = 3\n", [r"wifi\.hotspotz", r"unknown key \(did you mean 'hotspots'\?\)"]),
    ("typo-top-level", 'nmae = "x"\n', [r"nmae", r"unknown key \(did you mean 'name'\?\)"]),
    ("typo-event-key", '[[events]]\nkind = "breach"\nstpe = 3\n',
     [r"events\[0\]\.stpe", r"unknown key \(did you mean 'step'\?\)"]),
    ("typo-far-from-any-key", "[wifi]\nzzzzzz = 3\n", [r"wifi\.zzzzzz", r"unknown key \(see docs/ODD\.md"]),
    ("type-word-for-int", '[wifi]\nhotspots = "many"\n', [r"wifi\.hotspots", r"integer"]),
    ("type-quoted-number", '[wifi]\nhotspots = "40"\n', [r"wifi\.hotspots", r"integer"]),
    ("type-bool-for-int", "[wifi]\nhotspots = true\n", [r"wifi\.hotspots", r"integer"]),
    ("type-bool-for-float", "[wifi]\ndaily_cap_mb = true\n", [r"wifi\.daily_cap_mb", r"number"]),
    ("type-word-for-bool", '[channels]\nportal = "no"\n', [r"channels\.portal", r"true or false|boolean"]),
    ("type-fraction-for-int", "[run]\nsteps = 52.5\n", [r"run\.steps", r"integer"]),
    ("type-table-for-number", "[run]\nsteps = { a = 1 }\n", [r"run\.steps", r"integer"]),
    ("type-number-for-section", "wifi = 3\n", [r"wifi", r"dictionary|table"]),
    ("type-bad-choice", '[wifi]\nplacement = "random"\n', [r"wifi\.placement", r"'even'"]),
    ("type-bad-event-kind", '[[events]]\nkind = "flood"\nstep = 3\n', [r"events\[0\]\.kind", r"'breach'"]),
    ("range-above", "[trust]\nalpha_plus = 1.5\n", [r"trust\.alpha_plus", r"less than or equal to 1"]),
    ("range-below", "[run]\nn_citizens = 10\n", [r"run\.n_citizens", r"greater than or equal to 50"]),
    ("range-negative-count", "[wifi]\nhotspots = -1\n", [r"wifi\.hotspots", r"greater than or equal to 0"]),
    ("range-event-municipality", '[[events]]\nkind = "breach"\nstep = 3\nmunicipality = 1\n',
     [r"events\[0\]\.municipality", r"1 municipalit"]),
    ("odd-degree", "[network]\ndegree = 7\n", [r"network\.degree", r"even"]),
    ("alpha-minus-below-alpha-plus", "[trust]\nalpha_plus = 0.2\nalpha_minus = 0.1\n",
     [r"trust\.alpha_minus", r"trust\.alpha_plus"]),
    ("income-shares-over-one", "[population]\nshare_low_income = 0.8\nshare_high_income = 0.3\n",
     [r"population\.share_low_income", r"<= 1"]),
    ("phase-overlaps-section", "[wifi]\nhotspots = 10\nstop = 60\nphases = [{ start = 40, hotspots = 20 }]\n",
     [r"wifi", r"overlap", r"phases\[0\]"]),
    ("phases-overlap", "[training]\nseats_per_week = 5.0\n"
     "phases = [{ start = 10, stop = 30 }, { start = 20, seats_per_week = 9.0 }]\n",
     [r"training", r"overlap", r"phases\[0\]", r"phases\[1\]"]),
    ("phases-same-start", "[wifi]\nhotspots = 2\nphases = [{ start = 0, hotspots = 3 }]\n",
     [r"wifi", r"overlap"]),
    ("phase-typo", "[wifi]\nhotspots = 2\nphases = [{ start = 40, hotspotz = 5 }]\n",
     [r"wifi", r"phases\[0\]", r"hotspotz"]),
    ("phase-out-of-range", "[wifi]\nphases = [{ start = 40, hotspots = -5 }]\n",
     [r"wifi", r"phases\[0\]", r"hotspots", r"greater than or equal to 0"]),
    ("phase-without-start", "[wifi]\nphases = [{ hotspots = 5 }]\n", [r"wifi", r"phases\[0\]", r"start"]),
    ("stop-before-start", "[campaign]\nreach_per_week = 0.01\nstart = 50\nstop = 20\n",
     [r"campaign", r"stop", r"start"]),
    ("over-budget", "[training]\nseats_per_week = 1000000.0\n", [r"municipality\.annual_budget_rand", r"budget"]),
    ("empty-name", 'name = ""\n', [r"name"]),
    ("name-with-path", 'name = "../elsewhere"\n', [r"name"]),
    ("invalid-toml", "[wifi\nhotspots = 3\n", [r"invalid TOML", r"line 1"]),
    ("duplicate-key", "[wifi]\nhotspots = 3\nhotspots = 4\n", [r"invalid TOML"]),
]


def _write(tmp_path: Path, text: str | bytes, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def _assert_names(problems: list[str], path: Path, patterns: list[str]) -> None:
    assert problems, "no problem reported"
    text = "\n".join(problems)
    for line in problems:
        assert str(path) in line, f"problem does not name the file: {line!r}"
    for pattern in patterns:
        assert re.search(pattern, text), f"{pattern!r} not in {text!r}"


@pytest.mark.parametrize(("text", "patterns"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_bad_file_is_rejected_naming_file_and_key(tmp_path, text, patterns):
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    _assert_names(info.value.problems, path, patterns)
    assert check_files([path]) == info.value.problems


def test_missing_file_is_rejected(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    _assert_names(info.value.problems, path, [r"no such file"])


def test_binary_file_is_rejected(tmp_path):
    path = _write(tmp_path, b"\xff\xfe\x00[wifi]\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    _assert_names(info.value.problems, path, [r"UTF-8|invalid TOML"])


def test_every_problem_in_a_file_is_reported(tmp_path):
    path = _write(tmp_path, "[wifi]\nhotspotz = 3\ncoverage_m = 5.0\n[run]\nsteps = 0\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    problems = info.value.problems
    assert len(problems) == 3
    _assert_names(problems, path, [r"wifi\.hotspotz", r"wifi\.coverage_m", r"run\.steps"])


def test_cosim_check_reports_every_file(tmp_path, capsys):
    bad1 = _write(tmp_path, "[wifi]\nhotspotz = 3\n", "bad1.toml")
    bad2 = _write(tmp_path, "[trust]\nalpha_plus = 2.0\n", "bad2.toml")
    assert main(["check", str(BASELINE), str(bad1), str(bad2)]) == 2
    out = capsys.readouterr()
    assert "1 of 3 file(s) valid" in out.out
    errors = out.err.strip().splitlines()
    assert len(errors) == 2
    assert all(line.startswith("error: ") for line in errors)
    assert str(bad1) in errors[0] and "wifi.hotspotz" in errors[0]
    assert str(bad2) in errors[1] and "trust.alpha_plus" in errors[1]


# --------------------------------------------------------------------------- the CLI on bad input


def _assert_nothing_written(tmp_path: Path, out: Path, keep: set[str]) -> None:
    assert not out.exists(), "output folder was created on bad input"
    left = {p.name for p in tmp_path.iterdir()} - keep
    assert left == set(), f"files left behind: {left}"


@pytest.mark.parametrize(("text", "patterns"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_cli_refuses_bad_file_with_exit_2(tmp_path, capsys, text, patterns):
    path = _write(tmp_path, text)
    for argv in (["check", str(path)], ["run", str(path), "--out", str(tmp_path / "out"), "--quiet"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "Traceback" not in err
        lines = err.strip().splitlines()
        assert lines and all(line.startswith("error: ") for line in lines), err
        _assert_names([line.removeprefix("error: ") for line in lines], path, patterns)
    _assert_nothing_written(tmp_path, tmp_path / "out", {path.name})


def test_cli_refuses_missing_file(tmp_path, capsys):
    path = tmp_path / "nowhere.toml"
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: no such file")
    assert main(["check", str(path)]) == 2
    _assert_nothing_written(tmp_path, tmp_path / "out", set())


def test_bad_input_leaves_an_existing_output_folder_alone(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "earlier.txt").write_text("earlier results")
    path = _write(tmp_path, "[wifi]\nhotspotz = 3\n")
    assert main(["run", str(path), "--out", str(out)]) == 2
    assert [p.name for p in out.iterdir()] == ["earlier.txt"]
    assert (out / "earlier.txt").read_text() == "earlier results"
    assert {p.name for p in tmp_path.iterdir()} == {"out", "bad.toml"}


# --------------------------------------------------------------------------- --set overrides

BAD_SETS = [
    ("typo", ["wifi.hotspotz=3"], [r"wifi\.hotspotz", r"unknown key \(did you mean 'hotspots'\?\)"]),
    ("typo-section", ["wify.hotspots=3"], [r"wify", r"unknown key \(did you mean 'wifi'\?\)"]),
    ("word-for-int", ["wifi.hotspots=many"], [r"wifi\.hotspots", r"integer"]),
    ("bool-for-int", ["wifi.hotspots=true"], [r"wifi\.hotspots", r"integer"]),
    ("word-for-bool", ["channels.portal=maybe"], [r"channels\.portal"]),
    ("out-of-range", ["wifi.hotspots=-1"], [r"wifi\.hotspots", r"greater than or equal to 0"]),
    ("steps-zero", ["run.steps=0"], [r"run\.steps", r"greater than or equal to 1"]),
    ("bad-choice", ["wifi.placement=everywhere"], [r"wifi\.placement", r"'equity'"]),
    ("odd-degree", ["network.degree=7"], [r"network\.degree", r"even"]),
    ("alpha-asymmetry", ["trust.alpha_plus=0.5"], [r"trust\.alpha_minus", r"trust\.alpha_plus"]),
    ("overlapping-phases", ["wifi.phases=[{start=1,stop=5},{start=3}]"], [r"wifi", r"overlap"]),
    ("value-as-table", ["name.x=1"], [r"--set name\.x", r"'name' is a value"]),
    ("no-equals", ["wifi.hotspots"], [r"--set wifi\.hotspots", r"KEY=VALUE"]),
    ("empty-key", ["=3"], [r"--set =3", r"KEY"]),
    ("second-bad", ["wifi.hotspots=4", "run.n_citizens=3"], [r"run\.n_citizens"]),
]


@pytest.mark.parametrize(("sets", "patterns"), [c[1:] for c in BAD_SETS], ids=[c[0] for c in BAD_SETS])
def test_bad_set_is_rejected_like_the_file(tmp_path, capsys, sets, patterns):
    with pytest.raises(ScenarioError) as info:
        load_scenario(BASELINE, sets)
    text = "\n".join(info.value.problems)
    for pattern in patterns:
        assert re.search(pattern, text), f"{pattern!r} not in {text!r}"
    for line in info.value.problems:
        assert str(BASELINE) in line or line.startswith("--set "), line
    out = tmp_path / "out"
    argv = ["run", str(BASELINE), "--out", str(out), "--quiet"]
    for s in sets:
        argv += ["--set", s]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("error: ")
    _assert_nothing_written(tmp_path, out, set())


def test_set_values_are_parsed_as_toml():
    assert parse_overrides(["wifi.hotspots=40", "wifi.placement=equity", "channels.portal=false",
                            "wifi.coverage_m=120.5", 'name="x y"']) == {
        "wifi.hotspots": 40, "wifi.placement": "equity", "channels.portal": False,
        "wifi.coverage_m": 120.5, "name": "x y"}


def test_valid_set_overrides_apply():
    as_list = load_scenario(BASELINE, ["wifi.hotspots=40", "wifi.placement=equity", "channels.ussd=false"])
    as_dict = load_scenario(BASELINE, {"wifi.hotspots": 40, "wifi.placement": "equity", "channels.ussd": False})
    assert as_list == as_dict
    assert as_list.wifi.hotspots == 40
    assert as_list.wifi.placement == "equity"
    assert as_list.channels.ussd is False
    # the rest stays at the file's values
    assert as_list.model_dump(exclude={"wifi", "channels"}) == load_scenario(BASELINE).model_dump(
        exclude={"wifi", "channels"})


def test_steps_and_seed_options_are_validated(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(BASELINE), "--steps", "0", "--out", str(out)]) == 2
    assert "run.steps" in capsys.readouterr().err
    assert main(["run", str(BASELINE), "--seed", "-1", "--out", str(out), "--steps", "2"]) == 2
    assert "--seed" in capsys.readouterr().err
    _assert_nothing_written(tmp_path, out, set())


# --------------------------------------------------------------------------- the real entry point


def _cosim() -> list[str]:
    script = Path(sys.executable).with_name("cosim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cosim.cli"]


@pytest.mark.slow
def test_installed_command_exits_2_without_traceback(tmp_path):
    path = _write(tmp_path, "[wifi]\nhotspotz = 3\n[trust]\nalpha_plus = 1.5\n")
    out = tmp_path / "out"
    for args in (["run", str(path), "--out", str(out)],
                 ["run", str(BASELINE), "--set", "wifi.hotspots=-4", "--out", str(out)]):
        proc = subprocess.run([*_cosim(), *args], capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert proc.stderr.startswith("error: "), proc.stderr
    assert not out.exists()
    assert {p.name for p in tmp_path.iterdir()} == {"bad.toml"}


# --------------------------------------------------------------------------- one formatter for every file


def test_typos_get_a_suggestion_in_experiment_and_calibration_files_too(tmp_path):
    """Scenario, experiment and calibration files report a typo the same way: key path and did-you-mean."""
    from cosim.analysis.calibration import read_params
    from cosim.runs.experiment import load_experiment

    exp = tmp_path / "exp.toml"
    exp.write_text(f'[experiment]\nbase = "{ROOT / "scenarios" / "baseline.toml"}"\nreplicatons = 2\n'
                   '[[factors]]\npath = "wifi.hotspots"\nmin = 0\nmax = 10\nstpes = 3\n')
    with pytest.raises(ScenarioError) as info:
        load_experiment(exp)
    text = "\n".join(info.value.problems)
    assert f"{exp}: experiment.replicatons: unknown key (did you mean 'replications'?)" in text
    assert f"{exp}: factors[0].stpes: unknown key (did you mean 'steps'?)" in text

    params = tmp_path / "params.toml"
    params.write_text('[calibration]\npopulaton = 10\n[parameters]\n"population.trust_mean" = [0.3, 0.6]\n')
    with pytest.raises(ScenarioError) as info:
        read_params(params)
    assert f"{params}: calibration.populaton: unknown key (did you mean 'population'?)" in info.value.problems
