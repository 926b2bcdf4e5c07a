"""EIGResult: an expected-information-gain estimate with its Monte Carlo standard error."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from active_science.exceptions import InvalidInputError

__all__ = ["EIGResult", "mean_with_error"]


@dataclass(frozen=True)
class EIGResult:
    """An estimate of ``EIG(phi) = I(theta; x | phi)`` in nats.

    Attributes:
        value: the estimate.
        standard_error: its Monte Carlo standard error (from the spread of the outer samples).
        num_outer: outer samples (simulated experiments) averaged.
        num_inner: inner / contrastive samples per outer sample (0 if none).
        method: ``"nested_mc"``, ``"lfire"``, ``"infonce"`` or ``"nwj"``.

    Example:
        >>> EIGResult(0.5, 0.01, 100, 50, "nested_mc").variance
        0.0001
    """

    value: float
    standard_error: float
    num_outer: int
    num_inner: int
    method: str

    @property
    def variance(self) -> float:
        return self.standard_error**2


def mean_with_error(samples: np.ndarray, what: str) -> tuple[float, float]:
    """Mean and standard error of `(n,)` finite per-sample terms (n >= 2)."""
    s = np.asarray(samples, dtype=float).reshape(-1)
    if len(s) < 2:
        raise InvalidInputError(f"{what} needs at least 2 outer samples, got {len(s)}")
    if not np.all(np.isfinite(s)):
        raise InvalidInputError(f"{what}: {int(np.sum(~np.isfinite(s)))} per-sample terms are not finite; check the log likelihoods")
    return float(s.mean()), float(s.std(ddof=1) / math.sqrt(len(s)))
