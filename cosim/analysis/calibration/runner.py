"""Evaluating parameter points: each point's replications through map_runs, cached in a RunStore.

A point's runs are committed to ``OUT/runs.sqlite`` as they finish, so a rerun of the
same fit on the same folder reads them back instead of running them again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cosim.analysis.calibration.targets import Problem, Target
from cosim.errors import BackendError, StoreBusy, UsageError
from cosim.runs.evaluators import RunTask, evaluate_run
from cosim.runs.ids import run_id_of
from cosim.runs.store import STORE_FILE, RunStore

# --------------------------------------------------------------------------- one run


@dataclasses.dataclass(frozen=True)
class FitJob:
    """One run of a fit: the RunTask and which region series to send back."""

    task: RunTask
    metrics: tuple[str, ...]
    steps: tuple[int, ...]


def simulate_targets(job: FitJob) -> dict[str, float]:
    """Run one task; return ``{"metric@step": value}`` from its region rows (the steps asked for)."""
    value = evaluate_run(dataclasses.replace(job.task, keep_timeseries=True))
    ts = value["timeseries"]
    region = ts[ts["municipality"] == "region"].set_index("step")
    return {f"{m}@{s}": float(region.at[s, m]) for m in job.metrics for s in job.steps}


# --------------------------------------------------------------------------- running points


class Runner:
    """Evaluates parameter points (each with R replications) through map_runs, caching runs in a RunStore.

    A point is evaluated once per id; ``evaluate(ids, zs, seeds)`` returns per
    point the mean distance inputs.  Runs already in the store (same point id,
    same parameter values) are read back instead of rerun.
    """

    def __init__(self, problem: Problem, out: Path, *, workers: int = 1, dask_address: str | None = None,
                 dask_local: int | None = None, progress: bool = True, batch_size: int | None = None):
        self.problem = problem
        self.batch_size = batch_size  # runs sent to a worker at once (None: small runs in chunks, map_runs)
        self.out = out
        self.workers, self.dask_address, self.dask_local = workers, dask_address, dask_local
        self.store = RunStore(out)
        self.ident = problem.identity()
        self.ident_hash = _hash(self.ident)
        self.points: list[list[float]] = []
        self.cached: dict[tuple[int, int], dict[str, Any]] = {}
        self.stored_points: dict[int, list[float]] = {}
        self.runs_used = 0
        self.new_runs = 0
        self.failed_runs = 0
        self.first_error = ""
        self.bar = None
        self.progress = progress
        self._pool: Any = None
        self._cluster: Any = None
        self._open()

    def _open(self) -> None:
        out = self.out
        if not out.exists():
            return
        if not self.store.exists():
            if any(out.iterdir()):
                raise UsageError(f"{out}: the folder exists and holds no calibration runs "
                                 f"(no {STORE_FILE}); choose another output folder or remove it", argument="out")
            return
        try:
            self.store.open()
        except StoreBusy:
            raise UsageError(f"{out}: another cosim process is writing to this folder", argument="out") from None
        meta = self.store.meta()
        if meta.get("kind") != "calibration" or meta.get("identity_sha256") != self.ident_hash:
            stored = meta.get("identity", {})
            keys = sorted(k for k in set(stored) | set(self.ident) if stored.get(k) != self.ident.get(k))
            self.store.close()
            raise UsageError(f"{out}: the folder holds runs of a different "
                             f"{'calibration' if meta.get('kind') == 'calibration' else 'job'} (differs in: "
                             f"{', '.join(keys) or 'identity'}); choose another output folder or remove it",
                             argument="out")
        self.stored_points = self.store.points()
        runs = self.store.runs()
        for row in runs.itertuples(index=False):
            if row.status == "ok":
                self.cached[(int(row.point_id), int(row.replication))] = json.loads(row.outcomes)
        if self.progress and self.cached:
            print(f"{out}: resuming; {len(self.cached)} finished runs found in {STORE_FILE}", file=sys.stderr)

    def _begin(self) -> None:
        if self.store.con is None:
            self.store.create({"kind": "calibration", "identity": self.ident, "identity_sha256": self.ident_hash})

    def _backend(self) -> dict[str, Any]:
        """map_runs arguments; one process pool or LocalCluster serves every batch of the fit."""
        if self.dask_address:
            return {"dask_address": self.dask_address}
        if self.dask_local:
            if self._cluster is None:
                from dask.distributed import LocalCluster

                try:
                    self._cluster = LocalCluster(n_workers=int(self.dask_local), threads_per_worker=1,
                                                 processes=True, dashboard_address=None)
                except Exception as exc:  # any failure to start is a backend problem, reported plainly
                    raise UsageError(f"{self.dask_local}: cannot start a Dask LocalCluster ({exc})",
                                     argument="dask_local") from None
            return {"dask_address": self._cluster.scheduler_address}
        if self.workers > 1:
            if self._pool is None:
                from cosim.runs.backends import WorkerPool

                self._pool = WorkerPool(self.workers)  # survives a dead worker
            return {"executor": self._pool}
        return {}

    def close(self) -> None:
        self.store.close()
        if self.bar is not None:
            self.bar.close()
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def start_bar(self, total: int, desc: str) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=desc, unit="run", disable=not self.progress or None, smoothing=0.05)

    def evaluate(self, zs: Sequence[np.ndarray], seeds: Callable[[int, int], int],
                 replications: int | None = None) -> list[dict[str, Any]]:
        """Run the points ``zs`` (new point ids in order); return per point its runs' values.

        Each result is ``{"point": id, "params": {...}, "runs": [ {key: value} | None ], "mean": {key: value} | None}``
        (``mean`` over the successful replications of the target keys; None if all failed).
        """
        from cosim.runs.backends import map_runs

        reps = replications or self.problem.replications
        prob = self.problem
        ids = list(range(len(self.points), len(self.points) + len(zs)))
        rows = [[float(v) for v in z] for z in zs]
        for pid, row in zip(ids, rows, strict=True):
            old = self.stored_points.get(pid)
            if old is not None and old != row:
                raise UsageError(f"{self.out}: point {pid} of this fit differs from the one stored there "
                                 "(the code or its inputs changed); choose another output folder or remove it",
                                 argument="out")
        self.points.extend(rows)
        jobs, where = [], []
        values: dict[tuple[int, int], dict[str, float] | None] = {}
        for pid, z in zip(ids, zs, strict=True):
            params = prob.params(z)
            for r in range(reps):
                if (pid, r) in self.cached:
                    values[(pid, r)] = self.cached[(pid, r)]
                    continue
                task = RunTask(run_id=run_id_of(pid, r), seed=seeds(pid, r), params=params, base=prob.base,
                               source=f"{prob.scenario_path} (calibration point {pid})")
                jobs.append(FitJob(task, prob.metrics, prob.record_steps))
                where.append((pid, r))
        self.runs_used += len(ids) * reps
        if self.bar is not None:
            self.bar.update(len(ids) * reps - len(jobs))
        try:
            from cosim.runs.batch import task_seconds

            for i, res in map_runs(simulate_targets, jobs, progress=False, seconds=[task_seconds(j) for j in jobs],
                                   batch_size=self.batch_size, **self._backend()):
                self._begin()
                if len(self.stored_points) < len(self.points):
                    self.store.add_points(np.array(self.points), start=len(self.stored_points))
                    self.stored_points.update({k: self.points[k] for k in range(len(self.stored_points), len(self.points))})
                job = jobs[i]
                pid, r = where[i]
                self.store.record(job.task.run_id, pid, r, job.task.seed, res.ok, "" if res.ok else res.error,
                                  res.value if res.ok else None, res.seconds)
                values[(pid, r)] = res.value if res.ok else None
                self.new_runs += 1
                if not res.ok:
                    self.failed_runs += 1
                    self.first_error = self.first_error or res.error.splitlines()[0]
                if self.bar is not None:
                    self.bar.update(1)
        except BackendError as exc:
            raise UsageError(str(exc)) from None
        out = []
        keys = [t.key for t in prob.targets]
        for pid, z in zip(ids, zs, strict=True):
            runs = [values[(pid, r)] for r in range(reps)]
            ok = [v for v in runs if v is not None]
            mean = {k: float(np.mean([v[k] for v in ok])) for k in keys} if ok else None
            out.append({"point": pid, "z": np.asarray(z, dtype=float), "params": prob.params(z), "runs": runs,
                        "mean": mean, "distance": distance(mean, prob.targets)})
        return out


def distance(mean: dict[str, float] | None, targets: Sequence[Target]) -> float:
    """Root mean square of standardised errors (inf for a failed point)."""
    if mean is None:
        return math.inf
    z = [(mean[t.key] - t.value) / t.sd for t in targets]
    return float(math.sqrt(np.mean(np.square(z))))


def _hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()
