"""Stepwise uncertainty reduction (SUR, Bect et al. 2012) over a finite pool of candidate points.

When only a finite set of points can be simulated (one pyhf patch per mass point), the scan is done when every pool
point's excluded/allowed label is certain: its misclassification probability ``Phi(-|m(x) - t| / s(x))`` is below
the stopping rule's ``probability`` in every target (``UncertainFractionBelow`` over the pool). The default criterion
(``"uncertain"``) aims at exactly that: for each remaining candidate ``c`` it computes the expected number of pool
points still uncertain (in any target) after a fantasy observation at ``c``, and chooses the smallest.
``"misclassification"`` instead minimises the expected summed misclassification probability (Bect et al.'s SUR).
For a GP both look-aheads are exact in closed form: observing ``c`` shrinks the variance deterministically,
``s'^2(x) = s^2(x) - k(x, c)^2 / v(c)``, and moves the mean by ``k(x, c) / sqrt(v(c)) * z`` with ``z ~ N(0, 1)``; a
point stays uncertain for ``z`` in an interval (two normal CDFs), and the expected misclassification is a bivariate
normal probability (Owen's T function). botorch has no SUR for level sets (ARCHITECTURE.md), hence this file. Batches are sequential-greedy with the kriging believer (the model conditioned on its own mean at
points already chosen or still running), as in the straddle strategy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from botorch.models import ModelListGP
from scipy.special import owens_t
from scipy.stats import norm

from active_science.acquisition.optimize import condition_on_believed
from active_science.exceptions import InvalidInputError
from active_science.strategies.initial import initial_design
from active_science.strategy_context import ProposalContext

__all__ = ["PoolSUR", "expected_misclassification"]

DTYPE = torch.float64


def _bivariate_normal_cdf(h: np.ndarray, k: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """``P(X < h, Y < k)`` for standard normals with correlation ``rho``, via Owen's T (vectorised; Owen 1956)."""
    h = np.where(np.abs(h) < 1e-10, 1e-10, h)
    k = np.where(np.abs(k) < 1e-10, 1e-10, k)
    r = np.sqrt(np.clip(1.0 - rho**2, 1e-300, None))
    beta = np.where(h * k > 0, 0.0, 0.5)
    return 0.5 * (norm.cdf(h) + norm.cdf(k)) - owens_t(h, (k - rho * h) / (h * r)) - owens_t(k, (h - rho * k) / (k * r)) - beta


def expected_misclassification(mean: np.ndarray, cov: np.ndarray, noise: float, threshold: float) -> np.ndarray:
    """Expected summed misclassification probability of `(p,)` pool points after observing each of them.

    With ``a = m(x) - t``, mean shift ``b z`` (``z ~ N(0, 1)``) and variance after the update ``s'^2``, the expected
    misclassification at ``x`` is ``E[Phi(-|a + b z| / s')] = Phi(-a/s) + Phi(-a/|b|) - 2 Phi2(-a/s, -a/|b|; |b|/s)``
    with ``s^2 = s'^2 + b^2`` the current variance (exact; quadrature fails on its near-step integrand at points
    strongly correlated with the candidate).

    Args:
        mean: `(p,)` posterior means at the pool points.
        cov: `(p, p)` joint posterior covariance.
        noise: noise variance of the fantasy observation.
        threshold: the level-set threshold ``t``.

    Returns:
        `(p,)`: entry ``c`` = ``sum_x E[Phi(-|m'(x) - t| / s'(x))]`` after observing point ``c``.

    Example:
        >>> cov = np.array([[1.0, 0.9], [0.9, 1.0]])
        >>> out = expected_misclassification(np.array([0.0, 0.1]), cov, 1e-6, 0.0)
        >>> out.shape, bool(np.all(out < 2 * 0.5))   # before: Phi(0) + Phi(-0.1) = 0.96
        ((2,), True)
    """
    var = np.clip(np.diag(cov), 1e-18, None)
    v_c = var + noise  # (p,) predictive variance of the fantasy at each candidate
    b = np.abs(cov) / np.sqrt(v_c)[None, :]  # (x, c): |mean shift| per unit z
    b = np.clip(b, 1e-12, np.sqrt(var)[:, None] * (1 - 1e-12))  # s'^2 = s^2 - b^2 stays > 0
    s = np.sqrt(var)[:, None]
    a = (mean - threshold)[:, None]
    h, k = -a / s, -a / b
    p_wrong = norm.cdf(h) + norm.cdf(k) - 2.0 * _bivariate_normal_cdf(h, k, b / s)
    return np.clip(p_wrong, 0.0, 1.0).sum(axis=0)


