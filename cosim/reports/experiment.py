"""Summary figures of an experiment (``cosim experiment``): every outcome against each factor.

Plotting reads the runs table the runner returns; it never runs a model.  The
runner (:func:`cosim.runs.experiment.run_experiment`) takes :func:`summary_figures`
as its ``figures`` writer, so the runs layer stays free of matplotlib.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cosim.outputs.results import replace_folder
from cosim.runs.spec import Experiment, Factor


def summary_figures(table: pd.DataFrame, exp: Experiment, out: Path) -> list[str]:
    """One PNG per factor under ``out/figures``: every outcome against that factor.

    Grey dots are runs; the line is the mean per level (or per decile of a
    sampled range) with its 95% interval over replications; in a grid, one
    line per level of another discrete factor.  Returns the files' relative paths.
    """
    ok = table[table["status"] == "ok"]
    names = []
    outcomes = exp.outcome_names
    ncols = min(len(outcomes), 5)
    nrows = math.ceil(len(outcomes) / ncols)
    with replace_folder(out / "figures") as tmp:
        for f in exp.factors:
            fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.6 * nrows), squeeze=False)
            hue = _hue_factor(exp, f)
            for ax, name in zip(axes.flat, outcomes, strict=False):
                _panel(ax, ok, f, name, hue)
            if hue is not None:
                axes.flat[0].legend(fontsize=7)
            for ax in list(axes.flat)[len(outcomes):]:
                ax.set_visible(False)
            n_fail = int((table["status"] == "failed").sum())
            fig.suptitle(f"{exp.name}: outcomes against {f.path} ({len(ok)} runs"
                         + (f", {n_fail} failed runs left out" if n_fail else "") + ")")
            fig.tight_layout()
            file = f"{f.path}.png"
            fig.savefig(tmp / file, dpi=80)
            plt.close(fig)
            names.append(f"figures/{file}")
    return names


HUES = ("#1f78b4", "#d95f02", "#1b9e77", "#7570b3", "#e7298a")


def _hue_factor(exp: Experiment, f: Factor) -> Factor | None:
    """In a grid, another discrete factor with a few levels splits the lines (one colour per level)."""
    if exp.design != "grid":
        return None
    return next((g for g in exp.factors if g is not f and g.discrete and 2 <= len(g.values or ()) <= len(HUES)),
                None)


def _panel(ax: Any, ok: pd.DataFrame, f: Factor, outcome: str, hue: Factor | None = None) -> None:
    ax.set_title(outcome, fontsize=9)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    ax.set_xlabel(f.path, fontsize=7)
    if ok.empty:
        return
    if f.discrete:
        levels = list(f.values or ())
        pos = {(type(v), v): k for k, v in enumerate(levels)}
        x_all = np.array([pos[(type(v), v)] for v in ok[f.path]], dtype=float)
        ax.set_xticks(range(len(levels)), [str(v) for v in levels], fontsize=7)
    else:
        x_all = ok[f.path].to_numpy(dtype=float)
    y_all = ok[outcome].to_numpy(dtype=float)
    spread = float(x_all.max() - x_all.min()) or 1.0
    jitter = np.random.default_rng(0).uniform(-0.01, 0.01, len(x_all)) * spread  # display only
    ax.scatter(x_all + jitter, y_all, s=4, color="#999999", alpha=0.35, linewidths=0)
    subsets: list[tuple[str | None, np.ndarray]] = [(None, np.ones(len(ok), dtype=bool))]
    if hue is not None:
        subsets = [(f"{hue.path} = {v}", np.array([(type(u), u) == (type(v), v) for u in ok[hue.path]]))
                   for v in hue.values or ()]
    for k, (label, mask) in enumerate(subsets):
        x, y = x_all[mask], y_all[mask]
        if not len(x):
            continue
        uniq = np.unique(x)
        if f.discrete or len(uniq) <= 12:
            groups = [(float(u), y[x == u]) for u in uniq]
        else:  # a sampled range: means per decile of the factor
            edges = np.quantile(x, np.linspace(0, 1, 11))
            idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, 9)
            groups = [(float(x[idx == b].mean()), y[idx == b]) for b in range(10) if (idx == b).any()]
        offset = (k - (len(subsets) - 1) / 2) * 0.08 if f.discrete else 0.0
        centres = np.array([g[0] for g in groups]) + offset
        means = np.array([np.nanmean(g[1]) for g in groups])
        half = np.array([1.96 * np.nanstd(g[1], ddof=1) / math.sqrt(len(g[1])) if len(g[1]) > 1 else 0.0
                         for g in groups])  # 95% interval of the mean over replications
        ax.errorbar(centres, means, yerr=half, color=HUES[k % len(HUES)], marker="o", ms=3, lw=1.2, capsize=2,
                    ls="none" if f.discrete else "-", label=label)
