"""A linear-Gaussian design toy with closed-form EIG and posterior, shared by the design tests.

``x_i = phi * theta + N(0, sigma^2)`` for each of n iid events; with a prior ``theta ~ N(m0, s0^2)`` an experiment of
n events at design phi gives ``EIG = 0.5 log(1 + n phi^2 s0^2 / sigma^2)`` and a Gaussian posterior with precision
``1 / s0^2 + n phi^2 / sigma^2`` (conjugacy), whatever the data.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from active_science.simulation import Simulation
from active_science.space import ParameterSpace


class LinearGaussian:
    name = "linear_gaussian"
    has_gold = True
    x_dim = 1

    def __init__(self, sigma: float = 1.0, phi_range: tuple[float, float] = (0.1, 1.0)) -> None:
        self.sigma = sigma
        self.space = ParameterSpace({"theta": (-5.0, 5.0)})
        self.design_space = ParameterSpace({"phi": phi_range})

    def simulate(self, theta, *, seed, num_events=None, design=None, gold=False, theta_refs=None):
        th = np.atleast_2d(np.asarray(theta, dtype=float))
        n = num_events or len(th)
        th = np.broadcast_to(th, (n, 1))
        phi = np.broadcast_to(np.atleast_2d(np.asarray(design, dtype=float)), (n, 1))
        x = phi * th + self.sigma * np.random.default_rng(seed).standard_normal((n, 1))
        t_xz = phi * (x - phi * th) / self.sigma**2 if gold else None
        return Simulation(x=x, theta=np.array(th), design=np.array(phi), t_xz=t_xz)

    def log_likelihood(self, x, theta, *, design=None):
        phi = float(np.asarray(design).reshape(-1)[0])
        th = np.asarray(theta, dtype=float).reshape(-1)
        return -0.5 * ((np.asarray(x)[:, 0] - phi * th[0]) / self.sigma) ** 2 - math.log(self.sigma * math.sqrt(2 * math.pi))

    def log_likelihood_matrix(self, x, thetas, *, design=None):
        phi = float(np.asarray(design).reshape(-1)[0])
        th = np.atleast_2d(np.asarray(thetas, dtype=float))[:, 0]
        return -0.5 * ((np.asarray(x)[:, :1] - phi * th[None, :]) / self.sigma) ** 2 - math.log(self.sigma * math.sqrt(2 * math.pi))


def exact_eig(n: int, phi: float, s0: float, sigma: float = 1.0) -> float:
    return 0.5 * math.log(1.0 + n * phi**2 * s0**2 / sigma**2)


class ExactCritic:
    """Stands in for a trained classifier: the exact per-event log likelihood of the toy (up to x-only terms)."""

    def __init__(self, sim: LinearGaussian) -> None:
        self.sim = sim

    def experiments_log_ratio(self, xs, thetas, design):
        th = np.atleast_2d(thetas)[:, 0]
        phi = float(np.asarray(design).reshape(-1)[0])
        return np.stack([np.sum(-0.5 * ((np.asarray(x)[:, :1] - phi * th[None, :]) / self.sim.sigma) ** 2, axis=0) for x in xs])


class TiltedCritic:
    """The exact critic plus a per-event tilt ``0.3 theta + 0.1 theta^2`` (x-independent: what training cannot see)."""

    def __init__(self, exact: ExactCritic) -> None:
        self.exact = exact

    def experiments_log_ratio(self, xs, thetas, design):
        th = np.atleast_2d(thetas)[:, 0]
        counts = np.array([len(x) for x in xs], dtype=float)
        return self.exact.experiments_log_ratio(xs, thetas, design) + counts[:, None] * (0.3 * th + 0.1 * th**2)[None, :]

    def to_arrays(self):  # a DesignStudy ships its classifier's arrays to the EIG workers (unused by nested MC)
        return {}


@pytest.fixture
def toy():
    """The linear-Gaussian toy and its closed forms."""
    sim = LinearGaussian()
    critic = ExactCritic(sim)
    return SimpleNamespace(sim=sim, exact_eig=exact_eig, critic=critic, tilted=TiltedCritic(critic))
