"""Figures, report and files of ``cosim calibrate``, from a :class:`~cosim.analysis.calibration.Calibration`.

:func:`write_outputs` writes the sample (``posterior.parquet`` or
``evaluations.parquet``), ``bands.parquet``, ``best.toml``, ``figures/``, the
HTML report (``templates/calibration.html.j2`` on the shared base) and
``manifest.json``, each atomically (:mod:`cosim.outputs.results`).  The run
store beside them belongs to the runner.
"""

from __future__ import annotations

import dataclasses
import math
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cosim.analysis.calibration import Calibration, Generation, Problem
from cosim.analysis.calibration.summaries import CHI2_1_95
from cosim.outputs.catalogue import CATALOGUE, label, significant
from cosim.outputs.results import file_hash, manifest, replace_folder, write_json, write_parquet, write_text
from cosim.reports.html import embed, render, table
from cosim.scenario.loading import scenario_from_dict

FIGURE_CAPTIONS = {
    "fit.png": "Model band (50% and 90%) and median of every target metric over time, with the targets "
               "and their 1 and 2 sd bars.",
    "posterior.png": "ABC posterior: weighted marginal histograms over each prior range (dashed: the flat "
                     "prior) and pairwise scatter of the particles.",
    "generations.png": "ABC-SMC tolerance and acceptance rate by generation.",
    "profiles.png": "Differential evolution: every evaluated point's sum of squared z against each parameter, "
                    "with the approximate profile and the 95% line (best + 3.84).",
}


