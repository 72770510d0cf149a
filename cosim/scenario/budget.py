"""What the levers cost, and how a year's spend is held to the budget.

Costs are per municipality, in Rand.  Capital costs (hotspots) are spread evenly
over five years (straight-line; an assumption that keeps annual budgets
comparable).  A year whose planned spend exceeds ``municipality.annual_budget_rand``
is refused (``over_budget = "refuse"``) or has every variable lever intensity
scaled down by the same factor (``"scale"``).  A run that ends part-way through
a year has that year's budget prorated by its weeks (40 weeks get 40/52 of the
annual budget), so a plan over budget is over budget whatever the horizon.
"""

from __future__ import annotations

from itertools import pairwise
from math import floor
from typing import Any

import numpy as np

from cosim.errors import ScenarioError
from cosim.scenario.schedules import is_integer, table, with_values
from cosim.scenario.schema import LEVERS, WEEKS_PER_YEAR, Lever, Scenario


def weekly_cost(lever: str, cfg: Any, s: Scenario) -> float:
    """Rand per week of one lever configuration in one municipality (the lever's own ``weekly_cost``)."""
    return cfg.weekly_cost(s)


def sharing_factor(s: Scenario, links: Any) -> float:
    """Share of the cost a municipality pays when costs are shared (>= 0.5)."""
    m = s.region.n_municipalities
    if not links.shared_costs or m < 2:
        return 1.0
    return 1.0 - min(0.5, links.cost_saving * (m - 1))


