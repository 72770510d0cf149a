"""``cosim calibrate``: options, checks of the command line, the fit (:mod:`cosim.analysis.calibration`) and its
report (:mod:`cosim.reports.calibration`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cosim.analysis.calibration import DEFAULT_BUDGET, calibrate, load_problem
from cosim.errors import UsageError
from cosim.outputs.results import check_output_location
from cosim.runs.backends import add_backend_arguments, check_backend_arguments
from cosim.runs.store import STORE_FILE
from cosim.scenario.loading import parse_overrides


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``cosim calibrate``."""
    p.add_argument("targets", help="observed targets: CSV with columns metric,step,value,sd")
    p.add_argument("--scenario", required=True, help="base scenario file (TOML)")
    p.add_argument("--params", required=True, help="parameters to fit with prior ranges (TOML)")
    p.add_argument("--method", choices=("abc", "optimize"),
                   help="abc: ABC-SMC posterior (default); optimize: differential evolution point estimate")
    p.add_argument("--budget", type=int, metavar="RUNS",
                   help=f"model runs to spend (default: calibration.budget or {DEFAULT_BUDGET})")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter of the base scenario, e.g. wifi.hotspots=40 (repeatable; carried "
                        "into best.toml, unlike the params file's [constants])")
    add_backend_arguments(p)
    p.add_argument("--out", help="results folder (default: results/calibration_<scenario name>); rerun to resume")
    p.add_argument("--no-figures", action="store_true", help="skip the figures")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    """``cosim calibrate``: 0 on success, 1 when runs failed, 2 on bad input."""
    from cosim.reports.calibration import write_outputs

    check_backend_arguments(args)
    if args.budget is not None and args.budget < 1:
        raise UsageError(f"--budget: expected a positive number of runs, got {args.budget}")
    overrides = parse_overrides(args.sets)
    problem = load_problem(args.targets, args.scenario, args.params, args.method, args.budget, overrides)
    out = Path(args.out) if args.out else Path("results") / f"calibration_{problem.base_name}"
    check_output_location(out, replace=False)  # before the runs, not after them
    try:
        cal = calibrate(problem, out, workers=args.workers or 1, dask_address=args.dask,
                        dask_local=args.dask_local, progress=not args.quiet, batch_size=args.batch_size)
    except KeyboardInterrupt:
        print(f"interrupted: every finished run is saved in {out}/{STORE_FILE}; rerun the same command to resume",
              file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    write_outputs(cal, out, figures=not args.no_figures)
    res = {**cal.runs, "stop_reason": cal.stop_reason, "best_values": cal.best_values}
    gof = cal.gof
    print(f"calibrate ({problem.method}): {res['runs_used']} runs ({res['runs_this_session']} run now in "
          f"{res['wall_time_s']:.1f} s); stopped: {res.get('stop_reason')}; results in {out}/")
    for p in problem.priors:
        print(f"  {p.path} = {res['best_values'][p.path]}")
    for row in gof.itertuples(index=False):
        print(f"  {row.metric} @ week {row.step}: target {row.target:.3g} +- {row.sd:.2g}, model {row.model_median:.3g} "
              f"[{row.model_q05:.3g}, {row.model_q95:.3g}], z = {row.z:+.2f}"
              + ("" if row.within_2sd else "  <- missed"))
    verdict = cal.verdict
    print(("verdict: fit. " if cal.calibrated else "verdict: MISFIT (best.toml is NOT a calibrated scenario). ")
          + str(verdict["statement"]))
    if res["failed_runs_this_session"]:
        print(f"{res['failed_runs_this_session']} run(s) failed (see {out}/{STORE_FILE}); they count as rejected",
              file=sys.stderr)
        return 1
    return 0