def fit_figure(bands: dict[str, pd.DataFrame], problem: Problem, path: Path, label: str) -> None:
    """Model band (50% and 90%) and median per target metric over time, targets with +-1 and +-2 sd bars."""
    metrics = problem.metrics
    cols = min(3, len(metrics))
    rows = math.ceil(len(metrics) / cols)
    # wide enough for the title and the legend even with one panel (they were cut off)
    width = max(4.6 * cols, 8.0)
    fig, axes = plt.subplots(rows, cols, figsize=(width, 3.6 * rows + (0.5 if cols == 1 else 0.0)), squeeze=False)
    for ax, m in zip(axes.flat, metrics, strict=False):
        b = bands[m]
        ax.fill_between(b["step"], b["q05"], b["q95"], color="#9ecae1", alpha=0.6, label=f"{label}: 90%")
        ax.fill_between(b["step"], b["q25"], b["q75"], color="#4292c6", alpha=0.6, label="50%")
        ax.plot(b["step"], b["q50"], color="#08519c", lw=1.5, label="median")
        ts = [t for t in problem.targets if t.metric == m]
        x = [t.step for t in ts]
        y = [t.value for t in ts]
        ax.errorbar(x, y, yerr=[2 * t.sd for t in ts], fmt="none", ecolor="#d95f02", elinewidth=1, capsize=3)
        ax.errorbar(x, y, yerr=[t.sd for t in ts], fmt="o", color="#d95f02", elinewidth=2.5, capsize=0,
                    label="target +-1 sd (thin: 2 sd)")
        ax.set_title(_metric_title(m, problem), fontsize=9)
        ax.set_xlabel("week")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    title = f"Calibration fit: model band against targets ({label})"
    fig.suptitle(textwrap.fill(title, width=int(12 * width)), fontsize=11)
    ncol = 4 if cols > 1 else 2
    fig.tight_layout(rect=(0, 0.08 if ncol == 4 else 0.13, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=ncol, fontsize=8, frameon=False)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def posterior_figure(post: pd.DataFrame, problem: Problem, path: Path) -> None:
    """Corner plot: weighted marginal histograms over the prior range; pairwise scatter of particles."""
    ps = problem.priors
    n = len(ps)
    fig, axes = plt.subplots(n, n, figsize=(2.6 * n + 1, 2.4 * n + 0.6), squeeze=False)
    w = post["weight"].to_numpy()
    for i, pi in enumerate(ps):
        for j, pj in enumerate(ps):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                # 15 bins equal in the prior's own scale: the prior puts 1/15 of its mass in each
                bins = np.geomspace(pi.lo, pi.hi, 16) if pi.scale == "log" else np.linspace(pi.lo, pi.hi, 16)
                ax.hist(post[pi.path], bins=bins, weights=w / w.sum(), color="#4292c6", alpha=0.8,
                        label="posterior")
                ax.axhline(1.0 / 15, color="#636363", ls="--", lw=1, label="prior")
                ax.set_ylabel("share" if j == 0 else "", fontsize=8)
            else:
                ax.scatter(post[pj.path], post[pi.path], s=6 + 200 * w, alpha=0.5, color="#08519c")
                ax.set_ylim(pi.lo, pi.hi)
            ax.set_xlim(pj.lo, pj.hi)
            if pi.scale == "log" and i != j:
                ax.set_yscale("log")
            if pj.scale == "log":
                ax.set_xscale("log")
            if i == n - 1:
                ax.set_xlabel(pj.path, fontsize=8)
            if j == 0 and i != j:
                ax.set_ylabel(pi.path, fontsize=8)
            ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=7)
    fig.suptitle("ABC posterior (weighted particles) within the prior ranges", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def profile_figure(evals: pd.DataFrame, info: dict, problem: Problem, path: Path) -> None:
    """Evaluated points (S = K d^2) against each parameter, with the approximate profile and its 95% line."""
    n = len(problem.priors)
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 3.4), squeeze=False)
    S = len(problem.targets) * evals["distance"].to_numpy() ** 2
    for ax, p in zip(axes.flat, problem.priors, strict=True):
        ax.scatter(evals[p.path], S, s=6, alpha=0.4, color="#6baed6", label="evaluated")
        edges, prof = info["profiles"][p.path]
        mids = 0.5 * (edges[1:] + edges[:-1])
        x = np.exp(mids) if p.scale == "log" else mids
        ax.plot(x, prof, "o-", color="#08519c", label="profile (min per slice)")
        ax.axhline(info["best_S"] + CHI2_1_95, color="#d95f02", ls="--", lw=1, label="best + 3.84")
        ax.set_yscale("log")
        if p.scale == "log":
            ax.set_xscale("log")
        ax.set_xlabel(p.path, fontsize=9)
        ax.set_ylabel("sum of squared z")
        ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Differential evolution: approximate profiles", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def generations_figure(gens: list[Generation], path: Path) -> None:
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.2))
    idx = [g.index for g in gens[1:]]
    ax[0].plot(idx, [g.epsilon for g in gens[1:]], "o-")
    ax[0].set_ylabel("tolerance (RMS z)")
    ax[1].plot(idx, [100 * g.acceptance for g in gens[1:]], "o-", color="#d95f02")
    ax[1].set_ylabel("% of proposals accepted")
    for a in ax:
        a.set_xlabel("generation")
        a.grid(alpha=0.3)
    fig.suptitle("ABC-SMC: tolerance and acceptance by generation", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _metric_label(metric: str, problem: Problem) -> str:
    """The metric's plain-words label from the outcome catalogue, thresholds filled from the base scenario."""
    if metric not in CATALOGUE:
        return metric
    return label(metric, scenario_from_dict(problem.base, problem.scenario_path))


def _metric_title(metric: str, problem: Problem) -> str:
    """A figure title: the metric's label and its name."""
    return f"{_metric_label(metric, problem)}\n({metric})"


# --------------------------------------------------------------------------- writing


def write_outputs(cal: Calibration, out: str | Path, *, figures: bool = True) -> Path:
    """Write the sample, bands, best.toml, figures, report.html and manifest.json into ``out``."""
    out = Path(out)
    problem = cal.problem
    out.mkdir(parents=True, exist_ok=True)
    write_parquet(out / cal.sample_file, cal.sample)
    s = problem.spec.settings
    with replace_folder(out / "figures") as tmp_fig:
        if figures:
            draw_figures(cal, tmp_fig)
        figs = sorted(f.name for f in tmp_fig.iterdir())
        meta = manifest(
            kind="calibration", method=problem.method, budget=problem.budget, settings=s.model_dump(),
            replications=problem.replications, runs=cal.runs, targets_file=problem.targets_path,
            targets_sha256=file_hash(problem.targets_path), params_file=problem.spec.source,
            params_sha256=file_hash(problem.spec.source), scenario_file=problem.scenario_path,
            scenario_sha256=file_hash(problem.scenario_path), overrides=problem.overrides,
            constants=problem.spec.constants,
            priors=[dataclasses.asdict(p) for p in problem.priors], fitted=cal.best_values,
            intervals=cal.intervals, rms_z=cal.rms_z, verdict=cal.verdict["verdict"],
            verdict_statement=cal.verdict["statement"], missed_targets=cal.verdict["missed"],
            calibrated=cal.calibrated, goodness_of_fit=cal.gof.to_dict(orient="records"),
            identifiability=cal.identifiability.to_dict(orient="records"), backend=cal.backend,
            figures=figs, **cal.extra)
        write_text(out / "best.toml", cal.best_toml())
        write_parquet(out / "bands.parquet", cal.bands_table())
        write_text(out / "report.html", report_html(cal, [tmp_fig / f for f in figs], commit=meta["git_commit"]))
    write_json(out / "manifest.json", meta)
    return out


def draw_figures(cal: Calibration, folder: Path) -> list[Path]:
    """Every figure of a fit into ``folder``."""
    paths = []
    if cal.method == "abc":
        posterior_figure(cal.sample, cal.problem, folder / "posterior.png")
        generations_figure(cal.fit["generations"], folder / "generations.png")
        paths += [folder / "posterior.png", folder / "generations.png"]
    else:
        profile_figure(cal.sample, cal.profiles or {}, cal.problem, folder / "profiles.png")
        paths.append(folder / "profiles.png")
    fit_figure(cal.bands, cal.problem, folder / "fit.png", cal.band_label)
    return [folder / "fit.png", *paths]


def report_html(cal: Calibration, figure_paths: list[Path], commit: str = "") -> str:
    """The self-contained report page (templates/calibration.html.j2 on the shared base)."""
    problem = cal.problem
    names = [p.path for p in problem.priors]
    gof = cal.gof.copy()
    gof.insert(1, "label", [_metric_label(m, problem) for m in gof["metric"]])
    order = {"fit.png": 0, "posterior.png": 1, "profiles.png": 1, "generations.png": 2}
    figs = [embed(f, FIGURE_CAPTIONS.get(f.name, f.stem), f"figure: {f.stem}")
            for f in sorted(figure_paths, key=lambda f: order.get(f.name, 9))]
    facts = [("method", {"abc": "ABC-SMC (approximate Bayesian computation)",
                         "optimize": "differential evolution (point estimate)"}[cal.method]),
             ("base scenario", problem.scenario_path), ("targets", problem.targets_path),
             ("params", problem.spec.source),
             ("fitted values", "; ".join(f"{k} = {significant(cal.best_values[k])}" for k in names)),
             ("verdict", "reproduces the targets" if cal.calibrated
              else f"MISFIT: cannot reproduce {', '.join(cal.verdict['missed'])}"),
             ("RMS z (model median vs targets)", f"{cal.rms_z:.3f}"),
             *([("--set", "; ".join(f"{k} = {v!r}" for k, v in problem.overrides.items()))]
               if problem.overrides else []),
             ("stopped because", cal.stop_reason),
             ("runs", f"{cal.runs['runs_used']} used, {cal.runs['runs_this_session']} run in this session in "
                      f"{cal.runs['wall_time_s']:.1f} s on {cal.backend}")]
    return render(
        "calibration.html.j2", kind="calibration", title=f"Calibration of {problem.base_name}",
        subtitle=f"{cal.estimate} of {len(names)} parameter(s) against {len(problem.targets)} observed targets",
        facts=facts, created=cal.created, commit=commit, cal=cal, gof=table(gof), n_targets=len(gof),
        verdict=cal.verdict, calibrated=cal.calibrated,
        n_within=int(cal.gof["within_2sd"].sum()), ident=table(cal.identifiability),
        corr=table(cal.correlations.reset_index().rename(columns={"index": ""})) if cal.correlations is not None else None,
        strong=cal.strong_correlations(),
        generations=table(cal.generations) if cal.generations is not None else None,
        figures=figs, settings=problem.spec.settings, constants=problem.spec.constants,
        replications=problem.replications, seed=problem.spec.settings.seed, priors=problem.priors)
