"""A binned observable: any 1D-x simulator's events histogrammed, as an analysis would (the x of each event becomes
the centre of its bin), with the exact bin probabilities and valid gold.

Why: a binned likelihood is what most analyses fit, and a discrete observable lets
:class:`~active_science.ratio.categorical.CategoricalDensity` (``method="scandal"``) learn ``p(bin | theta)``
normalised by construction.

Gold stays exact: take the unbinned ``(x, z)`` as the latent of the binned event. Then
``p(bin, x, z | theta) = p(x, z | theta) 1[x in bin]``, so its joint ratio and joint score are those of ``(x, z)``,
and the conditional mean of the joint score given the bin is the binned score.

Exact truth: ``p(bin | theta) = int_bin p(x | theta) dx`` by Gauss-Legendre quadrature of the simulator's exact
density; the two outer bins also hold the under- and overflow and are integrated out to ``x_range``, the interval
that holds the density (events beyond it, if any, still go to the outer bins).

Example:
    >>> from active_science.simulators.weinberg import Weinberg
    >>> sim = BinnedObservable(Weinberg(parameters=("sin2w", "g_f"), default_design=[75.0]), np.linspace(-1, 1, 21), x_range=(-1.4, 1.4))
    >>> p = np.exp(sim.log_likelihood(sim.support, [0.23, 1.17]))
    >>> sim.support.shape, round(float(p.sum()), 9)
    ((20, 1), 1.0)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from active_science.exceptions import InvalidInputError
from active_science.simulation import Simulation

__all__ = ["BinnedObservable"]

#: Gauss-Legendre nodes per bin: the smeared densities here are smooth on the scale of a bin (error < 1e-10)
_NODES = 24


class BinnedObservable:
    """Wrap a simulator with a 1D ``x`` and an exact ``log_likelihood`` so that ``x`` is reported as its bin.

    Args:
        simulator: the unbinned simulator (``simulate``, ``log_likelihood``, ``space``; gold passes through).
        edges: `(K + 1,)` increasing finite bin edges; the first and last bins also take the under- and overflow.
        x_range: `(low, high)` outside which the density is negligible (the outer bins are integrated to it).
    """

    def __init__(self, simulator: Any, edges: Any, *, x_range: tuple[float, float]) -> None:
        e = np.asarray(edges, dtype=float)
        if e.ndim != 1 or len(e) < 3 or not np.all(np.isfinite(e)) or not np.all(np.diff(e) > 0):
            raise InvalidInputError(f"edges has shape {e.shape}; pass at least 3 increasing finite bin edges")
        lo, hi = (float(v) for v in x_range)
        if not (lo < e[1] and hi > e[-2]):
            raise InvalidInputError(f"x_range={x_range!r} must reach beyond the inner edges ({e[1]}, {e[-2]})")
        if getattr(simulator, "x_dim", 1) != 1:
            raise InvalidInputError(f"{type(simulator).__name__} has x_dim={simulator.x_dim}; binning needs a 1D observable")
        self.simulator = simulator
        self.edges = e
        self.x_range = (lo, hi)
        self.name = f"{getattr(simulator, 'name', type(simulator).__name__)}_binned"
        self.has_gold = getattr(simulator, "has_gold", False)
        self.space = simulator.space
        self.x_dim = 1
        self._centres = 0.5 * (e[:-1] + e[1:])
        lims = e.copy()
        lims[0], lims[-1] = min(lo, e[0]), max(hi, e[-1])
        nodes, w = np.polynomial.legendre.leggauss(_NODES)
        half = 0.5 * np.diff(lims)
        self._nodes = (lims[:-1, None] + half[:, None] * (nodes[None, :] + 1.0)).reshape(-1, 1)  # (K * nodes, 1)
        self._weights = (half[:, None] * w[None, :]).reshape(-1)

    def __getattr__(self, name: str) -> Any:  # everything else (design space, amplitudes ...) is the simulator's
        if name == "simulator":
            raise AttributeError(name)
        return getattr(self.simulator, name)

    @property
    def support(self) -> np.ndarray:
        """`(K, 1)` the bin centres: every value the binned ``x`` takes."""
        return self._centres[:, None]

    def bin_index(self, x: Any) -> np.ndarray:
        """`(n,)` bin of each unbinned value (under- and overflow in the outer bins)."""
        v = np.asarray(x, dtype=float).reshape(-1)
        return np.clip(np.searchsorted(self.edges, v, side="right") - 1, 0, len(self._centres) - 1)

    def simulate(self, theta: Any, **kwargs: Any) -> Simulation:
        """The simulator's events with ``x`` replaced by its bin centre; ``theta`` and gold unchanged."""
        out = self.simulator.simulate(theta, **kwargs)
        return replace(out, x=self._centres[self.bin_index(out.x)][:, None])

    def probabilities(self, theta: Any, *, design: Any = None) -> np.ndarray:
        """`(K,)` exact bin probabilities at one `(d,)` theta."""
        th = np.asarray(theta, dtype=float).reshape(-1)
        dens = np.exp(self.simulator.log_likelihood(self._nodes, th, design=design))
        return (dens * self._weights).reshape(len(self._centres), _NODES).sum(axis=1)

    def log_likelihood(self, x: Any, theta: Any, *, design: Any = None) -> np.ndarray:
        """`(n,)` exact ``log p(bin_i | theta)`` of binned `(n, 1)` events (bin centres) at one `(d,)` theta."""
        xs = np.asarray(x, dtype=float).reshape(-1)
        idx = self.bin_index(xs)
        if not np.allclose(self._centres[idx], xs, rtol=0, atol=1e-9 * (self.edges[-1] - self.edges[0])):
            raise InvalidInputError("x holds values that are not bin centres; pass events simulated by this BinnedObservable")
        with np.errstate(divide="ignore"):
            return np.log(self.probabilities(theta, design=design))[idx]
