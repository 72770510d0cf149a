"""The plain seam that runners, notebooks and outside tools call.

``simulate(scenario, seed)`` runs one model and returns its tidy table;
``evaluate(**params)`` runs one model and returns its scalar outcomes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cosim.errors import UsageError, expect_int
from cosim.model.model import CoProductionModel
from cosim.outputs.metrics import outcomes
from cosim.runs.ids import MAX_SEED
from cosim.scenario.library import scenario_path
from cosim.scenario.loading import load_scenario
from cosim.scenario.schema import Scenario, parameter_bounds

BASELINE = scenario_path("baseline")
MIN_STEPS, MAX_STEPS = parameter_bounds("run.steps")


def simulate(scenario: Scenario | str | Path | None = None, seed: int | None = None,
             steps: int | None = None) -> pd.DataFrame:
    """Run one model and return its time series (one row per step and municipality).

    ``scenario`` is a Scenario, a path to a scenario file, or None for the
    defaults; ``seed`` (0 to 2**63 - 1) defaults to the scenario's ``run.seed``;
    ``steps`` (1 to 5,200 weeks) to its ``run.steps``.  A wrong argument raises
    :class:`~cosim.errors.UsageError` naming it; a bad scenario file a ScenarioError.
    """
    scenario = _scenario_argument(scenario)
    seed = scenario.run.seed if seed is None else expect_int(seed, "seed", minimum=0, maximum=MAX_SEED)
    if steps is not None:
        steps = expect_int(steps, "steps", minimum=MIN_STEPS, maximum=MAX_STEPS, what="a number of weeks")
    model = CoProductionModel(scenario, rng=seed)
    model.run(steps)
    df = model.timeseries()
    df.insert(0, "seed", seed)
    return df


def evaluate(scenario: str | Path | Scenario | None = None, seed: int = 1, **params: Any) -> dict[str, float]:
    """One run's scalar outcomes, for outside tools (EMA Workbench, SALib).

    Keyword names are dotted scenario paths with ``__`` for dots
    (``wifi__hotspots=40``); ``scenario`` is a file path (default: the bundled
    baseline) or a Scenario.
    """
    seed = expect_int(seed, "seed", minimum=0, maximum=MAX_SEED)
    overrides = {k.replace("__", "."): _plain(v) for k, v in params.items()}
    if isinstance(scenario, Scenario):
        from cosim.scenario.loading import with_overrides

        sc = with_overrides(scenario, overrides) if overrides else scenario
    else:
        sc = _scenario_argument(BASELINE if scenario is None and BASELINE is not None else scenario, overrides)
    return outcomes(simulate(sc, seed))


def _scenario_argument(scenario: Any, overrides: dict[str, Any] | None = None) -> Scenario:
    """A Scenario as given, else loaded from a path or bundled name (None: the defaults)."""
    if isinstance(scenario, Scenario):
        return scenario
    if scenario is not None and not isinstance(scenario, str | Path):
        raise UsageError(f"expected a Scenario, a scenario file path or a bundled scenario name, "
                         f"got {type(scenario).__name__}", argument="scenario")
    return load_scenario(scenario, overrides)


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v
