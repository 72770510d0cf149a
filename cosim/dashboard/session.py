"""The dashboard's engine: one scenario run twice, side by side, with no UI code.

A :class:`SideBySide` holds two :class:`~cosim.model.model.CoProductionModel` runs
of the same world with the same seed (common random numbers): the **policy**
run (the scenario file plus the levers set on the page) and the **baseline**
run (the same file with every policy lever at its schema default, i.e. off).
Their difference is the policy, not the noise.  The page only asks this object
for frames (copies of the recorded metrics and of the map arrays) and tells it
to step, so model logic stays out of the UI (the Mesa examples' model/app split).

Over 400 lines: everything the page asks of the runs (frames, the map sample,
lever changes, input problems as messages) in one place the UI can call.
"""

from __future__ import annotations

import copy
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import EllipsisType
from typing import Any

import numpy as np

from cosim.errors import ScenarioError
from cosim.model.model import CoProductionModel
from cosim.outputs import catalogue
from cosim.scenario import library
from cosim.scenario.loading import read_toml, scenario_from_dict
from cosim.scenario.schema import LEVERS, Scenario

SCENARIO_DIR = library.folder("scenarios")  # the checkout's scenarios/, or the installed copy
ROOT = SCENARIO_DIR.parent
NOTES_FILE = Path(__file__).with_name("notes.toml")

# 5,000 citizens: two runs step at about 80 weeks per second together on one
# core of the development machine, so the page stays responsive while running.
DEFAULT_CITIZENS = 5_000
# Citizens drawn on the map per run (a fixed random sample, the same in both runs).
MAP_SAMPLE = 1_500

# A lecturer's cap on citizens per run (``cosim dashboard --max-citizens``): a page may not
# ask for more, so one student cannot slow the server down for the class.
DEFAULT_MAX_CITIZENS = 20_000

# Headline readout, in this order.  Labels, units and the better direction come from the
# outcome catalogue (cosim.outputs.catalogue); the dashboard only picks the rows.
HEADLINES: tuple[str, ...] = (
    "share_participated_year",
    "share_participated_year_low",
    "share_adopted",
    "share_online",
    "share_hotspot_users",
    "participation_gap",
    "share_commented_window",
    "mean_trust",
    "mean_trust_low",
    "share_trusting",
    "backlog_per_1000",
    "service_quality",
    "sgi",
    "spend_cumulative",
)

# How the page shows a catalogue kind: (scale, unit of a value, unit of a difference).
# Shares in %, weekly shares per 1,000 residents a week, 0-1 indices as points of 100.
DISPLAY: dict[str, tuple[float, str, str]] = {
    "share": (100.0, "%", "pp"),
    "weekly": (1000.0, "per 1,000 a week", "per 1,000 a week"),
    "index": (100.0, "0-100", "points of 100"),
    "per1000": (1.0, "per 1,000", "per 1,000"),
    "weeks": (1.0, "weeks", "weeks"),
    "count": (1.0, "", ""),
    "number": (1.0, "", ""),
    "residents": (1.0, "residents", "residents"),
    "rand": (1e-6, "R m", "R m"),
}


@dataclass(frozen=True)
class Shown:
    """A catalogue outcome as the page shows it: label, scale, units and better direction."""

    name: str
    label: str
    scale: float
    unit: str
    gap_unit: str
    better: int


def shown(name: str, scenario: Any = None) -> Shown:
    """How the page shows outcome ``name`` (labels from :func:`cosim.outputs.catalogue.label`).

    0-1 indices are shown as points of 100, so their "(0-1)" becomes "(0-100)".
    """
    o = catalogue.outcome(name)
    scale, unit, gap_unit = DISPLAY[o.kind]
    text = catalogue.label(name, scenario)
    if o.kind == "index":
        text = text.replace("(0-1)", "(0-100)")
    return Shown(name, text, scale, unit, gap_unit, o.better)


def scenario_files(folder: Path = SCENARIO_DIR) -> list[Path]:
    """The scenario files a lecturer can pick (``scenarios/*.toml``), sorted by name."""
    return sorted(folder.glob("*.toml"))


