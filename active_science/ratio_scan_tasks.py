"""Reference problems for :class:`~active_science.ratio_scan.RatioScan` with exact-likelihood contours.

- ``galton``: the Galton board (1 parameter), Asimov data of ``theta_true`` (expected counts over the final
  positions), exact ``q`` from the board's forward recursion.
- ``weinberg``: e+e- -> mu+mu- with ``(sin2w, g_f)`` (2 parameters), an observed dataset drawn at the true point,
  exact ``q`` from the closed-form smeared angular pdf.

``x_obs=`` replaces the task's data by the user's events (the exact contour is recomputed on them);
``statistic="cls"`` adds the Asimov data of a null hypothesis (``theta_null``) and the exact region
``{CLs < 1 - cl}`` from the exact ``q`` and ``q_A``.

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

#: the true point of each task: the Galton board's Asimov data and the Weinberg dataset are generated there
TRUE_POINTS = {"galton": (-0.7,), "weinberg": (0.23, 1.17)}
#: the size of each task's observed dataset when ``observed_events`` is not given: Asimov balls / Weinberg events
OBSERVED_EVENTS = {"galton": 60, "weinberg": 3000}


@dataclass(frozen=True)
class ScanTask:
    """Simulator, data, grid and the exact excluded region.

    Attributes:
        simulator: the simulator (with gold).
        x_obs: `(n, x_dim)` events; ``weights`` `(n,)` their Asimov weights or None.
        grid: `(m, d)` dense theta grid.
        q_exact: `(m,)` exact ``-2 log LR`` on the grid; ``excluded`` `(m,)` its 95 % CL excluded region.
        null_x, null_weights: the Asimov data of the null hypothesis (``statistic="cls"`` only, else None).
    """

    name: str
    simulator: Any
    x_obs: np.ndarray
    weights: np.ndarray | None
    grid: np.ndarray
    q_exact: np.ndarray
    excluded: np.ndarray
    null_x: np.ndarray | None = None
    null_weights: np.ndarray | None = None


def _asimov(sim: Any, name: str, theta: np.ndarray, n: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Asimov data of ``n`` events at ``theta``: exact expected counts on the Galton support; for the continuous
    Weinberg angle 20 000 simulated events weighted ``n / 20 000`` (their q is computed exactly on the same events)."""
    if name == "galton":
        p = sim.probabilities(theta[None])[0]
        keep = p > 1e-12
        return np.arange(sim.n_nails, dtype=float)[keep, None], n * p[keep]
    x = sim.simulate(theta, seed=seed + 1, num_events=20_000).x
    return x, np.full(len(x), n / len(x))


