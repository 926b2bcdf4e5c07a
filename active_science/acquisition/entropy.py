"""Label entropy ("MES" in diana-hep/excursion): binary entropy of ``p = Phi((m(x) - t) / s(x))``."""

from __future__ import annotations

import math  # noqa: F401  (used in the doctest)

import torch
from botorch.utils.probability.utils import log_ndtr
from torch import Tensor

from active_science.acquisition.level_set import LevelSetAcquisition

__all__ = ["LabelEntropy", "binary_entropy_of_z"]

def binary_entropy_of_z(z: Tensor) -> Tensor:
    """Entropy (nats) of a Bernoulli with ``p = Phi(z)``, computed from log-CDFs so it stays accurate in the tails.

    Example:
        >>> round(float(binary_entropy_of_z(torch.tensor(0.0))), 6) == round(math.log(2), 6)
        True
    """
    # log of the smaller of p, 1 - p from a log-CDF; the larger term uses log1p so the tail keeps both terms
    log_small = log_ndtr(-z.abs())
    small = log_small.exp()
    return -(small * log_small + (1.0 - small) * torch.log1p(-small))

class LabelEntropy(LevelSetAcquisition):
    """Entropy of the excluded/allowed label at x; maximal (``log 2``) where ``m = t``.

    Example:
        >>> from botorch.utils.testing import MockModel, MockPosterior
        >>> mm = MockModel(MockPosterior(mean=torch.tensor([[0.0]]), variance=torch.tensor([[4.0]])))
        >>> round(float(LabelEntropy(mm, threshold=0.0)(torch.zeros(1, 1, 1))), 4)   # log 2
        0.6931
    """

    def score(self, mean: Tensor, sigma: Tensor) -> Tensor:
        return binary_entropy_of_z((mean - self.threshold) / sigma.clamp_min(1e-12))
