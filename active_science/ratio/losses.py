"""Losses of the ratio estimators (SCIENCE.md section 3), per ensemble member.

Convention: ``y = 0`` <=> ``x`` drawn from ``theta0`` (the numerator), ``y = 1`` <=> from ``theta1``; the network
output is ``f = log r_hat(x | theta0, theta1)`` and ``s_hat = 1 / (1 + r_hat) = sigmoid(-f)`` is the probability of
``y = 1``. Cross-entropies are computed from the logit ``-f`` (``binary_cross_entropy_with_logits``), never from
``s_hat``. Every function takes `(E, B)` tensors (members x rows) with row weights ``w`` `(E, B)` and returns the
weighted mean per member, `(E,)`.

Example:
    >>> f = torch.zeros(1, 2); y = torch.tensor([[0.0, 1.0]]); w = torch.ones(1, 2)
    >>> round(float(cross_entropy(f, y, w)[0]), 6)   # log 2 at s_hat = 1/2
    0.693147
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from active_science.ratio.methods import MethodSpec

__all__ = ["cross_entropy", "soft_cross_entropy", "ratio_regression", "score_regression", "method_loss"]


def _wmean(values: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return (values * w).sum(dim=1) / w.sum(dim=1).clamp_min(1e-12)


def cross_entropy(f: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """CARL: ``BCE(y, s_hat)`` with ``s_hat = sigmoid(-f)``, from the logit."""
    return _wmean(F.binary_cross_entropy_with_logits(-f, y, reduction="none"), w)


def soft_cross_entropy(f: torch.Tensor, log_r_xz: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """ALICE: cross-entropy against the soft label ``s_xz = 1 / (1 + r_xz) = sigmoid(-log r_xz)`` for every row."""
    return _wmean(F.binary_cross_entropy_with_logits(-f, torch.sigmoid(-log_r_xz), reduction="none"), w)


def ratio_regression(f: torch.Tensor, y: torch.Tensor, log_r_xz: torch.Tensor, w: torch.Tensor, *, clip: float = 10.0) -> torch.Tensor:
    """ROLR: ``y (r_xz - r_hat)^2 + (1 - y) (1/r_xz - 1/r_hat)^2`` with both log ratios clipped to ``+-clip``.

    For ``x ~ theta1`` the minimiser of the first term is ``E[r_xz | x] = r(x)``; for ``x ~ theta0`` that of the
    second is ``E[1/r_xz | x] = 1/r(x)``.
    """
    lr_hat = f.clamp(-clip, clip)
    lr = log_r_xz.clamp(-clip, clip)
    sq = torch.where(y > 0.5, (torch.exp(lr) - torch.exp(lr_hat)) ** 2, (torch.exp(-lr) - torch.exp(-lr_hat)) ** 2)
    return _wmean(sq, w)


def score_regression(t_hat: torch.Tensor, t_xz: torch.Tensor, mask: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """``mean[mask ||t_hat - t_xz||^2]`` over all rows (rows outside ``mask`` contribute 0), `(E,)`.

    ``t_hat`` and ``t_xz`` are `(E, B, d)` in the same (standardised) parameter units; ``mask`` `(E, B)` selects the
    rows whose gold score applies (NaN gold must be masked out, it is replaced by 0 here).
    """
    diff = torch.where(mask[..., None], t_hat - torch.nan_to_num(t_xz), torch.zeros_like(t_hat))
    return _wmean((diff**2).sum(dim=-1), w)


def method_loss(
    spec: MethodSpec,
    f: torch.Tensor,
    y: torch.Tensor,
    w: torch.Tensor,
    *,
    log_r_xz: torch.Tensor | None = None,
    score_term: torch.Tensor | None = None,
    alpha: float = 1.0,
    clip: float = 10.0,
) -> torch.Tensor:
    """The loss of ``spec`` per member: base loss (+ ``alpha`` times the precomputed score term)."""
    if spec.base == "carl":
        loss = cross_entropy(f, y, w)
    elif spec.base == "alice":
        assert log_r_xz is not None
        loss = soft_cross_entropy(f, log_r_xz, w)
    else:
        assert log_r_xz is not None
        loss = ratio_regression(f, y, log_r_xz, w, clip=clip)
    if spec.uses_score and score_term is not None:
        loss = loss + alpha * score_term
    return loss
