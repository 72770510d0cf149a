"""Global sensitivity analysis of the model: Sobol' indices and Morris screening, noise-aware.

``cosim sensitivity FILE`` runs an experiment whose design is ``sobol`` or
``morris`` through the experiment runner (resumable, parallel, one seed per
run), averages the replications of each sample point, and analyses the point
means with SALib:

* **Sobol'** (Saltelli et al. 2010 estimators, SALib ``sobol.analyze``): first
  order S1 (share of the outcome's variance an input explains alone), total
  order ST (alone plus through interactions) and, if asked, second order S2,
  each with a bootstrap 95 % interval.  Convergence curves come from prefixes of
  the same design (N/8, N/4, N/2, N base samples): no extra runs.
* **Morris** elementary effects (Morris 1991; Campolongo et al. 2007, SALib
  ``morris.analyze``): mu* (mean absolute effect, in outcome units over an
  input's full range), sigma (spread: non-linearity or interactions) and a
  bootstrap interval on mu*.

Why noise-aware: the model is stochastic, so one run per sample point adds the
run-to-run noise variance s^2 to every squared difference in the total-order
estimator.  The expected total index becomes (ST * V + s^2) / (V + s^2): every
input looks more important than it is, most visibly an input that does nothing
alone (x3 of the Ishigami function: 0.24 -> about 0.4).  Averaging R
replications divides s^2 by R; the remaining inflation is the **noise floor**
``mean(s^2 / R) / Var(point means)`` reported per outcome, and no total index
below it can be told from noise.

This module is the analysis only (indices, noise, convergence, verdicts);
figures and the HTML report are :mod:`cosim.reports.sensitivity`, the command
line :mod:`cosim.cli.sensitivity`.  Everything the command writes goes through
:func:`cosim.outputs.results.atomic_output`; the run store under ``<out>/runs``
belongs to the runner and resumes.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cosim.errors import UsageError

# -------------------------------------------------------------------- the rules
DEFAULT_REPLICATIONS = 5  # runs per sample point when neither the file nor --replications says
MIN_SOBOL_SAMPLES = 16  # N/8 >= 2 base samples, so every convergence prefix can be bootstrapped
N_RESAMPLES = 1000  # bootstrap resamples for the intervals (SALib's default of 100 is rough at 95 %)
CONF_LEVEL = 0.95
# Convergence rule (stated in the report): for every input, S1 and ST change by
# at most CONVERGENCE_CHANGE between N/2 and N base samples, and every S1/ST
# interval half-width at N is at most CONVERGENCE_HALF_WIDTH.  0.05 and 0.1 are
# the usual screening tolerances (Sarrazin et al. 2016 use 0.05 on index width
# for ranking; we ask for both stability and width).
CONVERGENCE_CHANGE = 0.05
CONVERGENCE_HALF_WIDTH = 0.10
# An input "matters" for an outcome when the lower end of its ST interval lies
# above IMPORTANCE plus the outcome's noise floor; "may matter" when the
# interval straddles that line; otherwise it does not measurably matter.
IMPORTANCE = 0.05
# An outcome whose point means are at least this much noise (noise floor) cannot
# rank its inputs at all: the report says so instead of listing them.
NOISE_DOMINATED = 0.5
# Morris: an input is influential when mu* minus its interval exceeds both this
# share of the largest mu* and the Morris noise floor (the mu* an input with no
# effect shows from replication noise alone, see morris_noise_floor);
# sigma/mu* classes after Garcia Sanchez et al. (2014).
MORRIS_INFLUENTIAL = 0.1
MORRIS_LABELS = 10  # inputs named on the mu*-sigma plane; the report lists them all
MORRIS_CLASSES = ((0.1, "linear"), (0.5, "monotonic"), (1.0, "almost monotonic"),
                  (math.inf, "non-linear or interacting"))
# The bootstrap's seed comes from the root seed through a three-element spawn
# key: runs use keys of one or two elements, the design (0xDE5, 0x16, 0).
ANALYSIS_SPAWN_KEY = (0x5E45, 0x17, 0)


# ------------------------------------------------------------------- utilities


def is_power_of_two(n: int) -> bool:
    """True for 1, 2, 4, 8, ..."""
    return n >= 1 and (n & (n - 1)) == 0


def check_sobol_samples(n_samples: int, source: str = "<experiment>") -> None:
    """Refuse a Sobol' base sample size that is not a power of two (at least 16).

    Sobol' points are balanced only in blocks of powers of two (Owen 2020), and
    the convergence curves use the prefixes N/8, N/4, N/2 of the same design.
    """

    if not is_power_of_two(n_samples) or n_samples < MIN_SOBOL_SAMPLES:
        lower = 1 << max(int(n_samples).bit_length() - 1, 0)
        upper = lower * 2
        suggestion = f"{max(lower, MIN_SOBOL_SAMPLES)} or {max(upper, 2 * MIN_SOBOL_SAMPLES)}"
        raise UsageError(
            f"{source}: experiment.samples: a Sobol' design needs a power of two of at least "
            f"{MIN_SOBOL_SAMPLES} base samples (got {n_samples}); use {suggestion}")


def analysis_seed(root_seed: int) -> int:
    """A non-zero seed for SALib's bootstrap (SALib treats seed 0 as 'unseeded')."""
    seed = int(np.random.SeedSequence(int(root_seed), spawn_key=ANALYSIS_SPAWN_KEY).generate_state(1)[0])
    return seed or 1


