"""ProposalContext: everything a strategy may look at when it proposes points."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from active_science.space import ParameterSpace

__all__ = ["ProposalContext"]


@dataclass(frozen=True)
class ProposalContext:
    """The loop's state, as seen by a strategy (all points in unit-cube coordinates).

    Attributes:
        space: the parameter space (constraints, transforms).
        X: `(n, d)` points with a successful evaluation.
        y: `(n,)` their modelled values.
        yvar: `(n,)` their noise variances, or None when unknown.
        failed: `(m, d)` points whose evaluation failed after all retries (do not propose them again).
        pending: `(p, d)` points proposed and still running.
        threshold: level of the contour on the modelled scale, or None for maximisation tasks.
        surrogate: the surrogate fitted on ``(X, y, yvar)``, or None (no data yet / strategy does not need it).
        seed: seed for this round (restarts, random baselines).
        study_seed: the study's seed (for sequences that continue across rounds, e.g. Sobol).
        round: index of this round (0-based).
        num_proposed: how many points were proposed before this call.
        budget: total evaluations planned, if known (sizes grids and Latin hypercubes).
        candidates: `(c, d)` the finite pool still available (pool-based scans), or None for a continuous space.
    """

    space: ParameterSpace
    X: np.ndarray
    y: np.ndarray
    yvar: np.ndarray | None
    failed: np.ndarray
    pending: np.ndarray
    threshold: float | None
    surrogate: Any
    seed: int
    study_seed: int
    round: int
    num_proposed: int
    budget: int | None = None
    candidates: np.ndarray | None = None

    @property
    def dim(self) -> int:
        return self.space.dim

    @property
    def excluded(self) -> np.ndarray:
        """`(m + p, d)` points no strategy should propose again (failed and pending)."""
        return np.concatenate([self.failed.reshape(-1, self.dim), self.pending.reshape(-1, self.dim)], axis=0)
