"""What a fit found: predictive bands, goodness of fit against the targets, identifiability."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from cosim.analysis.calibration.abc import weighted_cov, weighted_quantile
from cosim.analysis.calibration.targets import Problem

CHI2_1_95 = 3.841  # chi-square(1) 95% point: profile-likelihood interval (Raue et al. 2009)


# --------------------------------------------------------------------------- summaries


def predictive_bands(series: list[tuple[dict[str, float], float]], problem: Problem,
                     qs: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> dict[str, pd.DataFrame]:
    """Per metric, weighted quantiles over runs at every recorded step: ``{metric: DataFrame(step, q...)}``."""
    w = np.array([wt for _, wt in series])
    out = {}
    for m in problem.metrics:
        rows = []
        for step in problem.record_steps:
            x = np.array([v[f"{m}@{step}"] for v, _ in series])
            rows.append([step, *weighted_quantile(x, w, np.asarray(qs))])
        out[m] = pd.DataFrame(rows, columns=["step", *[f"q{round(100 * q):02d}" for q in qs]])
    return out


#: a target is reproduced when the model's predictive median lies within this many sd of it
Z_LIMIT = 2.0


def goodness_of_fit(bands: dict[str, pd.DataFrame], problem: Problem,
                    series: list[tuple[dict[str, float], float]] | None = None) -> pd.DataFrame:
    """Targets against the model's median and 90% predictive interval, with a posterior predictive check.

    z = (median - value) / sd; ``within_2sd``: |z| <= 2.  With the predictive runs ``series`` (run values and
    weights), ``ppc_within_2sd`` is the weighted share of runs within value +- 2 sd, and ``ppc_p`` the two-sided
    posterior predictive p-value of the target, 2 min(F(value), 1 - F(value)), where F is the predictive
    distribution of an observation: a run's value plus normal observation error with the target's sd
    (Gelman, Meng & Stern 1996, Statistica Sinica 6:733).  A small ppc_p says the model's predictions rarely
    come out as far as the observed value.
    """
    from scipy.stats import norm

    rows = []
    w = np.array([wt for _, wt in series]) if series else np.array([])
    w = w / w.sum() if w.size else w
    for t in problem.targets:
        b = bands[t.metric].set_index("step").loc[t.step]
        z = (b["q50"] - t.value) / t.sd
        row = {"metric": t.metric, "step": t.step, "target": t.value, "sd": t.sd,
               "model_median": b["q50"], "model_q05": b["q05"], "model_q95": b["q95"], "z": z,
               "within_2sd": bool(abs(z) <= Z_LIMIT)}
        if series:
            x = np.array([v[t.key] for v, _ in series])
            cdf = float(w @ norm.cdf((t.value - x) / t.sd))
            row["ppc_within_2sd"] = float(w @ (np.abs(x - t.value) <= Z_LIMIT * t.sd))
            row["ppc_p"] = min(1.0, 2.0 * min(cdf, 1.0 - cdf))
        row["note"] = t.note
        rows.append(row)
    return pd.DataFrame(rows)


def fit_verdict(gof: pd.DataFrame) -> dict[str, object]:
    """The fit in plain words: ``fit`` when every target's |z| <= 2, else ``misfit`` naming the missed ones.

    A misfit is a result, not an error: the model, within the priors, cannot reproduce those targets (or
    the targets contradict each other), so the fitted values are a best fit, not a calibration.
    """
    missed = gof[~gof["within_2sd"]]
    names = [f"{r.metric} at week {r.step} (target {r.target:.3g}, model {r.model_median:.3g}, z = {r.z:+.1f})"
             for r in missed.itertuples(index=False)]
    if not names:
        statement = (f"The model reproduces the targets: all {len(gof)} lie within 2 sd of the model's "
                     "predictive median.")
        return {"verdict": "fit", "statement": statement, "missed": []}
    statement = (f"The model cannot reproduce {len(names)} of {len(gof)} target(s): " + "; ".join(names)
                 + ". The fitted values are the best fit within the priors, not a calibration: the model as "
                 "specified (or these priors) cannot match the targets, or the targets contradict each other.")
    return {"verdict": "misfit", "statement": statement,
            "missed": [f"{r.metric}@{r.step}" for r in missed.itertuples(index=False)]}


def abc_identifiability(post: pd.DataFrame, problem: Problem) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Posterior against prior per parameter (internal coordinates) and posterior correlations.

    Prior sd of a uniform prior on [a, b] is (b - a) / sqrt(12).  ratio = posterior
    sd / prior sd: below 0.5 "pinned down", 0.5-0.8 "partly constrained", above
    0.8 "not identified" (the posterior is about as wide as the prior).
    """
    w = post["weight"].to_numpy()
    rows = []
    zcols = []
    for p in problem.priors:
        z = np.array([p.internal(v) for v in post[p.path]])
        zcols.append(z)
        a, b = p.bounds
        prior_sd = (b - a) / math.sqrt(12)
        mu = np.average(z, weights=w)
        sd = math.sqrt(np.average((z - mu) ** 2, weights=w))
        q05, q50, q95 = weighted_quantile(post[p.path].to_numpy(), w, np.array([0.05, 0.5, 0.95]))
        ratio = sd / prior_sd
        verdict = "pinned down" if ratio < 0.5 else "partly constrained" if ratio < 0.8 else "not identified"
        rows.append({"parameter": p.path, "prior_min": p.lo, "prior_max": p.hi, "scale": p.scale,
                     "median": q50, "q05": q05, "q95": q95, "sd_ratio": ratio,
                     "contraction": 1.0 - (p.internal(q95) - p.internal(q05)) / (0.9 * (b - a)),
                     "verdict": verdict})
    Z = np.array(zcols).T
    if Z.shape[1] > 1:
        cov = weighted_cov(Z, w)
        sds = np.sqrt(np.diag(cov))
        corr = cov / np.outer(sds, sds)
    else:
        corr = np.ones((1, 1))
    names = [p.path for p in problem.priors]
    return pd.DataFrame(rows), pd.DataFrame(corr, index=names, columns=names)


