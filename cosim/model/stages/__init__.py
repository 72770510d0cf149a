"""The week's stages (MODEL.md s3, docs/ODD.md Process overview), one function each.

Each stage reads and updates the state containers of :mod:`cosim.model.state`
and takes the scenario's parameters; the rules themselves are the pure
functions of :mod:`cosim.model.mechanisms`.  :meth:`CoProductionModel.step`
calls them in the order of MODEL.md s3; they live in one
module per group of stages and are all importable from here.  The rows of the week's block of uniform
draws ``u`` are named in :mod:`cosim.model.draws`.
"""

from __future__ import annotations

from cosim.model.stages.citizens import (
    access,
    adoption,
    awareness,
    by_citizen,
    facilitating_conditions,
    literacy,
    participation,
    portal_available,
    training,
)
from cosim.model.stages.schedule import (
    apply_to,
    in_idp_window,
    infrastructure,
    node_capacity,
    spend,
    update_posture,
    week_policy,
)
from cosim.model.stages.services import coproduction, group_medians, open_data, plans, staff
from cosim.model.stages.talent import talent
from cosim.model.stages.trends import trends
from cosim.model.stages.trust import shocks, trust

__all__ = [
    "access",
    "adoption",
    "apply_to",
    "awareness",
    "by_citizen",
    "coproduction",
    "facilitating_conditions",
    "group_medians",
    "in_idp_window",
    "infrastructure",
    "literacy",
    "node_capacity",
    "open_data",
    "participation",
    "plans",
    "portal_available",
    "shocks",
    "spend",
    "staff",
    "talent",
    "training",
    "trends",
    "trust",
    "update_posture",
    "week_policy",
]
