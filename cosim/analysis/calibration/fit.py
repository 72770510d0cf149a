"""Running a fit and gathering what it found into one :class:`Calibration` (tables, no files).

:func:`calibrate` runs ABC-SMC or differential evolution (runs are cached in
``OUT/runs.sqlite`` by the :class:`~cosim.analysis.calibration.runner.Runner`)
and returns the posterior or the evaluations, the predictive bands, goodness of
fit, identifiability and the fitted values.  Writing them (Parquet, best.toml,
figures, report, manifest) is :func:`cosim.reports.calibration.write_outputs`.
"""

from __future__ import annotations

import dataclasses
import math
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cosim.analysis.calibration.abc import Generation, abc_smc
from cosim.analysis.calibration.best import best_scenario_text
from cosim.analysis.calibration.optimize import optimize_de
from cosim.analysis.calibration.runner import Runner
from cosim.analysis.calibration.summaries import (
    abc_identifiability,
    fit_verdict,
    goodness_of_fit,
    predictive_bands,
    profile_identifiability,
)
from cosim.analysis.calibration.targets import Prior, Problem
from cosim.outputs.catalogue import significant
from cosim.outputs.results import file_hash
from cosim.runs.ids import calibration_seed_of


@dataclasses.dataclass
class Calibration:
    """What a fit found, ready to write: the sample, bands, fit to the targets and identifiability."""

    problem: Problem
    out: Path
    fit: dict[str, Any]  # the method's raw result (generations, or evaluations and the optimum)
    runs: dict[str, Any]  # runs_used, runs_this_session, failed_runs_this_session, wall_time_s
    backend: str
    created: str
    sample: pd.DataFrame  # abc: the posterior particles; optimize: every evaluated point
    bands: dict[str, pd.DataFrame]  # per target metric: model quantiles at the recorded steps
    band_label: str  # what the bands are drawn from, in words
    gof: pd.DataFrame
    identifiability: pd.DataFrame
    best_values: dict[str, Any]
    intervals: dict[str, tuple[float, float]]
    estimate: str  # what the fitted values are, in words
    extra: dict[str, Any]  # method-specific facts for the manifest
    correlations: pd.DataFrame | None = None  # abc: posterior correlations (internal coordinates)
    generations: pd.DataFrame | None = None  # abc: one row per generation
    profiles: dict[str, Any] | None = None  # optimize: approximate profiles

    @property
    def method(self) -> str:
        return self.problem.method

    @property
    def sample_file(self) -> str:
        return "posterior.parquet" if self.method == "abc" else "evaluations.parquet"

    @property
    def rms_z(self) -> float:
        """Root mean square of the targets' z scores (model median against target)."""
        return float(np.sqrt(np.mean(self.gof["z"] ** 2)))

    @property
    def verdict(self) -> dict[str, Any]:
        """``{"verdict": "fit" | "misfit", "statement": plain words, "missed": ["metric@step", ...]}``."""
        return fit_verdict(self.gof)

    @property
    def calibrated(self) -> bool:
        """Only a fit that reproduces every target (|z| <= 2) is called calibrated."""
        return self.verdict["verdict"] == "fit"

    @property
    def stop_reason(self) -> str:
        return str(self.extra.get("stop_reason"))

    def bands_table(self) -> pd.DataFrame:
        """The bands of every metric in one long table (``bands.parquet``)."""
        return pd.concat({m: b for m, b in self.bands.items()}, names=["metric"]).reset_index(level=0)

    def strong_correlations(self, threshold: float = 0.7) -> list[tuple[str, str, float]]:
        """Pairs of parameters whose posterior correlation exceeds ``threshold`` in size."""
        if self.correlations is None:
            return []
        names = list(self.correlations.index)
        return [(a, b, float(self.correlations.loc[a, b])) for i, a in enumerate(names) for b in names[i + 1:]
                if abs(self.correlations.loc[a, b]) > threshold]

    def best_toml(self) -> str:
        """``best.toml``: the base scenario with the fitted values, under a provenance header."""
        problem = self.problem
        names = [p.path for p in problem.priors]
        verdict = self.verdict
        title = (f"Calibrated scenario written by `cosim calibrate` ({problem.method}) on {self.created}."
                 if self.calibrated else
                 f"Best fit (NOT calibrated: the model misses {len(verdict['missed'])} of {len(problem.targets)} "
                 f"targets) written by `cosim calibrate` ({problem.method}) on {self.created}.")
        header = [
            title,
            *([] if self.calibrated else [f"Verdict: {verdict['statement']}"]),
            f"Base scenario: {problem.scenario_path}; targets: {problem.targets_path} "
            f"(sha256 {file_hash(problem.targets_path)[:12]}); params: {problem.spec.source}.",
            f"Fitted values = {self.estimate}:",
            *[f"  {k} = {self.best_values[k]}  ({significant(self.intervals[k][0])} .. {significant(self.intervals[k][1])})"
              for k in names],
            f"Fit: RMS standardised error {self.rms_z:.2f} over {len(problem.targets)} targets; "
            f"{self.runs['runs_used']} runs; see {self.out}/report.html.",
            *([f"Set with --set: {', '.join(f'{k} = {v!r}' for k, v in problem.overrides.items())}."]
              if problem.overrides else []),
            *(["Constants used while fitting (not applied here): "
               + ", ".join(f"{k} = {v!r}" for k, v in problem.spec.constants.items())]
              if problem.spec.constants else []),
        ]
        description = ("Calibrated by cosim calibrate." if self.calibrated else
                       "Best fit by cosim calibrate, NOT calibrated: the model cannot reproduce "
                       + ", ".join(verdict["missed"]) + ".")
        return best_scenario_text(problem, self.best_values, header, description)


