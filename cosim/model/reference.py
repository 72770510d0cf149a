"""The weekly rules written per citizen: a readable reference for the vectorised engine.

:class:`ReferenceModel` runs the same week as :class:`cosim.CoProductionModel`
(MODEL.md s3, docs/ODD.md), but each citizen is a plain Mesa agent
(:class:`ReferenceCitizen`) whose methods read and change that one citizen, the
way a lecturer would write the model on a board.  For the same scenario and
seed both produce the same table of metrics (to within 1e-9; tests/test_reference.py),
so the fast engine means what these rules say.

Longer than 400 lines on purpose: the whole week per citizen in one file that
reads top to bottom beside MODEL.md s3.

How the two are kept on the same random numbers: each week the engine draws
one block ``u = rng.random((N_DRAWS, n))`` (a row per kind of decision, a
column per citizen; rows nobody reads that week are skipped, see
``CoProductionModel.week_draws`` and :mod:`cosim.model.draws`); the reference draws the same block from
the same generator with the same method and citizen ``i`` reads column ``i``.  Municipal draws (node outages,
seat rounding, breaches, officials leaving and being hired) come from the same
generators in the same order.

What is shared with the engine rather than rewritten here (none of it is a
per-citizen rule):

- the initial state: the reference builds a ``CoProductionModel`` (``world``)
  with the same seed and copies each citizen's starting values from it; the
  world also holds the wards, ICT nodes, officials and the social network;
- the policy schedule of the week (``world.policy``: levers in force, budget,
  events, node capacities), the officials' weekly turnover and training
  (:func:`cosim.model.stages.talent`) and the effective openness of data
  (:func:`cosim.model.stages.open_data`);
- the social network's structure (each citizen's neighbours are read from the
  world's sparse matrix) and, on a complete network, the municipality totals
  that the mean of everyone else is taken from;
- the metrics: each week the citizens' state is copied into the world's arrays
  and the world's ``record`` computes the table
  (tests/test_reference.py also checks some metrics against plain sums over
  the citizens).

The reference is about a hundred times slower than the engine at 10,000
citizens (docs/performance.md): use it to read and to check, not to run studies.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np
import pandas as pd

from cosim.model import stages
from cosim.model.draws import ACT, ADOPT, CENTRE, DATA, HOTSPOT, IDP, NEED, TRAIN
from cosim.model.mechanisms import CHANNEL_MAX_LEVEL, CHANNELS, IAP2_LEVELS
from cosim.model.model import CoProductionModel
from cosim.scenario.schema import Scenario

PORTAL, USSD, SOCIAL, MEETING = range(4)  # channel indices, as in mechanisms.CHANNELS


def clip(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    """``x`` limited to [lo, hi]."""
    return min(max(x, lo), hi)


def served_share(demand: int, capacity: float) -> float:
    """Chance that a user of a node is served: its capacity shared among its users."""
    return 1.0 if demand == 0 else min(1.0, capacity / demand)


@dataclass
class Request:
    """A service request waiting in a municipality's queue."""

    citizen: ReferenceCitizen
    week: int      # week it was made
    channel: int   # 1 portal, 2 USSD, 3 social media, 4 ward meeting


