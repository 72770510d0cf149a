"""The plain seam that runners, notebooks and outside tools call.

``simulate(scenario, seed)`` runs one model and returns its tidy table;
``evaluate(**params)`` runs one model and returns its scalar outcomes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cosim.model.model import CoProductionModel
from cosim.outputs.metrics import outcomes
from cosim.scenario.library import scenario_path
from cosim.scenario.loading import load_scenario
from cosim.scenario.schema import Scenario

BASELINE = scenario_path("baseline")


def simulate(scenario: Scenario | str | Path | None = None, seed: int | None = None,
             steps: int | None = None) -> pd.DataFrame:
    """Run one model and return its time series (one row per step and municipality).

    ``scenario`` is a Scenario, a path to a scenario file, or None for the
    defaults; ``seed`` defaults to the scenario's ``run.seed``.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    seed = scenario.run.seed if seed is None else int(seed)
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
    overrides = {k.replace("__", "."): _plain(v) for k, v in params.items()}
    if isinstance(scenario, Scenario):
        from cosim.scenario.loading import with_overrides

        sc = with_overrides(scenario, overrides) if overrides else scenario
    else:
        path = BASELINE if scenario is None and BASELINE is not None else scenario
        sc = load_scenario(path, overrides)
    return outcomes(simulate(sc, seed))


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v
