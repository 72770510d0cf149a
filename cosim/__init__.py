"""cosim: an agent-based model of citizen-government co-production in smart cities.

>>> from cosim import load_scenario, simulate
>>> table = simulate(load_scenario("scenarios/baseline.toml"), seed=1)  # doctest: +SKIP
"""

from cosim.agents import Citizen, ICTNode, Official
from cosim.metrics import METRICS, OUTCOMES, outcomes
from cosim.model import CoProductionModel
from cosim.scenario import ScenarioError, load_scenario
from cosim.schema import Scenario
from cosim.simulate import evaluate, run_seed, simulate

__version__ = "0.1.0"

__all__ = [
    "METRICS",
    "OUTCOMES",
    "Citizen",
    "CoProductionModel",
    "ICTNode",
    "Official",
    "Scenario",
    "ScenarioError",
    "__version__",
    "evaluate",
    "load_scenario",
    "outcomes",
    "run_seed",
    "simulate",
]
