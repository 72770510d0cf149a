"""Performance benchmark of the cosim engine (issue 6).

Run from the repository root::

    .venv/bin/python benchmarks/bench.py            # full set, about 25 s
    .venv/bin/python benchmarks/bench.py --quick    # under a minute, no 1M-citizen figures

It prints a table of measured figures and, as its last line, one JSON object
with the keys ``ratio_reference_10k``, ``citizen_steps_per_s_100k``,
``build_s_100k``, ``citizen_steps_per_s_1m``, ``peak_rss_mb_1m``,
``runs_per_s_2k``, ``kernel_ratio_100k``, ``collect_share_100k``,
``runs_per_s_core_2k_single``, ``runs_per_s_core_2k_batched``,
``batched_equals_single``, ``floor_ratio_2k_batched``, ``week_fixed_us``,
``week_ns_per_citizen``, ``bound_runs_per_s_core_2k_no_fixed`` and the engine's
``engine_ms_per_step_10k`` / ``_100k`` / ``_1m`` (plus the supporting figures).  Every model runs ``scenarios/all_levers.toml`` (every
lever on, two linked municipalities, a breach, an outage and a scandal) with
seed 1, in one process on one core (BLAS limited to one thread).

Times are the process's CPU time (``time.process_time``): on a machine shared
with other jobs, wall-clock time also counts the time this process waited for
a core.  Each figure is also given as wall-clock time (``*_wall`` keys), and
the load average at the start and end is reported.

How each figure is measured:

- ``ratio_reference_10k``: the per-citizen reference (``cosim.model.reference``) and
  the engine run the same weeks of the same 10,000-citizen model (weeks 2 to
  2 + ``--ref-steps``, default 12, after two untimed weeks), data collection
  on and the table read at the end, each in a fresh subprocess of its own.
  The engine is timed 5 times and the reference twice; ratio of the best
  (least CPU time) of each.
- ``citizen_steps_per_s_100k``: 100,000 citizens x weeks / time of
  ``model.run(weeks)`` and reading the table (``datacollector.tables``) (20
  quick / 52 full weeks, data collection on, build excluded), best of 2 runs.
- ``build_s_100k``: time of ``CoProductionModel(...)`` at 100,000 citizens
  (network, officials, nodes and every Mesa agent included), best of 2.
- ``collect_share_100k``: time spent on the metrics (each week's tallies in
  ``model.record``, and the metrics of all weeks computed when the table is
  read) as a share of the run in the throughput measurement above.
- ``kernel_ratio_100k``: engine time per week / time of one bare sparse
  network-averaging product ``W @ x`` (SciPy CSR, float64) on the same
  model's network, best of 3 x 50 products.
- ``runs_per_s_2k``: full 260-week runs per second of ``cosim.runs.simulate`` at
  2,000 citizens (build, run, DataCollector and the pandas table included),
  over 4 quick / 10 full runs.
- ``runs_per_s_core_2k_single`` / ``_batched`` (issue 16): small runs as
  sensitivity analysis and calibration make them (``evaluate_run``: validate,
  build with the burn-in, 260 weeks, scalar outcomes) at 2,000 citizens, one
  task at a time and through ``cosim.runs.batch.evaluate_batch``, timed
  alternately twice on the same 24 (quick: 8) tasks, best of each;
  ``batched_equals_single`` says whether their outcomes agree bit for bit.
  ``floor_ratio_2k_*``: time per run / the bare NumPy floor of the same run
  (``bench_floor``: the week's random block and one in-place pass over every
  per-citizen float state array, every week of the run, nothing else).  The
  same figures for ``scenarios/baseline.toml`` carry the suffix ``_baseline``.
- ``week_fixed_us``, ``week_ns_per_citizen``, ``bound_runs_per_s_core_2k_no_fixed``,
  ``draws_network_us_per_week_2k``: the week's time split into a fixed part
  and a part per citizen (``bench_week_cost``), and the most batching could
  give with the same arithmetic per citizen.
- ``citizen_steps_per_s_1m``, ``peak_rss_mb_1m``: a fresh subprocess builds a
  1,000,000-citizen model and runs 52 weeks; its peak resident memory (the
  kernel's ``ru_maxrss`` for the child) and its throughput (build excluded).

Since model v2 building a model includes its burn-in (``run.burn_in_weeks``
weeks of history, 104 by default), so ``build_s_100k`` and ``runs_per_s_2k``
include those weeks; ``--set run.burn_in_weeks=0`` (any ``--set KEY=VALUE``
overrides the scenario of every model timed, in the child processes too)
measures without them.  ``benchmarks/compare_versions.py`` runs this script
for two source trees in turn and compares their figures.
"""

