"""Gaussian toy with a latent: the smallest simulator whose likelihood, ratio and score are all exact.

``z ~ N(theta, sigma_z^2)`` (the latent), ``x ~ N(z, sigma_x^2)`` (the observation), so
``p(x | theta) = N(x; theta, sigma_z^2 + sigma_x^2)`` and ``t(x | theta) = (x - theta) / (sigma_z^2 + sigma_x^2)``.
Gold (SCIENCE.md section 4): ``log r(x, z | theta, theta_ref) = log N(z; theta, sigma_z) - log N(z; theta_ref, sigma_z)``
and ``t(x, z | theta) = (z - theta) / sigma_z^2``: both from the latent ``z`` (MadMiner's toy used ``x``, which
makes ``E[t(x, z) | x] != t(x)``; ``check_simulator`` catches that).
"""

from __future__ import annotations

import math

import numpy as np

from active_science.exceptions import InvalidInputError
from active_science.simulation import Simulation
from active_science.simulators._events import event_thetas, reference_points
from active_science.space import ParameterSpace

__all__ = ["GaussianToy"]


class GaussianToy:
    """``x ~ N(z, sigma_x^2)``, ``z ~ N(theta, sigma_z^2)``, one parameter ``theta``.

    Args:
        sigma_z: standard deviation of the latent around ``theta``.
        sigma_x: smearing of the observation around the latent.
        theta_range: bounds of the parameter space.
        num_events: events per call when ``theta`` is a single point and ``num_events`` is not given.

    Example:
        >>> sim = GaussianToy()
        >>> s = sim.simulate([0.5], seed=1, num_events=20000, gold=True, theta_refs=[[0.0]])
        >>> round(float(s.x.std()), 1), s.log_r_xz.shape   # sd sqrt(2^2 + 1^2) = 2.24
        (2.2, (20000, 1))
    """

    name = "gaussian"
    has_gold = True

    def __init__(
        self,
        *,
        sigma_z: float = 2.0,
        sigma_x: float = 1.0,
        theta_range: tuple[float, float] = (-1.0, 1.0),
        num_events: int = 1000,
    ) -> None:
        for label, v in (("sigma_z", sigma_z), ("sigma_x", sigma_x)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not (math.isfinite(v) and v > 0):
                raise InvalidInputError(f"gaussian: {label}={v!r} must be a positive number")
        if isinstance(num_events, bool) or not isinstance(num_events, int) or num_events < 1:
            raise InvalidInputError(f"gaussian: num_events={num_events!r} must be a positive integer")
        self.sigma_z = float(sigma_z)
        self.sigma_x = float(sigma_x)
        self.num_events = num_events
        self.space = ParameterSpace({"theta": tuple(theta_range)})
        self.options = {"sigma_z": sigma_z, "sigma_x": sigma_x, "theta_range": list(theta_range), "num_events": num_events}

    @property
    def sigma(self) -> float:
        """Standard deviation of the marginal ``p(x | theta)``."""
        return math.hypot(self.sigma_z, self.sigma_x)

    def simulate(
        self,
        theta: np.ndarray,
        *,
        seed: int,
        num_events: int | None = None,
        design: np.ndarray | None = None,
        gold: bool = False,
        theta_refs: np.ndarray | None = None,
    ) -> Simulation:
        """Draw events at ``theta`` `(1,)` or `(n, 1)`; ``x`` is `(n, 1)`.

        With ``gold``: ``t_xz`` `(n, 1)` at each event's theta and ``log_r_xz`` `(n, n_refs)` against ``theta_refs``.
        """
        if design is not None:
            raise InvalidInputError("gaussian has no design variables; call simulate(theta, seed=...) without design")
        th = event_thetas(self.name, theta, 1, num_events, self.num_events)
        refs = reference_points(self.name, theta_refs, 1, gold)
        rng = np.random.default_rng(seed)
        n = th.shape[0]
        z = th[:, 0] + self.sigma_z * rng.standard_normal(n)
        x = z + self.sigma_x * rng.standard_normal(n)
        if not gold:
            return Simulation(x=x[:, None], theta=th)
        var_z = self.sigma_z**2
        t_xz = ((z - th[:, 0]) / var_z)[:, None]
        log_r = None
        if refs is not None:
            # log N(z; theta, s) - log N(z; theta_k, s): the normalisations cancel
            log_r = ((z[:, None] - refs[None, :, 0]) ** 2 - (z - th[:, 0])[:, None] ** 2) / (2.0 * var_z)
        return Simulation(x=x[:, None], theta=th, t_xz=t_xz, log_r_xz=log_r, theta_refs=refs)

    def log_likelihood(self, x: np.ndarray, theta: np.ndarray, *, design: np.ndarray | None = None) -> np.ndarray:
        """Exact ``log p(x_i | theta_i)`` `(n,)` for `(n, 1)` events and `(1,)` or `(n, 1)` theta.

        Example:
            >>> round(float(GaussianToy().log_likelihood(np.array([[0.0]]), np.array([0.0]))[0]), 4)  # -log(sqrt(10 pi))
            -1.7237
        """
        x = np.asarray(x, dtype=float).reshape(-1)
        th = np.broadcast_to(np.asarray(theta, dtype=float).reshape(-1, 1)[:, 0], x.shape)
        var = self.sigma**2
        return -0.5 * (x - th) ** 2 / var - 0.5 * math.log(2.0 * math.pi * var)

    def score(self, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """Exact marginal score ``t(x | theta) = (x - theta) / sigma^2``, `(n, 1)`."""
        x = np.asarray(x, dtype=float).reshape(-1)
        th = np.broadcast_to(np.asarray(theta, dtype=float).reshape(-1, 1)[:, 0], x.shape)
        return ((x - th) / self.sigma**2)[:, None]
