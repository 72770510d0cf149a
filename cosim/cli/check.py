"""``cosim check``: validate scenario, experiment and calibration files and report every problem."""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", help="scenario, experiment or calibration params files (TOML) and calibration targets files (CSV)")


def main(args: argparse.Namespace) -> int:
    from cosim.scenario.loading import check_files, file_kind

    problems: list[str] = []
    by_kind: dict[str, list[str]] = {"scenario": [], "experiment": [], "calibration": [], "targets": []}
    for f in args.files:
        # a CSV is a calibration targets file; a TOML file is known by its tables, never by its folder
        by_kind["targets" if str(f).lower().endswith(".csv") else file_kind(f)].append(f)
    problems += check_files(by_kind["scenario"])
    if by_kind["calibration"] or by_kind["targets"]:
        from cosim.analysis.calibration import check_params_files, check_targets_files

        problems += check_params_files(by_kind["calibration"]) + check_targets_files(by_kind["targets"])
    if by_kind["experiment"]:
        from cosim.runs.experiment import check_experiment_files

        problems += check_experiment_files(by_kind["experiment"])
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    # a problem starts with its file's name, then ':' or ', row ...'
    ok = sum(not any(p.startswith((f"{f}:", f"{f},")) for p in problems) for f in args.files)
    print(f"{ok} of {len(args.files)} file(s) valid")
    return 2 if problems else 0
