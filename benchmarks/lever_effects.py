"""Paired effect of each policy lever on key outcomes, against the baseline, with common random numbers.

Every arm is the bundled ``baseline`` scenario plus the overrides in ``ARMS``.
Replication k of every arm runs with seed ``cosim.run_seed(root_seed, k)``, so a
difference is the lever, not the luck of the draw.  From each run's region time
series (``model.timeseries()``, rows with ``municipality == "region"``) the
script takes the outcomes in ``OUTCOMES`` (the final week, or the mean of the
last 52 weeks), and reports for each arm the mean paired difference from the
baseline +- the half-width of a 95% Student t interval.  An outcome a model
version does not record is shown as "n/a", so the same script compares versions.

Run from the repository root::

    PYTHONPATH=. .venv/bin/python benchmarks/lever_effects.py \\
        --replications 30 --citizens 10000 --workers 2 --out results/lever_effects.md

It prints the markdown table, writes it to ``--out`` and the raw numbers
(means, half-widths, n, every run's values) to the same name with ``.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import subprocess
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
from scipy import stats

import cosim

N_OFFICIALS = cosim.Scenario().officials.n_officials  # the schema default (80 in cosim 0.1)

#: arm name -> overrides on top of the baseline scenario (``section__key``)
ARMS: dict[str, dict[str, object]] = {
    "baseline": {},  # the reference: the bundled baseline, no new policy
    # talent incentives: a 30% salary premium and R2 m a year of officials' training
    "talent": {"talent__salary_premium": 0.3, "talent__training_rand": 2_000_000},
    "officials_x2": {"officials__n_officials": 2 * N_OFFICIALS},  # twice the default number of officials
    "officials_half": {"officials__n_officials": N_OFFICIALS // 2},  # half the default number of officials
    # digital-literacy training: 2,000 seats a week, for the least literate first
    "literacy": {"training__seats_per_week": 2000, "training__targeting": "low_literacy"},
    "wifi": {"wifi__hotspots": 200, "wifi__placement": "equity"},  # 200 free Wi-Fi hotspots, equity-first
    # fully open data, updated every quarter
    "open_data": {"open_data__level": 1.0, "open_data__update_interval_weeks": 13},
    # R10 m a year of information security and the strongest legal framework
    "security": {"security__investment_rand": 10_000_000, "security__legal_strength": 1.0},
    "campaign": {"campaign__reach_per_week": 0.02},  # an awareness campaign reaching 2% of residents a week
    "empower": {"channels__iap2_level": "empower"},  # the municipality offers the IAP2 "empower" level
    "no_meetings": {"channels__ward_meetings": False},  # ward committee meetings stopped
}

#: (region column, how a run is summarised: "final" week or mean of the last 52 weeks ("year"),
#:  kind: "share" shown in % / percentage points, "weekly" the same with 3 decimals, "index" 4 decimals,
#:  "num" 2 decimals)
OUTCOMES: list[tuple[str, str, str]] = [
    ("service_quality", "final", "index"), ("service_quality", "year", "index"),
    ("mean_trust", "final", "index"), ("mean_trust", "year", "index"),
    ("share_trusting", "final", "share"), ("share_online", "year", "share"),
    ("share_adopted", "final", "share"), ("share_participated_year", "final", "share"),
    ("share_participated_year_low", "final", "share"), ("e_participation_rate_low", "year", "weekly"),
    ("mean_literacy_low", "final", "index"), ("median_response_weeks", "year", "num"),
    ("backlog_per_1000", "final", "num"), ("share_dropped", "final", "share"),
    ("mean_trust_year", "final", "index"),
]
KEYS = [f"{col}:{agg}" for col, agg, _ in OUTCOMES]
KIND = dict(zip(KEYS, (kind for *_, kind in OUTCOMES), strict=True))


def run_one(arm: str, k: int, root: int, citizens: int, steps: int) -> tuple[str, int, dict[str, float]]:
    """One run of ``arm`` with the seed of replication ``k``: its outcomes (NaN where a column is missing)."""
    model = cosim.CoProductionModel("baseline", rng=cosim.run_seed(root, k), run__n_citizens=citizens,
                                    run__steps=steps, **ARMS[arm])
    model.run(steps)
    ts = model.timeseries()
    region = ts[ts["municipality"] == "region"].sort_values("step")
    values = {}
    for col, agg, _ in OUTCOMES:
        if col not in region.columns:
            values[f"{col}:{agg}"] = math.nan
            continue
        series = region[col].to_numpy(dtype=float)
        values[f"{col}:{agg}"] = float(series[-1] if agg == "final" else np.nanmean(series[-52:]))
    return arm, k, values


def summary(xs: list[float]) -> dict[str, float]:
    """Mean, 95% t half-width and n of the finite values."""
    a = np.asarray([x for x in xs if math.isfinite(x)], dtype=float)
    n = len(a)
    mean = float(a.mean()) if n else math.nan
    half = float(stats.t.ppf(0.975, n - 1) * a.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    return {"mean": mean, "half_width": half, "n": n}


def fmt(key: str, s: dict[str, float], diff: bool) -> str:
    if not math.isfinite(s["mean"]):
        return "n/a"
    kind = KIND[key]
    scale, digits, unit = {"share": (100, 2, " pp" if diff else "%"), "weekly": (100, 3, " pp" if diff else "%"),
                            "index": (1, 4, ""), "num": (1, 2, "")}[kind]
    sign = "+" if diff else ""
    text = f"{s['mean'] * scale:{sign}.{digits}f}"
    if diff and math.isfinite(s["half_width"]):
        text += f" ± {s['half_width'] * scale:.{digits}f}"
    return text + unit


def _null_nan(x: object) -> object:
    """``x`` with every NaN replaced by None (strict JSON has no NaN)."""
    if isinstance(x, dict):
        return {k: _null_nan(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_null_nan(v) for v in x]
    return None if isinstance(x, float) and math.isnan(x) else x


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--replications", type=int, default=30)
    p.add_argument("--citizens", type=int, default=10_000)
    p.add_argument("--steps", type=int, default=260)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--root-seed", type=int, default=20261206)
    p.add_argument("--out", type=Path, default=Path("results/lever_effects.md"))
    args = p.parse_args()

    runs: dict[str, dict[int, dict[str, float]]] = defaultdict(dict)
    errors: dict[str, str] = {}
    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers, mp_context=mp.get_context("spawn")) as pool:
        futures = {pool.submit(run_one, arm, k, args.root_seed, args.citizens, args.steps): (arm, k)
                   for arm in ARMS for k in range(args.replications)}
        done: dict[str, int] = defaultdict(int)
        for fut in as_completed(futures):
            arm, k = futures[fut]
            try:
                runs[arm][k] = fut.result()[2]
            except Exception as exc:  # a lever the model version does not know: report it, keep going
                errors.setdefault(arm, f"{type(exc).__name__}: {exc}".splitlines()[0][:200])
            done[arm] += 1
            if done[arm] == args.replications:
                print(f"[{time.perf_counter() - start:7.1f} s] {arm}: {len(runs[arm])}/{args.replications} runs ok"
                      + (f" ({errors[arm]})" if arm in errors else ""), flush=True)
    wall = time.perf_counter() - start

    base = runs["baseline"]
    levels = {key: summary([v[key] for v in base.values()]) for key in KEYS}
    effects = {arm: {key: summary([runs[arm][k][key] - base[k][key] for k in runs[arm] if k in base])
                     for key in KEYS} for arm in ARMS if arm != "baseline"}

    header = [f"{col} ({'final' if agg == 'final' else 'last 52 wk'})" for col, agg, _ in OUTCOMES]
    lines = ["| arm | " + " | ".join(header) + " |", "|---" * (len(header) + 1) + "|",
             "| baseline (level) | " + " | ".join(fmt(k, levels[k], False) for k in KEYS) + " |"]
    lines += [f"| {arm} | " + " | ".join(fmt(k, effects[arm][k], True) for k in KEYS) + " |" for arm in effects]
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=Path(cosim.__file__).parent, check=False).stdout.strip()
    except OSError:
        commit = ""
    note = (f"cosim {cosim.__version__} ({commit or 'unknown commit'}); baseline scenario; "
            f"{args.replications} replications x {len(ARMS)} arms, {args.citizens} citizens, {args.steps} weeks, "
            f"root seed {args.root_seed} (common random numbers); {wall:.0f} s wall with {args.workers} workers. "
            "Cells: mean paired difference from the baseline ± 95% t half-width; shares in percentage points.")
    table = "\n".join([*lines, "", note, *(f"\n**{arm} failed**: {msg}" for arm, msg in errors.items())]) + "\n"
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table)
    raw = {"meta": {**vars(args), "version": cosim.__version__, "commit": commit,
                    "wall_s": wall, "arms": ARMS, "outcomes": OUTCOMES, "errors": errors},
           "baseline_level": levels, "effects": effects,
           "runs": {arm: {str(k): runs[arm][k] for k in sorted(runs[arm])} for arm in ARMS}}
    args.out.with_suffix(".json").write_text(json.dumps(_null_nan(raw), indent=1, default=str))
    print(f"wrote {args.out} and {args.out.with_suffix('.json')}")


if __name__ == "__main__":
    main()
