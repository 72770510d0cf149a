"""A point estimate by differential evolution (Storn & Price 1997) with common random numbers."""

from __future__ import annotations

from typing import Any

import numpy as np

from cosim.analysis.calibration.runner import Runner
from cosim.analysis.calibration.targets import Problem
from cosim.errors import UsageError
from cosim.runs.ids import run_seed

#: replication numbers of the optimum's validation runs (fresh seeds, not the fit's CRN seeds)
VALIDATION_BASE = 500


# --------------------------------------------------------------------------- differential evolution


def optimize_de(runner: Runner, problem: Problem) -> dict[str, Any]:
    """Differential evolution on the replication-mean distance with common random numbers.

    Every point's replication r gets ``run_seed(seed, r)``, so the objective is
    a deterministic function of the parameters (common random numbers), which
    differential evolution needs.  Returns the evaluations and the optimum.
    """
    from scipy.optimize import differential_evolution

    s = problem.spec.settings
    reps = problem.replications
    n_dim = len(problem.priors)
    pop = s.popsize * n_dim
    fit_budget = problem.budget - s.validation
    maxiter = fit_budget // (reps * pop) - 1
    if maxiter < 1:
        need = 2 * reps * pop + s.validation
        raise UsageError(f"{problem.budget} runs are too few for differential evolution with "
                         f"{n_dim} parameter(s), popsize {s.popsize} and {reps} replication(s): at least {need} "
                         "are needed (two generations plus the validation runs)", argument="budget")
    bounds = [p.bounds for p in problem.priors]
    evaluations: list[dict[str, Any]] = []

    def crn(point: int, r: int) -> int:
        return run_seed(s.seed, r)

    def batch_map(func, iterable):  # differential_evolution's map-like "workers"
        zs = [np.asarray(x, dtype=float) for x in iterable]
        res = runner.evaluate(zs, crn)
        evaluations.extend(res)
        return [min(r["distance"], 1e300) for r in res]

    result = differential_evolution(lambda z: 0.0, bounds, rng=s.seed, popsize=s.popsize, maxiter=maxiter,
                                    init="latinhypercube", polish=False, updating="deferred", workers=batch_map,
                                    tol=0.0, atol=0.0)
    best = min(evaluations, key=lambda r: r["distance"])
    # validation: fresh seeds at the optimum, for the model band and an honest distance
    validation = runner.evaluate([best["z"]], lambda p, r: run_seed(s.seed, VALIDATION_BASE + r),
                                 replications=s.validation)[0]
    return {"evaluations": evaluations, "best": best, "validation": validation, "de_message": str(result.message),
            "de_generations": int(result.nit), "maxiter": maxiter, "stop_reason": str(result.message)}
