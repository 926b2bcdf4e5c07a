"""Straddle (Bryan et al. 2005): ``beta * s(x) - |m(x) - t|``, large where the boundary may pass and is unknown."""

from __future__ import annotations

import torch
from botorch.models.model import Model
from torch import Tensor

from active_science.acquisition.level_set import LevelSetAcquisition

__all__ = ["Straddle"]


class Straddle(LevelSetAcquisition):
    """Straddle heuristic; ``beta = 1.96`` selects points whose 95 % interval straddles the threshold.

    Example:
        >>> from botorch.utils.testing import MockModel, MockPosterior
        >>> mm = MockModel(MockPosterior(mean=torch.tensor([[0.5]]), variance=torch.tensor([[1.0]])))
        >>> round(float(Straddle(mm, threshold=0.0)(torch.zeros(1, 1, 1))), 4)   # 1.96 * 1 - |0.5 - 0|
        1.46
    """

    def __init__(self, model: Model, threshold: float = 0.0, beta: float = 1.96) -> None:
        super().__init__(model, threshold)
        self.beta = float(beta)

    def score(self, mean: Tensor, sigma: Tensor) -> Tensor:
        return self.beta * sigma - (mean - self.threshold).abs()