from __future__ import annotations

import os

# one core: keep BLAS (used for small products in the metrics) single-threaded;
# set before NumPy is imported, here and in the 1M-citizen subprocess
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "all_levers.toml"


class Timer:
    """CPU and wall-clock seconds of a ``with`` block."""

    def __enter__(self) -> Timer:
        self._cpu, self._wall = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu = time.process_time() - self._cpu
        self.wall = time.perf_counter() - self._wall


# scenario overrides given with --set (as JSON, so the child processes see them too)
OVERRIDES_ENV = "COSIM_BENCH_OVERRIDES"


def _scenario(n: int, steps: int | None = None):
    from cosim import load_scenario

    overrides: dict = {**json.loads(os.environ.get(OVERRIDES_ENV, "{}")), "run.n_citizens": n}
    if steps is not None:
        overrides["run.steps"] = steps
    return load_scenario(SCENARIO, overrides)


def child_timing(kind: str, n: int, steps: int, warm: int, repeats: int) -> None:
    """Runs inside a fresh subprocess: time ``steps`` weeks of the engine or the reference, print JSON.

    Each repeat builds the model, runs ``warm`` untimed weeks and reads the
    table, then times ``steps`` weeks and reading the table again (the
    metrics of the timed weeks are computed then).
    """
    from cosim import CoProductionModel

    s = _scenario(n)
    cpu, wall = [], []
    for _ in range(repeats):
        if kind == "engine":
            m: Any = CoProductionModel(s, rng=1)
            table = m
        else:
            from cosim.model.reference import ReferenceModel

            m = ReferenceModel(s, rng=1)
            table = m.world
        m.run(warm)
        table.datacollector.tables  # noqa: B018 (reading the table computes the pending weeks' metrics)
        with Timer() as t:
            m.run(steps)
            table.datacollector.tables  # noqa: B018
        cpu.append(t.cpu)
        wall.append(t.wall)
        del m, table
        gc.collect()
    print(json.dumps({"cpu": cpu, "wall": wall}))


def bench_reference(n: int, ref_steps: int, warm: int = 2, engine_repeats: int = 5, ref_repeats: int = 2) -> dict:
    """Reference vs engine on the same weeks (after ``warm`` untimed weeks), each in a fresh process.

    The engine is timed ``engine_repeats`` times and the reference
    ``ref_repeats`` times, each in a subprocess of its own, and the best
    (least CPU time) of each is used.  Each in its own process, because a
    process that has just run the reference (and freed its hundreds of
    thousands of Python objects) runs the engine 5-8% slower afterwards, and
    interleaving them week by week is worse still.
    """
    try:
        import cosim.model.reference  # noqa: F401
        kinds: tuple = (("engine", engine_repeats), ("reference", ref_repeats))
    except ImportError:
        kinds = (("engine", engine_repeats),)
    runs = {}
    for kind, repeats in kinds:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child-timing", kind,
               str(n), str(ref_steps), str(warm), str(repeats)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            runs[f"error_{kind}"] = proc.stderr[-500:]
            continue
        runs[kind] = json.loads(proc.stdout.strip().splitlines()[-1])
    if "engine" not in runs:
        return {"ratio_reference_10k": None, "error_engine": runs.get("error_engine")}
    engine = runs["engine"]
    if "reference" not in runs:  # the engine's figure stands on its own (the reference's error is kept)
        return {"ratio_reference_10k": None, "error_reference": runs.get("error_reference"),
                "engine_ms_per_step_10k": min(engine["cpu"]) / ref_steps * 1e3,
                "engine_ms_per_step_10k_runs": [round(x / ref_steps * 1e3, 3) for x in engine["cpu"]]}
    ref = runs["reference"]
    return {
        "ratio_reference_10k": min(ref["cpu"]) / min(engine["cpu"]),
        "engine_ms_per_step_10k": min(engine["cpu"]) / ref_steps * 1e3,
        "reference_ms_per_step_10k": min(ref["cpu"]) / ref_steps * 1e3,
        "ratio_reference_10k_wall": min(ref["wall"]) / min(engine["wall"]),
        "reference_weeks_timed": ref_steps,
        # every repeat, to show the spread: ms per week (CPU)
        "engine_ms_per_step_10k_runs": [round(x / ref_steps * 1e3, 3) for x in engine["cpu"]],
        "reference_ms_per_step_10k_runs": [round(x / ref_steps * 1e3, 1) for x in ref["cpu"]],
    }


