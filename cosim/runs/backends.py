"""Running many independent runs: serially, on local processes, or on Dask.

``map_runs`` yields ``(index, RunResult)`` as runs finish, whatever the backend,
so callers can persist each finished run at once.  A run that raises becomes a
failed RunResult carrying its error; the batch goes on.  Results never depend on
the backend: every run's seed is part of its task.

Local worker processes (:class:`WorkerPool`) survive one of them dying (the
out-of-memory killer, a segfault, ``kill -9``): the pool is replaced and the
unfinished runs are sent again, each at most ``MAX_ATTEMPTS`` times, after which
the run is recorded as failed with the cause.  Workers die with the process that
started them, so a killed ``cosim`` leaves no orphans holding memory and the terminal.

Just over 400 lines: the three backends and the pool that survives a dead
worker share one dispatch loop and one result type.
"""

from __future__ import annotations

import ctypes
import itertools
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
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
    parser.add_argument("--batch-size", type=int, metavar="N",
                        help="runs sent to a worker at once (default: small runs in chunks of about "
                             f"{CHUNK_SECONDS:g} s of work, big runs one at a time; 1 sends every run on its own); "
                             "results do not change")


def check_backend_arguments(args: Any) -> None:
    """Refuse a non-positive ``--workers`` or ``--dask-local`` (exit 2 via the CLI)."""

    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers: expected a positive number of processes, got {args.workers}")
    if args.dask_local is not None and args.dask_local < 1:
        raise UsageError(f"--dask-local: expected a positive number of workers, got {args.dask_local}")
    if getattr(args, "batch_size", None) is not None and args.batch_size < 1:
        raise UsageError(f"--batch-size: expected a positive number of runs, got {args.batch_size}")
    check_workers(args.workers, "workers")
    check_workers(args.dask_local, "dask_local")
    if getattr(args, "dask", None) is not None:
        check_dask_address(args.dask)
    if args.workers is None:
        args.workers = default_workers()


#: More local workers than this many per core only compete for cores and memory.
MAX_WORKERS_PER_CORE = 4


def check_workers(n: int | None, argument: str = "workers") -> None:
    """Refuse more local worker processes than ``MAX_WORKERS_PER_CORE`` x the machine's cores."""
    cores = os.cpu_count() or 1
    if n is not None and n > MAX_WORKERS_PER_CORE * cores:
        raise UsageError(f"{n} worker processes on a machine with {cores} core(s): at most "
                         f"{MAX_WORKERS_PER_CORE * cores} ({MAX_WORKERS_PER_CORE} per core) are allowed; more only "
                         "compete for the cores, and each holds a model in memory (about 200 MB). "
                         "Use a Dask cluster to run on more machines", argument=argument)


def _call(fn: Callable[[Any], Any], task: Any) -> RunResult:
    start = time.perf_counter()
    try:
        value = fn(task)
    except Exception as exc:  # recorded, not raised: one failed run must not stop the batch
        tb = traceback.format_exc(limit=6)
        return RunResult(False, error=f"{type(exc).__name__}: {exc}\n{tb}", seconds=time.perf_counter() - start)
    return RunResult(True, value=value, seconds=time.perf_counter() - start)


def call_chunk(fn: Callable[[Any], Any], tasks: Sequence[Any]) -> list[RunResult]:
    """``_call(fn, task)`` for every task, in order: one unit of work for a worker (a chunk of runs)."""
    return [_call(fn, task) for task in tasks]


#: Small runs are sent in chunks of about this many seconds of work (estimated, see ``seconds_per_run``):
#: long enough that a chunk's round trip and bookkeeping are a small share, short enough that progress
#: and the store keep up and the last chunks finish together.
CHUNK_SECONDS = 1.5
#: ... and at most this share of one worker's runs, so every worker stays busy to the end.
CHUNK_SHARE = 0.25


