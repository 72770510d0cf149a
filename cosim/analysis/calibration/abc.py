"""ABC-SMC with an adaptive tolerance (Toni et al. 2009; Beaumont et al. 2009; Lenormand et al. 2013) and the
optimal local covariance (OLCM) kernel of Filippi, Barnes, Cornebise & Stumpf 2013 (Stat. Appl. Genet. Mol.
Biol. 12:87)."""

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
    complete: bool = True  # False: the budget ran out during it; its accepted particles are still a sample

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


#: an unfinished last generation is the posterior sample when it has at least this many particles
MIN_PARTIAL = 10


def kernel_covariances(z_prev: np.ndarray, w_prev: np.ndarray, d_prev: np.ndarray, eps: float,
                       kernel: str, jitter: np.ndarray) -> np.ndarray:
    """One proposal covariance per particle of the previous generation (N x D x D).

    ``olcm`` (the default): the optimal local covariance of Filippi et al. 2013, for particle j
    Sigma_j = sum_k w~_k (z_k - z_j)(z_k - z_j)^T over the previous particles k already within the new
    tolerance (d_k <= eps, weights w~ renormalised), i.e. their weighted covariance plus the outer product
    of (their mean - z_j): a particle far from where the next generation will be gets a wide kernel that
    reaches it, a particle in the middle a narrow one.  ``scaled``: the same covariance for every particle,
    twice the weighted covariance of the previous generation (Beaumont et al. 2009; cosim before issue 14).
    ``jitter`` (a diagonal) keeps each proper when a parameter collapses.
    """
    n, dim = z_prev.shape
    if kernel == "olcm":
        near = d_prev <= eps
        if near.sum() >= 2:
            wk = w_prev[near] / w_prev[near].sum()
            zk = z_prev[near]
            mean = wk @ zk
            cov = (zk - mean).T @ ((zk - mean) * wk[:, None])
            off = mean[None, :] - z_prev
            return cov[None, :, :] + off[:, :, None] * off[:, None, :] + np.diag(jitter)[None, :, :]
    elif kernel != "scaled":
        raise UsageError(f"expected kernel 'olcm' or 'scaled', got {kernel!r}", argument="kernel")
    cov = 2.0 * weighted_cov(z_prev, w_prev) + np.diag(jitter)
    return np.broadcast_to(cov, (n, dim, dim)).copy()


def importance_weights(z_new: np.ndarray, z_prev: np.ndarray, w_prev: np.ndarray, covs: np.ndarray) -> np.ndarray:
    """Population Monte Carlo weights: (flat) prior / sum_j w_j N(z_i; z_j, Sigma_j), normalised to sum 1."""
    inv = np.linalg.inv(covs)
    _, logdet = np.linalg.slogdet(covs)
    diff = z_new[:, None, :] - z_prev[None, :, :]
    q = np.einsum("ijk,jkl,ijl->ij", diff, inv, diff)
    log_k = -0.5 * (q + logdet[None, :]) + np.log(w_prev / w_prev.sum())[None, :]
    top = log_k.max(axis=1, keepdims=True)
    log_mix = top[:, 0] + np.log(np.exp(log_k - top).sum(axis=1))
    w = np.exp(-(log_mix - log_mix.min()))
    return w / w.sum()


def abc_smc(evaluate: Callable[[list[np.ndarray], list[int]], list[dict[str, Any]]], bounds: np.ndarray,
            *, population: int, alpha: float, min_acceptance: float, max_generations: int, budget_points: int,
            seed: int, on_generation: Callable[[Generation], None] | None = None, kernel: str = "olcm",
            keep_partial: bool = True) -> tuple[list[Generation], str]:
    """ABC-SMC with adaptive tolerance (Toni et al. 2009; Beaumont et al. 2009; Lenormand et al. 2013).

    ``evaluate(zs, point_ids)`` returns one dict per point with at least
    ``distance``.  ``bounds`` (D x 2) is the prior box in internal coordinates,
    where the prior is uniform.  Generation 0 draws ``population`` points from
    the prior and keeps them all; generation t accepts proposals with distance
    <= epsilon_t, the ``alpha``-quantile of generation t-1's distances, until it
    has ``population`` particles.  Proposals: a particle j of generation t-1 drawn
    by weight, moved by a Gaussian kernel with covariance Sigma_j
    (:func:`kernel_covariances`: ``olcm``, Filippi et al. 2013, or ``scaled``,
    twice the weighted covariance), redrawn until inside the prior box.  Weights:
    prior / sum_j w_j N(theta | theta_j, Sigma_j) (the truncation to the box is
    left out of the kernel's normalisation, as in pyabc).  When the budget runs
    out during a generation, its accepted particles (at least MIN_PARTIAL) are
    the last generation (``complete=False``): they are a weighted sample of the
    posterior at its tolerance, so no run is thrown away (``keep_partial=False``
    drops them, as cosim did before issue 14).  Returns the generations and why
    it stopped.
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
        covs = kernel_covariances(z_prev, prev.weights, d_prev, eps, kernel, ((hi - lo) * 1e-6) ** 2)
        chol = np.linalg.cholesky(covs)
        cdf = np.cumsum(prev.weights / prev.weights.sum())

        def propose(point: int, z_prev=z_prev, chol=chol, cdf=cdf) -> np.ndarray:
            rng = proposal_rng(seed, point)
            for _ in range(10_000):
                j = min(int(np.searchsorted(cdf, rng.random(), side="right")), len(cdf) - 1)
                z = z_prev[j] + chol[j] @ rng.standard_normal(n_dim)
                if np.all(z >= lo) and np.all(z <= hi):
                    return z
            raise RuntimeError("the ABC kernel keeps proposing outside the prior box")

        accepted: list[dict[str, Any]] = []
        proposed = 0
        rate = max(prev.acceptance if t > 1 else alpha, min_acceptance)
        while len(accepted) < population:
            left = budget_points - spent
            if left <= 0:
                if keep_partial and len(accepted) >= min(MIN_PARTIAL, population):
                    z_new = np.array([p["z"] for p in accepted])
                    gens.append(Generation(t, eps, accepted, importance_weights(z_new, z_prev, prev.weights, covs),
                                           proposed, complete=False))
                    if on_generation:
                        on_generation(gens[-1])
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
        gen = Generation(t, eps, accepted, importance_weights(z_new, z_prev, prev.weights, covs), proposed)
        gens.append(gen)
        if on_generation:
            on_generation(gen)
        if gen.acceptance < min_acceptance:
            reason = "min_acceptance"
            break
    return gens, reason
