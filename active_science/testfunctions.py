"""Level-set test functions with exact truth: excursion's 1D/2D/3D functions and two disjoint islands.

The formulas are those of diana-hep/excursion (SCIENCE.md section 6). Each :class:`LevelSetProblem` knows its space,
its threshold and how to draw the exact labels on a dense grid, so benchmarks and tests can score a learnt contour
by balanced accuracy against the truth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from active_science.exceptions import InvalidInputError
from active_science.space import ParameterSpace

__all__ = [
    "LevelSetProblem",
    "excursion_1d",
    "excursion_2d",
    "excursion_3d",
    "two_islands",
    "get_problem",
    "PROBLEMS",
]


def _points(theta: np.ndarray, d: int) -> np.ndarray:
    arr = np.asarray(theta, dtype=float)
    if arr.shape[-1] != d:
        raise InvalidInputError(f"points have {arr.shape[-1]} coordinates; this function takes {d}")
    return arr


def excursion_1d(theta: np.ndarray) -> np.ndarray:
    """``11 - 10[tanh(3(x - 0.3)) + 0.15 sin(30 x)]`` at `(..., 1)` points, level 0.7 on [0, 1].

    Example:
        >>> round(float(excursion_1d(np.array([0.3]))), 4)   # 11 - 1.5 sin(9)
        10.3818
    """
    x = _points(theta, 1)[..., 0]
    return 11.0 - 10.0 * (np.tanh(3.0 * (x - 0.3)) + 0.15 * np.sin(30.0 * x))


def _stats(n: np.ndarray) -> np.ndarray:
    return (1.0 - np.tanh(n - 5.0)) / 2.0


def _xsec_eff(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    xsec = 12.0 * np.exp(-x / 2.0) + 0.1 * np.cos(10.0 * y + 1.0) + 0.2 * np.cos(15.0 * x)
    eff = np.tanh(1.3 * x - y + 1.0)
    return xsec * eff


def _log_stats(n: np.ndarray) -> np.ndarray:
    # stats(n) underflows to 0 for large n; log stats(n) = log((1 - tanh(n - 5)) / 2) = -log(1 + exp(2(n - 5)))
    return -np.logaddexp(0.0, 2.0 * (n - 5.0))


def excursion_2d(theta: np.ndarray) -> np.ndarray:
    """``3[log stats(xsec eff) - log 0.05]`` at `(..., 2)` points (excursion's 2D "physics-like" function, level 0).

    Example:
        >>> # (0, 0): rate 12.25 tanh(1) = 9.33 events, stats = 1.4e-4 < 0.05; (0, 1.5): efficiency < 0, stats ~ 1
        >>> bool(excursion_2d(np.array([0.0, 0.0])) > 0), bool(excursion_2d(np.array([0.0, 1.5])) > 0)
        (False, True)
    """
    p = _points(theta, 2)
    return 3.0 * (_log_stats(_xsec_eff(p[..., 0], p[..., 1])) - np.log(0.05))


def excursion_3d(theta: np.ndarray) -> np.ndarray:
    """The 2D function with the rate scaled by ``exp(-0.3 z)``, at `(..., 3)` points (level 0 on [0, 1.5]^3).

    Example:
        >>> bool(np.isclose(excursion_3d(np.array([0.4, 0.7, 0.0])), excursion_2d(np.array([0.4, 0.7]))))
        True
    """
    p = _points(theta, 3)
    return 3.0 * (_log_stats(_xsec_eff(p[..., 0], p[..., 1]) * np.exp(-0.3 * p[..., 2])) - np.log(0.05))


def two_islands(theta: np.ndarray) -> np.ndarray:
    """Two disjoint excluded islands in [0, 1]^2: ``max of two Gaussian bumps - 0.5`` (excluded where > 0 here).

    A strategy that follows one boundary and never looks elsewhere misses the second island.

    Example:
        >>> # at (0.5, 0.5) the larger bump is exp(-0.1025 / (2 * 0.12^2)) = 0.028
        >>> [round(float(v), 3) for v in two_islands(np.array([[0.25, 0.3], [0.75, 0.7], [0.5, 0.5]]))]
        [0.5, 0.5, -0.472]
    """
    p = _points(theta, 2)
    a = np.exp(-((p[..., 0] - 0.25) ** 2 + (p[..., 1] - 0.3) ** 2) / (2 * 0.08**2))
    b = np.exp(-((p[..., 0] - 0.75) ** 2 + (p[..., 1] - 0.7) ** 2) / (2 * 0.12**2))
    return np.maximum(a, b) - 0.5


@dataclass(frozen=True)
class LevelSetProblem:
    """A function with a known level set ``{f = threshold}`` over a box.

    Attributes:
        name: short name (benchmark task).
        fn: vectorised ``f`` on `(..., d)` points.
        space: the box.
        threshold: the level.
        truth_resolution: points per dimension of the dense truth grid.
    """

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    space: ParameterSpace
    threshold: float
    truth_resolution: int

    @property
    def dim(self) -> int:
        return self.space.dim

    def __call__(self, theta: np.ndarray, seed: int = 0) -> float:
        """Scalar objective ``f(theta)`` (``seed`` unused: the function is deterministic)."""
        return float(self.fn(np.asarray(theta, dtype=float)))

    def truth_grid(self, resolution: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Dense grid points `(r^d, d)` and their exact labels `(r^d,)` (True where ``f > threshold``).

        Example:
            >>> pts, above = get_problem("1d").truth_grid(1001)
            >>> xs = pts[:, 0][np.flatnonzero(np.diff(above.astype(int)))]   # crossings of f = 0.7
            >>> bool(np.all(np.abs(excursion_1d(xs[:, None]) - 0.7) < 0.1)), len(xs)
            (True, 2)
        """
        pts = self.space.grid(self.truth_resolution if resolution is None else int(resolution))
        return pts, self.fn(pts) > self.threshold


def _box(d: int, hi: float) -> ParameterSpace:
    return ParameterSpace({f"x{i}": (0.0, hi) for i in range(d)})


#: the registered problems by name
PROBLEMS: dict[str, Callable[[], LevelSetProblem]] = {
    "1d": lambda: LevelSetProblem("1d", excursion_1d, _box(1, 1.0), 0.7, 2001),
    "2d": lambda: LevelSetProblem("2d", excursion_2d, _box(2, 1.5), 0.0, 350),
    "3d": lambda: LevelSetProblem("3d", excursion_3d, _box(3, 1.5), 0.0, 60),
    "islands": lambda: LevelSetProblem("islands", two_islands, _box(2, 1.0), 0.0, 350),
}


def get_problem(name: str) -> LevelSetProblem:
    """The test problem ``name`` (one of ``1d``, ``2d``, ``3d``, ``islands``).

    Example:
        >>> get_problem("3d").dim
        3
    """
    if name not in PROBLEMS:
        raise InvalidInputError(f"unknown test problem {name!r}; valid names: {', '.join(PROBLEMS)}")
    return PROBLEMS[name]()