def index_names(problem: dict[str, Any]) -> list[str]:
    """The names SALib reports indices for: the groups if the problem has any, else the inputs."""
    from SALib.util import extract_group_names

    return list(extract_group_names(problem)[0])


def rows_per_sample(problem: dict[str, Any], second_order: bool) -> int:
    """Rows of the Saltelli matrix per base sample: A, one AB per input (or group), BA too if S2, B."""
    d = len(index_names(problem))
    return 2 * d + 2 if second_order else d + 2


# ------------------------------------------------------- replications -> means


@dataclass
class PointSummary:
    """Sample-point means of each outcome over their successful replications, and the noise."""

    means: pd.DataFrame  # index point_id (0..n_points-1), one column per outcome
    counts: pd.Series  # successful replications per point
    noise: pd.DataFrame  # one row per outcome (see noise_table)


def summarise_points(runs: pd.DataFrame, outcomes: list[str], n_points: int) -> PointSummary:
    """Average the replications of each sample point; measure the run-to-run noise.

    ``runs`` is the runner's table (``point_id``, ``status``, one column per
    outcome).  Failed runs are left out; a point with no successful run has NaN
    means.
    """
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    grouped = ok.groupby("point_id")
    means = grouped[outcomes].mean().reindex(range(n_points))
    counts = grouped.size().reindex(range(n_points), fill_value=0)
    within = grouped[outcomes].var(ddof=1).reindex(range(n_points))
    return PointSummary(means, counts, noise_table(ok, means, within, counts, outcomes))


def noise_table(ok: pd.DataFrame, means: pd.DataFrame, within: pd.DataFrame, counts: pd.Series,
                outcomes: list[str]) -> pd.DataFrame:
    """Per outcome: how much of the variance is run-to-run noise rather than the inputs.

    * ``noise_share`` = mean within-point variance / variance of single runs:
      the share of one run's variance that is noise (needs >= 2 replications).
    * ``noise_floor`` = mean(within-point variance / replications) / variance of
      the point means: the noise left after averaging, which is also the amount
      by which it inflates every total index (and shrinks every first index by
      the factor 1 - noise_floor).
    """
    rows = []
    multi = counts >= 2
    for name in outcomes:
        var_runs = float(ok[name].var(ddof=1)) if len(ok) > 1 else math.nan
        var_means = float(means[name].var(ddof=1))
        if multi.any():
            var_within = float(within.loc[multi, name].mean())
            var_mean_noise = float((within.loc[multi, name] / counts[multi]).mean())
        else:
            var_within = var_mean_noise = math.nan
        rows.append({
            "outcome": name,
            "replications": float(counts.median()),
            "var_runs": var_runs,
            "var_within": var_within,
            "var_point_means": var_means,
            "noise_share": _ratio(var_within, var_runs),
            "noise_floor": min(_ratio(var_mean_noise, var_means), 1.0),
        })
    return pd.DataFrame(rows)


