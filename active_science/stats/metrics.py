"""Classification metrics for exclusion labels (excursion's benchmark metric)."""

from __future__ import annotations

import numpy as np

from active_science.exceptions import InvalidInputError

__all__ = ["balanced_accuracy"]


def balanced_accuracy(predicted: np.ndarray, truth: np.ndarray) -> float:
    """Mean of the true-positive and true-negative rates of boolean labels (1.0 if one class is absent and all
    of the other are right).

    Example:
        >>> balanced_accuracy(np.array([True, True, False, False]), np.array([True, False, False, False]))
        0.8333333333333333
    """
    p = np.asarray(predicted, dtype=bool).reshape(-1)
    t = np.asarray(truth, dtype=bool).reshape(-1)
    if p.shape != t.shape or p.size == 0:
        raise InvalidInputError(f"predicted {p.shape} and truth {t.shape} must be non-empty and of equal size")
    rates = [np.mean(p[t == c] == c) for c in (True, False) if np.any(t == c)]
    return float(np.mean(rates))
