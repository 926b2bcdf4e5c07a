"""Training rows of a ratio estimator, built from simulations with or without gold.

A row is ``(x, theta0, theta1, y, log_r_xz, t_xz)``: ``y = 0`` when ``x`` was drawn at ``theta0`` (numerator),
``y = 1`` when drawn at ``theta1``; ``log_r_xz = log r(x, z | theta0, theta1)``; ``t_xz`` is the joint score at the
point ``x`` was drawn at (``theta0`` if ``y = 0``, ``theta1`` if ``y = 1``). Unknown values are NaN.

How a ``Simulation`` becomes rows depends on the estimator's mode:

- ``marginal`` (NRE): every event is a joint pair ``(theta, x)`` with ``y = 0``; the ``y = 1`` rows are made while
  training by shuffling ``theta`` within a batch.
- ``reference`` (denominator fixed at ``theta_ref``): events drawn away from ``theta_ref`` are ``y = 0`` rows, gold
  read from the ``log_r_xz`` column of ``theta_ref``; events drawn at ``theta_ref`` are ``y = 1`` rows paired with one
  of their other ``theta_refs`` (event ``i`` with non-reference column ``i mod K``), ``log r = -log_r_xz``.
- ``doubly``: event ``i`` at ``theta_i`` is paired with ``theta_refs[i mod K]``; even events become ``y = 0`` rows
  ``(theta0 = theta_i, theta1 = partner)``, odd events ``y = 1`` rows ``(theta0 = partner, theta1 = theta_i)``:
  either labelling is valid, alternating keeps the classes balanced.

Rows whose partner is unknown (no gold) get ``NaN`` and are paired at training time with parameter values drawn
from the other rows (:func:`fill_missing_partners`), which is all CARL needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from active_science.exceptions import InvalidInputError
from active_science.ratio.networks import Mode
from active_science.simulation import Simulation

__all__ = ["RatioRows", "rows_from_simulation", "fill_missing_partners"]


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.all(np.isclose(a, b, rtol=1e-9, atol=1e-12), axis=-1)


@dataclass(frozen=True)
class RatioRows:
    """Labelled training rows (see the module docstring); every array has one row per training row.

    Attributes:
        x: `(n, x_dim)` events.
        theta0, theta1: `(n, d)` numerator and denominator points (``theta1`` NaN in marginal mode).
        y: `(n,)` 0 (``x ~ theta0``) or 1 (``x ~ theta1``).
        log_r_xz: `(n,)` joint log ratio ``log r(x, z | theta0, theta1)`` or NaN.
        t_xz: `(n, d)` joint score at the generating point or NaN.
    """

    x: np.ndarray
    theta0: np.ndarray
    theta1: np.ndarray
    y: np.ndarray
    log_r_xz: np.ndarray
    t_xz: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.x)
        for name in ("x", "theta0", "theta1", "y", "log_r_xz", "t_xz"):
            arr = np.asarray(getattr(self, name), dtype=float)
            if arr.shape[0] != n or arr.ndim != (1 if name in ("y", "log_r_xz") else 2):
                raise InvalidInputError(f"RatioRows.{name} has shape {arr.shape}; expected {n} rows")
            object.__setattr__(self, name, arr)

    def __len__(self) -> int:
        return int(self.x.shape[0])

    @classmethod
    def concatenate(cls, parts: Sequence[RatioRows]) -> RatioRows:
        if not parts:
            raise InvalidInputError("no training rows to concatenate; append simulations first")
        dims = {(p.x.shape[1], p.theta0.shape[1]) for p in parts}
        if len(dims) != 1:
            raise InvalidInputError(f"training rows disagree on (x_dim, theta_dim): {sorted(dims)}; append one simulator's events")
        return cls(*(np.concatenate([getattr(p, k) for p in parts]) for k in ("x", "theta0", "theta1", "y", "log_r_xz", "t_xz")))

    def take(self, idx: np.ndarray) -> RatioRows:
        return RatioRows(self.x[idx], self.theta0[idx], self.theta1[idx], self.y[idx], self.log_r_xz[idx], self.t_xz[idx])


def rows_from_simulation(sim: Simulation, *, mode: Mode, theta_ref: np.ndarray | None = None) -> RatioRows:
    """Turn one simulation into training rows for an estimator in ``mode``.

    Example:
        >>> from active_science.simulators.gaussian import GaussianToy
        >>> s = GaussianToy().simulate([0.0], seed=0, num_events=4, gold=True, theta_refs=[[0.5]])
        >>> rows = rows_from_simulation(s, mode="reference", theta_ref=np.array([0.0]))
        >>> rows.y.tolist(), rows.theta0.ravel().tolist()   # events at theta_ref, paired with theta0 = 0.5
        ([1.0, 1.0, 1.0, 1.0], [0.5, 0.5, 0.5, 0.5])
    """
    n, d = sim.theta.shape
    nan_d = np.full((n, d), np.nan)
    t_xz = sim.t_xz if sim.t_xz is not None else nan_d
    refs = sim.theta_refs
    idx = np.arange(n)
    if mode == "marginal":
        return RatioRows(sim.x, sim.theta, nan_d, np.zeros(n), np.full(n, np.nan), t_xz)
    if mode == "reference":
        if theta_ref is None:
            raise InvalidInputError("reference mode needs theta_ref")
        ref = np.asarray(theta_ref, dtype=float).reshape(d)
        at_ref = _same(sim.theta, ref)
        theta0 = np.where(at_ref[:, None], np.nan, sim.theta)
        log_r = np.full(n, np.nan)
        y = at_ref.astype(float)
        if refs is not None:
            assert sim.log_r_xz is not None
            ref_cols = np.flatnonzero(_same(refs, ref))
            if len(ref_cols):
                log_r = np.where(at_ref, np.nan, sim.log_r_xz[:, ref_cols[0]])
            other = np.flatnonzero(~_same(refs, ref))
            if len(other) and at_ref.any():
                col = other[idx % len(other)]
                theta0 = np.where(at_ref[:, None], refs[col], theta0)
                log_r = np.where(at_ref, -sim.log_r_xz[idx, col], log_r)
            elif len(ref_cols) and at_ref.any():
                # simulated at theta_ref with gold only against theta_ref (an active scan chose the reference point):
                # r(x, z | ref, ref) = 1 exactly, and every event was drawn at theta0 = theta1 = theta_ref, so half
                # become numerator rows and half reference rows (balanced, like the doubly mode's alternation)
                theta0 = np.where(at_ref[:, None], ref, theta0)
                log_r = np.where(at_ref, 0.0, log_r)
                y = np.where(at_ref & (idx % 2 == 0), 0.0, y)
        return RatioRows(sim.x, theta0, np.broadcast_to(ref, (n, d)).copy(), y, log_r, t_xz)
    if mode == "doubly":
        partner = nan_d.copy()
        log_r_own = np.full(n, np.nan)  # log p(x,z | own) - log p(x,z | partner)
        if refs is not None:
            assert sim.log_r_xz is not None
            col = idx % len(refs)
            partner = refs[col]
            log_r_own = sim.log_r_xz[idx, col]
            same = _same(partner, sim.theta)
            partner[same] = np.nan  # an event paired with its own point carries no information
            log_r_own[same] = np.nan
        odd = (idx % 2 == 1)
        theta0 = np.where(odd[:, None], partner, sim.theta)
        theta1 = np.where(odd[:, None], sim.theta, partner)
        return RatioRows(sim.x, theta0, theta1, odd.astype(float), np.where(odd, -log_r_own, log_r_own), t_xz)
    raise InvalidInputError(f"mode={mode!r} must be 'reference', 'marginal' or 'doubly'")


def fill_missing_partners(rows: RatioRows, *, mode: Mode, rng: np.random.Generator) -> RatioRows:
    """Pair rows without a partner point with parameter values drawn from the rows' own generating points.

    Only classification (CARL, CASCAL) can use such rows: their ``log_r_xz`` stays NaN.
    """
    if mode == "marginal":
        return rows
    own = np.where(rows.y[:, None] > 0.5, rows.theta1, rows.theta0)
    if mode == "reference":
        pool = rows.theta0[(rows.y < 0.5) & np.all(np.isfinite(rows.theta0), axis=1)]
        missing = np.any(~np.isfinite(rows.theta0), axis=1)
        if missing.any() and len(pool) == 0:
            raise InvalidInputError("no events away from theta_ref: append simulations at other points than the reference")
        theta0 = rows.theta0.copy()
        theta0[missing] = pool[rng.integers(0, len(pool), size=int(missing.sum()))] if missing.any() else theta0[missing]
        return RatioRows(rows.x, theta0, rows.theta1, rows.y, rows.log_r_xz, rows.t_xz)
    pool = own[np.all(np.isfinite(own), axis=1)]
    theta0, theta1 = rows.theta0.copy(), rows.theta1.copy()
    for arr in (theta0, theta1):
        missing = np.any(~np.isfinite(arr), axis=1)
        if missing.any():
            arr[missing] = pool[rng.integers(0, len(pool), size=int(missing.sum()))]
    return RatioRows(rows.x, theta0, theta1, rows.y, rows.log_r_xz, rows.t_xz)