def teaching_notes(name: str, path: Path = NOTES_FILE) -> dict[str, Any]:
    """The "what to watch" notes of a scenario: ``{"title", "watch": [..], "try": [..]}``.

    Notes live in ``notes.toml`` keyed by scenario name; scenarios without their
    own entry get the ``default`` entry.
    """
    with path.open("rb") as fh:
        notes = tomllib.load(fh)
    return notes.get(name, notes["default"])


def _readable(problems: list[str], source: str) -> list[str]:
    return [p.replace(f"{source} (with --set)", f"{source} (with the dashboard settings)") for p in problems]


@dataclass(frozen=True)
class Pair:
    """The two validated scenarios of one comparison."""

    policy: Scenario
    baseline: Scenario

    @property
    def same(self) -> bool:
        """True when the policy sets no lever away from the baseline."""
        return all(getattr(self.policy, lv) == getattr(self.baseline, lv) for lv in LEVERS)


def build_pair(
    raw: Mapping[str, Any],
    source: str,
    overrides: Mapping[str, Any] | None = None,
    extra_events: tuple[Mapping[str, Any], ...] = (),
) -> Pair:
    """Validate the policy and baseline scenarios of one comparison.

    ``raw`` is the scenario file as read (``read_toml``); ``overrides`` maps
    dotted paths to values; paths in a lever section change the policy only,
    all others (run size, budget, world parameters) change both.
    ``extra_events`` are added to the file's events in both runs.  Raises
    :class:`ScenarioError` naming the file, the key path and what was expected.
    """
    overrides = dict(overrides or {})
    data = copy.deepcopy(dict(raw))
    if extra_events:
        data["events"] = [*data.get("events", []), *map(dict, extra_events)]
    world = {k: v for k, v in overrides.items() if k.split(".", 1)[0] not in LEVERS}
    try:
        policy = scenario_from_dict(data, source, overrides)
        base = {k: v for k, v in data.items() if k not in LEVERS}
        if isinstance(base.get("schedules"), dict):  # a lever's schedule is policy too: not in the baseline
            base["schedules"] = {path: sch for path, sch in base["schedules"].items()
                                 if path.split(".", 1)[0] not in LEVERS}
        base["name"] = f"{data.get('name', 'scenario')} (baseline)"
        baseline = scenario_from_dict(base, source, world)
    except ScenarioError as exc:
        raise ScenarioError(_readable(exc.problems, source)) from None
    return Pair(policy, baseline)


@dataclass
class MapFrame:
    """What the city map draws for one run at one week (copies, safe to read later).

    Positions in km; ``ward_*`` per ward; ``node_*`` per ICT node (kind 0 hotspot,
    1 access centre, 2 service centre); ``cit_*`` for the sampled citizens.
    """

    ward_x0: np.ndarray
    ward_y0: np.ndarray
    ward_km: float
    ward_access: np.ndarray
    ward_trust: np.ndarray
    ward_quality: np.ndarray
    node_x: np.ndarray
    node_y: np.ndarray
    node_kind: np.ndarray
    node_up: np.ndarray
    hot_radius_km: float
    cit_x: np.ndarray
    cit_y: np.ndarray
    cit_channel: np.ndarray
    cit_trust: np.ndarray
    cit_adopted: np.ndarray


@dataclass
class Frame:
    """A consistent snapshot of both runs: recorded region metrics and the maps."""

    week: int
    horizon: int
    policy: dict[str, np.ndarray]
    baseline: dict[str, np.ndarray]
    policy_map: MapFrame | None = None
    baseline_map: MapFrame | None = None
    breaches: list[int] = field(default_factory=list)
    baseline_breaches: list[int] = field(default_factory=list)
    scheduled_breaches: list[int] = field(default_factory=list)

    def readout(self, scenario: Any = None) -> list[dict[str, Any]]:
        """Headline values now: one dict per metric with baseline, policy and gap (scaled).

        ``scenario`` (the policy scenario) fills thresholds into labels, e.g. "trust above 0.5".
        """
        rows = []
        for metric in HEADLINES:
            s = shown(metric, scenario)
            b = float(self.baseline[metric][-1]) * s.scale
            p = float(self.policy[metric][-1]) * s.scale
            rows.append(
                {
                    "metric": metric,
                    "label": s.label,
                    "unit": s.unit,
                    "gap_unit": s.gap_unit,
                    "better": s.better,
                    "baseline": b,
                    "policy": p,
                    "gap": p - b,
                }
            )
        return rows