def _ratio(a: float, b: float) -> float:
    if not (np.isfinite(a) and np.isfinite(b)) or b <= 0:
        return math.nan if not np.isfinite(a) else (0.0 if a == 0 else math.nan)
    return a / b


def outcome_problem(y: np.ndarray) -> str | None:
    """Why an outcome cannot be analysed (NaN points, no variation), or None."""
    n_nan = int(np.isnan(y).sum())
    if n_nan:
        return f"{n_nan} of {y.size} sample points have no value (failed runs or an undefined outcome)"
    if np.ptp(y) <= 1e-12 * max(1.0, float(np.abs(y).max())):
        return "the outcome is the same at every sample point, so no input changes it"
    return None


# ---------------------------------------------------------------------- Sobol'


def sobol_indices(problem: dict[str, Any], y: np.ndarray, *, second_order: bool, seed: int,
                  n_resamples: int = N_RESAMPLES) -> pd.DataFrame:
    """S1, ST (and S2) with bootstrap intervals: columns parameter, kind, value, conf.

    ``y`` is in the row order of SALib's Saltelli matrix (``sobol.sample``).
    ``conf`` is the half-width of the 95 % interval.
    """
    from SALib.analyze import sobol

    names = index_names(problem)
    with warnings.catch_warnings():
        # SALib warns and returns 0 for a constant prefix; outcome_problem() screens the full design
        warnings.simplefilter("ignore", UserWarning)
        si = sobol.analyze(dict(problem), np.asarray(y, dtype=float), calc_second_order=second_order,
                           num_resamples=n_resamples, conf_level=CONF_LEVEL, seed=seed)
    rows = []
    for kind in ("S1", "ST"):
        for j, name in enumerate(names):
            rows.append({"parameter": name, "kind": kind, "value": float(si[kind][j]),
                         "conf": float(si[f"{kind}_conf"][j])})
    if second_order:
        for j, a in enumerate(names):
            for k in range(j + 1, len(names)):
                rows.append({"parameter": f"{a}:{names[k]}", "kind": "S2", "value": float(si["S2"][j, k]),
                             "conf": float(si["S2_conf"][j, k])})
    return pd.DataFrame(rows)


