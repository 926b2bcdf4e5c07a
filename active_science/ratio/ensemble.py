"""Ensemble predictions: the mean of the members is the estimate, their spread the epistemic uncertainty.

Members differ by initialisation and by the order they see the rows (deep ensembles, Lakshminarayanan et al.
2017); they are trained together in one batched network. The spread is the sample standard deviation across
members (0 for a single network), which the active loop can use as the uncertainty of a ratio-based statistic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["RatioPrediction"]


def _spread(members: np.ndarray) -> np.ndarray:
    if members.shape[0] < 2:
        return np.zeros(members.shape[1:])
    return members.std(axis=0, ddof=1)


@dataclass(frozen=True)
class RatioPrediction:
    """Per-member predictions of ``log r`` `(members, n)` and optionally of the score `(members, n, d)`.

    Example:
        >>> p = RatioPrediction(np.array([[0.0, 1.0], [0.2, 1.0]]))
        >>> p.log_ratio.tolist(), [round(v, 4) for v in p.log_ratio_std.tolist()]
        ([0.1, 1.0], [0.1414, 0.0])
    """

    members: np.ndarray
    score_members: np.ndarray | None = None

    @property
    def log_ratio(self) -> np.ndarray:
        """Ensemble mean of ``log r_hat``, `(n,)`."""
        return self.members.mean(axis=0)

    @property
    def log_ratio_std(self) -> np.ndarray:
        """Spread of ``log r_hat`` across members, `(n,)`."""
        return _spread(self.members)

    @property
    def score(self) -> np.ndarray | None:
        """Ensemble mean of the score ``grad_theta0 log r_hat``, `(n, d)`, if it was computed."""
        return None if self.score_members is None else self.score_members.mean(axis=0)

    @property
    def score_std(self) -> np.ndarray | None:
        """Spread of the score across members, `(n, d)`, if it was computed."""
        return None if self.score_members is None else _spread(self.score_members)
