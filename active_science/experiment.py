"""What one experiment is: its cost model, its data, and its exact likelihood.

The optimal design depends on what an experiment costs, so every design study states its cost model:

* ``FixedEvents(n)``: every run records exactly ``n`` events, whatever the design (per-event information decides);
* ``FixedLuminosity(L)``: every run integrates ``L`` nb^-1, so it records a Poisson number of events with mean
  ``L * sigma_fid(theta, phi)``; the count itself carries information on theta (a rate term) and designs with a
  large cross section (the Z pole) collect many more events.

Experiments are batched: ``simulate_experiments`` draws all events of many experiments in one vectorised simulator
call (one parameter point per event), so common random numbers give smooth EIG curves across designs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy.special import gammaln

from active_science.exceptions import InvalidInputError

__all__ = [
    "FixedEvents",
    "FixedLuminosity",
    "CostModel",
    "ExperimentData",
    "cost_model_from_config",
    "expected_events",
    "simulate_experiments",
    "event_log_likelihoods",
    "rate_log_likelihood",
    "experiment_log_likelihood",
]


@dataclass(frozen=True)
class FixedEvents:
    """Cost model: every experiment records exactly ``num_events`` events.

    Example:
        >>> FixedEvents(1000).describe()
        'fixed number of events: 1000 per experiment'
    """

    num_events: int
    kind: ClassVar[str] = "fixed_events"

    def __post_init__(self) -> None:
        if isinstance(self.num_events, bool) or not isinstance(self.num_events, (int, np.integer)) or self.num_events < 1:
            raise InvalidInputError(f"FixedEvents: num_events={self.num_events!r} must be an integer >= 1")

    def describe(self) -> str:
        return f"fixed number of events: {self.num_events} per experiment"

    def to_config(self) -> dict[str, Any]:
        return {"kind": self.kind, "num_events": int(self.num_events)}


@dataclass(frozen=True)
class FixedLuminosity:
    """Cost model: every experiment integrates ``luminosity`` (nb^-1); the event count is Poisson.

    Example:
        >>> FixedLuminosity(200.0).describe()
        'fixed luminosity: 200 nb^-1 per experiment (Poisson number of events, mean L x sigma_fid)'
    """

    luminosity: float
    kind: ClassVar[str] = "fixed_luminosity"

    def __post_init__(self) -> None:
        v = self.luminosity
        if isinstance(v, bool) or not isinstance(v, (int, float, np.floating)) or not math.isfinite(v) or v <= 0:
            raise InvalidInputError(f"FixedLuminosity: luminosity={v!r} must be a positive number of nb^-1")

    def describe(self) -> str:
        return f"fixed luminosity: {self.luminosity:g} nb^-1 per experiment (Poisson number of events, mean L x sigma_fid)"

    def to_config(self) -> dict[str, Any]:
        return {"kind": self.kind, "luminosity": float(self.luminosity)}


CostModel = FixedEvents | FixedLuminosity


def cost_model_from_config(cfg: Mapping[str, Any]) -> CostModel:
    """Build a cost model from ``{"kind": "fixed_events", "num_events": n}`` or ``{"kind": "fixed_luminosity",
    "luminosity": L}``."""
    if not isinstance(cfg, Mapping):
        raise InvalidInputError(f"cost model {cfg!r} must be a table with a 'kind'")
    kind = cfg.get("kind")
    rest = {k: v for k, v in cfg.items() if k != "kind"}
    classes: dict[str, type] = {"fixed_events": FixedEvents, "fixed_luminosity": FixedLuminosity}
    if kind not in classes:
        raise InvalidInputError(f"cost model kind {kind!r} is unknown; valid kinds: fixed_events, fixed_luminosity")
    try:
        return classes[kind](**rest)  # type: ignore[no-any-return]
    except TypeError as err:
        raise InvalidInputError(f"cost model {dict(cfg)}: {err}") from err


@dataclass(frozen=True)
class ExperimentData:
    """The data of one experiment: its design `(k,)` and its events `(n, x_dim)` (n is the observed count)."""

    design: np.ndarray
    x: np.ndarray

    @property
    def count(self) -> int:
        return int(self.x.shape[0])


def _fiducial_cross_section(simulator: Any, thetas: np.ndarray, design: np.ndarray) -> np.ndarray:
    if not callable(getattr(simulator, "cross_section", None)):
        raise InvalidInputError(
            f"simulator {getattr(simulator, 'name', simulator)!r} has no cross_section(theta, design); the fixed-luminosity cost model needs one"
        )
    try:
        sigma = simulator.cross_section(thetas, design, fiducial=True)
    except TypeError:
        sigma = simulator.cross_section(thetas, design)
    return np.asarray(sigma, dtype=float).reshape(-1)


def expected_events(simulator: Any, cost: CostModel, thetas: np.ndarray, design: np.ndarray) -> np.ndarray:
    """`(m,)` expected number of events of one experiment at `(m, d)` thetas and one `(k,)` design."""
    thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
    if isinstance(cost, FixedEvents):
        return np.full(len(thetas), float(cost.num_events))
    return cost.luminosity * _fiducial_cross_section(simulator, thetas, np.asarray(design, dtype=float))


def simulate_experiments(simulator: Any, cost: CostModel, thetas: np.ndarray, design: np.ndarray, *, seed: int) -> list[ExperimentData]:
    """Simulate one experiment at each of `(n, d)` thetas, all at one `(k,)` design, in one simulator call."""
    thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
    design = np.asarray(design, dtype=float).reshape(-1)
    count_seed, event_seed = np.random.SeedSequence(seed).generate_state(2)
    if isinstance(cost, FixedEvents):
        counts = np.full(len(thetas), int(cost.num_events))
    else:
        counts = np.random.default_rng(count_seed).poisson(expected_events(simulator, cost, thetas, design))
    total = int(counts.sum())
    x_dim = int(getattr(simulator, "x_dim", 1))
    if total == 0:
        return [ExperimentData(design, np.zeros((0, x_dim))) for _ in counts]
    per_event = np.repeat(thetas, counts, axis=0)
    sim = simulator.simulate(per_event, seed=int(event_seed), num_events=total, design=design)
    parts = np.split(sim.x, np.cumsum(counts)[:-1])
    return [ExperimentData(design, part) for part in parts]


def event_log_likelihoods(simulator: Any, x: np.ndarray, thetas: np.ndarray, design: np.ndarray) -> np.ndarray:
    """`(n, m)` exact per-event ``log p(x_i | theta_j, phi)`` (uses the simulator's ``log_likelihood_matrix`` if any)."""
    thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
    fast = getattr(simulator, "log_likelihood_matrix", None)
    if callable(fast):
        return np.asarray(fast(x, thetas, design=design), dtype=float)
    if not callable(getattr(simulator, "log_likelihood", None)):
        raise InvalidInputError(
            f"simulator {getattr(simulator, 'name', simulator)!r} has no exact log_likelihood; use a likelihood-free EIG estimator"
        )
    return np.stack([np.asarray(simulator.log_likelihood(x, th, design=design), dtype=float) for th in thetas], axis=1)


def rate_log_likelihood(simulator: Any, cost: CostModel, count: int, thetas: np.ndarray, design: np.ndarray) -> np.ndarray:
    """`(m,)` ``log Pois(count; L sigma_fid(theta_j))`` under fixed luminosity (zeros under fixed events)."""
    thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
    if isinstance(cost, FixedEvents):
        return np.zeros(len(thetas))
    nu = expected_events(simulator, cost, thetas, design)
    return count * np.log(np.maximum(nu, 1e-300)) - nu - gammaln(count + 1.0)


def experiment_log_likelihood(simulator: Any, cost: CostModel, data: ExperimentData | Sequence[ExperimentData], thetas: np.ndarray) -> np.ndarray:
    """`(m,)` exact ``log p(data | theta_j)`` of one experiment (or the sum over several) at `(m, d)` thetas.

    Example:
        >>> from active_science.simulators.weinberg import Weinberg
        >>> sim = Weinberg()
        >>> data = simulate_experiments(sim, FixedEvents(3000), [[0.23]], [80.0], seed=0)[0]
        >>> ll = experiment_log_likelihood(sim, FixedEvents(3000), data, [[0.20], [0.23], [0.26]])
        >>> int(np.argmax(ll))
        1
    """
    runs = [data] if isinstance(data, ExperimentData) else list(data)
    thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
    total = np.zeros(len(thetas))
    for run in runs:
        if run.count:
            total += event_log_likelihoods(simulator, run.x, thetas, run.design).sum(axis=0)
        total += rate_log_likelihood(simulator, cost, run.count, thetas, run.design)
    return total
