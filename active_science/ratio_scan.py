"""RatioScan: the full active loop with a neural ratio estimator as the test statistic (issue 6).

Each round (SCIENCE.md sections 5-6):

1. simulate with gold at the chosen theta points (paired with the reference point, as in
   :func:`~active_science.ratio.mining.reference_training_set`);
2. append the simulations to the :class:`~active_science.ratio.RatioEstimator` and retrain it, warm-started;
3. recompute ``q(theta) = -2 sum_i w_i log r_hat(x_i | theta) - min`` (plus the Poisson rate term when the
   simulator gives ``nu(theta)``) at every simulated point and on the dense candidate grid, per ensemble member;
4. refit the GP surrogate on q at the simulated points *from scratch*: retraining changes q everywhere, so the old
   values cannot simply be kept (the ``ActiveLoop`` tell mechanism assumes fixed values, which is why this study
   drives its own rounds instead of a ``LoopRunner``);
5. pick the next points by label entropy of ``{q > chi2 quantile}`` with
   ``sigma^2 = GP variance + ensemble variance of q`` (the ensemble term makes the loop simulate where the
   contour is uncertain because of too little training data there);
6. stop when the share of grid points whose label changed since the previous round is below ``tolerance``.

The estimator's weights and every simulation are written to the study file each round, so a study resumes from
the round it reached (:meth:`RatioScan.resume`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from active_science.exceptions import InvalidInputError, StoreError
from active_science.ratio.config import NetworkConfig, TrainingConfig
from active_science.ratio.estimator import RatioEstimator
from active_science.ratio.inference import wilks_threshold
from active_science.ratio.mining import reference_training_set, spawn_seeds
from active_science.simulation import Simulation
from active_science.store import Store
from active_science.surrogates.gp import GPSurrogate
from active_science.threads import torch_threads

__all__ = ["KIND", "RatioScan", "RatioScanRound", "balanced_accuracy"]

logger = logging.getLogger(__name__)

KIND = "ratio_scan"
_SIMS = "simulations"
_EST = "estimator"
_STATE = "state"


def balanced_accuracy(pred: np.ndarray, truth: np.ndarray) -> float:
    """Mean of the true-positive and true-negative rates of boolean labels `(m,)` (1.0 if a class is empty and right).

    Example:
        >>> balanced_accuracy(np.array([1, 1, 0, 0], bool), np.array([1, 0, 0, 0], bool))
        0.8333333333333333
    """
    pred, truth = np.asarray(pred, bool), np.asarray(truth, bool)
    rates = [float(np.mean(pred[truth == c] == c)) for c in (True, False) if np.any(truth == c)]
    return float(np.mean(rates))


@dataclass(frozen=True)
class RatioScanRound:
    """What one round did.

    Attributes:
        round: round index (0 = initial design).
        n_events: simulated events so far (numerator and reference events).
        changed: share of grid points whose excluded/allowed label changed since the previous round (1.0 at round 0).
        excluded: `(m,)` the estimated excluded region on the grid after this round.
        points: `(k, d)` theta points simulated in this round.
    """

    round: int
    n_events: int
    changed: float
    excluded: np.ndarray = field(repr=False)
    points: np.ndarray = field(repr=False)


class RatioScan:
    """Active exclusion contour from a neural ratio estimator retrained in the loop.

    Args:
        simulator: a simulator with gold (``simulate(theta, seed=, num_events=, gold=, theta_refs=)``) and a ``space``.
        x_obs: `(n, x_dim)` observed events (or the support of an Asimov dataset).
        grid: `(m, d)` dense candidate theta points (contour, acquisition and convergence are evaluated on it).
        weights: `(n,)` event weights (expected counts for Asimov data), None for observed events.
        expected_events: ``nu(theta)`` for the Poisson rate term, or None.
        theta_ref: `(d,)` denominator of the ratio (default: centre of the space).
        method: estimator method (``"alices"`` default; gold makes it sample-efficient).
        events_per_point: numerator events per chosen theta (the same number of reference events is drawn).
        initial_points, batch_size: points of round 0 and of each later round.
        cl: confidence level of the excluded region ``{q > chi2_d(cl)}``.
        tolerance: stop when fewer than this share of grid labels changed between rounds.
        ensemble_size, network, training: the estimator.
        seed: everything random derives from it.
        store: optional HDF5 study file (resumable); ``force`` overwrites an existing one.
        store_config: JSON-able settings recorded in the study file (the CLI stores its ``[study]`` table there).

    Example:
        >>> from active_science.simulators.gaussian import GaussianToy
        >>> sim = GaussianToy()
        >>> x = sim.simulate([0.3], seed=0, num_events=100).x
        >>> scan = RatioScan(sim, x, np.linspace(-1, 1, 41)[:, None], events_per_point=50, initial_points=4,
        ...                  batch_size=2, ensemble_size=2, network=NetworkConfig(hidden=(8,)),
        ...                  training=TrainingConfig(max_epochs=5))
        >>> [r.round for r in scan.run(max_rounds=2)], scan.n_events
        ([0, 1], 600)
    """

    def __init__(
        self,
        simulator: Any,
        x_obs: np.ndarray,
        grid: np.ndarray,
        *,
        weights: np.ndarray | None = None,
        expected_events: Callable[[np.ndarray], float] | None = None,
        theta_ref: Sequence[float] | None = None,
        method: str = "alices",
        events_per_point: int = 100,
        initial_points: int = 4,
        batch_size: int = 2,
        cl: float = 0.95,
        tolerance: float = 0.005,
        ensemble_size: int = 3,
        network: NetworkConfig | None = None,
        training: TrainingConfig | None = None,
        seed: int = 0,
        store: str | Path | None = None,
        force: bool = False,
        store_config: dict[str, Any] | None = None,
    ) -> None:
        self.simulator = simulator
        x = np.asarray(x_obs, dtype=float)
        self.x_obs = x[:, None] if x.ndim == 1 else x
        g = np.asarray(grid, dtype=float)
        self.grid = g[:, None] if g.ndim == 1 else g
        d = simulator.space.dim
        if self.grid.ndim != 2 or self.grid.shape[1] != d or len(self.grid) < 2:
            raise InvalidInputError(f"grid has shape {self.grid.shape}; pass (m, {d}) points with m >= 2")
        self.weights = None if weights is None else np.asarray(weights, dtype=float).reshape(-1)
        self.expected_events = expected_events
        ref = simulator.space.from_unit(np.full((1, d), 0.5))[0] if theta_ref is None else np.asarray(theta_ref, float)
        self.theta_ref = np.asarray(ref, dtype=float).reshape(-1)
        for label, v in (("events_per_point", events_per_point), ("initial_points", initial_points), ("batch_size", batch_size)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InvalidInputError(f"{label}={v!r} must be a positive integer")
        self.events_per_point = events_per_point
        self.initial_points = initial_points
        self.batch_size = batch_size
        self.threshold = wilks_threshold(cl, d)
        self.tolerance = float(tolerance)
        self.training = training if training is not None else TrainingConfig(max_epochs=60, patience=10)
        self.seed = int(seed)
        self.estimator = RatioEstimator(
            method,  # type: ignore[arg-type]
            theta_ref=self.theta_ref,
            network=network if network is not None else NetworkConfig(hidden=(32, 32)),
            ensemble_size=ensemble_size,
            seed=self.seed,
        )
        self.points = np.zeros((0, d))
        self.history: list[RatioScanRound] = []
        self.n_events = 0
        self._store: Store | None = None
        if store is not None:
            self._store = Store.create(
                store, kind=KIND, config={"seed": self.seed, "events_per_point": events_per_point, **(store_config or {})}, param_names=simulator.space.names, force=force
            )

    # ------------------------------------------------------------------------------------------------ statistic
    def q_members(self, thetas: np.ndarray) -> np.ndarray:
        """``q`` `(members, k)` of each ensemble member at `(k, d)` points (relative to the grid minimum of the mean)."""
        thetas = np.asarray(thetas, dtype=float).reshape(-1, self.grid.shape[1])
        pts = np.concatenate([self.grid, thetas])
        w = np.ones(len(self.x_obs)) if self.weights is None else self.weights
        q = np.stack([-2.0 * (self.estimator.predict(self.x_obs, th).members @ w) for th in pts], axis=1)
        if self.expected_events is not None:
            n = float(w.sum())
            q -= 2.0 * np.array([n * np.log(self.expected_events(th)) - self.expected_events(th) for th in pts])
        q -= q[:, : len(self.grid)].mean(axis=0).min()
        return q[:, len(self.grid) :]

    def excluded(self) -> np.ndarray:
        """Boolean `(m,)`: grid points with ``q > threshold`` under the current estimator (ensemble mean)."""
        return self.q_members(self.grid).mean(axis=0) > self.threshold

    # ------------------------------------------------------------------------------------------------ loop
    def _simulate(self, thetas: np.ndarray, round: int) -> list[Simulation]:
        theta0 = np.repeat(thetas, self.events_per_point, axis=0)
        seed = spawn_seeds(self.seed, round + 2)[-1]
        return reference_training_set(self.simulator, theta0, self.theta_ref, seed=seed)

    def _propose(self, q_grid: np.ndarray, round: int) -> np.ndarray:
        """Label entropy on the grid with GP variance (q at simulated points) plus ensemble variance, greedy batch."""
        space = self.simulator.space
        q_pts = self.q_members(self.points)
        ens_var_pts = q_pts.var(axis=0, ddof=1) if len(q_pts) > 1 else np.zeros(len(self.points))
        with torch_threads(1):
            gp = GPSurrogate(warp=False).fit(space.to_unit(self.points), q_pts.mean(axis=0), ens_var_pts + 1e-6, seed=self.seed + round)
            mean, gp_var = gp.predict(space.to_unit(self.grid))
        ens_var = q_grid.var(axis=0, ddof=1) if len(q_grid) > 1 else 0.0
        sigma = np.sqrt(gp_var + ens_var + 1e-12)
        z = np.abs(mean - self.threshold) / sigma
        score = -z  # label entropy is monotone decreasing in |z|
        chosen: list[int] = []
        unit = space.to_unit(self.grid)
        min_sep = 2.0 / len(self.grid) ** (1.0 / self.grid.shape[1])  # ~2 grid spacings between batch points
        for i in np.argsort(-score):
            if all(np.linalg.norm(unit[i] - unit[j]) > min_sep for j in chosen):
                chosen.append(int(i))
            if len(chosen) == self.batch_size:
                break
        return self.grid[chosen]

    def step(self) -> RatioScanRound:
        """One round: choose points, simulate with gold, warm-start retrain, recompute q, check the contour change."""
        r = len(self.history)
        if r == 0:
            pts = self.simulator.space.from_unit(np.random.default_rng(self.seed).random((self.initial_points, self.grid.shape[1])))
        else:
            pts = self._propose(self.q_members(self.grid), r)
        sims = self._simulate(pts, r)
        self.points = np.concatenate([self.points, pts])
        self.n_events += int(sum(len(s) for s in sims))
        self.estimator.append(sims).train(self.training)
        excl = self.excluded()
        changed = 1.0 if not self.history else float(np.mean(excl != self.history[-1].excluded))
        out = RatioScanRound(round=r, n_events=self.n_events, changed=changed, excluded=excl, points=pts)
        self.history.append(out)
        if self._store is not None:
            self._save(sims, out)
        logger.info("round %d: %d events, %.4f of the grid labels changed", r, self.n_events, changed)
        return out

    def converged(self) -> bool:
        return len(self.history) >= 2 and self.history[-1].changed < self.tolerance and self.history[-2].changed < self.tolerance

    def run(self, *, max_rounds: int, max_events: int | None = None) -> list[RatioScanRound]:
        """Rounds until the contour converges (two rounds below ``tolerance``), ``max_rounds`` or ``max_events``."""
        while len(self.history) < max_rounds and not self.converged():
            if max_events is not None and self.n_events >= max_events:
                break
            self.step()
        return self.history

    # ------------------------------------------------------------------------------------------------ persistence
    def _save(self, sims: list[Simulation], out: RatioScanRound) -> None:
        st = self._store
        assert st is not None
        for k, s in enumerate(sims):
            arrays = {"x": s.x, "theta": s.theta, "t_xz": s.t_xz, "log_r_xz": s.log_r_xz, "theta_refs": s.theta_refs}
            st.put_arrays(f"{_SIMS}/{out.round}/{k}", out.round, {n: v for n, v in arrays.items() if v is not None})
        self.estimator.save(st, _EST, out.round)
        st.put_arrays(
            _STATE, out.round, {"points": out.points, "n_events": np.array(self.n_events), "changed": np.array(out.changed), "excluded": out.excluded}
        )
        st.add_round(round=out.round, num_evaluations=len(self.points), contour_change=float(out.changed))

    @classmethod
    def resume(cls, path: str | Path, simulator: Any, x_obs: np.ndarray, grid: np.ndarray, **kwargs: Any) -> RatioScan:
        """Reopen a study file: every simulation and the latest estimator weights come back; the loop continues.

        ``kwargs`` must repeat the settings of the original scan (they are not inferred from the file).
        """
        scan = cls(simulator, x_obs, grid, **kwargs)
        st = Store.open(path, "resume")
        if st.kind != KIND:
            raise StoreError(f"{str(path)!r} holds a {st.kind!r} study, not a {KIND!r} one")
        rounds = st.array_rounds(_STATE)
        sims = []
        for r in rounds:
            state = st.get_arrays(_STATE, r)
            keys = sorted((k for k in st.array_keys() if k.startswith(f"{_SIMS}/{r}/")), key=lambda k: int(k.rsplit("/", 1)[1]))
            for k in keys:
                a = st.get_arrays(k, r)
                sims.append(Simulation(x=a["x"], theta=a["theta"], t_xz=a.get("t_xz"), log_r_xz=a.get("log_r_xz"), theta_refs=a.get("theta_refs")))
            pts = state["points"].reshape(-1, scan.grid.shape[1])
            scan.points = np.concatenate([scan.points, pts])
            scan.n_events = int(state["n_events"])
            excluded = state["excluded"].astype(bool)
            scan.history.append(RatioScanRound(round=r, n_events=scan.n_events, changed=float(state["changed"]), excluded=excluded, points=pts))
        if rounds:
            trained = RatioEstimator.load(st, _EST, rounds[-1])
            trained._rows, trained._split = [], []
            trained.append(sims)  # rows and their train/validation split are rebuilt exactly as before
            trained.history_ = [None] * len(rounds)  # type: ignore[list-item]  # keeps the warm-start seeds in step
            scan.estimator = trained
        scan._store = st
        return scan

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
