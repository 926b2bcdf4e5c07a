"""Scalable GP for contour learning: an exact GP on an informative subset of at most ``max_points`` evaluations.

An exact GP costs n^3: at 5 000 points a hyperparameter fit takes minutes (ARCHITECTURE.md). For a level set, most
of those points sit far from the boundary where they only confirm a label. This surrogate keeps (a) the points
closest to the contour (smallest ``|y - threshold|`` in units of their noise-inflated spread) and (b) a space-filling
cover of the rest (greedy farthest-point selection, so no region is left without data and far-away labels stay
right), then fits the usual exact ``GPSurrogate`` on them. Below ``max_points`` it is exactly ``GPSurrogate``.
We write this selection by hand: gpytorch's scalable models (SGPR, SVGP) approximate the whole function uniformly
and were measured 10-50x slower at 5 000 points on these machines (ARCHITECTURE.md), while the boundary is what
matters here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

from active_science.exceptions import InvalidInputError
from active_science.surrogates.gp import GPSurrogate, training_arrays

__all__ = ["SubsetGPSurrogate", "select_subset"]

logger = logging.getLogger(__name__)


def select_subset(
    X: np.ndarray, y: np.ndarray, yvar: np.ndarray | None, *, size: int, threshold: float, boundary_fraction: float, seed: int
) -> np.ndarray:
    """Indices `(size,)` of the kept points: the nearest to the contour, then a farthest-point cover of the rest.

    Example:
        >>> X = np.linspace(0, 1, 101)[:, None]; y = X[:, 0] - 0.5
        >>> idx = select_subset(X, y, None, size=10, threshold=0.0, boundary_fraction=0.5, seed=0)
        >>> sorted(np.round(X[idx[:5], 0], 2).tolist())   # the five points around the crossing at 0.5
        [0.48, 0.49, 0.5, 0.51, 0.52]
    """
    n = len(X)
    if size >= n:
        return np.arange(n)
    spread = np.abs(np.asarray(y, dtype=float) - threshold)
    if yvar is not None:  # a noisy point near the level is as informative as a precise one a bit farther
        spread = spread / np.sqrt(1.0 + np.asarray(yvar, dtype=float) / max(float(np.var(y)), 1e-12))
    num_boundary = int(round(size * boundary_fraction))
    chosen = list(np.argsort(spread, kind="stable")[:num_boundary])
    taken = np.zeros(n, dtype=bool)
    taken[chosen] = True
    rng = np.random.default_rng(seed)
    if not chosen:
        first = int(rng.integers(n))
        chosen, taken[first] = [first], True
    d2 = ((X[:, None, :] - X[None, chosen, :]) ** 2).sum(-1).min(axis=1) if len(chosen) < 64 else _min_d2(X, X[chosen])
    while len(chosen) < size:
        d2[taken] = -1.0
        j = int(np.argmax(d2))
        chosen.append(j)
        taken[j] = True
        d2 = np.minimum(d2, ((X - X[j]) ** 2).sum(-1))
    return np.asarray(chosen)


def _min_d2(X: np.ndarray, C: np.ndarray, chunk: int = 256) -> np.ndarray:
    out = np.full(len(X), np.inf)
    for start in range(0, len(C), chunk):
        out = np.minimum(out, ((X[:, None, :] - C[None, start : start + chunk, :]) ** 2).sum(-1).min(axis=1))
    return out


class SubsetGPSurrogate:
    """Exact GP on at most ``max_points`` evaluations chosen for the contour (see module docstring).

    Args:
        max_points: largest training set of the inner exact GP.
        boundary_fraction: share of ``max_points`` reserved for the points nearest to the contour.
        threshold: the contour level on the modelled scale (0 in an exclusion scan).
        **gp_options: options of the inner ``GPSurrogate`` (``noise``, ``kernel``, ``warp`` ...).

    Example:
        >>> X = np.random.default_rng(0).uniform(size=(400, 2)); y = X[:, 0] - 0.5
        >>> s = SubsetGPSurrogate(max_points=60, warp=False).fit(X, y, np.full(400, 1e-4), seed=0)
        >>> s.num_training_points
        60
        >>> bool(s.predict(np.array([[0.2, 0.5]]))[0][0] < 0 < s.predict(np.array([[0.8, 0.5]]))[0][0])
        True
    """

    name = "subset_gp"

    def __init__(self, *, max_points: int = 1000, boundary_fraction: float = 0.6, threshold: float = 0.0, **gp_options: Any) -> None:
        if not isinstance(max_points, int) or max_points < 2:
            raise InvalidInputError(f"max_points={max_points!r} must be an integer >= 2")
        if not 0.0 <= boundary_fraction <= 1.0:
            raise InvalidInputError(f"boundary_fraction={boundary_fraction} must lie in [0, 1]")
        self.max_points = max_points
        self.boundary_fraction = float(boundary_fraction)
        self.threshold = float(threshold)
        self.inner = GPSurrogate(**gp_options)
        self.num_training_points = 0
        self.subset_: np.ndarray | None = None

    def fit(self, X: np.ndarray, y: np.ndarray, yvar: np.ndarray | None, *, seed: int) -> SubsetGPSurrogate:
        X, y, yv = training_arrays(X, y, yvar)
        idx = select_subset(X, y, yv, size=self.max_points, threshold=self.threshold, boundary_fraction=self.boundary_fraction, seed=seed)
        if len(idx) < len(X):
            logger.debug("subset GP: %d of %d points kept", len(idx), len(X))
        self.subset_ = idx
        self.num_training_points = len(idx)
        self.inner.fit(X[idx], y[idx], None if yv is None else yv[idx], seed=seed)
        return self

    @property
    def model(self) -> Any:
        return self.inner.model

    @property
    def is_fitted(self) -> bool:
        return self.inner.is_fitted

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and variance `(m,)` at `(m, d)` unit points."""
        return self.inner.predict(X)

    def hyperparameters(self) -> Mapping[str, list[float]]:
        return self.inner.hyperparameters()
