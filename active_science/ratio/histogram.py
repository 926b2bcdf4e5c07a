"""Histogram densities of low-dimensional summaries (SALLY, SALLINO, calibration of a classifier output).

Ratios of histograms evaluated on the same bins need only bin masses. Edges come from the pooled samples being
compared: quantiles (equal-population bins), or, when a summary takes few distinct values (discrete ``x``), the
midpoints between them, so each value gets its own bin. Empty bins get a pseudo-count of one half.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from active_science.exceptions import InvalidInputError

__all__ = ["HistogramDensity", "shared_edges", "default_bins"]


def default_bins(n: int) -> int:
    """``2 n^(1/3)`` bins, clipped to [5, 50] (the Rice rule: bias and variance of the bin masses balanced).

    Example:
        >>> default_bins(1000)
        20
    """
    return int(np.clip(round(2.0 * n ** (1.0 / 3.0)), 5, 50))


def shared_edges(samples: Sequence[np.ndarray], bins: int) -> tuple[np.ndarray, ...]:
    """Inner bin edges per summary dimension, from the pooled `(n_i, k)` samples.

    Example:
        >>> shared_edges([np.array([[0.0], [1.0], [1.0], [2.0]])], 10)[0].tolist()   # three values: own bins
        [0.5, 1.5]
    """
    pooled = np.concatenate([np.asarray(s, dtype=float).reshape(len(s), -1) for s in samples])
    if len(pooled) == 0 or not np.all(np.isfinite(pooled)):
        raise InvalidInputError("histogram samples are empty or not finite; simulate more events")
    edges = []
    for j in range(pooled.shape[1]):
        values = np.unique(pooled[:, j])
        if len(values) <= bins:
            edges.append(0.5 * (values[1:] + values[:-1]))
        else:
            edges.append(np.unique(np.quantile(pooled[:, j], np.linspace(0.0, 1.0, bins + 1)[1:-1])))
    return tuple(edges)


@dataclass(frozen=True)
class HistogramDensity:
    """Bin masses ``log P(bin)`` on a grid of inner ``edges`` (outer bins are open-ended).

    Example:
        >>> h = HistogramDensity.fit(np.array([[0.0], [0.0], [1.0]]), (np.array([0.5]),))
        >>> np.round(np.exp(h.log_prob(np.array([[-3.0], [7.0]]))), 3).tolist()
        [0.625, 0.375]
    """

    edges: tuple[np.ndarray, ...]
    log_mass: np.ndarray

    @classmethod
    def fit(cls, samples: np.ndarray, edges: tuple[np.ndarray, ...], *, pseudo_count: float = 0.5) -> HistogramDensity:
        samples = np.asarray(samples, dtype=float).reshape(len(samples), -1)
        if samples.shape[1] != len(edges):
            raise InvalidInputError(f"samples have {samples.shape[1]} dimensions but {len(edges)} edge arrays were given")
        shape = tuple(len(e) + 1 for e in edges)
        flat = np.ravel_multi_index(cls._bin_index(samples, edges), shape)
        counts = np.bincount(flat, minlength=int(np.prod(shape))).astype(float) + pseudo_count
        return cls(edges, np.log(counts / counts.sum()).reshape(shape))

    @staticmethod
    def _bin_index(s: np.ndarray, edges: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        return tuple(np.searchsorted(e, s[:, j], side="right") for j, e in enumerate(edges))

    def log_prob(self, s: np.ndarray) -> np.ndarray:
        """``log P(bin of s_i)`` `(m,)` for `(m, k)` summaries."""
        s = np.asarray(s, dtype=float).reshape(len(s), -1)
        return self.log_mass[self._bin_index(s, self.edges)]
