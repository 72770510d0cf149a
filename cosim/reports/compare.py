"""The results of ``cosim compare``: tables, the numbers in words, and one self-contained HTML report.

The report is ``templates/compare.html.j2`` on the shared base, with the figures
of :mod:`cosim.reports.compare_figures` embedded; labels, units and "lower is
better" come from the outcome catalogue (through
:func:`cosim.analysis.compare.outcome_info`).  Reporting reads a
:class:`~cosim.analysis.compare.CompareResult`; it never builds or runs a model.  ``write_outputs`` writes everything into a temporary
folder that replaces the results folder only when complete
(:func:`cosim.outputs.results.atomic_output`), so Ctrl-C leaves no half-written report.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from cosim.analysis.compare import HEADLINE, INTERVALS, SUMMARY_COLUMNS, outcome_info, outcome_label
from cosim.outputs.catalogue import GROUP_LABELS
from cosim.outputs.results import atomic_output, file_hash, manifest, write_json, write_text
from cosim.reports.compare_figures import LEVER_NAMES, annual_spend, display_scale, figures, short, summary_row
from cosim.reports.html import Figure, embed, render
from cosim.scenario.budget import WEEKS_PER_YEAR
from cosim.scenario.schema import LEVERS

if TYPE_CHECKING:
    from cosim.analysis.compare import CompareResult

# --------------------------------------------------------------------------- numbers in words


def _decimals(kind: str, spread: float) -> int:
    base = {"share": 1, "weekly": 2, "index": 3, "per1000": 2, "weeks": 1, "residents": 0, "rand": 1, "count": 1, "number": 1}[kind]
    spread = spread * display_scale(kind) / (1e6 if kind == "rand" else 1.0)
    if spread and math.isfinite(spread) and spread > 0 and kind != "residents":
        # enough decimals that the interval's half-width shows one significant digit
        base = max(base, min(5, -math.floor(math.log10(spread))))
    return base


def fmt_value(x: float, kind: str, decimals: int | None = None) -> str:
    """A level in the outcome's units (``12.3%``, ``0.431``, ``R9.2 m``)."""
    if x is None or not math.isfinite(x):
        return "n/a"
    d = _decimals(kind, 0.0) if decimals is None else decimals
    v = x * display_scale(kind)
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
    v = x * display_scale(kind)
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
    v = x * display_scale(kind)
    if kind == "rand":
        return f"{v / 1e6:+.{decimals}f}"
    if kind == "residents":
        return f"{v:+,.0f}"
    return f"{v:+.{decimals}f}"

NEGLIGIBLE = {"share": 0.001, "weekly": 1e-5, "index": 0.001, "per1000": 0.1, "weeks": 0.1,
              "residents": 100.0, "rand": 1000.0, "count": 0.5,
              "number": 0.01}


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


def describe_difference(summary: pd.DataFrame, scenario: str, outcome: str, reference: str,
                        settings: Any = None) -> str:
    """One plain sentence: the outcome in the reference and the scenario, the paired difference and its interval.

    ``settings`` (the reference Scenario) fills thresholds in labels, e.g. the trust threshold.
    """
    row, ref = summary_row(summary, scenario, outcome), summary_row(summary, reference, outcome)
    if row is None or ref is None:
        return f"{outcome}: not available"
    label, kind = outcome_label(outcome, settings), outcome_info(outcome).kind
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

# --------------------------------------------------------------------------- the HTML page

FIGURE_CAPTIONS = {
    "differences": "Paired difference of each scenario from the reference (same seeds), with 95% intervals, for "
                   "the headline outcomes. A point right of zero is higher than the reference.",
    "trajectories": "Trajectories over the run: the mean of the replications with the 95% interval of the mean "
                    "(bands). Weekly rates are smoothed as the panel titles say.",
    "by_group": "Who gains: paired differences from the reference by income group and literacy third (fixed at the "
                "start of the run), with 95% intervals.",
    "costs": "Left: mean lever spend per municipality a year against the annual budget (black bar). Right: "
             "extra residents taking part per extra R1 m a year, with 95% intervals.",
    "sgi": "The four categories of the smart-governance index at the end of the run (left) and their paired "
           "differences from the reference (right); each is the plain mean of its indicators.",
}