class SideBySide:
    """Two runs of one scenario, the baseline and the policy, stepped in lock step.

    Args:
        pair: the validated scenarios (from :func:`build_pair`).
        seed: the seed of both runs (common random numbers).
        sample_seed: seed of the map's citizen sample (not a model seed).

    Stepping and snapshotting hold a lock, so a page may step in a worker
    thread while it draws from the last frame.
    """

    def __init__(self, pair: Pair, seed: int, sample_seed: int = 0):
        self.pair = pair
        self.seed = int(seed)
        self._lock = threading.Lock()
        self._sample_rng = np.random.default_rng(sample_seed)
        self.baseline = CoProductionModel(pair.baseline, rng=self.seed)
        self.policy = CoProductionModel(pair.policy, rng=self.seed)
        n = self.policy.n
        k = min(MAP_SAMPLE, n)
        self.sample = np.sort(self._sample_rng.choice(n, size=k, replace=False))

    @property
    def week(self) -> int:
        return self.policy.week

    @property
    def horizon(self) -> int:
        return self.pair.policy.run.steps

    @property
    def done(self) -> bool:
        return self.week >= self.horizon

    def step(self, n: int = 1) -> int:
        """Advance both runs by up to ``n`` weeks (not past the horizon); return weeks done."""
        done = 0
        with self._lock:
            for _ in range(max(0, min(n, self.horizon - self.week))):
                self.baseline.step()
                self.policy.step()
                done += 1
        return done

    def replace_policy(self, pair: Pair) -> None:
        """Swap in a new policy (same world) and re-run it to the current week.

        The baseline run is kept: it does not depend on the levers.
        """
        model = CoProductionModel(pair.policy, rng=self.seed)
        target = min(self.week, pair.policy.run.steps)
        for _ in range(target):
            model.step()
        with self._lock:
            self.pair = pair
            self.policy = model

    def frame(self, with_map: bool = True) -> Frame:
        """A snapshot of both runs for drawing."""
        with self._lock:
            pol = _region_history(self.policy)
            base = _region_history(self.baseline)
            pm = self._map(self.policy) if with_map else None
            bm = self._map(self.baseline) if with_map else None
            week = self.week
        scheduled = [e.step for e in self.pair.policy.events if e.kind == "breach" and e.step < self.week]
        return Frame(week, self.horizon, pol, base, pm, bm, _breach_weeks(pol), _breach_weeks(base), scheduled)

    def _map(self, m: CoProductionModel) -> MapFrame:
        counts = np.maximum(np.bincount(m.ward, minlength=m.n_wards), 1)
        s = self.sample
        return MapFrame(
            ward_x0=m.wards.x0.astype(float),
            ward_y0=m.wards.y0.astype(float),
            ward_km=float(m.config.municipality.ward_km),
            ward_access=np.bincount(m.ward, weights=m.online.astype(float), minlength=m.n_wards) / counts,
            ward_trust=np.bincount(m.ward, weights=m.trust, minlength=m.n_wards) / counts,
            ward_quality=m.wards.quality.copy(),
            node_x=m.nodes.x.copy(),
            node_y=m.nodes.y.copy(),
            node_kind=m.nodes.kind.copy(),
            node_up=m.nodes.up.copy(),
            hot_radius_km=float(m.nodes.hotspot_radius_km),
            cit_x=m.x[s].copy(),
            cit_y=m.y[s].copy(),
            cit_channel=m.channel[s].copy(),
            cit_trust=m.trust[s].copy(),
            cit_adopted=m.adopted[s].copy(),
        )