def plan_chunks(n_tasks: int, seconds: float | Sequence[float] | None = None, workers: int = 1,
                batch_size: int | None = None) -> list[list[int]]:
    """Task indices grouped into the chunks sent to workers, in task order.

    ``batch_size`` given: chunks of that many runs (1: every run on its own).
    Otherwise (auto) consecutive runs are packed until their estimated
    ``seconds`` (one per task, or one for all) reach :data:`CHUNK_SECONDS`, with
    at most :data:`CHUNK_SHARE` of one worker's share of the runs in a chunk; a run estimated
    at ``CHUNK_SECONDS`` or more stays alone.  Without an estimate every run is its own chunk.
    """
    if batch_size is not None:
        size = max(1, int(batch_size))
        return [list(range(i, min(i + size, n_tasks))) for i in range(0, n_tasks, size)]
    if seconds is None or n_tasks == 0:
        return [[i] for i in range(n_tasks)]
    per_task = [float(seconds)] * n_tasks if isinstance(seconds, int | float) else [float(s) for s in seconds]
    cap = max(1, int(CHUNK_SHARE * n_tasks / max(1, int(workers))))
    chunks: list[list[int]] = []
    chunk: list[int] = []
    total = 0.0
    for i, t in enumerate(per_task):
        if chunk and (total + t > CHUNK_SECONDS * (1 + 1e-9) or len(chunk) >= cap):
            chunks.append(chunk)
            chunk, total = [], 0.0
        chunk.append(i)
        total += t
    if chunk:
        chunks.append(chunk)
    return chunks


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
    seconds: float | Sequence[float] | None = None,
    batch_size: int | None = None,
    batch_fn: Callable[[Sequence[Any]], list[RunResult]] | None = None,
) -> Iterator[tuple[int, RunResult]]:
    """Apply ``fn`` to every task; yield ``(task index, RunResult)`` as each finishes.

    ``fn`` must be a picklable module-level function.  Backends: ``workers == 1``
    runs in this process; ``workers > 1`` uses a local process pool (spawned
    workers); ``dask_address`` connects to a running Dask scheduler;
    ``dask_local`` starts a LocalCluster with that many single-threaded workers.
    ``executor``: an open ``concurrent.futures`` executor to submit to instead
    (the backend arguments are then ignored), for callers that send many small
    batches, e.g. calibration, and would otherwise start a pool per batch.

    Batching: ``seconds`` (each task's estimated run time, or one for all,
    e.g. from :func:`seconds_per_run`) lets small runs travel in chunks
    (:func:`plan_chunks`) to worker processes or Dask; ``batch_size`` fixes the
    chunk size (1: one run per task, as without an estimate).  In this process
    (``workers == 1``) runs go one at a time unless ``batch_size`` says
    otherwise.  A chunk is one call of ``batch_fn(tasks)`` (default
    ``call_chunk(fn, tasks)``), which must give ``[_call(fn, t) for t in tasks]``.
    Results are still yielded per run, and do not depend on the chunks.
    """
    from tqdm import tqdm

    n_workers = dask_local or getattr(executor, "workers", None) or getattr(executor, "_max_workers", None) or workers
    if batch_size is None and executor is None and not (dask_address or dask_local) and workers <= 1:
        seconds = None  # in this process chunks save nothing and delay saving finished runs
    chunks = plan_chunks(len(tasks), seconds, int(n_workers or 1), batch_size)
    bar = tqdm(total=len(tasks), desc=desc, unit="run", disable=not progress or None, smoothing=0.05)
    failed = 0
    try:
        for i, res in _dispatch(fn, tasks, workers, dask_address, dask_local, executor, chunks, batch_fn):
            failed += not res.ok
            bar.update(1)
            if failed:
                bar.set_postfix(failed=failed)
            yield i, res
    finally:
        bar.close()


def _dispatch(fn, tasks, workers, dask_address, dask_local, executor=None, chunks=None,
              batch_fn=None) -> Iterator[tuple[int, RunResult]]:
    if not tasks:
        return
    chunks = chunks if chunks is not None else [[i] for i in range(len(tasks))]
    if isinstance(executor, WorkerPool):
        yield from executor.run(fn, tasks, chunks, batch_fn)
    elif executor is not None:
        yield from _submit(executor, fn, tasks, chunks, batch_fn)
    elif dask_address or dask_local:
        yield from _dask(fn, tasks, dask_address, dask_local, chunks, batch_fn)
    elif workers <= 1:
        for chunk in chunks:
            if len(chunk) == 1:
                yield chunk[0], _call(fn, tasks[chunk[0]])
            else:
                yield from zip(chunk, _run_chunk(fn, batch_fn, [tasks[i] for i in chunk]), strict=True)
    else:
        pool = WorkerPool(workers)
        try:
            yield from pool.run(fn, tasks, chunks, batch_fn)
        finally:
            pool.shutdown(cancel_futures=True)