class BudgetPlan:
    """The lever configurations in force each week, after budget scaling."""

    def __init__(self, s: Scenario):
        self.scenario = s
        self._windows = {lv: getattr(s, lv).windows() for lv in LEVERS}
        self._defaults = {lv: type(getattr(s, lv))() for lv in LEVERS}
        self._cache: dict[tuple[Any, ...], Lever] = {}
        # lever fields that follow a schedule (cosim/scenario/schedules.py): their values in weeks
        # 0 .. steps - 1 replace the field in the lever's window in force (outside every window the
        # lever is at its defaults, off, as without a schedule), so its cost follows them
        self._scheduled: dict[str, dict[str, np.ndarray]] = {}
        # a scheduled population (a trend, docs/ODD.md Submodel 0): costs per resident follow it
        self._population: np.ndarray | None = None
        self._in_week: dict[int, Scenario] = {}
        if s.schedules:
            for path, values in table(s, 0, s.run.steps - 1).items():
                lever, field = path.split(".")
                if path == "municipality.population":
                    self._population = values.astype(np.int64)
                if lever in self._windows:
                    self._scheduled.setdefault(lever, {})[field] = \
                        values.astype(np.int64) if is_integer(path) else values
        self.n_years = -(-s.run.steps // WEEKS_PER_YEAR)
        raw = [self._year_costs(y, 1.0) for y in range(self.n_years)]
        self.planned = raw  # per year: {lever: Rand}
        # a partial last year gets its share of the annual budget (weeks / 52)
        self.budgets = [s.municipality.annual_budget_rand * len(self.weeks_of_year(y)) / WEEKS_PER_YEAR
                        for y in range(self.n_years)]
        self.scale = []
        for costs, budget in zip(raw, self.budgets, strict=True):
            total = sum(costs.values())
            fixed = costs.get("channels", 0.0)
            if s.municipality.over_budget == "scale" and total > budget * (1 + 1e-9):
                variable = total - fixed
                f = max(0.0, (budget - fixed) / variable) if variable > 0 else 1.0
                self.scale.append(min(1.0, f))
            else:
                self.scale.append(1.0)

    def scenario_in(self, week: int) -> Scenario:
        """The scenario whose costs apply in ``week``: with a scheduled population, that week's population."""
        if self._population is None:
            return self.scenario
        population = int(self._population[min(max(week, 0), self.scenario.run.steps - 1)])
        if population not in self._in_week:
            self._in_week[population] = with_values(self.scenario, {"municipality.population": population})
        return self._in_week[population]

    def weeks_of_year(self, y: int) -> range:
        return range(y * WEEKS_PER_YEAR, min((y + 1) * WEEKS_PER_YEAR, self.scenario.run.steps))

    def _year_costs(self, y: int, f: float) -> dict[str, float]:
        """Rand planned per lever in year ``y`` at scale ``f``: each week's cost, added week by week."""
        out = dict.fromkeys(LEVERS, 0.0)
        weeks = self.weeks_of_year(y)
        if self._scheduled or self._population is not None:  # a lever field or the population may change any week
            spans = [(w, w + 1) for w in weeks]
        else:  # every lever's configuration is the same from one window's start or stop to the next
            cuts = {weeks.start, weeks.stop}
            for lever in LEVERS:
                cuts.update(b for start, stop, _ in self._windows[lever] for b in (start, stop)
                            if b is not None and weeks.start < b < weeks.stop)
            edges = sorted(cuts)
            spans = list(pairwise(edges))
        for first, stop in spans:
            share = sharing_factor(self.scenario, self.config("links", first, 1.0))
            for lever in LEVERS:
                cost = weekly_cost(lever, self.config(lever, first, f), self.scenario_in(first)) * share
                total = out[lever]
                for _ in range(stop - first):  # added once a week, as the totals always were (the same sums)
                    total += cost
                out[lever] = total
        return out

    def config(self, lever: str, week: int, f: float | None = None) -> Any:
        """The configuration of ``lever`` in ``week``, scaled to the budget."""
        if f is None:
            y = min(week // WEEKS_PER_YEAR, self.n_years - 1)
            f = self.scale[y]
        f = round(f, 12)
        for i, (start, stop, cfg) in enumerate(self._windows[lever]):  # noqa: B007 (used after break)
            if start <= week and (stop is None or week < stop):
                break
        else:
            i, cfg = -1, self._defaults[lever]
        scheduled = self._scheduled.get(lever) if i >= 0 else None  # outside every window: the defaults (off)
        if scheduled:
            w = min(max(week, 0), self.scenario.run.steps - 1)
            values = {field: v[w].item() for field, v in scheduled.items()}
            key: tuple[Any, ...] = (lever, i, f, *values.values())
            if key not in self._cache:
                self._cache[key] = _scaled(cfg.model_copy(update=values), lever, f)
            return self._cache[key]
        key = (lever, i, f)
        if key not in self._cache:
            self._cache[key] = _scaled(cfg, lever, f)
        return self._cache[key]

    def spend(self, week: int) -> dict[str, float]:
        """Rand spent per lever in ``week`` (one municipality)."""
        share = sharing_factor(self.scenario, self.config("links", week))
        s = self.scenario_in(week)
        return {lv: weekly_cost(lv, self.config(lv, week), s) * share for lv in LEVERS}


def _scaled(cfg: Lever, lever: str, f: float) -> Lever:
    if f >= 1.0 or not cfg.scalable:
        return cfg
    update = {}
    for field in cfg.scalable:
        v = getattr(cfg, field)
        update[field] = floor(v * f) if isinstance(v, int) and not isinstance(v, bool) else v * f
    return cfg.model_copy(update=update)


def check_budget(s: Scenario, source: str) -> None:
    """Refuse a scenario whose planned spend exceeds its budget in some year."""
    if s.municipality.over_budget != "refuse":
        return

    plan = BudgetPlan(s)
    problems = []
    for y, (costs, budget) in enumerate(zip(plan.planned, plan.budgets, strict=True)):
        total = sum(costs.values())
        if total > budget * (1 + 1e-9):
            parts = ", ".join(f"{k} R{v / 1e6:.2f} m" for k, v in costs.items() if v > 0)
            weeks = len(plan.weeks_of_year(y))
            part = "" if weeks == WEEKS_PER_YEAR else f" (weeks {y * WEEKS_PER_YEAR + 1}-{y * WEEKS_PER_YEAR + weeks}: " \
                f"{weeks} of {WEEKS_PER_YEAR} weeks of the annual R{s.municipality.annual_budget_rand / 1e6:.2f} m)"
            problems.append(
                f"{source}: municipality.annual_budget_rand: year {y + 1} plans R{total / 1e6:.2f} m "
                f"but the budget is R{budget / 1e6:.2f} m{part} ({parts}); raise the budget, cut a lever, "
                f"or set municipality.over_budget = \"scale\"")
    if problems:
        raise ScenarioError(problems)
