"""Batched runs (issue 16) give exactly what single runs give.

``evaluate_batch`` runs several tasks in one call, and the runners send small
runs to workers in chunks; neither may change a single bit of any result:
checked on every shipped scenario (found at test time), and through the
experiment runner with batching on and off, serially, on two processes and on Dask.
"""

from __future__ import annotations

import math
import os
import signal
import struct
import time
from pathlib import Path

import pandas as pd
import pytest

from cosim.runs.backends import CHUNK_SECONDS, map_runs, plan_chunks
from cosim.runs.batch import evaluate_batch, task_seconds
from cosim.runs.evaluators import RunTask, evaluate_run
from cosim.scenario.loading import read_toml

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
SMALL = {"run.n_citizens": 300, "run.steps": 60}


def _bits(x: object) -> object:
    """A float as its exact bits (so NaN equals NaN at the same place, and -0.0 differs from 0.0)."""
    return struct.pack("<d", x) if isinstance(x, float) else x


def assert_same_result(single: dict, batched: dict) -> None:
    assert list(single["outcomes"]) == list(batched["outcomes"])
    assert {k: _bits(v) for k, v in single["outcomes"].items()} == \
        {k: _bits(v) for k, v in batched["outcomes"].items()}
    if single["timeseries"] is None:
        assert batched["timeseries"] is None
    else:
        pd.testing.assert_frame_equal(single["timeseries"], batched["timeseries"], check_exact=True)


def _tasks(path: Path) -> list[RunTask]:
    base = read_toml(path)
    base.setdefault("name", path.stem)  # as load_scenario does
    src = str(path)
    return [
        RunTask(run_id=0, seed=11, params=dict(SMALL), base=base, source=src),
        RunTask(run_id=1, seed=12, params=dict(SMALL), base=base, source=src, keep_timeseries=True),
        RunTask(run_id=2, seed=13, params={**SMALL, "adoption.q": 0.013}, base=base, source=src),
    ]


def test_every_shipped_scenario_is_found():
    assert len(SCENARIOS) >= 10 and (ROOT / "scenarios" / "baseline.toml") in SCENARIOS


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_a_batch_equals_the_same_runs_made_one_at_a_time(path):
    """Bit for bit, on every shipped scenario; the batch runs in reverse order, so nothing may carry over."""
    tasks = _tasks(path)
    singles = [evaluate_run(t) for t in tasks]
    batched = evaluate_batch(tasks[::-1])[::-1]
    assert len(batched) == len(tasks)
    for single, res in zip(singles, batched, strict=True):
        assert res.ok, res.error
        assert_same_result(single, res.value)
    assert any(not math.isnan(v) for v in singles[0]["outcomes"].values())


def test_a_failing_run_in_a_batch_gives_the_runners_failure_record_and_the_others_go_on():
    from cosim.runs.backends import _call

    path = ROOT / "scenarios" / "baseline.toml"
    good, *_ = _tasks(path)
    bad = RunTask(run_id=9, seed=1, params={**SMALL, "adoption.q": -5.0}, base=good.base, source=str(path))
    results = evaluate_batch([bad, good, bad])
    single_failure = _call(evaluate_run, bad)
    assert [r.ok for r in results] == [False, True, False]
    assert results[0].error == single_failure.error == results[2].error
    assert_same_result(evaluate_run(good), results[1].value)


def test_ishigami_tasks_batch_too():
    tasks = [RunTask(run_id=i, seed=i, params={"x1": 0.1 * i, "x2": -1.0, "x3": 2.0}, model="ishigami",
                     noise_sd=0.5) for i in range(5)]
    assert [r.value for r in evaluate_batch(tasks)] == [evaluate_run(t) for t in tasks]


# --------------------------------------------------------------------------- chunk planning


def test_chunks_cover_every_task_once_in_order():
    for n in (0, 1, 7, 100):
        for kw in ({}, {"seconds": 0.05}, {"seconds": 0.05, "workers": 2}, {"batch_size": 1}, {"batch_size": 6},
                   {"seconds": [0.01 * (i % 5) for i in range(n)], "workers": 3}):
            chunks = plan_chunks(n, **kw)
            assert [i for c in chunks for i in c] == list(range(n))
            assert all(chunks)


