"""Experiment designs: which parameter values each design point gets.

A design is a raw sample matrix ``X`` in SALib's order (one row per design
point, one column per factor) and a ``points`` table with the actual parameter
values the model receives.  Ranges are sampled on ``[min, max]``; a factor with
a ``values`` list is a discrete factor sampled on ``[0, k]`` and mapped to level
``min(floor(x), k - 1)`` (so a uniform draw ``u`` in [0, 1] picks level
``floor(u * k)``); integer factors are rounded half up before they reach the
model (SALib samples floats).

Designs (Saltelli et al. 2008, *Global Sensitivity Analysis: The Primer*):

- ``grid``: the full factorial of every factor's levels (a ``values`` list, or
  ``steps`` evenly spaced points from ``min`` to ``max``);
- ``lhs``: a Latin hypercube of ``samples`` points (McKay, Beckman & Conover
  1979; ``scipy.stats.qmc.LatinHypercube``);
- ``sobol``: Saltelli's scheme on a scrambled Sobol' sequence of ``samples``
  base points (``SALib.sample.sobol.sample``): ``N (D + 2)`` rows, or
  ``N (2D + 2)`` with second-order indices.  Rows come in blocks of one base
  point each, so the design for ``N`` is a prefix of the design for ``2N`` and
  extending it runs only the new points;
- ``morris``: ``samples`` elementary-effect trajectories on a ``levels``-level
  grid (Morris 1991; ``SALib.sample.morris.sample``).

Every random design is seeded from the experiment's ``root_seed`` alone.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd

from cosim.runs.ids import design_seed
from cosim.runs.spec import Experiment, Factor


def factor_bounds(f: Factor) -> list[float]:
    """SALib bounds of one factor: ``[min, max]`` for a range, ``[0, k]`` for k discrete levels."""
    if f.values is not None:
        return [0.0, float(len(f.values))]
    return [float(f.min), float(f.max)]  # type: ignore[arg-type]


def salib_problem(exp: Experiment) -> dict[str, Any]:
    """The SALib problem: ``num_vars``, ``names`` (factor paths), ``bounds``, and ``groups`` if any."""
    problem: dict[str, Any] = {
        "num_vars": len(exp.factors),
        "names": [f.path for f in exp.factors],
        "bounds": [factor_bounds(f) for f in exp.factors],
    }
    if any(f.group for f in exp.factors):
        problem["groups"] = [f.group or f.path for f in exp.factors]
    return problem


def factor_value(f: Factor, x: float) -> Any:
    """The parameter value a raw sample ``x`` stands for (a level, a rounded integer or a float)."""
    if f.values is not None:
        k = len(f.values)
        return f.values[min(max(math.floor(x), 0), k - 1)]
    if f.integer:
        v = math.floor(x + 0.5)  # round half up: deterministic, unlike banker's rounding
        return int(min(max(v, math.ceil(f.min)), math.floor(f.max)))  # type: ignore[arg-type]
    return float(x)


def grid_levels(f: Factor) -> list[float]:
    """Raw grid coordinates of one factor: level centres ``j + 0.5`` or ``steps`` points on the range."""
    if f.values is not None:
        return [j + 0.5 for j in range(len(f.values))]
    xs = np.linspace(float(f.min), float(f.max), int(f.steps))  # type: ignore[arg-type]
    if f.integer:  # drop steps that round to the same integer
        seen: dict[int, float] = {}
        for x in xs:
            seen.setdefault(factor_value(f, x), float(x))
        return [float(v) for v in seen]
    return [float(x) for x in xs]


def sample_matrix(exp: Experiment) -> np.ndarray:
    """The raw sample matrix ``X`` (rows = design points) in SALib's order."""
    problem = salib_problem(exp)
    seed = design_seed(exp.root_seed)
    if exp.design == "grid":
        rows = list(itertools.product(*(grid_levels(f) for f in exp.factors)))
        return np.array(rows, dtype=float).reshape(len(rows), len(exp.factors))
    if exp.design == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(exp.factors), rng=np.random.default_rng(seed)).random(exp.samples)
        lo, hi = np.array(problem["bounds"]).T
        return lo + unit * (hi - lo)
    if exp.design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, exp.samples, calc_second_order=exp.second_order, seed=seed)
    if exp.design == "morris":
        from SALib.sample import morris

        return morris.sample(problem, N=exp.samples, num_levels=exp.levels, seed=seed)
    raise ValueError(f"unknown design {exp.design!r}")


def design(exp: Experiment) -> tuple[np.ndarray, pd.DataFrame]:
    """The design: raw matrix ``X`` (SALib's order) and ``points`` (point_id + actual values).

    ``points`` has one row per row of ``X``: ``point_id`` (the row index) and one
    column per factor path holding the value the model receives.
    """
    X = sample_matrix(exp)
    columns: dict[str, Any] = {"point_id": np.arange(len(X), dtype=np.int64)}
    for j, f in enumerate(exp.factors):
        columns[f.path] = [factor_value(f, x) for x in X[:, j]]
    return X, pd.DataFrame(columns)


def count_points(exp: Experiment) -> int:
    """Design points, counted without building the design (a huge design is refused before it is built)."""
    if exp.design == "grid":
        return math.prod(len(f.values) if f.values is not None else int(f.steps or 2) for f in exp.factors)
    n = int(exp.samples or 0)
    d = len({f.group or f.path for f in exp.factors})
    if exp.design == "lhs":
        return n
    if exp.design == "sobol":
        return n * (2 * d + 2 if exp.second_order else d + 2)
    return n * (d + 1)  # morris: one trajectory visits d + 1 points


def n_runs(exp: Experiment) -> int:
    """Design points times replications, without building the design (for grid, lhs)."""
    if exp.design == "grid":
        return math.prod(len(grid_levels(f)) for f in exp.factors) * exp.replications
    if exp.design == "lhs":
        return int(exp.samples) * exp.replications  # type: ignore[arg-type]
    return len(sample_matrix(exp)) * exp.replications
