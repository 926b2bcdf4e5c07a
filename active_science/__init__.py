"""active-science: automate the scientific loop for simulation-based science.

Decide where to simulate next, simulate there in parallel, learn from the simulations, and stop when the scientific
answer (an exclusion contour, an experiment design, a measurement) has converged.

The public names are imported lazily (PEP 562): ``import active_science`` is cheap, and a Ray worker that only
unpickles a numpy simulator never imports torch or botorch (a worker restart after a crash then takes a fraction of
a second instead of seconds).

Example:
    >>> import active_science as asci
    >>> sim = asci.get_simulator("mass_plane")
    >>> sim.space.names
    ('m_parent', 'm_lsp')
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(["ContourStable", "ExpectedMisclassificationBelow", "LoopStatus", "MaxEvaluations", "Never", "StoppingRule", "UncertainFractionBelow"], "convergence"),
    **dict.fromkeys(["Evaluation", "Observation", "Proposal"], "evaluation"),
    **dict.fromkeys(
        [
            "ActiveScienceError", "ConfigError", "ExecutorError", "InvalidInputError", "SimulationError", "SpaceError",
            "StoreError", "StudyExistsError", "UnknownNameError",
        ],
        "exceptions",
    ),  # fmt: skip
    "RetryPolicy": "execution",
    "ActiveLoop": "loop",
    **dict.fromkeys(
        ["get_simulator", "get_strategy", "list_simulators", "list_strategies", "register_simulator", "register_strategy"],
        "registry",
    ),
    **dict.fromkeys(["ExclusionScan", "ScanResult"], "scan"),
    "DesignStudy": "design",
    "Simulation": "simulation",
    "ParameterSpace": "space",
    "Store": "store",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'active_science' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"active_science.{module}"), name)
    globals()[name] = value  # cache: the next access is a plain attribute lookup
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
