"""Pattern 1 (MODEL.md s1): S-shaped adoption; the Bass model in the homogeneous limit.

Two tests:

- docking: identical, well-mixed citizens (``scenarios/docking_bass.toml``)
  follow the Bass (1969) model for several (p, q) pairs;
- the default municipality's adoption curve is S-shaped (a fitted Bass curve
  has q > p, so it has an inflection inside the horizon).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import least_squares

from cosim import CoProductionModel, load_scenario, run_seed

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
ROOT_SEED = 20240801


def bass_curve(t: np.ndarray, p: float, q: float) -> np.ndarray:
    """Analytic Bass (1969) cumulative adoption F(t), t in weeks, p and q weekly."""
    e = np.exp(-(p + q) * t)
    return (1.0 - e) / (1.0 + (q / p) * e)


def discrete_bass(p: float, q: float, steps: int, n: int) -> np.ndarray:
    """The engine's expected path: F_{t+1} = F_t + (1 - F_t)(p + q F_t n / (n - 1)).

    The model's weekly hazard for a non-adopter is p + q x (adopters among the
    other n - 1 citizens), one Euler step of the Bass equation dF/dt = (1 - F)(p + qF).
    """
    f = np.zeros(steps + 1)
    for t in range(steps):
        f[t + 1] = f[t] + (1.0 - f[t]) * (p + q * f[t] * n / (n - 1))
    return f


def adoption_path(scenario, seed: int) -> np.ndarray:
    """Share adopted at weeks 0..steps of one run (metrics not recorded: faster)."""
    model = CoProductionModel(scenario, rng=seed, collect=False)
    path = [model.adopted.mean()]
    for _ in range(scenario.run.steps):
        model.step()
        path.append(model.adopted.mean())
    return np.asarray(path)


@pytest.mark.slow
@pytest.mark.parametrize("p, q", [(0.01, 0.10), (0.02, 0.05), (0.005, 0.08)])
def test_bass_docking(p, q):
    """Homogeneous, well-mixed adoption is the discrete-time Bass process (Bass 1969).

    Setting: ``scenarios/docking_bass.toml`` (identical neutral citizens, complete
    network, every mechanism that moves intention off neutral switched off, the
    literacy gate on going online too; no burn-in: the channel opens at week 0),
    n = 2,000 citizens, R = 20 replications, horizon 8 / (p + q) weeks.

    Criterion, with F-bar the replication mean and SE(t) its standard error:

    1. engine = discrete Bass: max_t |F-bar(t) - F_d(t)| <= 4 max_t SE(t) + 2/n,
       where F_d is the deterministic recursion of the engine's hazard (4 SE: a
       pointwise two-sided p of 6e-5, < 1% over ~100 correlated weeks by
       Bonferroni; 2/n covers the O(1/n) gap between the mean of the stochastic
       process and the recursion);
    2. docking with the analytic curve: max_t |F-bar(t) - F(t)| <= G + 4 max SE + 2/n,
       where G = max_t |F_d(t) - F(t)| is the Euler discretisation gap of one-week
       steps (computed exactly; G < 0.03 for these pairs, so the tolerance is
       a few percentage points of adoption, not a free pass).
    """
    n, reps = 2000, 20
    steps = int(np.ceil(8.0 / (p + q)))
    # (the docking scenario has no burn-in, so the Bass curve starts at F(0) = 0
    # when the channel opens at week 0, and no literacy gate on going online)
    s = load_scenario(SCENARIOS / "docking_bass.toml",
                      {"adoption.p": p, "adoption.q": q, "run.n_citizens": n, "run.steps": steps})
    assert s.run.burn_in_weeks == 0 and s.literacy.use_floor == 1.0
    paths = np.array([adoption_path(s, run_seed(ROOT_SEED, k)) for k in range(reps)])
    mean = paths.mean(axis=0)
    se = paths.std(axis=0, ddof=1) / np.sqrt(reps)
    t = np.arange(steps + 1)
    f_d = discrete_bass(p, q, steps, n)
    f_bass = bass_curve(t, p, q)
    sampling = 4.0 * se.max() + 2.0 / n
    gap_disc = np.abs(f_d - f_bass).max()
    assert gap_disc < 0.03, f"Euler gap {gap_disc:.4f}: choose smaller weekly p + q"
    gap_engine = np.abs(mean - f_d).max()
    assert gap_engine <= sampling, (
        f"(p, q) = ({p}, {q}): mean adoption departs from the discrete Bass recursion by "
        f"{gap_engine:.4f} > tolerance {sampling:.4f}")
    gap_analytic = np.abs(mean - f_bass).max()
    tol = gap_disc + sampling
    assert gap_analytic <= tol, (
        f"(p, q) = ({p}, {q}): max gap to the analytic Bass curve {gap_analytic:.4f} > tolerance {tol:.4f} "
        f"(discretisation {gap_disc:.4f} + sampling {sampling:.4f})")
    print(f"\n[pattern 1 docking] p={p} q={q}: max|mean-F_d|={gap_engine:.4f} (tol {sampling:.4f}); "
          f"max|mean-F_Bass|={gap_analytic:.4f} (tol {tol:.4f}, Euler gap {gap_disc:.4f})")


def fit_bass(t: np.ndarray, f: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares fit of F0 + (m - F0) Bass(t; p, q) with F0 = f[0]; returns (p, q, m) and R^2.

    F0 is the observed initial share of adopters (the innovators), not a free
    parameter: freeing it lets it trade off against p and blurs the shape.
    """
    f0 = f[0]

    def resid(x):
        p, q, m = x
        return f0 + (m - f0) * bass_curve(t, p, q) - f

    fit = least_squares(resid, [1e-3, 1e-2, f.max()], bounds=([1e-7, 0.0, 0.0], [1.0, 1.0, 1.0]),
                        x_scale=[1e-3, 1e-2, 0.1])
    r2 = 1.0 - np.mean(fit.fun**2) / f.var()
    return fit.x, float(r2)


