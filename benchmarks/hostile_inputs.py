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
budget = 26
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
    settings = {"method": '"optimize"', "seed": "1", "budget": "26", "replications": "1"}
    settings[key] = value
    return PARAMS.format(extra="").replace('method = "optimize"\nseed = 1\nbudget = 26\nreplications = 1\n',
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
        cmp(f"--workers {w}", *base, "--replications", "2", "--workers", w)
    for s in (str(2**64), "-1", "x"):
        cmp(f"--seed {s}", *base, "--replications", "2", "--workers", "1", "--seed", s)
    for s in ("0", "-1", str(10**9)):
        cmp(f"--steps {s}", *base, "--replications", "2", "--workers", "1", "--steps", s)
    cmp("--out .", "tiny.toml", "tiny2.toml", "--out", ".", "--replications", "2", "--workers", "1", out=None)
    cmp("--out under a file", "tiny.toml", "tiny2.toml", "--out", "afile/o", "--replications", "2",
        "--workers", "1", extra={"afile": "x"}, out="afile/o")
    cmp("--out 300 characters", "tiny.toml", "tiny2.toml", "--out", "o" * 300, "--replications", "2",
        "--workers", "1", out="o" * 300)
    cmp("--out NUL", "tiny.toml", "tiny2.toml", "--out", "a\x00b", "--replications", "2", "--workers", "1", out=None)
    cmp("one bad scenario", "tiny.toml", "bad.toml", "--out", "o", "--replications", "2", "--workers", "1",
        extra={"bad.toml": TINY + "[wifi]\nhotspot = 1\n"})
    cmp("a directory", "tiny.toml", "d", "--out", "o", "--replications", "2", "--workers", "1", extra={"d/x": ""})
    cmp("an empty file", "tiny.toml", "e.toml", "--out", "o", "--replications", "2", "--workers", "1",
        extra={"e.toml": ""})
    cmp("invalid UTF-8", "tiny.toml", "u.toml", "--out", "o", "--replications", "2", "--workers", "1",
        extra={"u.toml": b"\xff\xfe"})
    cmp("300-character scenario name", "tiny.toml", "long.toml", "--out", "o", "--replications", "2",
        "--workers", "1", extra={"long.toml": TINY.replace('"tiny"', '"' + "n" * 300 + '"')}, out=None)
    cmp("same scenario twice", "tiny.toml", "tiny.toml", "--out", "o", "--replications", "2", "--workers", "1",
        out=None)
    for label, text in {"no =": "wifi.hotspots", "bad value": "wifi.hotspots=many", "nan": "wifi.hotspots=nan",
                        "unknown": "wify.hotspots=1"}.items():
        cmp(f"--set {label}", *base, "--replications", "2", "--workers", "1", "--set", text)
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

    cal("valid optimize, 26 runs", "--workers", "1", out=None)
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


# ---------------------------------------------------------------- issue 14: dates, schedules, trends, [idp]

SCHED_HEAD = 'name = "tiny"\n[run]\nn_citizens = 50\nsteps = 3\n'


def _sched(path: str, body: str, head: str = SCHED_HEAD) -> str:
    """The tiny scenario with ``[schedules."path"]`` holding ``body``."""
    return head + f'[schedules."{path}"]\n{body}\n'


LOGISTIC = 'kind = "logistic"\nstart = {start}\nend = {end}\nmidpoint = {mid}\nrate_per_year = {rate}\n'


def _logistic(start: str = "0.1", end: str = "0.5", mid: str = "2022.6", rate: str = "0.5") -> str:
    return LOGISTIC.format(start=start, end=end, mid=mid, rate=rate)


def dated_cases() -> list[Case]:
    """Issue 14's inputs: run.start_date, [schedules], trends, [idp], hotspot parameters, dated targets,
    schedule fields as --set, experiment factors and calibration parameters."""
    c: list[Case] = []

    def chk(label: str, text: str | bytes) -> None:
        c.append(Case("check", f"[14] {label}", ["check", "s.toml"], {"s.toml": text}))

    def run(label: str, text: str, *argv: str, timeout: float = TIMEOUT_S) -> None:
        c.append(Case("run", f"[14] {label}", ["run", "s.toml", "--quiet", "--no-figures", "--out", "o", *argv],
                      {"s.toml": text}, "o", timeout))

    # --- run.start_date
    for label, value in {"2022-02-30 (TOML)": "2022-02-30", '"2022-02-30"': '"2022-02-30"',
                         '"yesterday"': '"yesterday"', "an int": "20220701", "a float": "2022.5",
                         "a datetime": "2022-07-01T00:00:00", "an offset datetime": "2022-07-01T00:00:00Z",
                         "a local time": "12:00:00", "a bool": "true", "an array": "[2022, 7, 1]",
                         '"  2022-07-01  " (spaces)': '"  2022-07-01  "', '"20220701"': '"20220701"',
                         '"2022-W27-1"': '"2022-W27-1"', "year 1": "0001-01-01", "year 1 mid-year": "0001-07-01",
                         "year 2 (burn-in reaches year 1)": "0002-01-01", "year 9999": "9999-12-31",
                         "year 9999 January": "9999-01-01", '""': '""', "a table": "{ y = 2022 }"}.items():
        text = SCHED_HEAD + f"start_date = {value}\n"
        chk(f"run.start_date = {label}", text)
        run(f"run.start_date = {label}", text)
    run("year 9999 with a long run", SCHED_HEAD.replace("steps = 3", "steps = 5200") + "start_date = 9990-01-01\n",
        timeout=120)
    run("year 1 with a long burn-in", SCHED_HEAD + "start_date = 0005-01-01\nburn_in_weeks = 1040\n")
    run("year 1, schedule by date", SCHED_HEAD + "start_date = 0001-01-02\n"
        + '[schedules."wifi.hotspots"]\nkind = "linear"\npoints = [[0001-01-01, 0], [0001-03-01, 5]]\n')
    run("year 9999, logistic with a decimal-year midpoint", SCHED_HEAD + "start_date = 9999-12-01\n"
        + '[schedules."trust.peer_weight"]\n' + _logistic(mid="2300.0"))
    for label, value in {"2022-02-30": "2022-02-30", "yesterday": "yesterday", "an int": "20220701",
                         "a datetime": "2022-07-01T00:00:00", "year 1": "0001-01-01", "year 9999": "9999-12-31",
                         "empty": ""}.items():
        c.append(Case("run", f"[14] --set run.start_date={label}",
                      ["run", "tiny.toml", "--quiet", "--no-figures", "--out", "o", "--set", f"run.start_date={value}"],
                      {"tiny.toml": TINY}, "o"))

    # --- [schedules]: which parameters
    lin = 'kind = "linear"\npoints = [[0, 0.1], [2, 0.3]]\n'
    for label, path in {"unknown path": "wifi.hotspot", "unknown section": "wify.hotspots", "no dot": "hotspots",
                        "three parts": "wifi.hotspots.x", "empty path": "", "a section": "wifi",
                        "a lever's start": "wifi.start", "a lever's stop": "training.stop",
                        "build-only (trust.alpha_plus)": "trust.alpha_plus", "build-only (run.steps)": "run.steps",
                        "build-only (region.n_municipalities)": "region.n_municipalities",
                        "build-only hotspot demand": "infrastructure.hotspot_demand_spread",
                        "run.start_date": "run.start_date", "bool (population.homogeneous)": "population.homogeneous",
                        "Literal (wifi.placement)": "wifi.placement",
                        "Literal (municipality.over_budget)": "municipality.over_budget",
                        "int | None (wifi.stop)": "wifi.stop", "name": "name", "schedules itself": "schedules",
                        "events": "events", "phases": "wifi.phases", "removed participation.idp_rate":
                        "participation.idp_rate", "NUL in the path": "wifi.hot\\u0000spots"}.items():
        chk(f"schedule on {label}", _sched(path, lin))
    for label, text in {"a plain value": 'schedules."wifi.hotspots" = 5\n',
                        "a string": 'schedules."wifi.hotspots" = "linear"\n',
                        "an array": 'schedules."wifi.hotspots" = [[0, 1], [2, 3]]\n',
                        "[schedules] = 3": "schedules = 3\n", "[schedules] = array": "schedules = [1, 2]\n",
                        "[schedules] = string": 'schedules = "x"\n',
                        "array of tables": '[[schedules]]\nkind = "linear"\n',
                        "bare dotted (nested tables)": '[schedules.wifi.hotspots]\nkind = "linear"\npoints = [[0, 1]]\n',
                        "empty [schedules]": "[schedules]\n",
                        "empty schedule table": '[schedules."wifi.hotspots"]\n'}.items():
        chk(f"schedule as {label}", SCHED_HEAD.replace("[run]", text + "[run]") if "[" not in text.split("=")[0]
            else SCHED_HEAD + text)

    # --- [schedules]: the table's own fields
    for label, body in {
        "wrong kind": 'kind = "exponential"\npoints = [[0, 1]]',
        "kind an int": "kind = 3\npoints = [[0, 1]]",
        "kind missing": "points = [[0, 1]]",
        "kind empty": 'kind = ""\npoints = [[0, 1]]',
        "typo key": 'kind = "linear"\npoints = [[0, 1]]\npiont = 3',
        "logistic missing midpoint": 'kind = "logistic"\nstart = 0\nend = 5\nrate_per_year = 1',
        "logistic missing everything": 'kind = "logistic"',
        "logistic with points": _logistic("0", "5") + "points = [[0, 1]]",
        "linear with start/end": 'kind = "linear"\nstart = 0\nend = 5\npoints = [[0, 1]]',
        "step with midpoint": 'kind = "step"\nmidpoint = 2020.0\npoints = [[0, 1]]',
        "points empty": 'kind = "linear"\npoints = []',
        "points missing": 'kind = "step"',
        "points a string": 'kind = "linear"\npoints = "0:1"',
        "points a number": 'kind = "linear"\npoints = 5',
        "points a table": 'kind = "linear"\npoints = { a = 1 }',
        "points flat list": 'kind = "linear"\npoints = [0, 1, 2, 3]',
        "point of three": 'kind = "linear"\npoints = [[0, 1, 2]]',
        "point of one": 'kind = "linear"\npoints = [[0]]',
        "point as table": 'kind = "linear"\npoints = [{ t = 0, v = 1 }]',
        "single point": 'kind = "linear"\npoints = [[0, 3]]',
        "single step point": 'kind = "step"\npoints = [[2020-01-01, 3]]',
        "points unsorted": 'kind = "linear"\npoints = [[2, 1], [0, 3]]',
        "points unsorted (dates)": 'kind = "step"\npoints = [[2023-01-01, 1], [2022-01-01, 3]]',
        "points duplicated": 'kind = "linear"\npoints = [[1, 1], [1, 3]]',
        "points duplicated across kinds (week 0 and start date)": 'kind = "step"\npoints = [[0, 1], [2022-07-01, 3]]',
        "points same day by decimal year and date": 'kind = "linear"\npoints = [[2022.0, 1], [2022-01-01, 3]]',
        "value a string": 'kind = "linear"\npoints = [[0, "five"]]',
        "value a bool": 'kind = "linear"\npoints = [[0, true]]',
        "value a date": 'kind = "linear"\npoints = [[0, 2020-01-01]]',
        "value nan": 'kind = "linear"\npoints = [[0, nan]]',
        "value inf": 'kind = "linear"\npoints = [[0, inf]]',
        "value -inf": 'kind = "step"\npoints = [[0, -inf]]',
        "value huge": 'kind = "linear"\npoints = [[0, 1e308], [1, -1e308]]',
        "value beyond int64": f'kind = "linear"\npoints = [[0, {2**64}]]',
        "value negative": 'kind = "linear"\npoints = [[0, -1]]',
        "value above bound": 'kind = "linear"\npoints = [[0, 5], [2, 1000000]]',
        "value out of bounds only after the run": 'kind = "linear"\npoints = [[0, 5], [100, 5], [200, 100000000]]',
        "fractional int parameter": 'kind = "linear"\npoints = [[0, 2.5], [2, 7.25]]',
        "time a string word": 'kind = "linear"\npoints = [["soon", 1]]',
        "time 2022-02-30 (string)": 'kind = "linear"\npoints = [["2022-02-30", 1]]',
        "time a datetime": 'kind = "linear"\npoints = [[2022-07-01T00:00:00, 1]]',
        "time a local time": 'kind = "linear"\npoints = [[12:00:00, 1]]',
        "time a bool": 'kind = "linear"\npoints = [[true, 1]]',
        "time nan": 'kind = "linear"\npoints = [[nan, 1]]',
        "time inf": 'kind = "linear"\npoints = [[inf, 1]]',
        "time decimal year 1799.9": 'kind = "linear"\npoints = [[1799.9, 1]]',
        "time decimal year 2300.5": 'kind = "linear"\npoints = [[2300.5, 1]]',
        "time week 10**6": 'kind = "linear"\npoints = [[1000000, 1]]',
        "time week -10**6": 'kind = "linear"\npoints = [[-1000000, 1]]',
        "time week beyond int64": f'kind = "linear"\npoints = [[{2**64}, 1]]',
        "time week 100000 (edge)": 'kind = "step"\npoints = [[-100000, 1], [100000, 2]]',
        "time year 1": 'kind = "linear"\npoints = [[0001-01-01, 1], [9999-12-31, 2]]',
        "1,000 points": 'kind = "linear"\npoints = [' + ", ".join(f"[{i}, {i % 50}]" for i in range(1000)) + "]",
        "1,000 step points": 'kind = "step"\npoints = [' + ", ".join(f"[{i - 500}, {i % 7}]" for i in range(1000)) + "]",
        "100,000 points": 'kind = "linear"\npoints = [' + ", ".join(f"[{i - 50000}, 1]" for i in range(100000)) + "]",
        "rate_per_year 0": _logistic("0", "5", rate="0"),
        "rate_per_year negative": _logistic("0", "5", rate="-1"),
        "rate_per_year huge": _logistic("0", "5", rate="1e308"),
        "rate_per_year inf": _logistic("0", "5", rate="inf"),
        "rate_per_year nan": _logistic("0", "5", rate="nan"),
        "rate_per_year tiny": _logistic("0", "5", rate="5e-324"),
        "rate_per_year a string": _logistic("0", "5", rate='"fast"'),
        "start nan": _logistic("nan", "5"),
        "end inf": _logistic("0", "inf"),
        "start huge, end -huge": _logistic("1e308", "-1e308"),
        "start a bool": _logistic("true", "5"),
        "start out of bounds": _logistic("-5", "5"),
        "midpoint far past (1800)": _logistic("0", "5", mid="1800.0"),
        "midpoint far future (2300)": _logistic("0", "5", mid="2300.0"),
        "midpoint 1e9": _logistic("0", "5", mid="1e9"),
        "midpoint week 10**5": _logistic("0", "5", mid="100000"),
        "midpoint week -10**5, steep": _logistic("0", "5", mid="-100000", rate="1e6"),
        "midpoint a date string": _logistic("0", "5", mid='"2022-08-01"'),
        "midpoint a bad date": _logistic("0", "5", mid='"2022-02-30"'),
        "midpoint a word": _logistic("0", "5", mid='"soon"'),
        "midpoint a bool": _logistic("0", "5", mid="true"),
        "midpoint an array": _logistic("0", "5", mid="[2022]"),
        "midpoint nan": _logistic("0", "5", mid="nan"),
        "midpoint year 1 date": _logistic("0", "5", mid="0001-01-01"),
        "midpoint year 9999 date, steep": _logistic("0", "5", mid="9999-12-31", rate="1e3"),
    }.items():
        chk(f"schedules.wifi.hotspots: {label}", _sched("wifi.hotspots", body))
    for label, body in {"share logistic to 1.5": _logistic("0.1", "1.5", mid="2022.6", rate="50"),
                        "share to -0.1": 'kind = "linear"\npoints = [[0, 0.5], [2, -0.1]]',
                        "share outside only in the burn-in": 'kind = "step"\npoints = [[-10, 2.0], [0, 0.5]]'}.items():
        chk(f"schedules.population.smartphone_low: {label}", _sched("population.smartphone_low", body))
        chk(f"schedules.trust.peer_weight: {label}", _sched("trust.peer_weight", body))
    # schedules and the lever's own windows
    chk("schedule and phases setting the same field", _sched(
        "wifi.hotspots", lin, SCHED_HEAD + "[wifi]\nhotspots = 5\nphases = [{ start = 1, hotspots = 9 }]\n"))
    chk("schedule and phases (other fields)", _sched(
        "wifi.hotspots", lin, SCHED_HEAD + "[wifi]\nstart = 1\nphases = [{ start = 2, coverage_m = 100 }]\n"))
    chk("schedule and [wifi] hotspots", _sched("wifi.hotspots", lin, SCHED_HEAD + "[wifi]\nhotspots = 5\n"))
    chk("schedule and [wifi] hotspots = default", _sched("wifi.hotspots", lin, SCHED_HEAD + "[wifi]\nhotspots = 0\n"))
    run("schedule and phases (other fields)", _sched(
        "wifi.hotspots", 'kind = "step"\npoints = [[0, 3], [2, 8]]',
        SCHED_HEAD.replace("steps = 3", "steps = 5")
        + "[wifi]\nstart = 0\nstop = 2\nphases = [{ start = 3, coverage_m = 100 }]\n"))
    run("schedule and overlapping phases", _sched(
        "wifi.hotspots", 'kind = "step"\npoints = [[0, 3], [2, 8]]',
        SCHED_HEAD + "[wifi]\nstart = 1\nstop = 3\nphases = [{ start = 2, coverage_m = 100 }]\n"))
    run("lever schedule over budget", _sched(
        "wifi.hotspots", 'kind = "step"\npoints = [[0, 3], [1, 20000]]', SCHED_HEAD))
    run("int lever fractional values", _sched("wifi.hotspots", 'kind = "linear"\npoints = [[0, 0.5], [2, 7.49]]'))
    run("1,000 points", _sched("trust.peer_weight", 'kind = "linear"\npoints = ['
                               + ", ".join(f"[{i - 500}, {(i % 10) / 20}]" for i in range(1000)) + "]"))
    run("logistic rate 1e308", _sched("trust.peer_weight", _logistic(rate="1e308")))
    run("logistic rate 5e-324", _sched("trust.peer_weight", _logistic(rate="5e-324")))
    run("logistic midpoint 1800", _sched("trust.peer_weight", _logistic(mid="1800.0", rate="100")))
    run("every trended parameter scheduled",
        SCHED_HEAD + "".join(f'[schedules."population.{p}"]\nkind = "linear"\npoints = [[-60, 0.9], [2, 0.05]]\n'
                             for p in ("phone_share", "smartphone_low", "smartphone_mid", "smartphone_high",
                                       "data_low", "data_mid", "data_high", "literacy_low", "literacy_mid",
                                       "literacy_high")))

    # --- trends: edge cases that run
    for label, (head, path, body) in {
        "phone share to 0": (SCHED_HEAD, "population.phone_share", 'kind = "linear"\npoints = [[-52, 0.9], [1, 0]]'),
        "phone share to 5e-324": (SCHED_HEAD, "population.phone_share",
                                  'kind = "linear"\npoints = [[-52, 0.9], [1, 5e-324]]'),
        "smartphones to 1e-300": (SCHED_HEAD, "population.smartphone_low",
                                  'kind = "step"\npoints = [[-30, 1e-300]]'),
        "data shares to 0": (SCHED_HEAD, "population.data_low", 'kind = "step"\npoints = [[-30, 0.0]]'),
        "population to its minimum": (SCHED_HEAD, "municipality.population",
                                      'kind = "linear"\npoints = [[-52, 680000], [2, 1]]'),
        "population to 0": (SCHED_HEAD, "municipality.population", 'kind = "linear"\npoints = [[-52, 680000], [2, 0]]'),
        "population logistic huge rate": (SCHED_HEAD, "municipality.population",
                                          _logistic("1000", "5000000", rate="1e308")),
        "population 1e7 fractional": (SCHED_HEAD, "municipality.population",
                                      'kind = "linear"\npoints = [[0, 1000.5], [2, 1001.4]]'),
        "literacy with homogeneous=true": (SCHED_HEAD + "[population]\nhomogeneous = true\n",
                                           "population.literacy_low", 'kind = "linear"\npoints = [[-52, 0.1], [2, 0.9]]'),
        "smartphones with homogeneous=true": (SCHED_HEAD + "[population]\nhomogeneous = true\n",
                                              "population.smartphone_low", 'kind = "linear"\npoints = [[-52, 0.1], [2, 0.9]]'),
        "phone share with homogeneous=true": (SCHED_HEAD + "[population]\nhomogeneous = true\n",
                                              "population.phone_share", 'kind = "linear"\npoints = [[-52, 0.5], [2, 0.9]]'),
        "literacy trend, 3 municipalities": (SCHED_HEAD.replace("50", "60") + "[region]\nn_municipalities = 3\n",
                                             "population.literacy_mid", 'kind = "linear"\npoints = [[-52, 0.1], [2, 0.9]]'),
        "population trend, 3 municipalities": (SCHED_HEAD.replace("50", "60") + "[region]\nn_municipalities = 3\n",
                                               "municipality.population", 'kind = "linear"\npoints = [[-52, 1000], [2, 9000]]'),
        "devices trend, 2 municipalities": (SCHED_HEAD + "[region]\nn_municipalities = 2\n",
                                            "population.smartphone_high", _logistic("0.1", "0.9", rate="20")),
        "cohort turnover 0 with literacy": (SCHED_HEAD + "[population]\ncohort_turnover_annual = 0\n",
                                            "population.literacy_low", 'kind = "linear"\npoints = [[-52, 0.1], [2, 0.9]]'),
        "cohort turnover max with literacy": (SCHED_HEAD + "[population]\ncohort_turnover_annual = 1.0\n",
                                              "population.literacy_low", 'kind = "linear"\npoints = [[-52, 0.1], [2, 0.9]]'),
        "no burn-in, trends": (SCHED_HEAD + "burn_in_weeks = 0\n", "population.smartphone_low",
                               'kind = "linear"\npoints = [[0, 0.1], [2, 0.9]]'),
        "no income groups (shares 0)": (SCHED_HEAD + "[population]\nshare_low_income = 0\nshare_high_income = 0\n",
                                        "population.smartphone_low", 'kind = "linear"\npoints = [[-52, 0.1], [2, 0.9]]'),
    }.items():
        run(f"trend: {label}", _sched(path, body, head))
    for label, value in {"nan": "nan", "-1": "-1", "2": "2", "inf": "inf", "string": '"x"'}.items():
        chk(f"population.cohort_turnover_annual = {label}", SCHED_HEAD + f"[population]\ncohort_turnover_annual = {value}\n")

    # --- [idp], hotspot parameters
    for key in ("comment_rate", "paper_cost", "count_exponent", "reach_exponent", "max_comments", "attend_rate",
                "meetings_per_window", "speak_share", "attendance_weight"):
        for label, value in {"nan": "nan", "-1": "-1", "huge": "1e308", "string": '"x"', "fraction": "1.5",
                             "bool": "true"}.items():
            chk(f"idp.{key} = {label}", SCHED_HEAD + f"[idp]\n{key} = {value}\n")
    chk("idp = 3 (a value, not a table)", SCHED_HEAD.replace("[run]", "idp = 3\n[run]"))
    for label, text in {"idp typo key": "[idp]\ncomment_rat = 0.1\n",
                        "participation.idp_rate (removed)": "[participation]\nidp_rate = 0.1\n",
                        "participation.idp_rate = 0": "[participation]\nidp_rate = 0\n",
                        "idp.idp_rate": "[idp]\nidp_rate = 0.1\n"}.items():
        chk(label, SCHED_HEAD + text)
    c.append(Case("run", "[14] --set participation.idp_rate=0.1",
                  ["run", "tiny.toml", "--quiet", "--no-figures", "--out", "o", "--set", "participation.idp_rate=0.1"],
                  {"tiny.toml": TINY}, "o"))
    for key in ("hotspot_signage", "hotspot_word_of_mouth", "hotspot_use_base", "hotspot_habit_gain",
                "hotspot_habit_decay", "hotspot_youth_use", "hotspot_youth_demand", "hotspot_demand_spread",
                "hotspot_max_days", "hotspot_capex", "hotspot_opex", "hotspot_max"):
        for label, value in {"nan": "nan", "-1": "-1", "0": "0", "inf": "inf", "huge": "1e308"}.items():
            chk(f"infrastructure.{key} = {label}", SCHED_HEAD + f"[infrastructure]\n{key} = {value}\n")
    hot = SCHED_HEAD + "[wifi]\nhotspots = 10\n[infrastructure]\n"
    for label, extra in {
        "extremes high": "hotspot_signage = 1\nhotspot_word_of_mouth = 5\nhotspot_use_base = 1\nhotspot_habit_gain = 1\n"
                         "hotspot_habit_decay = 0\nhotspot_youth_use = 5\nhotspot_youth_demand = 5\n"
                         "hotspot_demand_spread = 3\nhotspot_max_days = 7\n",
        "extremes low": "hotspot_signage = 0\nhotspot_word_of_mouth = 0\nhotspot_use_base = 0\nhotspot_habit_gain = 0\n"
                        "hotspot_habit_decay = 1\nhotspot_youth_use = 1\nhotspot_youth_demand = 1\n"
                        "hotspot_demand_spread = 0\nhotspot_max_days = 1\n",
        "spread 0": "hotspot_demand_spread = 0\n",
    }.items():
        run(f"hotspots: {label}", hot + extra)
    run("hotspot schedule (signage)", _sched("infrastructure.hotspot_signage", 'kind = "linear"\npoints = [[0, 0], [2, 1]]',
                                             SCHED_HEAD + "[wifi]\nhotspots = 10\n"))
    run("idp window every week", SCHED_HEAD.replace("steps = 3", "steps = 60")
        + "[municipality]\nidp_window_weeks = 26\nidp_window_start = 51\n[idp]\ncomment_rate = 1\nattend_rate = 1\n"
        "count_exponent = 1.1\nmax_comments = 1000\n")
    run("idp window scheduled", _sched("municipality.idp_window_start", 'kind = "step"\npoints = [[0, 0], [1, 51]]'))

    # --- --set of schedule fields
    base = _sched("wifi.hotspots", _logistic("0", "10"))
    for label, text in {
        "midpoint decimal year": "schedules.wifi.hotspots.midpoint=2022.8",
        "midpoint a date": "schedules.wifi.hotspots.midpoint=2022-08-01",
        "midpoint 2022-02-30": "schedules.wifi.hotspots.midpoint=2022-02-30",
        "midpoint yesterday": "schedules.wifi.hotspots.midpoint=yesterday",
        "midpoint 1e9": "schedules.wifi.hotspots.midpoint=1e9",
        "midpoint nan": "schedules.wifi.hotspots.midpoint=nan",
        "midpoint empty": "schedules.wifi.hotspots.midpoint=",
        "field typo": "schedules.wifi.hotspots.midpiont=2022.0",
        "kind bogus": "schedules.wifi.hotspots.kind=bogus",
        "kind linear (fields left)": "schedules.wifi.hotspots.kind=linear",
        "rate 0": "schedules.wifi.hotspots.rate_per_year=0",
        "rate -1": "schedules.wifi.hotspots.rate_per_year=-1",
        "end huge": "schedules.wifi.hotspots.end=1e308",
        "points": "schedules.wifi.hotspots.points=[[0,1]]",
        "points bad": "schedules.wifi.hotspots.points=[[0,1],[",
        "a new schedule, partial": "schedules.trust.peer_weight.start=0.1",
        "a new schedule, unknown": "schedules.trust.peer_wait.start=0.1",
        "schedules = 1": "schedules=1",
        "schedules.x = 1 (3 parts)": "schedules.wifi.hotspots=1",
        "schedules.x.y (short)": "schedules.wifi=1",
        "5-part path": "schedules.a.b.c.d=1",
        "on build-only": "schedules.trust.alpha_plus.start=0.1",
        "empty middle": "schedules..hotspots.start=1",
    }.items():
        c.append(Case("run", f"[14] --set {label}", ["run", "s.toml", "--quiet", "--no-figures", "--out", "o",
                                                       "--set", text], {"s.toml": base}, "o"))
    c.append(Case("compare", "[14] dated scenarios with --set of a schedule field",
                  ["compare", "a.toml", "b.toml", "--out", "o", "--quiet", "--replications", "2", "--workers", "1",
                   "--set", "schedules.wifi.hotspots.midpoint=2022.7"],
                  {"a.toml": base, "b.toml": base.replace('"tiny"', '"tiny2"')}, None))
    c.append(Case("compare", "[14] --set of a schedule one scenario lacks",
                  ["compare", "a.toml", "tiny.toml", "--out", "o", "--quiet", "--replications", "2", "--workers", "1",
                   "--set", "schedules.wifi.hotspots.midpoint=2022.7"], {"a.toml": base, "tiny.toml": TINY}, "o"))
    c.append(Case("compare", "[14] different start dates",
                  ["compare", "a.toml", "b.toml", "--out", "o", "--quiet", "--replications", "1", "--workers", "1"],
                  {"a.toml": SCHED_HEAD + "start_date = 2010-01-01\n",
                   "b.toml": SCHED_HEAD.replace('"tiny"', '"b"') + "start_date = 9999-01-01\n"}, None))

    c.append(Case("compare", "[14] two valid start dates (2010, 2022)",
                  ["compare", "a.toml", "b.toml", "--out", "o", "--quiet", "--replications", "2", "--workers", "1"],
                  {"a.toml": SCHED_HEAD + "start_date = 2010-01-01\n",
                   "b.toml": SCHED_HEAD.replace('"tiny"', '"b"') + "start_date = 2022-07-01\n"}, None))
    c.append(Case("compare", "[14] --steps taking a late start past 2261",
                  ["compare", "a.toml", "b.toml", "--out", "o", "--quiet", "--replications", "2", "--workers", "1",
                   "--steps", "5200"],
                  {"a.toml": SCHED_HEAD + "start_date = 2200-01-01\n", "b.toml": TINY.replace('"tiny"', '"b"')}, "o"))
    c.append(Case("run", "[14] --steps taking a late start past 2261",
                  ["run", "s.toml", "--quiet", "--no-figures", "--out", "o", "--steps", "5200"],
                  {"s.toml": SCHED_HEAD + "start_date = 2200-01-01\n"}, "o"))

    # --- experiment factors on schedule fields
    exp_head = '[experiment]\nname = "e"\nbase = "s.toml"\ndesign = "grid"\nreplications = 1\n[[factors]]\n'
    for label, factor in {
        "midpoint levels": 'path = "schedules.wifi.hotspots.midpoint"\nvalues = [2022.6, 2022.7]',
        "midpoint range": 'path = "schedules.wifi.hotspots.midpoint"\nmin = 2022.0\nmax = 2023.0\nsteps = 2',
        "midpoint reversed": 'path = "schedules.wifi.hotspots.midpoint"\nmin = 2023.0\nmax = 2022.0\nsteps = 2',
        "midpoint out of 1800-2300": 'path = "schedules.wifi.hotspots.midpoint"\nvalues = [1700.0, 2022.0]',
        "midpoint 1e9": 'path = "schedules.wifi.hotspots.midpoint"\nvalues = [1e9]',
        "midpoint nan": 'path = "schedules.wifi.hotspots.midpoint"\nvalues = [nan]',
        "midpoint as dates": 'path = "schedules.wifi.hotspots.midpoint"\nvalues = [2022-08-01, 2022-09-01]',
        "midpoint as words": 'path = "schedules.wifi.hotspots.midpoint"\nvalues = ["soon", "later"]',
        "rate 0": 'path = "schedules.wifi.hotspots.rate_per_year"\nvalues = [0, 1]',
        "end out of bounds": 'path = "schedules.wifi.hotspots.end"\nvalues = [1e9]',
        "unknown field": 'path = "schedules.wifi.hotspots.midpiont"\nvalues = [2022.0]',
        "kind": 'path = "schedules.wifi.hotspots.kind"\nvalues = ["linear", "step"]',
        "points": 'path = "schedules.wifi.hotspots.points"\nvalues = [1, 2]',
        "not scheduled in the base": 'path = "schedules.trust.peer_weight.midpoint"\nvalues = [2022.0, 2023.0]',
        "build-only parameter": 'path = "schedules.trust.alpha_plus.midpoint"\nvalues = [2022.0, 2023.0]',
        "unknown parameter": 'path = "schedules.wifi.hotspot.midpoint"\nvalues = [2022.0, 2023.0]',
        "3-part path": 'path = "schedules.wifi.midpoint"\nvalues = [2022.0, 2023.0]',
        "start_date as a factor": 'path = "run.start_date"\nvalues = [2020-01-01, 2021-01-01]',
        "start_date as strings": 'path = "run.start_date"\nvalues = ["2020-01-01", "2021-01-01"]',
    }.items():
        c.append(Case("experiment", f"[14] factor: {label}", ["experiment", "e.toml", "--out", "o", "--quiet",
                                                               "--workers", "1"],
                      {"s.toml": base, "e.toml": exp_head + factor + '\n[experiment.constants]\n"run.steps" = 2\n'},
                      None if label in ("midpoint levels", "midpoint range") else "o"))
    c.append(Case("experiment", "[14] factors start_date x steps, one point past 2261 (fails as a point)",
                  ["experiment", "e.toml", "--out", "o", "--quiet", "--workers", "1"],
                  {"s.toml": TINY, "e.toml": exp_head.replace("[[factors]]\n", "")
                   + '[[factors]]\npath = "run.start_date"\nvalues = ["2200-01-01", "2022-01-01"]\n'
                   '[[factors]]\npath = "run.steps"\nvalues = [3, 4000]\n'}, None, 120))
    lin_base = _sched("wifi.hotspots", 'kind = "linear"\npoints = [[0, 1], [2, 5]]')
    c.append(Case("experiment", "[14] factor: midpoint of a linear schedule",
                  ["experiment", "e.toml", "--out", "o", "--quiet", "--workers", "1"],
                  {"s.toml": lin_base, "e.toml": exp_head + 'path = "schedules.wifi.hotspots.midpoint"\n'
                   'values = [2022.0, 2023.0]\n'}, "o"))
    c.append(Case("experiment", "[14] constant: schedule midpoint",
                  ["experiment", "e.toml", "--out", "o", "--quiet", "--workers", "1"],
                  {"s.toml": base, "e.toml": exp_head + 'path = "wifi.coverage_m"\nvalues = [100, 200]\n'
                   '[experiment.constants]\n"schedules.wifi.hotspots.midpoint" = 1e9\n'}, "o"))

    # --- calibration: parameters on schedule fields, dated targets
    cal_scen = _sched("trust.peer_weight", _logistic("0.1", "0.5"))

    def cal(label: str, params_extra: str = "", targets: str = TARGETS, scen: str = cal_scen,
            out: str | None = "o", params: str | None = None) -> None:
        text = params if params is not None else PARAMS.format(extra="") + params_extra
        c.append(Case("calibrate", f"[14] {label}", ["calibrate", "t.csv", "--scenario", "s.toml", "--params",
                                                     "p.toml", "--out", "o", "--quiet", "--no-figures", "--workers", "1"],
                      {"s.toml": scen, "t.csv": targets, "p.toml": text}, out))

    cal("valid: a schedule midpoint", '"schedules.trust.peer_weight.midpoint" = [2022.0, 2023.0]\n', out=None,
        params=PARAMS.format(extra="").replace("budget = 26", "budget = 42")
        + '"schedules.trust.peer_weight.midpoint" = [2022.0, 2023.0]\n')
    for label, rng in {"midpoint range reversed": "[2023.0, 2022.0]", "midpoint below 1800": "[1700.0, 2022.0]",
                       "midpoint above 2300": "[2022.0, 2400.0]", "midpoint nan": "[nan, 2022.0]",
                       "midpoint equal bounds": "[2022.0, 2022.0]", "midpoint as dates": "[2022-01-01, 2023-01-01]",
                       "midpoint as strings": '["2022-01-01", "2023-01-01"]', "midpoint one number": "2022.0"}.items():
        cal(label, f'"schedules.trust.peer_weight.midpoint" = {rng}\n')
    for label, line in {
        "rate_per_year from 0": '"schedules.trust.peer_weight.rate_per_year" = [0, 1]\n',
        "rate_per_year negative": '"schedules.trust.peer_weight.rate_per_year" = [-1, 1]\n',
        "rate_per_year huge": '"schedules.trust.peer_weight.rate_per_year" = [1, 1e308]\n',
        "start out of the parameter's bounds": '"schedules.trust.peer_weight.start" = [-1, 2]\n',
        "a non-scheduled parameter": '"schedules.trust.quality_weight.midpoint" = [2022.0, 2023.0]\n',
        "a build-only parameter": '"schedules.trust.alpha_plus.midpoint" = [2022.0, 2023.0]\n',
        "an unknown field": '"schedules.trust.peer_weight.midpiont" = [2022.0, 2023.0]\n',
        "the kind": '"schedules.trust.peer_weight.kind" = [0, 1]\n',
        "run.start_date": '"run.start_date" = [2020.0, 2021.0]\n',
    }.items():
        cal(label, line)
    cal("midpoint of a linear schedule", '"schedules.trust.peer_weight.midpoint" = [2022.0, 2023.0]\n',
        scen=_sched("trust.peer_weight", 'kind = "linear"\npoints = [[0, 0.1], [2, 0.3]]'))
    cal("constant on a schedule field", params=PARAMS.format(extra="").replace(
        '"run.steps" = 3\n', '"run.steps" = 3\n"schedules.trust.peer_weight.midpoint" = 1e9\n'))
    cal("constant: run.start_date a word", params=PARAMS.format(extra="").replace(
        '"run.steps" = 3\n', '"run.steps" = 3\n"run.start_date" = "yesterday"\n'))
    dated = SCHED_HEAD + "start_date = 2022-07-01\n"
    hdr = "metric,date,value,sd\n"
    for label, targets in {
        "valid date column": hdr + "share_trusting,2022-07-15,0.30,0.04\n",
        "date and step agree": "metric,step,date,value,sd\nshare_trusting,2,2022-07-15,0.30,0.04\n",
        "date and step disagree": "metric,step,date,value,sd\nshare_trusting,1,2022-07-15,0.30,0.04\n",
        "date empty, step given": "metric,step,date,value,sd\nshare_trusting,2,,0.30,0.04\n",
        "date empty, no step column": hdr + "share_trusting,,0.30,0.04\n",
        "both empty": "metric,step,date,value,sd\nshare_trusting,,,0.30,0.04\n",
        "date format 15/07/2022": hdr + "share_trusting,15/07/2022,0.30,0.04\n",
        "date 2022-02-30": hdr + "share_trusting,2022-02-30,0.30,0.04\n",
        "date with a time": hdr + "share_trusting,2022-07-15T00:00:00,0.30,0.04\n",
        "date compact 20220715": hdr + "share_trusting,20220715,0.30,0.04\n",
        "date before the start": hdr + "share_trusting,2022-06-01,0.30,0.04\n",
        "date in year 1": hdr + "share_trusting,0001-01-01,0.30,0.04\n",
        "date beyond the horizon": hdr + "share_trusting,2030-01-01,0.30,0.04\n",
        "date 9999-12-31": hdr + "share_trusting,9999-12-31,0.30,0.04\n",
        "date the start itself": hdr + "share_trusting,2022-07-01,0.30,0.04\n",
        "date with spaces": hdr + "share_trusting, 2022-07-15 ,0.30,0.04\n",
        "date a word": hdr + "share_trusting,yesterday,0.30,0.04\n",
        "duplicated rows": hdr + "share_trusting,2022-07-15,0.30,0.04\nshare_trusting,2022-07-15,0.30,0.04\n",
        "same week by two dates": hdr + "share_trusting,2022-07-15,0.30,0.04\nshare_trusting,2022-07-16,0.31,0.04\n",
        "same week by step and date": "metric,step,date,value,sd\nshare_trusting,2,,0.30,0.04\n"
                                      "share_trusting,,2022-07-15,0.30,0.04\n",
        "two date columns": "metric,date,date,value,sd\nshare_trusting,2022-07-15,2022-07-15,0.30,0.04\n",
        "date NUL": hdr + "share_trusting,2022-07-15\x00,0.30,0.04\n",
        "date 300 characters": hdr + "share_trusting," + "2" * 300 + ",0.30,0.04\n",
    }.items():
        cal(f"targets: {label}", targets=targets, scen=dated,
            out=None if label in ("valid date column", "date and step agree", "date the start itself") else "o")
    cal("targets: date against a start_date --set by constants", targets=hdr + "share_trusting,2010-01-15,0.30,0.04\n",
        scen=dated, params=PARAMS.format(extra="").replace('"run.steps" = 3\n',
                                                           '"run.steps" = 3\n"run.start_date" = 2010-01-01\n'),
        out=None)
    cal("targets: date with a start_date in year 9999", targets=hdr + "share_trusting,9999-12-31,0.30,0.04\n",
        scen=SCHED_HEAD + "start_date = 9999-12-20\n")
    return c


def all_cases() -> list[Case]:
    return (scenario_cases() + run_cases() + compare_cases() + experiment_cases("experiment")
            + experiment_cases("sensitivity") + calibrate_cases() + other_cases() + dated_cases())


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
    # PYTHONPATH=. names the checkout the battery was started in, not each case's folder
    if env.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in env["PYTHONPATH"].split(os.pathsep) if p)
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
    parser.add_argument("--only-issue14", action="store_true",
                        help="only the cases of issue 14's inputs (dates, schedules, trends, [idp], dated targets)")
    parser.add_argument("--show", action="store_true", help="print every case's outcome and first stderr line")
    args = parser.parse_args(argv)
    cases = all_cases()
    if args.only_issue14:
        cases = dated_cases()
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