def bench_100k(n: int, steps: int, repeats: int) -> dict:
    from cosim import Citizen, CoProductionModel

    s = _scenario(n)
    builds, runs, shares, kernel = [], [], [], []
    n_agents = 0
    for _ in range(repeats):
        gc.collect()
        with Timer() as build:
            m = CoProductionModel(s, rng=1)
        builds.append(build)
        n_agents = len(m.agents_by_type[Citizen])
        record_cpu = [0.0]
        record = m.record

        def timed_record(record=record, acc=record_cpu):
            t = time.process_time()
            record()
            acc[0] += time.process_time() - t

        m.record = timed_record
        m.datacollector.tables  # noqa: B018 (the metrics of the initial state)
        with Timer() as run:
            m.run(steps)
            t = time.process_time()
            m.datacollector.tables  # noqa: B018 (reading the table computes the pending weeks' metrics)
            record_cpu[0] += time.process_time() - t
        runs.append(run)
        shares.append(record_cpu[0] / run.cpu)
        if m.network is not None and not kernel:
            x = m.trust.copy()
            for _ in range(3):
                with Timer() as k:
                    for _ in range(50):
                        m.network @ x
                kernel.append(k)
        del m
    best = min(range(repeats), key=lambda i: runs[i].cpu)
    step = runs[best].cpu / steps
    out = {
        "citizen_steps_per_s_100k": n * steps / runs[best].cpu,
        "citizen_steps_per_s_100k_wall": n * steps / min(r.wall for r in runs),
        "engine_ms_per_step_100k": step * 1e3,
        "collect_share_100k": shares[best],
        "build_s_100k": min(b.cpu for b in builds),
        "build_s_100k_wall": min(b.wall for b in builds),
        "citizen_agents_100k": n_agents,
    }
    if kernel:
        k_cpu = min(k.cpu for k in kernel) / 50
        out["kernel_ms_100k"] = k_cpu * 1e3
        out["kernel_ratio_100k"] = step / k_cpu
    return out


def bench_runs_2k(n: int, runs: int) -> dict:
    from cosim import simulate

    s = _scenario(n, 260)
    simulate(s, seed=0, steps=5)  # warm caches and imports
    with Timer() as t:
        for k in range(runs):
            df = simulate(s, seed=k + 1)
            assert len(df) == 261 * 3
    return {"runs_per_s_2k": runs / t.cpu, "runs_per_s_2k_wall": runs / t.wall, "run_s_2k": t.cpu / runs}


def _small_tasks(scenario: Path, n: int, runs: int, first_seed: int = 1) -> list:
    """``runs`` experiment tasks of ``scenario`` at ``n`` citizens x 260 weeks, seeds ``first_seed``... (outcomes only)."""
    from cosim.runs.evaluators import RunTask
    from cosim.scenario.loading import read_toml

    params = {**json.loads(os.environ.get(OVERRIDES_ENV, "{}")), "run.n_citizens": n, "run.steps": 260}
    base = read_toml(scenario)
    return [RunTask(run_id=k, seed=first_seed + k, params=params, base=base, source=str(scenario))
            for k in range(runs)]


def _same_outcomes(a: list[dict], b: list[dict]) -> bool:
    """Bit for bit: the same keys and the same float64 bits (NaN where NaN)."""
    import numpy as np

    def bits(r: dict) -> dict:
        return {k: np.float64(v).tobytes() for k, v in r["outcomes"].items()}

    return len(a) == len(b) and all(bits(x) == bits(y) for x, y in zip(a, b, strict=True))


