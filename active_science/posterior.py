"""Sequential posterior updating with weighted particles (importance re-weighting, resampling, MCMC moves).

After each experiment the posterior becomes the next prior (SCIENCE.md section 7). Particles drawn from the prior
are re-weighted by the likelihood of the new data (exact, or the trained ratio estimator's); when the effective
sample size drops below a threshold they are resampled (systematic resampling) and moved by a few random-walk
Metropolis-Hastings steps that target the full posterior ``prior x all likelihoods so far`` (resample-move, Chopin
2002), which keeps them diverse over many experiments without changing the distribution.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from active_science.exceptions import InvalidInputError
from active_science.seeding import as_generator

__all__ = ["ParticlePosterior", "systematic_resample"]

LogDensity = Callable[[np.ndarray], np.ndarray]


def systematic_resample(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """`(n,)` indices drawn with probabilities `(m,)` ``weights`` by systematic resampling (low variance).

    Example:
        >>> systematic_resample(np.array([0.5, 0.25, 0.25]), 4, np.random.default_rng(0)).tolist()
        [0, 0, 1, 2]
    """
    w = np.asarray(weights, dtype=float)
    cdf = np.cumsum(w / w.sum())
    cdf[-1] = 1.0
    u = (rng.random() + np.arange(n)) / n
    return np.searchsorted(cdf, u, side="right").clip(0, len(w) - 1)


@dataclass(frozen=True)
class ParticlePosterior:
    """A distribution over theta as weighted particles.

    Attributes:
        particles: `(n, d)` parameter points.
        log_weights: `(n,)` unnormalised log weights.
        names: parameter names.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> post = ParticlePosterior.from_samples(rng.normal(size=(20000, 1)), names=("mu",))
        >>> post = post.reweight(-0.5 * (1.0 - post.particles[:, 0]) ** 2)   # one observation x = 1, unit noise
        >>> round(float(post.mean[0]), 2), round(float(post.sd[0]), 2)     # exact: N(0.5, 0.5)
        (0.5, 0.71)
    """

    particles: np.ndarray
    log_weights: np.ndarray
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        p = np.atleast_2d(np.asarray(self.particles, dtype=float))
        lw = np.asarray(self.log_weights, dtype=float).reshape(-1)
        if p.ndim != 2 or len(p) != len(lw) or len(p) == 0:
            raise InvalidInputError(f"particles {p.shape} and log_weights {lw.shape} must be (n, d) and (n,) with n >= 1")
        if p.shape[1] != len(self.names):
            raise InvalidInputError(f"particles have {p.shape[1]} columns for names {list(self.names)}")
        if np.any(np.isnan(lw)) or not np.any(np.isfinite(lw)):
            raise InvalidInputError("log_weights are NaN or all -inf: the data are impossible under every particle")
        object.__setattr__(self, "particles", p)
        object.__setattr__(self, "log_weights", lw)
        object.__setattr__(self, "names", tuple(self.names))

    @classmethod
    def from_samples(cls, samples: np.ndarray, *, names: tuple[str, ...]) -> ParticlePosterior:
        """Equal-weight particles from `(n, d)` samples (e.g. prior draws)."""
        s = np.atleast_2d(np.asarray(samples, dtype=float))
        return cls(s, np.zeros(len(s)), tuple(names))

    # ----------------------------------------------------------------------------------------------- summaries
    @property
    def size(self) -> int:
        return int(len(self.particles))

    @property
    def weights(self) -> np.ndarray:
        """`(n,)` normalised weights."""
        return np.exp(self.log_weights - logsumexp(self.log_weights))

    @property
    def ess(self) -> float:
        """Effective sample size ``1 / sum w^2``."""
        return float(1.0 / np.sum(self.weights**2))

    @property
    def mean(self) -> np.ndarray:
        """`(d,)` posterior mean."""
        return self.weights @ self.particles

    @property
    def sd(self) -> np.ndarray:
        """`(d,)` posterior standard deviation."""
        w = self.weights
        return np.sqrt(np.maximum(w @ (self.particles - self.mean) ** 2, 0.0))

    def quantile(self, q: float, dim: int = 0) -> float:
        """Weighted quantile of parameter ``dim``."""
        order = np.argsort(self.particles[:, dim])
        cdf = np.cumsum(self.weights[order])
        return float(self.particles[order, dim][min(int(np.searchsorted(cdf, q)), self.size - 1)])

    # ----------------------------------------------------------------------------------------------- updates
    def sample(self, n: int, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """`(n, d)` equal-weight draws (systematic resampling, then shuffled)."""
        rng = as_generator(seed)
        idx = systematic_resample(self.weights, int(n), rng)
        return self.particles[rng.permutation(idx)]

    def reweight(self, log_likelihood: np.ndarray) -> ParticlePosterior:
        """Multiply by a likelihood given as `(n,)` log values at the particles (importance re-weighting)."""
        ll = np.asarray(log_likelihood, dtype=float).reshape(-1)
        if ll.shape != (self.size,):
            raise InvalidInputError(f"log_likelihood has shape {ll.shape}; expected ({self.size},), one value per particle")
        return ParticlePosterior(self.particles, self.log_weights + np.where(np.isnan(ll), -np.inf, ll), self.names)

    def resample_move(
        self,
        log_target: LogDensity,
        *,
        seed: int | np.random.Generator | None = None,
        steps: int = 5,
        scale: float = 0.5,
    ) -> ParticlePosterior:
        """Resample to equal weights, then ``steps`` random-walk Metropolis moves targeting ``log_target``.

        Args:
            log_target: `(m, d) -> (m,)` log density of the distribution these particles represent (up to a constant),
                e.g. log prior + the log likelihood of every experiment so far.
            steps: MH steps per particle.
            scale: proposal standard deviation relative to the current particle spread (per dimension).
        """
        rng = as_generator(seed)
        x = self.sample(self.size, rng)
        lp = np.asarray(log_target(x), dtype=float)
        spread = np.maximum(x.std(axis=0), 1e-12 * np.maximum(np.abs(x).mean(axis=0), 1.0))
        for _ in range(int(steps)):
            prop = x + scale * spread * rng.standard_normal(x.shape)
            lp_prop = np.asarray(log_target(prop), dtype=float)
            accept = np.log(rng.random(len(x))) < np.where(np.isfinite(lp_prop), lp_prop - lp, -math.inf)
            x = np.where(accept[:, None], prop, x)
            lp = np.where(accept, lp_prop, lp)
        return ParticlePosterior(x, np.zeros(len(x)), self.names)
