"""Performance benchmark of the cosim engine (issue 6).

Run from the repository root::

    .venv/bin/python benchmarks/bench.py            # full set, a few minutes
    .venv/bin/python benchmarks/bench.py --quick    # under a minute, no 1M-citizen figures

It prints a table of measured figures and, as its last line, one JSON object
with the keys ``ratio_reference_10k``, ``citizen_steps_per_s_100k``,
``build_s_100k``, ``citizen_steps_per_s_1m``, ``peak_rss_mb_1m``,
``runs_per_s_2k``, ``kernel_ratio_100k`` and ``collect_share_100k`` (plus a few
supporting figures).  Every model runs ``scenarios/all_levers.toml`` (every
lever on, two linked municipalities, a breach, an outage and a scandal) with
seed 1, on one core.

How each figure is measured:

- ``ratio_reference_10k``: the per-citizen reference (``cosim.reference``) and the
  engine each run the same first weeks of the same 10,000-citizen model with
  data collection on; ratio of the mean wall time per step.  The reference is
  timed on fewer weeks (``--ref-steps``, default 4 quick / 8 full) because it
  takes seconds per week; the engine runs the same weeks, repeated, best of the
  repeats.
- ``citizen_steps_per_s_100k``: 100,000 citizens x weeks / wall time of
  ``model.run(weeks)`` (data collection on, build excluded), best of 2 runs.
- ``build_s_100k``: wall time of ``CoProductionModel(...)`` at 100,000 citizens
  (network, officials, nodes and all Mesa agents included), best of 2.
- ``collect_share_100k``: time spent recording metrics (``model._record``) as
  a share of the whole run in the throughput measurement above.
- ``kernel_ratio_100k``: engine time per week / time of one bare sparse
  network-averaging product ``W @ x`` (SciPy CSR, float64) on the same model's
  network.
- ``runs_per_s_2k``: full 260-week runs per second of ``cosim.simulate`` at
  2,000 citizens (build, run, DataCollector and the pandas table included).
- ``citizen_steps_per_s_1m``, ``peak_rss_mb_1m``: a fresh subprocess builds a
  1,000,000-citizen model and runs 52 weeks; its peak resident memory (the
  kernel's ``ru_maxrss`` of the child) and its throughput (build excluded).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "all_levers.toml"


def _scenario(n: int, steps: int | None = None):
    from cosim import load_scenario

    overrides: dict = {"run.n_citizens": n}
    if steps is not None:
        overrides["run.steps"] = steps
    return load_scenario(SCENARIO, overrides)


def _load() -> float:
    return os.getloadavg()[0]


def bench_reference(n: int, ref_steps: int, repeats: int) -> dict:
    """Reference vs engine on the same first ``ref_steps`` weeks."""
    from cosim import CoProductionModel

    try:
        from cosim.reference import ReferenceModel
    except ImportError:
        return {"ratio_reference_10k": None}
    s = _scenario(n)
    engine = []
    for _ in range(repeats):
        m = CoProductionModel(s, rng=1)
        t0 = time.perf_counter()
        m.run(ref_steps)
        engine.append((time.perf_counter() - t0) / ref_steps)
        del m
    t0 = time.perf_counter()
    r = ReferenceModel(s, rng=1)
    ref_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    r.run(ref_steps)
    ref = (time.perf_counter() - t0) / ref_steps
    del r
    gc.collect()
    e = min(engine)
    return {"engine_ms_per_step_10k": e * 1e3, "reference_ms_per_step_10k": ref * 1e3,
            "reference_build_s_10k": ref_build, "ratio_reference_10k": ref / e, "reference_weeks_timed": ref_steps}


def bench_100k(n: int, steps: int, repeats: int) -> dict:
    from cosim import Citizen, CoProductionModel

    s = _scenario(n)
    builds, runs, shares, kernel = [], [], [], []
    n_agents = 0
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        m = CoProductionModel(s, rng=1)
        builds.append(time.perf_counter() - t0)
        n_agents = len(m.agents_by_type[Citizen])
        record_time = [0.0]
        record = m._record

        def timed_record(record=record, acc=record_time):
            t = time.perf_counter()
            record()
            acc[0] += time.perf_counter() - t

        m._record = timed_record
        t0 = time.perf_counter()
        m.run(steps)
        total = time.perf_counter() - t0
        runs.append(total)
        shares.append(record_time[0] / total)
        if m.W is not None and not kernel:
            x = m.trust.copy()
            k = 50
            for _ in range(3):
                t0 = time.perf_counter()
                for _ in range(k):
                    m.W @ x
                kernel.append((time.perf_counter() - t0) / k)
        del m
    best = int(np.argmin(runs))
    step = runs[best] / steps
    out = {
        "build_s_100k": min(builds),
        "engine_ms_per_step_100k": step * 1e3,
        "citizen_steps_per_s_100k": n * steps / runs[best],
        "collect_share_100k": shares[best],
        "citizen_agents_100k": n_agents,
    }
    if kernel:
        out["kernel_ms_100k"] = min(kernel) * 1e3
        out["kernel_ratio_100k"] = step / min(kernel)
    return out


def bench_runs_2k(n: int, runs: int) -> dict:
    from cosim import simulate

    s = _scenario(n, 260)
    simulate(s, seed=0, steps=5)  # warm caches and imports
    t0 = time.perf_counter()
    for k in range(runs):
        df = simulate(s, seed=k + 1)
        assert len(df) == 261 * 3
    dt = time.perf_counter() - t0
    return {"runs_per_s_2k": runs / dt, "run_s_2k": dt / runs}


def child_1m(n: int, steps: int) -> None:
    """Runs inside a fresh subprocess: build and run a big model, print JSON."""
    from cosim import CoProductionModel

    s = _scenario(n)
    t0 = time.perf_counter()
    m = CoProductionModel(s, rng=1)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    m.run(steps)
    run = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    print(json.dumps({"build_s_1m": build, "citizen_steps_per_s_1m": n * steps / run,
                      "engine_ms_per_step_1m": run / steps * 1e3, "peak_rss_mb_1m_self": rss}))


def bench_1m(n: int, steps: int) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child-1m", str(n), str(steps)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        return {"citizen_steps_per_s_1m": None, "peak_rss_mb_1m": None, "error_1m": proc.stderr[-500:]}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    # the parent's view of its largest child: the kernel's peak RSS of the subprocess
    out["peak_rss_mb_1m"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    out["wall_s_1m"] = wall
    return out


ROWS = (
    ("ratio_reference_10k", "reference / engine time per week, 10k citizens", ">= 100", "{:.0f}x"),
    ("engine_ms_per_step_10k", "  engine, ms per week at 10k (collect on)", "", "{:.2f}"),
    ("reference_ms_per_step_10k", "  reference, ms per week at 10k", "", "{:.0f}"),
    ("citizen_steps_per_s_100k", "engine throughput at 100k, citizen-weeks/s", ">= 5e6", "{:.3g}"),
    ("engine_ms_per_step_100k", "  engine, ms per week at 100k (collect on)", "", "{:.2f}"),
    ("collect_share_100k", "  data collection share of the week at 100k", "< 0.20", "{:.3f}"),
    ("build_s_100k", "model construction at 100k, s", "< 2", "{:.3f}"),
    ("kernel_ms_100k", "  one bare W @ x at 100k, ms", "", "{:.3f}"),
    ("kernel_ratio_100k", "engine week / bare W @ x at 100k", "< 20", "{:.1f}"),
    ("runs_per_s_2k", "full 260-week runs per second at 2k", ">= 5", "{:.2f}"),
    ("citizen_steps_per_s_1m", "engine throughput at 1M, citizen-weeks/s", "completes", "{:.3g}"),
    ("build_s_1m", "  model construction at 1M, s", "", "{:.2f}"),
    ("peak_rss_mb_1m", "peak RSS at 1M citizens, 52 weeks, MB", "< 4000", "{:.0f}"),
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="under a minute; skip the 1,000,000-citizen figures")
    ap.add_argument("--ref-steps", type=int, default=None, help="weeks the reference is timed on")
    ap.add_argument("--child-1m", nargs=2, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child_1m:
        child_1m(*args.child_1m)
        return 0
    quick = args.quick
    load_before = _load()
    t_start = time.perf_counter()
    res: dict = {}
    ref_steps = args.ref_steps or (4 if quick else 8)
    res.update(bench_reference(10_000, ref_steps, repeats=3 if quick else 5))
    res.update(bench_100k(100_000, 20 if quick else 52, repeats=2))
    res.update(bench_runs_2k(2_000, 4 if quick else 10))
    if not quick:
        res.update(bench_1m(1_000_000, 52))
    res["load_avg_1min_start"] = load_before
    res["load_avg_1min_end"] = _load()
    res["bench_wall_s"] = time.perf_counter() - t_start
    res["quick"] = quick

    print(f"{'figure':52s} {'measured':>12s}  target")
    for key, label, target, fmt in ROWS:
        v = res.get(key)
        shown = "n/a" if v is None else fmt.format(v)
        if key in res or target:
            print(f"{label:52s} {shown:>12s}  {target}")
    print(f"(load average {load_before:.2f} at start, {res['load_avg_1min_end']:.2f} at end on "
          f"{os.cpu_count()} cores; {res['bench_wall_s']:.0f} s in all; reference timed on {ref_steps} weeks)")
    keys = ("ratio_reference_10k", "citizen_steps_per_s_100k", "build_s_100k", "citizen_steps_per_s_1m",
            "peak_rss_mb_1m", "runs_per_s_2k", "kernel_ratio_100k", "collect_share_100k")
    summary = {k: res.get(k) for k in keys if not (quick and k.endswith("_1m"))}
    summary.update({k: v for k, v in res.items() if k not in summary and not k.startswith("error")})
    print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in summary.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
