"""Excursion-style strategy: maximise the information gain on the excursion set (diana-hep/excursion's "PES").

The gain is a look-ahead averaged over integration points (a Sobol set of the feasible space, fixed by the study
seed), so each evaluation of the acquisition costs ``M`` joint posteriors: the optimiser uses fewer raw samples
than the pointwise acquisitions by default.
"""

from __future__ import annotations

from typing import Any

import torch

from active_science.acquisition.information_gain import InformationGain
from active_science.exceptions import InvalidInputError
from active_science.strategies.gp_contour import GPContourStrategy, typical_noise_variance
from active_science.strategy_context import ProposalContext

__all__ = ["InformationGainStrategy", "information_gain"]


class InformationGainStrategy(GPContourStrategy):
    """GP contour strategy with the excursion-set information gain as acquisition.

    Args:
        num_integration: integration points ``M`` (Sobol, feasible).
        **options: as for ``GPContourStrategy`` (``num_initial``, ``num_restarts``, ``raw_samples`` ...), except that
            ``explore_when_resolved`` defaults to ``0``: the gain is integrated over the space, so it stops valuing a
            resolved boundary by itself.

    Example:
        >>> import numpy as np
        >>> from active_science.space import ParameterSpace
        >>> from active_science.surrogates import GPSurrogate
        >>> from active_science.testing import make_context
        >>> X = np.linspace(0, 1, 6)[:, None]; y = X[:, 0] - 0.43
        >>> gp = GPSurrogate(warp=False).fit(X, y, np.full(6, 1e-6), seed=0)
        >>> ctx = make_context(ParameterSpace({"x": (0.0, 1.0)}), X=X, y=y, surrogate=gp)
        >>> x = InformationGainStrategy(num_integration=64).propose(1, ctx)
        >>> bool(abs(x[0, 0] - 0.43) < 0.15)   # next to the crossing
        True
    """

    def __init__(self, *, num_integration: int = 256, raw_samples: int = 256, num_restarts: int = 4, **options: Any) -> None:
        if num_integration < 1:
            raise InvalidInputError(f"num_integration={num_integration} must be >= 1")
        options.setdefault("explore_when_resolved", 0.0)
        super().__init__(InformationGain, name="information_gain", raw_samples=raw_samples, num_restarts=num_restarts, **options)
        self.num_integration = int(num_integration)

    def make_acquisition(self, model: Any, ctx: ProposalContext) -> InformationGain:
        pts = ctx.candidates if ctx.candidates is not None else ctx.space.sample_unit(self.num_integration, seed=ctx.study_seed, method="sobol")
        if len(pts) > self.num_integration:  # a large pool: integrate over a seeded subset of it
            pts = pts[torch.randperm(len(pts), generator=torch.Generator().manual_seed(ctx.study_seed))[: self.num_integration].numpy()]
        options = {"noise_variance": typical_noise_variance(ctx), **self.acquisition_options}
        return InformationGain(model, torch.as_tensor(pts, dtype=torch.float64), threshold=ctx.threshold, **options)


def information_gain(**options: Any) -> InformationGainStrategy:
    """The excursion-style information-gain strategy."""
    return InformationGainStrategy(**options)
