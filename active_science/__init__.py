"""active-science: automate the scientific loop for simulation-based science.

Decide where to simulate next, simulate there in parallel, learn from the simulations, and stop when the scientific
answer (an exclusion contour, an experiment design, a measurement) has converged.

Example:
    >>> import active_science as asci
    >>> sim = asci.get_simulator("mass_plane")
    >>> sim.space.names
    ('m_parent', 'm_lsp')
"""

from active_science.convergence import ContourStable, LoopStatus, MaxEvaluations, Never, StoppingRule, UncertainFractionBelow
from active_science.evaluation import Evaluation, Observation, Proposal
from active_science.exceptions import (
    ActiveScienceError,
    ConfigError,
    ExecutorError,
    InvalidInputError,
    SimulationError,
    SpaceError,
    StoreError,
    StudyExistsError,
    UnknownNameError,
)
from active_science.execution import RetryPolicy
from active_science.loop import ActiveLoop
from active_science.registry import (
    get_simulator,
    get_strategy,
    list_simulators,
    list_strategies,
    register_simulator,
    register_strategy,
)
from active_science.scan import ExclusionScan, ScanResult
from active_science.simulation import Simulation
from active_science.space import ParameterSpace
from active_science.store import Store

__version__ = "0.1.0"

__all__ = [
    "ActiveLoop",
    "ActiveScienceError",
    "ConfigError",
    "ContourStable",
    "Evaluation",
    "ExclusionScan",
    "ExecutorError",
    "InvalidInputError",
    "LoopStatus",
    "MaxEvaluations",
    "Never",
    "Observation",
    "ParameterSpace",
    "Proposal",
    "RetryPolicy",
    "ScanResult",
    "Simulation",
    "SimulationError",
    "SpaceError",
    "StoppingRule",
    "Store",
    "StoreError",
    "StudyExistsError",
    "UncertainFractionBelow",
    "UnknownNameError",
    "__version__",
    "get_simulator",
    "get_strategy",
    "list_simulators",
    "list_strategies",
    "register_simulator",
    "register_strategy",
]