def _run_chunk(fn, batch_fn, tasks) -> list[RunResult]:
    """One chunk of runs in this process: ``batch_fn(tasks)``, else ``call_chunk(fn, tasks)``."""
    return batch_fn(tasks) if batch_fn is not None else call_chunk(fn, tasks)


def _submit(pool, fn, tasks, chunks, batch_fn=None) -> Iterator[tuple[int, RunResult]]:
    """Submit every chunk of tasks to an open executor; yield each run's result as its chunk finishes."""
    pending = {pool.submit(_run_chunk, fn, batch_fn, [tasks[i] for i in chunk]): chunk for chunk in chunks}
    try:
        # as_completed, not a wait(FIRST_COMPLETED) loop: that rescans every pending
        # future per result, O(n^2) (9 s of overhead for 8,000 runs, measured)
        for fut in as_completed(list(pending)):
            chunk = pending.pop(fut)
            exc = fut.exception()
            if exc:
                for i in chunk:
                    yield i, RunResult(False, error=f"worker died: {exc!r}")
            else:
                yield from zip(chunk, fut.result(), strict=True)
    except BaseException:
        for fut in pending:
            fut.cancel()
        raise


#: Above this many runs a batch is refused whatever the machine (the run store,
#: the task list and the progress bookkeeping grow with it).
MAX_RUNS = 10**8
#: A cosim run takes about 0.02 s + 2.5e-7 s per citizen-week (measured on 2 shared cores with the
#: compiled kernels of issue 16, December 2026; 5e-7 before them).
SECONDS_PER_CITIZEN_WEEK = 2.5e-7


def seconds_per_run(n_citizens: int, steps: int) -> float:
    """Rough wall time of one cosim run, for the estimate in a refusal and the size of chunks (plan_chunks)."""
    return 0.02 + SECONDS_PER_CITIZEN_WEEK * n_citizens * steps


def batch_problem(n_runs: int, what: str, bytes_per_run: float, seconds: float, workers: int = 1,
                  advice: str = "reduce the number of runs") -> str | None:
    """Why a batch of ``n_runs`` would not fit this machine (runs, memory and time stated), or None.

    Refused: more than :data:`MAX_RUNS` runs, or results estimated to need more
    than half of the machine's memory.  ``what`` says where the runs come from
    (``"40 design points x 5 replications"``); ``seconds`` is one run's time.
    """
    memory = n_runs * bytes_per_run
    total = _physical_memory()
    if n_runs <= MAX_RUNS and (total is None or memory <= total / 2):
        return None
    cores = max(1, min(int(workers or 1), os.cpu_count() or 1))
    machine = f"this machine has {_bytes(total)}" if total else "this machine's memory is unknown"
    return (f"{n_runs:,} runs ({what}) would need about {_bytes(memory)} of memory for the results alone "
            f"({machine}) and about {_duration(n_runs * seconds / cores)} on {cores} core(s); at most "
            f"{MAX_RUNS:,} runs that fit in half the memory are accepted: {advice}")


def _physical_memory() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def _bytes(n: float | None) -> str:
    n = float(n or 0)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024:
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} PB"


def _duration(seconds: float) -> str:
    for unit, size in (("years", 365 * 86400), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:.0f} s"


#: Times a run is sent to a worker that then dies before it is recorded as failed.
MAX_ATTEMPTS = 3
_IDLE = -1  # a worker's slot when it runs nothing


