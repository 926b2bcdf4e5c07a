"""Excursion-set information gain integrated where labels are uncertain (importance-sampled integration points).

The look-ahead gain of ``information_gain`` (excursion's "PES") averages, over integration points x', how much a new
observation at x would reduce the label entropy at x'. With a fixed uniform Sobol set most integration points lie
where the label is already certain and contribute nothing, so in 3D a few hundred points resolve the thin uncertain
band poorly. Here the integration points are drawn afresh for every proposal from a large feasible Sobol pool with
probability ``q(x') ∝ H(x') + floor`` (the current label entropy, after conditioning on the points already chosen
in the batch), and carry self-normalised weights ``1 / q``: the estimate is still of the integral over the whole
space (the floor keeps every region reachable), but its points sit in the band that decides the contour. This is
the importance sampling Chevalier et al. (2014, "Fast parallel kriging-based stepwise uncertainty reduction") use
for SUR criteria. Written by hand: botorch has no level-set acquisition (ARCHITECTURE.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from active_science.acquisition.entropy import LabelEntropy
from active_science.acquisition.information_gain import InformationGain
from active_science.acquisition.optimize import DTYPE
from active_science.exceptions import InvalidInputError
from active_science.strategies.gp_contour import GPContourStrategy, typical_noise_variance
from active_science.strategy_context import ProposalContext

__all__ = ["FocusedGainStrategy", "focused_information_gain", "focused_integration_points"]


def focused_integration_points(
    model: Any, pool: np.ndarray, num: int, *, threshold: float, floor: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``num`` of the `(p, d)` unit ``pool`` points with probability ``∝ H + floor * max(H)`` (label entropy ``H``
    under ``model``); returns the points `(num, d)` and their importance weights `(num,)` (``∝ 1 / q``, summing to 1).

    Example:
        >>> from botorch.models import SingleTaskGP
        >>> X = torch.tensor([[0.0], [1.0]], dtype=torch.float64); Y = torch.tensor([[1.0], [-1.0]], dtype=torch.float64)
        >>> gp = SingleTaskGP(X, Y, torch.full_like(Y, 1e-4))
        >>> pool = np.linspace(0, 1, 101)[:, None]
        >>> pts, w = focused_integration_points(gp, pool, 200, threshold=0.0, floor=1e-3, seed=0)
        >>> bool(abs(np.median(pts) - 0.5) < 0.1), bool(np.isclose(w.sum(), 1.0))  # the crossing at 0.5
        (True, True)
    """
    with torch.no_grad():
        h = LabelEntropy(model, threshold=threshold)(torch.as_tensor(pool[:, None, :], dtype=DTYPE)).numpy()
    h = np.where(np.isfinite(h), np.maximum(h, 0.0), 0.0)
    q = h + floor * max(float(h.max()), 1e-12)
    q = q / q.sum()
    idx = np.random.default_rng(seed).choice(len(pool), size=num, replace=True, p=q)
    w = 1.0 / q[idx]
    return pool[idx], w / w.sum()


class FocusedGainStrategy(GPContourStrategy):
    """Information gain on the excursion set with integration points importance-sampled by label entropy.

    Args:
        num_integration: integration points ``M`` drawn per proposal.
        num_pool: feasible Sobol points the integration points are drawn from (per proposal, seeded by the round).
        floor: share of the largest entropy added to every pool point's sampling weight (keeps the estimate an
            integral over the whole space).
        **options: as for ``GPContourStrategy`` (``num_initial``, ``num_restarts``, ``raw_samples`` ...);
            ``explore_when_resolved`` defaults to ``0``, as for ``InformationGainStrategy``.

    Example:
        >>> from active_science.space import ParameterSpace
        >>> from active_science.surrogates import GPSurrogate
        >>> from active_science.testing import make_context
        >>> X = np.linspace(0, 1, 7)[:, None]; y = np.cos(6 * X[:, 0])   # crossings at pi / 12 and pi / 4
        >>> ctx = make_context(ParameterSpace({"x": (0.0, 1.0)}), X=X, y=y, num_proposed=7,
        ...                    surrogate=GPSurrogate(warp=False).fit(X, y, np.full(7, 1e-6), seed=0))
        >>> batch = FocusedGainStrategy(num_integration=64, raw_samples=256).propose(2, ctx)
        >>> np.round(np.sort(batch[:, 0]) / np.pi, 2).tolist()   # one point at each crossing
        [0.08, 0.25]
    """

    def __init__(
        self, *, num_integration: int = 256, num_pool: int = 4096, floor: float = 1e-3, raw_samples: int = 512, **options: Any
    ) -> None:
        if isinstance(num_integration, bool) or not isinstance(num_integration, int) or num_integration < 1:
            raise InvalidInputError(f"num_integration={num_integration!r} must be a positive integer, e.g. 256")
        if isinstance(num_pool, bool) or not isinstance(num_pool, int) or num_pool < 1:
            raise InvalidInputError(f"num_pool={num_pool!r} must be a positive integer, e.g. 4096")
        if not isinstance(floor, (int, float)) or not 0.0 < floor <= 1.0:
            raise InvalidInputError(f"floor={floor!r} must lie in (0, 1], e.g. 1e-3")
        options.setdefault("explore_when_resolved", 0.0)  # an integrated gain stops valuing a resolved boundary itself
        super().__init__(InformationGain, name="focused_information_gain", raw_samples=raw_samples, **options)
        self.num_integration = num_integration
        self.num_pool = num_pool
        self.floor = float(floor)
        self._calls = 0

    def propose(self, n: int, ctx: ProposalContext) -> np.ndarray:
        self._calls = 0  # the j-th acquisition of a round draws its own integration points, reproducibly
        return super().propose(n, ctx)

    def make_acquisition(self, model: Any, ctx: ProposalContext) -> InformationGain:
        seed = int(np.random.SeedSequence([ctx.study_seed, ctx.seed, self._calls]).generate_state(1)[0])
        self._calls += 1
        pool = ctx.candidates if ctx.candidates is not None else ctx.space.sample_unit(self.num_pool, seed=seed, method="sobol")
        pts, w = focused_integration_points(model, pool, self.num_integration, threshold=ctx.threshold, floor=self.floor, seed=seed)
        options = {"noise_variance": typical_noise_variance(ctx), **self.acquisition_options}
        return InformationGain(
            model, torch.as_tensor(pts, dtype=DTYPE), threshold=ctx.threshold, integration_weights=torch.as_tensor(w), **options
        )


def focused_information_gain(**options: Any) -> FocusedGainStrategy:
    """The excursion-set information gain with entropy-focused integration points (see the module docstring)."""
    return FocusedGainStrategy(**options)
