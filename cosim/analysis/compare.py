"""``cosim compare``: scenarios side by side over replications, with honest intervals.

Every scenario runs ``R`` times; replication ``k`` of every scenario uses the
same seed ``run_seed(root, k)`` (common random numbers), so the paired
difference of a scenario from the first one (the reference, usually the
baseline) is the policy's effect, not the noise between two random towns.

Intervals are 95% Student t intervals over replications: for a scenario's mean,
``mean +- t(0.975, n-1) sd / sqrt(n)``; for its paired difference from the
reference, the same over the per-replication differences (matched seeds).

Python API (for notebooks and the dashboard)::

    from cosim import load_scenario
    from cosim.analysis.compare import compare
    res = compare([load_scenario("scenarios/baseline.toml"),
                   load_scenario("scenarios/free_wifi_equity.toml")], replications=10)
    res.summary   # scenario, outcome, mean, ci_low, ci_high, diff, diff_ci_low, diff_ci_high
    res.runs      # every run's time series, with scenario, replication and seed

The command line wraps it and writes ``results/compare-<names>/``: ``runs.parquet``,
``outcomes.parquet`` (one row per run), ``summary.csv``, ``budget.csv``,
``cost_effectiveness.csv``, figures, ``manifest.json`` and ``report.html``.
It passes ``store=out``: each finished run is committed to ``out/runs.sqlite``
as it finishes, so an interrupted comparison resumes (docs/compare.md,
"Resuming an interrupted comparison").

Over 400 lines: the comparison, its summaries and the identity that keeps a
resumed comparison from mixing runs of another one belong together.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from cosim.errors import StoreBusy, UsageError
from cosim.outputs.catalogue import CATALOGUE, INCOME_GROUPS, LITERACY_TERCILES, Outcome, label
from cosim.outputs.metrics import outcomes
from cosim.outputs.results import check_output_location, manifest, remove_stale_temporaries, write_json
from cosim.runs.ids import REPLICATION_STRIDE, run_id_of, run_seed_of
from cosim.runs.store import STORE_FILE, RunStore
from cosim.scenario import schedules
from cosim.scenario.budget import WEEKS_PER_YEAR, BudgetPlan
from cosim.scenario.schema import LEVERS, Scenario

SUMMARY_COLUMNS = ["scenario", "outcome", "mean", "ci_low", "ci_high", "diff", "diff_ci_low", "diff_ci_high"]
CONFIDENCE = 0.95
INTERVALS = "95% Student t intervals over replications; diff intervals over paired (same-seed) differences"

# Per-group outcomes computed here from each run's region time series, beyond the
# per-run outcomes of cosim.OUTCOMES: (base metric, groups).  Each is aggregated as
# its base metric is in the outcome catalogue ("final" or "year" = the mean of the last 52 weeks).
_COMPARED_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("share_online", INCOME_GROUPS), ("share_adopted", INCOME_GROUPS), ("share_participated_year", ("mid",)),
    ("participation_rate", LITERACY_TERCILES), ("mean_trust", ("mid", *LITERACY_TERCILES)),
    ("mean_literacy", ("mid", "high")), ("share_trusting", ("low", "high")),
)
GROUP_OUTCOMES: dict[str, tuple[str, str]] = {
    f"{base}_{g}": (f"{base}_{g}", str(CATALOGUE[base].aggregation)) for base, groups in _COMPARED_GROUPS for g in groups
}

# Outcomes a comparison derives from others (not model metrics), declared once here
# in the catalogue's terms; the report reads them through outcome_info().
DERIVED: dict[str, Outcome] = {o.name: o for o in (
    Outcome("share_online_gap", "income gap in online access (high minus low income)", "share", -1, "inequality",
            "year"),
    Outcome("mean_outcome", "value of a resolved co-produced request (0-1), over the last year", "index", 1,
            "services", "year"),
    Outcome("participants", "residents who took part in the last 12 months (number)", "residents", 1,
            "participation", "final"),
    Outcome("spend_per_year", "lever spend per year (region)", "rand", 0, "budget", "total"),
)}
# The outcomes the report leads with, in this order.
HEADLINE = ["share_participated_year", "share_adopted", "share_online", "share_online_gap", "mean_trust",
            "mean_trust_year", "share_trusting", "service_quality", "mean_outcome", "median_response_weeks",
            "share_dropped", "backlog_per_1000", "sgi"]


def outcome_info(name: str) -> Outcome:
    """The declaration of an outcome a comparison reports: a derived outcome, else its catalogue entry.

    An outcome in neither (none today) reads as a 0-1 index with no better direction.
    """
    if name in DERIVED:
        return DERIVED[name]
    return CATALOGUE.get(name) or Outcome(name, name, "index", 0, "other")


def outcome_label(name: str, scenario: Scenario | None = None) -> str:
    """The plain-words label of an outcome, with the scenario's trust threshold where the label has one."""
    return DERIVED[name].label if name in DERIVED else (label(name, scenario) if name in CATALOGUE else name)


