"""Stages 1-2 of the week (MODEL.md s3): the policy schedule and the ICT nodes' infrastructure."""

from __future__ import annotations

from typing import Any

import numpy as np

from cosim.model import mechanisms as mech
from cosim.model.memo import LastSeen
from cosim.model.state import (
    Municipalities,
    Nodes,
    WeekPolicy,
)
from cosim.scenario.budget import WEEKS_PER_YEAR
from cosim.scenario.schema import Scenario


def in_idp_window(c: Scenario, t: int) -> bool:
    """Is week ``t`` inside the annual IDP consultation window?"""
    mc = c.municipality
    return (t % WEEKS_PER_YEAR - mc.idp_window_start) % WEEKS_PER_YEAR < mc.idp_window_weeks



def node_capacity(c: Scenario, nodes: Nodes, munis: Municipalities, wifi) -> np.ndarray:
    """Weekly users per node, in simulated citizens."""
    cap = np.empty(nodes.n)
    scale = munis.scale[nodes.municipality]
    cap[: nodes.n_centres] = c.infrastructure.access_centre_capacity
    cap[nodes.n_centres:] = wifi.capacity_per_week
    return cap / scale



def week_policy(c: Scenario, levers: dict[str, Any], spend: float, t: int, nodes: Nodes,
                munis: Municipalities) -> WeekPolicy:
    """What the levers and events in force in week ``t`` fix for the week (hotspots already placed)."""
    inf = c.infrastructure
    events = [e for e in c.events if e.step <= t < e.step + e.duration]
    outage = np.zeros(munis.n)
    for e in events:
        if e.kind == "outage":
            apply_to(outage, e.municipality, lambda v, s=e.severity: np.maximum(v, s))
    data_factor = 1.0 - inf.outage_data_loss * outage
    ch = levers["channels"]
    level_offered = mech.IAP2_LEVELS.index(ch.iap2_level) + 1
    return WeekPolicy(
        levers=levers,
        spend=spend,
        events=events,
        p_down=np.clip(inf.outage_hazard + outage[nodes.municipality], 0.0, 1.0),
        data_factor=None if np.all(data_factor == 1.0) else data_factor,
        node_capacity=node_capacity(c, nodes, munis, levers["wifi"]),
        level_offered=level_offered,
        level_of_channel=np.minimum(level_offered, mech.CHANNEL_MAX_LEVEL).astype(np.int8),
    )



def update_posture(c: Scenario, munis: Municipalities, sec) -> None:
    """Security posture from this week's security investment (mechanisms.security_posture)."""
    ic = c.infosec
    munis.posture = np.full(munis.n, mech.security_posture(ic.base_posture, sec.investment_rand,
                                                           ic.investment_scale))



def spend(munis: Municipalities, week_stats: dict, policy: WeekPolicy) -> None:
    """Book the week's spend."""
    week_stats["spend"] = _spend_row_of(_spend_row, policy, munis)  # one array per policy (read, never written)
    if policy.spend != 0.0:  # adding 0.0 would change nothing (spend_total starts at 0.0, never -0.0)
        munis.spend_total += policy.spend


_spend_row_of: LastSeen[np.ndarray] = LastSeen()  # the last policy booked: its spend per municipality


def _spend_row(policy: WeekPolicy, munis: Municipalities) -> np.ndarray:
    return np.full(munis.n, policy.spend)



def infrastructure(nodes: Nodes, policy: WeekPolicy, rng_nodes: np.random.Generator) -> None:
    """Each node is up or down this week (outage hazard; load-shedding spells)."""
    nodes.up = rng_nodes.random(nodes.n) >= policy.p_down



def apply_to(arr: np.ndarray, muni: int | None, fn) -> None:
    """Set ``arr[muni] = fn(arr[muni])``, or every element when ``muni`` is None (an event's municipality)."""
    if muni is None:
        arr[:] = fn(arr)
    else:
        arr[muni] = fn(arr[muni])
