"""Reference ratio-estimation tasks with exact truth (SCIENCE.md section 4): training sets and MSE(log r).

- ``galton``: the generalised Galton board of Brehmer et al. (1805.12244): train on ``theta ~ U[-1, -0.4]`` against
  ``theta_ref = -0.6``, evaluate ``log r(x | -0.8, -0.6)``; ``MSE = sum_x p(x | -0.6) (log r_hat(x) - log r(x))^2``,
  exact over the 31 final positions.
- ``gaussian``: the Gaussian toy, train on ``theta ~ U[-1, 1]`` against ``theta_ref = 0``, evaluate
  ``log r(x | 0.5, 0)``; the MSE under ``p(x | 0)`` by Gauss-Hermite quadrature (exact for a smooth ``r_hat``
  up to quadrature error, far below the estimator's).

``N`` simulations = ``N / 2`` events at random ``theta0`` plus ``N / 2`` at ``theta_ref`` (one event each).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from active_science.exceptions import InvalidInputError
from active_science.ratio.config import NetworkConfig, TrainingConfig
from active_science.ratio.estimator import RatioEstimator
from active_science.ratio.mining import reference_training_set
from active_science.simulation import Simulation

__all__ = ["RatioTask", "ratio_task", "fit_reference_estimator", "TASKS", "REFERENCE_NETWORK", "REFERENCE_TRAINING"]

TASKS = ("galton", "gaussian")

#: the settings of every benchmark fit (benchmarks/ratio.py) and of the reference-result tests
REFERENCE_NETWORK = NetworkConfig(hidden=(64, 64), activation="tanh")
REFERENCE_TRAINING = TrainingConfig(max_epochs=300, patience=20)


@dataclass(frozen=True)
class RatioTask:
    """A simulator, the training range, the reference point and the evaluation pair with its exact truth.

    Attributes:
        name: ``"galton"`` or ``"gaussian"``.
        simulator: the simulator (with gold and exact ``log_likelihood``).
        theta_ref: `(1,)` denominator point (= ``theta1`` of the evaluation).
        theta_eval: `(1,)` numerator point of the evaluation.
        x_eval: `(k, 1)` evaluation events; ``p_eval`` `(k,)` their weights under ``p(x | theta_ref)``.
    """

    name: str
    simulator: Any
    theta_ref: np.ndarray
    theta_eval: np.ndarray
    x_eval: np.ndarray
    p_eval: np.ndarray

    @property
    def true_log_r(self) -> np.ndarray:
        """Exact ``log r(x_eval | theta_eval, theta_ref)`` `(k,)`."""
        sim = self.simulator
        return sim.log_likelihood(self.x_eval, self.theta_eval) - sim.log_likelihood(self.x_eval, self.theta_ref)

    def training_set(self, n_simulations: int, *, seed: int, gold: bool = True) -> list[Simulation]:
        """``n_simulations`` events: half at ``theta0 ~ U(range)``, half at ``theta_ref``."""
        if isinstance(n_simulations, bool) or not isinstance(n_simulations, int) or n_simulations < 4:
            raise InvalidInputError(f"n_simulations={n_simulations!r} must be an integer >= 4")
        n0 = n_simulations // 2
        theta0 = self.simulator.space.sample(n0, seed=seed)
        return reference_training_set(
            self.simulator, theta0, self.theta_ref, seed=seed + 1_000_003, num_reference=n_simulations - n0, gold=gold
        )

    def mse_log_r(self, log_r_hat: np.ndarray) -> float:
        """``E_{x ~ p(x | theta_ref)}[(log r_hat(x) - log r(x))^2]`` of predictions `(k,)` at ``x_eval``.

        Example:
            >>> task = ratio_task("galton")
            >>> round(task.mse_log_r(task.true_log_r + 0.1), 12)   # a constant offset 0.1: MSE 0.1^2
            0.01
        """
        d = np.asarray(log_r_hat, dtype=float).reshape(-1) - self.true_log_r
        return float(np.sum(self.p_eval * d**2))

    def mse_of(self, estimator: Any) -> float:
        """MSE(log r) of an estimator with ``log_ratio(x, theta)`` (reference or marginal mode)."""
        return self.mse_log_r(estimator.log_ratio(self.x_eval, self.theta_eval))


def ratio_task(name: str) -> RatioTask:
    """Build a reference task by name (``"galton"`` or ``"gaussian"``).

    Example:
        >>> t = ratio_task("gaussian")
        >>> round(float(t.p_eval.sum()), 12), t.theta_eval.tolist()
        (1.0, [0.5])
    """
    if name == "galton":
        from active_science.simulators.galton import GaltonBoard

        board = GaltonBoard()
        ref = np.array([-0.6])
        p = board.probabilities(ref)[0]
        keep = p > 0  # unreachable positions carry no weight
        return RatioTask(name, board, ref, np.array([-0.8]), np.flatnonzero(keep).astype(float)[:, None], p[keep])
    if name == "gaussian":
        from active_science.simulators.gaussian import GaussianToy

        sim = GaussianToy()
        ref = np.array([0.0])
        nodes, weights = np.polynomial.hermite_e.hermegauss(80)  # E[f(u)], u ~ N(0, 1), degree 159 exact
        x = ref[0] + sim.sigma * nodes
        return RatioTask(name, sim, ref, np.array([0.5]), x[:, None], weights / weights.sum())
    raise InvalidInputError(f"unknown ratio task {name!r}; valid tasks: {', '.join(TASKS)}")


def fit_reference_estimator(
    task: RatioTask,
    method: str,
    n_simulations: int,
    *,
    seed: int,
    alpha: float = 1.0,
    ensemble_size: int = 1,
    network: NetworkConfig = REFERENCE_NETWORK,
    training: TrainingConfig = REFERENCE_TRAINING,
) -> RatioEstimator:
    """Simulate ``n_simulations`` (gold unless CARL) and train ``method`` against ``task.theta_ref``.

    Example:
        >>> est = fit_reference_estimator(ratio_task("gaussian"), "alice", 200, seed=0, training=TrainingConfig(max_epochs=2))
        >>> est.num_rows
        200
    """
    sims = task.training_set(n_simulations, seed=seed, gold=method != "carl")
    est = RatioEstimator(method, theta_ref=task.theta_ref, alpha=alpha, network=network, ensemble_size=ensemble_size, seed=seed)  # type: ignore[arg-type]
    return est.append(sims).train(training)
