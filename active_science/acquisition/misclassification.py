"""Misclassification probability: ``Phi(-|m(x) - t| / s(x))``, the chance that the predicted label at x is wrong."""

from __future__ import annotations

from torch import Tensor
from torch.distributions import Normal

from active_science.acquisition.level_set import LevelSetAcquisition

__all__ = ["Misclassification"]


class Misclassification(LevelSetAcquisition):
    """Probability that the sign of ``f(x) - t`` differs from the sign of the posterior mean (at most 0.5).

    Example:
        >>> import torch
        >>> from botorch.utils.testing import MockModel, MockPosterior
        >>> mm = MockModel(MockPosterior(mean=torch.tensor([[1.0]]), variance=torch.tensor([[1.0]])))
        >>> round(float(Misclassification(mm, threshold=0.0)(torch.zeros(1, 1, 1))), 4)   # Phi(-1)
        0.1587
    """

    def score(self, mean: Tensor, sigma: Tensor) -> Tensor:
        z = (mean - self.threshold).abs() / sigma.clamp_min(1e-12)
        return Normal(0.0, 1.0).cdf(-z)
