"""``cosim check``: validate scenario, experiment and calibration files and report every problem."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", help="scenario or experiment files (TOML)")


def main(args: argparse.Namespace) -> int:
    from cosim.scenario.loading import check_files

    problems: list[str] = []
    scenario_files: list[str] = []
    experiment_files: list[str] = []
    calibration_files: list[str] = []
    for f in args.files:
        if _is_params(f):  # cosim calibrate's params files (experiments/calibration/params.toml)
            calibration_files.append(f)
        else:
            (experiment_files if _is_experiment(f) else scenario_files).append(f)
    problems += check_files(scenario_files)
    if calibration_files:
        from cosim.analysis.calibration import check_params_files

        problems += check_params_files(calibration_files)
    if experiment_files:
        from cosim.runs.experiment import check_experiment_files

        problems += check_experiment_files(experiment_files)
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    ok = len(args.files) - len({p.split(":", 1)[0] for p in problems})
    print(f"{ok} of {len(args.files)} file(s) valid")
    return 2 if problems else 0


def _is_params(path: str) -> bool:
    from cosim.analysis.calibration import is_params_file

    return is_params_file(path)


def _is_experiment(path: str) -> bool:
    """Experiment files live under experiments/ or have an [experiment] table."""
    p = Path(path)
    if "experiments" in p.parts:
        return True
    try:
        return p.is_file() and any(line.strip() == "[experiment]" for line in p.read_text().splitlines())
    except (OSError, UnicodeDecodeError):
        return False
