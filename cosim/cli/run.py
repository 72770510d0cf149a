"""``cosim run``: run one scenario and write its time series, manifest and figures."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from cosim.errors import UsageError
from cosim.runs.ids import MAX_SEED


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario file (TOML)")
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
    from cosim.scenario.loading import load_scenario, parse_overrides

    overrides = parse_overrides(args.sets)
    if args.steps is not None:
        overrides["run.steps"] = args.steps
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
