"""Golden outputs: fingerprints of what cosim computes, to pin behaviour across refactors.

What is pinned (``tests/golden/outputs.json``):

* the time series of every shipped scenario (``scenarios/*.toml``) at two seeds,
  400 citizens, over the scenario's horizon but at least 156 weeks (so every
  scheduled event and lever phase fires);
* the tables of a small ``cosim compare``, ``cosim experiment``,
  ``cosim sensitivity`` and ``cosim calibrate`` run (inputs in ``tests/golden/``).

Each table is fingerprinted by a SHA-256 over its column names, dtypes and raw
bytes (bit for bit), with a per-column sum kept beside it so that a failing
check can say which column moved.  Manifests (wall times, versions) are not
pinned.

Regenerate, after a deliberate model change only, and say why in the commit::

    .venv/bin/python tests/golden_outputs.py --write

``tests/test_golden.py`` recomputes everything and compares.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
STORE = GOLDEN / "outputs.json"
SEEDS = (1, 2)
N_CITIZENS = 400
MIN_WEEKS = 156


# columns that measure the machine, not the model
TIMING_COLUMNS = ("seconds",)


def fingerprint(df: pd.DataFrame) -> dict[str, Any]:
    """SHA-256 of a table's names, dtypes and values, and each numeric column's sum (timings left out)."""
    df = df.drop(columns=[c for c in TIMING_COLUMNS if c in df.columns]).reset_index(drop=True)
    h = hashlib.sha256()
    sums: dict[str, float | str] = {}
    for name in df.columns:
        col = df[name]
        h.update(repr((str(name), str(col.dtype))).encode())
        if pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
            values = np.ascontiguousarray(col.to_numpy())
            h.update(values.tobytes())
            sums[str(name)] = float(np.nansum(values.astype(float)))
        else:
            text = "\x1f".join(map(str, col.tolist()))
            h.update(text.encode())
            sums[str(name)] = hashlib.sha256(text.encode()).hexdigest()[:12]
    return {"sha256": h.hexdigest(), "rows": len(df), "sums": sums}


def scenario_outputs() -> dict[str, Any]:
    from cosim import load_scenario, simulate

    out: dict[str, Any] = {}
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        base = load_scenario(path)
        steps = max(MIN_WEEKS, base.run.steps)
        scenario = load_scenario(path, {"run.n_citizens": N_CITIZENS, "run.steps": steps})
        for seed in SEEDS:
            out[f"scenario/{path.stem}/seed{seed}"] = fingerprint(simulate(scenario, seed=seed))
    return out


def _cli(args: list[str]) -> None:
    from cosim.cli import main

    code = main([*args, "--quiet"])
    if code != 0:
        raise RuntimeError(f"cosim {' '.join(args)} exited {code}")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


def study_outputs() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        _cli(["compare", str(ROOT / "scenarios/baseline.toml"), str(ROOT / "scenarios/open_data.toml"),
              "--replications", "3", "--steps", "60", "--set", f"run.n_citizens={N_CITIZENS}",
              "--workers", "1", "--seed", "5", "--out", str(t / "compare")])
        for name in ("runs.parquet", "summary.csv"):
            out[f"compare/{name}"] = fingerprint(_read(t / "compare" / name))
        _cli(["experiment", str(GOLDEN / "experiment.toml"), "--workers", "1", "--no-figures",
              "--out", str(t / "experiment")])
        for name in ("runs.parquet",):
            out[f"experiment/{name}"] = fingerprint(_read(t / "experiment" / name))
        _cli(["sensitivity", str(GOLDEN / "sensitivity.toml"), "--workers", "1", "--out", str(t / "sensitivity")])
        for name in ("indices.csv",):
            out[f"sensitivity/{name}"] = fingerprint(_read(t / "sensitivity" / "sensitivity" / name))
        _cli(["calibrate", str(GOLDEN / "targets.csv"), "--scenario", str(ROOT / "scenarios/baseline.toml"),
              "--params", str(GOLDEN / "params.toml"), "--workers", "1", "--no-figures",
              "--out", str(t / "calibrate")])
        for name in ("posterior.parquet", "bands.parquet"):
            out[f"calibrate/{name}"] = fingerprint(_read(t / "calibrate" / name))
    return out


def compute() -> dict[str, Any]:
    return {**scenario_outputs(), **study_outputs()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--write", action="store_true", help=f"write {STORE.relative_to(ROOT)} (else compare)")
    args = p.parse_args(argv)
    now = compute()
    if args.write:
        STORE.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        print(f"wrote {len(now)} fingerprints to {STORE.relative_to(ROOT)}")
        return 0
    stored = json.loads(STORE.read_text())
    bad = sorted(k for k in stored.keys() | now.keys() if stored.get(k) != now.get(k))
    for k in bad:
        print(f"differs: {k}")
    print(f"{len(stored) - len(bad)} of {len(stored)} fingerprints identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