@dataclass
class CompareResult:
    """The runs and summaries of a comparison; the first scenario is the reference."""

    names: list[str]
    scenarios: list[Scenario]
    root_seed: int
    replications: int
    seeds: list[int]
    runs: pd.DataFrame        # every run's time series: scenario, replication, seed, step, municipality, metrics
    outcomes: pd.DataFrame    # one row per finished run: scenario, replication, seed, one column per outcome
    summary: pd.DataFrame     # SUMMARY_COLUMNS, one row per scenario and outcome
    budget: pd.DataFrame      # scenario, year, lever, spend (R, per municipality), budget, scale
    cost_effectiveness: pd.DataFrame  # scenario, extra spend, participants gained, per R1 m a year (with CI)
    failures: list[dict[str, Any]] = field(default_factory=list)
    wall_time_s: float = 0.0
    workers: int = 1
    reused: int = 0           # runs read back from the run store of an earlier, interrupted call

    @property
    def reference(self) -> str:
        return self.names[0]


# --------------------------------------------------------------------------- running


def compare(
    scenarios: list[Scenario],
    replications: int = 30,
    root_seed: int | None = None,
    workers: int | None = None,
    progress: bool = True,
    sources: list[str] | None = None,
    store: str | Path | None = None,
    write: Callable[[CompareResult], Any] | None = None,
) -> CompareResult:
    """Run every scenario ``replications`` times with common random numbers and summarise.

    ``root_seed`` defaults to the first scenario's ``run.seed``; replication k of
    every scenario uses ``run_seed(root_seed, k)``.  ``workers`` local processes
    (default: all cores; 1 runs in this process).  A run that fails is listed in
    ``failures`` (and left out of the summaries), never silently dropped.

    ``store``: a results folder in which every finished run (its time series) is
    committed the moment it finishes (``store/runs.sqlite``, see
    :mod:`cosim.runs.store`), so a crash, Ctrl-C or kill -9 loses no finished
    run; called again with the same scenarios and seed on the same folder, only
    the runs not stored yet (or stored as failed) run, and the result equals,
    bit for bit, that of an uninterrupted call.  A folder holding the unfinished
    runs of a different comparison is refused (``UsageError``), never mixed.
    The store stays until the results replace the folder: ``write`` (e.g.
    ``lambda r: cosim.reports.compare.write_outputs(r, folder)``) is called with
    the result while the store is still locked, so no second process takes the
    folder before the results are in place.
    """
    from cosim.errors import UsageError, expect_int, expect_type
    from cosim.runs.backends import check_workers, map_runs
    from cosim.runs.evaluators import RunTask, evaluate_run
    from cosim.runs.ids import MAX_SEED, REPLICATION_STRIDE

    expect_type(scenarios, "scenarios", list | tuple, "a list of Scenario objects (from cosim.load_scenario)")
    for s in scenarios:
        expect_type(s, "scenarios", Scenario, "a list of Scenario objects (from cosim.load_scenario), "
                    "not file names or bundled names")
    replications = expect_int(replications, "replications", minimum=1, maximum=REPLICATION_STRIDE - 1)
    if root_seed is not None:
        root_seed = expect_int(root_seed, "root_seed", minimum=0, maximum=MAX_SEED)
    if workers is not None:
        check_workers(expect_int(workers, "workers", minimum=1))
    if not scenarios:
        raise UsageError("compare needs at least one scenario", argument="scenarios")
    if replications < 1:
        raise ValueError("replications must be at least 1")
    names = unique_names([s.name for s in scenarios])
    sources = sources or names
    root = scenarios[0].run.seed if root_seed is None else int(root_seed)
    workers = (os.cpu_count() or 1) if workers is None else max(1, int(workers))
    seeds = [run_seed_of(root, 0, k, common_random_numbers=True) for k in range(replications)]
    tasks, keys = [], []
    for i, s in enumerate(scenarios):
        base = s.model_dump(mode="json")
        for k, seed in enumerate(seeds):
            tasks.append(RunTask(run_id=run_id_of(i, k), seed=seed, params={}, base=base,
                                 source=sources[i], keep_timeseries=True))
            keys.append((names[i], k, seed))
    start = time.perf_counter()
    if store is None:
        frames: dict[int, pd.DataFrame] = {}
        failures: list[dict[str, Any]] = []
        for j, res in map_runs(evaluate_run, tasks, workers=workers, progress=progress, desc="compare"):
            name, k, seed = keys[j]
            if res.ok:
                frames[j] = res.value["timeseries"]
            else:
                failures.append({"scenario": name, "replication": k, "seed": seed, "error": res.error.strip()})
        result = _result(names, scenarios, root, replications, seeds, frames, failures, keys, start, workers)
        if write is not None:
            write(result)
        return result
    run_store, made = _claim(Path(store), identity(names, scenarios, root))
    new: list[int] = []
    try:
        frames, failures, reused = _run_into_store(run_store, tasks, keys, workers, progress, new)
        result = _result(names, scenarios, root, replications, seeds, frames, failures, keys, start, workers)
        result.reused = reused
        if write is not None:
            # still locked: no other process takes the store until the results have replaced it
            run_store.checkpoint()
            write(result)
        return result
    except BaseException:
        if made and not new:  # nothing of value stored: leave nothing behind
            _unclaim(run_store, made)
        raise
    finally:
        run_store.close()


