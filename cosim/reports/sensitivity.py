"""Figures and the HTML report of ``cosim sensitivity``, from a :class:`~cosim.analysis.sensitivity.Analysis`.

The verdicts (what matters, converged or not) are computed in
:mod:`cosim.analysis.sensitivity`; here they are drawn and put in words.  The
report is ``templates/sensitivity.html.j2`` on the shared base, figures embedded.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cosim.analysis.sensitivity import (
    CONVERGENCE_CHANGE,
    CONVERGENCE_HALF_WIDTH,
    IMPORTANCE,
    MORRIS_INFLUENTIAL,
    MORRIS_LABELS,
    N_RESAMPLES,
    NOISE_DOMINATED,
    Analysis,
    classify_morris,
    classify_sobol,
    noise_floor_of,
    samples_for_width,
)
from cosim.outputs.catalogue import CATALOGUE
from cosim.reports.html import embed, render, safe

# tab10 first, then the light halves of tab20: neighbours in a legend stay distinct
PALETTE = tuple(matplotlib.colormaps["tab10"].colors) + tuple(matplotlib.colormaps["tab20"].colors[1::2])  # type: ignore[attr-defined]


def outcome_label(name: str) -> str:
    """The outcome's plain-words label from the catalogue, or its name (e.g. the Ishigami test function's ``y``)."""
    entry = CATALOGUE.get(name)
    return entry.label if entry else name




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
    ax.set_title(f"Sobol' indices: {outcome_label(outcome)}", fontsize=10)
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


def plot_morris(indices: pd.DataFrame, outcome: str, path: Path, noise_floor: float = math.nan) -> Path:
    """The mu*-sigma plane with mu* intervals, the sigma/mu* = 0.1, 0.5, 1 lines and the noise floor of mu*."""
    table = classify_morris(indices, noise_floor)
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
    if math.isfinite(noise_floor):
        ax.axvline(noise_floor, color="#d6604d", ls="--", lw=1, label="noise floor of mu*")
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
            paths.append(plot_morris(idx, name, out / f"morris_{name}.png", noise_floor_of(analysis, name)))
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


def _noise_sentence(analysis: Analysis, outcome: str, floor: float) -> list[str]:
    noise = analysis.noise[analysis.noise["outcome"] == outcome].iloc[0]
    if np.isfinite(noise["noise_share"]):
        return [f"Run-to-run noise is {100 * noise['noise_share']:.0f}% of one run's variance; after averaging "
                f"{noise['replications']:.0f} replications the noise floor is {_fmt(floor)} (every ST is inflated "
                "by about this much)."]
    return ["With one replication per point the run-to-run noise cannot be measured: total indices may be "
            "inflated by an unknown amount (average 5 or more replications per point)."]


def morris_summary(analysis: Analysis, outcome: str) -> list[str]:
    """Plain-language sentences (HTML) on which inputs Morris screening finds influential."""
    floor = noise_floor_of(analysis, outcome)
    table = classify_morris(analysis.indices[analysis.indices["outcome"] == outcome], floor)
    infl = table[table["influential"]]
    out = []
    if len(infl):
        parts = [f"<code>{html.escape(str(n))}</code> (mu* {r['mu_star']:.3g} ± {r['mu_star_conf']:.2g}"
                 f"{', ' + r['shape'] if r['shape'] else ''})" for n, r in infl.iterrows()]
        out.append(f"<b>Influential inputs</b>, largest effect first: {'; '.join(parts)}.")
    else:
        out.append("<b>No input stands out</b> from the noise of the elementary effects.")
    if math.isfinite(floor):
        below = table[(table["mu_star"] - table["mu_star_conf"]) <= floor]
        out.append(f"Noise floor of mu*: {floor:.3g} (the mean absolute effect an input with no effect shows from "
                   "the replication noise of the point means alone); an input counts as influential only when "
                   "the lower end of its mu* interval is above it"
                   + (f" ({len(below)} input(s) are not: their effects are what noise alone produces)."
                      if len(below) else "."))
    else:
        out.append("With one replication per point the noise floor of mu* cannot be measured: an effect may be "
                   "noise alone (average 5 or more replications per point).")
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

# ---------------------------------------------------------------------- the page

FIGURE_CAPTIONS = {
    "bars": "S1 (first order) and ST (total order) per input with 95% bootstrap intervals, most important first; "
            "the dashed red line is the noise floor, the dotted grey line the 'matters' line.",
    "convergence": "S1 and ST against the number of base samples (prefixes of the same Sobol' design), with 95% "
                   "intervals; the inputs with the largest ST in colour.",
    "morris": "The mu*-sigma plane: mean absolute elementary effect against its spread, with the sigma/mu* = "
              "0.1, 0.5 and 1 lines; influential inputs in red.",
}


def write_report(analysis: Analysis, figures: dict[str, Path], path: Path, *, title: str,
                 facts: list[tuple[str, str]], root_seed: int | None = None, seed: int | None = None,
                 created: str = "", commit: str = "") -> Path:
    """A self-contained HTML report (figures embedded as base64 PNG) at ``path``; returns ``path``.

    ``figures`` maps ``overview``, ``bars:<outcome>``, ``convergence:<outcome>`` and
    ``morris:<outcome>`` to PNG files.  Written with :func:`cosim.outputs.results.write_text`.
    """
    from cosim.outputs.results import write_text

    write_text(path, report_html(analysis, figures, title=title, facts=facts, root_seed=root_seed, seed=seed,
                                 created=created, commit=commit))
    return path


def report_html(analysis: Analysis, figures: dict[str, Path], *, title: str, facts: list[tuple[str, str]],
                root_seed: int | None = None, seed: int | None = None, created: str = "", commit: str = "") -> str:
    """The report page (templates/sensitivity.html.j2)."""
    method = "Sobol' variance decomposition" if analysis.method == "sobol" else "Morris elementary-effects screening"
    outcomes = list(dict.fromkeys(analysis.indices["outcome"]))
    sections = []
    for name in outcomes:
        sentences = sobol_summary(analysis, name) if analysis.method == "sobol" else morris_summary(analysis, name)
        figs = []
        for key in ("bars", "convergence", "morris"):
            if f"{key}:{name}" in figures:
                figs.append(embed(figures[f"{key}:{name}"], f"{FIGURE_CAPTIONS[key]} Outcome: {outcome_label(name)}.",
                                  f"{key} figure: {name}"))
        sections.append({"name": name, "label": outcome_label(name), "sentences": [safe(s) for s in sentences],
                         "figures": figs})
    n_conv = sum(analysis.verdicts[o]["converged"] for o in outcomes) if analysis.method == "sobol" else None
    overview = None
    if "overview" in figures:
        overview = embed(figures["overview"], "Overview: which input drives which outcome ("
                         + ("total-order index ST; each column names the outcome's noise floor"
                            if analysis.method == "sobol" else "mu* relative to each outcome's largest") + ").",
                         "overview figure")
    return render("sensitivity.html.j2", kind="sensitivity", title=f"{title}: {method}",
                  subtitle="Which uncertain inputs move which outcomes, and how sure we are of it",
                  facts=facts, created=created, commit=commit, analysis=analysis, sections=sections, overview=overview,
                  n_outcomes=len(outcomes), n_converged=n_conv, skipped=analysis.skipped,
                  CONVERGENCE_CHANGE=CONVERGENCE_CHANGE, CONVERGENCE_HALF_WIDTH=CONVERGENCE_HALF_WIDTH,
                  IMPORTANCE=IMPORTANCE, N_RESAMPLES=N_RESAMPLES, MORRIS_INFLUENTIAL=MORRIS_INFLUENTIAL,
                  root_seed=root_seed, seed=seed)