def calibrate(problem: Problem, out: Path, *, workers: int = 1, dask_address: str | None = None,
              dask_local: int | None = None, progress: bool = True, batch_size: int | None = None) -> Calibration:
    """Run the fit (resuming from the runs in ``out``) and summarise it; nothing but the run store is written."""
    started = time.time()
    runner = Runner(problem, out, workers=workers, dask_address=dask_address, dask_local=dask_local,
                    progress=progress, batch_size=batch_size)
    try:
        runner.start_bar(problem.budget, f"calibrate ({problem.method})")
        fit = _run_abc(runner, problem) if problem.method == "abc" else optimize_de(runner, problem)
    finally:
        runner.close()
    runs = {"runs_used": runner.runs_used, "runs_this_session": runner.new_runs,
            "failed_runs_this_session": runner.failed_runs, "wall_time_s": round(time.time() - started, 2)}
    backend = (("dask " + dask_address) if dask_address else (f"dask LocalCluster x{dask_local}" if dask_local
                                                                else ("serial" if workers <= 1 else f"{workers} processes")))
    created = datetime.now(UTC).isoformat(timespec="seconds")
    summarise = _summarise_abc if problem.method == "abc" else _summarise_optimize
    return summarise(problem, Path(out), fit, runs, backend, created)


def _run_abc(runner: Runner, problem: Problem) -> dict[str, Any]:
    s = problem.spec.settings
    reps = problem.replications
    bounds = np.array([p.bounds for p in problem.priors])

    def seeds(point: int, r: int) -> int:
        return calibration_seed_of(s.seed, point, r)

    def evaluate(zs: list[np.ndarray], ids: list[int]) -> list[dict[str, Any]]:
        assert ids[0] == len(runner.points), "ABC point ids must follow the runner's"
        return runner.evaluate(zs, seeds)

    def on_generation(g: Generation) -> None:
        if runner.bar is not None:
            runner.bar.set_postfix(generation=g.index, eps=f"{g.epsilon:.3g}", acc=f"{g.acceptance:.2f}")

    gens, reason = abc_smc(evaluate, bounds, population=s.population, alpha=s.alpha,
                           min_acceptance=s.min_acceptance, max_generations=s.max_generations,
                           budget_points=problem.budget // reps, seed=s.seed, on_generation=on_generation)
    return {"generations": gens, "stop_reason": reason}


def _summarise_abc(problem: Problem, out: Path, fit: dict[str, Any], runs: dict[str, Any], backend: str,
                   created: str) -> Calibration:
    gens: list[Generation] = fit["generations"]
    final = gens[-1]
    rows = []
    series: list[tuple[dict[str, float], float]] = []
    for i, (part, w) in enumerate(zip(final.particles, final.weights, strict=True)):
        row = {"particle": i, "generation": final.index, "weight": float(w), **part["params"],
               "distance": part["distance"], "point": part["point"]}
        row.update({f"model:{k}": v for k, v in part["mean"].items()})
        rows.append(row)
        ok = [r for r in part["runs"] if r is not None]
        series += [(r, float(w) / len(ok)) for r in ok]
    post = pd.DataFrame(rows)
    bands = predictive_bands(series, problem)
    ident, corr = abc_identifiability(post, problem)
    gen_table = pd.DataFrame([{"generation": g.index, "tolerance": g.epsilon, "accepted": len(g.particles),
                               "proposed": g.proposed, "acceptance": g.acceptance, "complete": g.complete}
                             for g in gens])
    return Calibration(
        problem=problem, out=out, fit=fit, runs=runs, backend=backend, created=created, sample=post,
        bands=bands, band_label=f"posterior predictive, generation {final.index}"
                                + ("" if final.complete else f" (unfinished when the budget ran out: "
                                                              f"{len(final.particles)} particles)"),
        gof=goodness_of_fit(bands, problem, series), identifiability=_qualify(ident, bands, problem, series),
        best_values={p.path: _round_for(p, float(v)) for p, v in zip(problem.priors, ident["median"], strict=True)},
        intervals={p.path: (float(a), float(b)) for p, a, b in zip(problem.priors, ident["q05"], ident["q95"],
                                                                   strict=True)},
        estimate="posterior median (90% credible interval)",
        extra={"generations": gen_table.to_dict(orient="records"), "stop_reason": fit["stop_reason"],
               "final_generation": final.index, "final_tolerance": final.epsilon,
               "final_generation_complete": final.complete, "kernel": "olcm"},
        correlations=corr, generations=gen_table)


def _summarise_optimize(problem: Problem, out: Path, fit: dict[str, Any], runs: dict[str, Any], backend: str,
                        created: str) -> Calibration:
    evals = pd.DataFrame([{"point": r["point"], **r["params"], "distance": r["distance"],
                           **{f"model:{k}": v for k, v in (r["mean"] or {}).items()}}
                          for r in fit["evaluations"]])
    val = fit["validation"]
    ok = [r for r in val["runs"] if r is not None]
    series = [(r, 1.0) for r in ok]
    bands = predictive_bands(series, problem)
    ident, info = profile_identifiability(evals, problem)
    ident = _qualify(ident, bands, problem, series)
    return Calibration(
        problem=problem, out=out, fit=fit, runs=runs, backend=backend, created=created, sample=evals,
        bands=bands, band_label=f"{len(ok)} fresh runs at the optimum",
        gof=goodness_of_fit(bands, problem, series), identifiability=ident,
        best_values={p.path: fit["best"]["params"][p.path] for p in problem.priors},
        intervals={p.path: (float(a), float(b)) for p, a, b in
                   zip(problem.priors, ident["profile_lo"], ident["profile_hi"], strict=True)},
        estimate="best point (approximate 95% profile interval)",
        extra={"de_generations": fit["de_generations"], "de_maxiter": fit["maxiter"],
               "de_message": fit["de_message"], "best_distance_crn": fit["best"]["distance"],
               "validation_distance": val["distance"], "stop_reason": fit["de_message"]},
        profiles=info)


def _qualify(ident: pd.DataFrame, bands: dict[str, pd.DataFrame], problem: Problem,
             series: list[tuple[dict[str, float], float]]) -> pd.DataFrame:
    """On a misfit, no parameter is "pinned down by the data": say it is narrow but the fit fails."""
    if fit_verdict(goodness_of_fit(bands, problem, series))["verdict"] == "fit":
        return ident
    ident = ident.copy()
    ident["verdict"] = ident["verdict"].map({"pinned down": "narrow, but the fit fails",
                                             "partly constrained": "partly constrained, but the fit fails"}
                                            ).fillna(ident["verdict"])
    return ident


def _round_for(p: Prior, v: float) -> float | int:
    return math.floor(v + 0.5) if p.integer else float(f"{v:.6g}")
