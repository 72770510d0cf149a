"""Every reach into Mesa's internals, in one file.

The model stores agents' state in arrays and creates agents by the thousand, so
it relies on a few details of Mesa 3.5 that are not public API: the registries
``Model._all_agents`` / ``Model._agents_by_type`` (and their ``_agents``
dicts), ``Model._has_subscribers`` for the agent-added signal, and the
``copyreg`` entry a discrete-space grid registers for its cell class.  When
Mesa changes these, this is the file to update.
"""

from __future__ import annotations

import copyreg
import weakref

import mesa
from mesa.experimental.mesa_signals import ModelSignals

from cosim.model.agents import ArrayAgent


def release_grid_cell_class(model: mesa.Model, grid) -> None:
    """Drop the grid's cell class from ``copyreg`` when ``model`` is collected.

    Mesa 3.5 registers each grid's own cell class with copyreg (for pickling),
    and that global table keeps the class and the grid's property layers alive
    after the model is gone: a few kB per model, without end over thousands of
    runs (tests/test_memory.py).
    """
    weakref.finalize(model, copyreg.dispatch_table.pop, grid.cell_klass, None)


def add_array_agents(model: mesa.Model, cls: type[ArrayAgent], n: int) -> None:
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


def replace_array_agents(model: mesa.Model, cls: type[ArrayAgent], n: int) -> None:
    """Remove every agent of ``cls`` and create ``n`` new ones (rows 0 .. n-1)."""
    for agent in list(model.agents_by_type.get(cls, [])):
        agent.remove()
    add_array_agents(model, cls, n)
