"""CoProductionModel: citizens, officials and ICT nodes in one or more municipalities.

The weekly process follows MODEL.md s3 (and docs/ODD.md): policy schedule,
infrastructure, access, literacy, awareness, adoption, participation,
co-production, trust, talent, record.  Citizens are Mesa agents whose state
lives in NumPy arrays owned by the model (:mod:`cosim.model.state`); the world
at week 0 is built by :mod:`cosim.model.build`, each stage of the week is a
function of :mod:`cosim.model.stages`, each rule a pure function of
:mod:`cosim.model.mechanisms`.  Every random number comes from ``model.rng``
(or a stream seeded from it).
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from cosim.errors import ScenarioError, UsageError, expect_int
from cosim.model import build, draws, stages
from cosim.model import mechanisms as mech
from cosim.model.agents import Citizen, ICTNode, Official
from cosim.model.kernels import trust as kt
from cosim.model.mesa_compat import add_array_agents, release_grid_cell_class, replace_array_agents
from cosim.model.network import complete_mean
from cosim.model.state import RequestQueue, Staff, WeekPolicy, new_week_stats
from cosim.outputs.metrics import METRICS, MetricsCollector, metric_tables, week_tally
from cosim.scenario import schedules
from cosim.scenario.budget import WEEKS_PER_YEAR, BudgetPlan
from cosim.scenario.loading import load_scenario, with_overrides
from cosim.scenario.schema import LEVERS, RunConfig, Scenario


def resolve_config(scenario: Scenario | str | Path | None, overrides: dict[str, Any]) -> Scenario:
    """The scenario a model runs: a Scenario, a file or bundled name, or the defaults, plus ``a__b=v`` overrides."""
    if scenario is not None and not isinstance(scenario, Scenario | str | Path):
        raise UsageError(f"expected a Scenario, a scenario file or a bundled scenario's name, got "
                         f"{type(scenario).__name__}", argument="scenario")
    dotted = {key.replace("__", "."): value.item() if isinstance(value, np.generic) else value
              for key, value in overrides.items()}
    if isinstance(scenario, Scenario):
        return with_overrides(scenario, dotted) if dotted else scenario
    if scenario is None and not dotted:
        return Scenario()
    return load_scenario(scenario, dotted)


def _bound(metadata: list[Any], which: str) -> int | None:
    """The ``le``/``ge`` bound pydantic keeps in a field's metadata (the schema's range)."""
    return next((getattr(m, which) for m in metadata if hasattr(m, which)), None)


def _spawned_stream(rng: np.random.Generator) -> np.random.Generator:
    """An independent generator spawned from ``rng``'s seed sequence (``rng``'s own stream is not advanced)."""
    try:
        return rng.spawn(1)[0]
    except TypeError:  # a generator without a seed sequence: seed from its state, still without drawing
        digest = hashlib.sha256(repr(rng.bit_generator.state).encode()).digest()
        return np.random.default_rng(np.random.SeedSequence(int.from_bytes(digest[:16], "little")))


def _citizen_array(name: str) -> property:
    return property(lambda self: getattr(self.citizens, name),
                    doc=f"Shortcut for ``model.citizens.{name}`` (read-only).")


class CoProductionModel(mesa.Model):
    """A region of one or more municipalities working through an IDP cycle.

    Args:
        scenario: a validated :class:`~cosim.scenario.schema.Scenario`, a scenario
            file, or a bundled scenario's name (``"open_data"``); None gives the
            schema's defaults.
        rng: seed or ``numpy.random.Generator`` for every random draw.
        collect: record metrics every step into ``datacollector``.
        **overrides: scenario parameters by dotted path with ``__`` for dots
            (``wifi__hotspots=40``), validated like a scenario file, as
            ``cosim.evaluate`` takes them; so ``mesa.batch_run(CoProductionModel,
            parameters={"scenario": ["baseline", "open_data"], "wifi__hotspots": [0, 40]})``
            works as Mesa's docs show.

    ``running`` turns False at the scenario's horizon (``run.steps``), so
    ``mesa.batch_run`` stops there.

    One step is one week.  ``agents_by_type[Citizen]`` holds the citizens,
    ``agents_by_type[Official]`` the officials and ``agents_by_type[ICTNode]``
    the Wi-Fi hotspots, access centres and service centres.  Their state is in
    ``citizens``, ``officials`` and ``nodes``; ``wards``, ``municipalities``
    and ``queue`` (requests waiting) hold the rest (:mod:`cosim.model.state`).
    ``network`` is the social network's row-normalised adjacency (None when
    complete).  ``week_stats`` (this week's counts per municipality),
    ``totals`` (requests submitted, resolved, dropped so far) and ``cumulative``
    are what the metrics read.
    """

    # shortcuts to the citizens' arrays most often read (model.trust is model.citizens.trust)
    trust = _citizen_array("trust")
    adopted = _citizen_array("adopted")
    online = _citizen_array("online")
    channel = _citizen_array("channel")
    contributions = _citizen_array("contributions")
    literacy = _citizen_array("literacy")
    income = _citizen_array("income")
    lit_group = _citizen_array("lit_group")
    propensity = _citizen_array("propensity")
    ward = _citizen_array("ward")
    x = _citizen_array("x")
    y = _citizen_array("y")

    def __init__(self, scenario: Scenario | str | Path | None = None, rng: Any = None, *, collect: bool = True,
                 **overrides: Any):
        config = resolve_config(scenario, overrides)
        if not isinstance(collect, bool):
            raise UsageError(f"expected True or False, got {collect!r}", argument="collect")
        if not (rng is None or isinstance(rng, np.random.Generator | np.random.SeedSequence | np.random.BitGenerator)):
            seed_field = RunConfig.model_fields["seed"].metadata  # the same bounds as run.seed
            expect_int(rng, "rng", minimum=0, maximum=_bound(seed_field, "le"),
                       what="a seed (an integer) or a numpy.random.Generator")
        super().__init__(rng=rng)
        # Mesa 3.5 reserves ``Model.scenario``; the configuration is ``config``.
        c = self.config = config
        # Separate streams, seeded from model.rng, for draws whose number depends on
        # the policy (hotspot placement, node outages, hiring): scenarios compared
        # with the same seed then share every citizen-level draw (common random numbers).
        # (the request queue's draws too: their number follows the queue's length)
        self.rng_place, self.rng_nodes, self.rng_staff, self.rng_queue = (
            np.random.default_rng(s) for s in self.rng.integers(0, 2**63, size=4))
        # the exogenous trends' stream (stages.trends; docs/ODD.md "Exogenous trends"): spawned from
        # model.rng's seed sequence, which draws nothing from model.rng, so a scenario without trends
        # runs bit for bit as before; the number of its draws follows the gaps to the schedule
        self.rng_trends = _spawned_stream(self.rng)
        self.plan = BudgetPlan(c)
        self.week = 0
        self.n_muni = c.region.n_municipalities
        with build.collector_paused():
            self.wards = build.build_wards(c, self.rng)
            rows, cols = c.municipality.ward_rows, c.municipality.ward_cols
            self.grid = mesa.discrete_space.OrthogonalMooreGrid(
                (cols * self.n_muni + self.n_muni - 1, rows), torus=False, random=self.random)
            release_grid_cell_class(self, self.grid)
            self.citizens = build.build_citizens(c, self.rng, self.wards)
            # hotspot users' data demand from a stream spawned from the placement stream's seed:
            # no generator's state moves, so a world without hotspots draws as before
            seed_seq = self.rng_place.bit_generator.seed_seq
            assert isinstance(seed_seq, np.random.SeedSequence)  # default_rng(int) makes one
            build.hotspot_state(c, self.citizens, np.random.default_rng(seed_seq.spawn(1)[0]))
            add_array_agents(self, Citizen, self.citizens.n)
            self.network = build.build_network(c, self.citizens, self.rng)
            muni_wealth = build.municipality_wealth(c)
            # officials from their own stream: the number of posts leaves the citizens' draws unchanged
            self.officials = build.build_officials(c, self.rng_staff, muni_wealth)
            add_array_agents(self, Official, self.officials.n)
            self.nodes = build.build_centres(c, self.rng, self.wards, self.citizens)
            self.levers = {lv: self.plan.config(lv, 0) for lv in LEVERS}
            self._place_hotspots(self.levers["wifi"])
        self.municipalities = build.start_dynamics(c, self.citizens, self.wards, muni_wealth)
        self.queue = RequestQueue()
        self.totals = dict.fromkeys(("submitted", "resolved", "dropped"), 0)
        self.week_stats: dict[str, Any] = new_week_stats(self.n_muni)
        self.cumulative = {"resolved": np.zeros(self.n_muni), "dropped": np.zeros(self.n_muni)}
        self.legal_strength = 0.0
        build.week_constants(c, self.citizens, self.wards)
        pc = c.participation
        self.e_channel_best, self.e_channel_cost = mech.cheapest_e_channel(
            pc.cost_portal, pc.cost_ussd, pc.cost_social, pc.youth_social_factor)
        self._draws = np.empty((draws.N_DRAWS, self.citizens.n))  # the week's block of uniform draws
        self._nbr_scratch = np.empty((self.citizens.n, 4))  # neighbour_means' columns side by side
        self._nbr_hotspot_zero: np.ndarray | None = None  # citizens.nbr_hotspot when last seen all zero
        # weeks at which the policy in force may change: lever windows, budget years, events
        changes = {0}
        for lever in LEVERS:
            for start, stop, _ in getattr(c, lever).windows():
                changes.update(w for w in (start, stop) if w is not None)
        for e in c.events:
            changes.update((e.step, e.step + e.duration))
        # schedules (cosim/scenario/schedules.py): lever fields through the plan (their weeks of change
        # re-evaluate the policy), other weekly parameters through a copy of the scenario put in force
        # in the weeks their value changes, burn-in included; trended ones through the trends stage.
        # Weeks past run.steps (model.run(more)) keep the last week's values.
        problem = schedules.schedule_problem(c) if c.schedules else None
        if problem:  # a Scenario built in Python, not read by the loader (which checks this)
            raise ScenarioError([f"{c.name}: {problem}"])
        self.base_config = c  # the scenario as given; ``config`` is the one in force this week
        trended, lever_paths, plain = schedules.split_paths(c)
        first, last = -c.run.burn_in_weeks, c.run.steps - 1
        if lever_paths:
            changes.update(schedules.schedule_change_weeks(c, 0, last, lever_paths))
        self._scheduled = {w: schedules.with_values(c, {p: v for p, v in schedules.values_at(c, w).items() if p in plain})
                           for w in schedules.schedule_change_weeks(c, first, last, plain)} if plain else {}
        self._trended = trended
        # the trended parameters' values in every week of the run, burn-in included (stages.trends)
        self._trend_table = {p: v for p, v in schedules.table(c, first, last).items() if p in trended}
        # ... and as one dict per week (what stages.trends reads), built once
        self._trend_rows = [{p: float(x) for p, x in zip(self._trend_table, row, strict=True)}
                            for row in zip(*(v.tolist() for v in self._trend_table.values()), strict=True)]
        self._trend_first = first
        # a scheduled parameter the week's policy reads (outage hazard, access-centre capacity, the
        # security posture's scale, ...) must reach it: the policy is re-evaluated in those weeks too
        changes.update(w for w in self._scheduled if w >= 0)
        self._policy_changes = changes
        self._policy_week: int | None = None
        self.policy_now: WeekPolicy | None = None  # the policy of the week last stepped (None before)
        self.collect = collect
        self.datacollector = MetricsCollector(self.n_muni)
        self.burn_in(c.run.burn_in_weeks)
        if collect:
            self.record()

    @property
    def n(self) -> int:
        """Number of simulated citizens."""
        return self.citizens.n

    @property
    def n_wards(self) -> int:
        """Number of wards in the region."""
        return self.wards.n

    def neighbour_mean(self, x: np.ndarray) -> np.ndarray:
        """Each citizen's neighbours' mean of ``x`` (columns of a 2-D ``x`` separately)."""
        if self.network is None:
            return complete_mean(x, self.citizens.municipality, self.n_muni)
        return self.network @ x

    def neighbour_means(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each citizen's neighbours' mean trust, adoption and awareness (DeGroot averaging).

        With hotspots in place, also their share who used a hotspot this week,
        kept in ``citizens.nbr_hotspot`` for next week's discovery (word of
        mouth): one more column of the same product, not a second one.
        """
        cit = self.citizens
        hotspots = cit.hotspot_users.size > 0
        w = self.network
        if w is None:
            columns = [cit.trust, cit.adopted, cit.awareness]
            if hotspots:
                columns.append(cit.hotspot_used)
            nbr = complete_mean(np.column_stack(columns), cit.municipality, self.n_muni)
            means = np.ascontiguousarray(nbr.T)  # a row per column, as below
        else:
            # W @ column_stack(columns) in one pass over W, the same sums (kernels.trust.neighbour_means);
            # a row of ``means`` per column
            means = np.empty((4 if hotspots else 3, cit.n))
            if self._nbr_scratch.shape[0] != cit.n:
                self._nbr_scratch = np.empty((cit.n, 4))
            kt.neighbour_means(w.indptr, w.indices, w.data, cit.trust, cit.adopted, cit.awareness, cit.hotspot_used,
                               hotspots, self._nbr_scratch, means)
        if hotspots:
            cit.nbr_hotspot = means[3]
        elif cit.nbr_hotspot is not self._nbr_hotspot_zero:  # (no stage writes into nbr_hotspot in place)
            if cit.nbr_hotspot.any():
                cit.nbr_hotspot = np.zeros(cit.n)
            self._nbr_hotspot_zero = cit.nbr_hotspot  # known to be all zero
        return means[0], means[1], means[2]

    def idp_window(self, t: int) -> bool:
        """Is week ``t`` inside the annual IDP consultation window?"""
        return stages.in_idp_window(self.config, t)

    def _place_hotspots(self, wifi) -> None:
        if build.place_hotspots(self.nodes, wifi, self.config, self.wards, self.citizens, self.rng_place):
            replace_array_agents(self, ICTNode, self.nodes.n)

    def policy(self, t: int) -> WeekPolicy:
        """The levers, spend and events in force in week ``t`` and what follows from them.

        They change only at a lever window's start or stop, a budget year's start
        or an event's start or end, so they are recomputed only then (hotspots
        are placed and the security posture set when they do).
        """
        now = self.policy_now
        if (now is not None and self._policy_week == t - 1 and t not in self._policy_changes
                and t % WEEKS_PER_YEAR != 0):
            self._policy_week = t
            return now
        levers = {name: self.plan.config(name, t) for name in LEVERS}
        now = self._put_in_force(levers, sum(self.plan.spend(t).values()), t)
        self._policy_week, self.policy_now = t, now
        return now

    def _put_in_force(self, levers: dict[str, Any], spend: float, t: int) -> WeekPolicy:
        """Place the hotspots and set the security posture for ``levers``; the week's policy."""
        c, cit = self.config, self.citizens
        self._place_hotspots(levers["wifi"])
        stages.update_posture(c, self.municipalities, levers["security"])
        self.legal_strength = levers["security"].legal_strength
        now = stages.week_policy(c, levers, spend, t, self.nodes, self.municipalities)
        # citizens within reach of a hotspot, and their hotspot's node
        cit.hotspot_users = np.flatnonzero(cit.hotspot >= 0)
        cit.hotspot_user_node = cit.hotspot[cit.hotspot_users] + self.nodes.n_centres
        # out of reach of every hotspot, a resident forgets the programme and loses the habit
        # (in reach of another hotspot of the same programme, they keep both)
        out_of_reach = cit.hotspot < 0
        cit.hotspot_known[out_of_reach] = False
        cit.hotspot_habit[out_of_reach] = 0.0
        return now

    def burn_in(self, weeks: int) -> None:
        """Simulate ``weeks`` of history before week 0 with every lever at its default (the status quo).

        MODEL.md s2: the model starts warm.  Weeks -weeks .. -1 run the same
        stages as :meth:`step` with no policy and no scheduled events, so
        scenarios that share a seed share their history (common random
        numbers) and differ from week 0 on; schedules of parameters other
        than lever fields do apply (they are the world, not policy).
        Afterwards the run's counters (contributions, requests, spend,
        attrition) start from zero, while
        what carries over is the state: who took part in the last year,
        trust, adoption, literacy, the queue, the officials, service quality.
        """
        if weeks <= 0:
            return
        status_quo = None
        for t in range(-weeks, 0):
            # the status quo's policy, again in each week a scheduled parameter changes (it may read one)
            if t in self._scheduled or status_quo is None:
                self.config = self._scheduled.get(t, self.config)
                status_quo = self._put_in_force({lv: type(getattr(self.config, lv))() for lv in LEVERS}, 0.0, t)
            self._advance(t, status_quo)
        self.citizens.contributions[:] = 0
        self.citizens.hotspot_ever[:] = False  # "ever used a hotspot" counts from week 0
        self.totals = dict.fromkeys(self.totals, 0)
        self.cumulative = {key: np.zeros(self.n_muni) for key in self.cumulative}
        self.week_stats = new_week_stats(self.n_muni)
        self.municipalities.spend_total[:] = 0.0
        self.municipalities.attrition_count[:] = 0.0
        # week 0's levers in force again (hotspots, posture), as without a burn-in
        self.levers = self.policy(0).levers
        self._policy_week, self.policy_now = None, None

    def trend_values(self, t: int) -> dict[str, float]:
        """The scheduled values of the trended parameters (schedules.TRENDED_PARAMETERS) in week ``t``."""
        return dict(self._trend_row(t)) if self._trend_rows else {}

    def _trend_row(self, t: int) -> dict[str, float]:
        """:meth:`trend_values` as stored (not to be changed)."""
        i = min(t - self._trend_first, self.config.run.steps - 1 - self._trend_first)  # past the horizon: the last
        return self._trend_rows[i]

    def week_draws(self, policy: WeekPolicy, t: int, window: bool | None = None) -> np.ndarray:
        """The week's block of uniform draws: a row per kind of decision (:mod:`cosim.model.draws`), a column per citizen.

        ``window``: whether week ``t`` is in the IDP window, if the caller knows (else :meth:`idp_window`).
        """
        if window is None:
            window = self.idp_window(t)
        skip = draws.idle_rows(self.citizens.hotspot_users.size == 0, not window,
                               policy.levers["training"].seats_per_week <= 0)
        return draws.week_block(self.rng, self._draws, skip)

    def staff(self) -> Staff:
        """The officials in post in each municipality now."""
        return stages.staff(self.config, self.officials, self.municipalities)

    # ------------------------------------------------------------------ the week

    def step(self) -> None:
        """Advance one week (MODEL.md s3, steps 1-11)."""
        # 1. policy schedule: levers in force this week (budget-scaled) and spend
        if self.week in self._scheduled:  # scheduled parameters in force before the policy reads them
            self.config = self._scheduled[self.week]
        self._advance(self.week, self.policy(self.week))
        # 11. record
        self.week += 1
        if self.collect:
            self.record()
        if self.week >= self.config.run.steps:
            self.running = False  # the horizon: mesa.batch_run and other Mesa runners stop here

    def _advance(self, t: int, pol: WeekPolicy) -> None:
        """Steps 1-10 of week ``t`` under the policy ``pol`` (MODEL.md s3)."""
        if t in self._scheduled:  # a scheduled parameter changes this week (cosim/scenario/schedules.py)
            self.config = self._scheduled[t]
        c = self.config
        if self._trended:  # 0. exogenous trends of the built population (docs/ODD.md Submodel 0)
            values = self._trend_row(t)
            stages.trends(c, self.citizens, self.wards, self.municipalities, values, self.rng_trends)
            if "municipality.population" in values:  # node places per simulated citizen follow the population
                pol = dataclasses.replace(pol, node_capacity=stages.node_capacity(c, self.nodes, self.municipalities,
                                                                                  pol.levers["wifi"]))
        cit, munis, stats = self.citizens, self.municipalities, self.week_stats
        lv = self.levers = pol.levers
        stages.spend(munis, stats, pol)
        # 2. infrastructure: nodes up or down
        stages.infrastructure(self.nodes, pol, self.rng_nodes)
        # 3. access: own data, a free hotspot or an access centre; channels open this week
        window = self.idp_window(t)
        u = self.week_draws(pol, t, window)
        stages.access(c, cit, self.nodes, pol, u, lv["campaign"].reach_per_week)
        cit.last_online[cit.online] = t  # share_online_month: online at least once in the last 4 weeks
        portal_open = stages.portal_available(lv["channels"], munis, t)
        fc = stages.facilitating_conditions(c, cit, lv["channels"], portal_open)
        # 4. literacy: training seats at centres, learning by doing, decay
        trained = stages.training(c, cit, munis, lv["training"], u[draws.TRAIN], self.rng, stats)
        stages.literacy(c, cit, trained)
        # 5. awareness: campaigns, word of mouth, the IDP window
        nbr_trust, nbr_adopted, nbr_awareness = self.neighbour_means()
        stages.awareness(c, cit, lv["campaign"], nbr_awareness, window)
        # 6. adoption: Bass hazard x UTAUT intention x facilitating conditions
        staff = self.staff()  # officials in post (they change at the end of the week, step 10)
        stages.open_data(c, munis, lv["open_data"], lv["links"], staff.ict_skill)
        stages.adoption(c, cit, munis, nbr_adopted, fc, u[draws.ADOPT])
        # 7. participation: needs and IDP consultations, through the cheapest channel
        stages.participation(c, cit, self.queue, t, u, portal_open, window, pol, self.e_channel_best,
                             self.e_channel_cost, stats, self.totals, munis)
        # 8. co-production and service production: triage of the queue, planned work, ward quality
        stages.plans(c, cit, self.wards, window, pol.level_offered)
        experienced, outcome = stages.coproduction(c, cit, self.wards, munis, self.queue, t, lv["links"], staff,
                                                   pol.level_offered, stats, self.totals, self.cumulative,
                                                   self.rng_queue.random(self.queue.size))
        # 9. trust: experiences, service quality, transparency, neighbours; then shocks
        stages.trust(c, cit, self.wards, munis, experienced, outcome, nbr_trust)
        stages.shocks(c, cit, munis, t, pol.events, lv["security"], self.rng, stats)
        # 10. talent: attrition, hiring, ICT training of officials
        stages.talent(c, self.officials, munis, t, lv["talent"], self.rng_staff)

    # ------------------------------------------------------------------ recording

    def record(self) -> None:
        """Record this week's tallies in ``datacollector`` (metrics are computed when the table is read)."""
        self.latest_tally = week_tally(self)
        self.datacollector.add_week(self.week, self.time, self.latest_tally)

    @property
    def latest(self) -> dict[str, Any]:
        """The region's metrics as last recorded (``step``, ``municipality`` and every metric)."""
        region = dict(zip(METRICS, metric_tables([self.latest_tally])[0, -1].tolist(), strict=True))
        return {"step": self.week, "municipality": "region", **region}

    def run(self, steps: int | None = None) -> None:
        """Run ``steps`` weeks (default: the scenario's horizon)."""
        if steps is not None:
            steps = expect_int(steps, "steps", minimum=0, maximum=_bound(RunConfig.model_fields["steps"].metadata, "le"),
                               what="a number of weeks")
        for _ in range(self.config.run.steps if steps is None else steps):
            self.step()

    def timeseries(self):
        """The recorded metrics as a tidy pandas DataFrame (one row per step and municipality).

        ``date`` (next to ``step``, ``datetime64``) is the week's date: ``run.start_date + 7 step`` days.
        """
        df = self.datacollector.timeseries_frame()
        df.insert(df.columns.get_loc("step") + 1, "date",
                  schedules.week_dates(self.config.run.start_date, df["step"].to_numpy()).astype("datetime64[ns]"))
        return df
