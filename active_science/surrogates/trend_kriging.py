"""Kriging averaged over its trend and length scale: a calibrated model from a handful of points.

The loop's GP takes the maximum-likelihood hyper-parameters, which is right once the data pin them down. From the
few points of an initial design that all lie on one side of the level they do not: on the 1D excursion function
(4 Sobol points between 0.15 and 0.75, all above the level) the fitted GP gives a probability below 1e-50 of
crossing the level anywhere, so any ranking of "where could the contour be" is numerical noise. Averaging over the
length scale (Bayesian model averaging, the remedy of Snoek et al. 2012 for the same over-confidence in Bayesian
optimisation) keeps the short length scales the data cannot rule out; averaging over a constant and a linear trend
(universal kriging) lets the model extrapolate the data's slope where they have one, instead of reverting to their
average away from them (where, by construction, the level is not crossed), and not where they have none (a flat
landscape with a few raised points, where a fitted plane would point at the box's corners).

For each trend and each length scale of a log-spaced grid, the trend's coefficients and the process variance are
profiled out in closed form; the members' weights are those profile likelihoods with a BIC penalty for the trend's
coefficients (comparable between the two trends) and a log-uniform prior on the length scale. Predictions carry the
universal-kriging variance (the trend's own uncertainty included). botorch and gpytorch fit one set of
hyper-parameters by optimisation, and botorch's fully Bayesian GPs sample them with NUTS (pyro, seconds per round)
around a constant mean, so this closed form is written here (numpy; a few milliseconds for tens of points).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.linalg import solve_triangular
from scipy.special import logsumexp
from scipy.stats import norm

from active_science.exceptions import InvalidInputError

__all__ = ["MarginalTrendKriging"]


class _Member(NamedTuple):
    """One (trend, length scale) member, fitted: its Cholesky factor and the profiled trend and variance."""

    length_scale: float
    linear: bool
    chol: np.ndarray  # L, K = L L'
    chol_F: np.ndarray  # L^-1 F
    A: np.ndarray  # F' K^-1 F
    beta: np.ndarray
    Kir: np.ndarray  # K^-1 (z - F beta)
    s2: float


def _matern52(r: np.ndarray) -> np.ndarray:
    a = np.sqrt(5.0) * r
    return (1.0 + a + a * a / 3.0) * np.exp(-a)


def _distances(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return np.sqrt(np.maximum(((A[:, None, :] - B[None, :, :]) ** 2).sum(-1), 0.0))


class MarginalTrendKriging:
    """Matern-5/2 kriging averaged over a constant and a linear trend and over the isotropic length scale.

    Args:
        length_scales: the grid (unit-cube units; default 24 values from 0.01 to 3, log-spaced).
        nugget: diagonal jitter relative to the process variance (noise-free simulators).

    Example:
        >>> X = np.array([[0.15], [0.41], [0.56], [0.75]]); y = np.array([15.9, 7.5, 5.1, 2.4])   # falling
        >>> model = MarginalTrendKriging().fit(X, y)
        >>> U = np.array([[0.3], [0.9]])
        >>> p = np.exp(model.log_prob_beyond(U, 0.0, below=True))   # P(y < 0): small between, larger where the slope leads
        >>> bool(p[1] > 10 * p[0]), bool(p[1] > 0.05)
        (True, True)
    """

    def __init__(self, length_scales: np.ndarray | None = None, nugget: float = 1e-8) -> None:
        grid = np.geomspace(0.01, 3.0, 24) if length_scales is None else np.asarray(length_scales, dtype=float).reshape(-1)
        if not len(grid) or not np.all(np.isfinite(grid) & (grid > 0)):
            raise InvalidInputError(f"length_scales={length_scales!r} must be positive numbers (unit-cube units)")
        self.length_scales = grid
        self.nugget = float(nugget)

    @staticmethod
    def _basis(X: np.ndarray, linear: bool) -> np.ndarray:
        return np.hstack([np.ones((len(X), 1)), X]) if linear else np.ones((len(X), 1))

    def fit(self, X: np.ndarray, y: np.ndarray, yvar: np.ndarray | None = None) -> MarginalTrendKriging:
        """Condition on `(n, d)` unit points and their `(n,)` values (``yvar``: their noise variances, or None)."""
        X = np.asarray(X, dtype=float).reshape(len(y), -1)
        y = np.asarray(y, dtype=float).reshape(-1)
        if len(y) < 2 or not np.all(np.isfinite(y)):
            raise InvalidInputError(f"MarginalTrendKriging needs at least 2 finite values, got {y!r}")
        n = len(y)
        # a linear trend only with more points than coefficients + 1 (its residual variance needs a dof left)
        trends = [False, True] if n > X.shape[1] + 2 else [False]
        self._offset, self._scale = float(y.mean()), float(y.std()) or 1.0
        z = (y - self._offset) / self._scale
        noise = np.zeros(n) if yvar is None else np.nan_to_num(np.asarray(yvar, dtype=float).reshape(-1)) / self._scale**2
        self._X, self.members, loglik = X, [], []
        D = _distances(X, X)
        for ell in self.length_scales:
            # relative noise: the known variances enter against the unit-variance correlation (an approximation
            # when the process variance differs from the data's variance; exact for noise-free simulators)
            chol = np.linalg.cholesky(_matern52(D / ell) + np.diag(noise + self.nugget))
            chol_z = solve_triangular(chol, z, lower=True)
            for linear in trends:
                chol_F = solve_triangular(chol, self._basis(X, linear), lower=True)  # L^-1 F
                A = chol_F.T @ chol_F  # F' K^-1 F
                beta = np.linalg.solve(A, chol_F.T @ chol_z)
                chol_r = chol_z - chol_F @ beta  # L^-1 (z - F beta)
                dof = n - len(beta)
                s2 = max(float(chol_r @ chol_r) / dof, 1e-300)
                # profile likelihood (trend and variance at their maximum) with a BIC penalty for the trend's
                # coefficients: comparable between the constant and the linear trend, unlike the restricted one
                loglik.append(-0.5 * n * np.log(s2 * dof / n) - np.log(np.diag(chol)).sum() - 0.5 * len(beta) * np.log(n))
                Kir = solve_triangular(chol.T, chol_r, lower=False)  # K^-1 (z - F beta)
                self.members.append(_Member(float(ell), linear, chol, chol_F, A, beta, Kir, s2))
        loglik = np.array(loglik)
        self.log_weights = loglik - logsumexp(loglik)
        return self

    def _mean_sd(self, U: np.ndarray, member: _Member, D: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Mean and sd (standardised scale) of one member at `(m, d)` points (``D``: their distances to the data)."""
        k = _matern52((_distances(U, self._X) if D is None else D) / member.length_scale)  # m x n
        v = solve_triangular(member.chol, k.T, lower=True)  # L^-1 k: n x m
        FU = self._basis(U, member.linear)
        mean = FU @ member.beta + k @ member.Kir
        u = FU.T - member.chol_F.T @ v  # p x m: the trend's own uncertainty
        var = member.s2 * (1.0 - (v * v).sum(0) + (u * np.linalg.solve(member.A, u)).sum(0))
        return mean, np.sqrt(np.maximum(var, 1e-12 * member.s2))

    def log_prob_beyond(self, U: np.ndarray, threshold: float, *, below: bool) -> np.ndarray:
        """`(m,)` log of the model-averaged probability that the value at `(m, d)` unit points is below (``below``)
        or above ``threshold``."""
        U = np.asarray(U, dtype=float).reshape(-1, self._X.shape[1])
        t = (threshold - self._offset) / self._scale
        D = _distances(U, self._X)
        logs = []
        for member in self.members:
            mean, sd = self._mean_sd(U, member, D)
            logs.append(norm.logcdf((t - mean) / sd if below else (mean - t) / sd))
        return logsumexp(np.array(logs) + self.log_weights[:, None], axis=0)

    def mean(self, U: np.ndarray) -> np.ndarray:
        """`(m,)` the model-averaged predictive mean at `(m, d)` unit points (the data's scale)."""
        U = np.asarray(U, dtype=float).reshape(-1, self._X.shape[1])
        D = _distances(U, self._X)
        means = np.array([self._mean_sd(U, member, D)[0] for member in self.members])
        return self._offset + self._scale * (np.exp(self.log_weights) @ means)
