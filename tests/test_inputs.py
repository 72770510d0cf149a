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
    "load_scenario('')": (lambda c: load_scenario(""), "path"),
    "load_scenario('a\\0b')": (lambda c: load_scenario("a\x00b"), "path"),
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
    "CoProductionModel('baseline')": (lambda c: CoProductionModel("baseline"), "scenario"),
    "CoProductionModel({'run': {}})": (lambda c: CoProductionModel({"run": {}}), "scenario"),
    "CoProductionModel(s, rng=-1)": (lambda c: CoProductionModel(c.tiny, rng=-1), "rng"),
    "CoProductionModel(s, rng='x')": (lambda c: CoProductionModel(c.tiny, rng="x"), "rng"),
    "CoProductionModel(s, rng=1.5)": (lambda c: CoProductionModel(c.tiny, rng=1.5), "rng"),
    "model.run('3')": (lambda c: CoProductionModel(c.tiny, rng=1).run("3"), "steps"),
    "model.run(-1)": (lambda c: CoProductionModel(c.tiny, rng=1).run(-1), "steps"),  # today: silently no weeks
}


@pytest.mark.xfail(strict=True, reason="LEAD: CoProductionModel/run argument checks not yet in cosim/model/model.py")
@pytest.mark.parametrize("name", list(MODEL_CALLS))
def test_model_constructor_arguments_raise_a_cosim_error(ctx, name):
    call, argument = MODEL_CALLS[name]
    with pytest.raises(UsageError) as info:
        call(ctx)
    assert info.value.argument == argument
