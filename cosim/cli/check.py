"""``cosim check``: validate scenario, experiment and calibration files and report every problem."""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", help="scenario or experiment files (TOML)")


def main(args: argparse.Namespace) -> int:
    from cosim.scenario.loading import check_files, file_kind

    problems: list[str] = []
    by_kind: dict[str, list[str]] = {"scenario": [], "experiment": [], "calibration": []}
    for f in args.files:
        by_kind[file_kind(f)].append(f)  # by the file's tables, never by its folder
    problems += check_files(by_kind["scenario"])
    if by_kind["calibration"]:
        from cosim.analysis.calibration import check_params_files

        problems += check_params_files(by_kind["calibration"])
    if by_kind["experiment"]:
        from cosim.runs.experiment import check_experiment_files

        problems += check_experiment_files(by_kind["experiment"])
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    ok = len(args.files) - len({p.split(":", 1)[0] for p in problems})
    print(f"{ok} of {len(args.files)} file(s) valid")
    return 2 if problems else 0
