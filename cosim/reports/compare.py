"""The results of ``cosim compare``: tables, figures and one self-contained HTML report.

Plotting and reporting read a :class:`~cosim.analysis.compare.CompareResult`; they never
build or run a model.  ``write_outputs`` writes everything into a temporary
folder that replaces the results folder only when complete
(:func:`cosim.outputs.results.atomic_output`), so Ctrl-C leaves no half-written report.
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from cosim.analysis.compare import HEADLINE, INTERVALS, LABELS, SUMMARY_COLUMNS
from cosim.outputs.results import atomic_output, file_hash, manifest, write_json
from cosim.scenario.budget import WEEKS_PER_YEAR
from cosim.scenario.schema import LEVERS

if TYPE_CHECKING:
    from cosim.analysis.compare import CompareResult

SHORT = {  # panel titles
    "share_participated_year": "took part in last 12 months",
    "share_adopted": "using e-participation",
    "share_online": "online in a typical week",
    "share_online_gap": "online gap, high - low income",
    "mean_trust": "mean trust (0-1)",
    "share_trusting": "trusting (> 0.5)",
    "service_quality": "service quality (0-1)",
    "mean_outcome": "co-production value (0-1)",
    "backlog_per_1000": "backlog per 1,000",
    "sgi": "smart-governance index",
}
LEVER_COLOURS = {"wifi": "#1f78b4", "open_data": "#33a02c", "talent": "#6a3d9a", "training": "#ff7f00",
                 "security": "#e31a1c", "channels": "#999999", "campaign": "#b15928", "links": "#a6cee3"}
LEVER_NAMES = {"wifi": "free Wi-Fi", "open_data": "open data", "talent": "talent incentives",
               "training": "literacy training", "security": "security & legal", "channels": "channels",
               "campaign": "campaign", "links": "links"}
DPI = 110


# --------------------------------------------------------------------------- numbers in words


def _scale(kind: str) -> float:
    return {"share": 100.0, "weekly": 1000.0}.get(kind, 1.0)


def _decimals(kind: str, spread: float) -> int:
    base = {"share": 1, "weekly": 2, "index": 3, "per1000": 2, "weeks": 1, "residents": 0, "rand": 1}[kind]
    spread = spread * _scale(kind) / (1e6 if kind == "rand" else 1.0)
    if spread and math.isfinite(spread) and spread > 0 and kind != "residents":
        # enough decimals that the interval's half-width shows one significant digit
        base = max(base, min(5, -math.floor(math.log10(spread))))
    return base


def fmt_value(x: float, kind: str, decimals: int | None = None) -> str:
    """A level in the outcome's units (``12.3%``, ``0.431``, ``R9.2 m``)."""
    if x is None or not math.isfinite(x):
        return "n/a"
    d = _decimals(kind, 0.0) if decimals is None else decimals
    v = x * _scale(kind)
    if kind == "share":
        return f"{v:.{d}f}%"
    if kind == "weekly":
        return f"{v:.{d}f} per 1,000 a week"
    if kind == "weeks":
        return f"{v:.{d}f} weeks"
    if kind == "residents":
        return f"{v:,.0f}"
    if kind == "rand":
        return f"R{v / 1e6:.{d}f} m"
    return f"{v:.{d}f}"


def fmt_diff(x: float, kind: str, decimals: int) -> str:
    """A difference in the outcome's units (``+1.2 percentage points``)."""
    if x is None or not math.isfinite(x):
        return "n/a"
    v = x * _scale(kind)
    if kind == "share":
        return f"{v:+.{decimals}f} percentage points"
    if kind == "weekly":
        return f"{v:+.{decimals}f} per 1,000 a week"
    if kind == "weeks":
        return f"{v:+.{decimals}f} weeks"
    if kind == "residents":
        return f"{v:+,.0f}"
    if kind == "rand":
        return f"R{v / 1e6:+.{decimals}f} m"
    return f"{v:+.{decimals}f}"


def _num(x: float, kind: str, decimals: int) -> str:
    if not math.isfinite(x):
        return "n/a"
    v = x * _scale(kind)
    if kind == "rand":
        return f"{v / 1e6:+.{decimals}f}"
    if kind == "residents":
        return f"{v:+,.0f}"
    return f"{v:+.{decimals}f}"


