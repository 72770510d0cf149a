"""CoProductionModel: citizens, officials and ICT nodes in one or more municipalities.

The weekly process follows MODEL.md s3 (and docs/ODD.md): policy schedule,
infrastructure, access, literacy, awareness, adoption, participation,
co-production, trust, talent, record.  Citizens are Mesa agents whose state
lives in NumPy arrays owned by the model; the step updates every citizen at once
(see :mod:`cosim.model.mechanisms`).  Every random number comes from ``model.rng``.
"""

from __future__ import annotations

import contextlib
import copyreg
import gc
import itertools
import math
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import mesa
import numpy as np
from mesa.experimental.mesa_signals import ModelSignals
from scipy.spatial import cKDTree

from cosim.model import mechanisms as mech
from cosim.model.agents import ArrayAgent, Citizen, ICTNode, Official
from cosim.model.network import complete_mean, small_world
from cosim.outputs.metrics import METRICS, MetricsCollector, metric_tables, week_tally
from cosim.scenario.budget import WEEKS_PER_YEAR, BudgetPlan
from cosim.scenario.schema import LEVERS, Scenario

# Rows of the per-step block of uniform draws, one value per citizen each.
# Drawing the whole block at once keeps the stream independent of which
# citizens need a draw, so a per-agent reference can index the same numbers
# (rows nobody reads in a week are skipped, not drawn: CoProductionModel._draw_block).
DATA, HOTSPOT, CENTRE, NEED, ACT, IDP, ADOPT, TRAIN = range(8)
N_DRAWS = 8

INCOME_GROUPS = ("low", "mid", "high")
AGE_GROUPS = ("youth", "adult", "senior")
DEVICES = ("none", "feature", "smartphone")
NODE_KINDS = ("hotspot", "access_centre", "service_centre")
# node kinds (HOTSPOT above is the row of uniform draws for hotspot access)
KIND_HOTSPOT, ACCESS_CENTRE, SERVICE_CENTRE = range(3)


class Staff(NamedTuple):
    """Officials in post per municipality (``CoProductionModel._staff``)."""

    capacity: np.ndarray  # requests they can resolve this week, in simulated requests (capacity x skill)
    in_post: np.ndarray   # officials in post (at least 1)
    skill: np.ndarray     # their mean skill
    ict: np.ndarray       # their mean ICT skill


@dataclass(frozen=True)
class WeekPolicy:
    """What the policy schedule fixes for a week (see ``CoProductionModel._policy``)."""

    levers: dict[str, Any]         # lever configurations in force, budget-scaled
    spend: float                   # Rand spent this week per municipality
    events: list[Any]              # events in progress
    p_down: np.ndarray             # chance each ICT node is down this week
    data_factor: np.ndarray | None  # own-data availability per municipality (None: 1 everywhere)
    node_capacity: np.ndarray      # weekly users per node, in simulated citizens
    cap_factor: float              # share of a hotspot user's data need the daily cap covers
    level_offered: int             # IAP2 level offered, 1 (inform) to 5 (empower)
    level_of_channel: np.ndarray   # IAP2 level reached through each channel (0 = none)