def _result(names: list[str], scenarios: list[Scenario], root: int, replications: int, seeds: list[int],
            frames: dict[int, pd.DataFrame], failures: list[dict[str, Any]], keys: list[tuple[str, int, int]],
            start: float, workers: int) -> CompareResult:
    wall = time.perf_counter() - start
    failures.sort(key=lambda f: (names.index(f["scenario"]), f["replication"]))
    if not frames:
        raise RuntimeError("every run failed; first error:\n" + failures[0]["error"])
    runs = _runs_table(frames, keys)
    per_run = run_outcomes(runs, scenarios, names)
    return CompareResult(
        names=names, scenarios=list(scenarios), root_seed=root, replications=replications, seeds=seeds,
        runs=runs, outcomes=per_run, summary=summarise(per_run, names),
        budget=budget_table(scenarios, names), cost_effectiveness=cost_effectiveness(per_run, names),
        failures=failures, wall_time_s=wall, workers=workers)


# --------------------------------------------------------------------------- the run store


def identity(names: list[str], scenarios: list[Scenario], root_seed: int) -> dict[str, Any]:
    """What makes two comparisons' runs the same: the scenarios (resolved, in order) and the root seed.

    Replications are left out, as in experiments: replication k's seed is
    ``run_seed(root_seed, k)`` whatever their number, so more replications
    extend a comparison and fewer use the first ones.  Descriptions are left out
    (they change no run).
    """
    return {"kind": "compare", "root_seed": int(root_seed),
            "scenarios": [{**{k: v for k, v in s.model_dump(mode="json").items() if k != "description"}, "name": n}
                          for n, s in zip(names, scenarios, strict=True)]}


