"""Mesa agents whose state lives in the model's NumPy arrays.

A ``Citizen`` is a real ``mesa.Agent`` (it can be inspected, selected with
AgentSet, drawn in the dashboard), but its attributes read and write one element
of the model's arrays (:mod:`cosim.model.state`: ``model.citizens``,
``model.officials``, ``model.nodes``), so the weekly step can update every
citizen at once.  The same holds for officials and ICT nodes.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np


class ArrayAttribute:
    """An agent attribute stored at ``model.<container>.<array>[agent.idx]``.

    ``labels`` maps integer codes to names (e.g. income 0 -> "low").
    """

    def __init__(self, container: str, array: str, labels: tuple[str, ...] | None = None, doc: str = ""):
        self.container = container
        self.array = array
        self.labels = labels
        self.__doc__ = doc

    def _arrays(self, agent: Any) -> Any:
        return getattr(agent.model, self.container)

    def __get__(self, agent: Any, owner: type | None = None) -> Any:
        if agent is None:
            return self
        value = getattr(self._arrays(agent), self.array)[agent.idx]
        if self.labels is not None:
            return self.labels[int(value)]
        return value.item() if isinstance(value, np.generic) else value

    def __set__(self, agent: Any, value: Any) -> None:
        if self.labels is not None and isinstance(value, str):
            value = self.labels.index(value)
        getattr(self._arrays(agent), self.array)[agent.idx] = value


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

    income = ArrayAttribute("citizens", "income", ("low", "mid", "high"))
    age = ArrayAttribute("citizens", "age", ("youth", "adult", "senior"))
    ward = ArrayAttribute("citizens", "ward")
    municipality = ArrayAttribute("citizens", "municipality")
    device = ArrayAttribute("citizens", "device", ("none", "feature", "smartphone"))
    data_affordability = ArrayAttribute("citizens", "data_affordability")
    literacy = ArrayAttribute("citizens", "literacy")
    trust = ArrayAttribute("citizens", "trust")
    privacy_concern = ArrayAttribute("citizens", "privacy_concern")
    awareness = ArrayAttribute("citizens", "awareness")
    adopted = ArrayAttribute("citizens", "adopted")
    propensity = ArrayAttribute("citizens", "propensity")
    contributions = ArrayAttribute("citizens", "contributions")
    channel = ArrayAttribute("citizens", "channel", ("none", "portal", "ussd", "social", "meeting"))
    online = ArrayAttribute("citizens", "online")
    x = ArrayAttribute("citizens", "x", doc="Position east, km.")
    y = ArrayAttribute("citizens", "y", doc="Position north, km.")
    _shown = ("income", "ward", "device", "literacy", "trust", "adopted")


class Official(ArrayAgent):
    """A municipal official who resolves citizens' requests.

    ``skill`` and ``ict_skill`` in [0, 1]; ``active`` is False while the post is
    vacant; ``tenure`` in weeks; ``municipality`` the employer.
    """

    skill = ArrayAttribute("officials", "skill")
    ict_skill = ArrayAttribute("officials", "ict_skill")
    active = ArrayAttribute("officials", "active")
    tenure = ArrayAttribute("officials", "tenure")
    municipality = ArrayAttribute("officials", "municipality")
    _shown = ("skill", "ict_skill", "active")


class ICTNode(ArrayAgent):
    """A Wi-Fi hotspot, a library-style access centre or a Thusong-style service centre.

    ``kind``; position ``x``, ``y`` in km; ``up`` this week; ``municipality``.
    """

    kind = ArrayAttribute("nodes", "kind", ("hotspot", "access_centre", "service_centre"))
    x = ArrayAttribute("nodes", "x")
    y = ArrayAttribute("nodes", "y")
    up = ArrayAttribute("nodes", "up")
    municipality = ArrayAttribute("nodes", "municipality")
    _shown = ("kind", "x", "y", "up")