def _row(summary: pd.DataFrame, scenario: str, outcome: str) -> pd.Series | None:
    r = summary[(summary["scenario"] == scenario) & (summary["outcome"] == outcome)]
    return None if r.empty else r.iloc[0]


# Outcomes where a fall is an improvement (for the colours of the report's table).
LOWER_IS_BETTER = {"share_online_gap", "participation_gap", "e_participation_gap", "backlog_per_1000",
                   "median_response_weeks", "top1_share", "top10_share", "gini_contributions"}

# Differences smaller than this are called negligible even when their interval
# excludes zero (with common random numbers a tiny effect can be "significant").
NEGLIGIBLE = {"share": 0.001, "weekly": 1e-5, "index": 0.001, "per1000": 0.1, "weeks": 0.1,
              "residents": 100.0, "rand": 1000.0}


def verdict(row: pd.Series, kind: str = "index") -> str:
    """``higher`` / ``lower`` when the 95% interval of the paired difference excludes zero.

    ``identical`` when every replication gave the same value in both scenarios;
    ``negligible`` when the interval excludes zero but the difference is below
    ``NEGLIGIBLE[kind]``.
    """
    lo, hi, d = row["diff_ci_low"], row["diff_ci_high"], row["diff"]
    if lo == hi == d == 0:
        return "identical"
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "unclear"
    if (lo > 0 or hi < 0) and abs(d) < NEGLIGIBLE[kind]:
        return "negligible"
    if lo > 0:
        return "higher"
    if hi < 0:
        return "lower"
    return "no clear difference"


