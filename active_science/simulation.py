"""Simulation: the events a simulator drew, with optional gold (joint likelihood ratio and joint score)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from active_science.exceptions import SimulationError

__all__ = ["Simulation"]


def _array(name: str, value: object, ndim: int, rows: int | None) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise SimulationError(f"Simulation.{name} is not numeric ({type(value).__name__}); return float arrays") from err
    if arr.ndim != ndim:
        raise SimulationError(f"Simulation.{name} has shape {arr.shape}; expected {ndim} axes (events first)")
    if rows is not None and arr.shape[0] != rows:
        raise SimulationError(f"Simulation.{name} has {arr.shape[0]} rows but x has {rows} events; return one row per event")
    return arr


@dataclass(frozen=True)
class Simulation:
    """Events ``x ~ p(x | theta, design)`` from one simulator call, with optional gold.

    Attributes:
        x: `(n, x_dim)` observed events.
        theta: `(n, d)` the parameter point each event was drawn at.
        design: `(n, k)` experiment design of each event, or None.
        t_xz: `(n, d)` joint score ``grad_theta log p(x, z | theta)`` at each event's theta, or None.
        log_r_xz: `(n, n_refs)` ``log p(x, z | theta) - log p(x, z | theta_ref_k)``, or None.
        theta_refs: `(n_refs, d)` the reference points of ``log_r_xz``, or None.
        meta: scalar summaries (cross section, number generated, acceptance ...).

    Example:
        >>> from active_science.simulators.galton import GaltonBoard
        >>> sim = GaltonBoard().simulate(np.array([-0.8]), seed=0, num_events=5, gold=True, theta_refs=np.array([[-0.6]]))
        >>> sim.x.shape, sim.t_xz.shape, sim.log_r_xz.shape   # events, joint score, joint log ratio vs theta_refs
        ((5, 1), (5, 1), (5, 1))
    """

    x: np.ndarray
    theta: np.ndarray
    design: np.ndarray | None = None
    t_xz: np.ndarray | None = None
    log_r_xz: np.ndarray | None = None
    theta_refs: np.ndarray | None = None
    meta: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        x = _array("x", self.x, 2, None)
        n = x.shape[0]
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "theta", _array("theta", self.theta, 2, n))
        for name in ("design", "t_xz", "log_r_xz"):
            v = getattr(self, name)
            if v is not None:
                object.__setattr__(self, name, _array(name, v, 2, n))
        if self.t_xz is not None and self.t_xz.shape[1] != self.theta.shape[1]:
            raise SimulationError(f"Simulation.t_xz has {self.t_xz.shape[1]} columns for {self.theta.shape[1]} parameters")
        if (self.log_r_xz is None) != (self.theta_refs is None):
            raise SimulationError("Simulation.log_r_xz and theta_refs must be given together")
        if self.theta_refs is not None:
            refs = _array("theta_refs", self.theta_refs, 2, None)
            if refs.shape != (self.log_r_xz.shape[1], self.theta.shape[1]):  # type: ignore[union-attr]
                raise SimulationError(f"Simulation.theta_refs has shape {refs.shape}; expected ({self.log_r_xz.shape[1]}, {self.theta.shape[1]})")  # type: ignore[union-attr]
            object.__setattr__(self, "theta_refs", refs)
        for name in ("x", "theta", "design", "t_xz", "log_r_xz"):
            v = getattr(self, name)
            if v is not None and not np.all(np.isfinite(v)):
                raise SimulationError(f"Simulation.{name} contains NaN or inf; the simulator must return finite values")
        object.__setattr__(self, "meta", {str(k): float(v) for k, v in dict(self.meta).items()})

    def __len__(self) -> int:
        return int(self.x.shape[0])

    @property
    def has_gold(self) -> bool:
        return self.t_xz is not None or self.log_r_xz is not None

    @classmethod
    def concatenate(cls, sims: Sequence[Simulation]) -> Simulation:
        """Stack simulations event-wise (gold kept only when every part has it with the same references)."""
        if not sims:
            raise SimulationError("cannot concatenate an empty list of simulations")

        def cat(name: str) -> np.ndarray | None:
            parts = [getattr(s, name) for s in sims]
            return None if any(p is None for p in parts) else np.concatenate(parts, axis=0)

        refs = sims[0].theta_refs
        same_refs = refs is not None and all(s.theta_refs is not None and np.array_equal(s.theta_refs, refs) for s in sims)
        return cls(
            x=np.concatenate([s.x for s in sims]),
            theta=np.concatenate([s.theta for s in sims]),
            design=cat("design"),
            t_xz=cat("t_xz"),
            log_r_xz=cat("log_r_xz") if same_refs else None,
            theta_refs=refs if same_refs else None,
        )
