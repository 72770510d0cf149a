"""Running many independent runs: serially, on local processes, or on Dask.

``map_runs`` yields ``(index, RunResult)`` as runs finish, whatever the backend,
so callers can persist each finished run at once.  A run that raises becomes a
failed RunResult carrying its error; the batch goes on.  Results never depend on
the backend: every run's seed is part of its task.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from cosim.errors import BackendError, UsageError


@dataclass
class RunResult:
    """The outcome of one task: ``value`` when ``ok``, else the ``error`` text."""

    ok: bool
    value: Any = None
    error: str = ""
    seconds: float = 0.0


def default_workers() -> int:
    """The default number of local worker processes: every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def workers_help() -> str:
    """The ``--workers`` help text, the same for every command."""
    return f"local worker processes (default: every core, {default_workers()} here; 1 runs in this process)"


def add_backend_arguments(parser: Any) -> None:
    """The ``--workers N | --dask-local N | --dask ADDRESS`` options every batch command shares."""
    backend = parser.add_mutually_exclusive_group()
    # default None, resolved by check_backend_arguments: argparse cannot tell "--workers 2" from a default of 2,
    # so a default value would hide a clash with --dask-local
    backend.add_argument("--workers", type=int, metavar="N", help=workers_help())
    backend.add_argument("--dask-local", type=int, metavar="N",
                         help="start a Dask LocalCluster with N single-threaded workers")
    backend.add_argument("--dask", metavar="ADDRESS",
                         help="connect to a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (dask-jobqueue)")


def check_backend_arguments(args: Any) -> None:
    """Refuse a non-positive ``--workers`` or ``--dask-local`` (exit 2 via the CLI)."""

    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers: expected a positive number of processes, got {args.workers}")
    if args.dask_local is not None and args.dask_local < 1:
        raise UsageError(f"--dask-local: expected a positive number of workers, got {args.dask_local}")
    if args.workers is None:
        args.workers = default_workers()


def _call(fn: Callable[[Any], Any], task: Any) -> RunResult:
    start = time.perf_counter()
    try:
        value = fn(task)
    except Exception as exc:  # recorded, not raised: one failed run must not stop the batch
        tb = traceback.format_exc(limit=6)
        return RunResult(False, error=f"{type(exc).__name__}: {exc}\n{tb}", seconds=time.perf_counter() - start)
    return RunResult(True, value=value, seconds=time.perf_counter() - start)


def map_runs(
    fn: Callable[[Any], Any],
    tasks: Sequence[Any],
    *,
    workers: int = 1,
    dask_address: str | None = None,
    dask_local: int | None = None,
    progress: bool = True,
    desc: str = "runs",
    executor: Any = None,
) -> Iterator[tuple[int, RunResult]]:
    """Apply ``fn`` to every task; yield ``(task index, RunResult)`` as each finishes.

    ``fn`` must be a picklable module-level function.  Backends: ``workers == 1``
    runs in this process; ``workers > 1`` uses a local process pool (spawned
    workers); ``dask_address`` connects to a running Dask scheduler;
    ``dask_local`` starts a LocalCluster with that many single-threaded workers.
    ``executor``: an open ``concurrent.futures`` executor to submit to instead
    (the backend arguments are then ignored), for callers that send many small
    batches, e.g. calibration, and would otherwise start a pool per batch.
    """
    from tqdm import tqdm

    bar = tqdm(total=len(tasks), desc=desc, unit="run", disable=not progress or None, smoothing=0.05)
    failed = 0
    try:
        for i, res in _dispatch(fn, tasks, workers, dask_address, dask_local, executor):
            failed += not res.ok
            bar.update(1)
            if failed:
                bar.set_postfix(failed=failed)
            yield i, res
    finally:
        bar.close()


def _dispatch(fn, tasks, workers, dask_address, dask_local, executor=None) -> Iterator[tuple[int, RunResult]]:
    if not tasks:
        return
    if executor is not None:
        yield from _submit(executor, fn, tasks)
    elif dask_address or dask_local:
        yield from _dask(fn, tasks, dask_address, dask_local)
    elif workers <= 1:
        for i, task in enumerate(tasks):
            yield i, _call(fn, task)
    else:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            yield from _submit(pool, fn, tasks)


def _submit(pool, fn, tasks) -> Iterator[tuple[int, RunResult]]:
    """Submit every task to an open executor; yield results as they finish."""
    pending = {pool.submit(_call, fn, task): i for i, task in enumerate(tasks)}
    try:
        # as_completed, not a wait(FIRST_COMPLETED) loop: that rescans every pending
        # future per result, O(n^2) (9 s of overhead for 8,000 runs, measured)
        for fut in as_completed(list(pending)):
            i = pending.pop(fut)
            exc = fut.exception()
            yield i, (RunResult(False, error=f"worker died: {exc!r}") if exc else fut.result())
    except BaseException:
        for fut in pending:
            fut.cancel()
        raise


def _dask(fn, tasks, address, n_local) -> Iterator[tuple[int, RunResult]]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise BackendError("Dask is not installed: pip install 'dask[distributed]'") from exc
    cluster = None
    try:
        if address:
            try:
                client = Client(address, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise BackendError(f"--dask {address}: cannot reach a Dask scheduler there ({exc})") from None
        else:
            cluster = LocalCluster(n_workers=int(n_local), threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        with client:
            futures = client.map(_call, [fn] * len(tasks), tasks, pure=False)
            index = {f.key: i for i, f in enumerate(futures)}
            for fut in as_completed(futures):
                i = index[fut.key]
                if fut.status == "error":
                    yield i, RunResult(False, error=f"dask task failed: {fut.exception()!r}")
                else:
                    yield i, fut.result()
                fut.release()
    finally:
        if cluster is not None:
            cluster.close()