def convergence_sizes(n_samples: int) -> list[int]:
    """Base sample sizes of the convergence curve: N/8, N/4, N/2, N (those >= 2)."""
    return [n_samples // d for d in (8, 4, 2, 1) if n_samples // d >= 2]


def sobol_convergence(problem: dict[str, Any], y: np.ndarray, *, n_samples: int, second_order: bool,
                      seed: int, n_resamples: int = N_RESAMPLES) -> pd.DataFrame:
    """S1 and ST from prefixes of one Sobol' design: columns n_samples, parameter, kind, value, conf.

    SALib's Saltelli matrix is laid out base sample by base sample (A, AB_1..AB_D,
    [BA_1..BA_D], B), so its first n * rows_per_sample rows are exactly the
    design of the first n Sobol' points: a smaller, complete design, balanced
    when n is a power of two.
    """
    per = rows_per_sample(problem, second_order)
    if len(y) != n_samples * per:
        raise ValueError(f"{len(y)} outputs do not match {n_samples} base samples x {per} rows")
    frames = []
    for n in convergence_sizes(n_samples):
        df = sobol_indices(problem, y[: n * per], second_order=second_order, seed=seed, n_resamples=n_resamples)
        df = df[df["kind"].isin(["S1", "ST"])]
        df.insert(0, "n_samples", n)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def convergence_verdict(curve: pd.DataFrame) -> dict[str, Any]:
    """Apply the convergence rule to one outcome's curve (see CONVERGENCE_CHANGE)."""
    sizes = sorted(curve["n_samples"].unique())
    n = sizes[-1]
    last = curve[curve["n_samples"] == n].set_index(["parameter", "kind"])
    max_conf = float(last["conf"].max())
    widest = last["conf"].idxmax()
    if len(sizes) >= 2:
        half = curve[curve["n_samples"] == sizes[-2]].set_index(["parameter", "kind"])
        change = (last["value"] - half["value"]).abs()
        max_change = float(change.max())
        moved = change.idxmax()
    else:
        max_change, moved = math.nan, ("", "")
    converged = bool(max_change <= CONVERGENCE_CHANGE and max_conf <= CONVERGENCE_HALF_WIDTH)
    return {"converged": converged, "n_samples": int(n), "n_half": int(sizes[-2]) if len(sizes) >= 2 else None,
            "max_change": max_change, "max_change_at": f"{moved[1]} of {moved[0]}",
            "max_half_width": max_conf, "max_half_width_at": f"{widest[1]} of {widest[0]}"}


def classify_sobol(indices: pd.DataFrame, noise_floor: float) -> pd.DataFrame:
    """Sort inputs by ST and say whether each matters (see IMPORTANCE)."""
    floor = noise_floor if np.isfinite(noise_floor) else 0.0
    line = IMPORTANCE + floor
    st = indices[indices["kind"] == "ST"].set_index("parameter")
    s1 = indices[indices["kind"] == "S1"].set_index("parameter")
    out = pd.DataFrame({"ST": st["value"], "ST_conf": st["conf"], "S1": s1["value"], "S1_conf": s1["conf"]})
    out["verdict"] = np.where(out["ST"] - out["ST_conf"] > line, "matters",
                              np.where(out["ST"] + out["ST_conf"] > line, "may matter", "does not matter"))
    return out.sort_values("ST", ascending=False)


# ---------------------------------------------------------------------- Morris


def morris_indices(problem: dict[str, Any], x: np.ndarray, y: np.ndarray, *, levels: int, seed: int,
                   n_resamples: int = N_RESAMPLES) -> pd.DataFrame:
    """mu*, sigma and mu (signed) per input or group; ``conf`` on mu* is a bootstrap half-width."""
    from SALib.analyze import morris

    si = morris.analyze(dict(problem), np.asarray(x, dtype=float), np.asarray(y, dtype=float),
                        num_resamples=n_resamples, conf_level=CONF_LEVEL, num_levels=levels, seed=seed)
    rows = []
    for j, name in enumerate(si["names"]):
        rows.append({"parameter": name, "kind": "mu_star", "value": float(si["mu_star"][j]),
                     "conf": float(si["mu_star_conf"][j])})
        rows.append({"parameter": name, "kind": "sigma", "value": float(si["sigma"][j]), "conf": math.nan})
        rows.append({"parameter": name, "kind": "mu", "value": float(si["mu"][j]), "conf": math.nan})
    return pd.DataFrame(rows)


def morris_noise_floor(noise: pd.DataFrame, outcome: str, levels: int) -> float:
    """The mu* an input with no effect shows from the replication noise of the point means alone.

    An elementary effect is (y(x + delta) - y(x)) / delta with SALib's step delta = p / (2 (p - 1)) on the unit
    range (p levels).  If the input does nothing, the difference is the noise of two point means, each of
    variance v = mean over points of (within-point variance / replications) (``noise_table``), so the
    effect is normal with sd s_e = sqrt(2 v) / delta and its mean absolute value, the noise floor of mu*,
    is sqrt(2 / pi) s_e.  An input is influential only when the lower end of its mu* interval (mu* minus the
    bootstrap half-width) lies above this floor: a no-effect input passes that by chance about 2.5% of the
    time (its mu* is about normal around the floor with the half-width near 1.96 sd).  NaN with one
    replication per point (the noise cannot be measured).
    """
    row = noise[noise["outcome"] == outcome]
    if not len(row):
        return math.nan
    r = row.iloc[0]
    v = float(r["var_within"]) / float(r["replications"]) if r["replications"] >= 2 else math.nan
    if not np.isfinite(v):
        return math.nan
    delta = levels / (2.0 * (levels - 1))
    return math.sqrt(2.0 / math.pi) * math.sqrt(2.0 * v) / delta


def classify_morris(indices: pd.DataFrame, noise_floor: float = math.nan) -> pd.DataFrame:
    """Rank inputs by mu*; influential or not (above MORRIS_INFLUENTIAL x the top mu* and above the noise
    floor of mu*, :func:`morris_noise_floor`, when it is known), and the sigma/mu* class."""
    wide = indices.pivot(index="parameter", columns="kind", values="value")
    wide["mu_star_conf"] = indices[indices["kind"] == "mu_star"].set_index("parameter")["conf"]
    top = float(wide["mu_star"].max())
    line = max(MORRIS_INFLUENTIAL * top, noise_floor if np.isfinite(noise_floor) else 0.0)
    wide["noise_floor"] = noise_floor
    wide["influential"] = (wide["mu_star"] - wide["mu_star_conf"]) > line if top > 0 else False
    ratio = wide["sigma"] / wide["mu_star"].where(wide["mu_star"] > 0)
    wide["shape"] = [next((name for bound, name in MORRIS_CLASSES if r < bound), "") if np.isfinite(r) else ""
                     for r in ratio]
    return wide.sort_values("mu_star", ascending=False)


# -------------------------------------------------------------------- analysis


@dataclass
class Analysis:
    """Everything the report and files need: indices, noise, convergence, verdicts, notes."""

    method: str  # "sobol" or "morris"
    indices: pd.DataFrame  # outcome, parameter, kind, value, conf
    noise: pd.DataFrame
    convergence: pd.DataFrame = field(default_factory=pd.DataFrame)
    verdicts: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # outcome -> why it was not analysed


def analyse_sobol(problem: dict[str, Any], summary: PointSummary, outcomes: list[str], *, n_samples: int,
                  second_order: bool, seed: int, n_resamples: int = N_RESAMPLES) -> Analysis:
    """Sobol' indices, convergence curves and verdicts for every outcome."""
    frames, curves, verdicts, skipped = [], [], {}, {}
    for name in outcomes:
        y = summary.means[name].to_numpy(dtype=float)
        why = outcome_problem(y)
        if why:
            skipped[name] = why
            continue
        idx = sobol_indices(problem, y, second_order=second_order, seed=seed, n_resamples=n_resamples)
        idx.insert(0, "outcome", name)
        frames.append(idx)
        curve = sobol_convergence(problem, y, n_samples=n_samples, second_order=second_order, seed=seed,
                                  n_resamples=n_resamples)
        curve.insert(0, "outcome", name)
        curves.append(curve)
        verdicts[name] = convergence_verdict(curve)
    return Analysis("sobol", _concat(frames), summary.noise, _concat(curves), verdicts, skipped)


def analyse_morris(problem: dict[str, Any], x: np.ndarray, summary: PointSummary, outcomes: list[str], *,
                   levels: int, seed: int, n_resamples: int = N_RESAMPLES) -> Analysis:
    """Morris mu*, sigma and mu for every outcome."""
    frames, skipped = [], {}
    for name in outcomes:
        y = summary.means[name].to_numpy(dtype=float)
        why = outcome_problem(y)
        if why:
            skipped[name] = why
            continue
        idx = morris_indices(problem, x, y, levels=levels, seed=seed, n_resamples=n_resamples)
        idx.insert(0, "outcome", name)
        frames.append(idx)
    noise = summary.noise.copy()
    noise["morris_mu_star_floor"] = [morris_noise_floor(summary.noise, o, levels) for o in noise["outcome"]]
    return Analysis("morris", _concat(frames), noise, skipped=skipped)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame(columns=["outcome", "parameter", "kind", "value", "conf"])
    return pd.concat(frames, ignore_index=True)


def noise_floor_of(analysis: Analysis, outcome: str) -> float:
    """Sobol': the outcome's noise floor (a share of variance); Morris: the mu* floor (outcome units)."""
    column = "morris_mu_star_floor" if analysis.method == "morris" else "noise_floor"
    row = analysis.noise[analysis.noise["outcome"] == outcome]
    return float(row[column].iloc[0]) if len(row) and column in row else math.nan



def samples_for_width(verdict: dict[str, Any]) -> int:
    """The power of two N at which the widest half-interval would reach the rule, if it shrinks as 1/sqrt(N)."""
    need = verdict["n_samples"] * (verdict["max_half_width"] / CONVERGENCE_HALF_WIDTH) ** 2
    return max(2 * verdict["n_samples"], 1 << max(math.ceil(need) - 1, 1).bit_length())
