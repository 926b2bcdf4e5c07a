"""Conformance checks for simulators, in the spirit of scikit-learn's ``check_estimator``.

``check_simulator(sim)`` runs the protocol checks every simulator must pass (attributes, options that rebuild it,
seeded determinism, event shapes) and, for simulators with gold, verifies the gold numerically:

- the joint score ``t_xz`` equals central finite differences of ``log p(x, z | theta)``, read off ``log_r_xz``
  against references at ``theta +- h``;
- ``log_r_xz`` vanishes against the event's own theta;
- where the exact likelihood is known (``log_likelihood``): ``E[r(x, z | theta0, theta1) | x] = r(x | theta0, theta1)``
  and ``E[t(x, z | theta) | x] = t(x | theta)`` (SCIENCE.md section 2), tested through ``E[(gold - exact) g(x)] = 0``
  for test functions ``g`` in ``{1, x_j, x_j^2}`` with a ``z_max``-sigma tolerance, and ``E[r(x)] = 1``.

A failure raises :class:`~active_science.exceptions.ConformanceError` naming the check and the numbers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from active_science.exceptions import ConformanceError
from active_science.simulation import Simulation
from active_science.space import ParameterSpace

__all__ = ["SimulatorReport", "check_simulator"]


@dataclass(frozen=True)
class SimulatorReport:
    """What :func:`check_simulator` verified: the names of the passed checks and the test statistics."""

    name: str
    checks: tuple[str, ...]
    statistics: Mapping[str, float] = field(default_factory=dict)


class _Checker:
    def __init__(self, sim: Any, seed: int, num_events: int, z_max: float) -> None:
        self.sim = sim
        self.seed = seed
        self.n = num_events
        self.z_max = z_max
        self.passed: list[str] = []
        self.stats: dict[str, float] = {}
        self.label = getattr(sim, "name", type(sim).__name__)

    def fail(self, check: str, message: str) -> ConformanceError:
        return ConformanceError(f"simulator {self.label!r} fails check {check!r}: {message}")

    def call(self, check: str, theta: np.ndarray, **kwargs: Any) -> Simulation:
        try:
            out = self.sim.simulate(theta, **kwargs)
        except Exception as err:  # any exception here is a protocol violation worth reporting as such
            raise self.fail(check, f"simulate(theta shape {np.shape(theta)}, {sorted(kwargs)}) raised {err!r}") from err
        if not isinstance(out, Simulation):
            raise self.fail(check, f"simulate returned {type(out).__name__}; return active_science.Simulation")
        return out

    # -------------------------------------------------------------------------------------------- protocol
    def attributes(self) -> None:
        sim = self.sim
        if not isinstance(getattr(sim, "name", None), str) or not sim.name:
            raise self.fail("attributes", "needs a non-empty string attribute 'name'")
        if not isinstance(getattr(sim, "space", None), ParameterSpace):
            raise self.fail("attributes", "needs a 'space' attribute that is an active_science.ParameterSpace")
        if not isinstance(getattr(sim, "has_gold", False), bool):
            raise self.fail("attributes", f"has_gold={sim.has_gold!r} must be a bool")
        options = getattr(sim, "options", None)
        if not isinstance(options, Mapping):
            raise self.fail("attributes", "needs an 'options' dict of its constructor keyword arguments")
        try:
            json.dumps(dict(options))
        except (TypeError, ValueError) as err:
            raise self.fail("attributes", f"options {options!r} are not JSON-serialisable ({err})") from err
        self.passed.append("attributes")

    def points(self, k: int) -> np.ndarray:
        """``k`` feasible points away from the bounds (finite differences step outside by a tiny amount only)."""
        space: ParameterSpace = self.sim.space
        u = space.sample_unit(8 * k, seed=self.seed, method="sobol")
        inner = u[np.all((u > 0.15) & (u < 0.85), axis=1)]
        pts = space.from_unit(inner if len(inner) >= k else u)[:k]
        return pts

    def determinism_and_shapes(self) -> None:
        theta = self.points(1)[0]
        n = min(self.n, 64)
        a = self.call("determinism", theta, seed=self.seed, num_events=n)
        b = self.call("determinism", theta, seed=self.seed, num_events=n)
        c = self.call("determinism", theta, seed=self.seed + 1, num_events=n)
        if not np.array_equal(a.x, b.x):
            raise self.fail("determinism", "the same seed gave different events; draw all randomness from the seed")
        if np.array_equal(a.x, c.x):
            raise self.fail("determinism", "seeds 0 and 1 gave identical events; the seed must drive the randomness")
        self.passed.append("determinism")
        if len(a) != n or a.theta.shape != (n, self.sim.space.dim) or not np.allclose(a.theta, theta):
            raise self.fail("shapes", f"num_events={n} at theta {theta} gave {len(a)} events with theta {a.theta.shape}")
        self.passed.append("shapes")
        try:
            rebuilt = type(self.sim)(**dict(self.sim.options))
        except Exception as err:  # the options must rebuild the simulator: report any failure as a violation
            raise self.fail("rebuild", f"type(sim)(**sim.options) raised {err!r}") from err
        d = rebuilt.simulate(theta, seed=self.seed, num_events=n)
        if not np.array_equal(a.x, d.x):
            raise self.fail("rebuild", "a simulator rebuilt from its options draws different events for the same seed")
        self.passed.append("rebuild")

    # -------------------------------------------------------------------------------------------- gold
    def gold(self) -> None:
        sim = self.sim
        dim = sim.space.dim
        span = np.diff(sim.space.bounds, axis=0)[0]
        pts = self.points(4)
        n = min(self.n, 256)
        per_event = pts[np.arange(n) % len(pts)]
        s = self.call("per_event_theta", per_event, seed=self.seed)
        if len(s) != n or not np.allclose(s.theta, per_event):
            raise self.fail("per_event_theta", f"theta of shape {per_event.shape} gave {len(s)} events with other thetas")
        self.passed.append("per_event_theta")

        theta = pts[0]
        h = 1e-5 * span
        refs = np.concatenate([theta[None, :], theta + np.diag(h), theta - np.diag(h), pts[1:2]], axis=0)
        plain = self.call("gold_shapes", theta, seed=self.seed, num_events=n)
        g = self.call("gold_shapes", theta, seed=self.seed, num_events=n, gold=True, theta_refs=refs)
        if g.t_xz is None or g.log_r_xz is None or g.log_r_xz.shape != (n, len(refs)):
            raise self.fail("gold_shapes", f"gold=True with {len(refs)} theta_refs must give t_xz ({n}, {dim}) and log_r_xz ({n}, {len(refs)})")
        if not np.allclose(g.theta_refs, refs):
            raise self.fail("gold_shapes", "Simulation.theta_refs differs from the theta_refs passed in")
        if not np.array_equal(plain.x, g.x):
            raise self.fail("gold_shapes", "gold=True changed the events drawn for the same seed; gold must only add columns")
        self.passed.append("gold_shapes")

        self_ratio = float(np.max(np.abs(g.log_r_xz[:, 0])))
        self.stats["self_log_r_max"] = self_ratio
        if self_ratio > 1e-9:
            raise self.fail("self_reference", f"log_r_xz against the event's own theta is {self_ratio:.3g}, not 0")
        self.passed.append("self_reference")

        # d log p / d theta_j = [log p(theta + h) - log p(theta - h)] / 2h = [col(theta - h) - col(theta + h)] / 2h
        fd = (g.log_r_xz[:, 1 + dim : 1 + 2 * dim] - g.log_r_xz[:, 1 : 1 + dim]) / (2.0 * h)
        err = np.abs(fd - g.t_xz) / (1.0 + np.abs(g.t_xz))
        self.stats["score_fd_max_rel_error"] = float(err.max())
        # central differences: O(h^2) truncation plus rounding eps |log p| / h; 1e-4 leaves room for both
        if err.max() > 1e-4:
            i = int(np.argmax(err.max(axis=1)))
            raise self.fail(
                "score_fd",
                f"t_xz={g.t_xz[i]} but finite differences of log p(x,z|theta) give {fd[i]} at theta={theta}; "
                "compute the joint score from the same latents as the joint ratio",
            )
        self.passed.append("score_fd")
        if callable(getattr(sim, "log_likelihood", None)):
            self.exact(pts)

    def _zero_mean(self, check: str, terms: np.ndarray, x: np.ndarray) -> None:
        """Test ``E[terms * g(x)] = 0`` for ``g in {1, x_j, x_j^2}`` (x standardised) within ``z_max`` sigma."""
        xs = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
        tests = [np.ones(len(x))] + [xs[:, j] for j in range(x.shape[1])] + [xs[:, j] ** 2 for j in range(x.shape[1])]
        worst = 0.0
        for gfun in tests:
            for col in terms.reshape(len(x), -1).T:
                d = col * gfun
                se = d.std(ddof=1) / math.sqrt(len(d))
                z = abs(d.mean()) / max(se, 1e-12)
                worst = max(worst, z)
                if z > self.z_max:
                    raise self.fail(check, f"E[(gold - exact) g(x)] = {d.mean():.4g} +- {se:.2g} ({z:.1f} sigma) is not 0")
        self.stats[f"{check}_max_sigma"] = float(worst)
        self.passed.append(check)

    def exact(self, pts: np.ndarray) -> None:
        sim = self.sim
        loglik: Callable[..., np.ndarray] = sim.log_likelihood
        span = np.diff(sim.space.bounds, axis=0)[0]
        theta1 = pts[0]
        # a nearby numerator keeps r_xz light-tailed, so the sample mean converges
        theta0 = sim.space.from_unit(np.clip(sim.space.to_unit(theta1) + 0.1, 0.0, 1.0))
        if np.allclose(theta0, theta1):
            theta0 = sim.space.from_unit(np.clip(sim.space.to_unit(theta1) - 0.1, 0.0, 1.0))
        s = self.call("joint_ratio_unbiased", theta1, seed=self.seed + 7, num_events=self.n, gold=True, theta_refs=theta0[None, :])
        r_xz = np.exp(-s.log_r_xz[:, 0])  # log_r_xz = log p(x,z|theta1) - log p(x,z|theta0)
        r_x = np.exp(loglik(s.x, theta0) - loglik(s.x, theta1))
        if not np.all(np.isfinite(r_x)):
            raise self.fail("joint_ratio_unbiased", "log_likelihood returned non-finite values at simulated events")
        self._zero_mean("joint_ratio_unbiased", r_xz - r_x, s.x)
        norm = r_x - 1.0
        z = abs(norm.mean()) / max(norm.std(ddof=1) / math.sqrt(len(norm)), 1e-12)
        self.stats["likelihood_normalised_sigma"] = float(z)
        if z > self.z_max:
            raise self.fail("likelihood_normalised", f"E[r(x)] = {1 + norm.mean():.4f} under theta1, not 1 ({z:.1f} sigma)")
        self.passed.append("likelihood_normalised")
        h = 1e-5 * span
        t_x = np.stack(
            [(loglik(s.x, theta1 + h[j] * np.eye(len(h))[j]) - loglik(s.x, theta1 - h[j] * np.eye(len(h))[j])) / (2 * h[j]) for j in range(len(h))],
            axis=1,
        )
        self._zero_mean("joint_score_unbiased", s.t_xz - t_x, s.x)


def check_simulator(simulator: Any, *, seed: int = 0, num_events: int = 20000, z_max: float = 5.0) -> SimulatorReport:
    """Run every applicable conformance check on ``simulator``; raise ``ConformanceError`` on the first failure.

    Args:
        simulator: an object following the ``Simulator`` protocol (``GoldSimulator`` and ``TractableSimulator``
            checks run when it declares ``has_gold`` / has ``log_likelihood``).
        seed: seed of the simulations the checks draw.
        num_events: events for the statistical checks (the others use fewer).
        z_max: tolerance, in standard errors, of the statistical identities (5: a false alarm ~ 1e-6 per test).

    Example:
        >>> from active_science.simulators.gaussian import GaussianToy
        >>> report = check_simulator(GaussianToy(), num_events=4000)
        >>> "joint_score_unbiased" in report.checks
        True
    """
    c = _Checker(simulator, seed, num_events, z_max)
    c.attributes()
    c.determinism_and_shapes()
    if getattr(simulator, "has_gold", False):
        c.gold()
    return SimulatorReport(c.label, tuple(c.passed), dict(c.stats))
