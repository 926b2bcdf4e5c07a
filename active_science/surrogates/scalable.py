"""GP that stays fast at thousands of evaluations: exact below a size threshold, frozen-hyperparameter subsets above.

An exact GP costs n^3 per likelihood evaluation and a hyperparameter fit needs ~100 of them (5 000 points: minutes,
ARCHITECTURE.md). The two halves of that cost scale differently: the hyperparameters (a few length scales, a warp,
a noise level) are pinned down by a few hundred well-chosen points, while the posterior needs the data near the
contour. So above ``exact_up_to`` points this surrogate

1. fits the hyperparameters on ``fit_points`` evaluations (the nearest to the contour plus a space-filling cover,
   ``select_subset``), and
2. conditions a GP with those hyperparameters, without any optimisation, on ``max_points`` evaluations chosen the
   same way (one Cholesky of ``max_points``).

Below ``exact_up_to`` it is exactly ``GPSurrogate``. The model is an ordinary botorch ``SingleTaskGP``, so every
acquisition and the kriging-believer batches work unchanged (variational GPs, gpytorch's SVGP, cannot be conditioned
on believed points, and were measured 49 s per fit at 5 000 points: ARCHITECTURE.md).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

from active_science.exceptions import InvalidInputError
from active_science.surrogates.gp import GPSurrogate, posterior_mean_variance, training_arrays
from active_science.surrogates.subset import select_subset

__all__ = ["ScalableGPSurrogate", "default_surrogate"]

logger = logging.getLogger(__name__)


class ScalableGPSurrogate:
    """Exact GP up to ``exact_up_to`` points; above, hyperparameters from a subset and a larger frozen-GP subset.

    Args:
        exact_up_to: largest data set fitted exactly (all points, hyperparameters optimised).
        fit_points: points used to optimise the hyperparameters above ``exact_up_to``.
        max_points: points the frozen-hyperparameter GP is conditioned on above ``exact_up_to``.
        boundary_fraction: share of each subset taken nearest to the contour (the rest is a space-filling cover).
        threshold: the contour level on the modelled scale (0 in an exclusion scan).
        **gp_options: options of the inner ``GPSurrogate`` (``noise``, ``kernel``, ``warp`` ...).

    Example:
        >>> X = np.random.default_rng(0).uniform(size=(600, 2)); y = X[:, 0] - 0.5
        >>> s = ScalableGPSurrogate(exact_up_to=100, fit_points=60, max_points=300, warp=False)
        >>> s = s.fit(X, y, np.full(600, 1e-4), seed=0)
        >>> s.num_training_points, s.num_fit_points
        (300, 60)
        >>> bool(s.predict(np.array([[0.2, 0.5]]))[0][0] < 0 < s.predict(np.array([[0.8, 0.5]]))[0][0])
        True
    """

    name = "scalable_gp"

    def __init__(
        self,
        *,
        exact_up_to: int = 300,
        fit_points: int = 300,
        max_points: int = 1000,
        boundary_fraction: float = 0.6,
        threshold: float = 0.0,
        **gp_options: Any,
    ) -> None:
        for label, v in (("exact_up_to", exact_up_to), ("fit_points", fit_points), ("max_points", max_points)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 2:
                raise InvalidInputError(f"{label}={v!r} must be an integer >= 2")
        if fit_points > max_points:
            raise InvalidInputError(f"fit_points={fit_points} must not exceed max_points={max_points}")
        if not 0.0 <= boundary_fraction <= 1.0:
            raise InvalidInputError(f"boundary_fraction={boundary_fraction} must lie in [0, 1]")
        self.exact_up_to = exact_up_to
        self.fit_points = fit_points
        self.max_points = max_points
        self.boundary_fraction = float(boundary_fraction)
        self.threshold = float(threshold)
        self.inner = GPSurrogate(**gp_options)
        self.num_training_points = 0
        self.num_fit_points = 0
        self._model: Any = None

    def fit(self, X: np.ndarray, y: np.ndarray, yvar: np.ndarray | None, *, seed: int) -> ScalableGPSurrogate:
        X, y, yv = training_arrays(X, y, yvar)
        if len(X) <= self.exact_up_to:
            self.inner.fit(X, y, yv, seed=seed)
            self._model = self.inner.model
            self.num_training_points = self.num_fit_points = len(X)
            return self

        def subset(size: int) -> np.ndarray:
            return select_subset(X, y, yv, size=size, threshold=self.threshold, boundary_fraction=self.boundary_fraction, seed=seed)

        fit_idx, idx = subset(self.fit_points), subset(self.max_points)
        self.inner.fit(X[fit_idx], y[fit_idx], None if yv is None else yv[fit_idx], seed=seed)
        self._model = self.inner.model_on(X[idx], y[idx], None if yv is None else yv[idx])
        self.num_training_points, self.num_fit_points = len(idx), len(fit_idx)
        logger.debug("scalable GP: hyperparameters from %d, posterior on %d of %d points", len(fit_idx), len(idx), len(X))
        return self

    @property
    def model(self) -> Any:
        if self._model is None:
            raise InvalidInputError("the surrogate is not fitted yet; call fit(X, y, yvar, seed=...) first")
        return self._model

    @property
    def is_fitted(self) -> bool:
        return self._model is not None

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and variance `(m,)` at `(m, d)` unit points."""
        return posterior_mean_variance(self.model, X)

    def hyperparameters(self) -> Mapping[str, list[float]]:
        return self.inner.hyperparameters()


#: length-scale starts of the level-set scans' default GP (``GPSurrogate(restarts=...)``): the prior's mode and a
#: 5x shorter one. On the mass-plane task a single start switched between a long- and a short-length-scale mode from
#: one refit to the next (balanced accuracy 0.987 -> 0.966 -> 0.986); measured in the README.
LEVEL_SET_RESTARTS = (1.0, 0.2)


def default_surrogate(threshold: float | None, **gp_options: Any) -> ScalableGPSurrogate:
    """The loop's surrogate when none is given: exact GP up to 300 points, the scalable variant above.

    Its subsets favour points near the contour at ``threshold``, and its fit starts from two length scales
    (``LEVEL_SET_RESTARTS``); without a threshold (maximisation) the subsets only cover space and one start is made.
    ``gp_options`` are further ``GPSurrogate`` options (a variant of the default, e.g. ``warp_beyond="extend"``).

    Example:
        >>> default_surrogate(None).boundary_fraction, default_surrogate(0.0).boundary_fraction
        (0.0, 0.6)
    """
    if threshold is None:
        return ScalableGPSurrogate(boundary_fraction=0.0, **gp_options)
    return ScalableGPSurrogate(threshold=threshold, **{"restarts": LEVEL_SET_RESTARTS, **gp_options})