class CoProductionModel(mesa.Model):
    """A region of one or more municipalities working through an IDP cycle.

    Args:
        scenario: a validated :class:`~cosim.scenario.schema.Scenario` (defaults if None).
        rng: seed or ``numpy.random.Generator`` for every random draw.
        collect: record metrics every step into ``datacollector``.

    One step is one week.  ``agents_by_type[Citizen]`` holds the citizens,
    ``agents_by_type[Official]`` the officials and ``agents_by_type[ICTNode]``
    the Wi-Fi hotspots, access centres and service centres.
    """

    def __init__(self, scenario: Scenario | None = None, rng: Any = None, *, collect: bool = True):
        super().__init__(rng=rng)
        # Mesa 3.5 reserves ``Model.scenario``; the configuration is ``config``.
        self.config = scenario if scenario is not None else Scenario()
        # Separate streams, seeded from model.rng, for draws whose number depends on
        # the policy (hotspot placement, node outages, hiring): scenarios compared
        # with the same seed then share every citizen-level draw (common random numbers).
        self.rng_place, self.rng_nodes, self.rng_staff = (
            np.random.default_rng(s) for s in self.rng.integers(0, 2**63, size=3))
        self.plan = BudgetPlan(self.config)
        self.week = 0
        self.n_muni = self.config.region.n_municipalities
        # Building creates one Python object per agent; the cyclic garbage collector
        # would rescan them all again and again while they are made (most of the
        # build time at 10^5-10^6 citizens), so it waits until the build is done.
        with _collector_paused():
            self._build_wards()
            self._build_citizens()
            self._build_network()
            self._build_officials()
            self._build_centres()
            self._hotspot_key: tuple | None = None
            self._levers = {lv: self.plan.config(lv, 0) for lv in LEVERS}
            self._update_hotspots(self._levers["wifi"])
        self._init_dynamics()
        self.collect = collect
        self.datacollector = MetricsCollector(self.n_muni)
        if collect:
            self._record()

    # ------------------------------------------------------------------ building

    def _build_wards(self) -> None:
        """Ward grid per municipality; wealth falls from the core to the periphery."""
        c = self.config
        rows, cols, km = c.municipality.ward_rows, c.municipality.ward_cols, c.municipality.ward_km
        per = rows * cols
        self.n_wards_per_muni = per
        n_w = per * self.n_muni
        r = np.tile(np.repeat(np.arange(rows), cols), self.n_muni)
        q = np.tile(np.tile(np.arange(cols), rows), self.n_muni)
        m = np.repeat(np.arange(self.n_muni), per)
        # municipalities sit side by side, one ward-width apart
        self.ward_x0 = (q + m * (cols + 1)) * km
        self.ward_y0 = r * km
        self.ward_muni = m
        cy, cx = (rows - 1) / 2.0, (cols - 1) / 2.0
        dist = np.hypot(r - cy, q - cx)
        self.ward_centrality = 1.0 - dist / max(dist.max(), 1e-9)
        # apartheid spatial legacy: wealthy core, poor periphery (seed 000; assumption)
        noise = self.rng.normal(0.0, 0.08, n_w)
        muni_factor = (1.0 - c.region.wealth_gradient) ** m
        wealth = (1.0 - c.municipality.ward_inequality * (1.0 - self.ward_centrality) + noise)
        self.ward_wealth = np.clip(wealth * muni_factor, 0.0, 1.0)
        self.muni_wealth = (1.0 - c.region.wealth_gradient) ** np.arange(self.n_muni)
        self.ward_need_mult = 1.0 + c.municipality.need_gradient * (1.0 - self.ward_wealth)
        base = c.municipality.baseline_service_quality
        self.ward_base_quality = np.clip(base * (0.6 + 0.8 * self.ward_wealth), 0.0, 1.0)
        self.n_wards = n_w
        self.grid = mesa.discrete_space.OrthogonalMooreGrid(
            (cols * self.n_muni + self.n_muni - 1, rows), torus=False, random=self.random)
        # Mesa 3.5 registers each grid's own cell class with copyreg (for pickling),
        # and that global table keeps the class and the grid's property layers alive
        # after the model is gone: a few kB per model, without end over thousands of
        # runs (tests/test_memory.py).  The entry goes when the model is collected.
        weakref.finalize(self, copyreg.dispatch_table.pop, self.grid.cell_klass, None)

    def _build_citizens(self) -> None:
        c, p = self.config, self.config.population
        n = c.run.n_citizens
        m_counts = np.full(self.n_muni, n // self.n_muni)
        m_counts[: n % self.n_muni] += 1
        wards = []
        for m in range(self.n_muni):
            w_ids = np.flatnonzero(self.ward_muni == m)
            # townships are denser than the core (assumption)
            weight = 0.5 + (1.0 - self.ward_wealth[w_ids])
            counts = self.rng.multinomial(m_counts[m], weight / weight.sum())
            wards.append(np.repeat(w_ids, counts))
        ward = np.concatenate(wards)
        self.n = n
        self.ward = ward
        self.muni = self.ward_muni[ward]
        km = c.municipality.ward_km
        self.x = self.ward_x0[ward] + self.rng.random(n) * km
        self.y = self.ward_y0[ward] + self.rng.random(n) * km
        self.scale = c.municipality.population / np.bincount(self.muni, minlength=self.n_muni)
        # income from ward wealth plus individual variation, cut at regional shares
        z = self.ward_wealth[ward] + self.rng.normal(0.0, 0.35, n)
        lo_cut = np.quantile(z, p.share_low_income)
        hi_cut = np.quantile(z, 1.0 - p.share_high_income)
        self.income = np.where(z < lo_cut, 0, np.where(z >= hi_cut, 2, 1)).astype(np.int8)
        u = self.rng.random(n)
        self.age = np.where(u < p.share_youth, 0, np.where(u < 1.0 - p.share_senior, 1, 2)).astype(np.int8)
        smart_p = np.array([p.smartphone_low, p.smartphone_mid, p.smartphone_high])[self.income]
        u = self.rng.random(n)
        self.device = np.where(u < np.minimum(smart_p, p.phone_share), 2,
                               np.where(u < p.phone_share, 1, 0)).astype(np.int8)
        self.afford = np.array([p.data_low, p.data_mid, p.data_high])[self.income]
        lit_mean = np.array([p.literacy_low, p.literacy_mid, p.literacy_high])[self.income]
        lit_mean = lit_mean + p.age_literacy_effect * np.array([1.0, 0.0, -1.5])[self.age]
        self.literacy = np.clip(lit_mean + self.rng.normal(0.0, p.literacy_sd, n), 0.0, 1.0)
        self.trust = np.clip(self.rng.normal(p.trust_mean, p.trust_sd, n), 0.0, 1.0)
        self.privacy = np.clip(self.rng.normal(p.privacy_mean, p.privacy_sd, n), 0.0, 1.0)
        self.awareness = np.clip(p.awareness_initial * (0.5 + self.literacy), 0.0, 1.0)
        self.adopted = (self.rng.random(n) < p.adopted_initial) & (self.device >= 1)
        # heavy-tailed contribution propensity: Pareto (Nielsen 2006: 90-9-1)
        self.propensity = np.minimum(1.0, p.propensity_scale * (1.0 + self.rng.pareto(p.propensity_alpha, n)))
        if p.homogeneous:
            self.income[:] = 1
            self.age[:] = 1
            self.device[:] = 2
            self.afford[:] = 1.0
            self.literacy[:] = 0.5
            self.trust[:] = 0.5
            self.privacy[:] = 0.0
            self.awareness[:] = 1.0
            self.adopted[:] = False
            self.propensity[:] = p.propensity_scale
        self.trust_prior = self.trust.copy()
        self.expectation = np.full(n, 0.5)
        self.responsiveness = np.full(n, 0.5)
        # literacy terciles fixed at the start: stable groups for "for whom"
        t1, t2 = np.quantile(self.literacy, [1 / 3, 2 / 3])
        self.lit_group = np.where(self.literacy <= t1, 0, np.where(self.literacy <= t2, 1, 2)).astype(np.int8)
        if p.homogeneous:
            self.lit_group[:] = 1
        _add_array_agents(self, Citizen, n)

    def _build_network(self) -> None:
        net = self.config.network
        if net.kind == "complete":
            self.W = None
        else:
            self.W = small_world(self.ward, self.muni, net.degree, net.rewire, self.rng)

    def neighbour_mean(self, x: np.ndarray) -> np.ndarray:
        """Each citizen's neighbours' mean of ``x`` (columns of a 2-D ``x`` separately)."""
        if self.W is None:
            return complete_mean(x, self.muni, self.n_muni)
        return self.W @ x

    def _neighbour_means(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each citizen's neighbours' mean trust, adoption and awareness (DeGroot averaging)."""
        nbr = self.neighbour_mean(np.column_stack([self.trust, self.adopted, self.awareness]))
        return nbr[:, 0], nbr[:, 1], nbr[:, 2]

    def _build_officials(self) -> None:
        o = self.config.officials
        k = o.n_officials * self.n_muni
        self.off_muni = np.repeat(np.arange(self.n_muni), o.n_officials)
        wf = np.sqrt(self.muni_wealth[self.off_muni])
        self.off_skill = np.clip(self.rng.normal(o.skill_mean * wf, 0.12), 0.05, 1.0)
        self.off_ict = np.clip(self.rng.normal(o.ict_skill_mean * wf, 0.12), 0.0, 1.0)
        self.off_active = np.ones(k, dtype=bool)
        self.off_vacant_until = np.zeros(k, dtype=np.int64)
        self.off_tenure = self.rng.integers(0, 520, k)
        _add_array_agents(self, Official, k)

    def _build_centres(self) -> None:
        """Access and service centres: fixed ICT nodes placed at the start."""
        inf = self.config.infrastructure
        xs, ys, kinds, munis = [], [], [], []
        for m in range(self.n_muni):
            w_ids = np.flatnonzero(self.ward_muni == m)
            for kind, count, weight in (
                (ACCESS_CENTRE, inf.access_centres, self.ward_wealth[w_ids] + 0.2),   # libraries: core
                (SERVICE_CENTRE, inf.service_centres, 1.2 - self.ward_wealth[w_ids]),  # Thusong: underserved
            ):
                chosen = self.rng.choice(w_ids, size=count, p=weight / weight.sum())
                xs.append(self.ward_x0[chosen] + self.rng.random(count) * self.config.municipality.ward_km)
                ys.append(self.ward_y0[chosen] + self.rng.random(count) * self.config.municipality.ward_km)
                kinds.append(np.full(count, kind))
                munis.append(np.full(count, m))
        self.centre_x = np.concatenate(xs) if xs else np.zeros(0)
        self.centre_y = np.concatenate(ys) if ys else np.zeros(0)
        self.centre_kind = np.concatenate(kinds).astype(np.int8) if kinds else np.zeros(0, np.int8)
        self.centre_muni = np.concatenate(munis).astype(np.int64) if munis else np.zeros(0, np.int64)
        reach = inf.centre_radius_m / 1000.0 + inf.walk_km
        pts = np.column_stack([self.x, self.y])
        acc = np.flatnonzero(self.centre_kind == ACCESS_CENTRE)
        self.cit_centre = _nearest_within(self.centre_x[acc], self.centre_y[acc], pts, reach, acc)
        svc = np.flatnonzero(self.centre_kind == SERVICE_CENTRE)
        d_svc = _nearest_distance(self.centre_x[svc], self.centre_y[svc], pts)
        all_c = np.arange(self.centre_x.size)
        d_any = _nearest_distance(self.centre_x[all_c], self.centre_y[all_c], pts)
        self.near_training = d_any <= inf.training_km
        # ward meetings at the ward's centre, or at a nearer Thusong centre
        km = self.config.municipality.ward_km
        d_ward = np.hypot(self.x - (self.ward_x0[self.ward] + km / 2), self.y - (self.ward_y0[self.ward] + km / 2))
        self.meeting_km = np.minimum(d_ward, d_svc)
        self.cit_hotspot = np.full(self.n, -1, dtype=np.int64)
        # placement orders for hotspots, fixed at the start so phases add to earlier ones
        self._hotspot_orders: dict[str, np.ndarray] = {}

    def _hotspot_order(self, placement: str) -> np.ndarray:
        """Ward sequence that hotspots fill, per municipality round-robin."""
        if placement not in self._hotspot_orders:
            connected = np.bincount(self.ward, weights=(self.device == 2) * self.afford, minlength=self.n_wards)
            size = np.maximum(np.bincount(self.ward, minlength=self.n_wards), 1)
            connectivity = connected / size
            orders = []
            for m in range(self.n_muni):
                w_ids = np.flatnonzero(self.ward_muni == m)
                if placement == "even":
                    seq = w_ids[self.rng_place.permutation(w_ids.size)]
                else:
                    key = -self.ward_centrality[w_ids] if placement == "central" else connectivity[w_ids]
                    seq = w_ids[np.argsort(key, kind="stable")][: max(1, w_ids.size // 2)]
                orders.append(seq)
            self._hotspot_orders[placement] = orders  # type: ignore[assignment]
        return self._hotspot_orders[placement]  # type: ignore[return-value]

    def _update_hotspots(self, wifi) -> None:
        """(Re)build hotspot nodes when the Wi-Fi lever changes."""
        key = (wifi.hotspots, wifi.placement, wifi.coverage_m)
        if key == self._hotspot_key:
            return
        self._hotspot_key = key
        km = self.config.municipality.ward_km
        if not hasattr(self, "_hotspot_positions"):
            self._hotspot_positions: dict[tuple[str, int], np.ndarray] = {}
        xs, ys, ms = [], [], []
        for m, seq in enumerate(self._hotspot_order(wifi.placement)):
            cache_key = (wifi.placement, m)
            have = self._hotspot_positions.get(cache_key, np.zeros((0, 2)))
            if have.shape[0] < wifi.hotspots:
                extra = wifi.hotspots - have.shape[0]
                wards = seq[np.arange(have.shape[0], wifi.hotspots) % seq.size]
                pos = np.column_stack([self.ward_x0[wards] + self.rng_place.random(extra) * km,
                                       self.ward_y0[wards] + self.rng_place.random(extra) * km])
                have = np.vstack([have, pos])
                self._hotspot_positions[cache_key] = have
            xs.append(have[: wifi.hotspots, 0])
            ys.append(have[: wifi.hotspots, 1])
            ms.append(np.full(wifi.hotspots, m))
        self.hot_x = np.concatenate(xs)
        self.hot_y = np.concatenate(ys)
        self.hot_muni = np.concatenate(ms).astype(np.int64)
        reach = wifi.coverage_m / 1000.0 + self.config.infrastructure.walk_km
        self.cit_hotspot = _nearest_within(self.hot_x, self.hot_y, np.column_stack([self.x, self.y]),
                                           reach, np.arange(self.hot_x.size))
        self.hot_radius_km = wifi.coverage_m / 1000.0
        # node arrays: centres first, then hotspots
        self.node_x = np.r_[self.centre_x, self.hot_x]
        self.node_y = np.r_[self.centre_y, self.hot_y]
        self.node_kind = np.r_[self.centre_kind, np.full(self.hot_x.size, KIND_HOTSPOT, np.int8)]
        self.node_muni = np.r_[self.centre_muni, self.hot_muni]
        self.node_up = np.ones(self.node_x.size, dtype=bool)
        self.n_centres = self.centre_x.size
        for agent in list(self.agents_by_type.get(ICTNode, [])):
            agent.remove()
        _add_array_agents(self, ICTNode, self.node_x.size)

    def _init_dynamics(self) -> None:
        n = self.n
        self.contributions = np.zeros(n, dtype=np.int64)
        self.last_participation = np.full(n, -10_000, dtype=np.int64)
        self.channel = np.zeros(n, dtype=np.int8)  # this week's channel (0 = none)
        self.level = np.zeros(n, dtype=np.int8)    # this week's IAP2 level (0 = none)
        self.online = np.zeros(n, dtype=bool)
        self.ward_quality = self.ward_base_quality.copy()
        self.ward_coverage = np.zeros(self.n_wards)
        self.pend_cit = np.zeros(0, dtype=np.int64)
        self.pend_week = np.zeros(0, dtype=np.int64)
        self.pend_channel = np.zeros(0, dtype=np.int8)
        self.capacity_carry = np.zeros(self.n_muni)
        self.portal_down_until = np.zeros(self.n_muni, dtype=np.int64)
        self.posture = np.full(self.n_muni, self.config.infosec.base_posture)
        self.open_data_value = np.zeros(self.n_muni)
        self.totals = dict.fromkeys(("submitted", "resolved", "dropped"), 0)
        self.week_stats: dict[str, Any] = {
            "requests": np.zeros(self.n_muni), "resolved": np.zeros(self.n_muni),
            "dropped": np.zeros(self.n_muni), "median_wait": np.zeros(self.n_muni),
            "outcome": np.zeros(self.n_muni), "breaches": np.zeros(self.n_muni),
            "spend": np.zeros(self.n_muni), "trained": np.zeros(self.n_muni),
        }
        self.spend_total = np.zeros(self.n_muni)
        self.cum = {"resolved": np.zeros(self.n_muni), "dropped": np.zeros(self.n_muni)}
        self.legal_strength = 0.0
        self.attrition_count = np.zeros(self.n_muni)
        self._init_week_constants()

    def _init_week_constants(self) -> None:
        """Per-citizen quantities the week uses that do not change during a run.

        Citizens keep their ward, municipality and position, so their need rate,
        their cost of reaching a ward meeting and their access centre are fixed;
        keeping them saves recomputing them every week (docs/performance.md).
        """
        c = self.config
        pc = c.participation
        self._draws = np.empty((N_DRAWS, self.n))  # the week's block of uniform draws
        self._ward_size = np.bincount(self.ward, minlength=self.n_wards)
        self._need_p = c.municipality.need_rate * self.ward_need_mult[self.ward]
        self._meeting_cost = pc.cost_meeting * (1.0 + self.meeting_km / pc.meeting_distance_km)
        expected_w = np.maximum(self._ward_size, 1) * c.municipality.need_rate * self.ward_need_mult
        self._expected_w = np.maximum(expected_w, 1e-12)  # requests a ward needs each week
        # citizens are created municipality by municipality, ward by ward
        assert np.all(np.diff(self.ward) >= 0), "citizens must be sorted by ward"
        bounds = np.searchsorted(self.muni, np.arange(self.n_muni + 1)).tolist()
        self._muni_slices = [slice(a, b) for a, b in itertools.pairwise(bounds)]
        self._e_best, self._e_cost = _cheapest_e_channel(pc.cost_portal, pc.cost_ussd, pc.cost_social,
                                                         pc.youth_social_factor)
        self._youth_bit = (self.age == 0).astype(np.uint8) * np.uint8(8)
        self._cc_cits = np.flatnonzero(self.cit_centre >= 0)  # citizens within reach of an access centre
        self._cc_node = self.cit_centre[self._cc_cits]
        # weeks at which the policy in force may change: lever windows, budget years, events
        changes = {0}
        for lever in LEVERS:
            for start, stop, _ in getattr(c, lever).windows():
                changes.update(w for w in (start, stop) if w is not None)
        for e in c.events:
            changes.update((e.step, e.step + e.duration))
        self._policy_changes = changes
        self._policy_week: int | None = None
        self._policy_now: WeekPolicy | None = None

    def _policy(self, t: int) -> WeekPolicy:
        """The levers, spend and events in force in week ``t`` and what follows from them.

        They change only at a lever window's start or stop, a budget year's start
        or an event's start or end, so they are recomputed only then.
        """
        now = self._policy_now
        if (now is not None and self._policy_week == t - 1 and t not in self._policy_changes
                and t % WEEKS_PER_YEAR != 0):
            self._policy_week = t
            return now
        c = self.config
        inf = c.infrastructure
        lv = {name: self.plan.config(name, t) for name in LEVERS}
        self._update_hotspots(lv["wifi"])
        self._update_posture(lv["security"])
        events = [e for e in c.events if e.step <= t < e.step + e.duration]
        outage = np.zeros(self.n_muni)
        for e in events:
            if e.kind == "outage":
                _apply(outage, e.municipality, lambda v, s=e.severity: np.maximum(v, s))
        data_factor = 1.0 - inf.outage_data_loss * outage
        ch = lv["channels"]
        level_offered = mech.IAP2_LEVELS.index(ch.iap2_level) + 1
        now = WeekPolicy(
            levers=lv,
            spend=sum(self.plan.spend(t).values()),
            events=events,
            p_down=np.clip(inf.outage_hazard + outage[self.node_muni], 0.0, 1.0),
            data_factor=None if np.all(data_factor == 1.0) else data_factor,
            node_capacity=self._node_capacity(lv["wifi"]),
            cap_factor=min(1.0, lv["wifi"].daily_cap_mb / inf.data_need_mb),
            level_offered=level_offered,
            level_of_channel=np.minimum(level_offered, mech.CHANNEL_MAX_LEVEL).astype(np.int8),
        )
        # citizens within reach of a hotspot, and their hotspot's node
        self._hs_cits = np.flatnonzero(self.cit_hotspot >= 0)
        self._hs_node = self.cit_hotspot[self._hs_cits] + self.n_centres
        self._policy_week, self._policy_now = t, now
        return now

    # ------------------------------------------------------------------ the week

    def step(self) -> None:
        """Advance one week (MODEL.md s3, steps 1-11)."""
        c = self.config
        t = self.week
        n = self.n
        # 1. policy schedule: levers in force this week (budget-scaled) and spend
        pol = self._policy(t)
        lv = self._levers = pol.levers
        self.week_stats["spend"] = np.full(self.n_muni, pol.spend)
        self.spend_total += pol.spend
        events = pol.events

        # 2. infrastructure: nodes up or down (outage hazard; load-shedding spells)
        n_nodes = self.node_x.size
        self.node_up = self.rng_nodes.random(n_nodes) >= pol.p_down

        # 3. access: own data, else a free hotspot in reach, else an access centre.
        #    Only citizens in reach of a node are looked at for that node.
        u = self._draw_block(pol, t)
        smartphone = self.device == 2
        phone = self.device >= 1
        afford = self.afford if pol.data_factor is None else self.afford * pol.data_factor[self.muni]
        has_data = u[DATA] < afford
        # online = mech.online_access(smartphone, has_data, hotspot_ok, centre_ok), in parts
        # (a hotspot user has a smartphone, so smartphone & hotspot_ok = hotspot_ok);
        # those who ask for a hotspot: a smartphone, no data of their own, the hotspot up
        hs, hs_node = self._hs_cits, self._hs_node
        ask = np.flatnonzero(smartphone[hs] & ~has_data[hs] & self.node_up[hs_node])
        asker, asker_node = hs.take(ask), hs_node.take(ask)
        served = mech.capacity_share(np.bincount(asker_node, minlength=n_nodes).astype(float),
                                     pol.node_capacity) * pol.cap_factor
        online = smartphone & has_data
        online[asker[u[HOTSPOT, asker] < served[asker_node]]] = True
        # those still offline ask their access centre, if it is up
        cc, cc_node = self._cc_cits, self._cc_node
        ask = np.flatnonzero(~online[cc] & self.node_up[cc_node])
        asker, asker_node = cc.take(ask), cc_node.take(ask)
        served = mech.capacity_share(np.bincount(asker_node, minlength=n_nodes).astype(float), pol.node_capacity)
        online[asker[u[CENTRE, asker] < served[asker_node]]] = True
        self.online = online

        # channels available this week (a breach takes e-services down for a while)
        ch = lv["channels"]
        portal_av = ch.portal & (self.portal_down_until <= t)
        e_online = portal_av | ch.social  # per municipality: an e-channel for the online
        if e_online.all():
            e_channel = online.copy()
        elif e_online.any():
            e_channel = online & e_online[self.muni]
        else:
            e_channel = np.zeros(n, dtype=bool)
        # facilitating conditions (UTAUT): full with an online e-channel, partial with
        # USSD alone (menus carry reports and polls, not the portal's services)
        if ch.ussd:
            # = np.where(e_channel, 1.0, ussd_access * phone), as ussd_access <= 1
            e_channel = np.maximum(e_channel, c.adoption.ussd_access * phone)

        # 4. literacy: training seats at centres, learning by doing, decay
        trained = self._training(lv["training"], u[TRAIN])
        lit = c.literacy
        self.literacy = mech.literacy_update(self.literacy, online & self.adopted, trained,
                                             lit.training_gain, lit.learning_by_doing, lit.decay)

        # 5. awareness: campaigns (media advocacy), word of mouth, the IDP window
        nbr_trust, nbr_adopted, nbr_awareness = self._neighbour_means()
        window = self.idp_window(t)
        aw = c.awareness
        gain = lv["campaign"].reach_per_week + aw.word_of_mouth * nbr_awareness
        if window:
            gain += aw.idp_boost
        self.awareness = np.clip(self.awareness + (1.0 - self.awareness) * np.minimum(gain, 1.0)
                                 - aw.decay * self.awareness, 0.0, 1.0)

        # 6. adoption: Bass hazard x UTAUT intention x facilitating conditions
        staff = self._staff()  # officials in post (they change at the end of the week, step 10)
        self._update_open_data(lv["open_data"], lv["links"], staff.ict)  # (posture: set with the policy)
        ad = c.adoption
        risk = self.privacy * self._by_citizen(1.0 - self.posture)
        performance = np.clip(self.responsiveness + self._by_citizen(0.5 * self.open_data_value), 0.0, 1.0)
        intent = mech.intention(performance, self.literacy, self.trust, risk, ad.beta_performance,
                                ad.beta_effort, ad.beta_trust, ad.beta_privacy)
        hazard = mech.adoption_hazard(ad.p, ad.q, nbr_adopted, intent, self.awareness, e_channel)
        lapse = mech.lapse_hazard(ad.lapse_rate, intent)
        # adopters stay unless they lapse; others adopt with the hazard
        # (np.where(adopted, u >= lapse, u < hazard) in boolean arithmetic, which is faster)
        adopted = self.adopted
        self.adopted = (adopted & (u[ADOPT] >= lapse)) | (~adopted & (u[ADOPT] < hazard))

        # 7. participation: needs and IDP consultations, through the cheapest channel
        self._participate(t, u, online, phone, portal_av, ch, window, pol)

        # 8. co-production: officials resolve requests FIFO up to capacity x skill
        experienced, outcome = self._coproduce(t, lv["links"], staff)

        # 9. trust: disconfirmation for participants, quality and transparency for
        #    others, social influence for all, shocks
        self._update_trust(experienced, outcome, nbr_trust)
        self._shocks(t, events, lv["security"])

        # 10. talent: attrition, hiring, ICT training of officials
        self._talent(t, lv["talent"])

        # 11. record
        self.week += 1
        if self.collect:
            self._record()

    # ------------------------------------------------------------------ sub-steps

    def _draw_block(self, pol: WeekPolicy, t: int) -> np.ndarray:
        """The week's block of uniform draws: a row per kind of decision, a column per citizen.

        Rows nobody reads this week (IDP comments outside the consultation
        window, hotspot access when there are no hotspots, places in line for
        training when no seats are offered) are skipped by advancing the
        generator past them instead of drawing them: every number that is
        read, this week and later, is the one drawing the whole block gives.
        (A generator that cannot advance, or holds half a 64-bit draw that
        advancing would discard, draws the whole block.)
        """
        u, rng = self._draws, self.rng
        skip = {row for row, idle in ((HOTSPOT, self._hs_cits.size == 0), (IDP, not self.idp_window(t)),
                                      (TRAIN, pol.levers["training"].seats_per_week <= 0)) if idle}
        bits = rng.bit_generator
        if not skip or not hasattr(bits, "advance") or bits.state.get("has_uint32", 0):
            return rng.random(out=u)
        row = 0
        while row < N_DRAWS:
            stop = row + 1
            while stop < N_DRAWS and (stop in skip) == (row in skip):
                stop += 1
            if row in skip:
                bits.advance((stop - row) * self.n)
            else:
                rng.random(out=u[row:stop])
            row = stop
        return u

    def _by_citizen(self, per_muni: np.ndarray) -> Any:
        """A municipality-level value for each citizen (one number when all municipalities agree)."""
        if (per_muni == per_muni[0]).all():
            return per_muni[0]
        return per_muni[self.muni]

    def idp_window(self, t: int) -> bool:
        """Is week ``t`` inside the annual IDP consultation window?"""
        mc = self.config.municipality
        return (t % 52 - mc.idp_window_start) % 52 < mc.idp_window_weeks

    def _node_capacity(self, wifi) -> np.ndarray:
        """Weekly users per node, in simulated citizens."""
        cap = np.empty(self.node_x.size)
        scale = self.scale[self.node_muni]
        cap[: self.n_centres] = self.config.infrastructure.access_centre_capacity
        cap[self.n_centres:] = wifi.capacity_per_week
        return cap / scale

    def _training(self, tr, key_draw: np.ndarray) -> np.ndarray:
        """Who takes a digital-literacy seat this week (at access or service centres)."""
        trained = np.zeros(self.n, dtype=bool)
        seats = tr.seats_per_week / self.scale
        frac_draw = self.rng.random(self.n_muni)  # stochastic rounding of fractional seats
        k = np.floor(seats + frac_draw).astype(np.int64) if tr.seats_per_week > 0 else np.zeros(self.n_muni, int)
        self.week_stats["trained"] = k.astype(float)
        if not k.any():
            return trained
        for m, part in enumerate(self._muni_slices):  # citizens of municipality m
            if k[m] == 0:
                continue
            eligible = self.near_training[part] & (self.literacy[part] < 0.999)
            n_eligible = np.count_nonzero(eligible)
            if n_eligible == 0:
                continue
            if k[m] >= n_eligible:
                trained[part][eligible] = True
                continue
            # the k[m] eligible citizens first in line (lowest key) take the seats;
            # the others are put at the back of the line
            if tr.targeting == "random":
                key = key_draw[part].copy()
            elif tr.targeting == "low_literacy":
                key = self.literacy[part] + 1e-3 * key_draw[part]
            else:
                key = self.income[part] + 0.5 * key_draw[part]
            key[~eligible] = np.inf
            if k[m] <= 4:  # a few seats (the usual case): take them one by one, faster than a partition
                for _ in range(k[m]):
                    first = key.argmin()
                    trained[part.start + first] = True
                    key[first] = np.inf
            else:
                trained[part.start + np.argpartition(key, k[m] - 1)[: k[m]]] = True
        return trained

    def _staff(self) -> Staff:
        """The officials in post in each municipality this week (see :class:`Staff`)."""
        o = self.config.officials
        M, act, muni = self.n_muni, self.off_active, self.off_muni
        cnt = np.maximum(np.bincount(muni, weights=act, minlength=M), 1)
        return Staff(
            # capacity x skill per week, converted to simulated requests
            capacity=np.bincount(muni, weights=o.capacity_per_week * self.off_skill * act, minlength=M) / self.scale,
            in_post=cnt,
            skill=np.bincount(muni, weights=self.off_skill * act, minlength=M) / cnt,
            ict=np.bincount(muni, weights=self.off_ict * act, minlength=M) / cnt,
        )

    def _update_open_data(self, od, links, ict: np.ndarray) -> None:
        """Effective openness: level x freshness x capability to publish.

        Freshness falls with the update interval (seed 000: infrequent updates);
        capability grows with officials' mean ICT skill ``ict`` (per municipality);
        a shared platform lets every member publish at the best member's level
        (assumption).
        """
        freshness = 13.0 / (13.0 + od.update_interval_weeks)
        capability = 0.5 + 0.5 * ict
        value = od.level * (freshness / 0.5) * (capability / 0.75)  # = level at interval 13, ICT 0.5
        if links.shared_data_platform and self.n_muni > 1:
            value[:] = value.max()
        self.open_data_value = np.clip(value, 0.0, 1.0)

    def _update_posture(self, sec) -> None:
        """Security posture rises with investment, with diminishing returns (assumption)."""
        base = self.config.infosec.base_posture
        scale = self.config.infosec.investment_scale
        self.posture = np.full(self.n_muni, 1.0 - (1.0 - base) * math.exp(-sec.investment_rand / scale))
        self.legal_strength = sec.legal_strength

    def _participate(self, t, u, online, phone, portal_av, ch, window, pol) -> None:
        """Needs and IDP consultations, acted on through each citizen's cheapest open channel."""
        pc = self.config.participation
        n = self.n
        # Who may act this week: citizens with a need and, in the IDP window, everyone
        # (a comment needs no need).  Outside the window that is a few per cent of the
        # citizens, so the channel and the chance to act are worked out for them only;
        # ``sel`` picks them (a slice of all citizens in the window: views, no copies).
        need = u[NEED] < self._need_p
        sel: Any = slice(None) if window else np.flatnonzero(need)
        adopted = self.adopted[sel]
        on = online[sel]
        # The cheapest channel open to each, ties going to the first in CHANNELS
        # order (as np.argmin over the four costs would).  E-channels need
        # adoption, the portal and social media being online, USSD a phone; which
        # e-channels are open is one of 8 patterns, so the best one is looked up.
        adopted_online = adopted & on
        if portal_av.all():
            pattern = adopted_online.astype(np.uint8)
        elif portal_av.any():
            pattern = (adopted_online & portal_av[self.muni[sel]]).astype(np.uint8)
        else:
            pattern = np.zeros(adopted.size, dtype=np.uint8)
        if ch.ussd:
            pattern += (adopted & phone[sel]) * np.uint8(2)
        if ch.social:
            pattern += adopted_online * np.uint8(4)
        pattern += self._youth_bit[sel]  # youth find social media cheaper
        best_cost = self._e_cost.take(pattern)  # inf when no e-channel is open (take: faster than [])
        if ch.ward_meetings:  # open to everyone, at a cost rising with distance
            best_cost = np.minimum(best_cost, self._meeting_cost[sel])
        level_offered = pol.level_offered
        # efficacy: trust raises acting (OECD 2024: trust gap of 43 points with a say)
        efficacy = (1.0 - pc.efficacy_weight) + pc.efficacy_weight * 2.0 * self.trust[sel]
        efficacy = efficacy * (1.0 + pc.iap2_efficacy * (level_offered - 2))
        # no open channel (cost inf) means no action; so does a cost of 1 or more
        # (efficacy and propensity are never negative)
        act_p = np.clip(self.propensity[sel] * efficacy * (1.0 - np.minimum(best_cost, 1.0)), 0.0, 1.0)
        if window:
            act = need & (u[ACT] < act_p)
            comment = u[IDP] < pc.idp_rate * act_p
            took = np.flatnonzero(act | comment)  # positions in sel = citizens
            acting, commenters, who = np.flatnonzero(act), np.flatnonzero(comment), took
        else:
            took = np.flatnonzero(u[ACT, sel] < act_p)  # positions in sel
            acting = who = sel[took]
            commenters = np.zeros(0, dtype=np.int64)
        # the channel of those who took part: the cheapest e-channel, or the meeting when cheaper
        p = pattern[took]
        best = self._e_best.take(p)
        if ch.ward_meetings:
            best[self._meeting_cost[who] < self._e_cost.take(p)] = 3
        channel = np.zeros(n, dtype=np.int8)  # 0 = none, else 1 + index in CHANNELS
        channel[who] = best + 1
        self.channel = channel
        level = np.zeros(n, dtype=np.int8)
        level[who] = pol.level_of_channel.take(best + 1)
        self.level = level
        self.contributions[acting] += 1
        self.contributions[commenters] += 1
        self.last_participation[who] = t
        self.commented = np.zeros(n, dtype=bool)
        self.commented[commenters] = True
        self._commenters = commenters
        self.pend_cit = np.concatenate([self.pend_cit, acting])
        self.pend_week = np.concatenate([self.pend_week, np.full(acting.size, t, dtype=np.int64)])
        self.pend_channel = np.concatenate([self.pend_channel, channel[acting]])
        self.week_stats["requests"] = np.bincount(self.muni[acting], minlength=self.n_muni).astype(float)
        self.totals["submitted"] += acting.size
        self.level_offered = level_offered

    def _coproduce(self, t, links, staff: Staff) -> tuple[np.ndarray, np.ndarray]:
        """Resolve requests first in first out; return who had an experience this week and its mean outcome.

        An experience is a resolved request (its co-produced outcome), a dropped
        one (outcome 0) or an IDP comment (feedback by the IAP2 level offered).
        """
        c = self.config
        M = self.n_muni
        cap, cnt, skill, ict = staff
        pooled = links.shared_talent_pool and M > 1
        pend_cit, pend_week = self.pend_cit, self.pend_week
        req_muni = self.muni[pend_cit]
        res: Any  # the requests resolved: positions in the queue
        if pooled or M == 1:  # one queue: the first k requests are resolved (what resolve_fifo gives)
            if pooled:  # for the region, officials' skills averaged over it
                skill = np.full(M, np.add.reduce(skill * cnt) / np.add.reduce(cnt))  # np.average(skill, weights=cnt)
                ict = np.full(M, np.add.reduce(ict * cnt) / np.add.reduce(cnt))
                self.capacity_carry[1:] = 0.0
            avail = float(self.capacity_carry[0] + np.add.reduce(cap))
            k = math.floor(avail)
            res = slice(0, min(k, pend_cit.size))
            # unused capacity is lost; only the fractional part carries to next week
            self.capacity_carry[0] = 0.0 if pend_cit.size < k else avail - k
        else:
            avail = self.capacity_carry + cap
            whole = np.floor(avail).astype(np.int64)
            res = mech.resolve_fifo(req_muni, whole)
            used = np.bincount(req_muni[res], minlength=M)
            self.capacity_carry = np.where(used < whole, 0.0, avail - whole)
        cits = pend_cit[res]
        waits = t - pend_week[res]
        chan = self.pend_channel[res]
        m_res = req_muni[res]
        # co-produced quality: citizen input (literacy, open data) x official input
        cp = c.coproduction
        cit_in = np.clip((cp.report_floor + (1.0 - cp.report_floor) * self.literacy[cits])
                         * (1.0 + cp.open_data_boost * self.open_data_value[m_res]), 0.0, 1.0)
        digital = chan != 4
        off_in = skill[m_res] * np.where(digital, np.sqrt(np.maximum(ict[m_res], 0.0)), 1.0)
        outcome = mech.coproduced_outcome(cit_in, off_in, cp.citizen_share)
        outcome = outcome * np.exp(-waits / c.participation.max_wait_weeks)  # timeliness
        keep = np.ones(pend_cit.size, dtype=bool)
        keep[res] = False
        dropped = keep & (t - pend_week >= c.participation.max_wait_weeks)
        d_cits = pend_cit[dropped]
        keep &= ~dropped
        # median wait of the resolved requests, or where none was resolved of those still waiting
        resolved = np.bincount(m_res, minlength=M)
        if resolved.all():
            self.week_stats["median_wait"] = _group_medians(m_res, waits, M)
        else:
            left = keep & (resolved[req_muni] == 0)
            self.week_stats["median_wait"] = _group_medians(
                np.concatenate([m_res, req_muni[left]]), np.concatenate([waits, t - pend_week[left]]), M)
        self.week_stats["resolved"] = resolved.astype(float)
        self.week_stats["dropped"] = np.bincount(self.muni[d_cits], minlength=M).astype(float)
        osum = np.bincount(m_res, weights=outcome, minlength=M)
        self.week_stats["outcome"] = np.divide(osum, np.maximum(self.week_stats["resolved"], 1))
        self.cum["resolved"] += self.week_stats["resolved"]
        self.cum["dropped"] += self.week_stats["dropped"]
        self.totals["resolved"] += cits.size
        self.totals["dropped"] += d_cits.size
        self.pend_cit, self.pend_week, self.pend_channel = (
            pend_cit[keep], pend_week[keep], self.pend_channel[keep])
        # ward service quality follows resolved co-produced work (EMA of coverage)
        res_w = np.bincount(self.ward[cits], weights=outcome, minlength=self.n_wards)
        self.ward_coverage = 0.9 * self.ward_coverage + 0.1 * np.minimum(1.0, res_w / self._expected_w)
        target = self.ward_base_quality + (1.0 - self.ward_base_quality) * self.ward_coverage * cp.quality_gain
        self.ward_quality += c.municipality.quality_response * (target - self.ward_quality)
        self.ward_quality = np.clip(self.ward_quality, 0.0, 1.0)
        # per-citizen experiences: resolved outcomes, dropped requests (0), IDP feedback;
        # a citizen's are added in that order (a bincount over the few citizens concerned)
        commenters = self._commenters
        feedback = cp.feedback_floor + (1.0 - cp.feedback_floor) * (self.level_offered - 1) / 4.0
        who, slot = np.unique(np.concatenate([cits, d_cits, commenters]), return_inverse=True)
        values = np.concatenate([outcome, np.zeros(d_cits.size), np.full(commenters.size, feedback)])
        total = np.bincount(slot, weights=values, minlength=who.size)
        count = np.bincount(slot, minlength=who.size)
        return who, total / np.maximum(count, 1.0)

    def _update_trust(self, who, outcome, nbr_trust) -> None:
        """Trust after the week; ``who`` had an experience this week, of mean ``outcome``."""
        tc = self.config.trust
        trust = self.trust
        # everyone else moves weakly with their ward's service quality
        # (np.repeat over the ward-sorted citizens is ward_quality[ward], faster)
        quality = np.repeat(self.ward_quality, self._ward_size)
        new = trust + tc.quality_weight * (quality - trust)
        if who.size:
            # participants: expectancy-disconfirmation, asymmetric (Slovic 1993)
            expectation = self.expectation[who]
            new[who] = mech.asymmetric_trust_update(trust[who], outcome, expectation,
                                                    tc.alpha_plus, tc.alpha_minus)
            self.expectation[who] = expectation + tc.expectation_rate * (outcome - expectation)
            responsiveness = self.responsiveness[who]
            self.responsiveness[who] = responsiveness + 0.2 * (outcome - responsiveness)
        # transparency: a small direct effect of openness (Grimmelikhuijsen et al. 2013)
        new = new + self._by_citizen(tc.transparency_weight * self.open_data_value) * (1.0 - new)
        new = mech.social_trust_update(new, nbr_trust, self.trust_prior, tc.peer_weight, tc.anchor_weight)
        self.trust = np.clip(new, 0.0, 1.0)

    def _shocks(self, t, events, sec) -> None:
        """Breaches (hazard falls with security), scandals; a legal framework damps both."""
        ic = self.config.infosec
        draw = self.rng.random(self.n_muni)
        hazard = ic.breach_hazard * (1.0 - self.posture) / max(1.0 - ic.base_posture, 1e-9)
        severity = np.where(draw < hazard, 1.0, 0.0)
        scandal = np.zeros(self.n_muni)
        for e in events:
            if e.step != t:
                continue
            if e.kind == "breach":
                _apply(severity, e.municipality, lambda v, s=e.severity: np.maximum(v, s))
            elif e.kind == "scandal":
                _apply(scandal, e.municipality, lambda v, s=e.severity: np.maximum(v, s))
        self.week_stats["breaches"] = (severity > 0).astype(float)
        damp = 1.0 - ic.legal_damping * sec.legal_strength
        if severity.any():
            s = severity[self.muni] * damp
            self.trust = self.trust * (1.0 - ic.breach_trust_drop * s)
            self.privacy = self.privacy + ic.breach_privacy_rise * s * (1.0 - self.privacy)
            hit = severity > 0
            self.portal_down_until[hit] = t + 1 + ic.breach_downtime_weeks
        if scandal.any():
            self.trust = self.trust * (1.0 - self.config.trust.scandal_drop * scandal[self.muni])

    def _talent(self, t, tal) -> None:
        """Attrition (lowered by a premium), hiring (skill raised by it), ICT training."""
        o = self.config.officials
        k = self.off_skill.size
        leave_p = o.attrition_annual / 52.0 * max(0.0, 1.0 - tal.retention_elasticity * tal.salary_premium)
        leave = self.off_active & (self.rng_staff.random(k) < leave_p)
        self.off_active[leave] = False
        self.off_vacant_until[leave] = t + o.vacancy_weeks
        self.attrition_count += np.bincount(self.off_muni[leave], minlength=self.n_muni)
        hire = ~self.off_active & (self.off_vacant_until <= t)
        nh = int(hire.sum())
        if nh:
            wf = np.sqrt(self.muni_wealth[self.off_muni[hire]])
            mean = np.minimum(1.0, o.market_skill_mean * wf * (1.0 + tal.hiring_skill_gain * tal.salary_premium))
            self.off_skill[hire] = np.clip(mean + 0.12 * self.rng_staff.standard_normal(nh), 0.05, 1.0)
            self.off_ict[hire] = np.clip(o.ict_skill_mean * wf + 0.12 * self.rng_staff.standard_normal(nh), 0.0, 1.0)
            self.off_active[hire] = True
            self.off_tenure[hire] = 0
        self.off_tenure += self.off_active
        if tal.training_rand > 0:
            per_official = tal.training_rand / 1e6 / max(1, o.n_officials)
            # a week's training closes at most the whole gap (ICT skill stays <= 1)
            rate = min(1.0, tal.training_per_million * per_official / 52.0)
            self.off_ict += self.off_active * rate * (1.0 - self.off_ict)

    # ------------------------------------------------------------------ recording

    def _record(self) -> None:
        # the week's tallies; the metrics are computed from them when the table is read
        self._latest_tally = week_tally(self)
        self.datacollector.add_week(self.week, self.time, self._latest_tally)

    @property
    def latest(self) -> dict[str, Any]:
        """The region's metrics as last recorded (``step``, ``municipality`` and every metric)."""
        region = dict(zip(METRICS, metric_tables([self._latest_tally])[0, -1].tolist(), strict=True))
        return {"step": self.week, "municipality": "region", **region}

    def run(self, steps: int | None = None) -> None:
        """Run ``steps`` weeks (default: the scenario's horizon)."""
        for _ in range(self.config.run.steps if steps is None else steps):
            self.step()

    def timeseries(self):
        """The recorded metrics as a tidy pandas DataFrame (one row per step and municipality)."""
        return self.datacollector.get_table_dataframe("timeseries")


def _group_medians(group: np.ndarray, value: np.ndarray, n_groups: int) -> np.ndarray:
    """Median of whole numbers ``value >= 0`` per group, as np.median gives; 0 for an empty group."""
    if value.size == 0:
        return np.zeros(n_groups)
    width = int(value.max()) + 1
    hist = np.bincount(group * width + value, minlength=n_groups * width).reshape(n_groups, width)
    n = np.add.reduce(hist, axis=1)
    cum = np.cumsum(hist, axis=1)
    # the value at 0-based rank r is the number of values whose cumulative count is <= r
    lower = np.add.reduce(cum <= ((n - 1) // 2)[:, None], axis=1)
    upper = np.add.reduce(cum <= (n // 2)[:, None], axis=1)
    return np.where(n > 0, (lower + upper) / 2.0, 0.0)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (restored on exit, also on error)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _add_array_agents(model: mesa.Model, cls: type[ArrayAgent], n: int) -> None:
    """Create ``n`` agents of ``cls`` that view rows 0 .. n-1 of the model's arrays.

    The result is what ``cls.create_agents(model, n, idx=range(n))`` gives: real
    Mesa agents in ``model.agents`` and ``model.agents_by_type[cls]``, with
    ``unique_id`` counting on from the model's counter.  Mesa registers agents
    one by one (a signal and a debug message each, about 3 us); here the batch is
    registered at once, about 0.6 us an agent.  When anything observes agents
    being added, or Mesa's registries are not the ones this was written for
    (Mesa 3.5), it falls back to ``create_agents``.
    """
    all_agents = getattr(model, "_all_agents", None)
    by_type = getattr(model, "_agents_by_type", None)
    existing = by_type.get(cls) if isinstance(by_type, dict) else None
    fast = (
        isinstance(getattr(all_agents, "_agents", None), dict)
        and (existing is None or isinstance(getattr(existing, "_agents", None), dict))
        and isinstance(getattr(model, "agent_id_counter", None), int)
        and not getattr(cls, "_datasets", None)
        and not model._has_subscribers("agents", ModelSignals.AGENT_ADDED)
    )
    if not fast:
        cls.create_agents(model, n, idx=list(range(n)))
        return
    first = model.agent_id_counter
    new = object.__new__
    agents = [new(cls) for _ in range(n)]
    for i, agent in enumerate(agents):
        # the attributes mesa.Agent.__init__ and ArrayAgent.__init__ set
        agent.__dict__ = {"model": model, "unique_id": first + i, "pos": None, "idx": i}
    model.agent_id_counter = first + n
    keys = dict.fromkeys(agents)
    all_agents._agents.update(keys)  # type: ignore[union-attr]
    if existing is None:
        by_type[cls] = type(all_agents)(agents, random=model.random)  # type: ignore[index, misc]
    else:
        existing._agents.update(keys)


def _cheapest_e_channel(portal: float, ussd: float, social: float,
                        youth_social_factor: float) -> tuple[np.ndarray, np.ndarray]:
    """Best e-channel and its cost for each pattern of open e-channels.

    Pattern bit j is set when e-channel j (0 portal, 1 USSD, 2 social media) is
    open, bit 3 when the citizen is young (social media costs them
    ``youth_social_factor`` times as much); the best is the cheapest open one,
    ties to the lowest index; with none open the cost is inf (index 0).
    """
    best = np.zeros(16, dtype=np.int8)
    cost = np.full(16, np.inf)
    for pattern in range(16):
        costs = (portal, ussd, social * (youth_social_factor if pattern & 8 else 1.0))
        open_ = [(costs[j], j) for j in range(3) if pattern >> j & 1]
        if open_:
            cost[pattern], best[pattern] = min(open_)
    return best, cost


def _apply(arr: np.ndarray, muni: int | None, fn) -> None:
    if muni is None:
        arr[:] = fn(arr)
    else:
        arr[muni] = fn(arr[muni])


def _nearest_within(nx: np.ndarray, ny: np.ndarray, pts: np.ndarray, reach: float, ids: np.ndarray) -> np.ndarray:
    """For each point, ``ids`` of the nearest node within ``reach`` km, or -1."""
    out = np.full(pts.shape[0], -1, dtype=np.int64)
    if nx.size == 0:
        return out
    d, j = cKDTree(np.column_stack([nx, ny])).query(pts, distance_upper_bound=reach)
    ok = np.isfinite(d)
    out[ok] = ids[j[ok]]
    return out


def _nearest_distance(nx: np.ndarray, ny: np.ndarray, pts: np.ndarray) -> np.ndarray:
    if nx.size == 0:
        return np.full(pts.shape[0], np.inf)
    d, _ = cKDTree(np.column_stack([nx, ny])).query(pts)
    return d