def ratio_task(
    name: str, *, grid_size: int = 121, cl: float = 0.95, seed: int = 0, x_obs: np.ndarray | None = None,
    statistic: str = "chi2", theta_null: Any = None, observed_events: int | None = None,
    theta_range: tuple[float, float] | None = None, bins: int | None = None,
) -> ScanTask:  # fmt: skip
    """Build a reference task (``"galton"`` or ``"weinberg"``); ``grid_size`` points per axis.

    ``x_obs`` `(n, x_dim)`: the user's events instead of the task's data; ``statistic="cls"``: truth from
    asymptotic CLs with the Asimov data of ``theta_null`` (default: the task's true point) as the null hypothesis.
    ``observed_events``: size of the observed dataset (default: the Asimov data of 60 balls on the Galton board, 3 000
    Weinberg events); the estimator's per-event error enters ``q`` multiplied by it, and the contour narrows like
    ``1 / sqrt(observed_events)``.
    ``theta_range``: Galton only, the scanned range (default ``(-1, -0.4)``, the reference training range, where the
    95 % interval covers 65 % of it; a scan that does not know where its answer is covers more, e.g. ``(-1.5, 0)``
    from the unbiased board down, where it covers 26 %).
    ``bins``: Weinberg only, histogram the angle into this many equal bins on [-1, 1] (under- and overflow in the
    outer bins; :class:`~active_science.simulators.binned.BinnedObservable`): a discrete observable, as a binned
    analysis fits it, with the exact binned likelihood as the truth (needed by ``method="scandal"``).
    """
    if bins is not None and (name != "weinberg" or isinstance(bins, bool) or not isinstance(bins, int) or bins < 2):
        raise InvalidInputError(f"bins={bins!r} applies to the 'weinberg' task only and must be an integer >= 2, e.g. 40")
    if observed_events is not None and (isinstance(observed_events, bool) or not isinstance(observed_events, (int, np.integer)) or observed_events < 1):
        raise InvalidInputError(f"observed_events={observed_events!r} must be a positive integer (events in the observed dataset), e.g. 1000")
    if theta_range is not None and name != "galton":
        raise InvalidInputError(f"theta_range={theta_range!r} applies to the 'galton' task only; drop it for {name!r}")
    if name == "galton":
        from active_science.simulators.galton import GaltonBoard

        bounds = np.asarray((-1.0, -0.4) if theta_range is None else theta_range, dtype=float).reshape(-1)
        lo, hi = (float(bounds[0]), float(bounds[-1])) if bounds.size == 2 else (np.nan, np.nan)
        (true,) = TRUE_POINTS["galton"]
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < true < hi):
            raise InvalidInputError(f"theta_range={theta_range!r} must be (low, high), finite, containing the true theta {true}, e.g. (-1.5, 0.0)")
        sim: Any = GaltonBoard(theta_range=(lo, hi))
        x, w = _asimov(sim, name, np.array([true]), float(OBSERVED_EVENTS["galton"] if observed_events is None else observed_events), seed)
        grid = np.linspace(lo, hi, grid_size)[:, None]
    elif name == "weinberg":
        from active_science.simulators.weinberg import Weinberg

        sim = Weinberg(parameters=("sin2w", "g_f"), default_design=[75.0])  # below the pole: A_FB is sensitive
        if bins is not None:
            from active_science.simulators.binned import BinnedObservable

            # the smeared angle lives within the acceptance +- 8 resolutions
            reach = sim.acceptance_edge + 8.0 * sim.resolution
            sim = BinnedObservable(sim, np.linspace(-1.0, 1.0, bins + 1), x_range=(-reach, reach))
        x = sim.simulate(list(TRUE_POINTS["weinberg"]), seed=seed, num_events=int(OBSERVED_EVENTS["weinberg"] if observed_events is None else observed_events)).x
        w = None
        a = np.linspace(0.18, 0.28, grid_size)
        b = np.linspace(1.0, 1.35, grid_size)
        grid = np.stack(np.meshgrid(a, b, indexing="ij"), axis=-1).reshape(-1, 2)
    else:
        raise InvalidInputError(f"task {name!r} is unknown; use 'galton' or 'weinberg'")
    if x_obs is not None:
        from active_science.ratio_scan_data import check_events

        x, w = check_events(x_obs, x.shape[1])[0], None
    loglik = lambda xx, th: sim.log_likelihood(xx, th)  # noqa: E731
    # likelihood_scan sorts a 1D grid; ours is already sorted, so its q lines up with grid
    q = likelihood_scan(loglik, x, grid, weights=w).q
    if statistic == "chi2":
        return ScanTask(name, sim, x, w, grid, q, q > wilks_threshold(cl, grid.shape[1]))
    if statistic != "cls":
        raise InvalidInputError(f"statistic={statistic!r} is unknown; use 'chi2' or 'cls'")
    from active_science.stats.asymptotics import cls_from_q

    true_point = np.array(TRUE_POINTS[name])
    null = true_point if theta_null is None else np.asarray(theta_null, dtype=float).reshape(-1)
    n = float(len(x) if w is None else w.sum())
    xa, wa = _asimov(sim, name, null, n, seed)
    q_a = likelihood_scan(loglik, xa, grid, weights=wa).q
    excluded = cls_from_q(q, q_a).cls < 1.0 - cl
    return ScanTask(name, sim, x, w, grid, q, excluded, xa, wa)
