"""Priors over theta for experiment design: a uniform box or independent Gaussians (sample + log density).

A design study starts from a prior and, after each experiment, continues from a particle posterior
(``active_science.posterior.ParticlePosterior``), which offers the same ``sample`` interface.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from active_science.exceptions import InvalidInputError
from active_science.seeding import as_generator

__all__ = ["UniformPrior", "GaussianPrior", "Prior", "prior_from_config"]


def _pairs(name: str, values: Mapping[str, Sequence[float]]) -> tuple[tuple[str, ...], np.ndarray]:
    if not isinstance(values, Mapping) or not values:
        raise InvalidInputError(f"{name} needs a non-empty mapping parameter -> (a, b)")
    names = tuple(str(k) for k in values)
    try:
        arr = np.array([[float(v[0]), float(v[1])] for v in values.values()])
        if any(len(v) != 2 for v in values.values()):
            raise TypeError
    except (TypeError, ValueError, IndexError) as err:
        raise InvalidInputError(f"{name}: every entry must be a pair of numbers, got {dict(values)}") from err
    if not np.all(np.isfinite(arr)):
        raise InvalidInputError(f"{name}: entries must be finite, got {dict(values)}")
    return names, arr


@dataclass(frozen=True, init=False)
class UniformPrior:
    """Independent uniform priors on a box: ``UniformPrior({"sin2w": (0.21, 0.25)})``.

    Example:
        >>> prior = UniformPrior({"sin2w": (0.21, 0.25)})
        >>> prior.sample(3, seed=0).shape, float(prior.log_prob(np.array([[0.23]]))[0]) == -math.log(0.04)
        ((3, 1), True)
    """

    names: tuple[str, ...]
    bounds: np.ndarray

    def __init__(self, bounds: Mapping[str, Sequence[float]]) -> None:
        names, arr = _pairs("UniformPrior", bounds)
        if np.any(arr[:, 0] >= arr[:, 1]):
            raise InvalidInputError(f"UniformPrior: bounds {dict(bounds)} must be (low, high) with low < high")
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "bounds", arr)

    @property
    def dim(self) -> int:
        return len(self.names)

    def sample(self, n: int, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """`(n, d)` independent draws."""
        rng = as_generator(seed)
        return self.bounds[:, 0] + (self.bounds[:, 1] - self.bounds[:, 0]) * rng.random((int(n), self.dim))

    def log_prob(self, theta: np.ndarray) -> np.ndarray:
        """`(n,)` log density at `(n, d)` points (-inf outside the box)."""
        th = np.atleast_2d(np.asarray(theta, dtype=float))
        inside = np.all((th >= self.bounds[:, 0]) & (th <= self.bounds[:, 1]), axis=1)
        return np.where(inside, -float(np.sum(np.log(self.bounds[:, 1] - self.bounds[:, 0]))), -np.inf)

    def to_config(self) -> dict[str, Any]:
        return {"kind": "uniform", **{n: [float(lo), float(hi)] for n, (lo, hi) in zip(self.names, self.bounds)}}


@dataclass(frozen=True, init=False)
class GaussianPrior:
    """Independent Gaussian priors: ``GaussianPrior({"sin2w": (0.23, 0.01)})`` (mean, standard deviation).

    Example:
        >>> round(float(GaussianPrior({"sin2w": (0.23, 0.01)}).sample(20000, seed=1).std()), 3)
        0.01
    """

    names: tuple[str, ...]
    mean: np.ndarray
    sd: np.ndarray

    def __init__(self, params: Mapping[str, Sequence[float]]) -> None:
        names, arr = _pairs("GaussianPrior", params)
        if np.any(arr[:, 1] <= 0):
            raise InvalidInputError(f"GaussianPrior: standard deviations in {dict(params)} must be > 0")
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "mean", arr[:, 0].copy())
        object.__setattr__(self, "sd", arr[:, 1].copy())

    @property
    def dim(self) -> int:
        return len(self.names)

    def sample(self, n: int, seed: int | np.random.Generator | None = None) -> np.ndarray:
        rng = as_generator(seed)
        return self.mean + self.sd * rng.standard_normal((int(n), self.dim))

    def log_prob(self, theta: np.ndarray) -> np.ndarray:
        th = np.atleast_2d(np.asarray(theta, dtype=float))
        z = (th - self.mean) / self.sd
        return -0.5 * np.sum(z * z, axis=1) - float(np.sum(np.log(self.sd))) - 0.5 * self.dim * math.log(2 * math.pi)

    def to_config(self) -> dict[str, Any]:
        return {"kind": "gaussian", **{n: [float(m), float(s)] for n, m, s in zip(self.names, self.mean, self.sd)}}


Prior = UniformPrior | GaussianPrior


def prior_from_config(cfg: Mapping[str, Any]) -> Prior:
    """``{"kind": "uniform", "sin2w": [0.21, 0.25]}`` or ``{"kind": "gaussian", "sin2w": [0.23, 0.01]}``."""
    if not isinstance(cfg, Mapping):
        raise InvalidInputError(f"prior {cfg!r} must be a table with a 'kind'")
    kind = cfg.get("kind", "uniform")
    rest = {k: v for k, v in cfg.items() if k != "kind"}
    if kind == "uniform":
        return UniformPrior(rest)
    if kind == "gaussian":
        return GaussianPrior(rest)
    raise InvalidInputError(f"prior kind {kind!r} is unknown; valid kinds: uniform, gaussian")