def _cell(row: pd.Series | None, outcome: str) -> dict[str, str] | None:
    """A headline-table cell: the paired difference, its interval and a colour class (better, worse, neither)."""
    if row is None or not math.isfinite(row["diff"]):
        return None
    info = outcome_info(outcome)
    kind = info.kind
    v = verdict(row, kind)
    # a negligible or identical difference gets no spurious precision
    d = _decimals(kind, 0.0 if v in ("negligible", "identical") else (row["diff_ci_high"] - row["diff_ci_low"]) / 2)
    better = "lower" if info.lower_is_better else "higher" if info.better > 0 else ""
    cls = "none" if v not in ("higher", "lower") or not better else "up" if v == better else "down"
    return {"cls": cls, "value": _num(row["diff"], kind, d),
            "ci": f"[{_num(row['diff_ci_low'], kind, d)}, {_num(row['diff_ci_high'], kind, d)}]"}


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _who_gains(result: CompareResult, name: str) -> dict[str, Any]:
    s = result.summary
    parts = []
    for outcome, what in (("share_participated_year", "took part in the last 12 months"),
                          ("share_online", "were online in a typical week"),
                          ("share_adopted", "used e-participation")):
        lo, hi = summary_row(s, name, f"{outcome}_low"), summary_row(s, name, f"{outcome}_high")
        if lo is None or hi is None:
            continue
        if verdict(lo, "share") == verdict(hi, "share") == "identical":
            parts.append(f"{what}: unchanged")
            continue
        d = _decimals("share", max((lo["diff_ci_high"] - lo["diff_ci_low"]) / 2,
                                   (hi["diff_ci_high"] - hi["diff_ci_low"]) / 2))
        parts.append(f"{what}: {GROUP_LABELS['low']} {fmt_diff(lo['diff'], 'share', d)} "
                     f"[{_num(lo['diff_ci_low'], 'share', d)}, {_num(lo['diff_ci_high'], 'share', d)}], "
                     f"{GROUP_LABELS['high']} {fmt_diff(hi['diff'], 'share', d)} "
                     f"[{_num(hi['diff_ci_low'], 'share', d)}, {_num(hi['diff_ci_high'], 'share', d)}]")
    gap = summary_row(s, name, "share_online_gap")
    tail = ""
    if gap is not None and verdict(gap, "share") in ("higher", "lower"):
        tail = (" The income gap in online access " + ("narrows" if verdict(gap, "share") == "lower" else "widens")
                + f" by {abs(100 * gap['diff']):.1f} percentage points.")
    return {"name": name, "text": "; ".join(parts) + "." + tail}


