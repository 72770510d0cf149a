"""``cosim run``: run one scenario and write its time series, manifest and figures."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from cosim.errors import UsageError
from cosim.runs.ids import MAX_SEED


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario file (TOML), or a bundled scenario by name (see `cosim scenarios`)")
    p.add_argument("--seed", type=int, help="seed for this run (default: the scenario's run.seed)")
    p.add_argument("--steps", type=int, help="weeks to simulate (default: run.steps, 260)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter by its dotted path, e.g. wifi.hotspots=40 (repeatable)")
    p.add_argument("--out", help="output folder (default: results/<scenario name>)")
    p.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from cosim.model.model import CoProductionModel
    from cosim.outputs.metrics import outcomes
    from cosim.outputs.results import atomic_output, check_output_location, file_hash, manifest, write_json
    from cosim.reports.figures import run_figures
    from cosim.scenario.library import resolve_scenario
    from cosim.scenario.loading import load_scenario, parse_overrides

    overrides = parse_overrides(args.sets)
    if args.steps is not None:
        overrides["run.steps"] = args.steps
    args.scenario = str(resolve_scenario(args.scenario))  # a file, or a bundled scenario by name
    scenario = load_scenario(args.scenario, overrides)
    seed = scenario.run.seed if args.seed is None else args.seed
    if not 0 <= seed <= MAX_SEED:
        raise UsageError(f"--seed: expected an integer from 0 to 2**63 - 1, got {seed}")
    out = Path(args.out) if args.out else Path("results") / scenario.name
    check_output_location(out, "run")  # before the run, not after it
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
            start_date=scenario.run.start_date.isoformat(),  # week t is start_date + 7 t days
            last_date=str(df["date"].max().date()),
            figures=[f.name for f in figures], scenario=scenario.model_dump(mode="json")))
    _print_summary(scenario, seed, outcomes(df), wall, out)
    return 0


def _print_summary(scenario, seed: int, o: dict[str, float], wall: float, out: Path) -> None:
    """The headline outcomes in the catalogue's words (cosim.outputs.catalogue), with their column names."""
    from cosim.outputs.catalogue import GROUP_LABELS, label, outcome
    from cosim.reports.compare import fmt_value

    def value(name: str) -> str:
        return fmt_value(o[name], outcome(name).kind)  # as the compare report shows it

    def by_income(name: str) -> str:
        return (f"{value(name)} ({GROUP_LABELS['low']} {value(name + '_low')}, "
                f"{GROUP_LABELS['high']} {value(name + '_high')})")

    print(f"{scenario.name} (seed {seed}): {wall:.1f} s; results in {out}/")
    rows = [(name, value(name)) for name in ("share_adopted", "share_online")]
    rows += [(name, by_income(name)) for name in ("share_participated_year", "mean_trust")]
    rows += [(name, value(name)) for name in ("mean_trust_year", "share_trusting", "top10_share", "top1_share",
                                              "backlog_per_1000", "median_response_weeks", "share_dropped",
                                              "service_quality", "spend", "sgi")]
    labelled = [(f"{label(name, scenario)} [{name}]", v) for name, v in rows]
    width = max(len(k) for k, _ in labelled)
    for k, v in labelled:
        print(f"  {k:<{width}}  {v}")
