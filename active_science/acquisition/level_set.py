"""Shared base of the exclusion-boundary (level-set) acquisition functions.

botorch has no level-set acquisition (ARCHITECTURE.md); ours subclass its ``AnalyticAcquisitionFunction`` so that
``optimize_acqf`` and ``optimize_acqf_discrete`` work on them unchanged. A subclass implements one formula of the
posterior mean ``m`` and standard deviation ``s`` at each point, relative to the threshold ``t``.
"""

from __future__ import annotations

from abc import abstractmethod

import torch
from botorch.acquisition.analytic import AnalyticAcquisitionFunction
from botorch.models.model import Model
from botorch.utils.transforms import t_batch_mode_transform
from torch import Tensor

__all__ = ["LevelSetAcquisition"]


class LevelSetAcquisition(AnalyticAcquisitionFunction):
    """Acquisition built from the posterior mean and sd at single points (q = 1).

    With a multi-output model (several contours learnt at once, e.g. observed and expected CLs) the score is
    computed per output and the largest one counts: a point is worth simulating if any of its labels is uncertain.

    Args:
        model: a fitted botorch model (one output per contour).
        threshold: the level ``t`` of the set ``{x : f(x) = t}`` to learn (0 for ``log CLs - log alpha``).
    """

    def __init__(self, model: Model, threshold: float = 0.0) -> None:
        super().__init__(model=model, allow_multi_output=True)
        self.register_buffer("threshold", torch.as_tensor(float(threshold), dtype=torch.float64))

    @abstractmethod
    def score(self, mean: Tensor, sigma: Tensor) -> Tensor:
        """The acquisition value from `(b, K)` posterior means and sds (larger = more worth simulating)."""

    @t_batch_mode_transform(expected_q=1)
    def forward(self, X: Tensor) -> Tensor:
        """``X``: `b x 1 x d` points; returns `b` acquisition values."""
        mean, sigma = self._mean_and_sigma(X)  # `b x K`
        return self.score(mean, sigma).amax(dim=-1)