def prepare(path: Path, n_citizens: int, seed: int | None = None) -> tuple[dict[str, Any], dict[str, Any], Pair]:
    """Read and validate a scenario file at the dashboard's size, building no model.

    Returns the file as read, the page's starting settings and the validated pair.
    The file may ask for fewer citizens than ``n_citizens`` (e.g. a docking test),
    never more.  Raises :class:`ScenarioError` naming the file and the key.
    """
    raw = read_toml(path)
    raw.setdefault("name", path.stem)
    source = _source_of(path)
    run = raw.get("run", {})
    if not isinstance(run, Mapping):
        raise ScenarioError([f"{source}: run: expected a table ([run] with run size, steps and seed), got {run!r}"])
    file_n = run.get("n_citizens")
    if file_n is not None and (isinstance(file_n, bool) or not isinstance(file_n, int) or file_n < 1):
        raise ScenarioError([f"{source}: run.n_citizens: expected a whole number of citizens >= 1, got {file_n!r}"])
    settings: dict[str, Any] = {"run.n_citizens": n_citizens if file_n is None else min(n_citizens, file_n)}
    if seed is not None:
        settings["run.seed"] = int(seed)
    return raw, settings, build_pair(raw, source, settings)


def random_breach_hazard(scenario: Scenario) -> float:
    """Weekly chance of a random breach in a run of ``scenario`` with its security lever on.

    The model's shock stage (cosim.model.model ``_shocks``) draws a breach with chance
    ``breach_hazard * (1 - posture) / (1 - base_posture)``, and the lever raises the posture to
    ``1 - (1 - base_posture) * exp(-investment / investment_scale)`` (``_update_posture``), so
    the chance is ``breach_hazard * exp(-investment / investment_scale)``.
    """
    ic = scenario.infosec
    return float(ic.breach_hazard * np.exp(-scenario.security.investment_rand / ic.investment_scale))


