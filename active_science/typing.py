"""The contracts between the loop's parts, as ``typing.Protocol`` classes.

A part is anything with the right methods: no base class to inherit. Shapes are documented in backticks; "unit"
means coordinates in the space's unit cube (``ParameterSpace.to_unit``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from active_science.evaluation import Evaluation, Observation, Task
    from active_science.simulation import Simulation
    from active_science.space import ParameterSpace
    from active_science.strategy_context import ProposalContext

__all__ = [
    "Simulator",
    "GoldSimulator",
    "TractableSimulator",
    "Statistic",
    "Objective",
    "Surrogate",
    "Strategy",
    "Executor",
]


@runtime_checkable
class Simulator(Protocol):
    """Draws events ``x ~ p(x | theta[, design])``.

    ``theta`` is `(d,)` (all events at one point) or `(n, d)` (one point per event); ``seed`` fixes all randomness.
    """

    name: str
    space: ParameterSpace

    def simulate(
        self,
        theta: np.ndarray,
        *,
        seed: int,
        num_events: int | None = None,
        design: np.ndarray | None = None,
        gold: bool = False,
        theta_refs: np.ndarray | None = None,
    ) -> Simulation: ...


@runtime_checkable
class GoldSimulator(Simulator, Protocol):
    """A simulator whose ``simulate(..., gold=True)`` also returns the joint score ``t_xz`` and, for each row of
    ``theta_refs``, the joint log likelihood ratio ``log_r_xz`` (SCIENCE.md section 2)."""

    has_gold: bool


@runtime_checkable
class TractableSimulator(Simulator, Protocol):
    """A simulator whose marginal likelihood ``p(x | theta)`` is known exactly (a test oracle)."""

    def log_likelihood(self, x: np.ndarray, theta: np.ndarray, *, design: np.ndarray | None = None) -> np.ndarray:
        """`(n,)` exact ``log p(x_i | theta_i)`` for `(n, x_dim)` events and `(d,)` or `(n, d)` theta."""
        ...


@runtime_checkable
class Statistic(Protocol):
    """Turns one simulation at ``theta`` into the number the loop models (e.g. CLs) with its noise variance."""

    def __call__(self, simulation: Simulation, theta: np.ndarray) -> Observation: ...


@runtime_checkable
class Objective(Protocol):
    """What an executor runs at one point: ``evaluate(theta (d,), seed) -> Observation``."""

    def evaluate(self, theta: np.ndarray, seed: int) -> Observation: ...


@runtime_checkable
class Surrogate(Protocol):
    """A probabilistic model of the modelled value over the unit cube (a botorch ``Model`` inside)."""

    def fit(self, X: np.ndarray, y: np.ndarray, yvar: np.ndarray | None, *, seed: int) -> Surrogate:
        """Fit on `(n, d)` unit points, `(n,)` values and `(n,)` noise variances (None: infer the noise)."""
        ...

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and variance of the latent function, each `(m,)`, at `(m, d)` unit points."""
        ...

    @property
    def model(self) -> Any:
        """The fitted botorch ``Model`` (what acquisition functions take)."""
        ...

    def hyperparameters(self) -> Mapping[str, list[float]]:
        """Named fitted hyperparameters, for the study file."""
        ...


@runtime_checkable
class Strategy(Protocol):
    """Chooses the next points. ``propose`` returns `(n, d)` unit-cube points, feasible and distinct from pending
    ones; it must be deterministic given ``context.seed`` and the data."""

    name: str
    needs_surrogate: bool

    def propose(self, n: int, context: ProposalContext) -> np.ndarray: ...


@runtime_checkable
class Executor(Protocol):
    """Runs tasks (``Task(id, theta, seed)``) and hands back finished ``Evaluation`` records as they complete."""

    def submit(self, task: Task) -> None: ...

    def wait(self, timeout: float | None = None) -> list[Evaluation]:
        """Block until at least one evaluation finished (or ``timeout`` seconds passed); return the finished ones."""
        ...

    @property
    def num_pending(self) -> int: ...

    def shutdown(self) -> None: ...
