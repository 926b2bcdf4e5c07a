"""Bayesian optimisation: propose points that maximise (or minimise) the modelled value.

The loop's GP (fitted on noisy values with their own variances) is handed to botorch's Monte Carlo acquisition
functions: ``qUpperConfidenceBound`` (``"ucb"``) or ``qLogNoisyExpectedImprovement`` (``"logei"``, which accounts for
noisy incumbents). Batches are built sequentially greedily: each next point is chosen with the points still running
and the points already chosen in this batch as ``X_pending``, botorch's own mechanism for asynchronous and batched
selection (MC acquisitions integrate over the unknown values at pending points jointly).

Used by ``DesignStudy`` to maximise EIG(phi) over designs, and by any study that maximises a noisy objective.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import torch
from botorch.acquisition import qLogNoisyExpectedImprovement, qProbabilityOfImprovement, qUpperConfidenceBound
from botorch.acquisition.objective import LinearMCObjective
from botorch.sampling import SobolQMCNormalSampler

from active_science.acquisition.optimize import maximize_acquisition
from active_science.exceptions import InvalidInputError
from active_science.strategies.initial import initial_design
from active_science.strategy_context import ProposalContext

__all__ = ["BayesOptStrategy", "ucb", "logei"]

DTYPE = torch.float64


class BayesOptStrategy:
    """Sequential-greedy batches of a botorch MC acquisition on the loop's GP.

    Args:
        acquisition: ``"ucb"`` (``qUpperConfidenceBound``), ``"logei"`` (``qLogNoisyExpectedImprovement``) or ``"pi"``
            (``qProbabilityOfImprovement`` over the best posterior mean at the evaluated points).
        beta: UCB exploration weight (botorch's convention: mean + sqrt(beta pi / 2) |f - mean| in MC form).
        maximize: maximise (True) or minimise (False) the modelled value.
        num_initial: space-filling points before the GP is used (default ``max(4, 2 d + 2)``).
        mc_samples: quasi-MC samples of the acquisition.
        num_restarts, raw_samples: acquisition optimiser settings.
        initial_points: `(m, d)` points (in the space's coordinates) proposed first, before the space-filling design
            (warm start: e.g. a sequential design study re-evaluates the previous experiment's design first).

    Example:
        >>> from active_science import ActiveLoop, ParameterSpace
        >>> from active_science.surrogates.gp import GPSurrogate
        >>> strategy = BayesOptStrategy("ucb", num_restarts=2, raw_samples=64, mc_samples=64)
        >>> loop = ActiveLoop(ParameterSpace({"x": (0.0, 1.0)}), strategy, seed=0, surrogate=GPSurrogate(warp=False))
        >>> for _ in range(4):
        ...     for p in loop.ask(3):
        ...         loop.tell(p.id, float(-(p.theta[0] - 0.3) ** 2), 1e-6)
        >>> X, y, _ = loop.training_data()
        >>> bool(abs(X[np.argmax(y), 0] - 0.3) < 0.05)
        True
    """

    needs_surrogate = True

    def __init__(
        self,
        acquisition: Literal["ucb", "logei", "pi"] = "ucb",
        *,
        name: str | None = None,
        beta: float = 2.0,
        maximize: bool = True,
        num_initial: int | None = None,
        mc_samples: int = 256,
        num_restarts: int = 8,
        raw_samples: int = 512,
        initial_points: np.ndarray | None = None,
    ) -> None:
        if acquisition not in ("ucb", "logei", "pi"):
            raise InvalidInputError(f"acquisition={acquisition!r} must be 'ucb', 'logei' or 'pi'")
        if not (isinstance(beta, (int, float)) and beta >= 0):
            raise InvalidInputError(f"beta={beta!r} must be a number >= 0")
        if num_initial is not None and (isinstance(num_initial, bool) or not isinstance(num_initial, int) or num_initial < 1):
            raise InvalidInputError(f"num_initial={num_initial!r} must be an integer >= 1")
        for label, v in (("mc_samples", mc_samples), ("num_restarts", num_restarts), ("raw_samples", raw_samples)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InvalidInputError(f"{label}={v!r} must be an integer >= 1")
        self.acquisition = acquisition
        self.name = name or acquisition
        self.beta = float(beta)
        self.maximize = bool(maximize)
        self.num_initial = num_initial
        self.mc_samples = mc_samples
        self.num_restarts = num_restarts
        self.raw_samples = raw_samples
        self.initial_points = None if initial_points is None else np.atleast_2d(np.asarray(initial_points, dtype=float))

    def _num_initial(self, dim: int) -> int:
        return self.num_initial if self.num_initial is not None else max(4, 2 * dim + 2)

    def build_acquisition(self, model: Any, X: np.ndarray, X_pending: np.ndarray, seed: int) -> Any:
        """The botorch acquisition on `(n, d)` evaluated unit points with `(p, d)` pending ones."""
        sampler = SobolQMCNormalSampler(sample_shape=torch.Size([self.mc_samples]), seed=int(seed) % (2**31))
        objective = None if self.maximize else LinearMCObjective(torch.tensor([-1.0], dtype=DTYPE))
        pending = torch.as_tensor(X_pending, dtype=DTYPE) if len(X_pending) else None
        if self.acquisition == "ucb":
            return qUpperConfidenceBound(model, beta=self.beta, sampler=sampler, objective=objective, X_pending=pending)
        if self.acquisition == "pi":
            with torch.no_grad():  # incumbent: best posterior mean at the evaluated points (robust to noise)
                mean = model.posterior(torch.as_tensor(X, dtype=DTYPE)).mean.squeeze(-1)
            best = mean.max() if self.maximize else -mean.min()
            return qProbabilityOfImprovement(model, best_f=best, sampler=sampler, objective=objective, X_pending=pending)
        return qLogNoisyExpectedImprovement(
            model, X_baseline=torch.as_tensor(X, dtype=DTYPE), sampler=sampler, objective=objective, X_pending=pending
        )

    def _warm(self, n: int, ctx: ProposalContext) -> list[np.ndarray]:
        if self.initial_points is None:
            return []
        if self.initial_points.shape[1] != ctx.dim:
            raise InvalidInputError(f"initial_points have {self.initial_points.shape[1]} columns for a {ctx.dim}-dimensional space")
        unit = np.clip(ctx.space.to_unit(self.initial_points), 0.0, 1.0)
        return list(unit[ctx.num_proposed : ctx.num_proposed + n])

    def propose(self, n: int, ctx: ProposalContext) -> np.ndarray:
        warm = self._warm(n, ctx)
        if ctx.surrogate is None:
            rest = initial_design(ctx, n - len(warm)) if n > len(warm) else np.zeros((0, ctx.dim))
            return np.concatenate([np.reshape(warm, (-1, ctx.dim)), rest]).reshape(-1, ctx.dim)
        n_first = min(n - len(warm), max(self._num_initial(ctx.dim) - len(ctx.X) - len(ctx.pending) - len(warm), 0))
        chosen: list[np.ndarray] = warm + (list(initial_design(ctx, n_first)) if n_first else [])
        for j in range(len(chosen), n):
            so_far = np.reshape(chosen, (-1, ctx.dim))
            acq = self.build_acquisition(ctx.surrogate.model, ctx.X, np.concatenate([ctx.pending, so_far]), ctx.seed + j)
            x = maximize_acquisition(
                acq,
                ctx.space,
                seed=ctx.seed + j,
                avoid=np.concatenate([ctx.excluded, so_far]),
                candidates=ctx.candidates,
                num_restarts=self.num_restarts,
                raw_samples=self.raw_samples,
            )
            if x is None:
                break
            chosen.append(x)
        return np.array(chosen).reshape(-1, ctx.dim)


def ucb(**options: Any) -> BayesOptStrategy:
    """Batch upper confidence bound (botorch ``qUpperConfidenceBound``) on the loop's GP."""
    return BayesOptStrategy("ucb", **options)


def logei(**options: Any) -> BayesOptStrategy:
    """Batch log noisy expected improvement (botorch ``qLogNoisyExpectedImprovement``) on the loop's GP."""
    return BayesOptStrategy("logei", **options)


def pi(**options: Any) -> BayesOptStrategy:
    """Batch probability of improvement (botorch ``qProbabilityOfImprovement``) on the loop's GP."""
    return BayesOptStrategy("pi", **options)
