"""Several runs in one call: the unit of work the runners send for small runs.

When one run takes a few tens of milliseconds, what surrounds it (a task and a
result pickled per run, one process-pool or Dask round trip per run, a future
and its bookkeeping per run) is a large share of the time.  The runners
(:func:`cosim.runs.backends.map_runs`) therefore send small runs in chunks;
each chunk is one call of :func:`evaluate_batch` (or, for another per-run
function, of :func:`cosim.runs.backends.call_chunk`) in a worker.  A chunk's
tasks share their base scenario dict, so pickling the chunk sends it once.

Each result is exactly what the single path gives: every run is made by
:func:`cosim.runs.evaluators.evaluate_run` (looked up when called, so a test's
stand-in is honoured), wrapped like :func:`cosim.runs.backends.map_runs` wraps
one run, a failing run recorded as the same failed RunResult without stopping
the others.  Nothing is carried from one run to the next, so results do not
depend on the chunk a run lands in (tested bit for bit on every shipped
scenario, tests/test_batch.py).

Not shared across a chunk's runs: the validation of the scenario.
``scenario_from_dict`` costs 0.16 ms a run (baseline, measured), well under 1 %
of a 40 ms run, while validating the base once and applying each run's
overrides another way would have to reproduce every check of the single path
(cross-field rules, schedules, the budget) to keep failures and values the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cosim.runs.backends import RunResult, call_chunk

#: The defaults of the two sizes a task's run time is estimated from, when neither the base nor the
#: overrides set them (filled on first use from the scenario schema).
_DEFAULT_SIZE: dict[str, int] = {}


def evaluate_batch(tasks: Sequence[Any]) -> list[RunResult]:
    """Run every task (:class:`cosim.runs.evaluators.RunTask`); one RunResult per task, in order.

    ``result.value`` is ``evaluate_run(task)``; a run that raises gives the
    failed RunResult the runner records for it and the others go on.
    """
    from cosim.runs import evaluators

    return call_chunk(evaluators.evaluate_run, tasks)


def task_seconds(task: Any) -> float:
    """Estimated seconds of one task's run, from its scenario's size (see ``seconds_per_run``).

    A :class:`cosim.runs.evaluators.RunTask` (or an object with one as ``.task``,
    such as a calibration job); anything else (or the ishigami model) counts as
    instant.  Cheap: reads the two sizes from the overrides or the base dict
    without validating the scenario.
    """
    from cosim.runs.backends import seconds_per_run

    task = getattr(task, "task", task)
    if getattr(task, "model", None) != "cosim":
        return 0.0 if hasattr(task, "model") else 1.0
    run = task.base.get("run", {}) if isinstance(task.base, dict) else {}
    run = run if isinstance(run, dict) else {}
    sizes = []
    for key in ("n_citizens", "steps"):
        value = task.params.get(f"run.{key}", run.get(key))
        if value is None:
            value = _default_size(key)
        try:
            sizes.append(max(0, int(value)))
        except (TypeError, ValueError):  # an invalid value: the run fails at once
            sizes.append(0)
    return seconds_per_run(sizes[0], sizes[1])


def _default_size(key: str) -> int:
    if not _DEFAULT_SIZE:
        from cosim.scenario.schema import Scenario

        defaults = Scenario().run
        _DEFAULT_SIZE.update(n_citizens=int(defaults.n_citizens), steps=int(defaults.steps))
    return _DEFAULT_SIZE[key]
