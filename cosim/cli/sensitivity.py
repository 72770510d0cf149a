"""``cosim sensitivity``: options, checks of the command line, the analysis (:mod:`cosim.analysis.sensitivity`)
and its report (:mod:`cosim.reports.sensitivity`)."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd

from cosim.analysis.sensitivity import (
    CONF_LEVEL,
    CONVERGENCE_CHANGE,
    CONVERGENCE_HALF_WIDTH,
    DEFAULT_REPLICATIONS,
    N_RESAMPLES,
    Analysis,
    analyse_morris,
    analyse_sobol,
    analysis_seed,
    check_sobol_samples,
    classify_morris,
    classify_sobol,
    index_names,
    noise_floor_of,
    summarise_points,
)
from cosim.errors import BackendError, UsageError
from cosim.reports.sensitivity import write_figures, write_report
from cosim.runs.backends import add_backend_arguments, check_backend_arguments


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="experiment file (TOML) with experiment.design = 'sobol' or 'morris'")
    add_backend_arguments(p)
    p.add_argument("--out", help="results folder (default: results/<experiment name>, shared with cosim "
                                 "experiment, so finished runs are reused); the analysis goes to <out>/sensitivity")
    p.add_argument("--replications", type=int, metavar="R",
                   help=f"runs per sample point, averaged before analysis (default: the file's "
                        f"experiment.replications, else {DEFAULT_REPLICATIONS})")
    p.add_argument("--retry-failed", action="store_true", help="run again the runs that failed last time")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def replications_for(path: str | Path, given: int | None) -> int:
    """--replications, else the file's experiment.replications if written there, else the default."""

    if given is not None:
        if given < 1:
            raise UsageError(f"--replications: expected a positive integer, got {given}")
        return given
    try:
        with Path(path).open("rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return DEFAULT_REPLICATIONS  # load_experiment has already reported a bad file
    written = raw.get("experiment", {}).get("replications")
    return int(written) if written is not None else DEFAULT_REPLICATIONS


def main(args: argparse.Namespace) -> int:
    """``cosim sensitivity``: run the design, analyse, write the results folder."""
    from cosim.outputs.results import atomic_output, check_output_location, file_hash, manifest, write_json
    from cosim.runs.experiment import design, load_experiment, run_experiment, salib_problem

    exp = load_experiment(args.file)
    if exp.design not in ("sobol", "morris"):
        raise UsageError(f"{args.file}: experiment.design: cosim sensitivity needs 'sobol' or 'morris', got "
                         f"{exp.design!r} (run grid and lhs designs with cosim experiment)")
    if exp.design == "sobol":
        check_sobol_samples(int(exp.samples or 0), str(args.file))
    check_backend_arguments(args)
    replications = replications_for(args.file, args.replications)
    exp = _with_replications(exp, replications)
    problem = salib_problem(exp)
    x, points = design(exp)
    out = Path(args.out) if args.out else Path("results") / exp.name
    check_output_location(out, replace=False)  # before the runs, not after them
    check_output_location(out / "sensitivity", "sensitivity")

    start = time.perf_counter()
    try:
        runs = run_experiment(exp, out, workers=args.workers or 1, dask_address=args.dask,
                              dask_local=args.dask_local, retry_failed=args.retry_failed, batch_size=args.batch_size, progress=not args.quiet)
    except BackendError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:
        print(f"interrupted: every finished run is saved in {out}; rerun the same command to resume "
              "(no analysis was written)", file=sys.stderr)
        return 130
    run_wall = time.perf_counter() - start

    outcomes = list(exp.outcomes)
    n_points = len(points)
    summary = summarise_points(runs, outcomes, n_points)
    seed = analysis_seed(exp.root_seed)
    if exp.design == "sobol":
        analysis = analyse_sobol(problem, summary, outcomes, n_samples=exp.samples,
                                 second_order=bool(exp.second_order), seed=seed)
    else:
        analysis = analyse_morris(problem, x, summary, outcomes, levels=int(exp.levels), seed=seed)
    n_failed = int((runs["status"] != "ok").sum()) if "status" in runs else 0
    facts = [
        ("experiment file", str(args.file)),
        ("model", str(exp.model)),
        ("design", f"{exp.design}: {exp.samples} {'base samples' if exp.design == 'sobol' else 'trajectories'}, "
                   f"{len(index_names(problem))} inputs/groups, {n_points} sample points"),
        ("replications per point", f"{replications} (averaged before analysis)"),
        ("runs", _runs_fact(runs, n_failed, run_wall, args, out)),
        ("root seed", str(exp.root_seed)),
    ]
    with atomic_output(out / "sensitivity") as tmp:
        analysis.indices.to_csv(tmp / "indices.csv", index=False)
        analysis.noise.to_csv(tmp / "noise.csv", index=False)
        if analysis.method == "sobol":
            analysis.convergence.to_csv(tmp / "convergence.csv", index=False)
        paths = write_figures(analysis, tmp, exp.name)
        figures = _figure_keys(paths)
        meta = manifest(
            kind="sensitivity", method=exp.design, experiment_file=str(args.file),
            experiment_sha256=file_hash(args.file), model=exp.model, samples=exp.samples,
            replications=replications, n_points=n_points, n_runs=len(runs), n_failed=n_failed,
            outcomes=outcomes, problem=problem, analysis_seed=seed, n_resamples=N_RESAMPLES,
            conf_level=CONF_LEVEL, run_wall_time_s=round(run_wall, 2),
            runs_this_session=runs.attrs.get("summary", {}).get("new"),
            convergence_rule={"max_change_n2_to_n": CONVERGENCE_CHANGE, "max_half_width": CONVERGENCE_HALF_WIDTH},
            verdicts=analysis.verdicts, skipped=analysis.skipped, figures=[p.name for p in paths])
        write_report(analysis, figures, tmp / "report.html", title=exp.name, facts=facts,
                     root_seed=exp.root_seed, seed=seed, created=meta["created"], commit=meta["git_commit"])
        write_json(tmp / "manifest.json", meta)
    _print_summary(analysis, out / "sensitivity")
    if n_failed:
        first = runs.loc[runs["status"] != "ok", "error"].iloc[0].splitlines()[0]
        print(f"{n_failed} run(s) failed (see the error column of {out / 'runs.parquet'}), e.g.: {first}\n"
              "fix the cause and rerun with --retry-failed to run only those", file=sys.stderr)
        return 1
    return 0


def _runs_fact(runs: pd.DataFrame, n_failed: int, wall: float, args: argparse.Namespace, out: Path) -> str:
    """How many runs, how many made now (and how fast), and the run time of every session of the store."""
    done = runs.attrs.get("summary", {})
    new, reused = done.get("new", len(runs)), done.get("skipped", 0)
    backend = (f"Dask at {args.dask}" if args.dask else f"Dask LocalCluster x{args.dask_local}" if args.dask_local
               else f"{args.workers or 1} worker process(es)")
    text = f"{len(runs)} ({n_failed} failed): {new} run now in {wall:.0f} s on {backend}"
    if reused:
        text += f", {reused} reused from the run store"
    try:
        sessions = json.loads((out / "manifest.json").read_text()).get("sessions", [])
    except (OSError, ValueError):
        sessions = []
    made = [(x.get("this_session", 0), x.get("wall_time_s", 0.0), x.get("backend", "?")) for x in sessions
            if x.get("this_session")]
    if reused and made:
        text += "; runs made in earlier sessions: " + ", ".join(f"{n} in {t:.0f} s on {b}" for n, t, b in made[:-1]
                                                                   or made)
    return text


def _with_replications(exp: Any, replications: int) -> Any:
    """The experiment with R replications (identity excludes R, so the run store extends)."""
    return exp.model_copy(update={"replications": replications})


def _figure_keys(paths: list[Path]) -> dict[str, Path]:
    keys = {}
    for p in paths:
        stem = p.stem
        for prefix, key in (("sobol_", "bars"), ("convergence_", "convergence"), ("morris_", "morris")):
            if stem.startswith(prefix):
                keys[f"{key}:{stem[len(prefix):]}"] = p
        if stem.startswith("overview"):
            keys["overview"] = p
    return keys


def _print_summary(analysis: Analysis, out: Path) -> None:
    for name in dict.fromkeys(analysis.indices["outcome"]):
        idx = analysis.indices[analysis.indices["outcome"] == name]
        if analysis.method == "sobol":
            table = classify_sobol(idx, noise_floor_of(analysis, name))
            top = ", ".join(f"{p} {r['ST']:.2f}±{r['ST_conf']:.2f}" for p, r in table.head(3).iterrows())
            verdict = "converged" if analysis.verdicts[name]["converged"] else "not converged"
            print(f"  {name}: ST {top} ({verdict})")
        else:
            floor = noise_floor_of(analysis, name)
            table = classify_morris(idx, floor)
            top = ", ".join(f"{p} {r['mu_star']:.3g}{'' if r['influential'] else ' (not influential)'}"
                            for p, r in table.head(3).iterrows())
            noise = f"noise floor of mu* {floor:.3g}" if math.isfinite(floor) else "noise floor unknown (1 replication)"
            print(f"  {name}: mu* {top}; {int(table['influential'].sum())} of {len(table)} influential ({noise})")
    for name, why in analysis.skipped.items():
        print(f"  {name}: not analysed ({why})")
    print(f"report: {out / 'report.html'}")
