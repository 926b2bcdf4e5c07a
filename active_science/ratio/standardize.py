"""Standardisation of events and parameters, with the matching rescaling of scores.

Networks see ``x' = (x - m_x) / s_x`` and ``theta' = (theta - m_t) / s_t``. A score transforms covariantly:
``d/d theta' = s_t d/d theta``, so gold scores are fed to the loss as ``t' = s_t t`` and network scores are reported
as ``t = t' / s_t``. The statistics are fixed at the first training and kept for warm-started retraining.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["Standardizer"]


def _scale(v: np.ndarray) -> np.ndarray:
    s = np.nanstd(v, axis=0)
    return np.where(np.isfinite(s) & (s > 1e-12), s, 1.0)


@dataclass(frozen=True)
class Standardizer:
    """Means and standard deviations of ``x`` `(x_dim,)` and ``theta`` `(d,)`.

    Example:
        >>> st = Standardizer.fit(np.array([[0.0], [2.0]]), np.array([[1.0], [3.0]]))
        >>> st.score_to_standard(np.array([[1.0]])).tolist()   # s_t = 1: unchanged
        [[1.0]]
    """

    x_mean: np.ndarray
    x_std: np.ndarray
    theta_mean: np.ndarray
    theta_std: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray, theta: np.ndarray) -> Standardizer:
        """From events `(n, x_dim)` and all parameter values seen `(m, d)` (NaN rows ignored)."""
        return cls(np.nanmean(x, axis=0), _scale(x), np.nanmean(theta, axis=0), _scale(theta))

    def x(self, x: np.ndarray) -> np.ndarray:
        return (x - self.x_mean) / self.x_std

    def theta(self, theta: np.ndarray) -> np.ndarray:
        return (theta - self.theta_mean) / self.theta_std

    def score_to_standard(self, t: np.ndarray) -> np.ndarray:
        """Gold score ``d log p / d theta`` -> ``d log p / d theta'``."""
        return t * self.theta_std

    def score_from_standard(self, t: np.ndarray | torch.Tensor) -> np.ndarray | torch.Tensor:
        """Network score ``d f / d theta'`` -> ``d f / d theta``."""
        return t / torch.as_tensor(self.theta_std, dtype=t.dtype) if isinstance(t, torch.Tensor) else t / self.theta_std

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"x_mean": self.x_mean, "x_std": self.x_std, "theta_mean": self.theta_mean, "theta_std": self.theta_std}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Standardizer:
        return cls(*(np.asarray(arrays[k], dtype=float) for k in ("x_mean", "x_std", "theta_mean", "theta_std")))
