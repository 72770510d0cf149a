"""The weekly rules written per citizen: a readable reference for the vectorised engine.

:class:`ReferenceModel` runs the same week as :class:`cosim.CoProductionModel`
(MODEL.md s3, docs/ODD.md), but each citizen is a plain Mesa agent
(:class:`ReferenceCitizen`) whose methods read and change that one citizen, the
way a lecturer would write the model on a board.  For the same scenario and
seed both produce the same table of metrics (to within 1e-9; tests/test_reference.py),
so the fast engine means what these rules say.

Longer than 400 lines on purpose: the whole week per citizen in one file that
reads top to bottom beside MODEL.md s3.

How the two are kept on the same random numbers: the world (below) is a
``CoProductionModel`` built with the same seed, so after its burn-in its
generators (``rng``, ``rng_nodes``, ``rng_staff``, ``rng_queue``; ``rng_place``
for hotspots) are in the state the engine's are in at week 0, and the
reference draws every number of the week from them, in the engine's order.
Each week the engine draws one block ``u = rng.random((N_DRAWS, n))`` (a row
per kind of decision, a column per citizen; rows nobody reads that week are
skipped, see ``CoProductionModel.week_draws`` and :mod:`cosim.model.draws`); the
reference draws the same block from the same generator with the same method
and citizen ``i`` reads column ``i``.  The request queue's triage draws one
uniform per waiting request from ``rng_queue``, in queue order, after the
week's new requests have joined; the reference keeps the queue in the same
order and request ``k`` reads draw ``k``.  Municipal draws (node outages, seat
rounding, breaches, officials leaving and being hired) come from the same
generators in the same order.

What is shared with the engine rather than rewritten here (none of it is a
per-citizen rule):

- the initial state: the reference builds a ``CoProductionModel`` (``world``)
  with the same seed, which builds the region and runs the burn-in
  (``run.burn_in_weeks`` of status-quo history before week 0, MODEL.md s2); the
  reference copies each citizen's post-burn-in values from it (trust and
  generalised trust, disposition, personal efficacy, literacy and its floor,
  ...) and the requests still waiting (with the negative weeks they were made
  in); the world also holds the wards (their quality, service work, IDP input
  and plan priority are read from and written back to its arrays), the ICT
  nodes, the officials and the social network;
- the policy schedule of the week (``world.policy``: levers in force, budget,
  events, node capacities), the officials' weekly turnover and training
  (:func:`cosim.model.stages.talent`) and the effective openness of data
  (:func:`cosim.model.stages.open_data`);
- the social network's structure (each citizen's neighbours are read from the
  world's sparse matrix) and, on a complete network, the municipality totals
  that the mean of everyone else is taken from;
- the exogenous trends' scheduled values of the week (``world.trend_values``:
  input, not a rule) and, per income group, the device-change chances that
  close the gap to the schedule (``mechanisms.trends.device_transition``, a
  group-level rule like a node's capacity share); each citizen's ageing,
  replacement by a newcomer, device change and data affordability are
  written here (``ReferenceModel._trends``), drawing from the world's
  ``rng_trends`` in the engine's order;
- the metrics: each week the citizens' state is copied into the world's arrays
  and the world's ``record`` computes the table
  (tests/test_reference.py also checks some metrics against plain sums over
  the citizens).

Sums are taken in the engine's order (citizens, officials, wards and requests
in index order), so that the two agree to the last bit wherever they can.

The reference is about a hundred times slower than the engine at 10,000
citizens (docs/performance.md): use it to read and to check, not to run studies.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np
import pandas as pd

from cosim.model import stages
from cosim.model.draws import ACT, ADOPT, CENTRE, DATA, HOTSPOT, IDP, IDP_COUNT, MEET, NEED, TRAIN, USE
from cosim.model.mechanisms import CHANNEL_MAX_LEVEL, CHANNELS, IAP2_LEVELS
from cosim.model.mechanisms import trends as trend_rules
from cosim.model.mechanisms.services import MAX_RELATIVE_INPUT
from cosim.model.model import CoProductionModel
from cosim.scenario.schema import Scenario

PORTAL, USSD, SOCIAL, MEETING = range(4)  # channel indices, as in mechanisms.CHANNELS


def running_sum(values: Any) -> float:
    """Sum in order, one addition at a time, as the engine's ``np.bincount`` does (Python's ``sum`` compensates)."""
    total = 0.0
    for v in values:
        total += v
    return total


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
    week: int      # week it was made (negative: made during the burn-in)
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
        w = model.world.citizens  # after the world's burn-in
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
        self.literacy_floor = float(w.literacy_floor[i])  # literacy decays toward this, not to zero
        self.trust = float(w.trust[i])
        self.generalised = float(w.generalised[i])        # generalised trust: the slow anchor of trust
        self.disposition = float(w.disposition[i])        # fixed offset to the ward quality perceived
        self.efficacy = float(w.efficacy[i])              # personal efficacy, learnt from requests' fates
        self.privacy_concern = float(w.privacy_concern[i])
        self.awareness = float(w.awareness[i])
        self.adopted = bool(w.adopted[i])
        self.propensity = float(w.propensity[i])
        self.expectation = float(w.expectation[i])
        self.responsiveness = float(w.responsiveness[i])
        self.near_training = bool(w.near_training[i])
        self.centre = int(w.access_centre[i]) if w.access_centre[i] >= 0 else None  # access centre in reach
        # chance a service need arises this week; cost of reaching a ward meeting
        # activists (propensity beyond its cap) also meet their neighbourhood's needs (Sjoberg et al. 2017)
        reach = min(float(w.reach[i]), c.participation.activist_reach_max)
        self.reach = reach
        self.need_chance = min(1.0, c.municipality.need_rate * float(model.world.wards.need_mult[self.ward]) * reach)
        pc = c.participation
        self.meeting_cost = pc.cost_meeting * (1.0 + float(w.meeting_km[i]) / pc.meeting_distance_km)
        self.contributions = int(w.contributions[i])
        self.last_participation = int(w.last_participation[i])
        # last week's (the burn-in's last) choices, as the world's week 0 record shows them
        self.online = bool(w.online[i])
        self.last_online = int(w.last_online[i])  # the last week this citizen was online
        self.channel = int(w.channel[i])  # this week's channel: 0 none, 1 + index in CHANNELS
        self.level = int(w.level[i])      # this week's IAP2 level: 0 none, 1 inform ... 5 empower
        self.commented = bool(w.commented.size and w.commented[i])  # (no comments array without a burn-in)
        self.comments = int(w.comments[i])          # IDP comments written this week
        self.attended = bool(w.attended[i])         # at a ward IDP meeting this week
        self.window_comments = int(w.window_comments[i])  # in the latest IDP window
        self.window_attended = int(w.window_attended[i])
        self.comment_way = -1  # how this week's comments were handed in: index in COMMENT_CHANNELS, -1 none
        # hotspot dynamics: knows the hotspot in reach, habit of using it, daily data wanted on it (MB),
        # used one this week / ever since week 0, neighbours' share who used one last week
        self.hotspot_known = bool(w.hotspot_known[i])
        self.hotspot_habit = float(w.hotspot_habit[i])
        self.hotspot_demand_mb = float(w.hotspot_demand_mb[i])
        self.hotspot_used = bool(w.hotspot_used[i])
        self.hotspot_ever = bool(w.hotspot_ever[i])
        self.hotspot_days = float(w.hotspot_days[i])
        self.hotspot_capped = bool(w.hotspot_capped[i])
        self.nbr_hotspot = float(w.nbr_hotspot[i])
        self.neighbours: list[ReferenceCitizen] = []
        # this week's experiences: sum and number of outcomes
        self.outcome_sum = 0.0
        self.outcome_n = 0

    # -- 0. exogenous trends (only when the scenario schedules them) ------------------

    @property
    def device(self) -> int:
        """0 no phone, 1 feature phone, 2 smartphone."""
        return 2 if self.smartphone else 1 if self.phone else 0

    def set_device(self, device: int) -> None:
        self.smartphone, self.phone = device == 2, device >= 1

    def change_device(self, u: float, chances: Any) -> None:
        """Acquire or lose a device with the group's chances this week: changes first, to the better device first."""
        now = self.device
        order = {0: (2, 1), 1: (2, 0), 2: (1, 0)}[now]
        first, second = (float(chances[now, k]) for k in order)
        if u < first:
            self.set_device(order[0])
        elif u < first + second:
            self.set_device(order[1])

    def arrive(self, literacy: float, device: int, data_affordability: float, z_trust: float, z_privacy: float,
               u_adopted: float, mean_quality: float) -> None:
        """A young newcomer takes this slot (same ward, ties, income group, propensity), drawn as at build."""
        p, lit = self.model.config.population, self.model.config.literacy
        self.age = 0
        self.literacy = literacy
        self.literacy_floor = lit.floor_share * literacy
        self.set_device(device)
        self.data_affordability = data_affordability
        self.trust = clip(p.trust_mean + p.trust_sd * z_trust)
        self.generalised = self.trust
        self.disposition = self.trust - mean_quality
        self.privacy_concern = clip(p.privacy_mean + p.privacy_sd * z_privacy)
        self.awareness = clip(p.awareness_initial * (p.awareness_literacy_base + literacy))
        self.adopted = u_adopted < p.adopted_initial and self.phone
        self.efficacy = self.expectation = self.responsiveness = 0.5
        self.contributions = 0
        self.last_participation = self.last_online = -10_000
        self.window_comments = self.window_attended = 0  # the latest IDP window was before their time
        # hotspots: not yet known, no habit, never used; the slot's demand with the youth factor
        self.hotspot_known, self.hotspot_habit, self.hotspot_ever = False, 0.0, False
        self.hotspot_demand_mb = self.hotspot_demand_mb * self.model.config.infrastructure.hotspot_youth_demand

    # -- 3. access ---------------------------------------------------------------

    def want_hotspot(self, u: list[float], hotspot: int | None, data_factor: float, node_up: list[bool]) -> bool:
        """Own mobile data this week?  If not, does a smartphone owner who knows a working free hotspot try it?"""
        self.has_data = u[DATA] < self.data_affordability * data_factor
        self.hotspot = hotspot
        if hotspot is None:  # out of reach of every hotspot: the programme and the habit are forgotten
            self.hotspot_known = False
            self.hotspot_habit = 0.0
        self.wants_hotspot = (self.smartphone and not self.has_data and hotspot is not None
                              and node_up[hotspot] and self.hotspot_known)
        return self.wants_hotspot

    def discover_hotspot(self, u: list[float], campaign_reach: float) -> None:
        """A smartphone owner in reach who does not know the hotspot may discover it (used from next week).

        Signage, word of mouth (neighbours who used one last week), the
        awareness campaign's reach (mechanisms.hotspot_discovery).
        """
        if self.hotspot is None or not self.smartphone or self.hotspot_known:
            return
        inf = self.model.config.infrastructure
        chance = min(1.0, inf.hotspot_signage + inf.hotspot_word_of_mouth * self.nbr_hotspot + campaign_reach)
        self.hotspot_known = u[HOTSPOT] < chance

    def use_hotspot(self, u: list[float], served: list[float], cap_mb: float) -> None:
        """Get on the hotspot with its capacity share x a chance habit and youth raise x the cap's share of demand."""
        self.on_hotspot = False
        if self.wants_hotspot:
            inf = self.model.config.infrastructure
            youth = inf.hotspot_youth_use if self.age == 0 else 1.0  # the young use it as if given this many chances
            use = 1.0 - ((1.0 - inf.hotspot_use_base) * (1.0 - self.hotspot_habit)) ** youth
            cap_share = min(1.0, cap_mb / self.hotspot_demand_mb)
            self.on_hotspot = u[HOTSPOT] < served[self.hotspot] * use * cap_share  # type: ignore[index]
        self.access = self.smartphone and (self.has_data or self.on_hotspot)

    def record_hotspot(self, cap_mb: float) -> None:
        """A hotspot user this week (on it and online): days of use, the cap, the habit (Lally et al. 2010)."""
        inf = self.model.config.infrastructure
        used = self.on_hotspot and self.online
        self.hotspot_used = used
        self.hotspot_ever = self.hotspot_ever or used
        self.hotspot_days = 1.0 + (inf.hotspot_max_days - 1.0) * self.hotspot_habit if used else 0.0
        self.hotspot_capped = used and self.hotspot_demand_mb > cap_mb
        if self.hotspot is not None:
            if used:
                self.hotspot_habit = self.hotspot_habit + inf.hotspot_habit_gain * (1.0 - self.hotspot_habit)
            else:
                self.hotspot_habit = self.hotspot_habit * (1.0 - inf.hotspot_habit_decay)

    def want_centre(self, node_up: list[bool]) -> bool:
        """No access on a phone: go to an access centre in reach, if it is open (SmartCape model)."""
        self.wants_centre = not self.access and self.centre is not None and node_up[self.centre]
        return self.wants_centre

    def use_centre(self, u: list[float], served: list[float]) -> None:
        """Get a computer at the centre if it has capacity for this citizen."""
        if self.wants_centre and u[CENTRE] < served[self.centre]:  # type: ignore[index]
            self.access = True

    def go_online(self, u: list[float]) -> None:
        """Given access, go online with a chance rising with literacy (second-level divide, Hargittai 2002)."""
        use_floor = self.model.config.literacy.use_floor
        self.online = self.access and u[USE] < use_floor + (1.0 - use_floor) * self.literacy
        if self.online:
            self.last_online = self.model.week

    # -- 4. literacy ---------------------------------------------------------------

    def learn(self, trained: bool) -> None:
        """Training closes a share of the gap; use teaches; disuse erodes toward the floor (Arrow 1962).

        A training seat also makes the trainee aware of e-services and signs up
        one with a phone (assisted sign-up).
        """
        lit = self.model.config.literacy
        literacy = self.literacy
        if trained:
            literacy = literacy + lit.training_gain * (1.0 - self.literacy)
        if self.online and self.adopted:
            literacy = literacy + lit.learning_by_doing * (1.0 - literacy)
        else:
            literacy = literacy - lit.decay * max(literacy - self.literacy_floor, 0.0)
        self.literacy = clip(literacy)
        if trained:
            self.awareness = self.awareness + lit.training_awareness * (1.0 - self.awareness)
            self.adopted = self.adopted or self.phone

    # -- 5-7. awareness, adoption, participation -----------------------------------

    def step(self, week: int, u: list[float], nbr_adopted: float, nbr_awareness: float,
             policy: Any, portal_open: bool, window: bool, queue: list[Request]) -> None:
        """This citizen's week after access and training: awareness, adoption, participation.

        ``nbr_adopted`` and ``nbr_awareness`` are the neighbours' means after
        this week's training; ``portal_open`` says whether the municipality's
        portal is up; a request this citizen makes joins ``queue``.
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
        # open data is useful to the citizen as far as it reaches them: aware, online, literate
        reach = self.awareness * self.online * (0.5 + 0.5 * self.literacy)
        open_data = float(munis.open_data_value[self.municipality]) * reach
        performance = clip(self.responsiveness + ad.open_data_weight * open_data)
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
        # efficacy: trust raises acting (OECD 2024), a deeper IAP2 offer too; and the
        # citizen's own efficacy, learnt from what became of their requests (Sjoberg et al. 2017)
        efficacy = (1.0 - pc.efficacy_weight) + pc.efficacy_weight * 2.0 * self.trust
        efficacy = efficacy * (1.0 + pc.iap2_efficacy * (level_offered - 2))
        w_own = pc.personal_efficacy_weight
        efficacy = efficacy * ((1.0 - w_own) + 2.0 * w_own * self.efficacy)
        if open_channels:
            cost, best = min(open_channels)  # the cheapest; ties to the first in CHANNELS
            act_chance = clip(self.propensity * efficacy * (1.0 - cost))
        else:
            best, act_chance = 0, 0.0
        act = u[NEED] < self.need_chance and u[ACT] < act_chance
        if window:
            self.consult(u, efficacy, [oc for oc in open_channels if oc[1] != MEETING], bool(ch.ward_meetings))
        else:
            self.comments, self.attended, self.comment_way = 0, False, -1
        self.commented = self.comments > 0
        if act:  # a request: through the cheapest channel
            self.channel = best + 1
        elif self.commented or self.attended:  # the consultation only: the way of handing in, or the meeting
            self.channel = self.comment_e_channel + 1 if self.comment_way in (0, 1) else MEETING + 1
        else:
            self.channel = 0
        if self.channel:
            self.level = min(level_offered, int(CHANNEL_MAX_LEVEL[self.channel]))
            self.last_participation = week
        else:
            self.level = 0
        # contributions (Nielsen 2006): a request, each comment, each meeting attended
        self.contributions += act + self.comments + self.attended
        if window:
            self.window_comments += self.comments
            self.window_attended += self.attended
        if act:
            queue.append(Request(self, week, self.channel))

    def consult(self, u: list[float], efficacy: float, e_channels: list[tuple[float, int]],
                meetings_open: bool) -> None:
        """A week of the IDP window: attend the ward's meeting?  Write comments, how many, and how?

        Not a request: nothing joins the queue.  Attending: rate x meetings this
        week x propensity x efficacy x (1 - travel cost).  Commenting: rate x
        propensity x efficacy x awareness x (1 - cost), the cost being the
        cheapest e-channel or paper at an office; an attender speaks at the
        meeting with chance speak_share instead; the number is a discrete Pareto draw scaled by the
        activist's reach (Nielsen 2006; Sjoberg, Mellon & Peixoto 2017).
        """
        c = self.model.config
        idp = c.idp
        weeks = max(c.municipality.idp_window_weeks, 1)
        if meetings_open and idp.meetings_per_window > 0:
            p_attend = clip(idp.attend_rate * (idp.meetings_per_window / weeks) * self.propensity * efficacy
                            * (1.0 - min(self.meeting_cost, 1.0)))
            self.attended = u[MEET] < p_attend
        else:
            self.attended = False
        e_cost, self.comment_e_channel = min(e_channels) if e_channels else (math.inf, PORTAL)
        # paper at an office: the in-person channel, open with the ward meetings; ties to the e-channel
        on_paper = meetings_open and e_cost > idp.paper_cost
        cost = idp.paper_cost if on_paper else e_cost
        p_comment = clip(idp.comment_rate * self.propensity * efficacy * self.awareness * (1.0 - min(cost, 1.0)))
        if self.attended:
            p_comment = idp.speak_share  # at the meeting: a comment from the floor
        if u[IDP] < p_comment:
            scale = self.reach ** idp.reach_exponent
            k = math.floor(scale * (1.0 - u[IDP_COUNT]) ** (-1.0 / idp.count_exponent))
            self.comments = min(max(k, 1), idp.max_comments)
            if self.attended:
                self.comment_way = 3  # at the meeting
            elif on_paper:
                self.comment_way = 2
            else:
                self.comment_way = 1 if self.comment_e_channel == USSD else 0
        else:
            self.comments, self.comment_way = 0, -1

    # -- 8. co-production: this citizen's experiences --------------------------------

    def experience(self, outcome: float) -> None:
        """An experience this week: a request resolved (its outcome), one closed unresolved (0), IDP feedback."""
        self.outcome_sum += outcome
        self.outcome_n += 1

    def learn_efficacy(self, resolved: bool) -> None:
        """Personal efficacy: up after a resolved request, down after one closed unresolved (Sjoberg et al. 2017).

        Called at most once per kind a week: two requests resolved in one week
        move efficacy as one does.
        """
        rate = self.model.config.participation.efficacy_learning
        if resolved:
            self.efficacy = self.efficacy + rate * (1.0 - self.efficacy)
        else:
            self.efficacy = self.efficacy - rate * self.efficacy

    def hear_back(self, level_offered: int, delivery: float) -> None:
        """Feedback on an IDP comment: the IAP2 promise as far as officials deliver, less disappointment.

        Arnstein 1969; IAP2; Fox 2015 (voice without teeth disappoints).
        """
        cp = self.model.config.coproduction
        promise = (level_offered - 1) / 4.0
        feedback = (cp.feedback_floor + (1.0 - cp.feedback_floor) * promise * delivery
                    - cp.promise_weight * (promise - 0.25))
        self.experience(clip(feedback))

    # -- 9. trust -------------------------------------------------------------------

    def update_trust(self, nbr_trust: float, ward_quality: float, transparency: float) -> None:
        """Trust after this week's experiences, the ward's service and the neighbours' trust.

        ``transparency`` is the weekly pull of open data toward trust in this
        citizen's municipality (times their awareness); ``nbr_trust`` the
        neighbours' mean after this week's training.
        """
        tc = self.model.config.trust
        # performance for everyone: toward the ward's quality as this citizen perceives it (Van Ryzin 2004)
        perceived = ward_quality + self.disposition
        trust = self.trust + tc.quality_weight * (perceived - self.trust)
        if self.outcome_n > 0:
            # expectancy-disconfirmation, bad news weighing more (Slovic 1993; Van Ryzin 2006)
            outcome = self.outcome_sum / self.outcome_n
            gap = outcome - self.expectation
            trust = clip(trust + tc.alpha_plus * max(gap, 0.0) + tc.alpha_minus * min(gap, 0.0))
            self.expectation = self.expectation + tc.expectation_rate * (outcome - self.expectation)
            self.responsiveness = self.responsiveness + tc.responsiveness_rate * (outcome - self.responsiveness)
        trust = trust + transparency * self.awareness * (1.0 - trust)  # Grimmelikhuijsen et al. 2013
        # Friedkin-Johnsen: toward the neighbours, anchored to generalised trust
        trust = trust + tc.peer_weight * (nbr_trust - trust) + tc.anchor_weight * (self.generalised - trust)
        self.trust = clip(trust)
        # generalised trust learns from the new trust, bad faster than good (Kampen et al. 2006)
        gap = self.trust - self.generalised
        self.generalised = self.generalised + tc.generalised_up * max(gap, 0.0) + tc.generalised_down * min(gap, 0.0)
        self.outcome_sum, self.outcome_n = 0.0, 0

    def suffer_shock(self, breach: float, scandal: float) -> None:
        """A breach of strength ``breach`` (already damped by the legal framework) and a scandal.

        A breach hurts in proportion to exposure: fully a user of e-services
        (their data), the floor share everyone else (the news); part of each
        drop also marks generalised trust (Slovic 1993).
        """
        ic = self.model.config.infosec
        if breach > 0:
            s = breach * (ic.breach_exposure_floor + (1.0 - ic.breach_exposure_floor) * self.adopted)
            self.trust = self.trust * (1.0 - ic.breach_trust_drop * s)
            self.generalised = self.generalised * (1.0 - ic.breach_trust_drop * ic.breach_lasting_share * s)
            self.privacy_concern = self.privacy_concern + ic.breach_privacy_rise * s * (1.0 - self.privacy_concern)
        if scandal > 0:
            drop = self.model.config.trust.scandal_drop
            self.trust = self.trust * (1.0 - drop * scandal)
            self.generalised = self.generalised * (1.0 - drop * ic.breach_lasting_share * scandal)


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
        # the world runs the burn-in: the reference starts from its state at week 0
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
        # the requests still waiting after the burn-in, in order of arrival
        q = w.queue
        self.queue: list[Request] = [Request(self.citizens[i], week, channel) for i, week, channel in
                                     zip(q.citizen.tolist(), q.week.tolist(), q.channel.tolist(), strict=True)]
        if collect:
            self._record()

    # ------------------------------------------------------------------ the week

    def step(self) -> None:
        """One week, in the engine's order (MODEL.md s3)."""
        t = self.week
        if t in self.world._scheduled:  # scheduled parameters change this week (cosim/scenario/schedules.py)
            self.config = self.world.config = self.world._scheduled[t]
        w, c = self.world, self.config
        M = w.n_muni
        citizens = self.citizens

        # 1. policy schedule (shared with the engine)
        policy = w.policy(t)
        # 0. exogenous trends, when the scenario schedules any (the world moves under the policies)
        values = w.trend_values(t)  # the scheduled values of the week (shared: the schedule is input, not a rule)
        if values:
            self._trends(values)
            if "municipality.population" in values:  # node places per simulated citizen follow the population
                policy = dataclasses.replace(policy, node_capacity=stages.node_capacity(
                    c, w.nodes, w.municipalities, policy.levers["wifi"]))
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
        #    capacity shared among those who ask for it; then use given access
        capacity = policy.node_capacity.tolist()
        data_factor = [1.0] * M if policy.data_factor is None else policy.data_factor.tolist()
        hotspot_of = [None if h < 0 else int(h) + w.nodes.n_centres for h in w.citizens.hotspot]
        demand = [0] * len(capacity)
        for ct in citizens:
            if ct.want_hotspot(u[ct.i], hotspot_of[ct.i], data_factor[ct.municipality], node_up):
                demand[ct.hotspot] += 1  # type: ignore[index]
        for ct in citizens:
            ct.discover_hotspot(u[ct.i], lv["campaign"].reach_per_week)
        served = [served_share(d, cap) for d, cap in zip(demand, capacity, strict=True)]
        cap_mb = lv["wifi"].daily_cap_mb
        for ct in citizens:
            ct.use_hotspot(u[ct.i], served, cap_mb)
        demand = [0] * len(capacity)
        for ct in citizens:
            if ct.want_centre(node_up):
                demand[ct.centre] += 1  # type: ignore[index]
        served = [served_share(d, cap) for d, cap in zip(demand, capacity, strict=True)]
        for ct in citizens:
            ct.use_centre(u[ct.i], served)
            ct.go_online(u[ct.i])
            ct.record_hotspot(cap_mb)
        ch = lv["channels"]
        portal_open = [bool(ch.portal and w.municipalities.portal_down_until[m] <= t) for m in range(M)]

        # 4. literacy: training seats (with awareness and sign-up), learning by doing, decay
        trained = self._training(lv["training"], u)
        for ct in citizens:
            ct.learn(ct in trained)

        # neighbours' trust, adoption and awareness, after the training
        nbr = self._neighbour_means()
        for ct in citizens:  # word of mouth about hotspots, read by next week's discovery
            ct.nbr_hotspot = nbr[ct.i][3]

        # 5-7. awareness, adoption, participation (and effective openness of data)
        stages.open_data(c, w.municipalities, lv["open_data"], lv["links"], w.staff().ict_skill)
        window = w.idp_window(t)
        new_requests = len(self.queue)
        munis = w.municipalities
        if window and not w.idp_window(t - 1):  # a new IDP window: its tallies start from zero
            for ct in citizens:
                ct.window_comments = ct.window_attended = 0
            munis.window_meetings = np.zeros(M)
            munis.window_comments = np.zeros((M, 4))
        for ct in citizens:
            ct.step(t, u[ct.i], nbr[ct.i][1], nbr[ct.i][2], policy, portal_open[ct.municipality], window,
                    self.queue)
        if window:  # meetings held so far in the window, comments by way of handing in
            if ch.ward_meetings:
                per_week = c.idp.meetings_per_window / max(c.municipality.idp_window_weeks, 1)
                munis.window_meetings = np.array([float(munis.window_meetings[m]) + float(munis.n_wards[m]) * per_week
                                                  for m in range(M)])
            by_way = [[0.0] * 4 for _ in range(M)]
            for ct in citizens:
                if ct.comments:
                    by_way[ct.municipality][ct.comment_way] += ct.comments
            munis.window_comments = munis.window_comments + np.array(by_way)
        requests = [0.0] * M
        for r in self.queue[new_requests:]:
            requests[r.citizen.municipality] += 1
        w.week_stats["requests"] = np.array(requests)
        w.totals["submitted"] += len(self.queue) - new_requests

        # 8. plans (IDP input in the window), then co-production: triage of the queue,
        #    planned work, ward service quality
        if window:
            self._plans(policy.level_offered)
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

    def _trends(self, values: dict[str, float]) -> None:
        """The exogenous trends of the week, citizen by citizen (mechanisms.trends; docs/ODD.md).

        ``values``: the scheduled parameters' values this week.  Population
        (residents per simulated citizen), then ageing and cohort replacement
        (while a literacy path is scheduled), devices, data affordability; the
        draws come from the world's ``rng_trends`` in the engine's order.
        """
        w, p = self.world, self.config.population
        cs = self.citizens
        groups = ("low", "mid", "high")
        M = w.n_muni
        size = [sum(ct.income == g for ct in cs) for g in range(3)]
        if "municipality.population" in values:
            per_muni = [sum(ct.municipality == m for ct in cs) for m in range(M)]
            w.municipalities.scale = np.array([values["municipality.population"] / max(k, 1) for k in per_muni])
        if any(f"population.literacy_{g}" in values for g in groups):
            # ageing: the young become adults, adults seniors, seniors leave (flows balanced at the age shares)
            shares = [p.share_youth, 1.0 - p.share_youth - p.share_senior, p.share_senior]
            chance = [min(1.0, p.cohort_turnover_annual / 52 / s) if s > 0 else 0.0 for s in shares]
            u = w.rng_trends.random(len(cs)).tolist()
            leaving = []
            for ct in cs:
                if u[ct.i] < chance[ct.age]:
                    if ct.age == 2:
                        leaving.append(ct)
                    else:
                        if ct.age == 0:  # an adult now: an adult's data demand on a hotspot
                            ct.hotspot_demand_mb /= self.config.infrastructure.hotspot_youth_demand
                        ct.age += 1
            if leaving:
                k = len(leaving)
                z = w.rng_trends.standard_normal((3, k)).tolist()
                u2 = w.rng_trends.random((2, k)).tolist()
                smart = [sum(ct.smartphone for ct in cs if ct.income == g) / max(size[g], 1) for g in range(3)]
                phone = [sum(ct.phone for ct in cs if ct.income == g) / max(size[g], 1) for g in range(3)]
                data = [running_sum(ct.data_affordability for ct in cs if ct.income == g) / max(size[g], 1)
                        for g in range(3)]
                quality = w.wards.base_quality.tolist()
                mean_quality = [running_sum(quality[ct.ward] for ct in cs if ct.municipality == m)
                                / max(sum(ct.municipality == m for ct in cs), 1) for m in range(M)]
                youth_shift = p.age_literacy_effect * p.age_literacy_youth
                for j, ct in enumerate(leaving):
                    g = ct.income
                    cohort = values.get(f"population.literacy_{groups[g]}", getattr(p, f"literacy_{groups[g]}"))
                    literacy = clip(cohort + youth_shift + p.literacy_sd * z[0][j])
                    device = 2 if u2[0][j] < min(smart[g], phone[g]) else 1 if u2[0][j] < phone[g] else 0
                    ct.arrive(literacy, device, data[g], z[1][j], z[2][j], u2[1][j], mean_quality[ct.municipality])
        if "population.phone_share" in values or any(f"population.smartphone_{g}" in values for g in groups):
            chances = []
            for g, name in enumerate(groups):
                counts = [sum(ct.income == g and ct.device == d for ct in cs) for d in range(3)]
                n = max(size[g], 1)
                smart_target = values.get(f"population.smartphone_{name}", counts[2] / n)
                phone_target = values.get("population.phone_share", (counts[1] + counts[2]) / n)
                # the group-level rule (as a node's capacity share is): the chances that close the gap
                chances.append(trend_rules.device_transition(np.array(counts), smart_target, phone_target))
            changing = [ct for ct in cs if chances[ct.income][ct.device, ct.device] < 1.0]
            if changing:
                u = w.rng_trends.random(len(changing)).tolist()
                for ct, draw in zip(changing, u, strict=True):
                    ct.change_device(draw, chances[ct.income])
        if any(f"population.data_{g}" in values for g in groups):
            mean = [running_sum(ct.data_affordability for ct in cs if ct.income == g) / max(size[g], 1)
                    for g in range(3)]
            for ct in cs:
                target = values.get(f"population.data_{groups[ct.income]}")
                if target is not None:  # keep the offset from the group's mean
                    ct.data_affordability = clip(ct.data_affordability + (target - mean[ct.income]))
        # the world's arrays that placing hotspots and the records read
        w.citizens.device = np.array([ct.device for ct in cs], dtype=np.int8)
        w.citizens.data_affordability = np.array([ct.data_affordability for ct in cs])
        w.citizens.age = np.array([ct.age for ct in cs], dtype=np.int8)

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

    def _neighbour_means(self) -> list[tuple[float, float, float, float]]:
        """Each citizen's neighbours' mean trust, adoption, awareness (DeGroot averaging) and hotspot use this week."""
        w = self.world
        if w.network is not None:
            out = []
            for ct in self.citizens:
                k = len(ct.neighbours)
                out.append((sum(nb.trust for nb in ct.neighbours) / k,
                            sum(nb.adopted for nb in ct.neighbours) / k,
                            sum(nb.awareness for nb in ct.neighbours) / k,
                            sum(nb.hotspot_used for nb in ct.neighbours) / k))
            return out
        # complete network: the mean of everyone else in the municipality (from its totals)
        totals = [[0.0, 0.0, 0.0, 0.0] for _ in range(w.n_muni)]
        size = [0] * w.n_muni
        for ct in self.citizens:
            tot = totals[ct.municipality]
            tot[0] += ct.trust
            tot[1] += ct.adopted
            tot[2] += ct.awareness
            tot[3] += ct.hotspot_used
            size[ct.municipality] += 1
        out = []
        for ct in self.citizens:
            tot, others = totals[ct.municipality], max(size[ct.municipality] - 1.0, 1.0)
            out.append(((tot[0] - ct.trust) / others, (tot[1] - ct.adopted) / others,
                        (tot[2] - ct.awareness) / others, (tot[3] - ct.hotspot_used) / others))
        return out

    def _ward_needs(self) -> tuple[list[int], list[float]]:
        """Each ward's residents and weekly needs (a need-weighted count of its residents)."""
        wards, mc = self.world.wards, self.config.municipality
        size = [0] * wards.n
        for ct in self.citizens:
            size[ct.ward] += 1
        need_mult = wards.need_mult.tolist()
        return size, [max(max(size[k], 1) * mc.need_rate * need_mult[k], 1e-12) for k in range(wards.n)]

    def _plans(self, level_offered: int) -> None:
        """In the IDP window: each ward's input (comments and attendance per resident) moves planned work toward it.

        A moving average of the comments per resident; the ward's priority is
        its needs x max(0, 1 + shift (input / municipal mean input - 1)), the
        shift growing with the IAP2 level offered (Grossman, Humphreys &
        Sacramone-Lutz 2014; Fox 2015).
        """
        wards, cp = self.world.wards, self.config.coproduction
        size, needs = self._ward_needs()
        comments = [0.0] * wards.n  # comments plus attendance_weight per meeting attended
        weight = self.config.idp.attendance_weight
        for ct in self.citizens:
            comments[ct.ward] += ct.comments + weight * ct.attended
        idp_input = wards.idp_input.tolist()
        for k in range(wards.n):
            idp_input[k] += cp.plan_rate * (comments[k] / max(size[k], 1) - idp_input[k])
        muni = wards.municipality.tolist()
        weighted, total = [0.0] * self.world.n_muni, [0.0] * self.world.n_muni  # need-weighted mean input
        for k in range(wards.n):
            weighted[muni[k]] += needs[k] * idp_input[k]
            total[muni[k]] += needs[k]
        shift = cp.idp_plan_weight * (level_offered - 1) / 4.0
        priority = []
        for k in range(wards.n):
            mean = weighted[muni[k]] / total[muni[k]]
            relative = min(idp_input[k] / mean, MAX_RELATIVE_INPUT) if mean > 0 else 1.0
            priority.append(needs[k] * max(0.0, 1.0 + shift * (relative - 1.0)))
        wards.idp_input, wards.priority = np.array(idp_input), np.array(priority)

    def _staff(self) -> tuple[list[float], list[float], list[float], list[float]]:
        """Officials in post per municipality: capacity (simulated requests a week), number, mean skill and ICT skill.

        An official resolves capacity x skill x (1 - w (1 - ICT skill)) requests
        a week (Boyne 2003; AGSA 2020-21).
        """
        w, o = self.world, self.config.officials
        M = w.n_muni
        off = w.officials
        w_ict = self.config.coproduction.ict_productivity
        active = off.active.tolist()
        skill_of, ict_of, muni_of = off.skill.tolist(), off.ict_skill.tolist(), off.municipality.tolist()
        cap, n_act, skill, ict = [0.0] * M, [0.0] * M, [0.0] * M, [0.0] * M
        for k in range(len(active)):
            m = muni_of[k]
            cap[m] += o.capacity_per_week * skill_of[k] * (1.0 - w_ict * (1.0 - ict_of[k])) * active[k]
            n_act[m] += active[k]
            skill[m] += skill_of[k] * active[k]
            ict[m] += ict_of[k] * active[k]
        scale = w.municipalities.scale.tolist()
        cnt = [max(x, 1.0) for x in n_act]
        return ([cap[m] / scale[m] for m in range(M)], cnt, [skill[m] / cnt[m] for m in range(M)],
                [ict[m] / cnt[m] for m in range(M)])

    def _coproduce(self, t: int, links: Any, level_offered: int) -> None:
        """Officials triage the queue and do planned work; ward quality follows the work per need."""
        w, c = self.world, self.config
        cp, pc = c.coproduction, c.participation
        M = w.n_muni
        cap, cnt, skill, ict = self._staff()
        pooled = links.shared_talent_pool and M > 1
        if pooled:  # one pool of officials for the region, skills averaged over it
            total = sum(cnt)
            skill = [sum(s * n for s, n in zip(skill, cnt, strict=True)) / total] * M
            ict = [sum(s * n for s, n in zip(ict, cnt, strict=True)) / total] * M
            pool_of, pool_cap = [0] * M, [sum(cap)]
        else:
            pool_of, pool_cap = list(range(M)), cap

        # triage (processor sharing, Kleinrock 1976): reactive capacity shared over the requests
        # waiting, so each is resolved with chance min(max rate, capacity / waiting)
        waiting = [0] * len(pool_cap)
        for r in self.queue:
            waiting[pool_of[r.citizen.municipality]] += 1
        chance = [min(cp.max_resolution_rate, (1.0 - cp.planned_share) * pool_cap[k] / max(waiting[k], 1e-12))
                  for k in range(len(pool_cap))]
        delivery = [chance[pool_of[m]] / cp.max_resolution_rate for m in range(M)]
        w.municipalities.delivery = np.array(delivery)
        # each request's one draw: resolved when u < chance; else closed unresolved with chance
        # 1 / max wait (abandonment, Palm 1943), i.e. when u >= 1 - (1 - chance) / max wait
        draw = w.rng_queue.random(len(self.queue)).tolist()
        close = 1.0 / pc.max_wait_weeks
        resolved, dropped, left = [], [], []
        for r, ur in zip(self.queue, draw, strict=True):
            p = chance[pool_of[r.citizen.municipality]]
            if ur < p:
                resolved.append(r)
            elif ur >= 1.0 - close * (1.0 - p):
                dropped.append(r)
            else:
                left.append(r)
        self.queue = left

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
        for r in self.queue:  # where nothing was resolved, the median age of what still waits
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

        # service production (Parks et al. 1981; Boyne 2003): a resolved report serves
        # report_leverage needs per unit of outcome; the capacity not spent on reports is
        # planned work on unreported needs, spread over the pool's wards by plan priority,
        # at an information discount (open data helps find the needs)
        wards = w.wards
        _, needs = self._ward_needs()
        muni, priority = wards.municipality.tolist(), wards.priority.tolist()
        spent = [0] * len(pool_cap)
        for r in resolved:
            spent[pool_of[r.citizen.municipality]] += 1
        planned = [max(pool_cap[k] - spent[k], 0.0) for k in range(len(pool_cap))]
        pool_priority = [0.0] * len(pool_cap)
        for k in range(wards.n):
            pool_priority[pool_of[muni[k]]] += priority[k]
        value = [min(1.0, cp.unreported_discount * (1.0 + cp.open_data_boost * v)) for v in open_data]
        reported = [0.0] * wards.n
        for r, outcome in zip(resolved, outcomes, strict=True):
            reported[r.citizen.ward] += outcome
        mc = c.municipality
        work, quality, base = wards.work.tolist(), wards.quality.tolist(), wards.base_quality.tolist()
        saturation = 1.0 - math.exp(-1.0)
        for k in range(wards.n):
            pool = pool_of[muni[k]]
            done = (cp.report_leverage * reported[k]
                    + planned[pool] * (priority[k] / pool_priority[pool]) * value[muni[k]])
            # work per need: a moving average; quality follows it with diminishing returns,
            # equal to base quality at the reference work per need
            work[k] = (1.0 - mc.coverage_rate) * work[k] + mc.coverage_rate * (done / needs[k])
            index = (1.0 - math.exp(-work[k] / cp.reference_work_per_need)) / saturation
            target = min(1.0, base[k] * index**cp.production_elasticity)
            quality[k] = clip(quality[k] + mc.quality_response * (target - quality[k]))
        wards.work, wards.quality = np.array(work), np.array(quality)

        # each citizen's experiences: outcomes, requests closed unresolved (0), IDP feedback;
        # personal efficacy moves once for any resolved, then once for any closed unresolved
        for r, outcome in zip(resolved, outcomes, strict=True):
            r.citizen.experience(outcome)
        for ct in dict.fromkeys(r.citizen for r in resolved):
            ct.learn_efficacy(True)
        for r in dropped:
            r.citizen.experience(0.0)
        for ct in dict.fromkeys(r.citizen for r in dropped):
            ct.learn_efficacy(False)
        for ct in self.citizens:
            if ct.commented:
                ct.hear_back(level_offered, delivery[ct.municipality])

    def _shocks(self, t: int, events: list[Any], sec: Any) -> None:
        """Breaches (a hazard falling with security), scandals; a legal framework damps breaches."""
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
        for name, dtype in (("trust", float), ("generalised", float), ("efficacy", float), ("literacy", float),
                            ("awareness", float), ("privacy_concern", float),
                            ("expectation", float), ("responsiveness", float), ("adopted", bool),
                            ("online", bool), ("contributions", np.int64), ("last_participation", np.int64),
                            ("last_online", np.int64),
                            ("channel", np.int8), ("level", np.int8), ("commented", bool),
                            ("comments", np.int64), ("attended", bool), ("window_comments", np.int64),
                            ("window_attended", np.int64),
                            ("hotspot_known", bool), ("hotspot_habit", float), ("hotspot_used", bool),
                            ("hotspot_ever", bool), ("hotspot_days", float), ("hotspot_capped", bool),
                            ("nbr_hotspot", float)):
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
