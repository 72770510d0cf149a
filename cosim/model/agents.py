"""Mesa agents whose state lives in the model's NumPy arrays.

A ``Citizen`` is a real ``mesa.Agent`` (it can be inspected, selected with
AgentSet, drawn in the dashboard), but its attributes read and write one element
of the model's arrays, so the weekly step can update every citizen at once.
The same holds for officials and ICT nodes.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np


class ArrayAttribute:
    """An agent attribute stored at ``model.<array>[agent.idx]``.

    ``labels`` maps integer codes to names (e.g. income 0 -> "low").
    """

    def __init__(self, array: str, labels: tuple[str, ...] | None = None, doc: str = ""):
        self.array = array
        self.labels = labels
        self.__doc__ = doc

    def __get__(self, agent: Any, owner: type | None = None) -> Any:
        if agent is None:
            return self
        value = getattr(agent.model, self.array)[agent.idx]
        if self.labels is not None:
            return self.labels[int(value)]
        return value.item() if isinstance(value, np.generic) else value

    def __set__(self, agent: Any, value: Any) -> None:
        if self.labels is not None and isinstance(value, str):
            value = self.labels.index(value)
        getattr(agent.model, self.array)[agent.idx] = value


class ArrayAgent(mesa.Agent):
    """A Mesa agent that is a view of row ``idx`` of its model's arrays."""

    def __init__(self, model: mesa.Model, idx: int):
        super().__init__(model)
        self.idx = int(idx)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._shown)
        return f"{type(self).__name__}({self.idx}: {fields})"

    _shown: tuple[str, ...] = ()


class Citizen(ArrayAgent):
    """A resident aged 15+ with a device, skills, trust and privacy concern.

    Attributes (all in [0, 1] unless named): ``income`` (low/mid/high),
    ``age`` (youth/adult/senior), ``ward`` (ward id), ``municipality``,
    ``device`` (none/feature/smartphone), ``data_affordability`` (weekly chance of
    having data), ``literacy``, ``trust``, ``privacy_concern``, ``awareness``,
    ``adopted`` (uses e-participation), ``propensity`` (heavy-tailed will to
    contribute), ``contributions`` (count so far), ``channel`` this week
    (none/portal/ussd/social/meeting) and ``online`` this week.
    """

    income = ArrayAttribute("income", ("low", "mid", "high"))
    age = ArrayAttribute("age", ("youth", "adult", "senior"))
    ward = ArrayAttribute("ward")
    municipality = ArrayAttribute("muni")
    device = ArrayAttribute("device", ("none", "feature", "smartphone"))
    data_affordability = ArrayAttribute("afford")
    literacy = ArrayAttribute("literacy")
    trust = ArrayAttribute("trust")
    privacy_concern = ArrayAttribute("privacy")
    awareness = ArrayAttribute("awareness")
    adopted = ArrayAttribute("adopted")
    propensity = ArrayAttribute("propensity")
    contributions = ArrayAttribute("contributions")
    channel = ArrayAttribute("channel", ("none", "portal", "ussd", "social", "meeting"))
    online = ArrayAttribute("online")
    x = ArrayAttribute("x", doc="Position east, km.")
    y = ArrayAttribute("y", doc="Position north, km.")
    _shown = ("income", "ward", "device", "literacy", "trust", "adopted")


class Official(ArrayAgent):
    """A municipal official who resolves citizens' requests.

    ``skill`` and ``ict_skill`` in [0, 1]; ``active`` is False while the post is
    vacant; ``tenure`` in weeks; ``municipality`` the employer.
    """

    skill = ArrayAttribute("off_skill")
    ict_skill = ArrayAttribute("off_ict")
    active = ArrayAttribute("off_active")
    tenure = ArrayAttribute("off_tenure")
    municipality = ArrayAttribute("off_muni")
    _shown = ("skill", "ict_skill", "active")


class ICTNode(ArrayAgent):
    """A Wi-Fi hotspot, a library-style access centre or a Thusong-style service centre.

    ``kind``; position ``x``, ``y`` in km; ``up`` this week; ``municipality``.
    """

    kind = ArrayAttribute("node_kind", ("hotspot", "access_centre", "service_centre"))
    x = ArrayAttribute("node_x")
    y = ArrayAttribute("node_y")
    up = ArrayAttribute("node_up")
    municipality = ArrayAttribute("node_muni")
    _shown = ("kind", "x", "y", "up")
