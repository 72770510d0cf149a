"""Before/after benchmark of two (or more) source trees in one run.

Runs each tree's own ``benchmarks/bench.py --quick`` (its last line is a JSON
object of figures) in a subprocess of its own with ``PYTHONPATH`` set to that
tree, the trees taking turns (old, new, old, new, ...) so that a change in
the machine's load hits both alike, and reports for each figure the median
of each tree and the ratio to the first tree.  Example, from the root of the
new tree::

    .venv/bin/python benchmarks/compare_versions.py --rounds 3 \\
        --tree old=../old-worktree --tree new=. \\
        --tree "new-no-burn-in=. --set run.burn_in_weeks=0"

A ``--tree`` is ``LABEL=PATH`` followed by extra arguments for that tree's
bench.py.  ``--bench PATH`` runs that one script against every tree instead
of each tree's own (its figures need only the tree's ``cosim``).  The load average is printed before each run and summarised at the
end; on a shared machine read the ratios with it in mind.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

# figures where more is better (the others are times or shares: less is better)
HIGHER_IS_BETTER = ("ratio_reference", "citizen_steps_per_s", "runs_per_s")


def parse_tree(spec: str) -> tuple[str, Path, list[str]]:
    label, sep, rest = spec.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected LABEL=PATH [bench args], got {spec!r}")
    path, *extra = shlex.split(rest)
    return label, Path(path).resolve(), extra


def run_bench(python: str, tree: Path, extra: list[str], bench: Path | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    script = bench or tree / "benchmarks" / "bench.py"
    cmd = ["nice", "-n", "0", python, str(script), "--quick", *extra]
    proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def slowdown(key: str, old: float, new: float) -> float:
    """How many times slower ``new`` is than ``old`` (> 1: slower) for figure ``key``."""
    if key.startswith(HIGHER_IS_BETTER):
        return old / new
    return new / old


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tree", action="append", type=parse_tree, required=True,
                    help="LABEL=PATH [extra bench.py args]; the first is the reference")
    ap.add_argument("--rounds", type=int, default=3, help="runs of each tree (alternating)")
    ap.add_argument("--python", default=sys.executable, help="interpreter for the benches")
    ap.add_argument("--json", type=Path, help="write every run's figures here")
    ap.add_argument("--bench", type=Path, default=None,
                    help="one bench.py to run against every tree (e.g. this tree's, to measure an older tree on "
                         "figures its own bench.py lacks); default: each tree's own")
    args = ap.parse_args(argv)
    trees = args.tree
    runs: dict[str, list[dict]] = {label: [] for label, _, _ in trees}
    loads = []
    for r in range(args.rounds):
        for label, path, extra in trees:
            load = os.getloadavg()
            loads.append(load[0])
            t0 = time.perf_counter()
            out = run_bench(args.python, path, extra, args.bench.resolve() if args.bench else None)
            runs[label].append(out)
            print(f"round {r + 1}/{args.rounds} {label:16s} load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}  "
                  f"{time.perf_counter() - t0:5.0f} s", flush=True)
    loads.append(os.getloadavg()[0])
    ref = trees[0][0]
    keys = [k for k, v in runs[ref][0].items()
            if isinstance(v, int | float) and not isinstance(v, bool) and not k.startswith("load_avg")
            and not k.endswith("_wall") and k != "bench_wall_s"]
    print()
    head = f"{'figure (median of ' + str(args.rounds) + ')':32s}" + "".join(f"{lb:>16s}" for lb, _, _ in trees)
    head += "".join(f"{'x slower ' + lb:>24s}" for lb, _, _ in trees[1:])
    print(head)
    summary = {}
    for k in keys:
        med = {}
        for label, _, _ in trees:
            vals = [o[k] for o in runs[label] if isinstance(o.get(k), int | float)]
            med[label] = statistics.median(vals) if vals else None
        line = f"{k:32s}" + "".join(f"{'n/a' if v is None else f'{v:.4g}':>16s}" for v in med.values())
        for label, _, _ in trees[1:]:
            ok = med[ref] and med[label]
            line += f"{(f'{slowdown(k, med[ref], med[label]):.3f}' if ok else 'n/a'):>24s}"
        print(line)
        summary[k] = med
    print(f"\nload average (1 min) over the runs: min {min(loads):.2f}, median {statistics.median(loads):.2f}, "
          f"max {max(loads):.2f}; {os.cpu_count()} cores.  'x slower' > 1: slower than {ref} "
          f"(rates: {ref} / other; times: other / {ref}).")
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "median": summary, "load_avg_1min": loads}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