@pytest.mark.slow
def test_default_adoption_is_s_shaped():
    """The default municipality's expected e-participation adoption curve is S-shaped (Rogers 2003; Bass 1969).

    Setting: ``scenarios/baseline.toml`` (all defaults, channels open at week 0,
    2.5% innovators), 4,000 citizens, 1,040 weeks (20 years: the default 5-year
    horizon shows only the accelerating first half), R = 12 replications.

    Criterion: a Bass curve F0 + (m - F0) F(t; p, q), fitted to the mean of the
    replications (F0 = its observed share of innovators at week 0), has an
    inflection, i.e. q > p (the Bass curve is S-shaped iff q > p, with its
    inflection at t* = ln(q/p) / (p + q)): the one-sided 99% bootstrap bound of
    log(q/p) (400 resamples of the replications) is above 0.  The fit must
    explain R^2 >= 0.99 of the mean curve's variance and put t* inside the
    horizon, at least a year from either end.  The criterion is about the
    expected curve: single replications at 4,000 citizens are noisy enough that
    a few fit q < p on their own (printed).
    """
    steps, reps = 1040, 12
    s = load_scenario(SCENARIOS / "baseline.toml", {"run.n_citizens": 4000, "run.steps": steps})
    paths = np.array([adoption_path(s, run_seed(ROOT_SEED + 1, k)) for k in range(reps)])
    t = np.arange(steps + 1, dtype=float)
    (p, q, m), r2 = fit_bass(t, paths.mean(axis=0))
    t_star = np.log(q / p) / (p + q)
    rng = np.random.default_rng(ROOT_SEED)
    boot = []
    for _ in range(400):
        (pb, qb, _), _ = fit_bass(t, paths[rng.integers(0, reps, reps)].mean(axis=0))
        boot.append(np.log(qb / pb))
    lower = float(np.quantile(boot, 0.01))
    single = [fit_bass(t, path)[0] for path in paths]
    print(f"\n[pattern 1 S-shape] mean curve: p={p:.5f} q={q:.5f} (q/p = {q / p:.2f}) m={m:.3f} R^2={r2:.4f}, "
          f"inflection at week {t_star:.0f}; 99% bootstrap bound of q/p {np.exp(lower):.2f}; "
          f"single replications q/p {[round(float(x[1] / x[0]), 2) for x in single]}")
    assert lower > 0.0, f"no S-shape: the 99% bootstrap bound of q/p is {np.exp(lower):.2f}"
    assert r2 >= 0.99, f"the Bass curve fits the mean adoption path poorly (R^2 = {r2:.4f})"
    assert 52 <= t_star <= steps - 52, f"inflection at week {t_star:.0f}, not inside the horizon"
