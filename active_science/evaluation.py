"""Observations, tasks and evaluation records, and the adapters that turn user objects into an ``Objective``."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from active_science.exceptions import InvalidInputError, SimulationError

__all__ = [
    "Observation",
    "Task",
    "Proposal",
    "Evaluation",
    "CallableObjective",
    "SimulatorObjective",
    "as_objective",
]


@dataclass(frozen=True)
class Observation:
    """A value measured at one point, its noise variance (``None``: unknown) and optional named extras.

    ``extras`` carries further finite numbers measured at the same point (e.g. the expected CLs band, a fit
    status); they are stored with the evaluation and can be scanned as further targets.

    Example:
        >>> Observation(0.12, 1e-4)
        Observation(value=0.12, variance=0.0001, extras={})
    """

    value: float
    variance: float | None = None
    extras: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("value", "variance"):
            v = getattr(self, name)
            if v is None and name == "variance":
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
                raise SimulationError(f"Observation.{name}={v!r} is not a number; return a float")
            object.__setattr__(self, name, float(v))
        if not math.isfinite(self.value):
            raise SimulationError(f"objective returned a non-finite value ({self.value})")
        if self.variance is not None and not (math.isfinite(self.variance) and self.variance >= 0):
            raise SimulationError(f"objective returned variance={self.variance}; it must be finite and >= 0")
        if not isinstance(self.extras, Mapping):
            raise SimulationError(f"Observation.extras must be a mapping name -> number, got {type(self.extras).__name__}")
        clean: dict[str, float] = {}
        for k, v in self.extras.items():
            if not isinstance(k, str) or isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
                raise SimulationError(f"Observation.extras[{k!r}]={v!r} must be a number under a string name")
            if not math.isfinite(float(v)):
                raise SimulationError(f"Observation.extras[{k!r}] is not finite ({v})")
            clean[k] = float(v)
        object.__setattr__(self, "extras", clean)


@dataclass(frozen=True)
class Task:
    """One unit of work for an executor: evaluate the objective at ``theta`` with ``seed``."""

    id: int
    theta: np.ndarray
    seed: int


@dataclass(frozen=True)
class Proposal:
    """A point proposed by ``ActiveLoop.ask``: pass ``id`` back to ``tell``; simulate with ``seed``.

    Example:
        >>> import active_science as asci
        >>> loop = asci.ActiveLoop(asci.ParameterSpace({"x": (0.0, 1.0)}), "sobol", seed=0)
        >>> p = loop.ask(1)[0]
        >>> p.id, p.round, p.theta.shape
        (0, 0, (1,))
    """

    id: int
    theta: np.ndarray
    seed: int
    round: int


@dataclass(frozen=True)
class Evaluation:
    """The record of running one task (successful or failed after all retries).

    Example:
        >>> e = Evaluation(id=3, theta=np.array([0.5]), status="failed", error="RuntimeError: no convergence", attempts=2)
        >>> e.ok, e.attempts
        (False, 2)
    """

    id: int
    theta: np.ndarray
    status: Literal["ok", "failed"]
    value: float = math.nan
    variance: float = math.nan
    error: str = ""
    attempts: int = 1
    duration: float = 0.0
    worker: str = ""
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _call_arity(fn: Callable[..., Any]) -> int:
    try:
        params = [
            p
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
        ]
        varargs = any(p.kind == p.VAR_POSITIONAL for p in inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return 2
    return 2 if varargs else len(params)


def _to_observation(result: Any) -> Observation:
    if isinstance(result, Observation):
        return result
    if isinstance(result, (int, float, np.integer, np.floating)) and not isinstance(result, bool):
        return Observation(float(result))
    if isinstance(result, np.ndarray) and result.size == 1 and result.dtype.kind in "iuf":  # not complex, str, bool
        return Observation(float(result.reshape(())))
    raise SimulationError(
        f"objective returned {type(result).__name__}; return a float or active_science.Observation(value, variance)"
    )


class CallableObjective:
    """Wraps ``f(theta, seed) -> float | Observation`` (or ``f(theta)``) as an Objective."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        arity = _call_arity(fn)
        if arity not in (1, 2):
            raise InvalidInputError(
                f"objective {getattr(fn, '__name__', fn)!r} takes {arity} required arguments; write f(theta, seed) or f(theta)"
            )
        self.fn = fn
        self._arity = arity

    def evaluate(self, theta: np.ndarray, seed: int) -> Observation:
        return _to_observation(self.fn(theta, seed) if self._arity == 2 else self.fn(theta))

    def __repr__(self) -> str:
        return f"CallableObjective({getattr(self.fn, '__qualname__', self.fn)!r})"


class SimulatorObjective:
    """A Simulator and a Statistic: simulate at theta, then reduce the simulation to one Observation."""

    def __init__(self, simulator: Any, statistic: Callable[..., Observation], *, num_events: int | None = None) -> None:
        self.simulator = simulator
        self.statistic = statistic
        self.num_events = num_events

    def evaluate(self, theta: np.ndarray, seed: int) -> Observation:
        sim = self.simulator.simulate(theta, seed=seed, num_events=self.num_events)
        return _to_observation(self.statistic(sim, theta))

    def __repr__(self) -> str:
        return f"SimulatorObjective({getattr(self.simulator, 'name', self.simulator)!r})"


def as_objective(obj: Any) -> Any:
    """Normalise what users pass as an objective.

    Accepts an object with ``evaluate(theta, seed)``, a ``(simulator, statistic)`` pair, a simulator with a
    ``default_statistic()``, or a plain callable ``f(theta, seed)``.
    """
    if hasattr(obj, "evaluate") and callable(obj.evaluate):
        return obj
    if isinstance(obj, tuple) and len(obj) == 2 and hasattr(obj[0], "simulate") and callable(obj[1]):
        return SimulatorObjective(obj[0], obj[1])
    if hasattr(obj, "simulate") and hasattr(obj, "default_statistic"):
        return SimulatorObjective(obj, obj.default_statistic())
    if callable(obj):
        return CallableObjective(obj)
    raise InvalidInputError(
        f"objective {obj!r} is not usable; pass f(theta, seed) -> CLs, a (simulator, statistic) pair, or a simulator name"
    )