def profile_identifiability(evals: pd.DataFrame, problem: Problem, bins: int = 12) -> tuple[pd.DataFrame, dict]:
    """Approximate profile likelihood from the evaluated points (optimize).

    S = sum of squared standardised errors = K d^2 (K targets).  For each
    parameter, the profile is the lowest S among evaluated points in each of
    ``bins`` slices of its prior range; the 95% profile interval is where it
    stays within chi2(1) = 3.84 of the best S (Raue et al. 2009, Bioinformatics
    25:1923).  Approximate: differential evolution samples densely only near
    the optimum.
    """
    k = len(problem.targets)
    S = k * evals["distance"].to_numpy() ** 2
    best = float(np.nanmin(S))
    rows, profiles = [], {}
    for p in problem.priors:
        a, b = p.bounds
        z = np.array([p.internal(v) for v in evals[p.path]])
        edges = np.linspace(a, b, bins + 1)
        idx = np.clip(np.digitize(z, edges) - 1, 0, bins - 1)
        prof = np.array([np.nanmin(np.where(idx == i, S, np.nan)) if np.any(idx == i) else np.nan
                         for i in range(bins)])
        inside = np.flatnonzero(prof <= best + CHI2_1_95)
        lo_z, hi_z = edges[inside.min()], edges[inside.max() + 1]
        width = (hi_z - lo_z) / (b - a)
        verdict = "pinned down" if width < 0.5 else "partly constrained" if width < 0.8 else "not identified"
        to_v = (lambda v: math.exp(v)) if p.scale == "log" else (lambda v: v)
        rows.append({"parameter": p.path, "prior_min": p.lo, "prior_max": p.hi, "scale": p.scale,
                     "profile_lo": to_v(lo_z), "profile_hi": to_v(hi_z), "width_share": width, "verdict": verdict})
        profiles[p.path] = (edges, prof)
    return pd.DataFrame(rows), {"profiles": profiles, "best_S": best}
