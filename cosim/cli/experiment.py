"""``cosim experiment``: options, checks of the command line, and the run of :mod:`cosim.runs.experiment`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cosim.outputs.results import check_output_location
from cosim.runs.backends import add_backend_arguments, check_backend_arguments
from cosim.runs.experiment import load_experiment, run_experiment
from cosim.runs.store import STORE_FILE


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``cosim experiment``."""
    p.add_argument("file", help="experiment file (TOML), e.g. experiments/wifi_dose_response.toml")
    add_backend_arguments(p)
    p.add_argument("--out", help="results folder (default: results/<experiment name>); rerun to resume")
    p.add_argument("--retry-failed", action="store_true", help="rerun the runs that failed before (only those)")
    p.add_argument("--no-figures", action="store_true", help="skip the summary figures")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    """``cosim experiment``: 0 when every run succeeded, 1 when some failed, 2 on bad input."""
    from cosim.reports.experiment import summary_figures

    check_backend_arguments(args)
    exp = load_experiment(args.file)
    out = Path(args.out) if args.out else Path("results") / exp.name
    check_output_location(out, replace=False)  # before the runs, not after them
    try:
        table = run_experiment(exp, out, workers=args.workers or 1, dask_address=args.dask,
                               dask_local=args.dask_local, retry_failed=args.retry_failed, batch_size=args.batch_size,
                               progress=not args.quiet,
                               figures=None if args.no_figures else summary_figures)
    except KeyboardInterrupt:
        print(f"interrupted: every finished run is saved in {out}/{STORE_FILE}; "
              "rerun the same command to resume", file=sys.stderr)
        return 130
    s = table.attrs["summary"]
    n_failed = int((table["status"] == "failed").sum())
    print(f"{exp.name}: {len(table)} runs ({s['new']} run now in {s['wall_s']:.1f} s, {s['skipped']} already "
          f"done); results in {out}/runs.parquet")
    if n_failed:
        first = table.loc[table["status"] == "failed", "error"].iloc[0].splitlines()[0]
        print(f"{n_failed} run(s) failed (status 'failed', error column), e.g.: {first}\n"
              f"fix the cause if needed and rerun with --retry-failed to run only those", file=sys.stderr)
        return 1
    return 0
