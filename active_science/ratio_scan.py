"""RatioScan: the full active loop with a neural ratio estimator as the test statistic (issue 6).

Each round (SCIENCE.md sections 5-6):

1. simulate with gold at the chosen theta points (paired with the reference point, as in
   :func:`~active_science.ratio.mining.reference_training_set`), one executor task per point (serial, or in
   parallel on Ray workers), each with its own seed (:mod:`~active_science.ratio.gold_objective`);
2. append the simulations to the :class:`~active_science.ratio.RatioEstimator` and retrain it, warm-started;
3. recompute ``q(theta) = -2 sum_i w_i log r_hat(x_i | theta) - min`` (plus the Poisson rate term when the
   simulator gives ``nu(theta)``) at every simulated point and on the dense candidate grid, per ensemble member,
   with ``r_hat(x | theta)`` divided by its mean over every reference event simulated so far (``normalize``: the
   exact ratio has ``E_ref[r(x | theta)] = 1``, and ``q`` multiplies a violation by ``2 sum_i w_i``);
4. refit the GP surrogate on q at the simulated points *from scratch*: retraining changes q everywhere, so the old
   values cannot simply be kept (the ``ActiveLoop`` tell mechanism assumes fixed values, which is why this study
   drives its own rounds instead of a ``LoopRunner``);
5. pick the next points by label entropy of ``{q > threshold}`` (the chi-square quantile, or with
   ``statistic="cls"`` the point-dependent ``q`` at which asymptotic CLs reaches ``1 - cl``) with
   ``sigma^2 = GP variance + ensemble variance of q`` (the ensemble term makes the loop simulate where the
   contour is uncertain because of too little training data there), or by tMSE ``sigma phi(z)``
   (``acquisition="tmse"``, Picheny 2010: it also weighs how uncertain q is, so a boundary already pinned down
   by many points, where ``z ~ 0`` but ``sigma`` is small, does not keep every new point from an unexplored one);
   ``space_filling`` of a round's points instead go to the grid points farthest from every simulated point;
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
from scipy.special import logsumexp

from active_science.exceptions import InvalidInputError, StoreError
from active_science.execution import RetryPolicy, make_executor
from active_science.ratio.categorical import DENSITY_TRAINING, CategoricalDensity
from active_science.ratio.config import NetworkConfig, TrainingConfig
from active_science.ratio.estimator import RatioEstimator
from active_science.ratio.gold_objective import GoldObjective, run_gold_tasks
from active_science.ratio.inference import wilks_threshold
from active_science.ratio_scan_data import check_events, cls_q_threshold
from active_science.seeding import point_seed
from active_science.simulation import Simulation
from active_science.store import Store
from active_science.surrogates.gp import GPSurrogate
from active_science.threads import torch_threads

__all__ = ["KIND", "RATIO_TRAINING", "RatioScan", "RatioScanRound", "balanced_accuracy", "default_training", "default_warm_start"]

logger = logging.getLogger(__name__)

KIND = "ratio_scan"
_SIMS = "simulations"
_EST = "estimator"
_STATE = "state"

#: the ratio methods' retraining settings when none are given (``"scandal"``: ``DENSITY_TRAINING``, full-batch steps)
RATIO_TRAINING = TrainingConfig(max_epochs=60, patience=10)


def default_training(method: str) -> TrainingConfig:
    """The retraining settings a :class:`RatioScan` with ``method`` uses when it is given none.

    Example:
        >>> default_training("alice").max_epochs, default_training("scandal").max_epochs
        (60, 2000)
    """
    return DENSITY_TRAINING if method == "scandal" else RATIO_TRAINING


def default_warm_start(method: str) -> bool:
    """Whether a :class:`RatioScan` with ``method`` continues each retrain from the last weights when not told:
    from scratch for ``"scandal"`` (its full-batch retrain takes seconds, and warm starts kept early biases), warm
    for the ratio methods (minibatch retrains over every event).

    Example:
        >>> default_warm_start("alice"), default_warm_start("scandal")
        (True, False)
    """
    return method != "scandal"


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
        x_obs: `(n, x_dim)` observed events (or the support of an Asimov dataset); a `(n,)` vector for ``x_dim = 1``.
        grid: `(m, d)` dense candidate theta points (contour, acquisition and convergence are evaluated on it).
        weights: `(n,)` event weights (expected counts for Asimov data), None for observed events.
        expected_events: ``nu(theta)`` for the Poisson rate term, or None.
        theta_ref: `(d,)` denominator of the ratio (default: centre of the space).
        method: estimator method (``"alices"`` default; gold makes it sample-efficient), or ``"scandal"``: a
            conditional categorical density with the gold score term (:class:`~active_science.ratio.categorical.CategoricalDensity`),
            for a simulator with a discrete observable (a ``support`` attribute). Its ``p_hat(x | theta)`` is
            normalised by construction, so it needs no reference events and no ``normalize``.
        events_per_point: numerator events per chosen theta (the ratio methods draw as many reference events).
        initial_points, batch_size: points of round 0 and of each later round.
        cl: confidence level of the excluded region: ``{q > chi2_d(cl)}`` (``statistic="chi2"``, Wilks) or
            ``{CLs < 1 - cl}`` (``statistic="cls"``).
        statistic: ``"chi2"`` or ``"cls"`` (asymptotic CLs from ``q`` and ``q_A``, SCIENCE.md section 5; ``q_A`` is
            ``q`` of ``null_data`` under the same estimator).
        null_data: ``(x, weights)`` the Asimov data of the null (background-only) hypothesis; needed for ``"cls"``.
        tolerance: stop when fewer than this share of grid labels changed between rounds.
        acquisition: ``"entropy"`` (label entropy, i.e. smallest ``z = |m - t| / sigma``) or ``"tmse"``
            (largest ``sigma phi(z)``), see step 5 above.
        space_filling: points per round (fewer than ``batch_size``) placed farthest from all simulated and chosen
            points instead of by the acquisition, a hedge against the estimator drifting where no point is.
        normalize: divide ``r_hat(x | theta)`` by its mean over the pooled reference events (all events simulated
            at ``theta_ref`` so far, no extra simulations) before computing ``q`` (ignored by ``"scandal"``). A network's ratio is not exactly
            normalised, and an offset ``c(theta)`` in ``log r_hat`` moves ``q`` by ``-2 c sum_i w_i`` (120 c for
            the Galton board's 60 Asimov balls: a 0.01 offset shifts ``q`` by 1.2, five grid steps of the contour).
        warm_start: each round's retrain continues from the previous weights (True) or starts from the seed's initial
            weights on all simulations so far (False: the estimator is then a function of the simulations alone, not of
            the order they arrived in). Default (None): False for ``"scandal"``, whose full-batch retrain takes seconds
            and, warm-started, kept early biases that later data did not remove (README: on the Galton board the
            active loop held balanced accuracy >= 0.98 from a median of 12 000 events instead of 26 000); True for the
            ratio methods, whose minibatch retrains over every event cost more.
        ensemble_size, network, training: the estimator (``"scandal"`` trains full-batch: ``training.max_epochs``
            counts steps, default :data:`~active_science.ratio.categorical.DENSITY_TRAINING`).
        seed: everything random derives from it (the simulator seed of point ``i`` is ``point_seed(seed, i)``).
        executor: ``"serial"``, ``"ray"`` or an executor object: where a round's gold simulations run.
        executor_options: e.g. ``{"address": ..., "num_cpus": 2}`` for Ray; ``retry`` the retry policy.
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
        normalize: bool = True,
        acquisition: str = "entropy",
        space_filling: int = 0,
        warm_start: bool | None = None,
        ensemble_size: int = 3,
        network: NetworkConfig | None = None,
        training: TrainingConfig | None = None,
        seed: int = 0,
        statistic: str = "chi2",
        null_data: tuple[np.ndarray, np.ndarray | None] | None = None,
        executor: Any = "serial",
        executor_options: dict[str, Any] | None = None,
        retry: RetryPolicy | None = None,
        store: str | Path | None = None,
        force: bool = False,
        store_config: dict[str, Any] | None = None,
    ) -> None:
        self.simulator = simulator
        x_dim = getattr(simulator, "x_dim", None)
        if x_dim is None:
            x_arr = np.asarray(x_obs, dtype=float)
            x_dim = 1 if x_arr.ndim == 1 else (x_arr.shape[1] if x_arr.ndim == 2 else -1)
        self.x_obs, self.weights = check_events(x_obs, x_dim, weights=weights)
        g = np.asarray(grid, dtype=float)
        self.grid = g[:, None] if g.ndim == 1 else g
        d = simulator.space.dim
        if self.grid.ndim != 2 or self.grid.shape[1] != d or len(self.grid) < 2:
            raise InvalidInputError(f"grid has shape {self.grid.shape}; pass (m, {d}) points with m >= 2")
        if statistic not in ("chi2", "cls"):
            raise InvalidInputError(f"statistic={statistic!r} is unknown; use 'chi2' (Wilks) or 'cls' (asymptotic CLs)")
        self.statistic = statistic
        self.null_data: tuple[np.ndarray, np.ndarray | None] | None = None
        if statistic == "cls":
            if null_data is None:
                raise InvalidInputError("statistic='cls' needs null_data=(x, weights): the Asimov data of the null hypothesis")
            self.null_data = check_events(null_data[0], x_dim, weights=null_data[1], name="null_data x")
        self.alpha = 1.0 - float(cl)
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
        if not isinstance(normalize, (bool, np.bool_)):
            raise InvalidInputError(f"normalize={normalize!r} must be True or False (normalise r_hat over the reference events)")
        self.normalize = bool(normalize)
        if acquisition not in ("entropy", "tmse"):
            raise InvalidInputError(f"acquisition={acquisition!r} is unknown; use 'entropy' (label entropy) or 'tmse' (Picheny's tMSE)")
        self.acquisition = acquisition
        if isinstance(space_filling, bool) or not isinstance(space_filling, int) or not 0 <= space_filling < batch_size:
            raise InvalidInputError(f"space_filling={space_filling!r} must be an integer in [0, batch_size={batch_size}): points per round placed far from all others")
        self.space_filling = space_filling
        if warm_start is not None and not isinstance(warm_start, (bool, np.bool_)):
            raise InvalidInputError(f"warm_start={warm_start!r} must be True (continue from the last weights), False (retrain from scratch each round) or None (the method's default)")
        self.warm_start = default_warm_start(method) if warm_start is None else bool(warm_start)
        self._pool: tuple[int, np.ndarray, np.ndarray] | None = None
        self.seed = int(seed)
        self._executor_spec, self._executor_options, self._retry = executor, dict(executor_options or {}), retry
        self._executor: Any = None
        self.estimator: RatioEstimator | CategoricalDensity
        if method == "scandal":
            support = getattr(simulator, "support", None)
            if support is None:
                raise InvalidInputError(
                    f"method='scandal' needs a discrete observable: {type(simulator).__name__} has no `support` (the finite set of x values); bin x (active_science.simulators.binned.BinnedObservable; `bins = 40` for the weinberg task) or use a ratio method such as 'alices'"
                )
            self.estimator = CategoricalDensity(
                support, theta_bounds=simulator.space.bounds, network=network, ensemble_size=ensemble_size, seed=self.seed
            )
            for label, xs in (("x_obs", self.x_obs), ("null_data x", None if self.null_data is None else self.null_data[0])):
                if xs is not None:
                    try:
                        self.estimator.support_index(xs)
                    except InvalidInputError as err:
                        raise InvalidInputError(f"{label}: {err}") from None
            self.normalize = False  # normalised by construction
        else:
            self.estimator = RatioEstimator(
                method,  # type: ignore[arg-type]
                theta_ref=self.theta_ref,
                network=network if network is not None else NetworkConfig(hidden=(32, 32)),
                ensemble_size=ensemble_size,
                seed=self.seed,
            )
        self.training = training if training is not None else default_training(method)
        self.points = np.zeros((0, d))
        self.history: list[RatioScanRound] = []
        self.n_events = 0
        self._store: Store | None = None
        if store is not None:
            self._store = Store.create(
                store, kind=KIND, config={"seed": self.seed, "events_per_point": events_per_point, **(store_config or {})}, param_names=simulator.space.names, force=force
            )

    # ------------------------------------------------------------------------------------------------ statistic
    @property
    def _density(self) -> bool:
        """The estimator is a density, normalised by construction: no reference events, no normalising average."""
        return isinstance(self.estimator, CategoricalDensity)

    def reference_pool(self) -> tuple[np.ndarray, np.ndarray]:
        """The distinct reference events simulated so far `(u, x_dim)` and their counts `(u,)` (for ``normalize``).

        Reference events are the training rows drawn at ``theta_ref`` (label ``y = 1``); a discrete ``x`` (the Galton
        board's 31 positions) collapses to a few distinct rows, so the normaliser costs a few evaluations per theta.
        """
        n = self.estimator.num_rows
        if self._pool is None or self._pool[0] != n:
            rows = self.estimator.rows() if n and not self._density else None  # a density has no reference rows
            xr = np.zeros((0, self.x_obs.shape[1])) if rows is None else rows.x[rows.y > 0.5]
            u, c = np.unique(xr, axis=0, return_counts=True)
            self._pool = (n, u, c.astype(float))
        return self._pool[1], self._pool[2]

    def _log_norm(self, theta: np.ndarray) -> np.ndarray:
        """`(members,)` ``log mean_ref r_hat(x | theta)`` over the reference pool (0 without reference events)."""
        u, c = self.reference_pool()
        if len(u) == 0:
            return np.zeros(1)
        return logsumexp(self.estimator.predict(u, theta).members + np.log(c), axis=1) - np.log(c.sum())

    def _raw_q(self, x: np.ndarray, weights: np.ndarray | None, pts: np.ndarray) -> np.ndarray:
        """``-2 sum_i w_i log r_hat(x_i | theta)`` (plus the rate term) `(members, k)` at `(k, d)` points."""
        w = np.ones(len(x)) if weights is None else weights
        if self._density:  # one pass for all points: counts per support value
            counts = np.bincount(self.estimator.support_index(x), weights=w, minlength=len(self.estimator.support))
            q = -2.0 * self.estimator.log_prob_table(pts) @ counts
        else:

            def log_r_sum(th: np.ndarray) -> np.ndarray:  # `(members,)` sum_i w_i log r_hat(x_i | th), normalised or not
                total = self.estimator.predict(x, th).members @ w
                return total - w.sum() * self._log_norm(th) if self.normalize else total

            q = np.stack([-2.0 * log_r_sum(th) for th in pts], axis=1)
        if self.expected_events is not None:
            n = float(w.sum())
            q -= 2.0 * np.array([n * np.log(self.expected_events(th)) - self.expected_events(th) for th in pts])
        return q

    def q_members(self, thetas: np.ndarray, *, data: str = "observed") -> np.ndarray:
        """``q`` `(members, k)` of each ensemble member at `(k, d)` points (relative to the grid minimum of the mean).

        ``data="null"`` gives ``q_A``: the same statistic on the Asimov data of the null hypothesis.
        """
        thetas = np.asarray(thetas, dtype=float).reshape(-1, self.grid.shape[1])
        x, w = (self.x_obs, self.weights) if data == "observed" else self.null_data  # type: ignore[misc]
        q = self._raw_q(x, w, np.concatenate([self.grid, thetas]))
        q -= q[:, : len(self.grid)].mean(axis=0).min()
        return q[:, len(self.grid) :]

    def thresholds(self) -> np.ndarray:
        """`(m,)` the ``q`` above which each grid point is excluded (constant for ``"chi2"``; from ``q_A`` for ``"cls"``)."""
        if self.statistic == "chi2":
            return np.full(len(self.grid), self.threshold)
        q_a = self.q_members(self.grid, data="null").mean(axis=0)
        return cls_q_threshold(q_a, self.alpha)

    def cls(self) -> np.ndarray:
        """`(m,)` asymptotic CLs on the grid from the ensemble-mean ``q`` and ``q_A`` (``statistic="cls"`` only)."""
        from active_science.stats.asymptotics import cls_from_q

        if self.null_data is None:
            raise InvalidInputError("CLs needs the null hypothesis' Asimov data: build the scan with statistic='cls', null_data=...")
        return cls_from_q(self.q_members(self.grid).mean(axis=0), self.q_members(self.grid, data="null").mean(axis=0)).cls

    def excluded(self) -> np.ndarray:
        """Boolean `(m,)`: grid points with ``q > threshold`` under the current estimator (ensemble mean)."""
        return self.q_members(self.grid).mean(axis=0) > self.thresholds()

    # ------------------------------------------------------------------------------------------------ loop
    def simulate(self, thetas: np.ndarray, *, first_id: int | None = None) -> tuple[np.ndarray, list[Simulation]]:
        """Gold training simulations at `(k, d)` points, one executor task each (point ``i`` seeded by its id).

        Returns the points that succeeded and their simulations (numerator and reference events per point).
        """
        if self._executor is None:
            objective = GoldObjective(self.simulator, self.theta_ref, self.events_per_point, reference=not self._density)
            self._executor = make_executor(self._executor_spec, objective, retry=self._retry, **self._executor_options)
        first = len(self.points) if first_id is None else int(first_id)
        thetas = np.asarray(thetas, dtype=float).reshape(-1, self.grid.shape[1])
        seeds = [point_seed(self.seed, first + k) for k in range(len(thetas))]
        done = run_gold_tasks(self._executor, thetas, seeds, first_id=first)
        return thetas[[k for k, _ in done]], [s for _, sims in done for s in sims]

    def _propose(self, q_grid: np.ndarray, round: int) -> np.ndarray:
        """Label entropy (or tMSE) on the grid with GP variance (q at simulated points) plus ensemble variance, greedy batch."""
        space = self.simulator.space
        q_pts = self.q_members(self.points)
        ens_var_pts = q_pts.var(axis=0, ddof=1) if len(q_pts) > 1 else np.zeros(len(self.points))
        with torch_threads(1):
            gp = GPSurrogate(warp=False).fit(space.to_unit(self.points), q_pts.mean(axis=0), ens_var_pts + 1e-6, seed=self.seed + round)
            mean, gp_var = gp.predict(space.to_unit(self.grid))
        ens_var = q_grid.var(axis=0, ddof=1) if len(q_grid) > 1 else 0.0
        sigma = np.sqrt(gp_var + ens_var + 1e-12)
        z = np.abs(mean - np.minimum(self.thresholds(), 1e300)) / sigma
        # label entropy is monotone decreasing in |z|; log tMSE = log(sigma phi(z)) + const
        score = -z if self.acquisition == "entropy" else np.log(sigma) - 0.5 * z**2
        chosen: list[int] = []
        unit = space.to_unit(self.grid)
        min_sep = 2.0 / len(self.grid) ** (1.0 / self.grid.shape[1])  # ~2 grid spacings between batch points
        n_acq = self.batch_size - self.space_filling
        for i in np.argsort(-score):
            if all(np.linalg.norm(unit[i] - unit[j]) > min_sep for j in chosen):
                chosen.append(int(i))
            if len(chosen) == n_acq:
                break
        # the rest of the batch fills space: the grid point farthest from every simulated and chosen point
        taken = np.concatenate([space.to_unit(self.points), unit[chosen]])
        while len(chosen) < self.batch_size:
            far = int(np.argmax(np.min(np.linalg.norm(unit[:, None, :] - taken[None, :, :], axis=-1), axis=1)))
            chosen.append(far)
            taken = np.concatenate([taken, unit[far : far + 1]])
        return self.grid[chosen]

    def step(self, *, points: np.ndarray | None = None) -> RatioScanRound:
        """One round: choose points, simulate with gold, warm-start retrain, recompute q, check the contour change.

        ``points`` `(k, d)` overrides the choice (a static design run through the same simulate-retrain rounds).
        """
        r = len(self.history)
        if points is not None:
            pts = np.asarray(points, dtype=float).reshape(-1, self.grid.shape[1])
        elif r == 0:
            pts = self.simulator.space.from_unit(np.random.default_rng(self.seed).random((self.initial_points, self.grid.shape[1])))
        else:
            pts = self._propose(self.q_members(self.grid), r)
        pts, sims = self.simulate(pts)
        self.points = np.concatenate([self.points, pts])
        self.n_events += int(sum(len(s) for s in sims))
        self.estimator.append(sims).train(self.training, warm_start=self.warm_start)
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
            trained = type(scan.estimator).load(st, _EST, rounds[-1])
            # rows and their train/validation split are rebuilt exactly as before; the warm-start seeds stay in step
            trained.rebuild_rows(sims, trained_rounds=len(rounds))
            scan.estimator = trained
        scan._store = st
        return scan

    def close(self) -> None:
        """Shut the executor down and close the study file."""
        if self._executor is not None:
            self._executor.shutdown()
            self._executor = None
        if self._store is not None:
            self._store.close()
            self._store = None