def _source_of(path: Path) -> str:
    """A scenario file as messages name it: relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _breach_weeks(history: dict[str, np.ndarray]) -> list[int]:
    """Weeks with a breach, numbered as the scenario's ``event.step``.

    Record k is the state after k weeks, so a breach first recorded at k
    happened in week k - 1.
    """
    return [int(k) - 1 for k in np.flatnonzero(np.diff(np.r_[0.0, history["breaches"]]) > 0)]


def _region_history(m: CoProductionModel) -> dict[str, np.ndarray]:
    """The region's recorded metrics, one value per recorded week (Mesa's model_vars)."""
    return {k: np.asarray(v, dtype=float) for k, v in m.datacollector.model_vars.items()}


class Dashboard:
    """The state behind one browser page: the chosen file, the settings and the runs.

    ``settings`` maps dotted paths to values set on the page; ``event`` is an
    extra shock (a dict of Event fields) or None; ``problems`` holds the last
    validation messages (the runs keep the last valid settings meanwhile).
    ``max_citizens`` is the lecturer's cap on citizens per run (``--max-citizens``).
    """

    def __init__(
        self,
        scenario_file: str | Path,
        n_citizens: int = DEFAULT_CITIZENS,
        seed: int | None = None,
        max_citizens: int = DEFAULT_MAX_CITIZENS,
    ):
        self.settings: dict[str, Any] = {}
        self.event: dict[str, Any] | None = None
        self.problems: list[str] = []
        self.max_citizens = max_citizens
        self.n_citizens = min(n_citizens, max_citizens)
        self.load(scenario_file, seed)

    # ------------------------------------------------------------ scenario file

    def load(self, scenario_file: str | Path, seed: int | None = None) -> None:
        """Pick a scenario file: clears the page's settings and restarts both runs.

        Raises :class:`ScenarioError` (file, key, what was expected) for a file that is
        not a valid scenario; the runs and settings then stay as they were.
        """
        path = Path(scenario_file)
        raw, settings, pair = prepare(path, self.n_citizens, seed)
        sim = SideBySide(pair, pair.policy.run.seed)
        self.file, self.raw, self.settings, self.event, self.sim = path, raw, settings, None, sim
        self.problems = []

    @property
    def random_breaches(self) -> bool:
        """Are the scenario's random breaches on (``infosec.breach_hazard`` as in the file)?"""
        return self.settings.get("infosec.breach_hazard") != 0.0

    def set_random_breaches(self, on: bool) -> bool:
        """Switch random breaches off (hazard 0 in both runs) for teaching, or back to the file's hazard.

        Scheduled events (the file's ``[[events]]`` and the page's shock) are kept.
        """
        settings = {k: v for k, v in self.settings.items() if k != "infosec.breach_hazard"}
        if not on:
            settings["infosec.breach_hazard"] = 0.0
        return self._rebuild(settings, self.event)

    def breach_hazard(self) -> tuple[float, float]:
        """Weekly random-breach chance of the (baseline, policy) run: see :func:`random_breach_hazard`."""
        return random_breach_hazard(self.sim.pair.baseline), random_breach_hazard(self.sim.pair.policy)

    def _source(self) -> str:
        return _source_of(self.file)

    @property
    def name(self) -> str:
        return str(self.raw["name"])

    @property
    def description(self) -> str:
        return str(self.raw.get("description", ""))

    def value(self, path: str) -> Any:
        """The value of a dotted path in the policy scenario now in force."""
        if path.startswith("event."):
            key = path.split(".", 1)[1]
            if self.event and key in self.event:
                return self.event[key]
            from cosim.scenario.schema import Event

            return getattr(Event(), key)
        node: Any = self.sim.pair.policy
        for key in path.split("."):
            node = getattr(node, key)
        return node

    # ------------------------------------------------------------ changes

    def apply(self, changes: Mapping[str, Any], event: dict[str, Any] | EllipsisType | None = ...) -> bool:
        """Apply page settings; True if the runs changed, False (and ``problems``) if refused.

        Lever-only changes re-run the policy to the current week and keep the
        baseline; changes to the world, the size, the seed or the shock restart both.
        ``event`` is the extra shock (a dict of Event fields), None for no shock,
        or left out to keep the shock as it is.
        """
        settings = {**self.settings, **changes}
        new_event = self.event if isinstance(event, EllipsisType) else event
        n = settings.get("run.n_citizens")
        if isinstance(n, int | float) and n > self.max_citizens:
            self.problems = [
                f"run.n_citizens: at most {self.max_citizens:,} citizens per run on this dashboard, got {n:,.0f} "
                "(the lecturer's limit, cosim dashboard --max-citizens)"
            ]
            return False
        return self._rebuild(settings, new_event)

    def _rebuild(self, settings: dict[str, Any], new_event: dict[str, Any] | None) -> bool:
        events = (new_event,) if new_event else ()
        try:
            pair = build_pair(self.raw, self._source(), settings, events)
        except ScenarioError as exc:
            self.problems = exc.problems
            return False
        self.problems = []
        world_changed = (pair.baseline != self.sim.pair.baseline) or (new_event != self.event)
        self.settings, self.event = settings, new_event
        if world_changed:
            # the world (or the seed: run.seed is the seed of both runs) changed
            week = self.sim.week
            self.sim = SideBySide(pair, pair.policy.run.seed)
            self.sim.step(week)
        else:
            self.sim.replace_policy(pair)
        return True

    @property
    def seed(self) -> int:
        return self.sim.seed

    def reset(self) -> None:
        """Back to week 0 with the same settings and seed."""
        self.sim = SideBySide(self.sim.pair, self.seed)


__all__ = [
    "DEFAULT_CITIZENS",
    "DEFAULT_MAX_CITIZENS",
    "HEADLINES",
    "Dashboard",
    "Frame",
    "MapFrame",
    "Pair",
    "Shown",
    "SideBySide",
    "build_pair",
    "prepare",
    "random_breach_hazard",
    "scenario_files",
    "shown",
    "teaching_notes",
]
