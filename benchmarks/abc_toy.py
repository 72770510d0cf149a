"""ABC-SMC kernels on a toy problem with a known posterior (issue 14).

Two parameters on a flat prior [-3, 3]^2; two observations y = A theta + N(0, 0.2^2 I) with
A = [[1, 1], [1, -0.5]] and y_obs = (1, 0.4).  The exact posterior is normal with mean A^-1 y_obs and covariance
0.2^2 (A^T A)^-1 (the box truncation is negligible).  The distance is cosim's: the root mean square of the
standardised errors.  Each method gets the same budget of simulations and the same seeds:

* ``old``: cosim before issue 14: one Gaussian kernel, twice the weighted covariance (Beaumont et al. 2009),
  and the unfinished last generation thrown away;
* ``new``: the optimal local covariance kernel (OLCM; Filippi et al. 2013), the unfinished last generation kept;
* ``pyabc`` (only if installed): pyabc's ABCSMC with its default adaptive multivariate normal kernel, the same
  distance and population, stopped at the same number of simulations.

Usage: ``python benchmarks/abc_toy.py [--budget 3000] [--population 200] [--seeds 1 2 3]``.
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from cosim.analysis.calibration.abc import abc_smc, proposal_rng

A = np.array([[1.0, 1.0], [1.0, -0.5]])
Y_OBS = np.array([1.0, 0.4])
SD = 0.2
BOUNDS = np.array([[-3.0, 3.0], [-3.0, 3.0]])
TRUE_MEAN = np.linalg.solve(A, Y_OBS)
TRUE_SD = np.sqrt(np.diag(SD**2 * np.linalg.inv(A.T @ A)))


def simulator(seed: int):
    def evaluate(zs, ids):
        out = []
        for z, pid in zip(zs, ids, strict=True):
            y = A @ z + SD * proposal_rng(seed + 1, pid).standard_normal(2)
            out.append({"z": z, "point": pid, "distance": float(np.sqrt(np.mean(((y - Y_OBS) / SD) ** 2)))})
        return out

    return evaluate


def summary(z: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w = w / w.sum()
    mean = w @ z
    return mean, np.sqrt(w @ (z - mean) ** 2)


def run_cosim(seed: int, budget: int, population: int, kernel: str, keep_partial: bool) -> dict:
    gens, _ = abc_smc(simulator(seed), BOUNDS, population=population, alpha=0.5, min_acceptance=0.005,
                      max_generations=100, budget_points=budget, seed=seed, kernel=kernel, keep_partial=keep_partial)
    final = gens[-1]
    z = np.array([p["z"] for p in final.particles])
    mean, sd = summary(z, final.weights)
    used = sum(g.proposed for g in gens)
    return {"eps": final.epsilon, "mean": mean, "sd": sd, "generations": len(gens), "n": len(z),
            "discarded": (budget - used) / budget}


def run_pyabc(seed: int, budget: int, population: int) -> dict | None:  # pragma: no cover - optional
    try:
        import pyabc
    except ImportError:
        return None
    import os
    import tempfile

    rng = np.random.default_rng(seed)

    def model(par):
        th = np.array([par["t1"], par["t2"]])
        return {"y": A @ th + SD * rng.standard_normal(2)}

    def dist(x, x0):
        return float(np.sqrt(np.mean(((x["y"] - x0["y"]) / SD) ** 2)))

    prior = pyabc.Distribution(t1=pyabc.RV("uniform", -3, 6), t2=pyabc.RV("uniform", -3, 6))
    abc = pyabc.ABCSMC(model, prior, dist, population_size=population,
                       sampler=pyabc.sampler.SingleCoreSampler())
    db = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "abc.db")
    np.random.seed(seed)  # noqa: NPY002 - pyabc draws its proposals from numpy's global generator
    abc.new(db, {"y": Y_OBS})
    hist = abc.run(max_total_nr_simulations=budget, min_acceptance_rate=0.005)
    df, w = hist.get_distribution()
    z = df[["t1", "t2"]].to_numpy()
    mean, sd = summary(z, np.asarray(w))
    eps = float(hist.get_all_populations()["epsilon"].iloc[-1])
    return {"eps": eps, "mean": mean, "sd": sd, "generations": hist.max_t + 1, "n": len(z), "discarded": math.nan}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=int, default=3000)
    ap.add_argument("--population", type=int, default=200)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = ap.parse_args()
    print(f"truth: mean {np.round(TRUE_MEAN, 3)}, sd {np.round(TRUE_SD, 3)}; budget {args.budget} simulations, "
          f"population {args.population}")
    print(f"{'method':7} {'seed':>4} {'gens':>4} {'n':>4} {'final eps':>9} {'mean t1':>8} {'mean t2':>8} "
          f"{'sd t1':>6} {'sd t2':>6} {'unused':>6}")
    for name in ("old", "new", "pyabc"):
        for seed in args.seeds:
            if name == "pyabc":
                r = run_pyabc(seed, args.budget, args.population)
                if r is None:
                    print("pyabc   (not installed: compared with the analytic posterior only)")
                    break
            else:
                r = run_cosim(seed, args.budget, args.population, "scaled" if name == "old" else "olcm",
                              keep_partial=name == "new")
            print(f"{name:7} {seed:>4} {r['generations']:>4} {r['n']:>4} {r['eps']:>9.3f} {r['mean'][0]:>8.3f} "
                  f"{r['mean'][1]:>8.3f} {r['sd'][0]:>6.3f} {r['sd'][1]:>6.3f} {100 * r['discarded']:>5.0f}%")


if __name__ == "__main__":
    main()
