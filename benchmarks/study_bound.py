"""How long an experiment's runs take, and the least they could take on this engine (issue 16).

Run from the repository root::

    .venv/bin/python benchmarks/study_bound.py                      # experiments/sobol_policies.toml
    .venv/bin/python benchmarks/study_bound.py EXPERIMENT.toml --points 24 --cores 2

A sample of the experiment's design points (``--points``, spread evenly over
the design, replication 0, the seeds the experiment gives them) is run as
the experiment runs them (``evaluate_run``: validate, build with the burn-in,
the horizon, the scalar outcomes) at the experiment's population and at a
quarter and a half of it, each timed ``--repeats`` times (least CPU time of
this process).  A least-squares line through (citizens, mean time per run)
splits a run into

- ``fixed_s``: what a run costs whatever its size (Python between the
  stages, kernel calls, building the model's small parts), which running
  many runs together could at best remove;
- ``per_citizen_s``: the slope, times the experiment's population: the part
  that grows with the citizens (the random block, the network product, every
  per-citizen kernel), which no batching removes while each run's results
  stay the same.

From these, for the experiment's whole design (points x replications) on
``--cores`` cores: ``projected_wall_min`` (at the measured time per run,
ignoring the main process, which takes under 1 % of a study on processes)
and ``bound_wall_min`` (the per-citizen part alone: the least any batching
could reach with every run's results unchanged).  The last line printed is a
JSON object with these figures.  Only ``model = "cosim"`` experiments whose
design does not vary ``run.n_citizens``; a file that is not one gets one
message per problem and exit status 2, as the ``cosim`` commands give.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # one core per process
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from cosim.errors import ScenarioError, UsageError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "experiments" / "sobol_policies.toml"


def sample_tasks(path: Path, points: int) -> tuple[list, int, int]:
    """``points`` tasks spread evenly over the design of experiment ``path`` (replication 0).

    Returns the tasks, the experiment's number of runs (points x
    replications) and its population (``run.n_citizens`` as the experiment
    sets it, or the base scenario's).
    """
    from cosim.runs import evaluators
    from cosim.runs import experiment as E
    from cosim.runs.ids import run_id_of, run_seed_of

    exp = E.load_experiment(path)
    if exp.model != "cosim":
        raise UsageError(f"{path}: experiment.model: {exp.model!r}; this benchmark times cosim experiments")
    if "run.n_citizens" in exp.factor_paths:
        raise UsageError(f"{path}: factors: run.n_citizens is a factor; this benchmark varies it itself")
    _, design = E._build_design(exp)
    base_raw, resolved = E.base_scenario(exp)
    params = E._point_params(exp, design)
    size = int(resolved["run"]["n_citizens"])
    chosen = sorted({round(i * (len(design) - 1) / max(points - 1, 1)) for i in range(points)})
    tasks = []
    for p in chosen:
        tasks.append(evaluators.RunTask(
            run_id=run_id_of(p, 0), seed=run_seed_of(exp.root_seed, p, 0, exp.common_random_numbers),
            params=dict(params[p]), base=base_raw, source=f"{exp.source} (point {p})"))
    return tasks, len(design) * exp.replications, size


def resized(tasks: list, n_citizens: int) -> list:
    """``tasks`` with their population set to ``n_citizens`` (everything else, seeds included, as it was)."""
    return [dataclasses.replace(t, params={**t.params, "run.n_citizens": n_citizens}) for t in tasks]


def time_per_run(tasks: list, repeats: int) -> float:
    """Mean CPU seconds of one of ``tasks`` made by ``evaluate_run`` (least of ``repeats`` passes)."""
    from cosim.runs.evaluators import evaluate_run

    evaluate_run(tasks[0])  # load the compiled kernels, warm the caches
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        start = time.process_time()
        for task in tasks:
            evaluate_run(task)
        best = min(best, time.process_time() - start)
    return best / len(tasks)


def measure(path: Path, points: int = 24, repeats: int = 2, cores: int = 2) -> dict:
    """The figures described in the module's docstring."""
    import numpy as np

    tasks, runs, size = sample_tasks(path, points)
    sizes = sorted({max(size // 4, 2), max(size // 2, 2), size})
    if len(sizes) < 2:
        raise UsageError(f"{path}: run.n_citizens: {size} citizens is too few to fit a line through sizes")
    per_run = [time_per_run(resized(tasks, n), repeats) for n in sizes]
    slope, intercept = np.polyfit(np.asarray(sizes, dtype=float), np.asarray(per_run), 1)
    at_size = per_run[-1]
    per_citizen = max(float(slope) * size, 0.0)
    return {
        "experiment": str(path), "runs": runs, "n_citizens": size, "points_timed": points, "cores": cores,
        **{f"s_per_run_{n}": t for n, t in zip(sizes, per_run, strict=True)},
        "s_per_run": at_size, "fixed_s": float(intercept), "per_citizen_s": per_citizen,
        "projected_wall_min": runs * at_size / cores / 60.0,
        "bound_wall_min": runs * per_citizen / cores / 60.0,
        "bound_runs_per_s_core": 1.0 / per_citizen if per_citizen > 0 else None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("experiment", nargs="?", type=Path, default=DEFAULT, help="a cosim experiment file")
    ap.add_argument("--points", type=int, default=24, help="design points timed (default 24)")
    ap.add_argument("--repeats", type=int, default=2, help="passes over them at each size (default 2)")
    ap.add_argument("--cores", type=int, default=2, help="cores the study runs on (default 2)")
    args = ap.parse_args(argv)
    if args.points < 1 or args.repeats < 1 or args.cores < 1:
        ap.error("--points, --repeats and --cores must be at least 1")
    load = os.getloadavg()[0]
    try:
        out = measure(args.experiment, args.points, args.repeats, args.cores)
    except (ScenarioError, UsageError) as exc:  # one message per problem, as the cosim commands give
        text = exc.for_command_line() if isinstance(exc, UsageError) else str(exc)
        for line in text.splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    out["load_avg_1min"] = [load, os.getloadavg()[0]]
    print(f"{out['experiment']}: {out['runs']:,} runs of {out['n_citizens']:,} citizens, "
          f"{out['points_timed']} design points timed")
    for key in (k for k in out if k.startswith("s_per_run_")):
        print(f"  CPU per run at {int(key.rsplit('_', 1)[1]):>7,} citizens  {out[key] * 1e3:8.1f} ms")
    print(f"  fixed part of a run (the fit's intercept)  {out['fixed_s'] * 1e3:8.1f} ms")
    print(f"  part growing with the citizens             {out['per_citizen_s'] * 1e3:8.1f} ms")
    print(f"  the whole study on {out['cores']} cores, projected  {out['projected_wall_min']:8.1f} min")
    print(f"  the same with no fixed part at all         {out['bound_wall_min']:8.1f} min")
    print(f"  (load average {load:.2f} at start, {out['load_avg_1min'][1]:.2f} at end)")
    print(json.dumps({k: (round(v, 5) if isinstance(v, float) else v) for k, v in out.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
