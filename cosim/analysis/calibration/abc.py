"""ABC-SMC with an adaptive tolerance (Toni et al. 2009; Beaumont et al. 2009; Lenormand et al. 2013)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from cosim.errors import UsageError

#: spawn key of the proposal stream of point p: (PROPOSAL_KEY, p); run seeds use keys of length 1
PROPOSAL_KEY = 0xCA1


# --------------------------------------------------------------------------- ABC-SMC


@dataclasses.dataclass
class Generation:
    """One ABC-SMC generation: its tolerance, accepted particles and weights."""

    index: int
    epsilon: float
    particles: list[dict[str, Any]]
    weights: np.ndarray
    proposed: int

    @property
    def acceptance(self) -> float:
        return len(self.particles) / max(self.proposed, 1)


def proposal_rng(seed: int, point: int) -> np.random.Generator:
    """The random stream of point ``point``'s proposal (independent of batch sizes and backends)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(PROPOSAL_KEY, point)))


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float | np.ndarray) -> np.ndarray:
    """Quantiles of ``x`` under weights ``w`` (inverse of the weighted empirical CDF, midpoint rule)."""
    order = np.argsort(x)
    x, w = np.asarray(x, float)[order], np.asarray(w, float)[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cdf, x)


def weighted_cov(z: np.ndarray, w: np.ndarray) -> np.ndarray:
    w = w / w.sum()
    mu = w @ z
    d = z - mu
    return (d * w[:, None]).T @ d / max(1e-300, 1.0 - (w**2).sum())


def abc_smc(evaluate: Callable[[list[np.ndarray], list[int]], list[dict[str, Any]]], bounds: np.ndarray,
            *, population: int, alpha: float, min_acceptance: float, max_generations: int, budget_points: int,
            seed: int, on_generation: Callable[[Generation], None] | None = None) -> tuple[list[Generation], str]:
    """ABC-SMC with adaptive tolerance (Toni et al. 2009; Beaumont et al. 2009; Lenormand et al. 2013).

    ``evaluate(zs, point_ids)`` returns one dict per point with at least
    ``distance``.  ``bounds`` (D x 2) is the prior box in internal coordinates,
    where the prior is uniform.  Generation 0 draws ``population`` points from
    the prior and keeps them all; generation t accepts proposals with distance
    <= epsilon_t, the ``alpha``-quantile of generation t-1's distances, until it
    has ``population`` particles.  Proposals: a particle of generation t-1 drawn
    by weight, moved by a Gaussian kernel with covariance twice the weighted
    covariance, redrawn until inside the prior box.  Weights: prior / sum_j
    w_j K(theta | theta_j).  Returns the complete generations and why it stopped.
    """
    lo, hi = bounds[:, 0], bounds[:, 1]
    n_dim = lo.size
    next_point = 0
    spent = 0

    def draw_prior(point: int) -> np.ndarray:
        return lo + (hi - lo) * proposal_rng(seed, point).random(n_dim)

    if budget_points < population:
        raise UsageError(f"{budget_points} parameter sets are fewer than one ABC generation "
                         f"({population} particles); raise the budget or lower calibration.population",
                         argument="budget")
    ids = list(range(population))
    results = evaluate([draw_prior(p) for p in ids], ids)
    next_point = spent = population
    ok = [r for r in results if math.isfinite(r["distance"])]
    if len(ok) < 2:
        raise RuntimeError("every run of the first generation failed: "
                           + (results[0].get("error") or "see runs.sqlite"))
    gens = [Generation(0, math.inf, ok, np.full(len(ok), 1.0 / len(ok)), population)]
    if on_generation:
        on_generation(gens[-1])
    reason = "max_generations"
    for t in range(1, max_generations):
        prev = gens[-1]
        z_prev = np.array([p["z"] for p in prev.particles])
        d_prev = np.array([p["distance"] for p in prev.particles])
        eps = float(weighted_quantile(d_prev, prev.weights, alpha))
        cov = 2.0 * weighted_cov(z_prev, prev.weights)
        cov += np.diag(((hi - lo) * 1e-6) ** 2)  # keep the kernel proper if a parameter collapses
        chol = np.linalg.cholesky(cov)
        cdf = np.cumsum(prev.weights / prev.weights.sum())

        def propose(point: int, z_prev=z_prev, chol=chol, cdf=cdf) -> np.ndarray:
            rng = proposal_rng(seed, point)
            for _ in range(10_000):
                j = min(int(np.searchsorted(cdf, rng.random(), side="right")), len(cdf) - 1)
                z = z_prev[j] + chol @ rng.standard_normal(n_dim)
                if np.all(z >= lo) and np.all(z <= hi):
                    return z
            raise RuntimeError("the ABC kernel keeps proposing outside the prior box")

        accepted: list[dict[str, Any]] = []
        proposed = 0
        rate = max(prev.acceptance if t > 1 else alpha, min_acceptance)
        while len(accepted) < population:
            left = budget_points - spent
            if left <= 0:
                return gens, "budget"
            size = min(left, max(population - len(accepted), math.ceil((population - len(accepted)) / rate)))
            ids = list(range(next_point, next_point + size))
            batch = evaluate([propose(p) for p in ids], ids)
            next_point += size
            spent += size
            need = population - len(accepted)
            hit_at = [i for i, r in enumerate(batch) if r["distance"] <= eps]
            if len(hit_at) >= need:
                # the proposals after the one that completed the population do not count as proposed
                proposed += hit_at[need - 1] + 1
                accepted.extend(batch[i] for i in hit_at[:need])
            else:
                proposed += size
                accepted.extend(batch[i] for i in hit_at)
            rate = max(len(hit_at) / size, min_acceptance)
        z_new = np.array([p["z"] for p in accepted])
        inv = np.linalg.inv(cov)
        diff = z_new[:, None, :] - z_prev[None, :, :]
        kern = np.exp(-0.5 * np.einsum("ijk,kl,ijl->ij", diff, inv, diff))
        w = 1.0 / (kern @ prev.weights)
        gen = Generation(t, eps, accepted, w / w.sum(), proposed)
        gens.append(gen)
        if on_generation:
            on_generation(gen)
        if gen.acceptance < min_acceptance:
            reason = "min_acceptance"
            break
    return gens, reason