class ReferenceCitizen(mesa.Agent):
    """One resident: the same attributes as :class:`cosim.Citizen`, held as plain Python values.

    Each method reads and changes this citizen only; the model calls them in
    the order of the week (:meth:`ReferenceModel.step`), waiting between stages
    where a shared resource (a node's capacity, training seats, officials'
    time) must first be divided among everyone who asks for it.
    """

    def __init__(self, model: ReferenceModel, i: int):
        super().__init__(model)
        w = model.world.citizens
        c = model.config
        self.i = i
        self.ward = int(w.ward[i])
        self.municipality = int(w.municipality[i])
        self.income = int(w.income[i])                  # 0 low, 1 mid, 2 high
        self.age = int(w.age[i])                        # 0 youth, 1 adult, 2 senior
        self.smartphone = bool(w.device[i] == 2)
        self.phone = bool(w.device[i] >= 1)
        self.data_affordability = float(w.data_affordability[i])  # weekly chance of having own data
        self.literacy = float(w.literacy[i])
        self.trust = float(w.trust[i])
        self.trust_prior = float(w.trust_prior[i])
        self.privacy_concern = float(w.privacy_concern[i])
        self.awareness = float(w.awareness[i])
        self.adopted = bool(w.adopted[i])
        self.propensity = float(w.propensity[i])
        self.expectation = float(w.expectation[i])
        self.responsiveness = float(w.responsiveness[i])
        self.near_training = bool(w.near_training[i])
        self.centre = int(w.access_centre[i]) if w.access_centre[i] >= 0 else None  # access centre in reach
        # chance a service need arises this week; cost of reaching a ward meeting
        self.need_chance = c.municipality.need_rate * float(model.world.wards.need_mult[self.ward])
        pc = c.participation
        self.meeting_cost = pc.cost_meeting * (1.0 + float(w.meeting_km[i]) / pc.meeting_distance_km)
        self.contributions = int(w.contributions[i])
        self.last_participation = int(w.last_participation[i])
        self.online = False
        self.channel = 0  # this week's channel: 0 none, 1 + index in CHANNELS
        self.level = 0    # this week's IAP2 level: 0 none, 1 inform ... 5 empower
        self.commented = False
        self.neighbours: list[ReferenceCitizen] = []
        # this week's experiences: sum and number of outcomes
        self.outcome_sum = 0.0
        self.outcome_n = 0

    # -- 3. access ---------------------------------------------------------------

    def want_hotspot(self, u: list[float], hotspot: int | None, data_factor: float, node_up: list[bool]) -> bool:
        """Own mobile data this week?  If not, does a smartphone owner try a working free hotspot?"""
        self.has_data = u[DATA] < self.data_affordability * data_factor
        self.hotspot = hotspot
        self.wants_hotspot = (self.smartphone and not self.has_data and hotspot is not None
                              and node_up[hotspot])
        return self.wants_hotspot

    def use_hotspot(self, u: list[float], served: list[float]) -> None:
        """Get on the hotspot if it has capacity for this citizen."""
        hotspot_ok = self.wants_hotspot and u[HOTSPOT] < served[self.hotspot]  # type: ignore[index]
        self.online = self.smartphone and (self.has_data or hotspot_ok)

    def want_centre(self, node_up: list[bool]) -> bool:
        """Not online on a phone: go to an access centre in reach, if it is open (SmartCape model)."""
        self.wants_centre = not self.online and self.centre is not None and node_up[self.centre]
        return self.wants_centre

    def use_centre(self, u: list[float], served: list[float]) -> None:
        """Get a computer at the centre if it has capacity for this citizen."""
        if self.wants_centre and u[CENTRE] < served[self.centre]:  # type: ignore[index]
            self.online = True

    # -- 4. literacy ---------------------------------------------------------------

    def learn(self, trained: bool) -> None:
        """Training closes a share of the gap; use teaches; disuse slowly erodes (Arrow 1962)."""
        lit = self.model.config.literacy
        literacy = self.literacy
        if trained:
            literacy = literacy + lit.training_gain * (1.0 - literacy)
        if self.online and self.adopted:
            literacy = literacy + lit.learning_by_doing * (1.0 - literacy)
        else:
            literacy = literacy - lit.decay * literacy
        self.literacy = clip(literacy)

    # -- 5-7. awareness, adoption, participation -----------------------------------

    def step(self, week: int, u: list[float], nbr_adopted: float, nbr_awareness: float,
             policy: Any, portal_open: bool, window: bool, queue: list[Request]) -> None:
        """This citizen's week after access and training: awareness, adoption, participation.

        ``nbr_adopted`` and ``nbr_awareness`` are the neighbours' means at the
        start of the week; ``portal_open`` says whether the municipality's portal
        is up; a request this citizen makes joins ``queue``.
        """
        c = self.model.config
        w = self.model.world
        lv = policy.levers
        ch = lv["channels"]

        # 5. awareness: campaigns, word of mouth, the IDP window
        aw = c.awareness
        gain = lv["campaign"].reach_per_week + aw.word_of_mouth * nbr_awareness + aw.idp_boost * window
        self.awareness = clip(self.awareness + (1.0 - self.awareness) * min(gain, 1.0) - aw.decay * self.awareness)

        # 6. adoption: Bass hazard (Bass 1969) x UTAUT intention (Venkatesh et al. 2003)
        ad = c.adoption
        # facilitating conditions: full online, partial with USSD alone
        if self.online and (portal_open or ch.social):
            e_channel = 1.0
        elif self.phone and ch.ussd:
            e_channel = ad.ussd_access
        else:
            e_channel = 0.0
        munis = w.municipalities
        # privacy calculus (Dinev & Hart 2006)
        risk = self.privacy_concern * (1.0 - float(munis.posture[self.municipality]))
        performance = clip(self.responsiveness + ad.open_data_weight * float(munis.open_data_value[self.municipality]))
        utility = (ad.beta_performance * (performance - 0.5) + ad.beta_effort * (self.literacy - 0.5)
                   + ad.beta_trust * (self.trust - 0.5) - ad.beta_privacy * risk)
        intention = 2.0 / (1.0 + math.exp(-utility))  # 1 for a neutral citizen
        if self.adopted:
            lapse = ad.lapse_rate * clip(1.0 - intention)
            self.adopted = u[ADOPT] >= lapse
        else:
            hazard = clip((ad.p + ad.q * nbr_adopted) * intention * self.awareness * e_channel)
            self.adopted = u[ADOPT] < hazard

        # 7. participation: a need (or an IDP consultation) acted on through the cheapest channel
        pc = c.participation
        open_channels = []  # (cost, index) in CHANNELS order
        if self.adopted and self.online and portal_open:
            open_channels.append((pc.cost_portal, PORTAL))
        if self.adopted and self.phone and ch.ussd:
            open_channels.append((pc.cost_ussd, USSD))
        if self.adopted and self.online and ch.social:
            youth = self.age == 0  # youth find social media cheaper (assumption)
            open_channels.append((pc.cost_social * (pc.youth_social_factor if youth else 1.0), SOCIAL))
        if ch.ward_meetings:
            open_channels.append((self.meeting_cost, MEETING))
        level_offered = IAP2_LEVELS.index(ch.iap2_level) + 1
        # efficacy: trust raises acting (OECD 2024)
        efficacy = (1.0 - pc.efficacy_weight) + pc.efficacy_weight * 2.0 * self.trust
        efficacy = efficacy * (1.0 + pc.iap2_efficacy * (level_offered - 2))
        if open_channels:
            cost, best = min(open_channels)  # the cheapest; ties to the first in CHANNELS
            act_chance = clip(self.propensity * efficacy * (1.0 - cost))
        else:
            best, act_chance = 0, 0.0
        act = u[NEED] < self.need_chance and u[ACT] < act_chance
        self.commented = window and u[IDP] < pc.idp_rate * act_chance
        if act or self.commented:
            self.channel = best + 1
            self.level = min(level_offered, int(CHANNEL_MAX_LEVEL[self.channel]))
            self.last_participation = week
        else:
            self.channel = self.level = 0
        self.contributions += act + self.commented
        if act:
            queue.append(Request(self, week, self.channel))

    # -- 9. trust -------------------------------------------------------------------

    def update_trust(self, nbr_trust: float, ward_quality: float, transparency: float) -> None:
        """Trust after this week's experiences, the ward's service and the neighbours' trust.

        ``transparency`` is the weekly pull of open data toward trust in this
        citizen's municipality; ``nbr_trust`` the neighbours' mean at the start
        of the week.
        """
        tc = self.model.config.trust
        trust = self.trust
        if self.outcome_n > 0:
            # expectancy-disconfirmation, bad news weighing more (Slovic 1993; Van Ryzin 2006)
            outcome = self.outcome_sum / self.outcome_n
            gap = outcome - self.expectation
            trust = clip(trust + tc.alpha_plus * max(gap, 0.0) + tc.alpha_minus * min(gap, 0.0))
            self.expectation = self.expectation + tc.expectation_rate * (outcome - self.expectation)
            self.responsiveness = self.responsiveness + tc.responsiveness_rate * (outcome - self.responsiveness)
        else:
            trust = trust + tc.quality_weight * (ward_quality - trust)
        trust = trust + transparency * (1.0 - trust)  # Grimmelikhuijsen et al. 2013
        # Friedkin-Johnsen: toward the neighbours, anchored to the prior
        trust = trust + tc.peer_weight * (nbr_trust - trust) + tc.anchor_weight * (self.trust_prior - trust)
        self.trust = clip(trust)
        self.outcome_sum, self.outcome_n = 0.0, 0

    def suffer_shock(self, breach: float, scandal: float) -> None:
        """A breach of strength ``breach`` (already damped by the legal framework) and a scandal."""
        ic = self.model.config.infosec
        if breach > 0:
            self.trust = self.trust * (1.0 - ic.breach_trust_drop * breach)
            self.privacy_concern = (self.privacy_concern
                                    + ic.breach_privacy_rise * breach * (1.0 - self.privacy_concern))
        if scandal > 0:
            self.trust = self.trust * (1.0 - self.model.config.trust.scandal_drop * scandal)