def _hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def _differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Where two comparison identities differ, in a few words (``root seed``, ``open_data: run.steps``)."""
    if old.get("kind") != "compare":
        return ["not a comparison"]
    out = ["root seed"] if old.get("root_seed") != new.get("root_seed") else []
    before, after = old.get("scenarios", []), new.get("scenarios", [])
    if [s.get("name") for s in before] != [s.get("name") for s in after]:
        return [*out, "scenarios ({} before, {} now)".format(", ".join(str(s.get("name")) for s in before),
                                                              ", ".join(str(s.get("name")) for s in after))]
    for a, b in zip(before, after, strict=True):
        flat_a, flat_b = _flatten(a), _flatten(b)
        keys = sorted(k for k in flat_a.keys() | flat_b.keys() if flat_a.get(k) != flat_b.get(k))
        out += [f"{b['name']}: {k}" for k in keys[:5]] + ([f"{b['name']}: {len(keys) - 5} more"] if len(keys) > 5 else [])
    return out or ["identity"]


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            flat.update(_flatten(v, f"{prefix}{k}."))
        else:
            flat[f"{prefix}{k}"] = json.dumps(v, sort_keys=True, default=str)
    return flat


def _run_into_store(store: RunStore, tasks: list[Any], keys: list[tuple[str, int, int]], workers: int,
                    progress: bool, new: list[int]) -> tuple[dict[int, pd.DataFrame], list[dict[str, Any]], int]:
    """Run the tasks not yet stored, committing each as it finishes (its run id appended to ``new``).

    Returns every task's time series (this session's as computed, earlier ones
    read back), the failures, and how many runs an earlier session had stored.
    """
    from cosim.runs.backends import map_runs
    from cosim.runs.evaluators import evaluate_run

    statuses = store.statuses()
    todo = [j for j, t in enumerate(tasks) if statuses.get(t.run_id) != "ok"]
    wanted = {t.run_id for t in tasks}
    if progress and len(todo) < len(tasks):
        extra = sum(1 for r in statuses if r not in wanted)
        print(f"{store.folder}: resuming: {len(tasks) - len(todo)} of {len(tasks)} runs already done, "
              f"{len(todo)} to run" + (f" ({extra} stored runs of other replications are not used)"
                                       if extra else ""), file=sys.stderr)
    fresh: dict[int, pd.DataFrame] = {}  # this session's runs, kept as computed (a Parquet round trip is exact)
    for jj, res in map_runs(evaluate_run, [tasks[j] for j in todo], workers=workers, progress=progress,
                            desc="compare"):
        j = todo[jj]
        task, (_, k, seed) = tasks[j], keys[j]
        store.record(task.run_id, task.run_id // REPLICATION_STRIDE, k, seed, res.ok,
                     "" if res.ok else res.error.strip(), res.value["outcomes"] if res.ok else None,
                     res.seconds, timeseries=res.value["timeseries"] if res.ok else None)
        if res.ok:
            fresh[j] = res.value["timeseries"]
        new.append(task.run_id)
    frames: dict[int, pd.DataFrame] = {}
    failures: list[dict[str, Any]] = []
    stored = store.runs(t.run_id for t in tasks).set_index("run_id")
    for j, task in enumerate(tasks):
        name, k, seed = keys[j]
        if stored.at[task.run_id, "status"] == "ok":
            frames[j] = fresh[j] if j in fresh else store.timeseries(task.run_id)
        else:
            failures.append({"scenario": name, "replication": k, "seed": seed,
                             "error": str(stored.at[task.run_id, "error"])})
    return frames, failures, len(tasks) - len(todo)


def _claim(folder: Path, ident: dict[str, Any]) -> tuple[RunStore, str]:
    """Open (or create) the run store in ``folder``, locked for this process; check it is this comparison's.

    Returns the store and what this call made: ``"folder"``, ``"store"`` (in an
    existing folder, e.g. earlier results) or ``""``.
    """
    check_output_location(folder, "compare")
    store = RunStore(folder)
    made = "" if store.exists() else "store" if folder.exists() else "folder"
    if made:
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "manifest.json").exists():  # marks the folder as a comparison's (kept: earlier results)
            write_json(folder / "manifest.json", manifest(kind="compare", status="running", store=STORE_FILE,
                                                          names=[s["name"] for s in ident["scenarios"]]))
    try:
        store.open()
    except StoreBusy:
        raise UsageError(f"{folder}: another cosim compare is writing to this folder; wait for it to finish "
                         "or choose another output folder", argument="out") from None
    meta = store.meta()
    if not meta:
        store.set_meta({"identity": ident, "identity_sha256": _hash(ident), "command": _command()})
    elif meta.get("identity_sha256") != _hash(ident):
        n = len(store.statuses())
        store.close()
        differs = "; ".join(_differences(meta.get("identity", {}), ident))
        raise UsageError(
            f"{folder}: holds {n} finished run(s) of an unfinished comparison that differs from this one "
            f"(in: {differs}); started by: {meta.get('command', '?')}. They are kept and not mixed with this "
            f"one: run that comparison again to finish it, choose another output folder, or delete "
            f"{folder / STORE_FILE} to drop those runs", argument="out")
    remove_stale_temporaries(folder)  # ours now: nothing else writes here
    return store, made


def _unclaim(store: RunStore, made: str) -> None:
    """Remove the empty store (and the folder) this process made."""
    store.close()
    for name in (STORE_FILE, f"{STORE_FILE}-wal", f"{STORE_FILE}-journal"):
        (store.folder / name).unlink(missing_ok=True)
    if made == "folder":
        (store.folder / "manifest.json").unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            store.folder.rmdir()


def _command() -> str:
    return " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])


def unique_names(names: list[str]) -> list[str]:
    """Scenario names made unique (``x``, ``x-2``, ...) in order."""
    out: list[str] = []
    for n in names:
        name, i = n, 2
        while name in out:
            name, i = f"{n}-{i}", i + 1
        out.append(name)
    return out


def _runs_table(frames: dict[int, pd.DataFrame], keys: list[tuple[str, int, int]]) -> pd.DataFrame:
    parts = []
    for j in sorted(frames):  # task order: scenario, then replication (independent of finishing order)
        df = frames[j]
        name, k, _ = keys[j]
        df = df.copy()
        df.insert(0, "replication", k)
        df.insert(0, "scenario", name)
        parts.append(df)
    runs = pd.concat(parts, ignore_index=True)
    cols = ["scenario", "replication", "seed", *[c for c in runs.columns if c not in ("scenario", "replication", "seed")]]
    return runs[cols]


def run_outcomes(runs: pd.DataFrame, scenarios: list[Scenario], names: list[str]) -> pd.DataFrame:
    """One row per run: the scalar outcomes of cosim.OUTCOMES plus group and cost outcomes."""
    # real residents at the end of the run (a scheduled population: its last week's value)
    residents = {n: schedules.values_at(s, s.run.steps - 1).get("municipality.population", s.municipality.population)
                 * s.region.n_municipalities for n, s in zip(names, scenarios, strict=True)}
    rows = []
    for (name, k), ts in runs.groupby(["scenario", "replication"], sort=False):
        o = outcomes(ts)
        region = ts[(ts["municipality"] == "region") & (ts["step"] > 0)]
        last = region[region["step"] > region["step"].max() - WEEKS_PER_YEAR]
        for out_name, (metric, how) in GROUP_OUTCOMES.items():
            o[out_name] = float(region[metric].iloc[-1]) if how == "final" else float(last[metric].mean())
        o["share_online_gap"] = o["share_online_high"] - o["share_online_low"]
        # value of co-produced work: outcome per resolved request over the last year
        resolved = last["resolved"].to_numpy()
        o["mean_outcome"] = float((last["mean_outcome"] * resolved).sum() / resolved.sum()) if resolved.sum() else float("nan")
        o["participants"] = o["share_participated_year"] * residents[name]
        years = region["step"].max() / WEEKS_PER_YEAR
        o["spend_per_year"] = o["spend"] / years
        rows.append({"scenario": name, "replication": int(k), "seed": int(ts["seed"].iloc[0]), **o})
    return pd.DataFrame(rows)


def t_interval(x: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% Student t interval; NaN interval for fewer than two values."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(x.mean())
    if x.size < 2:
        return mean, float("nan"), float("nan")
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, x.size - 1) * sd / np.sqrt(x.size))
    return mean, mean - half, mean + half


def summarise(per_run: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """One row per scenario and outcome: mean with its interval, paired difference from the first."""
    outcome_cols = [c for c in per_run.columns if c not in ("scenario", "replication", "seed")]
    ref = per_run[per_run["scenario"] == names[0]].set_index("replication")
    rows = []
    for name in names:
        d = per_run[per_run["scenario"] == name].set_index("replication")
        for col in outcome_cols:
            mean, lo, hi = t_interval(d[col].to_numpy())
            common = d.index.intersection(ref.index)  # matched seeds only
            diff, dlo, dhi = t_interval((d.loc[common, col] - ref.loc[common, col]).to_numpy())
            rows.append({"scenario": name, "outcome": col, "mean": mean, "ci_low": lo, "ci_high": hi,
                         "diff": diff, "diff_ci_low": dlo, "diff_ci_high": dhi})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def budget_table(scenarios: list[Scenario], names: list[str]) -> pd.DataFrame:
    """Spend per municipality per year and lever after budget scaling, with the budget."""
    rows = []
    for name, s in zip(names, scenarios, strict=True):
        plan = BudgetPlan(s)
        for y in range(plan.n_years):
            spend = dict.fromkeys(LEVERS, 0.0)
            for w in plan.weeks_of_year(y):
                for lever, rand in plan.spend(w).items():
                    spend[lever] += rand
            weeks = len(plan.weeks_of_year(y))
            for lever in LEVERS:
                rows.append({"scenario": name, "year": y + 1, "weeks": weeks, "lever": lever, "spend": spend[lever],
                             "planned": plan.planned[y][lever], "budget": s.municipality.annual_budget_rand,
                             "scale": plan.scale[y], "municipalities": s.region.n_municipalities})
    return pd.DataFrame(rows)


def cost_effectiveness(per_run: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Participants gained per R1 m a year of extra spend, against the first scenario.

    Per replication: (residents who took part in the last 12 months, minus the
    reference's in the same-seed run) / (extra lever spend per year in R m).
    Undefined (NaN) when a scenario spends no more than the reference.
    """
    ref = per_run[per_run["scenario"] == names[0]].set_index("replication")
    rows = []
    for name in names[1:]:
        d = per_run[per_run["scenario"] == name].set_index("replication")
        common = d.index.intersection(ref.index)
        gained = (d.loc[common, "participants"] - ref.loc[common, "participants"]).to_numpy()
        extra = (d.loc[common, "spend_per_year"] - ref.loc[common, "spend_per_year"]).to_numpy() / 1e6
        g, glo, ghi = t_interval(gained)
        e = float(np.mean(extra)) if extra.size else float("nan")
        if extra.size and np.all(extra > 1e-9):
            r, rlo, rhi = t_interval(gained / extra)
        else:
            r = rlo = rhi = float("nan")
        rows.append({"scenario": name, "extra_spend_rand_m_per_year": e, "participants_gained": g,
                     "participants_gained_ci_low": glo, "participants_gained_ci_high": ghi,
                     "per_million_rand_a_year": r, "per_million_ci_low": rlo, "per_million_ci_high": rhi})
    return pd.DataFrame(rows)


def load_result(folder: str | Path) -> CompareResult:
    """A comparison written by ``cosim compare``, read back from its folder (no run is repeated)."""
    from cosim.scenario.loading import scenario_from_dict

    folder = Path(folder)
    meta = json.loads((folder / "manifest.json").read_text())
    names = list(meta["names"])
    scenarios = [scenario_from_dict(meta["scenarios"][n], n) for n in names]
    runs = pd.read_parquet(folder / "runs.parquet")
    per_run = run_outcomes(runs, scenarios, names)
    return CompareResult(
        names=names, scenarios=scenarios, root_seed=int(meta["root_seed"]), replications=int(meta["replications"]),
        seeds=[int(s) for s in meta["seeds"]], runs=runs, outcomes=per_run, summary=summarise(per_run, names),
        budget=budget_table(scenarios, names), cost_effectiveness=cost_effectiveness(per_run, names),
        failures=list(meta.get("failures", [])), wall_time_s=float(meta.get("wall_time_s", 0.0)),
        workers=int(meta.get("workers", 1)))


__all__ = ["DERIVED", "HEADLINE", "CompareResult", "compare", "cost_effectiveness", "load_result", "outcome_info",
           "outcome_label", "summarise"]
