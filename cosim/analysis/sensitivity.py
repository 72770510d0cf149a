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

Everything the command writes goes through :func:`cosim.outputs.results.atomic_output`;
the run store under ``<out>/runs`` belongs to the runner and resumes.
"""

from __future__ import annotations

import base64
import html
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
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
# Morris: an input is influential when mu* minus its interval exceeds this share
# of the largest mu*; sigma/mu* classes after Garcia Sanchez et al. (2014).
MORRIS_INFLUENTIAL = 0.1
MORRIS_LABELS = 10  # inputs named on the mu*-sigma plane; the report lists them all
MORRIS_CLASSES = ((0.1, "linear"), (0.5, "monotonic"), (1.0, "almost monotonic"),
                  (math.inf, "non-linear or interacting"))
# The bootstrap's seed comes from the root seed through a three-element spawn
# key: runs use keys of one or two elements, the design (0xDE5, 0x16, 0).
ANALYSIS_SPAWN_KEY = (0x5E45, 0x17, 0)

# tab10 first, then the light halves of tab20: neighbours in a legend stay distinct
PALETTE = tuple(matplotlib.colormaps["tab10"].colors) + tuple(matplotlib.colormaps["tab20"].colors[1::2])  # type: ignore[attr-defined]


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


def classify_morris(indices: pd.DataFrame) -> pd.DataFrame:
    """Rank inputs by mu*; influential or not, and the sigma/mu* class."""
    wide = indices.pivot(index="parameter", columns="kind", values="value")
    wide["mu_star_conf"] = indices[indices["kind"] == "mu_star"].set_index("parameter")["conf"]
    top = float(wide["mu_star"].max())
    wide["influential"] = (wide["mu_star"] - wide["mu_star_conf"]) > MORRIS_INFLUENTIAL * top if top > 0 else False
    ratio = wide["sigma"] / wide["mu_star"].where(wide["mu_star"] > 0)
    wide["shape"] = [next((name for bound, name in MORRIS_CLASSES if r < bound), "") if np.isfinite(r) else ""
                     for r in ratio]
    return wide.sort_values("mu_star", ascending=False)


# --------------------------------------------------------------------- figures


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _colours(names: list[str]) -> dict[str, Any]:
    return {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}


def plot_sobol_bars(indices: pd.DataFrame, outcome: str, noise_floor: float, path: Path) -> Path:
    """S1 and ST per input with their 95 % intervals, most important first."""
    table = classify_sobol(indices, noise_floor).iloc[::-1]
    n = len(table)
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.42 * n))
    pos = np.arange(n)
    ax.barh(pos + 0.2, table["ST"], 0.4, xerr=table["ST_conf"], color="#2166ac", label="total order ST",
            capsize=2, error_kw={"lw": 1})
    ax.barh(pos - 0.2, table["S1"], 0.4, xerr=table["S1_conf"], color="#92c5de", label="first order S1",
            capsize=2, error_kw={"lw": 1})
    if np.isfinite(noise_floor) and noise_floor > 0:
        ax.axvline(noise_floor, color="#b2182b", ls="--", lw=1, label=f"noise floor {noise_floor:.3f}")
    ax.axvline(IMPORTANCE + (noise_floor if np.isfinite(noise_floor) else 0), color="grey", ls=":", lw=1,
               label="'matters' line")
    ax.set_yticks(pos, table.index)
    ax.set_xlabel("Sobol' index (share of the outcome's variance), 95 % bootstrap interval")
    ax.set_xlim(min(0.0, float((table[["S1", "ST"]].min()).min()) - 0.05), max(1.0, float(table["ST"].max()) + 0.05))
    ax.set_title(f"Sobol' indices: {outcome}")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


CONVERGENCE_HIGHLIGHT = 6  # inputs drawn in colour on the convergence figure; the rest in grey


def plot_convergence(curve: pd.DataFrame, outcome: str, verdict: dict[str, Any], path: Path) -> Path:
    """ST and S1 against the number of base samples (prefixes of one design), with intervals.

    The inputs with the largest ST at full N are drawn in colour with their
    intervals; the others as thin grey lines.  The axis is held to [-0.3, 1.3]:
    estimates from a handful of base samples can be far outside [0, 1].
    """
    n_max = curve["n_samples"].max()
    final = curve[(curve["n_samples"] == n_max) & (curve["kind"] == "ST")].sort_values("value", ascending=False)
    top = list(final["parameter"][:CONVERGENCE_HIGHLIGHT])
    colours = _colours(top)
    sizes = sorted(curve["n_samples"].unique())
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
    dodge = dict(zip(top, np.linspace(-0.1, 0.1, len(top)) if len(top) > 1 else [0.0], strict=True))  # log2 units
    for ax, kind in zip(axes, ("ST", "S1"), strict=True):
        sub = curve[curve["kind"] == kind]
        for name in dict.fromkeys(curve["parameter"]):
            d = sub[sub["parameter"] == name].sort_values("n_samples")
            if name in colours:
                ax.errorbar(d["n_samples"] * 2.0 ** dodge[name], d["value"], yerr=d["conf"], marker="o", ms=3,
                            capsize=2, lw=1.4, color=colours[name], label=name, zorder=3)
            else:
                ax.plot(d["n_samples"], d["value"], color="#bbbbbb", lw=0.8, zorder=1,
                        label="others" if name == final["parameter"].iloc[-1] else None)
        ax.set_xscale("log", base=2)
        ax.set_xticks(sizes, [str(n) for n in sizes])
        ax.set_xlabel("base samples N (prefix of the same Sobol' design)")
        ax.set_title("total order ST" if kind == "ST" else "first order S1")
        ax.axhline(0, color="black", lw=0.6)
        ax.grid(alpha=0.3)
    lo = max(-0.3, float((curve["value"] - curve["conf"]).min()) - 0.02)
    hi = min(1.3, float((curve["value"] + curve["conf"]).max()) + 0.02)
    axes[0].set_ylim(lo, hi)
    axes[0].set_ylabel("index with 95 % interval (axis held to -0.3..1.3)")
    axes[1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    word = "converged" if verdict["converged"] else "NOT converged"
    fig.suptitle(f"{outcome}: {word} (largest change N/2->N {verdict['max_change']:.3f}, "
                 f"widest half-interval {verdict['max_half_width']:.3f})")
    return _save(fig, path)


def plot_morris(indices: pd.DataFrame, outcome: str, path: Path) -> Path:
    """The mu*-sigma plane with mu* intervals and the sigma/mu* = 0.1, 0.5, 1 lines."""
    table = classify_morris(indices)
    fig, ax = plt.subplots(figsize=(8, 6))
    top = float(max(table["mu_star"].max(), np.nanmax(table["sigma"].to_numpy(dtype=float), initial=0.0), 1e-12))
    xs = np.linspace(0, top * 1.1, 50)
    for ratio, style in ((0.1, ":"), (0.5, "--"), (1.0, "-")):
        ax.plot(xs, ratio * xs, color="grey", ls=style, lw=0.8, label=f"sigma/mu* = {ratio:g}")
    colours = np.where(table["influential"], "#b2182b", "#4d4d4d")
    ax.errorbar(table["mu_star"], table["sigma"].fillna(0), xerr=table["mu_star_conf"], fmt="none",
                ecolor="#999999", lw=0.8)
    ax.scatter(table["mu_star"], table["sigma"].fillna(0), c=colours, s=25, zorder=3)
    labelled = pd.concat([table[table["influential"]], table[~table["influential"]]]).head(MORRIS_LABELS)
    for name, row in labelled.iterrows():
        ax.annotate(name, (row["mu_star"], 0 if np.isnan(row["sigma"]) else row["sigma"]), fontsize=7,
                    xytext=(3, 3), textcoords="offset points")
    ax.set_xlim(0, top * 1.15)
    ax.set_ylim(0, top * 1.15)
    ax.set_xlabel("mu* (mean |elementary effect| over the input's range, outcome units)")
    ax.set_ylabel("sigma (spread of the effects)")
    ax.set_title(f"Morris screening: {outcome}\n(red: influential; up to {MORRIS_LABELS} labelled, largest mu* first)",
                 fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_overview(matrix: pd.DataFrame, title: str, label: str, path: Path,
                  column_labels: list[str] | None = None) -> Path:
    """A heat map of one index (inputs x outcomes): which input drives which outcome.

    Colours run from 0 to 1 (values above 1, possible for noisy small designs,
    show as 1 but keep their number).
    """
    fig, ax = plt.subplots(figsize=(1.6 + 1.15 * matrix.shape[1], 1.6 + 0.38 * matrix.shape[0]))
    values = matrix.to_numpy(dtype=float)
    im = ax.imshow(np.clip(values, 0, 1), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(matrix.shape[1]), column_labels or list(matrix.columns), rotation=35, ha="right",
                  fontsize=8)
    ax.set_yticks(range(matrix.shape[0]), matrix.index, fontsize=8)
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7, color="white" if v > 0.6 else "black")
    fig.colorbar(im, ax=ax, label=label, shrink=min(1.0, 12 / max(matrix.shape[0], 1)))
    ax.set_title(title)
    return _save(fig, path)


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
    return Analysis("morris", _concat(frames), summary.noise, skipped=skipped)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame(columns=["outcome", "parameter", "kind", "value", "conf"])
    return pd.concat(frames, ignore_index=True)


def noise_floor_of(analysis: Analysis, outcome: str) -> float:
    row = analysis.noise[analysis.noise["outcome"] == outcome]
    return float(row["noise_floor"].iloc[0]) if len(row) else math.nan


def write_figures(analysis: Analysis, out: Path, title: str) -> list[Path]:
    """All figures of an analysis into ``out``; returns their paths."""
    paths: list[Path] = []
    outcomes = list(dict.fromkeys(analysis.indices["outcome"]))
    for name in outcomes:
        idx = analysis.indices[analysis.indices["outcome"] == name]
        if analysis.method == "sobol":
            paths.append(plot_sobol_bars(idx, name, noise_floor_of(analysis, name), out / f"sobol_{name}.png"))
            curve = analysis.convergence[analysis.convergence["outcome"] == name]
            paths.append(plot_convergence(curve, name, analysis.verdicts[name], out / f"convergence_{name}.png"))
        else:
            paths.append(plot_morris(idx, name, out / f"morris_{name}.png"))
    if len(outcomes) >= 2:
        if analysis.method == "sobol":
            st = analysis.indices[analysis.indices["kind"] == "ST"]
            matrix = st.pivot(index="parameter", columns="outcome", values="value")
            floors = [noise_floor_of(analysis, o) for o in outcomes]
            labels = [f"{o}\n(noise floor {f:.2f})" if np.isfinite(f) else o
                      for o, f in zip(outcomes, floors, strict=True)]
            paths.append(plot_overview(matrix.loc[matrix.clip(upper=1).mean(axis=1).sort_values(ascending=False).index,
                                                  outcomes],
                                       f"{title}: total-order index ST", "ST", out / "overview_ST.png", labels))
        else:
            mu = analysis.indices[analysis.indices["kind"] == "mu_star"]
            matrix = mu.pivot(index="parameter", columns="outcome", values="value")
            matrix = matrix / matrix.max(axis=0).replace(0, np.nan)
            paths.append(plot_overview(matrix.loc[matrix.mean(axis=1).sort_values(ascending=False).index, outcomes],
                                       f"{title}: mu* relative to each outcome's largest", "mu* / max mu*",
                                       out / "overview_mu_star.png"))
    return paths


# ---------------------------------------------------------------------- report


def _fmt(v: float, digits: int = 3) -> str:
    return "n/a" if v is None or not np.isfinite(v) else f"{v:.{digits}f}"


def _names(items: list[str]) -> str:
    items = [f"<code>{html.escape(i)}</code>" for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def sobol_summary(analysis: Analysis, outcome: str) -> list[str]:
    """Plain-language sentences (HTML) on what matters for one outcome and whether it converged."""
    floor = noise_floor_of(analysis, outcome)
    table = classify_sobol(analysis.indices[analysis.indices["outcome"] == outcome], floor)
    out = []
    noisy = bool(np.isfinite(floor) and floor >= NOISE_DOMINATED)
    if noisy:
        out.append(f"<b>Noise dominates this outcome</b>: {100 * floor:.0f}% of the variance of its averaged values "
                   "is run-to-run noise, so its indices cannot rank the inputs (estimates above 1 are a sign of "
                   "it). Over these ranges the inputs move it less than chance does at this model size; to rank "
                   "them, use many more replications or citizens (the noise floor falls as 1/R).")
        return out + _noise_sentence(analysis, outcome, floor)
    matters = table[table["verdict"] == "matters"]
    maybe = table[table["verdict"] == "may matter"]
    if len(matters):
        parts = []
        for name, r in matters.iterrows():
            how = "mostly alone" if r["S1"] >= 0.7 * r["ST"] else (
                "alone and through interactions" if r["S1"] >= 0.3 * r["ST"] else "mainly through interactions")
            parts.append(f"<code>{html.escape(str(name))}</code> (ST {_fmt(r['ST'], 2)} ± {_fmt(r['ST_conf'], 2)}, "
                         f"S1 {_fmt(r['S1'], 2)}: {how})")
        out.append(f"<b>Inputs that matter</b>, most important first: {'; '.join(parts)}.")
        share = float(matters["S1"].clip(lower=0).sum())
        out.append(f"Together their first-order effects explain about {100 * share:.0f}% of the variance; "
                   f"the rest is interactions{' and noise' if np.isfinite(floor) and floor > 0.01 else ''}.")
    else:
        out.append("<b>No input measurably matters</b> for this outcome at this sample size.")
    if len(maybe):
        out.append(f"May matter (interval straddles the line): {_names([str(n) for n in maybe.index])}.")
    rest = table[table["verdict"] == "does not matter"]
    if len(rest):
        out.append(f"Do not measurably matter (could be fixed at their defaults): "
                   f"{_names([str(n) for n in rest.index])}.")
    out += _noise_sentence(analysis, outcome, floor)
    v = analysis.verdicts[outcome]
    if v["converged"]:
        out.append(f"<b>Converged</b>: from N={v['n_half']} to N={v['n_samples']} base samples no S1 or ST moved by "
                   f"more than {_fmt(v['max_change'])} (≤ {CONVERGENCE_CHANGE}) and the widest half-interval is "
                   f"{_fmt(v['max_half_width'])} (≤ {CONVERGENCE_HALF_WIDTH}).")
    else:
        reasons = []
        if not v["max_change"] <= CONVERGENCE_CHANGE:
            reasons.append(f"{v['max_change_at']} moved by {_fmt(v['max_change'])} from N={v['n_half']} to "
                           f"N={v['n_samples']} (rule: ≤ {CONVERGENCE_CHANGE})")
        if not v["max_half_width"] <= CONVERGENCE_HALF_WIDTH:
            reasons.append(f"the interval of {v['max_half_width_at']} is ±{_fmt(v['max_half_width'])} "
                           f"(rule: ≤ {CONVERGENCE_HALF_WIDTH})")
        out.append(f"<b>Not converged</b>: {'; '.join(reasons)}. Rankings of inputs whose intervals do not overlap "
                   f"still hold. Intervals shrink about as 1/√N, so the widest would reach ±{CONVERGENCE_HALF_WIDTH} "
                   f"near <code>experiment.samples</code> = {samples_for_width(v)} (an extrapolation); the runs "
                   "already made are reused.")
    return out


def samples_for_width(verdict: dict[str, Any]) -> int:
    """The power of two N at which the widest half-interval would reach the rule, if it shrinks as 1/sqrt(N)."""
    need = verdict["n_samples"] * (verdict["max_half_width"] / CONVERGENCE_HALF_WIDTH) ** 2
    return max(2 * verdict["n_samples"], 1 << max(math.ceil(need) - 1, 1).bit_length())


def _noise_sentence(analysis: Analysis, outcome: str, floor: float) -> list[str]:
    noise = analysis.noise[analysis.noise["outcome"] == outcome].iloc[0]
    if np.isfinite(noise["noise_share"]):
        return [f"Run-to-run noise is {100 * noise['noise_share']:.0f}% of one run's variance; after averaging "
                f"{noise['replications']:.0f} replications the noise floor is {_fmt(floor)} (every ST is inflated "
                "by about this much)."]
    return ["With one replication per point the run-to-run noise cannot be measured: total indices may be "
            "inflated by an unknown amount (use --replications 5 or more)."]


def morris_summary(analysis: Analysis, outcome: str) -> list[str]:
    """Plain-language sentences (HTML) on which inputs Morris screening finds influential."""
    table = classify_morris(analysis.indices[analysis.indices["outcome"] == outcome])
    infl = table[table["influential"]]
    out = []
    if len(infl):
        parts = [f"<code>{html.escape(str(n))}</code> (mu* {r['mu_star']:.3g} ± {r['mu_star_conf']:.2g}"
                 f"{', ' + r['shape'] if r['shape'] else ''})" for n, r in infl.iterrows()]
        out.append(f"<b>Influential inputs</b>, largest effect first: {'; '.join(parts)}.")
    else:
        out.append("<b>No input stands out</b> from the bootstrap noise of the elementary effects.")
    rest = table[~table["influential"]]
    if len(rest):
        out.append(f"Not influential at this screening size ({len(rest)} inputs; candidates to fix at defaults): "
                   f"{_names([str(n) for n in rest.index])}.")
    noise = analysis.noise[analysis.noise["outcome"] == outcome].iloc[0]
    if np.isfinite(noise["noise_share"]):
        out.append(f"Run-to-run noise is {100 * noise['noise_share']:.0f}% of one run's variance "
                   f"({noise['replications']:.0f} replications averaged per point; noise left in the point means: "
                   f"{100 * noise['noise_floor']:.1f}% of their variance).")
    out.append("Morris screening ranks inputs; it does not give variance shares, and no convergence rule applies.")
    return out


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def write_report(analysis: Analysis, figures: dict[str, Path], path: Path, *, title: str,
                 facts: list[tuple[str, str]]) -> Path:
    """A self-contained HTML report (figures embedded as base64 PNG)."""
    method = "Sobol' variance decomposition" if analysis.method == "sobol" else "Morris elementary-effects screening"
    parts = [f"<h1>{html.escape(title)}: {method}</h1>",
             "<table class='facts'>" + "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                                               for k, v in facts) + "</table>"]
    outcomes = list(dict.fromkeys(analysis.indices["outcome"]))
    if analysis.method == "sobol" and outcomes:
        n_conv = sum(analysis.verdicts[o]["converged"] for o in outcomes)
        parts.append(f"<p><b>Convergence: {n_conv} of {len(outcomes)} outcomes converged</b> "
                     f"(rule: every S1 and ST changes by at most {CONVERGENCE_CHANGE} between N/2 and N base "
                     f"samples and every 95% half-interval at N is at most {CONVERGENCE_HALF_WIDTH}).</p>")
    if "overview" in figures:
        parts.append(f"<h2>Overview</h2>{_img(figures['overview'])}")
    for name in outcomes:
        parts.append(f"<h2 id='{html.escape(name)}'>{html.escape(name)}</h2>")
        sentences = sobol_summary(analysis, name) if analysis.method == "sobol" else morris_summary(analysis, name)
        parts.append("<ul>" + "".join(f"<li>{s}</li>" for s in sentences) + "</ul>")
        for key in (f"bars:{name}", f"convergence:{name}", f"morris:{name}"):
            if key in figures:
                parts.append(_img(figures[key]))
    for name, why in analysis.skipped.items():
        parts.append(f"<h2>{html.escape(name)}</h2><p>Not analysed: {html.escape(why)}.</p>")
    parts.append(_method_notes(analysis.method))
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.45;color:#222}"
             "img{max-width:100%;display:block;margin:1em 0}table.facts th{text-align:left;padding-right:1em}"
             "code{background:#f3f3f3;padding:0 .2em}li{margin:.3em 0}")
    doc = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
           f"<style>{style}</style></head><body>{''.join(parts)}</body></html>\n")
    path.write_text(doc, encoding="utf-8")
    return path


def _method_notes(method: str) -> str:
    if method == "sobol":
        body = (
            "S1 (first order) is the share of an outcome's variance an input explains on its own; ST (total order) "
            "adds every interaction it takes part in (Saltelli et al. 2010 estimators, SALib). ST - S1 is the "
            "interaction part. Intervals are 95% bootstrap intervals over base samples "
            f"({N_RESAMPLES} resamples). Replications of each sample point are averaged before analysis. "
            "Run-to-run noise inflates every ST by about the noise floor (the noise variance left in the point "
            "means over their variance) and shrinks S1 by the factor 1 - floor; an input matters when the lower "
            f"end of its ST interval lies above {IMPORTANCE} plus the noise floor. Convergence curves reuse prefixes "
            "of the same Sobol' design (the first n base samples of SALib's Saltelli matrix), so they cost no runs.")
    else:
        body = (
            "mu* is the mean absolute elementary effect: how much the outcome moves, in its own units, when an "
            "input steps across its range; sigma is the spread of those effects (large sigma/mu*: non-linear or "
            "interacting; classes after Garcia Sanchez et al. 2014). An input is influential when mu* minus its "
            f"95% bootstrap half-interval exceeds {MORRIS_INFLUENTIAL:.0%} of the largest mu*. Replications are "
            "averaged per point before the effects are computed.")
    return f"<h2>How to read this</h2><p>{body}</p>"


# ------------------------------------------------------------------ command line
