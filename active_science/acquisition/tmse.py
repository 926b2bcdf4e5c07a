"""Targeted mean squared error, tMSE (Picheny et al. 2010): ``s^2(x) N(t; m(x), s^2(x) + noise^2)``."""

from __future__ import annotations

import math

import torch
from botorch.models.model import Model
from torch import Tensor

from active_science.acquisition.level_set import LevelSetAcquisition

__all__ = ["TargetedMSE"]


class TargetedMSE(LevelSetAcquisition):
    """Posterior variance weighted by the density of the threshold under the predictive distribution.

    Args:
        model: a fitted botorch model.
        threshold: the level ``t``.
        noise_variance: the observation-noise variance ``noise^2`` of a new evaluation (modelled scale); it widens
            the weight so that points whose value is hidden in noise are not preferred.

    Example:
        >>> from botorch.utils.testing import MockModel, MockPosterior
        >>> mm = MockModel(MockPosterior(mean=torch.tensor([[1.0]]), variance=torch.tensor([[1.0]])))
        >>> a = TargetedMSE(mm, threshold=0.0, noise_variance=1.0)
        >>> round(float(a(torch.zeros(1, 1, 1))), 4)   # 1 * N(0; 1, 2) = exp(-1/4) / sqrt(4 pi)
        0.2197
    """

    def __init__(self, model: Model, threshold: float = 0.0, noise_variance: float = 0.0) -> None:
        super().__init__(model, threshold)
        self.noise_variance = float(noise_variance)

    def score(self, mean: Tensor, sigma: Tensor) -> Tensor:
        var = sigma**2
        total = (var + self.noise_variance).clamp_min(1e-24)
        log_density = -0.5 * (mean - self.threshold) ** 2 / total - 0.5 * torch.log(2 * math.pi * total)
        return var * log_density.exp()
