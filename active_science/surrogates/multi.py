"""Several targets measured at the same points (observed CLs, expected CLs, +-1 sigma ...): one GP each.

The fitted models are exposed together as a botorch ``ModelListGP``, so acquisition functions see a multi-output
posterior `(b, K)` and can ask which target's label is most uncertain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from botorch.models import ModelListGP

from active_science.exceptions import InvalidInputError
from active_science.surrogates.gp import GPSurrogate

__all__ = ["MultiTargetSurrogate"]


class MultiTargetSurrogate:
    """One independent surrogate per target (column of ``y``).

    Args:
        names: the targets' names (for hyperparameter records).
        factory: builds one single-output surrogate (default: ``GPSurrogate()``).

    Example:
        >>> X = np.linspace(0, 1, 6)[:, None]
        >>> s = MultiTargetSurrogate(["a", "b"]).fit(X, np.c_[X[:, 0], -X[:, 0]], None, seed=0)
        >>> s.predict(X)[0].shape
        (6, 2)
    """

    name = "multi_target_gp"

    def __init__(self, names: Sequence[str], factory: Callable[[], Any] | None = None) -> None:
        if len(names) < 1 or len(set(names)) != len(names):
            raise InvalidInputError(f"target names {list(names)} must be distinct and non-empty")
        self.names = tuple(names)
        self.factory = factory or GPSurrogate
        self.members: list[Any] = []

    @property
    def num_outputs(self) -> int:
        return len(self.names)

    def fit(self, X: np.ndarray, y: np.ndarray, yvar: np.ndarray | None, *, seed: int) -> MultiTargetSurrogate:
        y = np.asarray(y, dtype=float).reshape(len(X), -1)
        if y.shape[1] != len(self.names):
            raise InvalidInputError(f"y has {y.shape[1]} columns for targets {list(self.names)}")
        yv = None if yvar is None else np.asarray(yvar, dtype=float).reshape(len(X), -1)
        self.members = [self.factory().fit(X, y[:, k], None if yv is None else yv[:, k], seed=seed) for k in range(y.shape[1])]
        return self

    @property
    def model(self) -> ModelListGP:
        if not self.members:
            raise InvalidInputError("the surrogate is not fitted yet")
        return ModelListGP(*[m.model for m in self.members])

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Means and variances `(m, K)`."""
        preds = [m.predict(X) for m in self.members]
        return np.stack([p[0] for p in preds], axis=-1), np.stack([p[1] for p in preds], axis=-1)

    def hyperparameters(self) -> Mapping[str, list[float]]:
        return {f"{name}/{k}": v for name, m in zip(self.names, self.members) for k, v in m.hyperparameters().items()}