class ReferenceModel(mesa.Model):
    """The co-production model, one citizen at a time (see the module docstring).

    Args:
        scenario: a validated scenario (defaults if None).
        rng: an integer seed (or None), as for ``CoProductionModel``.
        collect: record the metrics every week.

    ``timeseries()`` gives the same table as the engine's.
    """

    def __init__(self, scenario: Scenario | None = None, rng: int | None = None, *, collect: bool = True):
        if rng is not None and not isinstance(rng, int | np.integer):
            raise TypeError("ReferenceModel needs an integer seed (the world and the engine share it)")
        super().__init__(rng=rng)
        self.world = CoProductionModel(scenario, rng=rng, collect=False)
        self.config = self.world.config
        self.week = 0
        self.collect = collect
        self.citizens = [ReferenceCitizen(self, i) for i in range(self.world.n)]
        w = self.world
        if w.network is not None:
            indptr, indices = w.network.indptr, w.network.indices
            for i, citizen in enumerate(self.citizens):
                citizen.neighbours = [self.citizens[j] for j in indices[indptr[i]:indptr[i + 1]]]
        self.queue: list[Request] = []
        self.carry = [0.0] * w.n_muni  # officials' unused fractional capacity
        if collect:
            self._record()

    # ------------------------------------------------------------------ the week

    def step(self) -> None:
        """One week, in the engine's order (MODEL.md s3)."""
        w, c = self.world, self.config
        t = self.week
        M = w.n_muni
        citizens = self.citizens

        # 1. policy schedule (shared with the engine)
        policy = w.policy(t)
        lv = w.levers = policy.levers
        w.week_stats["spend"] = np.full(M, policy.spend)
        w.municipalities.spend_total += policy.spend

        # 2. ICT nodes up or down this week
        node_up = (w.rng_nodes.random(w.nodes.n) >= policy.p_down).tolist()
        w.nodes.up = np.array(node_up, dtype=bool)

        # the week's uniform draws: citizen i reads column i
        draws = w.week_draws(policy, t)  # rows nobody reads this week are skipped (not drawn)
        u = [draws[:, i].tolist() for i in range(w.n)]

        # 3. access: own data, then free hotspots, then access centres, each node's
        #    capacity shared among those who ask for it
        capacity = policy.node_capacity.tolist()
        data_factor = [1.0] * M if policy.data_factor is None else policy.data_factor.tolist()
        hotspot_of = [None if h < 0 else int(h) + w.nodes.n_centres for h in w.citizens.hotspot]
        demand = [0] * len(capacity)
        for ct in citizens:
            if ct.want_hotspot(u[ct.i], hotspot_of[ct.i], data_factor[ct.municipality], node_up):
                demand[ct.hotspot] += 1  # type: ignore[index]
        served = [served_share(d, cap) * policy.cap_factor for d, cap in zip(demand, capacity, strict=True)]
        for ct in citizens:
            ct.use_hotspot(u[ct.i], served)
        demand = [0] * len(capacity)
        for ct in citizens:
            if ct.want_centre(node_up):
                demand[ct.centre] += 1  # type: ignore[index]
        served = [served_share(d, cap) for d, cap in zip(demand, capacity, strict=True)]
        for ct in citizens:
            ct.use_centre(u[ct.i], served)
        ch = lv["channels"]
        portal_open = [bool(ch.portal and w.municipalities.portal_down_until[m] <= t) for m in range(M)]

        # 4. literacy: training seats, learning by doing, decay
        trained = self._training(lv["training"], u)
        for ct in citizens:
            ct.learn(ct in trained)

        # neighbours' trust, adoption and awareness at the start of the week
        nbr = self._neighbour_means()

        # 5-7. awareness, adoption, participation (and effective openness of data)
        stages.open_data(c, w.municipalities, lv["open_data"], lv["links"], w.staff().ict_skill)
        window = w.idp_window(t)
        new_requests = len(self.queue)
        for ct in citizens:
            ct.step(t, u[ct.i], nbr[ct.i][1], nbr[ct.i][2], policy, portal_open[ct.municipality], window,
                    self.queue)
        requests = [0.0] * M
        for r in self.queue[new_requests:]:
            requests[r.citizen.municipality] += 1
        w.week_stats["requests"] = np.array(requests)
        w.totals["submitted"] += len(self.queue) - new_requests

        # 8. co-production: officials resolve requests first in first out
        self._coproduce(t, lv["links"], policy.level_offered)

        # 9. trust, then shocks
        transparency = [c.trust.transparency_weight * v for v in w.municipalities.open_data_value.tolist()]
        quality = w.wards.quality.tolist()
        for ct in citizens:
            ct.update_trust(nbr[ct.i][0], quality[ct.ward], transparency[ct.municipality])
        self._shocks(t, policy.events, lv["security"])

        # 10. officials: attrition, hiring, ICT training (shared with the engine)
        stages.talent(c, w.officials, w.municipalities, t, lv["talent"], w.rng_staff)

        # 11. record
        self.week += 1
        if self.collect:
            self._record()

    def _training(self, tr: Any, u: list[list[float]]) -> set[ReferenceCitizen]:
        """Training seats: whole seats per municipality, to the eligible citizens first in line."""
        w = self.world
        M = w.n_muni
        frac = w.rng.random(M).tolist()  # stochastic rounding of fractional seats
        scale = w.municipalities.scale.tolist()
        seats = [math.floor(tr.seats_per_week / scale[m] + frac[m]) if tr.seats_per_week > 0 else 0
                 for m in range(M)]
        w.week_stats["trained"] = np.array(seats, dtype=float)
        trained: set[ReferenceCitizen] = set()

        def place_in_line(ct: ReferenceCitizen) -> float:
            draw = u[ct.i][TRAIN]
            if tr.targeting == "random":
                return draw
            if tr.targeting == "low_literacy":
                return ct.literacy + 1e-3 * draw
            return ct.income + 0.5 * draw  # low income first

        for m in range(M):
            if seats[m] == 0:
                continue
            eligible = [ct for ct in self.citizens
                        if ct.municipality == m and ct.near_training and ct.literacy < 0.999]
            trained.update(sorted(eligible, key=place_in_line)[: seats[m]])
        return trained

    def _neighbour_means(self) -> list[tuple[float, float, float]]:
        """Each citizen's neighbours' mean trust, adoption and awareness (DeGroot averaging)."""
        w = self.world
        if w.network is not None:
            out = []
            for ct in self.citizens:
                k = len(ct.neighbours)
                out.append((sum(nb.trust for nb in ct.neighbours) / k,
                            sum(nb.adopted for nb in ct.neighbours) / k,
                            sum(nb.awareness for nb in ct.neighbours) / k))
            return out
        # complete network: the mean of everyone else in the municipality (from its totals)
        totals = [[0.0, 0.0, 0.0] for _ in range(w.n_muni)]
        size = [0] * w.n_muni
        for ct in self.citizens:
            tot = totals[ct.municipality]
            tot[0] += ct.trust
            tot[1] += ct.adopted
            tot[2] += ct.awareness
            size[ct.municipality] += 1
        out = []
        for ct in self.citizens:
            tot, others = totals[ct.municipality], max(size[ct.municipality] - 1.0, 1.0)
            out.append(((tot[0] - ct.trust) / others, (tot[1] - ct.adopted) / others,
                        (tot[2] - ct.awareness) / others))
        return out

    def _coproduce(self, t: int, links: Any, level_offered: int) -> None:
        """Officials resolve requests in order of arrival, up to capacity x skill per week."""
        w, c = self.world, self.config
        o, cp, pc = c.officials, c.coproduction, c.participation
        M = w.n_muni
        off = w.officials
        active = off.active.tolist()
        skill_of, ict_of, muni_of = off.skill.tolist(), off.ict_skill.tolist(), off.municipality.tolist()
        cap, n_act, skill, ict = [0.0] * M, [0.0] * M, [0.0] * M, [0.0] * M
        for k in range(len(active)):
            m = muni_of[k]
            cap[m] += o.capacity_per_week * skill_of[k] * active[k]
            n_act[m] += active[k]
            skill[m] += skill_of[k] * active[k]
            ict[m] += ict_of[k] * active[k]
        scale = w.municipalities.scale.tolist()
        cnt = [max(x, 1.0) for x in n_act]
        cap = [cap[m] / scale[m] for m in range(M)]
        skill = [skill[m] / cnt[m] for m in range(M)]
        ict = [ict[m] / cnt[m] for m in range(M)]
        pooled = links.shared_talent_pool and M > 1
        if pooled:  # one queue for the region, officials' skill averaged
            total = sum(cnt)
            skill = [sum(s * n for s, n in zip(skill, cnt, strict=True)) / total] * M
            ict = [sum(s * n for s, n in zip(ict, cnt, strict=True)) / total] * M
            self.carry = [self.carry[0]] + [0.0] * (M - 1)
            available = [self.carry[0] + sum(cap)]
        else:
            available = [self.carry[m] + cap[m] for m in range(M)]
        whole = [math.floor(a) for a in available]
        used = [0] * len(whole)
        resolved, waiting, dropped = [], [], []
        for r in self.queue:
            pool = 0 if pooled else r.citizen.municipality
            if used[pool] < whole[pool]:
                used[pool] += 1
                resolved.append(r)
            elif t - r.week >= pc.max_wait_weeks:
                dropped.append(r)
            else:
                waiting.append(r)
        # unused capacity is lost; only the fractional part carries to next week
        carry = [0.0 if used[k] < whole[k] else available[k] - whole[k] for k in range(len(whole))]
        self.carry = carry + self.carry[len(carry):]
        self.queue = waiting

        # co-produced quality: citizen input x official input (Cobb-Douglas; Ostrom 1996)
        open_data = w.municipalities.open_data_value.tolist()
        outcomes = []
        for r in resolved:
            m = r.citizen.municipality
            citizen_input = clip((cp.report_floor + (1.0 - cp.report_floor) * r.citizen.literacy)
                                 * (1.0 + cp.open_data_boost * open_data[m]))
            official_input = skill[m] * (math.sqrt(max(ict[m], 0.0)) if r.channel != 4 else 1.0)
            outcome = citizen_input**cp.citizen_share * official_input ** (1.0 - cp.citizen_share)
            outcomes.append(outcome * math.exp(-(t - r.week) / pc.max_wait_weeks))  # timeliness

        # the municipality's week: requests resolved and dropped, waiting times, mean outcome
        n_res, n_drop, out_sum = [0.0] * M, [0.0] * M, [0.0] * M
        waits: list[list[int]] = [[] for _ in range(M)]
        for r, outcome in zip(resolved, outcomes, strict=True):
            m = r.citizen.municipality
            n_res[m] += 1
            out_sum[m] += outcome
            waits[m].append(t - r.week)
        for r in dropped:
            n_drop[r.citizen.municipality] += 1
        for r in waiting:  # where nothing was resolved, the median age of what still waits
            if n_res[r.citizen.municipality] == 0:
                waits[r.citizen.municipality].append(t - r.week)
        ws = w.week_stats
        ws["median_wait"] = np.array([float(statistics.median(x)) if x else 0.0 for x in waits])
        ws["resolved"], ws["dropped"] = np.array(n_res), np.array(n_drop)
        ws["outcome"] = np.array([out_sum[m] / max(n_res[m], 1.0) for m in range(M)])
        w.cumulative["resolved"] += ws["resolved"]
        w.cumulative["dropped"] += ws["dropped"]
        w.totals["resolved"] += len(resolved)
        w.totals["dropped"] += len(dropped)

        # ward service quality follows resolved co-produced work (moving average of coverage)
        mc = c.municipality
        wards = w.wards
        done = [0.0] * wards.n
        for r, outcome in zip(resolved, outcomes, strict=True):
            done[r.citizen.ward] += outcome
        size = np.bincount(w.citizens.ward, minlength=wards.n).tolist()
        need_mult, base = wards.need_mult.tolist(), wards.base_quality.tolist()
        coverage, quality = wards.coverage.tolist(), wards.quality.tolist()
        for k in range(wards.n):
            expected = max(max(size[k], 1) * mc.need_rate * need_mult[k], 1e-12)
            coverage[k] = (1.0 - mc.coverage_rate) * coverage[k] + mc.coverage_rate * min(1.0, done[k] / expected)
            target = base[k] + (1.0 - base[k]) * coverage[k] * cp.quality_gain
            quality[k] = clip(quality[k] + mc.quality_response * (target - quality[k]))
        wards.coverage, wards.quality = np.array(coverage), np.array(quality)

        # each citizen's experiences: outcomes, dropped requests (0), IDP feedback
        for r, outcome in zip(resolved, outcomes, strict=True):
            r.citizen.outcome_sum += outcome
            r.citizen.outcome_n += 1
        for r in dropped:
            r.citizen.outcome_sum += 0.0
            r.citizen.outcome_n += 1
        feedback = cp.feedback_floor + (1.0 - cp.feedback_floor) * (level_offered - 1) / 4.0
        for ct in self.citizens:
            if ct.commented:
                ct.outcome_sum += feedback
                ct.outcome_n += 1

    def _shocks(self, t: int, events: list[Any], sec: Any) -> None:
        """Breaches (a hazard falling with security), scandals; a legal framework damps both."""
        w, ic = self.world, self.config.infosec
        M = w.n_muni
        draw = w.rng.random(M).tolist()
        posture = w.municipalities.posture.tolist()
        breach = [1.0 if draw[m] < ic.breach_hazard * (1.0 - posture[m]) / max(1.0 - ic.base_posture, 1e-9)
                  else 0.0 for m in range(M)]
        scandal = [0.0] * M
        for e in events:
            if e.step != t:
                continue
            hit = range(M) if e.municipality is None else [e.municipality]
            for m in hit:
                if e.kind == "breach":
                    breach[m] = max(breach[m], e.severity)
                elif e.kind == "scandal":
                    scandal[m] = max(scandal[m], e.severity)
        w.week_stats["breaches"] = np.array([float(b > 0) for b in breach])
        damp = 1.0 - ic.legal_damping * sec.legal_strength
        for ct in self.citizens:
            ct.suffer_shock(breach[ct.municipality] * damp, scandal[ct.municipality])
        for m in range(M):
            if breach[m] > 0:  # e-services down while the breach is handled
                w.municipalities.portal_down_until[m] = t + 1 + ic.breach_downtime_weeks

    # ------------------------------------------------------------------ recording

    def _record(self) -> None:
        """Copy the citizens' state into the world's arrays and record the world's metrics."""
        w = self.world
        cs = self.citizens
        for name, dtype in (("trust", float), ("literacy", float), ("awareness", float), ("privacy_concern", float),
                            ("expectation", float), ("responsiveness", float), ("adopted", bool),
                            ("online", bool), ("contributions", np.int64), ("last_participation", np.int64),
                            ("channel", np.int8), ("level", np.int8), ("commented", bool)):
            setattr(w.citizens, name, np.array([getattr(ct, name) for ct in cs], dtype=dtype))
        w.queue.citizen = np.array([r.citizen.i for r in self.queue], dtype=np.int64)
        w.queue.week = np.array([r.week for r in self.queue], dtype=np.int64)
        w.queue.channel = np.array([r.channel for r in self.queue], dtype=np.int8)
        w.week = self.week
        w.record()

    def run(self, steps: int | None = None) -> None:
        """Run ``steps`` weeks (default: the scenario's horizon)."""
        for _ in range(self.config.run.steps if steps is None else steps):
            self.step()

    def timeseries(self) -> pd.DataFrame:
        """The recorded metrics, one row per week and municipality (as ``CoProductionModel.timeseries``)."""
        return self.world.timeseries()


__all__ = ["CHANNELS", "ReferenceCitizen", "ReferenceModel", "Request"]