class WorkerPool:
    """Local worker processes (spawned) that survive one of them dying.

    When a worker dies, Python's ``ProcessPoolExecutor`` fails every pending
    run with ``BrokenProcessPool`` and is never usable again.  Here the broken
    executor is replaced by a new one and the unfinished runs are sent again.
    Each worker notes in shared memory which run it is on, so only the runs in
    progress when a worker died are charged an attempt; a run charged
    ``max_attempts`` times is recorded as failed with the cause (the signal or
    exit code of the dead worker).  Usable for many batches (calibration).
    """

    def __init__(self, workers: int, max_attempts: int = MAX_ATTEMPTS):
        self.workers = int(workers)
        self.max_attempts = int(max_attempts)
        self._tokens = itertools.count()
        self._pool: ProcessPoolExecutor | None = None
        self._slots: Any = None
        self._pids: Any = None
        self._processes: list[Any] = []

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            ctx = multiprocessing.get_context("spawn")
            self._slots = ctx.Array("q", [_IDLE] * self.workers, lock=False)
            self._pids = ctx.Array("q", [0] * self.workers, lock=False)
            counter = ctx.Value("i", 0)
            # PR_SET_PDEATHSIG fires when the *thread* that started a worker ends: use it
            # only when that is the main thread (workers are started at the first submit)
            main = threading.current_thread() is threading.main_thread()
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=_worker_init,
                                             initargs=(os.getpid(), self._slots, counter, main, self._pids))
            self._processes = []
        return self._pool

    def _discard(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the workers (the ``concurrent.futures`` executor interface)."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)
        self._pool = None

    def _death_cause(self) -> str:
        for p in self._processes:
            p.join(timeout=1.0)
        codes = [p.exitcode for p in self._processes if p.exitcode not in (None, 0, -signal.SIGTERM)]
        if not codes:
            return "a worker process died"
        code = codes[0]
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else f"signal {-code}"
            why = {"SIGKILL": " (the out-of-memory killer or kill -9)", "SIGSEGV": " (a crash in compiled code)"}
            return f"a worker process was killed by {name}{why.get(name, '')}"
        return f"a worker process exited with code {code}"

    def run(self, fn: Callable[[Any], Any], tasks: Sequence[Any], chunks: Sequence[Sequence[int]] | None = None,
            batch_fn: Callable[[Sequence[Any]], list[RunResult]] | None = None) -> Iterator[tuple[int, RunResult]]:
        """Run every task; yield ``(task index, RunResult)`` as each finishes, whatever workers die.

        ``chunks`` (task indices, default one task each) are sent to a worker as
        one unit (see :func:`map_runs`).  When a worker dies, every run of the
        chunks it was on is charged an attempt, and the unfinished runs of broken
        chunks are sent again one per task, so a run that kills its worker takes
        no other run down with it.
        """
        attempts = [0] * len(tasks)
        todo = [list(c) for c in chunks] if chunks is not None else [[i] for i in range(len(tasks))]
        breaks_without_progress = 0
        while todo:
            pool = self._executor()
            futures = {}
            try:
                for chunk in todo:
                    token = next(self._tokens)
                    futures[pool.submit(_tracked_call, fn, [tasks[i] for i in chunk], token, batch_fn)] = (chunk,
                                                                                                            token)
                if not self._processes:
                    self._processes = list(getattr(pool, "_processes", {}).values())
                todo, broken = [], {}
                # as_completed, not a wait(FIRST_COMPLETED) loop: that rescans every pending
                # future per result, O(n^2) (9 s of overhead for 8,000 runs, measured)
                for fut in as_completed(list(futures)):
                    chunk, token = futures.pop(fut)
                    exc = fut.exception()
                    if isinstance(exc, BrokenProcessPool):
                        broken[token] = chunk
                        continue
                    breaks_without_progress = 0
                    if exc:
                        for i in chunk:
                            yield i, RunResult(False, error=f"worker failed: {exc!r}")
                    else:
                        yield from zip(chunk, fut.result(), strict=True)
            except BaseException:
                for fut in futures:
                    fut.cancel()
                raise
            if not broken:
                break
            running = {int(t): int(pid) for t, pid in zip(self._slots, self._pids, strict=True) if t != _IDLE}
            self._discard()  # joins the workers first, so the dead one's exit code is known
            cause = self._death_cause()
            # the executor terminates (SIGTERM) the surviving workers of a broken pool: their runs did
            # not kill anything and are not charged (once, a run that kept running beside the killer
            # was charged at every break and failed with it)
            exits = {p.pid: p.exitcode for p in self._processes}
            guilty = {t for t, pid in running.items() if exits.get(pid) != -signal.SIGTERM} or set(running)
            breaks_without_progress += 1
            for token, chunk in sorted(broken.items(), key=lambda kv: kv[1][0]):
                for i in chunk:
                    if token in guilty or breaks_without_progress > self.max_attempts:
                        attempts[i] += 1
                    if attempts[i] >= self.max_attempts or breaks_without_progress > self.max_attempts:
                        yield i, RunResult(False, error=f"WorkerDied: {cause} while running this run, "
                                                        f"{attempts[i]} time(s); not sent again")
                    else:
                        todo.append([i])
            todo.sort()


def _worker_init(parent_pid: int, slots: Any, counter: Any, main_thread: bool, pids: Any = None) -> None:
    """In each worker: die with the parent, and take a slot to note the run in progress (and its pid)."""
    global _slots, _slot
    with counter.get_lock():
        _slot = counter.value
        counter.value += 1
    _slots = slots
    if pids is not None and _slot < len(pids):
        pids[_slot] = os.getpid()
    die_with_parent(parent_pid, use_prctl=main_thread)


_slots: Any = None
_slot = 0


def die_with_parent(parent_pid: int, *, use_prctl: bool = True, poll_s: float = 0.5) -> None:
    """Make this process end when ``parent_pid`` ends (even by kill -9), leaving no orphan.

    Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` (the kernel kills us when the
    parent dies).  Everywhere, and as a backstop: a daemon thread that exits
    once ``os.getppid()`` is no longer the parent (we were re-parented).
    """
    if use_prctl and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before the prctl took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(poll_s)
        os._exit(1)

    threading.Thread(target=watch, name="cosim-die-with-parent", daemon=True).start()


def _tracked_call(fn: Callable[[Any], Any], tasks: Sequence[Any], token: int,
                  batch_fn: Callable[[Sequence[Any]], list[RunResult]] | None = None) -> list[RunResult]:
    """One chunk of runs (``_run_chunk``), noting ``token`` in this worker's slot while it is in progress."""
    if _slots is not None and _slot < len(_slots):
        _slots[_slot] = token
    try:
        return _run_chunk(fn, batch_fn, tasks)
    finally:
        if _slots is not None and _slot < len(_slots):
            _slots[_slot] = _IDLE


def check_dask_address(address: str) -> None:
    """Refuse an address Dask cannot parse (``tcp://10.0.0.5:8786`` or ``10.0.0.5:8786``) before any work."""
    try:
        from distributed.comm.addressing import parse_address, parse_host_port

        parse_host_port(parse_address(address)[1])
    except ImportError:  # pragma: no cover - dask is a dependency; _dask says so
        return
    except (ValueError, TypeError) as exc:
        raise UsageError(f"expected a Dask scheduler address such as tcp://10.0.0.5:8786, got {address!r} ({exc})",
                         argument="dask") from None


def _dask(fn, tasks, address, n_local, chunks=None, batch_fn=None) -> Iterator[tuple[int, RunResult]]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise BackendError("Dask is not installed: pip install 'dask[distributed]'") from exc
    cluster = None
    try:
        if address:
            try:
                client = Client(address, timeout="10s")
            except (OSError, TimeoutError, ValueError) as exc:  # ValueError: not an address
                raise BackendError(f"--dask {address}: cannot reach a Dask scheduler there ({exc})") from None
        else:
            cluster = LocalCluster(n_workers=int(n_local), threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        chunks = chunks if chunks is not None else [[i] for i in range(len(tasks))]
        with client:
            futures = client.map(_run_chunk, [fn] * len(chunks), [batch_fn] * len(chunks),
                                 [[tasks[i] for i in chunk] for chunk in chunks], pure=False)
            index = {f.key: chunk for chunk, f in zip(chunks, futures, strict=True)}
            for fut in as_completed(futures):
                chunk = index[fut.key]
                if fut.status == "error":
                    for i in chunk:
                        yield i, RunResult(False, error=f"dask task failed: {fut.exception()!r}")
                else:
                    yield from zip(chunk, fut.result(), strict=True)
                fut.release()
    finally:
        if cluster is not None:
            cluster.close()
