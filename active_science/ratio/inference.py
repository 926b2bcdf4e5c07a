"""Inference with a (learnt or exact) likelihood ratio: -2 log LR over a theta grid, MLE, 68 / 95 % regions.

For events ``x_i`` with weights ``w_i`` (1 for an observed dataset; expected counts for an Asimov dataset) and a
log ratio ``log r(x | theta) = log p(x | theta) - log p(x | theta_ref)`` against any fixed denominator (it cancels),

    q(theta) = -2 sum_i w_i log r(x_i | theta)  [ - 2 (n log nu(theta) - nu(theta)) ]  - min over the grid,

where the bracket is the Poisson rate term of an extended likelihood, used when the simulator gives the expected
number of events ``nu(theta)`` (cross section x luminosity) and ``n = sum_i w_i`` events were observed. Regions
are ``{theta : q(theta) <= chi2_d quantile}`` (Wilks); in one dimension their edges are interpolated linearly
between grid points and the MLE is refined by a parabola through the best grid point and its neighbours.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from active_science.exceptions import InvalidInputError

__all__ = ["LikelihoodScan", "likelihood_scan", "wilks_threshold"]

LogRatioFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


def wilks_threshold(cl: float, dim: int) -> float:
    """``q`` threshold of a ``cl`` confidence region in ``dim`` parameters (asymptotic chi-square).

    Example:
        >>> round(wilks_threshold(0.95, 1), 4), round(wilks_threshold(0.6827, 1), 3)
        (3.8415, 1.0)
    """
    if not 0.0 < cl < 1.0:
        raise InvalidInputError(f"cl={cl!r} must lie in (0, 1), e.g. 0.95")
    return float(chi2.ppf(cl, dim))


@dataclass(frozen=True)
class LikelihoodScan:
    """-2 log likelihood ratio on a grid.

    Attributes:
        grid: `(m, d)` parameter points.
        q: `(m,)` ``-2 log LR`` relative to the best grid point (its minimum is 0).
        mle: `(d,)` maximum-likelihood estimate (grid argmin, parabola-refined in 1D).
    """

    grid: np.ndarray
    q: np.ndarray
    mle: np.ndarray

    def region(self, cl: float = 0.95) -> np.ndarray:
        """Boolean mask `(m,)` of grid points inside the ``cl`` confidence region."""
        return self.q <= wilks_threshold(cl, self.grid.shape[1])

    def interval(self, cl: float = 0.95) -> tuple[float, float]:
        """Edges of the ``cl`` interval of a one-parameter scan (grid bounds where the region reaches them).

        Example:
            >>> g = np.linspace(-3, 3, 601)[:, None]
            >>> lo, hi = LikelihoodScan(g, g[:, 0] ** 2, np.zeros(1)).interval(0.95)   # q = theta^2
            >>> round(lo, 3), round(hi, 3)
            (-1.96, 1.96)
        """
        if self.grid.shape[1] != 1:
            raise InvalidInputError(f"interval() needs a one-parameter scan, this one has {self.grid.shape[1]}; use region()")
        t, q, k = self.grid[:, 0], self.q, wilks_threshold(cl, 1)
        inside = np.flatnonzero(q <= k)
        a, b = inside.min(), inside.max()

        def cross(i: int, j: int) -> float:  # q(i) <= k < q(j): linear interpolation
            return float(t[i] + (k - q[i]) * (t[j] - t[i]) / (q[j] - q[i]))

        lo = float(t[a]) if a == 0 else cross(a, a - 1)
        hi = float(t[b]) if b == len(t) - 1 else cross(b, b + 1)
        return lo, hi


def _refine_1d(t: np.ndarray, q: np.ndarray, i: int) -> float:
    if i == 0 or i == len(t) - 1:
        return float(t[i])
    x0, x1, x2 = t[i - 1 : i + 2]
    y0, y1, y2 = q[i - 1 : i + 2]
    denom = (x0 - x1) * (x0 - x2) * (x1 - x2)
    a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / denom
    b = (x2**2 * (y0 - y1) + x1**2 * (y2 - y0) + x0**2 * (y1 - y2)) / denom
    if a <= 0:
        return float(t[i])
    return float(np.clip(-b / (2 * a), x0, x2))


def likelihood_scan(
    log_ratio: LogRatioFn,
    x: np.ndarray,
    grid: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    expected_events: Callable[[np.ndarray], float] | None = None,
) -> LikelihoodScan:
    """``-2 log LR`` of the events ``x`` `(n, x_dim)` at each grid point `(m, d)` (or `(m,)` for one parameter).

    Args:
        log_ratio: ``log_ratio(x, theta) -> (n,)`` with ``theta`` `(d,)`, e.g. ``RatioEstimator.log_ratio`` or an
            exact ``lambda x, th: sim.log_likelihood(x, th)``.
        weights: `(n,)` event weights: None for an observed dataset, expected counts for an Asimov one.
        expected_events: ``nu(theta)``, adds the Poisson rate term with ``n = sum(weights)`` observed events.

    Example:
        >>> from active_science.simulators.gaussian import GaussianToy
        >>> sim = GaussianToy()
        >>> x = sim.simulate([0.3], seed=0, num_events=1000).x
        >>> scan = likelihood_scan(sim.log_likelihood, x, np.linspace(-1, 1, 201))
        >>> bool(abs(scan.mle[0] - x.mean()) < 1e-3)   # exact MLE of a Gaussian mean: the sample mean
        True
    """
    x = np.asarray(x, dtype=float)
    x = x[:, None] if x.ndim == 1 else x
    grid = np.asarray(grid, dtype=float)
    grid = grid[:, None] if grid.ndim == 1 else grid
    if grid.ndim != 2 or len(grid) < 1 or not np.all(np.isfinite(grid)):
        raise InvalidInputError(f"grid has shape {grid.shape}; pass finite (m, d) parameter points")
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
    if w.shape != (len(x),) or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise InvalidInputError(f"weights have shape {w.shape}; pass ({len(x)},) finite non-negative weights")
    q = np.empty(len(grid))
    n_obs = float(w.sum())
    for j, th in enumerate(grid):
        lr = np.asarray(log_ratio(x, th), dtype=float).reshape(-1)
        q[j] = -2.0 * float(np.sum(w * lr))
        if expected_events is not None:
            nu = float(expected_events(th))
            if not nu > 0:
                raise InvalidInputError(f"expected_events(theta={th.tolist()}) = {nu}; it must be positive")
            q[j] -= 2.0 * (n_obs * np.log(nu) - nu)
    if not np.all(np.isfinite(q)):
        raise InvalidInputError("the log ratio is not finite at some grid points; restrict the grid to the training range")
    q -= q.min()
    i = int(np.argmin(q))
    mle = grid[i].copy()
    if grid.shape[1] == 1:
        order = np.argsort(grid[:, 0])
        t, qs = grid[order, 0], q[order]
        mle = np.array([_refine_1d(t, qs, int(np.flatnonzero(order == i)[0]))])
        grid, q = grid[order], qs
    return LikelihoodScan(grid=grid, q=q, mle=mle)
