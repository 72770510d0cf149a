"""Bad input gets one clear message, never a traceback (issue 15, input items).

Two halves:

- the public API: a wrong argument to ``load_scenario``, ``simulate``,
  ``evaluate``, ``run_seed``, ``outcomes``, ``compare``, ``run_experiment``
  or ``load_experiment`` raises a cosim error (``UsageError`` naming the
  argument, or ``ScenarioError`` naming the file and key), never a bare
  TypeError/AttributeError/KeyError from deep inside;
- the command line: each case the hostile-input battery
  (``benchmarks/hostile_inputs.py``) found giving a traceback is refused with
  ``error:`` lines and exit 2, writing nothing.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from cosim import CoProductionModel, ScenarioError, evaluate, load_scenario, outcomes, run_seed, simulate
from cosim.analysis.compare import compare
from cosim.cli import main as cli
from cosim.errors import CosimError, UsageError, expect_int, expect_path
from cosim.runs.experiment import load_experiment, run_experiment

TINY = 'name = "tiny"\n[run]\nn_citizens = 50\nsteps = 3\n'
ISHIGAMI_GRID = """[experiment]
name = "e"
model = "ishigami"
design = "grid"
[[factors]]
path = "x1"
values = [0.0, 1.0]
[[factors]]
path = "x2"
values = [0.0]
[[factors]]
path = "x3"
values = [0.0]
"""


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    """A tiny scenario (file and object), its time series and a valid experiment."""
    tmp = tmp_path_factory.mktemp("inputs")
    (tmp / "tiny.toml").write_text(TINY)
    (tmp / "e.toml").write_text(ISHIGAMI_GRID)
    tiny = load_scenario(tmp / "tiny.toml")
    return SimpleNamespace(tmp=tmp, file=tmp / "tiny.toml", tiny=tiny, df=simulate(tiny, 1),
                           exp=load_experiment(tmp / "e.toml"))


# ------------------------------------------------------------------ the public API
# (call, the argument the error must name; None: a ScenarioError naming the file and key)
API_CALLS = {
    "load_scenario(123)": (lambda c: load_scenario(123), "path"),
    "load_scenario(b'baseline')": (lambda c: load_scenario(b"baseline"), "path"),
    "load_scenario(['a.toml'])": (lambda c: load_scenario(["a.toml"]), "path"),
    "load_scenario(a Scenario)": (lambda c: load_scenario(c.tiny), "path"),
    "load_scenario('')": (lambda c: load_scenario(""), None),  # a file name no file can have: ScenarioError
    "load_scenario('a\\0b')": (lambda c: load_scenario("a\x00b"), None),
    "load_scenario(path, overrides=5)": (lambda c: load_scenario(c.file, overrides=5), "overrides"),
    "load_scenario(path, overrides='k=v')": (lambda c: load_scenario(c.file, overrides="wifi.hotspots=3"), "overrides"),
    "load_scenario(path, overrides={1: 2})": (lambda c: load_scenario(c.file, overrides={1: 2}), "overrides"),
    "load_scenario(path, overrides=[5])": (lambda c: load_scenario(c.file, overrides=[5]), "overrides"),
    "load_scenario(path, overrides={k: 'many'})": (
        lambda c: load_scenario(c.file, overrides={"wifi.hotspots": "many"}), None),
    "load_scenario('no_such')": (lambda c: load_scenario("no_such"), None),
    "simulate('no_such')": (lambda c: simulate("no_such"), None),
    "simulate(123)": (lambda c: simulate(123), "scenario"),
    "simulate({'run': {}})": (lambda c: simulate({"run": {}}), "scenario"),
    "simulate(s, seed='x')": (lambda c: simulate(c.tiny, seed="x"), "seed"),
    "simulate(s, seed=-1)": (lambda c: simulate(c.tiny, seed=-1), "seed"),
    "simulate(s, seed=2**64)": (lambda c: simulate(c.tiny, seed=2**64), "seed"),
    "simulate(s, seed=1.5)": (lambda c: simulate(c.tiny, seed=1.5), "seed"),
    "simulate(s, seed=nan)": (lambda c: simulate(c.tiny, seed=math.nan), "seed"),
    "simulate(s, seed=True)": (lambda c: simulate(c.tiny, seed=True), "seed"),
    "simulate(s, steps=0)": (lambda c: simulate(c.tiny, steps=0), "steps"),
    "simulate(s, steps=-1)": (lambda c: simulate(c.tiny, steps=-1), "steps"),
    "simulate(s, steps='3')": (lambda c: simulate(c.tiny, steps="3"), "steps"),
    "simulate(s, steps=10**9)": (lambda c: simulate(c.tiny, steps=10**9), "steps"),
    "simulate(s, steps=2.5)": (lambda c: simulate(c.tiny, steps=2.5), "steps"),
    "evaluate(s, wifi__hotspots='many')": (lambda c: evaluate(c.tiny, wifi__hotspots="many"), None),
    "evaluate(nonsense=1)": (lambda c: evaluate(c.tiny, nonsense=1), None),
    "evaluate(s, wifi__hotspots=nan)": (lambda c: evaluate(c.tiny, wifi__hotspots=math.nan), None),
    "evaluate(s, seed='x')": (lambda c: evaluate(c.tiny, seed="x"), "seed"),
    "evaluate(s, seed=-1)": (lambda c: evaluate(c.tiny, seed=-1), "seed"),
    "evaluate(123)": (lambda c: evaluate(123), "scenario"),
    "evaluate('no_such')": (lambda c: evaluate("no_such"), None),
    "evaluate(s, run__steps=0)": (lambda c: evaluate(c.tiny, run__steps=0), None),
    "run_seed(-1, 0)": (lambda c: run_seed(-1, 0), "root"),
    "run_seed(1, 10**30)": (lambda c: run_seed(1, 10**30), "run_id"),
    "run_seed(1, -1)": (lambda c: run_seed(1, -1), "run_id"),
    "run_seed('x', 0)": (lambda c: run_seed("x", 0), "root"),
    "run_seed(1.5, 0)": (lambda c: run_seed(1.5, 0), "root"),
    "run_seed(None, 0)": (lambda c: run_seed(None, 0), "root"),  # None meant fresh OS entropy: irreproducible
    "run_seed(2**64, 0)": (lambda c: run_seed(2**64, 0), "root"),
    "outcomes(None)": (lambda c: outcomes(None), "timeseries"),
    "outcomes('table')": (lambda c: outcomes("table"), "timeseries"),
    "outcomes(DataFrame())": (lambda c: outcomes(pd.DataFrame()), "timeseries"),
    "outcomes(df, municipality='nowhere')": (lambda c: outcomes(c.df, municipality="nowhere"), "municipality"),
    "outcomes(df missing columns)": (lambda c: outcomes(c.df[["step", "municipality"]]), "timeseries"),
    "outcomes(df of week 0 only)": (lambda c: outcomes(c.df[c.df["step"] == 0]), "timeseries"),
    "compare([])": (lambda c: compare([]), "scenarios"),
    "compare(['baseline'])": (lambda c: compare(["baseline"]), "scenarios"),
    "compare(a Scenario)": (lambda c: compare(c.tiny), "scenarios"),
    "compare(ss, replications=0)": (lambda c: compare([c.tiny], replications=0), "replications"),
    "compare(ss, replications='3')": (lambda c: compare([c.tiny], replications="3"), "replications"),
    "compare(ss, replications=10**9)": (lambda c: compare([c.tiny], replications=10**9), "replications"),
    "compare(ss, root_seed=-1)": (lambda c: compare([c.tiny], replications=1, root_seed=-1), "root_seed"),
    "compare(ss, workers='x')": (lambda c: compare([c.tiny], replications=1, workers="x"), "workers"),
    "compare(ss, workers=0)": (lambda c: compare([c.tiny], replications=1, workers=0), "workers"),
    "compare(ss, workers=100000)": (lambda c: compare([c.tiny], replications=1, workers=100_000), "workers"),
    "run_experiment('file.toml', out)": (lambda c: run_experiment(str(c.tmp / "e.toml"), c.tmp / "o1"), "exp"),
    "run_experiment(exp, out=5)": (lambda c: run_experiment(c.exp, 5), "out"),
    "run_experiment(exp, out, workers=0)": (lambda c: run_experiment(c.exp, c.tmp / "o2", workers=0), "workers"),
    "run_experiment(exp, out, workers='2')": (lambda c: run_experiment(c.exp, c.tmp / "o3", workers="2"), "workers"),
    "load_experiment(123)": (lambda c: load_experiment(123), "path"),
    "load_experiment(None)": (lambda c: load_experiment(None), "path"),
    "load_experiment('nope.toml')": (lambda c: load_experiment(c.tmp / "nope.toml"), None),
}


@pytest.mark.parametrize("name", list(API_CALLS))
def test_a_wrong_argument_raises_a_cosim_error_naming_it(ctx, name):
    call, argument = API_CALLS[name]
    with pytest.raises(CosimError) as info:
        call(ctx)
    exc = info.value
    assert isinstance(exc, ValueError), "cosim's input errors stay ValueErrors for existing except clauses"
    if argument is None:
        assert isinstance(exc, ScenarioError)
        assert all(": " in p for p in exc.problems), exc.problems  # file: key: what was expected
    else:
        assert isinstance(exc, UsageError), f"{type(exc).__name__}: {exc}"
        assert exc.argument == argument
        assert str(exc).startswith(f"{argument}: ")
        assert any(w in str(exc) for w in ("expected", "needs", "at most")), str(exc)  # says what is wanted
    assert not list(ctx.tmp.glob("o[0-9]")), "a refused call wrote a results folder"


def test_the_checks_leave_valid_calls_alone(ctx):
    """NumPy integers are integers; a path may be str or Path; overrides a mapping or KEY=VALUE strings."""
    assert run_seed(np.int64(1), np.uint8(2)) == run_seed(1, 2)
    df = simulate(ctx.tiny, seed=np.int64(1), steps=np.int32(2))
    assert df["step"].max() == 2
    assert load_scenario(str(ctx.file), ["wifi.hotspots=3"]).wifi.hotspots == 3
    assert load_scenario(ctx.file, ("wifi.hotspots=4",)).wifi.hotspots == 4
    assert set(outcomes(ctx.df)) and compare((ctx.tiny,), replications=1, workers=1, progress=False).replications == 1


@pytest.mark.parametrize(("value", "kwargs", "message"), [
    (-1, {"minimum": 0}, "n: expected an integer >= 0, got -1"),
    ("3", {}, "n: expected an integer, got '3' (str)"),
    (2**63, {"minimum": 0, "maximum": 2**63 - 1}, "n: expected an integer from 0 to 2**63 - 1, got 9223372036854775808"),
    (10**6, {"maximum": 10_000}, "n: expected an integer <= 10,000, got 1000000"),
    (False, {}, "n: expected an integer, got False"),
])
def test_expect_int_says_what_was_expected(value, kwargs, message):
    with pytest.raises(UsageError) as info:
        expect_int(value, "n", **kwargs)
    assert str(info.value) == message
    assert info.value.for_command_line().startswith("--n: ")


def test_expect_path_takes_str_and_pathlike_only():
    assert expect_path(Path("a/b"), "out") == os.path.join("a", "b")
    for bad in (b"a", 5, None, "", "a\x00b"):
        with pytest.raises(UsageError, match=r"^out: expected a file path"):
            expect_path(bad, "out")


# For the lead (cosim/model/model.py): CoProductionModel(...) and model.run(...) take their
# arguments unchecked.  These tests state what they should raise; they are xfail (strict) until
# the constructor checks ``scenario`` (a Scenario or None) and ``rng`` (None, a seed from 0 to
# 2**63 - 1, or a numpy Generator) with cosim.errors.expect_type/expect_int, and ``run(steps)``
# with expect_int(steps, "steps", minimum=0, maximum=MAX_STEPS).  Remove the mark then.
MODEL_CALLS = {
    "CoProductionModel(42)": (lambda c: CoProductionModel(42), "scenario"),  # a name or file is fine: Mesa style
    "CoProductionModel({'run': {}})": (lambda c: CoProductionModel({"run": {}}), "scenario"),
    "CoProductionModel(s, collect='yes')": (lambda c: CoProductionModel(c.tiny, collect="yes"), "collect"),
    "CoProductionModel(s, rng=-1)": (lambda c: CoProductionModel(c.tiny, rng=-1), "rng"),
    "CoProductionModel(s, rng='x')": (lambda c: CoProductionModel(c.tiny, rng="x"), "rng"),
    "CoProductionModel(s, rng=1.5)": (lambda c: CoProductionModel(c.tiny, rng=1.5), "rng"),
    "model.run('3')": (lambda c: CoProductionModel(c.tiny, rng=1).run("3"), "steps"),
    "model.run(-1)": (lambda c: CoProductionModel(c.tiny, rng=1).run(-1), "steps"),  # today: silently no weeks
}


@pytest.mark.parametrize("name", list(MODEL_CALLS))
def test_model_constructor_arguments_raise_a_cosim_error(ctx, name):
    call, argument = MODEL_CALLS[name]
    with pytest.raises(UsageError) as info:
        call(ctx)
    assert info.value.argument == argument


# ------------------------------------------------------------------ the command line
# Every case benchmarks/hostile_inputs.py found ending in a traceback (at 72ed6ea or later), as
# (argv, files written first, the --out folder that must not appear, a phrase the message holds)
PARAMS = """[calibration]
method = "optimize"
seed = 1
budget = 4
[constants]
"run.n_citizens" = 50
"run.steps" = 3
[parameters]
"population.trust_mean" = [0.30, 0.65]
"""
TARGETS = "metric,step,value,sd\nshare_trusting,2,0.30,0.04\n"
ISHIGAMI = ISHIGAMI_GRID.replace('design = "grid"', 'design = "sobol"\nsamples = 16').replace(
    "values = [0.0, 1.0]", "min = 0.0\nmax = 1.0").replace("values = [0.0]", "min = 0.0\nmax = 1.0")
DEEP = "{a = " * 5000 + "1" + "}" * 5000
CALIBRATE = ["calibrate", "t.csv", "--scenario", "tiny.toml", "--params", "p.toml", "--out", "o", "--quiet",
             "--workers", "1"]
CLI_CASES = {
    "check: 5,000 nested inline tables": (["check", "s.toml"], {"s.toml": f"x = {DEEP}\n"}, None, "nested too deeply"),
    "check: 5,000 nested arrays": (["check", "s.toml"], {"s.toml": "x = " + "[" * 5000 + "]" * 5000 + "\n"}, None,
                                   "nested too deeply"),
    "check: a 5,000-part table header": (["check", "s.toml"], {"s.toml": "[" + ".".join("a" * 5000) + "]\n"}, None,
                                         "nested too deeply"),
    "check: deep nesting under a lever": (["check", "s.toml"], {"s.toml": f"[wifi]\nhotspots = {DEEP}\n"}, None,
                                          "nested too deeply"),
    "check: a 300-character file name": (["check", "p" * 300 + ".toml"], {}, None, "not a usable file name"),
    "check: a folder given as a file": (["check", "d"], {"d/x": ""}, None, "is a folder"),
    "run: --seed 2**64": (["run", "tiny.toml", "--seed", str(2**64), "--out", "o"], {}, "o", "--seed"),
    "run: --out under a file": (["run", "tiny.toml", "--out", "afile/o"], {"afile": "x"}, "afile/o", "is a file"),
    "run: --out 300 characters": (["run", "tiny.toml", "--out", "o" * 300], {}, "o" * 300, "--out"),
    "run: a 300-character scenario name": (["run", "long.toml"], {"long.toml": TINY.replace("tiny", "n" * 300)},
                                           "results", "name"),
    "run: a NUL in the scenario name": (["run", "nul.toml"], {"nul.toml": TINY.replace("tiny", "a\\u0000b")},
                                        "results", "name"),
    "run: a 300-character scenario path": (["run", "s" * 300 + ".toml"], {}, "results", "not a usable file name"),
    "scenarios copy --to under a file": (["scenarios", "copy", "baseline", "--to", "afile/x"], {"afile": "x"},
                                         "afile/x", "is a file"),
    "experiment: a 300-character file name": (["experiment", "e" * 300 + ".toml", "--out", "o"], {}, "o",
                                              "not a usable file name"),
    "experiment: noise_sd = 1e308 (figures' axes overflowed)": (
        ["experiment", "e.toml", "--out", "o", "--workers", "1"],
        {"e.toml": ISHIGAMI.replace("samples = 16", "samples = 16\nnoise_sd = 1e308")}, "o", "noise_sd"),
    "experiment: noise_sd = inf": (["experiment", "e.toml", "--out", "o", "--workers", "1"],
                                   {"e.toml": ISHIGAMI.replace("samples = 16", "samples = 16\nnoise_sd = inf")}, "o",
                                   "noise_sd"),
    "experiment: --dask 'not an address'": (["experiment", "e.toml", "--out", "o", "--dask", "not an address"],
                                            {"e.toml": ISHIGAMI}, "o", "--dask"),
    "sensitivity: --dask 'not an address'": (["sensitivity", "e.toml", "--out", "o", "--dask", "not an address"],
                                             {"e.toml": ISHIGAMI}, "o", "--dask"),
    "calibrate: --dask 'not an address'": ([*CALIBRATE[:-2], "--dask", "not an address"], {}, "o", "--dask"),
    "calibrate: [parameters] not a table": (CALIBRATE, {"p.toml": 'parameters = 0\n[calibration]\nbudget = 4\n'}, "o",
                                            "parameters: expected a table"),
    "calibrate: [constants] not a table": (CALIBRATE, {"p.toml": PARAMS.replace('[constants]\n"run.n_citizens" = 50\n'
                                                                                 '"run.steps" = 3\n', "")
                                                       .replace("[calibration]", "constants = 3\n[calibration]")},
                                           "o", "constants: expected a table"),
    "calibrate: a stray quote in the targets": (CALIBRATE, {"t.csv": 'metric,step,value,sd\n"\nshare_online\n'}, "o",
                                                "expected 4 columns"),
    "calibrate: a NUL in the targets": (CALIBRATE, {"t.csv": "metric,step,value,sd\nshare_trusting\x00,2,0.3,0.04\n"},
                                        "o", "column metric"),
    "calibrate: a 5,000-deep params file": (CALIBRATE, {"p.toml": f"[parameters]\nx = {DEEP}\n"}, "o",
                                            "nested too deeply"),
    # issue 14: the run was simulated, then writing its dates overflowed datetime64[ns] (a traceback)
    "run: start_date in year 1": (["run", "s.toml", "--out", "o", "--no-figures"],
                                  {"s.toml": TINY + "start_date = 0001-07-01\n"}, "o", "run: start_date: expected a date"),
    "run: --steps taking a start date past 2261": (["run", "s.toml", "--out", "o", "--no-figures", "--steps", "5200"],
                                                   {"s.toml": TINY + "start_date = 2200-01-01\n"}, "o",
                                                   "the run covers 2199-01-02 to 2299-08-23"),
    "run: a schedule value nan": (["run", "s.toml", "--out", "o", "--no-figures"],
                                  {"s.toml": TINY + '[schedules."wifi.hotspots"]\nkind = "step"\npoints = [[0, nan]]\n'},
                                  "o", "expected a finite number"),
}


@pytest.mark.parametrize("name", list(CLI_CASES))
def test_hostile_command_lines_are_refused_cleanly(tmp_path, monkeypatch, capsys, name):
    argv, files, out, phrase = CLI_CASES[name]
    monkeypatch.chdir(tmp_path)
    for rel, text in {"tiny.toml": TINY, "p.toml": PARAMS, "t.csv": TARGETS, **files}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    code = cli([*argv, *(["--quiet"] if argv[0] in ("run", "experiment", "sensitivity") else [])])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert errors and any(phrase in line for line in errors), err
    if out:
        assert not os.path.lexists(tmp_path / out[:200]), f"{out} was written"


@pytest.mark.parametrize("folder", ["experiments", "experiments/calibration", "my experiments/experiments"])
def test_cosim_check_reads_a_scenario_under_a_folder_named_experiments_as_a_scenario(tmp_path, capsys, folder):
    """cosim check decided by path (anything under experiments/ was an experiment file); now by the tables."""
    path = tmp_path / folder / "s.toml"
    path.parent.mkdir(parents=True)
    path.write_text(TINY)
    assert cli(["check", str(path)]) == 0, capsys.readouterr().err
    path.write_text(TINY + "[wifi]\nhotspot = 3\n")
    assert cli(["check", str(path)]) == 2
    assert "wifi.hotspot: unknown key (did you mean 'hotspots'?)" in capsys.readouterr().err


def test_compare_of_a_run_shorter_than_a_year_with_a_longer_one_draws_its_figures(tmp_path, monkeypatch, capsys):
    # the cost figure kept only full budget years, dropping the short scenario: KeyError traceback (hostile battery)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.toml").write_text(TINY)
    (tmp_path / "b.toml").write_text('name = "b"\n[run]\nn_citizens = 50\nsteps = 53\nburn_in_weeks = 0\n')
    code = cli(["compare", "a.toml", "b.toml", "--out", "o", "--quiet", "--replications", "2", "--workers", "1"])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "o" / "costs.png").is_file()