def expected_uncertain(mean: np.ndarray, cov: np.ndarray, noise: float, threshold: float, probability: float) -> np.ndarray:
    """Probability `(p, p)` that pool point ``x`` (row) is still uncertain after observing candidate ``c`` (column).

    A point is uncertain when its misclassification probability ``Phi(-|m(x) - t| / s(x))`` exceeds ``probability``,
    i.e. when ``|m'(x) - t| < q s'(x)`` with ``q = Phi^-1(1 - probability)`` (the stopping rule's definition). After
    observing ``c`` the standard deviation ``s'`` is known and ``m' = m + b z`` with ``z ~ N(0, 1)``, so the
    probability is ``Phi((q s' - a) / b) - Phi((-q s' - a) / b)`` with ``a = m - t`` (exact).

    Args:
        mean: `(p,)` posterior means at the pool points.
        cov: `(p, p)` joint posterior covariance.
        noise: noise variance of the fantasy observation.
        threshold: the level-set threshold ``t``.
        probability: misclassification probability above which a label counts as uncertain.

    Returns:
        `(p, p)`: entry ``[x, c]`` = probability that ``x`` is uncertain after observing ``c``.

    Example:
        >>> cov = np.array([[1.0, 0.0], [0.0, 1.0]])
        >>> expected_uncertain(np.array([0.0, 5.0]), cov, 1e-9, 0.0, 0.05).round(3)   # observing a point settles it
        array([[0., 1.],
               [0., 0.]])
    """
    var = np.clip(np.diag(cov), 1e-18, None)
    v_c = var + noise
    b = np.abs(cov) / np.sqrt(v_c)[None, :]
    b = np.clip(b, 1e-12, np.sqrt(var)[:, None] * (1 - 1e-12))
    s_after = np.sqrt(np.clip(var[:, None] - b**2, 0.0, None))
    q = float(norm.isf(probability))
    a = (mean - threshold)[:, None]
    return np.clip(norm.cdf((q * s_after - a) / b) - norm.cdf((-q * s_after - a) / b), 0.0, 1.0)