def bench_small_runs(n: int, runs: int, rounds: int = 2) -> dict:
    """Runs per second per core of small runs, one at a time and batched, on the same tasks.

    Each run is what a sensitivity or calibration run is: ``evaluate_run``
    (validate the scenario, build with the burn-in, 260 weeks, the scalar
    outcomes).  Single: ``evaluate_run`` task by task; batched:
    ``cosim.runs.batch.evaluate_batch`` on the same tasks.  The two are timed
    alternately ``rounds`` times in this process (best of each) and their
    outcomes compared bit for bit.  ``scenarios/all_levers.toml`` (every
    lever and mechanism on, two municipalities) is the headline;
    ``scenarios/baseline.toml`` (the base of the shipped Sobol study) is
    given beside it.
    """
    from cosim.runs.evaluators import evaluate_run

    try:
        from cosim.runs.batch import evaluate_batch
    except ImportError:  # a tree before issue 16 (benchmarks/compare_versions.py): single runs only
        evaluate_batch = None
    out: dict = {}
    for label, scenario in (("", SCENARIO), ("_baseline", ROOT / "scenarios" / "baseline.toml")):
        tasks = _small_tasks(scenario, n, runs)
        for task in _small_tasks(scenario, n, 2, first_seed=10_000):  # compile or load the kernels, warm caches
            evaluate_run(task)
        single_t, batch_t, identical = [], [], True
        for _ in range(rounds):
            gc.collect()
            with Timer() as t:
                single = [evaluate_run(task) for task in tasks]
            single_t.append(t)
            if evaluate_batch is not None:
                gc.collect()
                with Timer() as t:
                    results = evaluate_batch(tasks)
                batch_t.append(t)
                failed = [r.error for r in results if not r.ok]
                if failed:
                    raise RuntimeError(f"a batched run failed: {failed[0]}")
                batched = [r.value for r in results]
                identical = identical and _same_outcomes(single, batched)
        s = min(x.cpu for x in single_t)
        floor = bench_floor(scenario, n)
        out[f"runs_per_s_core_2k_single{label}"] = runs / s
        out[f"runs_per_s_core_2k_single{label}_wall"] = runs / min(x.wall for x in single_t)
        out[f"floor_ms_per_run_2k{label}"] = floor * 1e3
        out[f"floor_ratio_2k_single{label}"] = s / runs / floor
        if batch_t:
            b = min(x.cpu for x in batch_t)
            out[f"runs_per_s_core_2k_batched{label}"] = runs / b
            out[f"runs_per_s_core_2k_batched{label}_wall"] = runs / min(x.wall for x in batch_t)
            out[f"batched_equals_single{label}"] = identical
            out[f"floor_ratio_2k_batched{label}"] = b / runs / floor
    return out


def bench_floor(scenario: Path, n: int, repeats: int = 3) -> float:
    """CPU seconds of the bare NumPy floor of one run: the least any vectorised engine must do.

    For every week of the run (burn-in + 260): draw the week's block of
    uniform random numbers (``N_DRAWS`` x citizens, the model's generator)
    and make one read-modify-write pass (one in-place ufunc) over each
    per-citizen float state array the model keeps -- no model logic, no
    Python per stage.  The engine's time per run divided by this is the
    ``floor_ratio``: how far it is from the arithmetic it cannot avoid.
    """
    import dataclasses

    import numpy as np

    from cosim import CoProductionModel
    from cosim.model.draws import N_DRAWS
    from cosim.scenario.loading import load_scenario

    overrides = {**json.loads(os.environ.get(OVERRIDES_ENV, "{}")), "run.n_citizens": n, "run.steps": 260}
    model = CoProductionModel(load_scenario(scenario, overrides), rng=1)
    cit = model.citizens
    state = [getattr(cit, f.name).copy() for f in dataclasses.fields(cit)
             if isinstance(getattr(cit, f.name), np.ndarray) and getattr(cit, f.name).dtype == np.float64
             and getattr(cit, f.name).shape == (cit.n,)]
    weeks = model.config.run.burn_in_weeks + 260
    block = np.empty((N_DRAWS, cit.n))
    best = float("inf")
    for _ in range(repeats):
        rng = np.random.default_rng(1)
        with Timer() as t:
            for _ in range(weeks):
                rng.random(out=block)
                for a in state:
                    np.multiply(a, 0.999, out=a)
        best = min(best, t.cpu)
    return best


