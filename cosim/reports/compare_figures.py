"""The figures of ``cosim compare``: trajectories, paired differences, who gains, costs, the SGI.

Plotting reads a :class:`~cosim.analysis.compare.CompareResult`; it never builds
or runs a model.  Labels and units come from the outcome catalogue (through
:func:`cosim.analysis.compare.outcome_info`); :mod:`cosim.reports.compare`
embeds these figures in the report.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from cosim.analysis.compare import HEADLINE, outcome_info, outcome_label
from cosim.outputs.catalogue import GROUP_LABELS
from cosim.scenario.budget import WEEKS_PER_YEAR
from cosim.scenario.schema import LEVERS, Scenario

if TYPE_CHECKING:
    from cosim.analysis.compare import CompareResult

SHORT = {  # panel titles and headline rows: short forms of the catalogue's labels
    "share_participated_year": "took part in last 12 months",
    "share_adopted": "using e-participation",
    "share_online": "online in a typical week",
    "share_online_gap": "online gap, high - low income",
    "mean_trust": "mean trust (0-1)",
    "mean_trust_year": "mean trust, last year",
    "share_trusting": "trusting (trust above {threshold})",
    "service_quality": "service quality (0-1)",
    "mean_outcome": "co-production value (0-1)",
    "median_response_weeks": "weeks to resolution",
    "share_dropped": "closed unresolved",
    "backlog_per_1000": "backlog per 1,000",
    "sgi": "smart-governance index",
}


def short(outcome: str, scenario: Any = None) -> str:
    """A short title for ``outcome``, the trust threshold filled from ``scenario`` as the catalogue does."""
    threshold = 0.5 if scenario is None else scenario.trust.share_trusting_threshold
    return SHORT.get(outcome, outcome_label(outcome, scenario)).format(threshold=f"{threshold:g}")
LEVER_COLOURS = {"wifi": "#1f78b4", "open_data": "#33a02c", "talent": "#6a3d9a", "training": "#ff7f00",
                 "security": "#e31a1c", "channels": "#999999", "campaign": "#b15928", "links": "#a6cee3"}
LEVER_NAMES = {lv: type(getattr(Scenario(), lv)).short_title for lv in LEVERS}  # declared with each lever
DPI = 110



def display_scale(kind: str) -> float:
    """The factor a value of this kind is shown at: shares in %, weekly shares per 1,000."""
    return {"share": 100.0, "weekly": 1000.0}.get(kind, 1.0)


def summary_row(summary: pd.DataFrame, scenario: str, outcome: str) -> pd.Series | None:
    """The summary row of one scenario and outcome, or None."""
    r = summary[(summary["scenario"] == scenario) & (summary["outcome"] == outcome)]
    return None if r.empty else r.iloc[0]


# Differences smaller than this are called negligible even when their interval
# excludes zero (with common random numbers a tiny effect can be "significant").

# --------------------------------------------------------------------------- figures


def scenario_colours(names: list[str]) -> dict[str, str]:
    """The reference in black, the others in a qualitative palette."""
    palette = plt.get_cmap("tab10")
    cols = {names[0]: "#000000"}
    for i, n in enumerate(names[1:]):
        cols[n] = matplotlib.colors.to_hex(palette(i % 10))
    return cols


def _save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return path


def _band(region: pd.DataFrame, metric: str, smooth: int = 1) -> pd.DataFrame:
    """Per scenario and step: mean over replications and its 95% t interval."""
    wide = region.pivot_table(index="step", columns=["scenario", "replication"], values=metric)
    if smooth > 1:
        wide = wide.rolling(smooth, min_periods=1).mean()
    out = []
    for scen in wide.columns.get_level_values(0).unique():
        block = wide[scen]
        n = block.notna().sum(axis=1)
        mean = block.mean(axis=1)
        sd = block.std(axis=1, ddof=1).fillna(0.0)
        half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(np.maximum(n, 1))
        out.append(pd.DataFrame({"scenario": scen, "step": block.index, "mean": mean.values,
                                 "lo": (mean - half).values, "hi": (mean + half).values}))
    return pd.concat(out, ignore_index=True)


def fig_trajectories(result: CompareResult, path: Path) -> Path:
    region = result.runs[result.runs["municipality"] == "region"]
    panels = [("share_participated_year", 1), ("share_adopted", 1), ("share_online", 4),
              ("mean_trust", 1), ("service_quality", 1), ("backlog_per_1000", 4)]
    colours = scenario_colours(result.names)
    fig, axes = plt.subplots(2, 3, figsize=(14, 7.5))
    for ax, (metric, smooth) in zip(axes.flat, panels, strict=True):
        kind = outcome_info(metric).kind
        band = _band(region, metric, smooth)
        k = display_scale(kind)
        for name in result.names:
            b = band[band["scenario"] == name]
            x = b["step"] / WEEKS_PER_YEAR
            lw = 2.2 if name == result.reference else 1.4
            ax.plot(x, k * b["mean"], color=colours[name], lw=lw, label=name)
            ax.fill_between(x, k * b["lo"], k * b["hi"], color=colours[name], alpha=0.18, lw=0)
        unit = {"share": " (%)", "weekly": " (per 1,000 a week)"}.get(kind, "")
        title = short(metric, result.scenarios[0]) + unit + (f", {smooth}-week mean" if smooth > 1 else "")
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("year of the IDP cycle")
        ax.grid(alpha=0.3)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(5, len(labels)), frameon=False, fontsize=10,
               bbox_to_anchor=(0.5, -0.06))
    fig.suptitle(f"Trajectories: mean of {result.replications} replications with 95% interval of the mean (bands)",
                 fontsize=12)
    fig.tight_layout()
    return _save(fig, path)


def fig_differences(result: CompareResult, path: Path) -> Path:
    """Forest plot: paired difference from the reference, with 95% intervals, per outcome."""
    others = result.names[1:]
    colours = scenario_colours(result.names)
    outcomes_ = [o for o in HEADLINE if o in set(result.summary["outcome"])]
    ncol = 5
    nrow = math.ceil(len(outcomes_) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(15, 1.2 + nrow * (0.45 * max(len(others), 2) + 1.0)),
                             sharey=True, squeeze=False)
    for ax in axes.flat[len(outcomes_):]:
        ax.axis("off")
    for ax, outcome in zip(axes.flat, outcomes_, strict=False):
        kind = outcome_info(outcome).kind
        k = display_scale(kind)
        for i, name in enumerate(others):
            r = summary_row(result.summary, name, outcome)
            y = len(others) - 1 - i
            if r is None or not math.isfinite(r["diff"]):
                continue
            lo, hi = r["diff_ci_low"], r["diff_ci_high"]
            err = [[k * (r["diff"] - lo)], [k * (hi - r["diff"])]] if math.isfinite(lo) else None
            ax.errorbar(k * r["diff"], y, xerr=err, fmt="o", color=colours[name], capsize=3, ms=5)
        ax.axvline(0, color="black", lw=0.8)
        unit = {"share": "percentage points", "weekly": "per 1,000 a week"}.get(kind, "difference")
        ax.set_title(short(outcome, result.scenarios[0]), fontsize=10)
        ax.set_xlabel(unit, fontsize=9)
        ax.grid(axis="x", alpha=0.3)
        ax.set_yticks(range(len(others)))
        ax.set_yticklabels(list(reversed(others)), fontsize=9)
        ax.set_ylim(-0.6, len(others) - 0.4)
    fig.suptitle(f"Difference from {result.reference} (same seeds, paired), with 95% intervals", fontsize=12)
    fig.tight_layout()
    return _save(fig, path)


GROUP_PANELS = [
    ("took part in the last 12 months, by income (pp)", "share_participated_year", ("low", "mid", "high")),
    ("online in a typical week, by income (pp)", "share_online", ("low", "mid", "high")),
    ("using e-participation, by income (pp)", "share_adopted", ("low", "mid", "high")),
    ("mean trust (0-1), by income", "mean_trust", ("low", "mid", "high")),
    ("taking part per week, by literacy tercile (per 1,000)", "participation_rate", ("lit1", "lit2", "lit3")),
    ("mean trust (0-1), by literacy tercile", "mean_trust", ("lit1", "lit2", "lit3")),
]


def fig_groups(result: CompareResult, path: Path) -> Path:
    """Who gains: paired differences from the reference by income group and literacy tercile."""
    others = result.names[1:]
    colours = scenario_colours(result.names)
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    width = 0.8 / max(len(others), 1)
    for ax, (title, metric, groups) in zip(axes.flat, GROUP_PANELS, strict=True):
        scale = 100.0 if metric.startswith("share") else 1000.0 if metric == "participation_rate" else 1.0
        for i, name in enumerate(others):
            xs: list[float] = []
            ys: list[float] = []
            errs: list[list[float]] = [[], []]
            for j, g in enumerate(groups):
                r = summary_row(result.summary, name, f"{metric}_{g}")
                if r is None:
                    continue
                xs.append(j - 0.4 + width * (i + 0.5))
                ys.append(scale * r["diff"])
                lo = r["diff_ci_low"] if math.isfinite(r["diff_ci_low"]) else r["diff"]
                hi = r["diff_ci_high"] if math.isfinite(r["diff_ci_high"]) else r["diff"]
                errs[0].append(scale * (r["diff"] - lo))
                errs[1].append(scale * (hi - r["diff"]))
            ax.bar(xs, ys, width=width, color=colours[name], label=name, yerr=errs, capsize=2,
                   error_kw={"lw": 0.8})
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xticks(range(len(groups)))
        ax.set_xticklabels([GROUP_LABELS[g].replace(" literacy third", "\nliteracy third") for g in groups])
        ax.set_title(title, fontsize=11)
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(5, len(labels)), frameon=False,
               bbox_to_anchor=(0.5, -0.05))
    fig.suptitle(f"Who gains: difference from {result.reference} by group (same seeds, 95% intervals); "
                 "literacy terciles are fixed at the start", fontsize=12)
    fig.tight_layout()
    return _save(fig, path)


def annual_spend(result: CompareResult) -> pd.DataFrame:
    """Mean and largest yearly spend per municipality, per scenario and lever (full years only if any)."""
    b = result.budget
    # per scenario: its full years if it has any (a scenario shorter than a year keeps its part-year)
    has_full = b.loc[b["weeks"] == WEEKS_PER_YEAR, "scenario"].unique()
    b = b[(b["weeks"] == WEEKS_PER_YEAR) | ~b["scenario"].isin(has_full)]
    per_year = b.pivot_table(index=["scenario", "year"], columns="lever", values="spend", aggfunc="sum")
    return per_year


def fig_costs(result: CompareResult, path: Path) -> Path:
    per_year = annual_spend(result)
    names = result.names
    fig, axes = plt.subplots(1, 2, figsize=(15, 1.5 + 0.55 * len(names)), gridspec_kw={"width_ratios": [1.2, 1]})
    ax = axes[0]
    ys = np.arange(len(names))[::-1]
    for y, name in zip(ys, names, strict=True):
        mean = per_year.loc[name].mean()
        left = 0.0
        for lever in LEVERS:
            v = float(mean.get(lever, 0.0)) / 1e6
            if v > 0:
                ax.barh(y, v, left=left, color=LEVER_COLOURS.get(lever, f"C{LEVERS.index(lever) % 10}"), height=0.6,
                        label=LEVER_NAMES[lever])
                left += v
        budget = float(result.budget[result.budget["scenario"] == name]["budget"].iloc[0]) / 1e6
        ax.plot([budget, budget], [y - 0.4, y + 0.4], color="black", lw=2.5)
        peak = per_year.loc[name].sum(axis=1).max() / 1e6
        if peak > left * 1.001:
            ax.plot(peak, y, marker="|", color="#444444", ms=14)
    handles, labels = ax.get_legend_handles_labels()
    seen = dict(zip(labels, handles, strict=True))
    seen["annual budget"] = plt.Line2D([], [], color="black", lw=2.5)
    ax.legend(seen.values(), seen.keys(), fontsize=8, loc="lower right")
    ax.set_yticks(ys)
    ax.set_yticklabels(names)
    ax.set_xlabel("R million a year per municipality (mean over the years; grey tick = the dearest year)")
    ax.set_title("What it costs: lever spend against the annual budget", fontsize=11)
    ax.grid(axis="x", alpha=0.3)

    ax = axes[1]
    ce = result.cost_effectiveness
    colours = scenario_colours(names)
    others = names[1:]
    for i, name in enumerate(others):
        y = len(others) - 1 - i
        r = ce[ce["scenario"] == name]
        if r.empty or not math.isfinite(r["per_million_rand_a_year"].iloc[0]):
            ax.text(0, y, "  no extra spend", va="center", fontsize=9, color="#666666")
            continue
        r = r.iloc[0]
        v = r["per_million_rand_a_year"]
        err = [[v - r["per_million_ci_low"]], [r["per_million_ci_high"] - v]] if math.isfinite(
            r["per_million_ci_low"]) else None
        ax.barh(y, v, color=colours[name], height=0.6, xerr=err, capsize=3)
        ax.text(0, y + 0.36, f" {v:,.0f}", va="bottom", fontsize=8, color="#333333")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(range(len(others)))
    ax.set_yticklabels(list(reversed(others)))
    ax.set_xlabel(f"extra residents taking part in a year, per extra R1 m a year (vs {result.reference})")
    ax.set_title("Cost-effectiveness: participants gained per R1 million (95% intervals)", fontsize=11)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


SGI = [("sgi_national", "national space\n(legal, links,\nopen data; G2G)"),
       ("sgi_organisational", "organisational\n(officials; G2E)"),
       ("sgi_service", "service space\n(quality, online;\nG2C)"),
       ("sgi_community", "community\n(participation,\nequity, trust)")]


def fig_sgi(result: CompareResult, path: Path) -> Path:
    names = result.names
    colours = scenario_colours(names)
    fig, axes = plt.subplots(1, 2, figsize=(15, 5.2))
    width = 0.8 / len(names)
    for panel, (ax, field) in enumerate(zip(axes, ("mean", "diff"), strict=True)):
        shown = names if panel == 0 else names[1:]
        w = 0.8 / max(len(shown), 1) if panel else width
        for i, name in enumerate(shown):
            xs: list[float] = []
            ys: list[float] = []
            errs: list[list[float]] = [[], []]
            for j, (outcome, _) in enumerate(SGI):
                r = summary_row(result.summary, name, outcome)
                if r is None:
                    continue
                lo_col, hi_col = ("ci_low", "ci_high") if field == "mean" else ("diff_ci_low", "diff_ci_high")
                lo = r[lo_col] if math.isfinite(r[lo_col]) else r[field]
                hi = r[hi_col] if math.isfinite(r[hi_col]) else r[field]
                xs.append(j - 0.4 + w * (i + 0.5))
                ys.append(r[field])
                errs[0].append(r[field] - lo)
                errs[1].append(hi - r[field])
            ax.bar(xs, ys, width=w, color=colours[name], label=name, yerr=errs, capsize=2, error_kw={"lw": 0.8})
        ax.set_xticks(range(len(SGI)))
        ax.set_xticklabels([lab for _, lab in SGI])
        ax.grid(axis="y", alpha=0.3)
        ax.axhline(0, color="black", lw=0.8)
    axes[0].set_title("Smart-governance index by category (0-1, end of run)", fontsize=11)
    axes[0].set_ylim(0, 1)
    axes[1].set_title(f"Difference from {result.reference} (same seeds, 95% intervals)", fontsize=11)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(5, len(labels)), frameon=False,
               bbox_to_anchor=(0.5, -0.08))
    fig.suptitle("The four categories of smart governance (seed 002); each is the plain mean of its indicators",
                 fontsize=12)
    fig.tight_layout()
    return _save(fig, path)


def figures(result: CompareResult, out: Path) -> list[Path]:
    """Write every comparison figure into ``out``; return their paths."""
    paths = [fig_trajectories(result, out / "trajectories.png"),
             fig_differences(result, out / "differences.png")]
    if len(result.names) > 1:
        paths.append(fig_groups(result, out / "by_group.png"))
    paths.append(fig_costs(result, out / "costs.png"))
    paths.append(fig_sgi(result, out / "sgi.png"))
    return paths
