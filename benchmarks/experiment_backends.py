"""Runs per second and per-run overhead of each experiment backend.

    .venv/bin/python benchmarks/experiment_backends.py [--runs 24] [--overhead-runs 2000]

1. Throughput: the baseline at 2,000 citizens over 260 weeks, ``--runs``
   replications, run through ``run_experiment`` serially, on 2 local processes
   and on a 2-worker Dask LocalCluster (wall time includes starting the pool).
2. Overhead: the Ishigami function (microseconds of work) through the same
   path, so the wall time per run is the runner's own cost: task building,
   dispatch, result transfer and one SQLite commit per run.  Start-up time is
   measured separately with a single run.

Writes ``results/bench_experiment_backends/results.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from cosim.outputs.results import manifest, write_json
from cosim.runs.experiment import load_experiment, run_experiment

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = {"serial": {}, "2 local processes": {"workers": 2}, "Dask LocalCluster x2": {"dask_local": 2}}


def baseline_file(folder: Path, runs: int) -> Path:
    path = folder / "baseline_2000.toml"
    path.write_text(f"""
[experiment]
name = "bench_baseline_2000"
base = "{ROOT / 'scenarios' / 'baseline.toml'}"
design = "grid"
replications = {runs}
root_seed = 1
[[factors]]
path = "run.n_citizens"
values = [2000]
""")
    return path


def ishigami_file(folder: Path, runs: int) -> Path:
    path = folder / f"ishigami_{runs}.toml"
    path.write_text(f"""
[experiment]
name = "bench_ishigami"
model = "ishigami"
design = "lhs"
samples = {runs}
root_seed = 1
[[factors]]
path = "x1"
min = -3.14
max = 3.14
[experiment.constants]
x2 = 0.5
x3 = 0.5
""")
    return path


def timed(exp_file: Path, out: Path, backend: dict) -> dict:
    exp = load_experiment(exp_file)
    start = time.perf_counter()
    table = run_experiment(exp, out, progress=False, figures=False, **backend)
    wall = time.perf_counter() - start
    assert (table["status"] == "ok").all()
    return {"runs": len(table), "wall_s": wall, "mean_run_s": float(table["seconds"].mean())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=24, help="baseline runs per backend")
    parser.add_argument("--overhead-runs", type=int, default=2000, help="Ishigami runs per backend")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = baseline_file(tmp, args.runs)
        ish = ishigami_file(tmp, args.overhead_runs)
        one = ishigami_file(tmp, 1)
        for k, (name, backend) in enumerate(BACKENDS.items()):
            n_workers = backend.get("workers") or backend.get("dask_local") or 1
            thr = timed(base, tmp / f"base{k}", backend)
            start = timed(one, tmp / f"one{k}", backend)
            ovh = timed(ish, tmp / f"ish{k}", backend)
            rows.append({
                "backend": name,
                "baseline_runs": thr["runs"],
                "baseline_wall_s": round(thr["wall_s"], 2),
                "runs_per_s": round(thr["runs"] / thr["wall_s"], 3),
                "mean_run_s": round(thr["mean_run_s"], 3),
                # wall time per run each worker spends beyond the model itself (start-up included)
                "overhead_per_run_s": round(thr["wall_s"] * n_workers / thr["runs"] - thr["mean_run_s"], 3),
                "startup_s": round(start["wall_s"], 2),
                "ishigami_runs": ovh["runs"],
                "ishigami_runs_per_s": round(ovh["runs"] / ovh["wall_s"], 1),
                "ishigami_ms_per_run": round(1e3 * ovh["wall_s"] / ovh["runs"], 3),
                # marginal cost of one more run once the backend is up (noisy on a shared machine)
                "marginal_ms_per_run": round(1e3 * (ovh["wall_s"] - start["wall_s"]) / (ovh["runs"] - 1), 3),
            })
            print(rows[-1], flush=True)
    out = ROOT / "results" / "bench_experiment_backends"
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "results.json", manifest(kind="benchmark", rows=rows, args=vars(args)))
    print("\n| backend | runs/s (baseline, 2,000 citizens, 260 weeks) | mean run (s) | overhead per run (s) "
          "| start-up (s) | Ishigami runs/s | Ishigami ms per run | marginal ms per run |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['backend']} | {r['runs_per_s']} | {r['mean_run_s']} | {r['overhead_per_run_s']} "
              f"| {r['startup_s']} | {r['ishigami_runs_per_s']} | {r['ishigami_ms_per_run']} "
              f"| {r['marginal_ms_per_run']} |")


if __name__ == "__main__":
    main()
