"""The model's state: small named containers of NumPy arrays, one row per entity.

:class:`~cosim.model.model.CoProductionModel` holds one of each
(``model.citizens``, ``model.officials``, ``model.nodes``, ``model.wards``,
``model.municipalities``, ``model.queue``); the weekly stages
(:mod:`cosim.model.stages`) read and replace their arrays; the Mesa agents
(:mod:`cosim.model.agents`) are views of one row.  Field names are the agents'
attribute names and the scenario schema's words (``data_affordability``,
``privacy_concern``, ``municipality``).

Codes: income 0 low / 1 mid / 2 high; age 0 youth / 1 adult / 2 senior; device
0 none / 1 feature phone / 2 smartphone; channel 0 none, else 1 + index in
``mechanisms.CHANNELS``; IAP2 level 0 none, 1 inform ... 5 empower; node kind
0 hotspot / 1 access centre / 2 service centre.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

INCOME_GROUPS = ("low", "mid", "high")
AGE_GROUPS = ("youth", "adult", "senior")
DEVICES = ("none", "feature", "smartphone")
NODE_KINDS = ("hotspot", "access_centre", "service_centre")
KIND_HOTSPOT, ACCESS_CENTRE, SERVICE_CENTRE = range(3)
MEETING_CHANNEL = 4  # channel code of a ward meeting (1 + index in CHANNELS)


@dataclass(slots=True)
class Wards:
    """The wards of every municipality, municipality by municipality (row = ward id).

    Positions in km; ``wealth``, ``centrality``, ``base_quality`` and ``quality``
    in [0, 1]; ``work`` in need-equivalents served per need a week;
    ``expected_requests`` (the ward's needs) in simulated needs a week.
    """

    x0: np.ndarray            # west edge, km
    y0: np.ndarray            # south edge, km
    municipality: np.ndarray  # municipality of each ward
    centrality: np.ndarray    # 1 at the grid's centre, 0 at its farthest corner
    wealth: np.ndarray        # socio-economic index (core rich, periphery poor)
    need_mult: np.ndarray     # multiplier of the need rate (poorer wards need more)
    base_quality: np.ndarray  # service quality at the reference work per need
    quality: np.ndarray       # service quality this week
    work: np.ndarray          # moving average of the service work per need (need-equivalents served / needs)
    size: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # citizens in each ward
    expected_requests: np.ndarray = field(default_factory=lambda: np.zeros(0))  # needs a week (>= 1e-12)
    idp_input: np.ndarray = field(default_factory=lambda: np.zeros(0))  # moving average of IDP comments per resident
    priority: np.ndarray = field(default_factory=lambda: np.zeros(0))   # weight of the ward in planned work

    @property
    def n(self) -> int:
        """Number of wards."""
        return self.x0.size


@dataclass(slots=True)
class Citizens:
    """Every citizen's state, one element per citizen, sorted by ward (so by municipality).

    The fixed attributes come first, then the changing ones, then this week's
    choices; the last group are constants the week reads (docs/performance.md).
    """

    ward: np.ndarray
    municipality: np.ndarray
    x: np.ndarray                    # position east, km
    y: np.ndarray                    # position north, km
    income: np.ndarray               # int8 code
    age: np.ndarray                  # int8 code
    device: np.ndarray               # int8 code
    data_affordability: np.ndarray   # weekly chance of having own mobile data
    literacy: np.ndarray             # digital literacy [0, 1]
    trust: np.ndarray                # trust in the municipality [0, 1]
    privacy_concern: np.ndarray      # [0, 1]
    awareness: np.ndarray            # awareness of e-services [0, 1]
    adopted: np.ndarray              # uses e-participation (bool)
    propensity: np.ndarray           # heavy-tailed will to contribute [0, 1]
    reach: np.ndarray                # >= 1: propensity beyond its cap, the activist's reach (reports for others)
    generalised: np.ndarray          # generalised trust: the slow Friedkin-Johnsen anchor, learnt from experience
    disposition: np.ndarray          # fixed offset to perceived service quality (initial trust - municipality's mean quality)
    efficacy: np.ndarray             # personal efficacy [0, 1]: resolved requests raise it, ignored ones lower it
    literacy_floor: np.ndarray       # literacy does not decay below this
    expectation: np.ndarray          # expected outcome of an experience [0, 1]
    responsiveness: np.ndarray       # experienced responsiveness [0, 1]
    lit_group: np.ndarray            # literacy tercile at week 0 (int8: 0 low, 1 mid, 2 high)
    # where the ICT nodes are (set when they are placed)
    near_training: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # a training venue in reach
    access_centre: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # access centre in reach, or -1
    meeting_km: np.ndarray = field(default_factory=lambda: np.zeros(0))  # to the nearest ward meeting venue, km
    hotspot: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # hotspot in reach (among hotspots), or -1
    # changing with the week
    contributions: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    last_participation: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    channel: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))   # this week's channel code
    level: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))     # this week's IAP2 level
    online: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))       # online this week
    last_online: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # last week online (-10,000: never)
    commented: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))    # made an IDP comment this week
    commenters: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # who commented this week
    comments: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # IDP comments written this week
    attended: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # attended a ward IDP meeting this week
    window_comments: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # in the latest IDP window
    window_attended: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # meetings, latest window
    # constants of a run (the week reads them)
    need_chance: np.ndarray = field(default_factory=lambda: np.zeros(0))   # weekly chance of a service need
    meeting_cost: np.ndarray = field(default_factory=lambda: np.zeros(0))  # cost of reaching a ward meeting
    youth_bit: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))  # 8 for the young, else 0
    centre_users: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # citizens near an access centre
    centre_user_node: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # ... and its node
    hotspot_users: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # citizens near a hotspot
    hotspot_user_node: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # ... and its node
    municipality_slices: list[slice] = field(default_factory=list)  # the rows of each municipality
    # hotspot dynamics (MODEL.md s3 step 3): discovery, habit, this week's use
    hotspot_known: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # knows the hotspot in reach
    hotspot_habit: np.ndarray = field(default_factory=lambda: np.zeros(0))  # habit strength of hotspot use [0, 1]
    hotspot_used: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # used a hotspot this week
    hotspot_days: np.ndarray = field(default_factory=lambda: np.zeros(0))  # days of hotspot use this week (0-7)
    hotspot_capped: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # a user this week hitting the cap
    hotspot_ever: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # used a hotspot since week 0
    hotspot_demand_mb: np.ndarray = field(default_factory=lambda: np.zeros(0))  # daily data wanted on a hotspot, MB
    nbr_hotspot: np.ndarray = field(default_factory=lambda: np.zeros(0))  # neighbours' share who used one last week

    @property
    def n(self) -> int:
        """Number of (simulated) citizens."""
        return self.ward.size


@dataclass(slots=True)
class Officials:
    """Municipal officials (posts), municipality by municipality."""

    municipality: np.ndarray
    skill: np.ndarray         # [0.05, 1]
    ict_skill: np.ndarray     # [0, 1]
    active: np.ndarray        # in post (False while the post is vacant)
    vacant_until: np.ndarray  # week a vacant post is filled
    tenure: np.ndarray        # weeks in post

    @property
    def n(self) -> int:
        """Number of posts."""
        return self.skill.size


@dataclass(slots=True)
class Nodes:
    """ICT nodes: the fixed access and service centres, then the Wi-Fi hotspots in place.

    ``x``, ``y``, ``kind``, ``municipality``, ``up`` cover all nodes (centres
    first); the ``centre_*`` and ``hotspot_*`` arrays each kind alone.
    """

    centre_x: np.ndarray
    centre_y: np.ndarray
    centre_kind: np.ndarray
    centre_municipality: np.ndarray
    hotspot_x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    hotspot_y: np.ndarray = field(default_factory=lambda: np.zeros(0))
    hotspot_municipality: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    hotspot_radius_km: float = 0.0
    x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    y: np.ndarray = field(default_factory=lambda: np.zeros(0))
    kind: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    municipality: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    up: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # working this week
    # hotspot placement: the Wi-Fi settings in place, ward orders and positions drawn so far
    hotspot_key: tuple | None = None
    hotspot_orders: dict[str, list[np.ndarray]] = field(default_factory=dict)
    hotspot_positions: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)

    @property
    def n_centres(self) -> int:
        """Number of access and service centres (the first nodes)."""
        return self.centre_x.size

    @property
    def n(self) -> int:
        """Number of nodes."""
        return self.x.size


@dataclass(slots=True)
class Municipalities:
    """Per-municipality state (row = municipality)."""

    scale: np.ndarray              # real residents per simulated citizen
    wealth: np.ndarray             # the municipality's wealth factor (1 for the first)
    delivery: np.ndarray           # chance a waiting request is resolved this week / its maximum [0, 1]
    portal_down_until: np.ndarray  # week e-services come back after a breach
    posture: np.ndarray            # security posture [0, 1]
    open_data_value: np.ndarray    # effective openness of data [0, 1]
    spend_total: np.ndarray        # Rand spent so far
    attrition_count: np.ndarray    # officials who left so far
    n_wards: np.ndarray = field(default_factory=lambda: np.zeros(0))  # wards of each municipality
    # the latest IDP window so far: ward meetings held, comments by way of handing in
    # (mechanisms.COMMENT_CHANNELS: online, USSD/SMS, paper, meeting), shape (M, 4)
    window_meetings: np.ndarray = field(default_factory=lambda: np.zeros(0))
    window_comments: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))

    @property
    def n(self) -> int:
        """Number of municipalities."""
        return self.scale.size


@dataclass(slots=True)
class RequestQueue:
    """Service requests waiting for officials, in order of arrival."""

    citizen: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    week: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))     # week made
    channel: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))   # channel code

    @property
    def size(self) -> int:
        """Requests waiting."""
        return self.citizen.size


class Staff(NamedTuple):
    """Officials in post per municipality this week (:func:`cosim.model.stages.staff`)."""

    capacity: np.ndarray  # requests they can resolve this week, in simulated requests (capacity x skill x ICT)
    in_post: np.ndarray   # officials in post (at least 1)
    skill: np.ndarray     # their mean skill
    ict_skill: np.ndarray  # their mean ICT skill


@dataclass(frozen=True, slots=True)
class WeekPolicy:
    """What the policy schedule fixes for a week (:meth:`CoProductionModel.policy`)."""

    levers: dict[str, Any]         # lever configurations in force, budget-scaled
    spend: float                   # Rand spent this week per municipality
    events: list[Any]              # events in progress
    p_down: np.ndarray             # chance each ICT node is down this week
    data_factor: np.ndarray | None  # own-data availability per municipality (None: 1 everywhere)
    node_capacity: np.ndarray      # weekly users per node, in simulated citizens
    level_offered: int             # IAP2 level offered, 1 (inform) to 5 (empower)
    level_of_channel: np.ndarray   # IAP2 level reached through each channel (0 = none)


def new_week_stats(n_muni: int) -> dict[str, np.ndarray]:
    """This week's per-municipality counts (requests, resolved, ...), zero."""
    return {name: np.zeros(n_muni) for name in (
        "requests", "resolved", "dropped", "median_wait", "outcome", "breaches", "spend", "trained")}
