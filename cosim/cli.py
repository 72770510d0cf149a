"""The ``cosim`` command line.

Each subcommand lives in its own module exposing ``add_arguments(parser)`` and
``main(args) -> int``; this file only dispatches.  Bad input (a
:class:`~cosim.scenario.ScenarioError` or :class:`UsageError`) prints one clear
message per problem to stderr and exits 2, with no traceback and nothing written.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

from cosim.scenario import ScenarioError

# name -> (module, one-line help)
COMMANDS = {
    "run": ("cosim.cli", "run one scenario and write its time series, manifest and figures"),
    "check": ("cosim.cli", "validate scenario and experiment files and report every problem"),
    "compare": ("cosim.compare", "compare scenarios over replications with common random numbers"),
    "experiment": ("cosim.experiment", "run an experiment design (grid, lhs, sobol, morris), resumable"),
    "sensitivity": ("cosim.sensitivity", "Sobol or Morris sensitivity analysis of an experiment"),
    "calibrate": ("cosim.calibrate", "fit parameters to observed targets (ABC or optimisation)"),
    "dashboard": ("cosim.dashboard", "serve the interactive browser dashboard"),
}


class UsageError(Exception):
    """Bad input that is not a scenario file problem (e.g. a bad option value)."""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="cosim", description="Citizen-government co-production in smart cities.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Import only the chosen command's module: a slow or broken module of one
    # command must not affect the others (or `cosim --help`).
    chosen = next((a for a in argv if not a.startswith("-")), None)
    handlers = {}
    for name, (module_name, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        if name != chosen:
            continue
        module = sys.modules[__name__] if module_name == __name__ else _load(module_name)
        if module is None:
            p.set_defaults(_missing=module_name)
            continue
        add = getattr(module, f"add_{name}_arguments", None) or module.add_arguments
        add(p)
        handlers[name] = getattr(module, f"{name}_main", None) or module.main
    args = parser.parse_args(argv)
    if getattr(args, "_missing", None):
        print(f"cosim {args.command}: this command is not installed in this version", file=sys.stderr)
        return 2
    try:
        return int(handlers[args.command](args) or 0)
    except (ScenarioError, UsageError) as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing was written for the unfinished job", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly, as Unix tools do
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _load(module_name: str):
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise


# --------------------------------------------------------------------------- run


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario file (TOML)")
    p.add_argument("--seed", type=int, help="seed for this run (default: the scenario's run.seed)")
    p.add_argument("--steps", type=int, help="weeks to simulate (default: run.steps, 260)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter by its dotted path, e.g. wifi.hotspots=40 (repeatable)")
    p.add_argument("--out", help="output folder (default: results/<scenario name>)")
    p.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run_main(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from cosim.metrics import outcomes
    from cosim.model import CoProductionModel
    from cosim.plots import run_figures
    from cosim.results import atomic_output, file_hash, manifest, write_json
    from cosim.scenario import load_scenario, parse_overrides

    overrides = parse_overrides(args.sets)
    if args.steps is not None:
        overrides["run.steps"] = args.steps
    scenario = load_scenario(args.scenario, overrides)
    seed = scenario.run.seed if args.seed is None else args.seed
    if seed < 0:
        raise UsageError(f"--seed: expected a non-negative integer, got {seed}")
    out = Path(args.out) if args.out else Path("results") / scenario.name
    start = time.perf_counter()
    model = CoProductionModel(scenario, rng=seed)
    for _ in tqdm(range(scenario.run.steps), desc=f"{scenario.name} (seed {seed})", unit="week",
                  disable=args.quiet or None, leave=False):
        model.step()
    wall = time.perf_counter() - start
    df = model.timeseries()
    df.insert(0, "seed", seed)
    with atomic_output(out) as tmp:
        df.to_parquet(tmp / "timeseries.parquet", index=False)
        figures = [] if args.no_figures else run_figures(df, tmp, scenario.name)
        write_json(tmp / "manifest.json", manifest(
            kind="run", scenario_file=str(args.scenario), scenario_sha256=file_hash(args.scenario),
            overrides=overrides, seed=seed, steps=scenario.run.steps, wall_time_s=round(wall, 3),
            figures=[f.name for f in figures], scenario=scenario.model_dump(mode="json")))
    _print_summary(scenario.name, seed, outcomes(df), wall, out)
    return 0


def _print_summary(name: str, seed: int, o: dict[str, float], wall: float, out: Path) -> None:
    weeks = "week"
    print(f"{name} (seed {seed}): {wall:.1f} s; results in {out}/")
    rows = [
        ("using e-participation", f"{100 * o['share_adopted']:.1f}%"),
        ("online in a typical week (last year)", f"{100 * o['share_online']:.1f}%"),
        ("took part in the last year", f"{100 * o['share_participated_year']:.1f}% "
         f"(low income {100 * o['share_participated_year_low']:.1f}%, high {100 * o['share_participated_year_high']:.1f}%)"),
        ("mean trust (0-1)", f"{o['mean_trust']:.3f} (low income {o['mean_trust_low']:.3f}, high {o['mean_trust_high']:.3f})"),
        ("share trusting (> 0.5)", f"{100 * o['share_trusting']:.1f}%"),
        ("contributions by the top 10% / 1%", f"{100 * o['top10_share']:.0f}% / {100 * o['top1_share']:.0f}%"),
        ("backlog per 1,000 citizens", f"{o['backlog_per_1000']:.2f}"),
        (f"median response ({weeks}s, last year)", f"{o['median_response_weeks']:.1f}"),
        ("service quality (0-1)", f"{o['service_quality']:.3f}"),
        ("lever spend over the run", f"R{o['spend'] / 1e6:.1f} m"),
        ("smart-governance index (0-1)", f"{o['sgi']:.3f}"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")


# --------------------------------------------------------------------------- check


def add_check_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", help="scenario or experiment files (TOML)")


def check_main(args: argparse.Namespace) -> int:
    from cosim.scenario import check_files

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
        from cosim.calibrate import check_params_files

        problems += check_params_files(calibration_files)
    if experiment_files:
        checker = _load("cosim.experiment")
        if checker is None:
            problems += [f"{f}: experiment files are not supported by this version" for f in experiment_files]
        else:
            problems += checker.check_experiment_files(experiment_files)
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    ok = len(args.files) - len({p.split(":", 1)[0] for p in problems})
    print(f"{ok} of {len(args.files)} file(s) valid")
    return 2 if problems else 0


def _is_params(path: str) -> bool:
    from cosim.calibrate import is_params_file

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


if __name__ == "__main__":
    # run the package's module, not this __main__ copy, so exception classes match
    from cosim.cli import main as package_main

    sys.exit(package_main())
