"""Shared small training budgets for the ratio tests (CPU seconds each, on the Gaussian toy; single-threaded by
``tests/conftest.py``), and a linear-Gaussian model with an exact posterior (posterior and sequential tests)."""

from dataclasses import dataclass

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from active_science.priors import GaussianPrior
from active_science.ratio import NetworkConfig, TrainingConfig, ratio_task
from active_science.simulation import Simulation

SMALL_NET = NetworkConfig(hidden=(32,))
SHORT = TrainingConfig(max_epochs=40, batch_size=200, learning_rate=0.01, final_learning_rate=1e-3)


@pytest.fixture(scope="session")
def gaussian_task():
    return ratio_task("gaussian")


@pytest.fixture(scope="session")
def gaussian_sims(gaussian_task):
    return {gold: gaussian_task.training_set(2000, seed=0, gold=gold) for gold in (True, False)}


@dataclass(frozen=True)
class LinearGaussian:
    """A linear-Gaussian model with an exact posterior, for the posterior and sequential tests.

    ``theta ~ N(0, s0^2 I_d)``, ``x = A theta + eps``, ``eps ~ N(0, sigma^2 I)``: the evidence is
    ``N(0, s0^2 A A^T + sigma^2 I)`` and the posterior is Gaussian with precision ``I / s0^2 + A^T A / sigma^2`` and
    mean ``cov A^T x / sigma^2``.
    """

    A: np.ndarray
    s0: float = 1.0
    sigma: float = 0.5

    @property
    def dim(self) -> int:
        return self.A.shape[1]

    @property
    def prior(self) -> GaussianPrior:
        return GaussianPrior({f"t{i}": (0.0, self.s0) for i in range(self.dim)})

    def simulate(self, theta: np.ndarray, rng: np.random.Generator, *, gold: bool = False) -> Simulation:
        theta = np.asarray(theta, dtype=float)
        x = theta @ self.A.T + self.sigma * rng.standard_normal((len(theta), self.A.shape[0]))
        t_xz = (x - theta @ self.A.T) @ self.A / self.sigma**2 if gold else None  # grad_theta log p(x | theta)
        return Simulation(x=x, theta=theta, t_xz=t_xz)

    def log_ratio(self, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """Exact ``log p(x | theta) - log p(x)`` `(n,)`."""
        k = self.A.shape[0]
        resid = x - theta @ self.A.T
        lik = -0.5 * np.sum(resid**2, axis=1) / self.sigma**2 - k * np.log(self.sigma) - 0.5 * k * np.log(2 * np.pi)
        evidence = multivariate_normal(np.zeros(k), self.s0**2 * self.A @ self.A.T + self.sigma**2 * np.eye(k)).logpdf(x)
        return lik - np.atleast_1d(evidence)

    def posterior(self, x_obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact posterior mean `(d,)` and covariance `(d, d)` for one observation."""
        cov = np.linalg.inv(np.eye(self.dim) / self.s0**2 + self.A.T @ self.A / self.sigma**2)
        return cov @ self.A.T @ np.asarray(x_obs, dtype=float) / self.sigma**2, cov


@pytest.fixture(scope="session")
def linear_gaussian():
    """2 parameters, 3 observables, mixing matrix fixed by a seed."""
    return LinearGaussian(np.random.default_rng(7).normal(size=(3, 2)))
