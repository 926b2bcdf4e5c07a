"""Contour lines of a function sampled on a grid (2D, via contourpy, matplotlib's engine) or crossings (1D)."""

from __future__ import annotations

import numpy as np

__all__ = ["contour_lines", "crossings_1d"]


def contour_lines(x: np.ndarray, y: np.ndarray, z: np.ndarray, level: float) -> list[np.ndarray]:
    """Polylines `(k, 2)` where ``z`` `(len(y), len(x))` crosses ``level``; NaN cells (infeasible) are masked."""
    import contourpy

    gen = contourpy.contour_generator(x, y, np.ma.masked_invalid(z), line_type=contourpy.LineType.Separate)
    return [np.asarray(seg, dtype=float) for seg in gen.lines(level) if len(seg) > 1]


def crossings_1d(x: np.ndarray, z: np.ndarray, level: float) -> np.ndarray:
    """Linearly interpolated positions `(k,)` where ``z(x)`` crosses ``level``.

    Example:
        >>> crossings_1d(np.array([0.0, 1.0, 2.0]), np.array([-1.0, 1.0, -1.0]), 0.0).tolist()
        [0.5, 1.5]
    """
    s = np.sign(np.asarray(z) - level)
    idx = np.flatnonzero(s[:-1] * s[1:] < 0)
    z0, z1 = z[idx] - level, z[idx + 1] - level
    return x[idx] + (x[idx + 1] - x[idx]) * z0 / (z0 - z1)