def describe_difference(summary: pd.DataFrame, scenario: str, outcome: str, reference: str) -> str:
    """One plain sentence: the outcome in the reference and the scenario, the paired difference and its interval."""
    row, ref = _row(summary, scenario, outcome), _row(summary, reference, outcome)
    if row is None or ref is None:
        return f"{outcome}: not available"
    label, kind = LABELS.get(outcome, (outcome, "index"))
    d = _decimals(kind, (row["diff_ci_high"] - row["diff_ci_low"]) / 2)
    lv = _decimals(kind, 0.0)
    v = verdict(row, kind)
    words = {"higher": "higher", "lower": "lower", "no clear difference": "no clear difference",
             "unclear": "too few runs to tell", "identical": "identical in every replication",
             "negligible": "a negligible difference"}[v]
    if v == "identical":
        return f"{label}: {fmt_value(ref['mean'], kind, lv)} in both; {words}"
    if v == "negligible":
        size = fmt_diff(NEGLIGIBLE[kind], kind, _decimals(kind, NEGLIGIBLE[kind])).lstrip("+")
        return f"{label}: {fmt_value(ref['mean'], kind, lv)} in {reference}, {fmt_value(row['mean'], kind, lv)} " \
               f"in {scenario}; {words} (less than {size})"
    return (f"{label}: {fmt_value(ref['mean'], kind, lv)} in {reference}, {fmt_value(row['mean'], kind, lv)} "
            f"in {scenario}; {words} ({fmt_diff(row['diff'], kind, d)}, 95% CI "
            f"{_num(row['diff_ci_low'], kind, d)} to {_num(row['diff_ci_high'], kind, d)})")


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
        label, kind = LABELS[metric]
        band = _band(region, metric, smooth)
        k = _scale(kind)
        for name in result.names:
            b = band[band["scenario"] == name]
            x = b["step"] / WEEKS_PER_YEAR
            lw = 2.2 if name == result.reference else 1.4
            ax.plot(x, k * b["mean"], color=colours[name], lw=lw, label=name)
            ax.fill_between(x, k * b["lo"], k * b["hi"], color=colours[name], alpha=0.18, lw=0)
        unit = {"share": " (%)", "weekly": " (per 1,000 a week)"}.get(kind, "")
        title = SHORT.get(metric, label) + unit + (f", {smooth}-week mean" if smooth > 1 else "")
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
        _, kind = LABELS[outcome]
        k = _scale(kind)
        for i, name in enumerate(others):
            r = _row(result.summary, name, outcome)
            y = len(others) - 1 - i
            if r is None or not math.isfinite(r["diff"]):
                continue
            lo, hi = r["diff_ci_low"], r["diff_ci_high"]
            err = [[k * (r["diff"] - lo)], [k * (hi - r["diff"])]] if math.isfinite(lo) else None
            ax.errorbar(k * r["diff"], y, xerr=err, fmt="o", color=colours[name], capsize=3, ms=5)
        ax.axvline(0, color="black", lw=0.8)
        unit = {"share": "percentage points", "weekly": "per 1,000 a week"}.get(kind, "difference")
        ax.set_title(SHORT.get(outcome, outcome), fontsize=10)
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
GROUP_NAMES = {"low": "low income", "mid": "middle income", "high": "high income",
               "lit1": "low literacy", "lit2": "middle literacy", "lit3": "high literacy"}


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
                r = _row(result.summary, name, f"{metric}_{g}")
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
        ax.set_xticklabels([GROUP_NAMES[g] for g in groups])
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
    full = b[b["weeks"] == WEEKS_PER_YEAR]
    b = full if not full.empty else b
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
                ax.barh(y, v, left=left, color=LEVER_COLOURS[lever], height=0.6,
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
                r = _row(result.summary, name, outcome)
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


# --------------------------------------------------------------------------- the HTML page

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1250px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:.3em .55em;
text-align:left;vertical-align:top}th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.up{background:#e3f4e1}.down{background:#fbe3e1}.none{color:#666}img{max-width:100%;border:1px solid #eee;margin:.5em 0}
.note{color:#555;font-size:.9em}li{margin:.25em 0}code{background:#f5f5f5;padding:0 .2em}
details{margin:.6em 0}summary{cursor:pointer;font-weight:600}
table.wide td:first-child{min-width:13em}table.wide{font-size:.85em}small{white-space:nowrap}
"""


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def _esc(x: Any) -> str:
    return html.escape(str(x))


def _cell(row: pd.Series | None, kind: str, outcome: str = "") -> str:
    if row is None or not math.isfinite(row["diff"]):
        return "<td>n/a</td>"
    v = verdict(row, kind)
    # a negligible or identical difference gets no spurious precision
    d = _decimals(kind, 0.0 if v in ("negligible", "identical") else (row["diff_ci_high"] - row["diff_ci_low"]) / 2)
    better = "lower" if outcome in LOWER_IS_BETTER else "higher"
    cls = "none" if v not in ("higher", "lower") else "up" if v == better else "down"
    return (f'<td class="num {cls}">{_num(row["diff"], kind, d)}<br><small>[{_num(row["diff_ci_low"], kind, d)}, '
            f'{_num(row["diff_ci_high"], kind, d)}]</small></td>')


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _who_gains(result: CompareResult, name: str) -> str:
    s, ref = result.summary, result.reference
    parts = []
    for outcome, what in (("share_participated_year", "took part in the last 12 months"),
                          ("share_online", "were online in a typical week"),
                          ("share_adopted", "used e-participation")):
        lo, hi = _row(s, name, f"{outcome}_low"), _row(s, name, f"{outcome}_high")
        if lo is None or hi is None:
            continue
        if verdict(lo, "share") == verdict(hi, "share") == "identical":
            parts.append(f"{what}: unchanged")
            continue
        d = _decimals("share", max((lo["diff_ci_high"] - lo["diff_ci_low"]) / 2,
                                   (hi["diff_ci_high"] - hi["diff_ci_low"]) / 2))
        parts.append(f"{what}: low income {fmt_diff(lo['diff'], 'share', d)} "
                     f"[{_num(lo['diff_ci_low'], 'share', d)}, {_num(lo['diff_ci_high'], 'share', d)}], "
                     f"high income {fmt_diff(hi['diff'], 'share', d)} "
                     f"[{_num(hi['diff_ci_low'], 'share', d)}, {_num(hi['diff_ci_high'], 'share', d)}]")
    gap = _row(s, name, "share_online_gap")
    tail = ""
    if gap is not None and verdict(gap, "share") in ("higher", "lower"):
        tail = (" The income gap in online access " + ("narrows" if verdict(gap, "share") == "lower" else "widens")
                + f" by {abs(100 * gap['diff']):.1f} percentage points.")
    return f"<li><b>{_esc(name)}</b> vs {_esc(ref)}: " + "; ".join(parts) + "." + tail + "</li>"


def report_html(result: CompareResult, figure_paths: list[Path], files: list[str] | None = None,
                overrides: dict[str, Any] | None = None, created: str = "", commit: str = "") -> str:
    """The self-contained report page (figures embedded as base64 PNG)."""
    ref = result.reference
    s0 = result.scenarios[0]
    files = files or ["(Python API)"] * len(result.names)
    n_ok = len(result.outcomes)
    total = len(result.names) * result.replications
    h: list[str] = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
                    f"<title>cosim comparison: {_esc(', '.join(result.names))}</title><style>{CSS}</style></head><body>"]
    h.append(f"<h1>What the policies do: {_esc(' vs '.join(result.names[:4]))}"
             f"{' ...' if len(result.names) > 4 else ''}</h1>")
    h.append(f"<p class='note'>cosim agent-based model of citizen-government co-production. {n_ok} of {total} runs "
             f"finished: {len(result.names)} scenarios x {result.replications} replications, "
             f"{s0.run.n_citizens:,} simulated citizens standing for {s0.municipality.population:,} residents per "
             f"municipality, {s0.run.steps} weeks ({s0.run.steps / WEEKS_PER_YEAR:.1f} years). "
             f"{_esc(created)} {('commit ' + _esc(commit)) if commit else ''}</p>")

    # what was compared
    h.append("<h2>What was compared</h2><table><tr><th>scenario</th><th>file</th><th>what it asks</th>"
             "<th>lever spend per municipality (R m a year)</th><th>annual budget (R m)</th></tr>")
    per_year = annual_spend(result)
    for name, s, f in zip(result.names, result.scenarios, files, strict=True):
        spend = per_year.loc[name].sum(axis=1)
        scale = result.budget[result.budget["scenario"] == name]["scale"].min()
        scaled = f" (levers scaled to {100 * scale:.0f}% to fit the budget)" if scale < 1 else ""
        spend_txt = f"{spend.mean() / 1e6:.1f}" + (f" (up to {spend.max() / 1e6:.1f})" if spend.max() > spend.mean() * 1.001 else "")
        h.append(f"<tr><td><b>{_esc(name)}</b>{' (reference)' if name == ref else ''}</td><td><code>{_esc(f)}</code></td>"
                 f"<td>{_esc(s.description)}{_esc(scaled)}</td><td class='num'>{spend_txt}</td>"
                 f"<td class='num'>{s.municipality.annual_budget_rand / 1e6:.1f}</td></tr>")
    h.append("</table>")
    h.append(f"<p class='note'>Every scenario ran with the same {result.replications} seeds (common random numbers): "
             f"replication k of every scenario simulates the same town, the same citizens and the same random "
             f"events except where the policy changes them, so each difference below is a paired, same-seed "
             f"difference from <b>{_esc(ref)}</b>. Intervals are {INTERVALS}.</p>")

    # headlines
    h.append(f"<h2>Headline differences from {_esc(ref)}</h2><ul>")
    for name in result.names[1:]:
        h.append(f"<li><b>{_esc(name)}</b><ul>")
        for outcome in ("share_participated_year", "share_adopted", "mean_trust", "service_quality"):
            h.append(f"<li>{_esc(describe_difference(result.summary, name, outcome, ref))}</li>")
        h.append("</ul></li>")
    h.append("</ul><p class='note'>'Higher' or 'lower' means the 95% interval of the paired difference excludes "
             "zero; otherwise the comparison cannot tell the policy from the noise with this many replications."
             "</p>")
    h.append(f"<table class='wide'><tr><th>outcome (difference from {_esc(ref)}, [95% CI])</th><th>{_esc(ref)} level</th>"
             + "".join(f"<th>{_esc(n)}</th>" for n in result.names[1:]) + "</tr>")
    for outcome in HEADLINE:
        label, kind = LABELS[outcome]
        unit = {"share": " (percentage points)", "weekly": " (per 1,000 a week)"}.get(kind, "")
        base = _row(result.summary, ref, outcome)
        h.append(f"<tr><td>{_esc(SHORT.get(outcome, label))}{unit}</td><td class='num'>{fmt_value(base['mean'], kind) if base is not None else 'n/a'}</td>"
                 + "".join(_cell(_row(result.summary, n, outcome), kind, outcome) for n in result.names[1:]) + "</tr>")
    h.append("</table><p class='note'>Green: clearly better than the reference; red: clearly worse (for the "
             "income gap and the backlog, lower is better); grey: no clear difference, or a negligible one "
             "(below 0.1 percentage points for shares, 0.001 for 0-1 indices, 0.1 per 1,000 for the backlog).</p>")
    figs = {p.stem: p for p in figure_paths}
    if "differences" in figs:
        h.append(_img(figs["differences"], "paired differences (forest plot)"))
    if "trajectories" in figs:
        h.append(_img(figs["trajectories"], "trajectories with bands"))

    # who gains
    if len(result.names) > 1:
        h.append("<h2>Who gains</h2><ul>")
        for name in result.names[1:]:
            h.append(_who_gains(result, name))
        h.append("</ul><p class='note'>Differences in percentage points with 95% intervals; income groups and "
                 "literacy terciles are fixed at the start of the run.</p>")
        if "by_group" in figs:
            h.append(_img(figs["by_group"], "differences by income group and literacy tercile"))

    # costs
    h.append("<h2>What it costs</h2>")
    h.append("<table><tr><th>scenario</th>" + "".join(f"<th>{LEVER_NAMES[lv]}</th>" for lv in LEVERS)
             + "<th>total</th><th>annual budget</th><th>within budget?</th></tr>")
    for name in result.names:
        mean = per_year.loc[name].mean()
        peak = per_year.loc[name].sum(axis=1).max()
        budget = float(result.budget[result.budget["scenario"] == name]["budget"].iloc[0])
        scale = float(result.budget[result.budget["scenario"] == name]["scale"].min())
        ok = "yes" if peak <= budget * (1 + 1e-9) else "<b>no</b>"
        if scale < 1:
            ok += f" (levers scaled to {100 * scale:.0f}%)"
        h.append(f"<tr><td>{_esc(name)}</td>" + "".join(
            f"<td class='num'>{float(mean.get(lv, 0.0)) / 1e6:.2f}</td>" for lv in LEVERS)
            + f"<td class='num'><b>{mean.sum() / 1e6:.2f}</b></td><td class='num'>{budget / 1e6:.1f}</td>"
            f"<td>{ok}</td></tr>")
    h.append("</table><p class='note'>Mean spend per full year, R million per municipality.</p>")
    h.append("<details><summary>Spend year by year</summary>")
    h.append("<table><tr><th>scenario</th><th>year</th>" + "".join(f"<th>{LEVER_NAMES[lv]}</th>" for lv in LEVERS)
             + "<th>total</th><th>budget</th><th>scale</th></tr>")
    for name in result.names:
        b = result.budget[result.budget["scenario"] == name]
        for year, g in b.groupby("year"):
            spend = g.set_index("lever")["spend"]
            total_y = spend.sum()
            budget = g["budget"].iloc[0]
            weeks = g["weeks"].iloc[0]
            yl = f"{year}" + (f" ({weeks} weeks)" if weeks < WEEKS_PER_YEAR else "")
            over = " class='num down'" if total_y > budget * (weeks / WEEKS_PER_YEAR) * (1 + 1e-9) else " class='num'"
            h.append(f"<tr><td>{_esc(name)}</td><td>{yl}</td>" + "".join(
                f"<td class='num'>{spend.get(lv, 0.0) / 1e6:.2f}</td>" for lv in LEVERS)
                + f"<td{over}>{total_y / 1e6:.2f}</td><td class='num'>{budget / 1e6:.1f}</td>"
                f"<td class='num'>{g['scale'].iloc[0]:.2f}</td></tr>")
    h.append("</table></details><p class='note'>R million per municipality, after any budget scaling; hotspot "
             "capital cost is spread over five years; shared costs between linked municipalities are already "
             "deducted. A scale below 1 means every lever was cut by that factor to fit the budget "
             "(municipality.over_budget = \"scale\"). Cost-effectiveness counts the extra residents who took part "
             "(any channel) in the last 12 months of the run, per extra R1 m a year of lever spend in the "
             "region.</p><ul>")
    ce = result.cost_effectiveness
    for _, r in ce.iterrows():
        if math.isfinite(r["per_million_rand_a_year"]):
            h.append(f"<li><b>{_esc(r['scenario'])}</b>: R{r['extra_spend_rand_m_per_year']:.1f} m a year more than "
                     f"{_esc(ref)} (region), {r['participants_gained']:+,.0f} residents taking part in a year "
                     f"[{r['participants_gained_ci_low']:+,.0f}, {r['participants_gained_ci_high']:+,.0f}], i.e. "
                     f"{r['per_million_rand_a_year']:+,.0f} per extra R1 m a year "
                     f"[{r['per_million_ci_low']:+,.0f}, {r['per_million_ci_high']:+,.0f}].</li>")
        else:
            h.append(f"<li><b>{_esc(r['scenario'])}</b>: no extra spend over {_esc(ref)}; "
                     f"{r['participants_gained']:+,.0f} residents taking part in a year "
                     f"[{r['participants_gained_ci_low']:+,.0f}, {r['participants_gained_ci_high']:+,.0f}].</li>")
    h.append("</ul>")
    if "costs" in figs:
        h.append(_img(figs["costs"], "spend against budget and cost-effectiveness"))

    # SGI
    h.append("<h2>Smart-governance index</h2><p>The index has the four categories of the second seed document "
             "(governance in national space, organisational, service-space and community governance); each "
             "category is the plain mean of its indicators (an assumption about weights; see docs/ODD.md).</p>")
    if "sgi" in figs:
        h.append(_img(figs["sgi"], "smart-governance index in four categories"))

    # all outcomes
    h.append("<h2>All outcomes</h2><details><summary>Every outcome, mean [95% CI] and difference from "
             f"{_esc(ref)} [95% CI] (also in summary.csv)</summary><table class='wide'><tr><th>outcome</th>"
             + "".join(f"<th>{_esc(n)}</th>" for n in result.names) + "</tr>")
    for outcome in result.summary["outcome"].unique():
        _, kind = LABELS.get(outcome, (outcome, "index"))
        cells = []
        for n in result.names:
            r = _row(result.summary, n, outcome)
            if r is None:
                cells.append("<td>n/a</td>")
                continue
            d = _decimals(kind, (r["ci_high"] - r["ci_low"]) / 2 if math.isfinite(r["ci_high"]) else 0.0)
            txt = f"{fmt_value(r['mean'], kind, d)}"
            if n != ref:
                dd = _decimals(kind, (r["diff_ci_high"] - r["diff_ci_low"]) / 2 if math.isfinite(r["diff_ci_high"]) else 0.0)
                txt += f"<br><small>{_num(r['diff'], kind, dd)} [{_num(r['diff_ci_low'], kind, dd)}, {_num(r['diff_ci_high'], kind, dd)}]</small>"
            cells.append(f"<td class='num'>{txt}</td>")
        h.append(f"<tr><td><code>{_esc(outcome)}</code></td>{''.join(cells)}</tr>")
    h.append("</table></details>")

    # assumptions
    h.append("<h2>Assumptions</h2><ul>"
             "<li>This is a simulation under stated assumptions, not a forecast: it shows the direction and the "
             "relative size of policy effects. Every parameter's default, range and source (a citation or the "
             "word 'assumption') is listed in docs/ODD.md.</li>"
             "<li>One step is one week; the IDP cycle is five years with an annual consultation window. "
             "Citizens differ by income, age, ward, device, data affordability, digital literacy, trust and "
             "privacy concern; officials by skill, ICT skill and tenure.</li>"
             "<li>Outcomes are measured at the end of the run ('final') or averaged over its last 52 weeks "
             "(weekly rates, online access); costs are per municipality and count against its annual budget.</li>"
             "<li>Participants are residents who took part (any channel) in the last 12 months, scaled from the "
             "simulated citizens to the population.</li>"
             "<li>Access: e-participation is open to anyone with a phone through USSD/SMS; being online (own data, "
             "a free hotspot or an access centre) adds the cheaper portal/app and social media. Adoption of "
             "e-participation follows a Bass diffusion modulated by awareness, digital literacy, trust and "
             "perceived privacy risk (UTAUT; privacy calculus).</li>"
             f"<li>Intervals: {INTERVALS}. Paired differences use only replications that finished in both "
             "scenarios.</li>")
    if overrides:
        h.append("<li>Overrides applied to every scenario: " + ", ".join(
            f"<code>{_esc(k)} = {_esc(v)}</code>" for k, v in overrides.items()) + "</li>")
    h.append("</ul><details><summary>How each scenario differs from the defaults</summary><table>"
             "<tr><th>scenario</th><th>settings that differ from the defaults</th></tr>")
    for name, s in zip(result.names, result.scenarios, strict=True):
        diff = _flatten(s.model_dump(mode="json", exclude_defaults=True))
        diff.pop("name", None)
        diff.pop("description", None)
        txt = "; ".join(f"{k} = {v}" for k, v in diff.items()) or "(none)"
        h.append(f"<tr><td>{_esc(name)}</td><td><code>{_esc(txt)}</code></td></tr>")
    h.append("</table></details>")

    # seeds and failures
    h.append(f"<h2>Seeds and runs</h2><p>Root seed <code>{result.root_seed}</code>; replication k uses "
             f"<code>run_seed({result.root_seed}, k)</code> in every scenario. Wall time {result.wall_time_s:.0f} s "
             f"on {result.workers} worker process(es).</p><details><summary>The {result.replications} seeds</summary>"
             "<table><tr><th>replication</th><th>seed</th></tr>"
             + "".join(f"<tr><td>{k}</td><td><code>{s}</code></td></tr>" for k, s in enumerate(result.seeds))
             + "</table></details>")
    if result.failures:
        h.append(f"<p><b>{len(result.failures)} run(s) failed</b> and are left out of every summary:</p><ul>")
        for fail in result.failures:
            first = fail["error"].splitlines()[0] if fail["error"] else "unknown error"
            h.append(f"<li>{_esc(fail['scenario'])}, replication {fail['replication']} (seed {fail['seed']}): "
                     f"<code>{_esc(first)}</code></li>")
        h.append("</ul>")
    else:
        h.append("<p>Every run finished.</p>")
    h.append("<p class='note'>Files beside this report: runs.parquet (every run's weekly time series), "
             "outcomes.parquet (one row per run), summary.csv, budget.csv, cost_effectiveness.csv, the figures "
             "as PNG and manifest.json (versions, commit, command line).</p></body></html>")
    return "\n".join(h)


# --------------------------------------------------------------------------- writing


def write_outputs(result: CompareResult, out: str | Path, files: list[str] | None = None,
                  overrides: dict[str, Any] | None = None) -> Path:
    """Write the results folder atomically: tables, figures, manifest and report.html."""
    out = Path(out)
    with atomic_output(out) as tmp:
        result.runs.to_parquet(tmp / "runs.parquet", index=False)
        result.outcomes.to_parquet(tmp / "outcomes.parquet", index=False)
        result.summary[SUMMARY_COLUMNS].to_csv(tmp / "summary.csv", index=False, float_format="%.10g")
        result.budget.to_csv(tmp / "budget.csv", index=False)
        result.cost_effectiveness.to_csv(tmp / "cost_effectiveness.csv", index=False, float_format="%.10g")
        figure_paths = figures(result, tmp)
        meta = manifest(
            kind="compare",
            scenario_files=list(files) if files else None,
            scenario_sha256=[file_hash(f) for f in files] if files else None,
            scenarios={n: s.model_dump(mode="json") for n, s in zip(result.names, result.scenarios, strict=True)},
            names=result.names, reference=result.reference, overrides=overrides or {},
            root_seed=result.root_seed, replications=result.replications, seeds=result.seeds,
            workers=result.workers, wall_time_s=round(result.wall_time_s, 2),
            runs_finished=len(result.outcomes), runs_failed=len(result.failures), failures=result.failures,
            intervals=INTERVALS, summary_columns=SUMMARY_COLUMNS,
            figures=[p.name for p in figure_paths])
        write_json(tmp / "manifest.json", meta)
        page = report_html(result, figure_paths, files=files, overrides=overrides,
                           created=meta["created"], commit=meta["git_commit"])
        (tmp / "report.html").write_text(page, encoding="utf-8")
    return out
