"""BudgetPlan adds a year's costs span by span exactly as week by week (issue 16: a cheaper model build)."""

from pathlib import Path

import numpy as np
import pytest

from cosim.scenario.budget import BudgetPlan, sharing_factor, weekly_cost
from cosim.scenario.loading import load_scenario
from cosim.scenario.schema import LEVERS

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def week_by_week(plan: BudgetPlan, y: int, f: float) -> dict[str, float]:
    """The year's costs as BudgetPlan added them before spans: every week's cost looked up and added."""
    out = dict.fromkeys(LEVERS, 0.0)
    for w in plan.weeks_of_year(y):
        share = sharing_factor(plan.scenario, plan.config("links", w, 1.0))
        for lever in LEVERS:
            out[lever] += weekly_cost(lever, plan.config(lever, w, f), plan.scenario_in(w)) * share
    return out


def bits(costs: dict[str, float]) -> dict[str, bytes]:
    return {k: np.float64(v).tobytes() for k, v in costs.items()}


WINDOWED = [  # lever windows and phases that start, stop and overlap inside years and at their edges
    {"wifi.hotspots": 60, "wifi.start": 30, "wifi.stop": 140, "training.seats_per_week": 200.0, "training.start": 52,
     "campaign.reach_per_week": 0.3, "campaign.start": 7, "campaign.stop": 8},
    {"open_data.level": 0.7, "open_data.start": 51, "talent.salary_premium": 0.2, "talent.start": 1,
     "talent.stop": 259, "security.investment_rand": 2.0e6, "security.start": 104},
    {"wifi.hotspots": 40, "wifi.phases": [{"start": 26, "hotspots": 80}, {"start": 180, "hotspots": 10}],
     "run.steps": 200},
]


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_plans_the_same_costs(path):
    plan = BudgetPlan(load_scenario(path))
    for y in range(plan.n_years):
        for f in (1.0, plan.scale[y], 0.37):
            assert bits(plan._year_costs(y, f)) == bits(week_by_week(plan, y, f))


@pytest.mark.parametrize("overrides", WINDOWED)
def test_windows_inside_years_plan_the_same_costs(overrides):
    plan = BudgetPlan(load_scenario(SCENARIOS / "baseline.toml", overrides))
    for y in range(plan.n_years):
        for f in (1.0, 0.5):
            assert bits(plan._year_costs(y, f)) == bits(week_by_week(plan, y, f))
    # and the planned totals are those a cost that varies week by week gives (not costs x weeks)
    assert any(v != 0.0 for costs in plan.planned for v in costs.values())
