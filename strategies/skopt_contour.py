"""scikit-optimize used the way a physicist would reach for it to find a contour: minimise ``|y - t|``.

``y`` is the modelled value (``log CLs - log level`` in an exclusion scan), so the objective is
``|log CLs - log level|``: zero on the boundary. skopt's ``Optimizer`` is rebuilt from the loop's data at every
call (ask/tell is cheap for the few hundred points it can handle) and asked for a batch by constant liar; points
still running are told at the liar value so they are not proposed again. skopt knows nothing of constraints: an
infeasible suggestion (outside the box or the constraint) is replaced by the nearest feasible point of a seeded
Sobol set.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np

from active_science.exceptions import InvalidInputError
from active_science.strategies.initial import initial_design
from active_science.strategy_context import ProposalContext

__all__ = ["SkoptContourStrategy", "skopt"]

logger = logging.getLogger(__name__)


class SkoptContourStrategy:
    """scikit-optimize ``Optimizer`` (GP + ``gp_hedge``) minimising ``|y - t|`` over the unit cube.

    Args:
        base_estimator: skopt surrogate (``"GP"``, ``"RF"``, ``"ET"``, ``"GBRT"``).
        acq_func: skopt acquisition (``"gp_hedge"``, ``"EI"``, ``"LCB"``, ``"PI"``).
        num_initial: space-filling points (our Sobol design) before skopt is asked.
        acq_optimizer: skopt's acquisition optimiser, ``"auto"``, ``"lbfgs"`` or ``"sampling"`` (cheapest: the
            best of ``n_points`` random points).
        acq_optimizer_kwargs: passed to skopt (e.g. ``{"n_points": 2000, "n_restarts_optimizer": 2}`` for speed).

    Example:
        >>> from active_science.space import ParameterSpace
        >>> from active_science.testing import make_context
        >>> X = np.linspace(0, 1, 6)[:, None]
        >>> ctx = make_context(ParameterSpace({"x": (0.0, 1.0)}), X=X, y=X[:, 0] - 0.43, seed=1)
        >>> SkoptContourStrategy().propose(2, ctx).shape
        (2, 1)
    """

    name = "skopt"
    needs_surrogate = False

    def __init__(
        self,
        *,
        base_estimator: str = "GP",
        acq_func: str = "gp_hedge",
        num_initial: int | None = None,
        acq_optimizer: str = "auto",
        acq_optimizer_kwargs: dict[str, Any] | None = None,
    ) -> None:
        if num_initial is not None and num_initial < 1:
            raise InvalidInputError(f"num_initial={num_initial} must be >= 1")
        self.base_estimator = base_estimator
        self.acq_func = acq_func
        self.num_initial = num_initial
        if acq_optimizer not in ("auto", "lbfgs", "sampling"):
            raise InvalidInputError(f"acq_optimizer={acq_optimizer!r} must be 'auto', 'lbfgs' or 'sampling'")
        self.acq_optimizer = acq_optimizer
        self.acq_optimizer_kwargs = dict(acq_optimizer_kwargs or {})

    def propose(self, n: int, ctx: ProposalContext) -> np.ndarray:
        from skopt import Optimizer

        if ctx.threshold is None:
            raise InvalidInputError("strategy 'skopt' learns a contour and needs a threshold (use ExclusionScan)")
        if ctx.candidates is not None:
            raise InvalidInputError("strategy 'skopt' proposes continuous points; use a GP strategy for a finite pool")
        num_initial = self.num_initial if self.num_initial is not None else max(4, 2 * ctx.dim + 2)
        if len(ctx.X) + len(ctx.pending) < num_initial or len(ctx.X) < 2:
            return initial_design(ctx, n)
        objective = np.abs(np.asarray(ctx.y, dtype=float).reshape(len(ctx.X), -1) - ctx.threshold).min(axis=1)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")  # skopt/sklearn warn on repeated points and GP convergence: log them
            opt = Optimizer(
                [(0.0, 1.0)] * ctx.dim,
                base_estimator=self.base_estimator,
                acq_func=self.acq_func,
                n_initial_points=0,
                acq_optimizer=self.acq_optimizer,
                acq_optimizer_kwargs=self.acq_optimizer_kwargs or None,
                random_state=int(ctx.seed) % (2**32 - 1),
            )
            X_told = np.concatenate([ctx.X, ctx.pending, ctx.failed])
            liar = float(objective.min())  # constant liar for points in flight; failed points are told as the worst
            y_told = np.concatenate([objective, np.full(len(ctx.pending), liar), np.full(len(ctx.failed), objective.max())])
            opt.tell(X_told.tolist(), y_told.tolist(), fit=True)
            asked = np.asarray(opt.ask(n, strategy="cl_min") if n > 1 else [opt.ask()], dtype=float).reshape(-1, ctx.dim)
        for w in caught:
            logger.debug("skopt: %s", w.message)
        return self._feasible(np.clip(asked, 0.0, 1.0), ctx)

    @staticmethod
    def _feasible(U: np.ndarray, ctx: ProposalContext) -> np.ndarray:
        # bounds too, not only the constraint: with model coordinates (m, m - m_lsp) the unit cube also maps to points
        # outside the box (m_lsp < 0)
        ok = ctx.space.contains(ctx.space.from_unit(U))
        if ok.all():
            return U
        pool = ctx.space.sample_unit(1024, seed=ctx.seed, method="sobol")
        for i in np.flatnonzero(~ok):
            U[i] = pool[np.argmin(((pool - U[i]) ** 2).sum(-1))]
        return U


def skopt(**options: Any) -> SkoptContourStrategy:
    """The scikit-optimize baseline strategy."""
    return SkoptContourStrategy(**options)
