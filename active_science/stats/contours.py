"""Contour lines of a function sampled on a grid (2D, via contourpy, matplotlib's engine) or crossings (1D)."""

from __future__ import annotations

import numpy as np

__all__ = ["contour_lines", "crossings_1d", "function_level_lines"]


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


def function_level_lines(fn, space, level: float, *, resolution: int = 300, log: bool = True) -> list[np.ndarray]:
    """Polylines `(k, 2)`, in space coordinates, where a known function of a 2D space crosses ``level``.

    Used to draw the exact contour of a simulator with a known truth (e.g. ``sim.truth_cls``). The grid is regular
    in the unit cube (so log-scaled dimensions are sampled evenly in log); points outside the constraint are masked.

    Example:
        >>> from active_science.space import ParameterSpace
        >>> sp = ParameterSpace({"x": (0, 1), "y": (0, 1)})
        >>> lines = function_level_lines(lambda th: th[:, 0] + th[:, 1], sp, 1.0, resolution=11, log=False)
        >>> bool(np.allclose(lines[0].sum(axis=1), 1.0))
        True
    """
    if space.dim != 2:
        from active_science.exceptions import InvalidInputError

        raise InvalidInputError(f"function_level_lines needs a 2D space; this one is {space.dim}D")
    g = np.linspace(0.0, 1.0, int(resolution))
    U = np.stack(np.meshgrid(g, g, indexing="xy"), -1).reshape(-1, 2)
    theta = space.from_unit(U)
    z = np.asarray(fn(theta), dtype=float)
    if log:
        z, level = np.log(np.maximum(z, 1e-300)), float(np.log(level))
    z = np.where(space.contains(theta), z, np.nan)
    return [space.from_unit(seg) for seg in contour_lines(g, g, z.reshape(len(g), len(g)), level)]