def _compared(result: CompareResult, files: list[str], per_year: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for name, s, f in zip(result.names, result.scenarios, files, strict=True):
        spend = per_year.loc[name].sum(axis=1)
        scale = result.budget[result.budget["scenario"] == name]["scale"].min()
        scaled = f" (levers scaled to {100 * scale:.0f}% to fit the budget)" if scale < 1 else ""
        spend_txt = f"{spend.mean() / 1e6:.1f}" + (f" (up to {spend.max() / 1e6:.1f})"
                                                   if spend.max() > spend.mean() * 1.001 else "")
        rows.append({"name": name, "reference": name == result.reference, "file": f,
                     "description": s.description + scaled, "spend": spend_txt,
                     "budget": f"{s.municipality.annual_budget_rand / 1e6:.1f}"})
    return rows


def _headline_rows(result: CompareResult) -> list[dict[str, Any]]:
    rows = []
    for outcome in HEADLINE:
        kind = outcome_info(outcome).kind
        unit = {"share": " (percentage points)", "weekly": " (per 1,000 a week)"}.get(kind, "")
        base = summary_row(result.summary, result.reference, outcome)
        rows.append({"label": short(outcome, result.scenarios[0]) + unit, "name": outcome,
                     "level": fmt_value(base["mean"], kind) if base is not None else "n/a",
                     "cells": [_cell(summary_row(result.summary, n, outcome), outcome) for n in result.names[1:]]})
    return rows


def _cost_rows(result: CompareResult, per_year: pd.DataFrame) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    mean_rows, year_rows = [], []
    for name in result.names:
        mean = per_year.loc[name].mean()
        peak = per_year.loc[name].sum(axis=1).max()
        b = result.budget[result.budget["scenario"] == name]
        budget = float(b["budget"].iloc[0])
        scale = float(b["scale"].min())
        mean_rows.append({"name": name, "levers": [f"{float(mean.get(lv, 0.0)) / 1e6:.2f}" for lv in LEVERS],
                          "total": f"{mean.sum() / 1e6:.2f}", "budget": f"{budget / 1e6:.1f}",
                          "within": peak <= budget * (1 + 1e-9),
                          "scaled": f" (levers scaled to {100 * scale:.0f}%)" if scale < 1 else ""})
        for year, g in b.groupby("year"):
            spend = g.set_index("lever")["spend"]
            total_y = spend.sum()
            weeks = g["weeks"].iloc[0]
            year_rows.append({
                "name": name, "year": f"{year}" + (f" ({weeks} weeks)" if weeks < WEEKS_PER_YEAR else ""),
                "levers": [f"{spend.get(lv, 0.0) / 1e6:.2f}" for lv in LEVERS], "total": f"{total_y / 1e6:.2f}",
                "over": bool(total_y > g["budget"].iloc[0] * (weeks / WEEKS_PER_YEAR) * (1 + 1e-9)),
                "budget": f"{g['budget'].iloc[0] / 1e6:.1f}", "scale": f"{g['scale'].iloc[0]:.2f}"})
    return mean_rows, year_rows


def _cost_effectiveness(result: CompareResult) -> list[dict[str, Any]]:
    rows = []
    for _, r in result.cost_effectiveness.iterrows():
        gained = (f"{r['participants_gained']:+,.0f} residents taking part in a year "
                  f"[{r['participants_gained_ci_low']:+,.0f}, {r['participants_gained_ci_high']:+,.0f}]")
        if math.isfinite(r["per_million_rand_a_year"]):
            text = (f"R{r['extra_spend_rand_m_per_year']:.1f} m a year more than {result.reference} (region), "
                    f"{gained}, i.e. {r['per_million_rand_a_year']:+,.0f} per extra R1 m a year "
                    f"[{r['per_million_ci_low']:+,.0f}, {r['per_million_ci_high']:+,.0f}].")
        else:
            text = f"no extra spend over {result.reference}; {gained}."
        rows.append({"name": r["scenario"], "text": text})
    return rows


def _all_outcomes(result: CompareResult) -> list[dict[str, Any]]:
    rows = []
    for outcome in result.summary["outcome"].unique():
        kind = outcome_info(outcome).kind
        cells: list[dict[str, str] | None] = []
        for n in result.names:
            r = summary_row(result.summary, n, outcome)
            if r is None:
                cells.append(None)
                continue
            d = _decimals(kind, (r["ci_high"] - r["ci_low"]) / 2 if math.isfinite(r["ci_high"]) else 0.0)
            cell = {"value": fmt_value(r["mean"], kind, d), "diff": ""}
            if n != result.reference:
                dd = _decimals(kind, (r["diff_ci_high"] - r["diff_ci_low"]) / 2
                               if math.isfinite(r["diff_ci_high"]) else 0.0)
                cell["diff"] = (f"{_num(r['diff'], kind, dd)} [{_num(r['diff_ci_low'], kind, dd)}, "
                                f"{_num(r['diff_ci_high'], kind, dd)}]")
            cells.append(cell)
        rows.append({"name": outcome, "label": outcome_label(outcome, result.scenarios[0]), "cells": cells})
    return rows


def report_html(result: CompareResult, figure_paths: list[Path], files: list[str] | None = None,
                overrides: dict[str, Any] | None = None, created: str = "", commit: str = "") -> str:
    """The self-contained report page (templates/compare.html.j2 on the shared base; figures embedded)."""
    ref = result.reference
    s0 = result.scenarios[0]
    files = files or ["(Python API)"] * len(result.names)
    per_year = annual_spend(result)
    figs: dict[str, Figure] = {p.stem: embed(p, FIGURE_CAPTIONS.get(p.stem, p.stem), f"figure: {p.stem.replace('_', ' ')}")
                                for p in figure_paths}
    cost_rows, year_rows = _cost_rows(result, per_year)
    diffs = []
    for name, s in zip(result.names, result.scenarios, strict=True):
        d = _flatten(s.model_dump(mode="json", exclude_defaults=True))
        d.pop("name", None)
        d.pop("description", None)
        diffs.append({"name": name, "text": "; ".join(f"{k} = {v}" for k, v in d.items()) or "(none)"})
    failures = [{**f, "first": f["error"].splitlines()[0] if f["error"] else "unknown error"}
                for f in result.failures]
    headline_outcomes = ("share_participated_year", "share_adopted", "mean_trust", "service_quality")
    return render(
        "compare.html.j2", kind="comparison",
        title=f"What the policies do: {' vs '.join(result.names[:4])}{' ...' if len(result.names) > 4 else ''}",
        subtitle=(f"{len(result.outcomes)} of {len(result.names) * result.replications} runs finished: "
                  f"{len(result.names)} scenarios x {result.replications} replications, {s0.run.n_citizens:,} "
                  f"simulated citizens standing for {s0.municipality.population:,} residents per municipality, "
                  f"{s0.run.steps} weeks ({s0.run.steps / WEEKS_PER_YEAR:.1f} years)."),
        facts=[], created=created, commit=commit, result=result, ref=ref, others=result.names[1:],
        compared=_compared(result, files, per_year), intervals=INTERVALS,
        headlines=[{"name": n, "sentences": [describe_difference(result.summary, n, o, ref, s0)
                                             for o in headline_outcomes]} for n in result.names[1:]],
        headline_rows=_headline_rows(result), figures=figs,
        who_gains=[_who_gains(result, n) for n in result.names[1:]],
        levers=[LEVER_NAMES[lv] for lv in LEVERS], cost_rows=cost_rows, year_rows=year_rows,
        cost_effectiveness=_cost_effectiveness(result), all_outcomes=_all_outcomes(result),
        overrides=overrides or {}, diffs=diffs, failures=failures)

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
            start_dates={n: s.run.start_date.isoformat() for n, s in zip(result.names, result.scenarios, strict=True)},
            root_seed=result.root_seed, replications=result.replications, seeds=result.seeds,
            workers=result.workers, wall_time_s=round(result.wall_time_s, 2),
            runs_finished=len(result.outcomes), runs_failed=len(result.failures), failures=result.failures,
            runs_reused=result.reused,
            intervals=INTERVALS, summary_columns=SUMMARY_COLUMNS,
            figures=[p.name for p in figure_paths])
        write_json(tmp / "manifest.json", meta)
        page = report_html(result, figure_paths, files=files, overrides=overrides,
                           created=meta["created"], commit=meta["git_commit"])
        write_text(tmp / "report.html", page)
    return out
