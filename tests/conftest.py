"""Shared fixtures: small, fast scenarios built through the public API."""

from __future__ import annotations

from pathlib import Path

import pytest

from cosim import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


def count_runs(monkeypatch) -> list[int]:
    """The run ids this process evaluates from now on (``--workers 1`` runs them here)."""
    import cosim.runs.evaluators

    real, ran = cosim.runs.evaluators.evaluate_run, []

    def counted(task):
        ran.append(task.run_id)
        return real(task)

    monkeypatch.setattr(cosim.runs.evaluators, "evaluate_run", counted)
    return ran


@pytest.fixture
def small():
    """The baseline at 1,000 citizens for 52 weeks."""
    return load_scenario(SCENARIOS / "baseline.toml", {"run.n_citizens": 1000, "run.steps": 52})


@pytest.fixture
def small_all_levers():
    """Every lever on (two municipalities) at 1,000 citizens for 130 weeks."""
    return load_scenario(SCENARIOS / "all_levers.toml", {"run.n_citizens": 1000, "run.steps": 130})
