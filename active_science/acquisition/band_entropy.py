"""Band-damped label entropy: label entropy, damped where the uncertain band around the contour is already narrow.

Label entropy depends on ``z = (m - t) / s`` only, so it never saturates: on a boundary the model already knows to
within a hair, ``m = t`` still gives ``log 2``, and a pointwise strategy keeps refining it while an unexplored
region (where the label is uncertain but ``m`` is not right at ``t``) scores less. What the label entropy misses is
*where the contour is*, not whether it is there: near a crossing the label flips over a band of width
``w = s / |grad m|`` (a first-order expansion of ``m`` around the crossing), in unit-cube units. Multiplying by
``1 - exp(-(w / resolution)^2)`` leaves entropy unchanged where the band is wider than ``resolution`` and switches
it off where the contour is already located more finely than that, so evaluations go to contours not yet resolved
and to unexplored regions instead.

The band width trusts the GP's sd, which between evaluations comes from the fitted kernel alone; where the kernel is
wrong (the mass plane's cliff at small mass splitting) the GP is sure of a contour it has never evaluated. Given the
evaluated points, ``w`` is therefore taken as at least ``distance_fraction`` times the distance to the nearest of
them: a contour counts as resolved only near evaluations (within ``resolution / distance_fraction`` = 0.03 of the
unit cube by default). botorch has no level-set acquisition (ARCHITECTURE.md), so this is ours.
"""

from __future__ import annotations

import math

import torch
from botorch.models.model import Model
from botorch.utils.transforms import t_batch_mode_transform
from torch import Tensor

from active_science.acquisition.entropy import LabelEntropy
from active_science.exceptions import InvalidInputError

__all__ = ["BandLabelEntropy", "DEFAULT_RESOLUTION", "DEFAULT_DISTANCE_FRACTION"]

#: the band width (unit-cube units) below which a contour counts as resolved: the default stopping rule
#: (``UncertainFractionBelow``: misclassification probability above 0.05, i.e. ``|z| < 1.645``, on less than 1 % of
#: the space) holds for a contour of unit length once its band ``2 * 1.645 * w`` is below 0.01, i.e. ``w < 0.003``
DEFAULT_RESOLUTION = 0.003
#: the band is at least this fraction of the distance to the nearest evaluated point (measured, README: 0.1 / 0.2 /
#: none gave 16 / 17 / 20 evaluations on the mass plane and 30 / 35 / 32 on the two islands, sequentially)
DEFAULT_DISTANCE_FRACTION = 0.1


class BandLabelEntropy(LabelEntropy):
    """Label entropy times ``1 - exp(-(w / resolution)^2)``, ``w = max(s(x) / |grad m(x)|, c d(x))`` (per output; the
    largest counts), ``d(x)`` the distance to the nearest evaluated point.

    Args:
        model: a fitted botorch model on unit-cube inputs (one output per contour).
        threshold: the level ``t``.
        resolution: the band width (unit-cube units) to which a contour is to be located, > 0.
        evaluated: `(n, d)` unit points evaluated so far (``None``: no distance floor).
        distance_fraction: ``c``, >= 0.

    Example:
        >>> import numpy as np
        >>> from active_science.surrogates import GPSurrogate
        >>> def gp(xs):   # a GP of f(x) = x - 0.5 (crossing at 0.5) from evaluations at xs
        ...     X = np.array(xs)[:, None]
        ...     return GPSurrogate(warp=False).fit(X, X[:, 0] - 0.5, np.full(len(xs), 1e-6), seed=0).model
        >>> x = torch.tensor([[[0.5]]], dtype=torch.float64)
        >>> coarse, fine = gp([0.0, 1.0]), gp([0.0, 0.25, 0.5, 0.75, 1.0])   # the crossing unknown / evaluated
        >>> [round(a(x).detach().item(), 3) for a in (LabelEntropy(coarse), BandLabelEntropy(coarse))]   # band ~1.3 wide
        [0.693, 0.693]
        >>> [round(a(x).detach().item(), 3) for a in (LabelEntropy(fine), BandLabelEntropy(fine))]   # band ~0.001 wide
        [0.693, 0.095]
    """

    def __init__(
        self,
        model: Model,
        threshold: float = 0.0,
        resolution: float = DEFAULT_RESOLUTION,
        evaluated: Tensor | None = None,
        distance_fraction: float = DEFAULT_DISTANCE_FRACTION,
    ) -> None:
        super().__init__(model, threshold)
        self.resolution = self.check_resolution(resolution)
        self.distance_fraction = self.check_distance_fraction(distance_fraction)
        self.evaluated = None if evaluated is None or len(evaluated) == 0 else torch.as_tensor(evaluated, dtype=torch.float64)

    @staticmethod
    def check_resolution(resolution: object) -> float:
        """``resolution`` as a float, or the one-line error if it is not a positive finite width."""
        if isinstance(resolution, bool) or not isinstance(resolution, (int, float)) or not (0.0 < resolution and math.isfinite(resolution)):
            raise InvalidInputError(
                f"resolution={resolution!r} must be a positive width in unit-cube units, e.g. {DEFAULT_RESOLUTION}"
            )
        return float(resolution)

    @staticmethod
    def check_distance_fraction(fraction: object) -> float:
        """``fraction`` as a float, or the one-line error if it is not a finite number >= 0."""
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not (0.0 <= fraction and math.isfinite(fraction)):
            raise InvalidInputError(
                f"distance_fraction={fraction!r} must be a finite number >= 0, e.g. {DEFAULT_DISTANCE_FRACTION} (0 = no floor)"
            )
        return float(fraction)

    def band_width(self, X: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """``(mean, sigma, w)``, each `b x K`, at `b x 1 x d` points.

        ``|grad m|`` comes from autograd and is held constant in the gradient the optimiser sees (mean and sigma
        stay differentiable): its own derivative would need the kernel's second derivatives, which gpytorch's
        distance computation does not implement."""
        with torch.enable_grad():
            Xg = X if X.requires_grad else X.detach().requires_grad_(True)
            mean, sigma = self._mean_and_sigma(Xg)
            norms = []
            for k in range(mean.shape[-1]):
                # each t-batch's posterior depends on its own point only, so the gradient of the sum is per point
                (grad,) = torch.autograd.grad(mean[..., k].sum(), Xg, retain_graph=True)
                norms.append(grad.squeeze(-2).norm(dim=-1))
            gnorm = torch.stack(norms, dim=-1).detach()
        if not X.requires_grad:
            mean, sigma = mean.detach(), sigma.detach()
        return mean, sigma, sigma / gnorm.clamp_min(1e-12)

    @t_batch_mode_transform(expected_q=1)
    def forward(self, X: Tensor) -> Tensor:
        """``X``: `b x 1 x d` points; returns `b` acquisition values."""
        mean, sigma, w = self.band_width(X)
        if self.evaluated is not None and self.distance_fraction > 0:
            nearest = torch.cdist(X.squeeze(-2).detach(), self.evaluated.to(X)).amin(dim=-1, keepdim=True)  # b x 1
            w = torch.maximum(w, self.distance_fraction * nearest)
        damp = -torch.expm1(-((w / self.resolution) ** 2))
        return (self.score(mean, sigma) * damp).amax(dim=-1)
