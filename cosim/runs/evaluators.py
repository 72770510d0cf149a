"""What one run of an experiment evaluates: the cosim model or a test function.

``evaluate_run(task)`` is the picklable unit of work every runner sends to a
backend.  ``model = "cosim"`` runs the co-production model; ``"ishigami"`` runs
the Ishigami test function (Ishigami & Homma 1990) through the same path, so
the sensitivity pipeline can be verified on known indices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cosim.model.model import CoProductionModel
from cosim.outputs.metrics import first_outcome_week, model_outcomes, outcomes, outcomes_of_last_weeks
from cosim.scenario.loading import scenario_from_dict


@dataclass(frozen=True)
class RunTask:
    """One run: which model, the base scenario (as a dict), overrides and seed."""

    run_id: int
    seed: int
    params: dict[str, Any]
    model: str = "cosim"
    base: dict[str, Any] = field(default_factory=dict)
    source: str = "<experiment>"
    keep_timeseries: bool = False
    noise_sd: float = 0.0


def evaluate_run(task: RunTask) -> dict[str, Any]:
    """Run one task; return ``{"outcomes": {...}, "timeseries": DataFrame | None}``."""
    if task.model == "ishigami":
        return {"outcomes": ishigami(task.params, task.seed, task.noise_sd), "timeseries": None}
    if task.model != "cosim":
        raise ValueError(f"unknown model {task.model!r}; expected 'cosim' or 'ishigami'")
    scenario = scenario_from_dict(task.base, task.source, task.params)
    if not task.keep_timeseries:
        return {"outcomes": _run_outcomes(CoProductionModel(scenario, rng=task.seed, collect=False)),
                "timeseries": None}
    # what cosim.runs.simulate.simulate(scenario, task.seed) does, keeping the model for outcomes
    model = CoProductionModel(scenario, rng=task.seed)
    model.run(None)
    df = model.timeseries()
    df.insert(0, "seed", task.seed)
    return {"outcomes": outcomes(df), "timeseries": df}


def _run_outcomes(model: CoProductionModel) -> dict[str, float]:
    """Run a new model (built with ``collect=False``) to its horizon; its scalar outcomes.

    ``outcomes(model.timeseries())`` of the same run recording every week, bit
    for bit, without the pandas table and recording only what the outcomes
    read: the weeks from :func:`~cosim.outputs.metrics.first_outcome_week` on
    (the last 52), the spend of every week, and week 0 as a collecting model
    does (its group keys are made then).  Recording does not change the run
    (it reads the model's state), and each week's metrics depend on that
    week's state alone, so the values are those of full recording
    (tests/test_fixed_cost_outputs.py).  The one place the runners extract
    outcomes when the time series is not kept, for single and batched runs
    alike.
    """
    steps = model.config.run.steps  # what model.run(None) runs
    model.record()
    first = first_outcome_week(steps)
    spend = np.empty((steps, model.n_muni))
    for week in range(steps):
        model.step()
        spend[week] = model.week_stats["spend"]
        if model.week >= first:
            model.record()
    if steps < 1:  # (the schema requires one week) model_outcomes' error
        return model_outcomes(model)
    return outcomes_of_last_weeks(model, spend)


ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1


def ishigami(params: dict[str, Any], seed: int, noise_sd: float = 0.0) -> dict[str, float]:
    """Ishigami function y = sin x1 + a sin^2 x2 + b x3^4 sin x1 (a=7, b=0.1), x in [-pi, pi].

    Analytic indices: S1 = 0.314, 0.442, 0.0; ST = 0.558, 0.442, 0.244.
    ``noise_sd`` adds Gaussian noise (seeded) to mimic a stochastic model.
    """
    x1, x2, x3 = (float(params[k]) for k in ("x1", "x2", "x3"))
    y = np.sin(x1) + ISHIGAMI_A * np.sin(x2) ** 2 + ISHIGAMI_B * x3**4 * np.sin(x1)
    if noise_sd > 0:
        y += np.random.default_rng(seed).normal(0.0, noise_sd)
    return {"y": float(y)}
