"""Reference problems for :class:`~active_science.ratio_scan.RatioScan` with exact-likelihood contours.

- ``galton``: the Galton board (1 parameter), Asimov data of ``theta_true`` (expected counts over the final
  positions), exact ``q`` from the board's forward recursion.
- ``weinberg``: e+e- -> mu+mu- with ``(sin2w, g_f)`` (2 parameters), an observed dataset drawn at the true point,
  exact ``q`` from the closed-form smeared angular pdf.

Example:
    >>> t = ratio_task("galton", grid_size=61)
    >>> t.grid.shape, bool(t.excluded.any() and not t.excluded.all())
    ((61, 1), True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from active_science.exceptions import InvalidInputError
from active_science.ratio.inference import likelihood_scan, wilks_threshold

__all__ = ["ScanTask", "ratio_task"]


@dataclass(frozen=True)
class ScanTask:
    """Simulator, data, grid and the exact excluded region.

    Attributes:
        simulator: the simulator (with gold).
        x_obs: `(n, x_dim)` events; ``weights`` `(n,)` their Asimov weights or None.
        grid: `(m, d)` dense theta grid.
        q_exact: `(m,)` exact ``-2 log LR`` on the grid; ``excluded`` `(m,)` its 95 % CL excluded region.
    """

    name: str
    simulator: Any
    x_obs: np.ndarray
    weights: np.ndarray | None
    grid: np.ndarray
    q_exact: np.ndarray
    excluded: np.ndarray


def ratio_task(name: str, *, grid_size: int = 121, cl: float = 0.95, seed: int = 0) -> ScanTask:
    """Build a reference task (``"galton"`` or ``"weinberg"``); ``grid_size`` points per axis."""
    if name == "galton":
        from active_science.simulators.galton import GaltonBoard

        sim: Any = GaltonBoard()
        support = np.arange(sim.n_nails, dtype=float)[:, None]
        p = sim.probabilities(np.array([-0.7]))[0]
        keep = p > 1e-12
        x, w = support[keep], 60.0 * p[keep]  # Asimov data of 60 balls at theta = -0.7
        grid = np.linspace(-1.0, -0.4, grid_size)[:, None]
    elif name == "weinberg":
        from active_science.simulators.weinberg import Weinberg

        sim = Weinberg(parameters=("sin2w", "g_f"), default_design=[75.0])  # below the pole: A_FB is sensitive
        x = sim.simulate([0.23, 1.17], seed=seed, num_events=3000).x
        w = None
        a = np.linspace(0.18, 0.28, grid_size)
        b = np.linspace(1.0, 1.35, grid_size)
        grid = np.stack(np.meshgrid(a, b, indexing="ij"), axis=-1).reshape(-1, 2)
    else:
        raise InvalidInputError(f"task {name!r} is unknown; use 'galton' or 'weinberg'")
    scan = likelihood_scan(lambda xx, th: sim.log_likelihood(xx, th), x, grid, weights=w)
    # likelihood_scan sorts a 1D grid; ours is already sorted, so scan.q lines up with grid
    q = scan.q
    return ScanTask(name, sim, x, w, grid, q, q > wilks_threshold(cl, grid.shape[1]))
