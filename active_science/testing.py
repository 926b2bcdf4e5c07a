"""Helpers for testing strategies and simulators (used by our test-suite, doctests and users' own tests)."""

from __future__ import annotations

from typing import Any

import numpy as np

from active_science.space import ParameterSpace
from active_science.strategy_context import ProposalContext

__all__ = ["make_context", "CountingObjective", "excursion_1d"]


def make_context(
    space: ParameterSpace,
    *,
    X: np.ndarray | None = None,
    y: np.ndarray | None = None,
    yvar: np.ndarray | None = None,
    surrogate: Any = None,
    threshold: float | None = 0.0,
    seed: int = 0,
    budget: int | None = None,
    num_proposed: int = 0,
    pending: np.ndarray | None = None,
    failed: np.ndarray | None = None,
    candidates: np.ndarray | None = None,
) -> ProposalContext:
    """A ProposalContext built by hand (unit-cube coordinates), e.g. to call ``strategy.propose`` directly."""
    d = space.dim
    return ProposalContext(
        space=space,
        X=np.zeros((0, d)) if X is None else np.asarray(X, dtype=float).reshape(-1, d),
        y=np.zeros(0) if y is None else np.asarray(y, dtype=float),
        yvar=yvar,
        failed=np.zeros((0, d)) if failed is None else np.asarray(failed, dtype=float).reshape(-1, d),
        pending=np.zeros((0, d)) if pending is None else np.asarray(pending, dtype=float).reshape(-1, d),
        threshold=threshold,
        surrogate=surrogate,
        seed=seed,
        study_seed=seed,
        round=0,
        num_proposed=num_proposed,
        budget=budget,
        candidates=candidates,
    )


class CountingObjective:
    """Wraps an objective, counts calls and records which seeds it saw; optionally raises KeyboardInterrupt at
    call number ``interrupt_at`` (simulates Ctrl-C in the middle of a scan)."""

    def __init__(self, fn: Any, *, interrupt_at: int | None = None) -> None:
        from active_science.evaluation import as_objective

        self.inner = as_objective(fn)
        self.interrupt_at = interrupt_at
        self.calls = 0
        self.seeds: list[int] = []

    def evaluate(self, theta: np.ndarray, seed: int) -> Any:
        self.calls += 1
        if self.interrupt_at is not None and self.calls == self.interrupt_at:
            raise KeyboardInterrupt
        self.seeds.append(int(seed))
        return self.inner.evaluate(theta, seed)


def excursion_1d(theta: np.ndarray, seed: int = 0) -> float:
    """excursion's 1D test function ``11 - 10[tanh(3(x - 0.3)) + 0.15 sin(30 x)]`` (level 0.7 on [0, 1])."""
    x = float(np.asarray(theta).reshape(-1)[0])
    return 11.0 - 10.0 * (np.tanh(3.0 * (x - 0.3)) + 0.15 * np.sin(30.0 * x))
