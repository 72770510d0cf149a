"""cosim: an agent-based model of citizen-government co-production in smart cities.

>>> from cosim import load_scenario, simulate
>>> table = simulate(load_scenario("scenarios/baseline.toml"), seed=1)  # doctest: +SKIP
"""

from cosim.errors import ScenarioError
from cosim.model.agents import Citizen, ICTNode, Official
from cosim.model.model import CoProductionModel
from cosim.outputs.metrics import METRICS, OUTCOMES, outcomes
from cosim.runs.ids import run_seed
from cosim.runs.simulate import evaluate, simulate
from cosim.scenario.loading import load_scenario
from cosim.scenario.schema import Scenario

__version__ = "0.1.0"  # the one place the version is written (pyproject reads it)
#: the name to install it by: ``pip install cosim-coproduction`` (the import name stays ``cosim``;
#: the name ``cosim`` on the package index belongs to an unrelated project)
DISTRIBUTION = "cosim-coproduction"

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