def bench_week_cost(sizes: tuple[int, ...] = (250, 1_000, 2_000, 4_000), weeks: int = 52, repeats: int = 2) -> dict:
    """Split the week's time into a fixed part and a part per citizen, and what that bounds.

    For each population size, a model of ``scenarios/all_levers.toml`` (data
    collection on, as in a sensitivity run) runs 8 untimed weeks, then
    ``weeks`` weeks timed ``repeats`` times (least CPU time).  A least-squares
    line through (citizens, time per week) gives:

    - ``week_fixed_us``: the intercept, what a week costs whatever its size
      (Python between the stages, kernel calls, NumPy calls on small arrays);
    - ``week_ns_per_citizen``: the slope, the arithmetic per citizen-week;
    - ``bound_runs_per_s_core_2k_no_fixed``: runs per second per core of a
      2,000-citizen run (burn-in + 260 weeks) if the fixed part were gone and
      the arithmetic per citizen stayed: the most that batching runs together
      (a lock-step ensemble, or any way of paying the fixed part once for
      many runs) could give on this engine;
    - ``draws_network_us_per_week_2k``: at 2,000 citizens, the week's block of
      random numbers (``model.week_draws``) and the network product
      (``model.neighbour_means``) alone: numbers a run with unchanged results
      must compute the same way (the same generator's stream, the same sums
      in the same order).
    """
    import numpy as np

    from cosim import CoProductionModel

    per_week = []
    for n in sizes:
        model = CoProductionModel(_scenario(n), rng=1)
        model.run(8)
        best = float("inf")
        for _ in range(repeats):
            gc.collect()
            with Timer() as t:
                model.run(weeks)
            best = min(best, t.cpu / weeks)
        per_week.append(best)
    slope, intercept = np.polyfit(np.asarray(sizes, dtype=float), np.asarray(per_week), 1)
    model = CoProductionModel(_scenario(2_000), rng=1)
    model.run(8)
    policy, t0 = model.policy(model.week), model.week
    best = float("inf")
    for _ in range(repeats):
        with Timer() as t:
            for k in range(weeks):
                model.week_draws(policy, t0 + k)
                model.neighbour_means()
        best = min(best, t.cpu / weeks)
    run_weeks = model.config.run.burn_in_weeks + 260
    out = {f"week_us_{n}": w * 1e6 for n, w in zip(sizes, per_week, strict=True)}
    out.update({"week_fixed_us": intercept * 1e6, "week_ns_per_citizen": slope * 1e9,
                "draws_network_us_per_week_2k": best * 1e6,
                "bound_runs_per_s_core_2k_no_fixed": 1.0 / (run_weeks * slope * 2_000) if slope > 0 else None})
    return out


def child_1m(n: int, steps: int) -> None:
    """Runs inside a fresh subprocess: build and run a big model, print JSON."""
    from cosim import CoProductionModel

    s = _scenario(n)
    with Timer() as build:
        m = CoProductionModel(s, rng=1)
    with Timer() as run:
        m.run(steps)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    print(json.dumps({"build_s_1m": build.cpu, "build_s_1m_wall": build.wall,
                      "citizen_steps_per_s_1m": n * steps / run.cpu,
                      "citizen_steps_per_s_1m_wall": n * steps / run.wall,
                      "engine_ms_per_step_1m": run.cpu / steps * 1e3, "peak_rss_mb_1m_self": rss}))