def test_chunk_sizes():
    assert plan_chunks(10) == [[i] for i in range(10)]  # no estimate: one run per task, as before batching
    assert plan_chunks(10, 0.01, batch_size=1) == [[i] for i in range(10)]
    assert [len(c) for c in plan_chunks(10, 5.0, batch_size=4)] == [4, 4, 2]
    assert plan_chunks(10, CHUNK_SECONDS) == [[i] for i in range(10)]  # big runs: one each
    # 1,000 runs of 0.05 s on 2 workers: ~1.5 s of work a chunk
    assert {len(c) for c in plan_chunks(1000, 0.05, workers=2)[:-1]} == {int(CHUNK_SECONDS / 0.05)}
    # few runs: at most a quarter of one worker's share in a chunk, so both workers stay busy
    assert max(len(c) for c in plan_chunks(40, 0.001, workers=2)) == 5


def test_task_seconds_reads_the_sizes_from_overrides_then_base_then_defaults():
    from cosim.runs.backends import seconds_per_run

    base = {"run": {"n_citizens": 2000}}
    assert task_seconds(RunTask(0, 1, {"run.steps": 260}, base=base)) == seconds_per_run(2000, 260)
    assert task_seconds(RunTask(0, 1, {"run.n_citizens": 500, "run.steps": 52}, base=base)) == \
        seconds_per_run(500, 52)
    assert task_seconds(RunTask(0, 1, {}, base={})) == seconds_per_run(10000, 260)
    assert task_seconds(RunTask(0, 1, {"x1": 0}, model="ishigami")) == 0.0


# --------------------------------------------------------------------------- the runners


EXPERIMENT = """
[experiment]
name = "batch_check"
base = "{base}"
design = "grid"
replications = 3
root_seed = 7
[experiment.constants]
"run.n_citizens" = 300
"run.steps" = 30
[[factors]]
path = "wifi.hotspots"
values = [0, 40]
[[factors]]
path = "adoption.q"
values = [0.004, 0.012]
"""


def _experiment(tmp_path: Path):
    from cosim.runs.experiment import load_experiment

    f = tmp_path / "batch_check.toml"
    f.write_text(EXPERIMENT.format(base=(ROOT / "scenarios" / "baseline.toml").as_posix()))
    return load_experiment(f)


def _stored(exp, out: Path, **kw) -> pd.DataFrame:
    from cosim.runs.experiment import run_experiment

    run_experiment(exp, out, progress=False, **kw)
    table = pd.read_parquet(out / "runs.parquet")
    assert (table["status"] == "ok").all(), table["error"].tolist()
    return table.drop(columns="seconds")


def test_the_runner_stores_the_same_table_with_batching_on_and_off_serially(tmp_path):
    exp = _experiment(tmp_path)
    off = _stored(exp, tmp_path / "off", batch_size=1)
    on = _stored(exp, tmp_path / "on", batch_size=5)
    assert len(off) == 12
    pd.testing.assert_frame_equal(off, on, check_exact=True)


@pytest.mark.slow
def test_the_runner_stores_the_same_table_with_batching_on_and_off_on_processes_and_dask(tmp_path):
    exp = _experiment(tmp_path)
    off = _stored(exp, tmp_path / "off", batch_size=1)
    for name, kw in {"2 processes, auto": {"workers": 2}, "2 processes, 5 a chunk": {"workers": 2, "batch_size": 5},
                     "2 processes, 1 a chunk": {"workers": 2, "batch_size": 1},
                     "dask, 4 a chunk": {"dask_local": 2, "batch_size": 4}}.items():
        table = _stored(exp, tmp_path / name.replace(" ", "_").replace(",", ""), **kw)
        pd.testing.assert_frame_equal(off, table, check_exact=True, obj=name)


def kill_own_worker_in_a_chunk(task: tuple[int, str]) -> int:
    """Square ``n``; the first time task 4 runs, kill this worker process (mid-chunk)."""
    n, marker = task
    if n == 4 and not os.path.exists(marker):
        Path(marker).write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.02)
    return n * n


@pytest.mark.slow
def test_a_worker_dying_mid_chunk_retries_that_chunks_runs(tmp_path):
    marker = str(tmp_path / "killed")
    tasks = [(n, marker) for n in range(12)]
    results = dict(map_runs(kill_own_worker_in_a_chunk, tasks, workers=2, progress=False, batch_size=3))
    assert Path(marker).exists(), "the task never killed its worker"
    assert sorted(results) == list(range(12))
    assert all(r.ok for r in results.values()), [r.error for r in results.values() if not r.ok]
    assert [results[n].value for n in range(12)] == [n * n for n in range(12)]
