"""A hostile-input battery: a few hundred bad or borderline command lines over every ``cosim`` command.

Rule checked (issue 15): bad input gets one clear message naming the file, the
key and what was expected, exit status 2, no traceback, nothing half written.

Each case runs ``python -m cosim ...`` in its own temporary folder, with a
timeout, at small sizes (50 citizens, a few weeks).  Each outcome is one of

- ``refused``:   exit 2, at least one ``error:`` line, no traceback (and no output folder left behind);
- ``accepted``:  exit 0, no traceback;
- ``traceback``: a Python traceback on stderr (whatever the exit status);
- ``hang``:      still running at the timeout (killed);
- ``other``:     anything else (another exit status, exit 2 without ``error:``, a refusal that left
  its ``--out`` folder behind).

It prints the counts per command, lists every traceback (and every "other"),
and ends with one line: a JSON object with the counts.

    PYTHONPATH=. python benchmarks/hostile_inputs.py            # the whole battery (~5 min on 2 cores)
    PYTHONPATH=. python benchmarks/hostile_inputs.py --jobs 1 --only run,check
    PYTHONPATH=/tmp/before python benchmarks/hostile_inputs.py  # an older checkout, for before/after counts

The cosim imported is the one on PYTHONPATH (the battery runs ``sys.executable -m cosim``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

TIMEOUT_S = 60.0
OUTCOMES = ("refused", "accepted", "traceback", "hang", "other")

# A valid, tiny scenario: every "accepted" run is a second or two.
TINY = 'name = "tiny"\n[run]\nn_citizens = 50\nsteps = 3\n'
TINY_EXPERIMENT = """[experiment]
name = "tinyexp"
base = "tiny.toml"
design = "grid"
replications = 1
[experiment.constants]
"run.steps" = 2
[[factors]]
path = "wifi.hotspots"
values = [0, 10]
"""
ISHIGAMI = """[experiment]
name = "ish"
model = "ishigami"
design = "sobol"
samples = 8
{extra}
[[factors]]
path = "x1"
min = -3.14
max = 3.14
[[factors]]
path = "x2"
min = -3.14
max = 3.14
[[factors]]
path = "x3"
min = -3.14
max = 3.14
"""
PARAMS = """[calibration]
method = "optimize"
seed = 1
budget = 4
replications = 1
{extra}
[constants]
"run.n_citizens" = 50
"run.steps" = 3
[parameters]
"population.trust_mean" = [0.30, 0.65]
"""
TARGETS = "metric,step,value,sd\nshare_trusting,2,0.30,0.04\n"


@dataclass
class Case:
    command: str
    label: str
    argv: list[str]
    files: dict[str, str | bytes] = field(default_factory=dict)
    out: str | None = None  # the --out folder a refusal must not leave behind
    timeout: float = TIMEOUT_S


@dataclass
class Outcome:
    case: Case
    kind: str
    rc: int | None
    stderr: str
    seconds: float


# ---------------------------------------------------------------- the cases

NUMBERS = {  # TOML spellings of hostile numbers
    "huge_int": "1" + "0" * 40,
    "int64_max": str(2**63 - 1),
    "beyond_int64": str(2**64),
    "negative": "-1",
    "huge_float": "1e308",
    "inf": "inf",
    "-inf": "-inf",
    "nan": "nan",
    "tiny_float": "5e-324",
    "zero": "0",
}
WRONG_TYPES = {
    "string": '"many"',
    "bool": "true",
    "array": "[1, 2]",
    "table": "{ a = 1 }",
    "date": "1979-05-27",
    "empty_string": '""',
}
# one scenario key of each kind: int, float, int | None, bool, Literal, str, events, phases
SCENARIO_KEYS = {
    "int": ("run", "steps"),
    "int_big": ("run", "n_citizens"),
    "seed": ("run", "seed"),
    "float": ("region", "wealth_gradient"),
    "share": ("population", "trust_mean"),
    "optional_int": ("wifi", "stop"),
    "bool": ("population", "homogeneous"),
    "literal": ("municipality", "over_budget"),
}


def _scenario_with(table: str, key: str, value: str) -> str:
    """The tiny scenario with ``[table] key = value`` (replacing the tiny run's own key)."""
    run = {"n_citizens": "50", "steps": "3"}
    other = ""
    if table == "run":
        run[key] = value
    else:
        other = f"[{table}]\n{key} = {value}\n"
    return 'name = "tiny"\n[run]\n' + "".join(f"{k} = {v}\n" for k, v in run.items()) + other


def _params_with(key: str, value: str) -> str:
    """The tiny params file with ``[calibration] key = value``."""
    settings = {"method": '"optimize"', "seed": "1", "budget": "4", "replications": "1"}
    settings[key] = value
    return PARAMS.format(extra="").replace('method = "optimize"\nseed = 1\nbudget = 4\nreplications = 1\n',
                          "".join(f"{k} = {v}\n" for k, v in settings.items()))


def scenario_cases() -> list[Case]:
    cases: list[Case] = []
    for kind, (table, key) in SCENARIO_KEYS.items():
        for label, value in {**NUMBERS, **WRONG_TYPES}.items():
            text = _scenario_with(table, key, value)
            cases.append(Case("check", f"{table}.{key} ({kind}) = {label}", ["check", "s.toml"], {"s.toml": text}))
    for label, value in NUMBERS.items():  # events and lever phases hold numbers too
        cases.append(Case("check", f"events[0].step = {label}", ["check", "s.toml"],
                          {"s.toml": TINY + f'[[events]]\nkind = "breach"\nstep = {value}\n'}))
        cases.append(Case("check", f"wifi.phases[0].start = {label}", ["check", "s.toml"],
                          {"s.toml": TINY + f"[wifi]\nhotspots = 5\nphases = [{{ start = {value} }}]\n"}))
    for label, value in WRONG_TYPES.items():
        cases.append(Case("check", f"events = {label}", ["check", "s.toml"], {"s.toml": TINY + f"events = {value}\n"}))
        cases.append(Case("check", f"wifi.phases = {label}", ["check", "s.toml"],
                          {"s.toml": TINY + f"[wifi]\nphases = {value}\n"}))
        cases.append(Case("check", f"name = {label}", ["check", "s.toml"],
                          {"s.toml": TINY.replace('"tiny"', value)}))
        cases.append(Case("check", f"[run] = {label}", ["check", "s.toml"],
                          {"s.toml": f'name = "t"\nrun = {value}\n'}))
    cases += [
        Case("check", "typo key", ["check", "s.toml"], {"s.toml": TINY + "[wifi]\nhotspot = 3\n"}),
        Case("check", "unknown table", ["check", "s.toml"], {"s.toml": TINY + "[wify]\nhotspots = 3\n"}),
        Case("check", "empty file", ["check", "s.toml"], {"s.toml": ""}),
        Case("check", "only a comment", ["check", "s.toml"], {"s.toml": "# nothing\n"}),
        Case("check", "invalid UTF-8", ["check", "s.toml"], {"s.toml": b'name = "\xff\xfe"\n'}),
        Case("check", "latin-1 file", ["check", "s.toml"], {"s.toml": 'name = "caf\xe9"\n'.encode("latin-1")}),
        Case("check", "UTF-16 file", ["check", "s.toml"], {"s.toml": 'name = "x"\n'.encode("utf-16")}),
        Case("check", "NUL byte in the file", ["check", "s.toml"], {"s.toml": b'name = "a\x00b"\n'}),
        Case("check", "NUL escape in the name", ["check", "s.toml"], {"s.toml": 'name = "a\\u0000b"\n'}),
        Case("check", "300-character name", ["check", "s.toml"], {"s.toml": f'name = "{"n" * 300}"\n'}),
        Case("check", "name with a slash", ["check", "s.toml"], {"s.toml": 'name = "../../etc"\n'}),
        Case("check", "name with a newline", ["check", "s.toml"], {"s.toml": 'name = "a\\nb"\n'}),
        Case("check", "bad TOML", ["check", "s.toml"], {"s.toml": "[wifi\nhotspots = \n"}),
        Case("check", "duplicate key", ["check", "s.toml"], {"s.toml": "[wifi]\nhotspots = 1\nhotspots = 2\n"}),
        Case("check", "5,000 nested tables", ["check", "s.toml"],
             {"s.toml": "x = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n"}),
        Case("check", "5,000 nested arrays", ["check", "s.toml"], {"s.toml": "x = " + "[" * 5000 + "]" * 5000 + "\n"}),
        Case("check", "5,000-part dotted table", ["check", "s.toml"], {"s.toml": "[" + ".".join(["a"] * 5000) + "]\n"}),
        Case("check", "nested under a lever", ["check", "s.toml"],
             {"s.toml": "[wifi]\nhotspots = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n"}),
        Case("check", "a directory given as a file", ["check", "d"], {"d/x": ""}),
        Case("check", "no such file", ["check", "nope.toml"]),
        Case("check", "valid file under a folder named experiments", ["check", "experiments/s.toml"],
             {"experiments/s.toml": TINY}),
        Case("check", "valid file under experiments/calibration", ["check", "experiments/calibration/s.toml"],
             {"experiments/calibration/s.toml": TINY}),
        Case("check", "invalid file under experiments", ["check", "experiments/s.toml"],
             {"experiments/s.toml": TINY + "[wifi]\nhotspot = 3\n"}),
        Case("check", "valid experiment", ["check", "e.toml"], {"tiny.toml": TINY, "e.toml": TINY_EXPERIMENT}),
        Case("check", "valid params file", ["check", "params.toml"], {"params.toml": PARAMS.format(extra="")}),
        Case("check", "a CSV given to check", ["check", "t.csv"], {"t.csv": TARGETS}),
        Case("check", "300-character file name", ["check", "p" * 300 + ".toml"]),
        Case("check", "NUL byte in the path", ["check", "a\x00b.toml"]),
        Case("check", "bundled by name", ["check", "baseline"]),
        Case("check", "bundled scenario file", ["check", str(Path(__file__).resolve().parents[1] / "scenarios"
                                                             / "baseline.toml")]),
    ]
    return cases


def run_cases() -> list[Case]:
    files = {"tiny.toml": TINY}
    c: list[Case] = []

    def run(label: str, *argv: str, extra: dict[str, str | bytes] | None = None, out: str | None = None) -> None:
        c.append(Case("run", label, ["run", *argv, "--quiet", "--no-figures"], {**files, **(extra or {})}, out))

    run("valid tiny run", "tiny.toml", "--out", "o", out=None)
    for label, seed in {"2**64": str(2**64), "2**63": str(2**63), "-1": "-1", "-2**70": str(-(2**70)),
                        "not a number": "x", "float": "1.5", "empty": ""}.items():
        run(f"--seed {label}", "tiny.toml", "--seed", seed, "--out", "o", out="o")
    for label, steps in {"0": "0", "-1": "-1", "10**9": str(10**9), "10**30": str(10**30), "x": "x",
                         "1.5": "1.5"}.items():
        run(f"--steps {label}", "tiny.toml", "--steps", steps, "--out", "o", out="o")
    run("--out .", "tiny.toml", "--out", ".")
    run("--out ..", "tiny.toml", "--out", "..")
    run("--out /", "tiny.toml", "--out", "/")
    run("--out under a file", "tiny.toml", "--out", "afile/o", extra={"afile": "x"}, out="afile/o")
    run("--out is a file", "tiny.toml", "--out", "afile", extra={"afile": "x"})
    run("--out 300 characters", "tiny.toml", "--out", "o" * 300, out="o" * 300)
    run("--out with a NUL byte", "tiny.toml", "--out", "a\x00b")
    run("--out empty string", "tiny.toml", "--out", "")
    run("--out a non-empty folder cosim did not write", "tiny.toml", "--out", "full", extra={"full/keep.txt": "x"})
    run("300-character scenario name", "long.toml", extra={"long.toml": f'name = "{"n" * 300}"\n[run]\n'
                                                                       f"n_citizens = 50\nsteps = 3\n"})
    run("scenario name with slashes", "slash.toml", extra={"slash.toml": TINY.replace('"tiny"', '"../../x"')})
    run("scenario name with a NUL", "nul.toml", extra={"nul.toml": TINY.replace('"tiny"', '"a\\u0000b"')})
    run("scenario name '.'", "dot.toml", extra={"dot.toml": TINY.replace('"tiny"', '"."')})
    run("scenario name ''", "empty.toml", extra={"empty.toml": TINY.replace('"tiny"', '""')})
    run("a directory as the scenario", "d", extra={"d/x": ""})
    run("empty scenario file name", "")
    run("NUL in the scenario path", "a\x00b")
    run("300-character scenario path", "s" * 300 + ".toml")
    run("an empty file", "e.toml", extra={"e.toml": ""})
    run("invalid UTF-8", "u.toml", extra={"u.toml": b"\xff\xfe\xfa"})
    for label, text in {"no =": "wifi.hotspots", "empty key": "=3", "empty value": "wifi.hotspots=",
                        "dots only": "...=1", "unknown key": "wifi.hotspot=3", "wrong type": "wifi.hotspots=many",
                        "nan": "wifi.hotspots=nan", "inf": "region.wealth_gradient=inf",
                        "huge": "run.seed=" + "9" * 40, "into a value": "name.x=1", "table value": "wifi={a=1}",
                        "bad TOML value": "wifi.hotspots=[1,", "NUL": "name=a\x00b", "deep path": ".".join("a" * 2000) + "=1",
                        "whole run table": "run=3", "negative steps": "run.steps=-5",
                        "n_citizens 10**9": "run.n_citizens=1000000000"}.items():
        run(f"--set {label}", "tiny.toml", "--set", text, "--out", "o", out="o")
    run("unknown option", "tiny.toml", "--frobnicate")
    run("no scenario", )
    return c


def compare_cases() -> list[Case]:
    files = {"tiny.toml": TINY, "tiny2.toml": TINY.replace('"tiny"', '"tiny2"')}
    c: list[Case] = []

    def cmp(label: str, *argv: str, extra: dict[str, str | bytes] | None = None, out: str | None = "o") -> None:
        c.append(Case("compare", label, ["compare", *argv, "--quiet"], {**files, **(extra or {})}, out))

    base = ["tiny.toml", "tiny2.toml", "--out", "o"]
    cmp("valid, 2 replications", *base, "--replications", "2", "--workers", "1", out=None)
    for r in ("0", "-1", str(10**9), str(10**30), "x"):
        cmp(f"--replications {r}", *base, "--replications", r, "--workers", "1")
    for w in ("0", "-1", "100000", str(10**30), "x"):
        cmp(f"--workers {w}", *base, "--replications", "1", "--workers", w)
    for s in (str(2**64), "-1", "x"):
        cmp(f"--seed {s}", *base, "--replications", "1", "--workers", "1", "--seed", s)
    for s in ("0", "-1", str(10**9)):
        cmp(f"--steps {s}", *base, "--replications", "1", "--workers", "1", "--steps", s)
    cmp("--out .", "tiny.toml", "tiny2.toml", "--out", ".", "--replications", "1", "--workers", "1", out=None)
    cmp("--out under a file", "tiny.toml", "tiny2.toml", "--out", "afile/o", "--replications", "1",
        "--workers", "1", extra={"afile": "x"}, out="afile/o")
    cmp("--out 300 characters", "tiny.toml", "tiny2.toml", "--out", "o" * 300, "--replications", "1",
        "--workers", "1", out="o" * 300)
    cmp("--out NUL", "tiny.toml", "tiny2.toml", "--out", "a\x00b", "--replications", "1", "--workers", "1", out=None)
    cmp("one bad scenario", "tiny.toml", "bad.toml", "--out", "o", "--replications", "1", "--workers", "1",
        extra={"bad.toml": TINY + "[wifi]\nhotspot = 1\n"})
    cmp("a directory", "tiny.toml", "d", "--out", "o", "--replications", "1", "--workers", "1", extra={"d/x": ""})
    cmp("an empty file", "tiny.toml", "e.toml", "--out", "o", "--replications", "1", "--workers", "1",
        extra={"e.toml": ""})
    cmp("invalid UTF-8", "tiny.toml", "u.toml", "--out", "o", "--replications", "1", "--workers", "1",
        extra={"u.toml": b"\xff\xfe"})
    cmp("300-character scenario name", "tiny.toml", "long.toml", "--out", "o", "--replications", "1",
        "--workers", "1", extra={"long.toml": TINY.replace('"tiny"', '"' + "n" * 300 + '"')}, out=None)
    cmp("same scenario twice", "tiny.toml", "tiny.toml", "--out", "o", "--replications", "1", "--workers", "1",
        out=None)
    for label, text in {"no =": "wifi.hotspots", "bad value": "wifi.hotspots=many", "nan": "wifi.hotspots=nan",
                        "unknown": "wify.hotspots=1"}.items():
        cmp(f"--set {label}", *base, "--replications", "1", "--workers", "1", "--set", text)
    cmp("unknown option", *base, "--bogus")
    cmp("no scenarios", out=None)
    return c


def experiment_cases(command: str) -> list[Case]:
    """``cosim experiment`` and ``cosim sensitivity`` read the same files."""
    c: list[Case] = []
    files = {"tiny.toml": TINY}

    def exp(label: str, text: str | bytes, *argv: str, out: str | None = "o", timeout: float = TIMEOUT_S) -> None:
        c.append(Case(command, label, [command, "e.toml", "--out", "o", "--quiet", *argv],
                      {**files, "e.toml": text}, out, timeout))

    ish = ISHIGAMI.format(extra="")
    exp("valid ishigami sobol", ish, "--workers", "1", out=None)
    if command == "experiment":
        exp("valid tiny grid", TINY_EXPERIMENT, "--workers", "1", out=None)
    for label, value in {**NUMBERS, **WRONG_TYPES}.items():
        # every kind of number the file holds: int (samples, root_seed), float (noise_sd), a factor bound;
        # sensitivity reads the same file through the same loader, so it gets the int kind only
        for key in ("samples", "root_seed", "noise_sd") if command == "experiment" else ("samples",):
            exp(f"experiment.{key} = {label}", ISHIGAMI.format(extra=f"{key} = {value}").replace(
                "samples = 8\n", "" if key == "samples" else "samples = 8\n"), "--workers", "1")
        if command == "experiment":
            exp(f"factors[0].min = {label}", ish.replace("min = -3.14", f"min = {value}", 1), "--workers", "1")
    exp("design of 10**9 points (samples)", ISHIGAMI.format(extra="").replace("samples = 8", f"samples = {2**30}"),
        "--workers", "1")
    exp("grid of 10**9 points", "[experiment]\nname = \"g\"\nmodel = \"ishigami\"\ndesign = \"grid\"\n"
        + "".join(f'[[factors]]\npath = "x{i}"\nmin = 0\nmax = 1\nsteps = 1000\n' for i in (1, 2, 3)), "--workers", "1")
    exp("grid of 10**9 points (values)", "[experiment]\nname = \"g\"\nmodel = \"ishigami\"\n"
        + "".join(f'[[factors]]\npath = "x{i}"\nvalues = [{", ".join(map(str, range(1000)))}]\n' for i in (1, 2, 3)),
        "--workers", "1")
    for w in ("0", "100000", "-1", "x"):
        exp(f"--workers {w}", ish, "--workers", w)
    exp('--dask "not an address"', ish, "--dask", "not an address", timeout=90)
    exp("--dask tcp://127.0.0.1:1 (nothing there)", ish, "--dask", "tcp://127.0.0.1:1", timeout=90)
    exp("--dask-local 0", ish, "--dask-local", "0")
    exp("--dask-local 100000", ish, "--dask-local", "100000")
    exp("--dask and --workers", ish, "--dask", "tcp://127.0.0.1:1", "--workers", "2")
    if command == "sensitivity":
        for r in ("0", "-1", str(10**9), "x"):
            exp(f"--replications {r}", ish, "--workers", "1", "--replications", r)
        exp("grid design given to sensitivity", TINY_EXPERIMENT, "--workers", "1")
    exp("empty file", "", "--workers", "1")
    exp("invalid UTF-8", b"\xff\xfe", "--workers", "1")
    exp("a scenario file instead", TINY, "--workers", "1")
    exp("5,000 nested tables", "[experiment]\nname = \"x\"\nconstants = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n")
    exp("base missing", TINY_EXPERIMENT.replace("tiny.toml", "nope.toml"), "--workers", "1")
    exp("base is a directory", TINY_EXPERIMENT.replace("tiny.toml", "."), "--workers", "1")
    exp("base invalid", TINY_EXPERIMENT.replace("tiny.toml", "e.toml"), "--workers", "1")
    exp("unknown factor path", TINY_EXPERIMENT.replace("wifi.hotspots", "wifi.hotspot"), "--workers", "1")
    exp("factor out of the schema's range", TINY_EXPERIMENT.replace("[0, 10]", "[0, 10000000]"), "--workers", "1")
    exp("factor nan level", TINY_EXPERIMENT.replace("[0, 10]", "[0, nan]"), "--workers", "1")
    exp("constant wrong type", TINY_EXPERIMENT.replace('"run.steps" = 2', '"run.steps" = "two"'), "--workers", "1")
    exp("constant huge", TINY_EXPERIMENT.replace('"run.steps" = 2', f'"run.steps" = {10**30}'), "--workers", "1")
    exp("300-character experiment name", TINY_EXPERIMENT.replace('"tinyexp"', '"' + "e" * 300 + '"'), "--workers", "1")
    exp("NUL in the experiment name", TINY_EXPERIMENT.replace('"tinyexp"', '"a\\u0000b"'), "--workers", "1")
    c.append(Case(command, "--out under a file", [command, "e.toml", "--out", "afile/o", "--quiet", "--workers", "1"],
                  {"e.toml": ish, "afile": "x"}, "afile/o"))
    c.append(Case(command, "--out .", [command, "e.toml", "--out", ".", "--quiet", "--workers", "1"], {"e.toml": ish}))
    c.append(Case(command, "--out 300 characters", [command, "e.toml", "--out", "o" * 300, "--quiet", "--workers",
                                                      "1"], {"e.toml": ish}, "o" * 300))
    c.append(Case(command, "a directory as the file", [command, "d", "--quiet"], {"d/x": ""}))
    c.append(Case(command, "no such file", [command, "nope.toml", "--quiet"]))
    c.append(Case(command, "unknown option", [command, "e.toml", "--bogus"], {"e.toml": ish}))
    return c


def calibrate_cases() -> list[Case]:
    c: list[Case] = []
    files = {"tiny.toml": TINY, "t.csv": TARGETS, "params.toml": PARAMS.format(extra="")}

    def cal(label: str, *argv: str, extra: dict[str, str | bytes] | None = None, out: str | None = "o",
            targets: str = "t.csv", params: str = "params.toml") -> None:
        c.append(Case("calibrate", label, ["calibrate", targets, "--scenario", "tiny.toml", "--params", params,
                                           "--out", "o", "--quiet", "--no-figures", *argv],
                      {**files, **(extra or {})}, out))

    cal("valid optimize, 4 runs", "--workers", "1", out=None)
    for label, value in {**NUMBERS, **WRONG_TYPES}.items():
        for key in ("seed", "budget", "alpha"):  # an int, a count, a float
            cal(f"calibration.{key} = {label}", "--workers", "1", params="p.toml",
                extra={"p.toml": _params_with(key, value)})
        cal(f"prior bound = {label}", "--workers", "1", params="p.toml",
            extra={"p.toml": PARAMS.format(extra="").replace("[0.30, 0.65]", f"[0.30, {value}]")})
        cal(f"prior = {label}", "--workers", "1", params="p.toml",
            extra={"p.toml": PARAMS.format(extra="").replace("[0.30, 0.65]", value)})
    for label, row in {"nan value": "share_trusting,2,nan,0.04", "inf sd": "share_trusting,2,0.3,inf",
                       "zero sd": "share_trusting,2,0.3,0", "negative sd": "share_trusting,2,0.3,-1",
                       "huge step": f"share_trusting,{10**30},0.3,0.04", "negative step": "share_trusting,-1,0.3,0.04",
                       "float step": "share_trusting,1.5,0.3,0.04", "text value": "share_trusting,2,high,0.04",
                       "unknown metric": "share_trustin,2,0.3,0.04", "missing column": "share_trusting,2,0.3",
                       "extra column": "share_trusting,2,0.3,0.04,x,y", "huge value": "share_trusting,2,1e308,0.04",
                       "empty row": ",,,", "NUL": "share_trusting\x00,2,0.3,0.04"}.items():
        cal(f"targets: {label}", "--workers", "1", targets="bad.csv",
            extra={"bad.csv": "metric,step,value,sd\n" + row + "\n"})
    cal("targets: empty file", "--workers", "1", targets="bad.csv", extra={"bad.csv": ""})
    cal("targets: header only", "--workers", "1", targets="bad.csv", extra={"bad.csv": "metric,step,value,sd\n"})
    cal("targets: invalid UTF-8", "--workers", "1", targets="bad.csv", extra={"bad.csv": b"\xff\xfe,\x00"})
    cal("targets: a directory", "--workers", "1", targets="d", extra={"d/x": ""})
    cal("targets: 100,000 columns", "--workers", "1", targets="bad.csv",
        extra={"bad.csv": ",".join(["metric"] * 100000) + "\n"})
    cal("params: empty file", "--workers", "1", params="p.toml", extra={"p.toml": ""})
    cal("params: invalid UTF-8", "--workers", "1", params="p.toml", extra={"p.toml": b"\xff"})
    cal("params: 5,000 nested tables", "--workers", "1", params="p.toml",
        extra={"p.toml": "[parameters]\nx = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n"})
    cal("params: unknown parameter", "--workers", "1", params="p.toml",
        extra={"p.toml": PARAMS.format(extra="").replace("population.trust_mean", "population.trust_man")})
    cal("--budget 0", "--budget", "0", "--workers", "1")
    cal("--budget -1", "--budget", "-1", "--workers", "1")
    cal("--budget 10**9", "--budget", str(10**9), "--workers", "1")
    cal("--workers 100000", "--workers", "100000")
    cal("--workers 0", "--workers", "0")
    cal('--dask "not an address"', "--dask", "not an address")
    cal("--method bogus", "--method", "bogus")
    cal("--out under a file", "--workers", "1", extra={"afile": "x"}, out=None)
    c[-1].argv[c[-1].argv.index("o")] = "afile/o"
    c[-1].out = "afile/o"
    cal("missing --params", out=None)
    c[-1].argv = ["calibrate", "t.csv", "--scenario", "tiny.toml"]
    return c


def other_cases() -> list[Case]:
    return [
        Case("scenarios", "list", ["scenarios"]),
        Case("scenarios", "show unknown", ["scenarios", "show", "nope"]),
        Case("scenarios", "show NUL", ["scenarios", "show", "a\x00b"]),
        Case("scenarios", "show 300 characters", ["scenarios", "show", "n" * 300]),
        Case("scenarios", "show ../x", ["scenarios", "show", "../pyproject"]),
        Case("scenarios", "copy to a file", ["scenarios", "copy", "baseline", "--to", "afile"], {"afile": "x"}),
        Case("scenarios", "copy under a file", ["scenarios", "copy", "baseline", "--to", "afile/x"], {"afile": "x"}),
        Case("scenarios", "copy unknown", ["scenarios", "copy", "nope", "--to", "d"]),
        Case("scenarios", "copy to NUL", ["scenarios", "copy", "baseline", "--to", "a\x00b"]),
        Case("scenarios", "bogus subcommand", ["scenarios", "bogus"]),
        Case("docs", "list", ["docs"]),
        Case("docs", "unknown", ["docs", "nope"]),
        Case("docs", "NUL", ["docs", "a\x00b"]),
        Case("docs", "path", ["docs", "../../etc/passwd"]),
        Case("dashboard", "--port -1", ["dashboard", "--port", "-1"]),
        Case("dashboard", "--port 10**9", ["dashboard", "--port", str(10**9)]),
        Case("dashboard", "--citizens 0", ["dashboard", "--citizens", "0"]),
        Case("dashboard", "--citizens 10**9", ["dashboard", "--citizens", str(10**9)]),
        Case("dashboard", "--max-citizens 0", ["dashboard", "--max-citizens", "0"]),
        Case("dashboard", "--scenario missing", ["dashboard", "--scenario", "nope.toml"]),
        Case("dashboard", "--scenario invalid", ["dashboard", "--scenario", "s.toml"], {"s.toml": "[wify]\n"}),
        Case("dashboard", "--scenario directory", ["dashboard", "--scenario", "d"], {"d/x": ""}),
        Case("dashboard", "--host bogus", ["dashboard", "--host", "not a host", "--port", "0"]),
        Case("(top)", "unknown subcommand", ["frobnicate"]),
        Case("(top)", "no subcommand", []),
        Case("(top)", "unknown top option", ["--frobnicate"]),
        Case("(top)", "NUL subcommand", ["ru\x00n"]),
        Case("(top)", "a 300-character subcommand", ["x" * 300]),
    ]


def all_cases() -> list[Case]:
    return (scenario_cases() + run_cases() + compare_cases() + experiment_cases("experiment")
            + experiment_cases("sensitivity") + calibrate_cases() + other_cases())


# ---------------------------------------------------------------- running them


def _write(folder: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")


def _exists(path: Path) -> bool:
    try:
        return os.path.lexists(path)
    except (OSError, ValueError):  # a name too long for this file system, or with a NUL byte
        return False


def run_case_safely(case: Case, scratch: Path, index: int, show: bool) -> Outcome:
    """Run one case; a failure of the battery itself is reported as "other", never stops the battery."""
    try:
        result = run_case(case, scratch, index)
    except Exception as exc:  # the battery must finish
        result = Outcome(case, "other", None, f"(battery error: {type(exc).__name__}: {exc})", 0.0)
    if show:
        first = next((ln for ln in result.stderr.splitlines() if ln.strip()), "")
        print(f"  [{result.kind:9}] {case.command}: {case.label}: {first[:160]}", flush=True)
    return result


def run_case(case: Case, scratch: Path, index: int) -> Outcome:
    folder = scratch / f"case{index:04d}"
    folder.mkdir()
    _write(folder, case.files)
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "OMP_NUM_THREADS": "1", "COLUMNS": "120"}
    start = time.perf_counter()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "cosim", *case.argv], cwd=folder, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
    except ValueError as exc:  # the OS cannot pass a NUL byte in an argument: nothing to test
        return Outcome(case, "refused", None, f"error: (not passed to cosim: {exc})", 0.0)
    try:
        _, err = proc.communicate(timeout=case.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        return Outcome(case, "hang", None, "", time.perf_counter() - start)
    seconds = time.perf_counter() - start
    stderr = err.decode("utf-8", "replace")
    rc = proc.returncode
    if "Traceback (most recent call last)" in stderr:
        kind = "traceback"
    elif rc == 2 and "error:" in stderr:
        kind = "refused"
        if case.out and _exists(folder / case.out) and case.out not in case.files:
            kind, stderr = "other", f"refused but left {case.out}/ behind\n" + stderr
    elif rc == 0:
        kind = "accepted"
    else:
        kind = "other"
    shutil.rmtree(folder, ignore_errors=True)
    return Outcome(case, kind, rc, stderr, seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument("--only", help="comma-separated commands to run (e.g. run,check)")
    parser.add_argument("--show", action="store_true", help="print every case's outcome and first stderr line")
    args = parser.parse_args(argv)
    cases = all_cases()
    if args.only:
        wanted = set(args.only.split(","))
        cases = [c for c in cases if c.command in wanted]
    import cosim

    print(f"{len(cases)} cases; cosim from {Path(cosim.__file__).parent}", flush=True)
    with tempfile.TemporaryDirectory(prefix="cosim-hostile-") as tmp:
        scratch = Path(tmp)
        with ThreadPoolExecutor(max(1, args.jobs)) as pool:
            results = list(pool.map(lambda ic: run_case_safely(ic[1], scratch, ic[0], args.show), enumerate(cases)))
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        counts[r.case.command][r.kind] += 1
    print(f"\n{'command':<12}{'tried':>7}" + "".join(f"{k:>11}" for k in OUTCOMES))
    for command, cnt in counts.items():
        print(f"{command:<12}{sum(cnt.values()):>7}" + "".join(f"{cnt[k]:>11}" for k in OUTCOMES))
    total = Counter[str]()
    for cnt in counts.values():
        total.update(cnt)
    print(f"{'total':<12}{sum(total.values()):>7}" + "".join(f"{total[k]:>11}" for k in OUTCOMES))
    for kind in ("traceback", "hang", "other"):
        bad = [r for r in results if r.kind == kind]
        if bad:
            print(f"\n{len(bad)} {kind}(s):")
        for r in bad:
            tail = [ln for ln in r.stderr.strip().splitlines() if ln.strip()][-1:] or ["(no output)"]
            print(f"  {r.case.command}: {r.case.label} (exit {r.rc}): {tail[0][:200]}")
    summary = {cmd: {"tried": sum(cnt.values()), **{k: cnt[k] for k in OUTCOMES}} for cmd, cnt in counts.items()}
    summary["total"] = {"tried": sum(total.values()), **{k: total[k] for k in OUTCOMES}}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