def bench_1m(n: int, steps: int) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child-1m", str(n), str(steps)]
    with Timer() as t:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        return {"citizen_steps_per_s_1m": None, "peak_rss_mb_1m": None, "error_1m": proc.stderr[-500:]}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    # the kernel's peak resident set of the largest child (there is one)
    out["peak_rss_mb_1m"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    out["wall_s_1m"] = t.wall
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
    ("runs_per_s_2k", "full 260-week runs per second at 2k (table)", ">= 5", "{:.2f}"),
    ("runs_per_s_core_2k_single", "2k x 260-week runs/s per core, one at a time", "", "{:.2f}"),
    ("runs_per_s_core_2k_batched", "2k x 260-week runs/s per core, batched", ">= 25", "{:.2f}"),
    ("batched_equals_single", "  batched outcomes = single, bit for bit", "true", "{}"),
    ("floor_ratio_2k_batched", "  batched run / bare NumPy floor of the same run", "", "{:.1f}"),
    ("floor_ms_per_run_2k", "  bare NumPy floor, ms per run", "", "{:.1f}"),
    ("week_fixed_us", "  fixed cost of a week (fit over 250-4k), us", "", "{:.0f}"),
    ("week_ns_per_citizen", "  cost per citizen-week (the fit's slope), ns", "", "{:.0f}"),
    ("draws_network_us_per_week_2k", "  random block + network product, 2k, us/week", "", "{:.0f}"),
    ("bound_runs_per_s_core_2k_no_fixed", "  runs/s per core with no fixed cost at all", "", "{:.1f}"),
    ("runs_per_s_core_2k_single_baseline", "  baseline scenario: runs/s per core, one at a time", "", "{:.2f}"),
    ("runs_per_s_core_2k_batched_baseline", "  baseline scenario: runs/s per core, batched", "", "{:.2f}"),
    ("citizen_steps_per_s_1m", "engine throughput at 1M, citizen-weeks/s", "completes", "{:.3g}"),
    ("build_s_1m", "  model construction at 1M, s", "", "{:.2f}"),
    ("engine_ms_per_step_1m", "  engine, ms per week at 1M (collect on)", "", "{:.1f}"),
    ("peak_rss_mb_1m", "peak RSS at 1M citizens, 52 weeks, MB", "< 4000", "{:.0f}"),
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="under a minute; skip the 1,000,000-citizen figures")
    ap.add_argument("--ref-steps", type=int, default=None, help="weeks the reference is timed on")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a parameter of scenarios/all_levers.toml in every model timed, "
                         "e.g. --set run.burn_in_weeks=0 (VALUE read as JSON when it parses, else a string)")
    ap.add_argument("--child-1m", nargs=2, type=int, help=argparse.SUPPRESS)
    ap.add_argument("--child-timing", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.set:
        overrides = json.loads(os.environ.get(OVERRIDES_ENV, "{}"))
        for item in args.set:
            key, sep, value = item.partition("=")
            if not sep:
                ap.error(f"--set expects KEY=VALUE, got {item!r}")
            try:
                overrides[key] = json.loads(value)
            except json.JSONDecodeError:
                overrides[key] = value
        os.environ[OVERRIDES_ENV] = json.dumps(overrides)  # inherited by the child processes
    if args.child_1m:
        child_1m(*args.child_1m)
        return 0
    if args.child_timing:
        kind, *numbers = args.child_timing
        child_timing(kind, *map(int, numbers))
        return 0
    quick = args.quick
    load_start = os.getloadavg()[0]
    res: dict = {}
    ref_steps = args.ref_steps or 12
    with Timer() as total:
        res.update(bench_reference(10_000, ref_steps))
        res.update(bench_100k(100_000, 20 if quick else 52, repeats=2))
        res.update(bench_runs_2k(2_000, 4 if quick else 10))
        res.update(bench_small_runs(2_000, 8 if quick else 24))
        res.update(bench_week_cost(weeks=26 if quick else 52))
        if not quick:
            res.update(bench_1m(1_000_000, 52))
    res["load_avg_1min_start"] = load_start
    res["load_avg_1min_end"] = os.getloadavg()[0]
    res["bench_wall_s"] = total.wall
    res["quick"] = quick
    if os.environ.get(OVERRIDES_ENV):
        res["overrides"] = json.loads(os.environ[OVERRIDES_ENV])

    print(f"{'figure (CPU time of this process)':52s} {'measured':>12s}  target")
    for key, label, target, fmt in ROWS:
        v = res.get(key)
        if key in res or target:
            print(f"{label:52s} {'n/a' if v is None else fmt.format(v):>12s}  {target}")
    wall = {k: res[k] for k in res if k.endswith("_wall") and res[k] is not None}
    print("wall clock: " + ", ".join(f"{k[:-5]} {v:.3g}" for k, v in wall.items()))
    print(f"(load average {load_start:.2f} at start, {res['load_avg_1min_end']:.2f} at end, "
          f"{os.cpu_count()} cores; {total.wall:.0f} s in all; reference timed on {ref_steps} weeks)")
    keys = ("ratio_reference_10k", "citizen_steps_per_s_100k", "build_s_100k", "citizen_steps_per_s_1m",
            "peak_rss_mb_1m", "runs_per_s_2k", "kernel_ratio_100k", "collect_share_100k",
            "runs_per_s_core_2k_single", "runs_per_s_core_2k_batched", "batched_equals_single",
            "floor_ratio_2k_batched", "week_fixed_us", "week_ns_per_citizen", "bound_runs_per_s_core_2k_no_fixed",
            "engine_ms_per_step_10k", "engine_ms_per_step_100k", "engine_ms_per_step_1m")
    summary = {k: res.get(k) for k in keys if not (quick and k.endswith("_1m"))}
    summary.update({k: v for k, v in res.items() if k not in summary and not k.startswith("error")})
    print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in summary.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