def _posteriors(model: Any, U: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """Per target: mean `(p,)`, joint covariance `(p, p)` and median training noise, at unit points ``U``."""
    members = model.models if isinstance(model, ModelListGP) else [model]
    out = []
    X = torch.as_tensor(U, dtype=DTYPE)
    for member in members:
        with torch.no_grad():
            post = member.posterior(X)
            mean = post.mean.squeeze(-1).numpy()
            cov = post.mvn.covariance_matrix.numpy()
            noise = getattr(member.likelihood, "noise", None)
            noise_v = float(noise.detach().median()) if noise is not None else 0.0
            # the likelihood's noise lives in the standardised scale; bring it back to the outcome scale
            tf = getattr(member, "outcome_transform", None)
            if tf is not None and hasattr(tf, "stdvs"):
                noise_v *= float(tf.stdvs.squeeze() ** 2)
        out.append((mean, cov, noise_v))
    return out


class PoolSUR:
    """Choose, among the remaining pool candidates, the one whose evaluation leaves the fewest pool labels uncertain
    (expected; or the smallest expected summed misclassification probability).

    Args:
        num_initial: pool points chosen before the GP is used (k-medoids of the pool; default ``max(4, 2 d + 2)``).
        criterion: ``"uncertain"`` (expected number of pool points whose label is still uncertain in some target)
            or ``"misclassification"`` (expected summed misclassification probability over pool and targets).
        probability: misclassification probability above which a label counts as uncertain; use the stopping rule's.

    Example:
        >>> from active_science.space import ParameterSpace
        >>> from active_science.testing import make_context
        >>> ctx = make_context(ParameterSpace({"x": (0.0, 1.0)}))
        >>> PoolSUR().propose(1, ctx)
        Traceback (most recent call last):
        ...
        active_science.exceptions.InvalidInputError: strategy 'pool_sur' chooses among a finite pool; pass candidates=(c, d) points to the scan
    """

    name = "pool_sur"
    needs_surrogate = True
    needs_candidates = True  # a pool-based strategy: the scan must pass candidates=

    def __init__(self, *, num_initial: int | None = None, criterion: str = "uncertain", probability: float = 0.05) -> None:
        if num_initial is not None and num_initial < 1:
            raise InvalidInputError(f"num_initial={num_initial} must be >= 1")
        if criterion not in ("uncertain", "misclassification"):
            raise InvalidInputError(f"criterion={criterion!r} must be 'uncertain' or 'misclassification'")
        if isinstance(probability, bool) or not isinstance(probability, (int, float)) or not 0.0 < probability < 0.5:
            raise InvalidInputError(f"probability={probability!r} must lie in (0, 0.5); use the stopping rule's, e.g. 0.05")
        self.num_initial = num_initial
        self.criterion = criterion
        self.probability = float(probability)

    def _score(self, model: Any, pool: np.ndarray, threshold: float) -> np.ndarray:
        """`(p,)` expected number of uncertain pool points (or summed misclassification) after observing each."""
        posts = _posteriors(model, pool)
        if self.criterion == "misclassification":
            return np.sum([expected_misclassification(m, c, n, threshold) for m, c, n in posts], axis=0)
        certain = np.ones((len(pool), len(pool)))
        for m, c, n in posts:  # one independent GP per target: a point is settled when it is settled in every target
            certain *= 1.0 - expected_uncertain(m, c, n, threshold, self.probability)
        return (1.0 - certain).sum(axis=0)

    def propose(self, n: int, ctx: ProposalContext) -> np.ndarray:
        if ctx.candidates is None:
            raise InvalidInputError(f"strategy {self.name!r} chooses among a finite pool; pass candidates=(c, d) points to the scan")
        if ctx.threshold is None:
            raise InvalidInputError(f"strategy {self.name!r} learns a contour and needs a threshold (use ExclusionScan)")
        if ctx.surrogate is None:
            return initial_design(ctx, n)
        num_initial = self.num_initial if self.num_initial is not None else max(4, 2 * ctx.dim + 2)
        n_first = min(n, max(num_initial - len(ctx.X) - len(ctx.pending), 0))
        chosen: list[np.ndarray] = list(initial_design(ctx, n_first)) if n_first else []
        pool = ctx.candidates
        taken = np.zeros(len(pool), dtype=bool)
        for c in chosen:
            taken |= np.all(np.isclose(pool, c), axis=1)
        model = condition_on_believed(ctx.surrogate.model, np.concatenate([ctx.pending, np.reshape(chosen, (-1, ctx.dim))]))
        while len(chosen) < n and not np.all(taken):
            score = self._score(model, pool, float(ctx.threshold))
            score[taken] = np.inf
            best = int(np.argmin(score))  # ties: the first in pool order (deterministic)
            chosen.append(pool[best])
            taken[best] = True
            if len(chosen) < n:
                model = condition_on_believed(model, pool[best][None, :])
        return np.array(chosen).reshape(-1, ctx.dim)


def pool_sur(**options: Any) -> PoolSUR:
    """The pool SUR strategy (registered as ``"pool_sur"``)."""
    return PoolSUR(**options)
