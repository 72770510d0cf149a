"""``cosim compare``: options, checks of the command line, and the run of :mod:`cosim.analysis.compare`."""

from __future__ import annotations

import argparse
import errno
import hashlib
import os
import sys
from pathlib import Path

from cosim.analysis.compare import CompareResult, compare, unique_names
from cosim.errors import ScenarioError, UsageError
from cosim.outputs.metrics import METRICS
from cosim.outputs.results import check_output_location
from cosim.runs.backends import batch_problem, check_workers, default_workers, seconds_per_run, workers_help
from cosim.runs.ids import MAX_SEED
from cosim.runs.store import STORE_FILE
from cosim.scenario.library import resolve_scenario
from cosim.scenario.loading import load_scenario, parse_overrides


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO.toml",
                   help="scenario files or bundled scenario names; the first is the reference (usually baseline)")
    p.add_argument("--replications", type=int, default=30, help="runs per scenario (default 30)")
    p.add_argument("--seed", type=int, help="root seed (default: the first scenario's run.seed)")
    p.add_argument("--workers", type=int, metavar="N", help=workers_help())
    p.add_argument("--out", help="output folder (default: results/compare-<names>)")
    p.add_argument("--steps", type=int, help="weeks to simulate in every scenario (default: run.steps)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter in every scenario, e.g. run.n_citizens=2000 (repeatable)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    from cosim.reports.compare import write_outputs

    if args.workers is None:
        args.workers = default_workers()
    for opt, value, least in (("--replications", args.replications, 2), ("--workers", args.workers, 1),
                              ("--steps", args.steps, 1), ("--seed", args.seed, 0)):
        if value is not None and value < least:
            raise UsageError(f"{opt}: expected an integer >= {least}, got {value}")
    check_workers(args.workers)
    if args.seed is not None and args.seed > MAX_SEED:
        raise UsageError(f"--seed: expected an integer from 0 to 2**63 - 1, got {args.seed}")
    overrides = parse_overrides(args.sets)
    if args.steps is not None:
        overrides["run.steps"] = args.steps
    scenarios, problems = [], []
    args.scenarios = [str(resolve_scenario(p)) for p in args.scenarios]  # files, or bundled names
    for path in args.scenarios:
        try:
            scenarios.append(load_scenario(path, overrides))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    # every run's weekly table is held until the report is written: about 16 bytes per metric per row
    too_big = batch_problem(len(scenarios) * args.replications, f"{len(scenarios)} scenarios x {args.replications:,} "
                            "replications", max(16 * s.run.steps * (s.region.n_municipalities + 1) * len(METRICS)
                                                for s in scenarios),
                            max(seconds_per_run(s.run.n_citizens, s.run.steps) for s in scenarios),
                            args.workers or os.cpu_count() or 1,
                            "reduce replications or steps")
    if too_big:
        raise UsageError(too_big, argument="replications")
    names = unique_names([s.name for s in scenarios])
    out = Path(args.out) if args.out else Path("results") / default_folder(names)
    check_output_location(out, "compare")  # before the runs, not after them
    try:
        # every finished run is committed to out/runs.sqlite as it finishes; the results replace the folder
        result = compare(scenarios, replications=args.replications, root_seed=args.seed, workers=args.workers,
                         progress=not args.quiet, sources=[str(p) for p in args.scenarios], store=out,
                         write=lambda r: write_outputs(r, out, files=args.scenarios, overrides=overrides))
    except KeyboardInterrupt:
        if (out / STORE_FILE).is_file():
            print(f"interrupted: every finished run is saved in {out / STORE_FILE}; rerun the same command "
                  "to resume (only the unfinished runs will run)", file=sys.stderr)
        else:
            print("interrupted: no run had finished; nothing was written", file=sys.stderr)
        return 130
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT) and "No space left" not in str(exc):
            raise
        kept = (f"every finished run is saved in {out / STORE_FILE}" if (out / STORE_FILE).is_file()
                else "no run had been saved")
        raise UsageError(f"{out}: the disk is full ({exc.strerror or exc}); {kept} and earlier results there "
                         "are untouched: free some space (or choose another --out) and rerun the same command "
                         "to finish", argument="out") from None
    print_summary(result, out)
    return 1 if result.failures else 0


def default_folder(names: list[str]) -> str:
    """``compare-<names>``, shortened with a hash when there are many."""
    folder = "compare-" + "-".join(names)
    if len(folder) > 80:
        digest = hashlib.sha1("-".join(names).encode()).hexdigest()[:8]
        folder = f"compare-{names[0]}-and-{len(names) - 1}-more-{digest}"
    return folder


def print_summary(result: CompareResult, out: Path) -> None:
    from cosim.reports.compare import describe_difference

    ok = len(result.outcomes)
    total = len(result.names) * result.replications
    reused = f", {result.reused} of them from an earlier, interrupted session" if result.reused else ""
    print(f"compared {len(result.names)} scenarios x {result.replications} replications "
          f"({ok} of {total} runs finished{reused}) in {result.wall_time_s:.0f} s on {result.workers} worker(s); "
          f"results in {out}/")
    for name in result.names[1:]:
        print(f"  {name} vs {result.reference}:")
        for outcome in ("share_participated_year", "share_adopted", "mean_trust", "service_quality"):
            print(f"    {describe_difference(result.summary, name, outcome, result.reference, result.scenarios[0])}")
    for f in result.failures:
        first = f["error"].splitlines()[0] if f["error"] else "unknown error"
        print(f"  FAILED: {f['scenario']} replication {f['replication']} (seed {f['seed']}): {first}",
              file=sys.stderr)
