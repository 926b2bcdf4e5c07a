"""Information gain on the excursion set ("PES" of diana-hep/excursion): a look-ahead integrated over the space.

For a candidate x and each integration point x', the mutual information between a new noisy observation ``Y(x)``
and the label ``1{f(x') > t}`` is ``H(label) - E_Y[H(label | Y)]``; the acquisition is its average over the
integration points. It is computed exactly from the joint posterior of ``(f(x), f(x'))`` (a 2 x 2 covariance):
after observing ``Y = y`` the mean at x' moves by ``c / var_y (y - m_x)`` and its variance shrinks to
``s'^2 - c^2 / var_y``; the expectation over ``y`` is a deterministic quadrature (no sampling, smooth gradients).
Unlike the pointwise entropy it prefers points that inform many uncertain labels at once, and it is zero where
an observation cannot change any label (far from the boundary).
"""

from __future__ import annotations

import numpy as np
import torch
from botorch.acquisition.acquisition import AcquisitionFunction
from botorch.models import ModelListGP
from botorch.models.model import Model
from botorch.utils.transforms import t_batch_mode_transform
from torch import Tensor

from active_science.acquisition.entropy import binary_entropy_of_z
from active_science.exceptions import InvalidInputError

__all__ = ["InformationGain"]


class InformationGain(AcquisitionFunction):
    """Expected reduction of the label entropy, averaged over integration points (q = 1).

    Args:
        model: a fitted botorch model (single output, or a ``ModelListGP``: the largest gain over outputs counts).
        integration_points: `(M, d)` unit-cube points where label uncertainty matters (e.g. a Sobol set).
        threshold: the level ``t``.
        noise_variance: observation-noise variance of the new evaluation (modelled scale).
        num_quadrature: Gauss-Hermite nodes for the expectation over the unseen observation.
        integration_weights: `(M,)` non-negative weights of the integration points (normalised here); ``None`` is
            the plain average. Importance-sampled integration points carry ``1 / q`` weights (``FocusedGainStrategy``).
        max_pairs: evaluate at most this many (candidate, integration point) pairs per model call (memory).

    Example:
        >>> from botorch.models import SingleTaskGP
        >>> X = torch.tensor([[0.1], [0.9]], dtype=torch.float64); Y = torch.tensor([[1.0], [-1.0]], dtype=torch.float64)
        >>> gp = SingleTaskGP(X, Y, torch.full_like(Y, 1e-4))
        >>> acq = InformationGain(gp, torch.tensor([[0.5]], dtype=torch.float64), threshold=0.0)
        >>> # observing f exactly at the only integration point removes all of its label entropy
        >>> from active_science.acquisition.entropy import LabelEntropy
        >>> x = torch.tensor([[[0.5]]], dtype=torch.float64)
        >>> bool(torch.isclose(acq(x), LabelEntropy(gp, threshold=0.0)(x), atol=1e-4))
        True
    """

    def __init__(
        self,
        model: Model,
        integration_points: Tensor,
        threshold: float = 0.0,
        noise_variance: float = 0.0,
        num_quadrature: int = 24,
        integration_weights: Tensor | None = None,
        max_pairs: int = 16384,
    ) -> None:
        super().__init__(model=model)
        pts = torch.as_tensor(integration_points, dtype=torch.float64)
        if pts.ndim != 2 or len(pts) < 1:
            raise InvalidInputError(f"integration_points must be (M, d) with M >= 1, got shape {tuple(pts.shape)}")
        self.register_buffer("integration_points", pts)
        if integration_weights is None:
            w_int = torch.full((len(pts),), 1.0 / len(pts), dtype=torch.float64)
        else:
            w_int = torch.as_tensor(integration_weights, dtype=torch.float64).reshape(-1)
            if w_int.shape != (len(pts),) or not bool(torch.isfinite(w_int).all()) or bool((w_int < 0).any()) or float(w_int.sum()) <= 0:
                raise InvalidInputError(
                    f"integration_weights must be ({len(pts)},) finite, non-negative and not all zero; got shape {tuple(w_int.shape)}"
                )
            w_int = w_int / w_int.sum()
        self.register_buffer("integration_weights", w_int)
        self.threshold = float(threshold)
        self.noise_variance = float(noise_variance)
        nodes, weights = np.polynomial.hermite_e.hermegauss(int(num_quadrature))  # weight exp(-z^2 / 2)
        self.register_buffer("nodes", torch.as_tensor(nodes, dtype=torch.float64))
        self.register_buffer("weights", torch.as_tensor(weights / np.sqrt(2 * np.pi), dtype=torch.float64))
        self.max_pairs = int(max_pairs)
        v = torch.linspace(-10.0, 10.0, 81, dtype=torch.float64)  # trapezoid rule for the narrow-bump case
        w = torch.full_like(v, float(v[1] - v[0]))
        w[[0, -1]] *= 0.5
        self.register_buffer("v_nodes", v)
        self.register_buffer("v_weights", w)
        self.register_buffer("v_entropy", binary_entropy_of_z(v))

    def _gain(self, model: Model, X: Tensor) -> Tensor:
        """`b` gains for `b x 1 x d` candidates under one single-output model."""
        b, M = X.shape[0], len(self.integration_points)
        Xi = self.integration_points.to(X)
        out = []
        step = max(1, self.max_pairs // M)
        for start in range(0, b, step):
            xb = X[start : start + step]  # `c x 1 x d`
            c = len(xb)
            pairs = torch.cat([xb.expand(c, M, X.shape[-1]).unsqueeze(-2), Xi.expand(c, M, -1).unsqueeze(-2)], dim=-2)
            post = model.posterior(pairs)  # batch `c x M`, q = 2
            mean = post.mean.squeeze(-1)  # `c x M x 2`
            cov = post.distribution.covariance_matrix  # `c x M x 2 x 2`
            var_y = cov[..., 0, 0] + self.noise_variance
            var_i = cov[..., 1, 1].clamp_min(1e-18)
            cross = cov[..., 0, 1]
            before = binary_entropy_of_z((mean[..., 1] - self.threshold) / var_i.sqrt())
            shift = cross / var_y.clamp_min(1e-18).sqrt()  # sd of the look-ahead mean at x'
            var_after = (var_i - shift**2).clamp_min(1e-18)
            after = self._expected_entropy(mean[..., 1] - self.threshold, shift, var_after.sqrt())
            out.append((before - after).clamp_min(0.0) @ self.integration_weights.to(X))
        return torch.cat(out)

    def _expected_entropy(self, gap: Tensor, shift: Tensor, sd_after: Tensor) -> Tensor:
        """``E_z h((gap + shift z) / sd_after)``, z ~ N(0, 1), for `...` shaped inputs.

        The integrand is a bump of width ``sd_after / shift`` in z. When that is >= 1 Gauss-Hermite in z is accurate;
        when the look-ahead is very informative (narrow bump) we integrate over ``v = (gap + shift z) / sd_after``
        instead, where the entropy is the smooth factor and the Gaussian density of z the wide one.
        """
        z_rule = binary_entropy_of_z((gap.unsqueeze(-1) + shift.unsqueeze(-1) * self.nodes) / sd_after.unsqueeze(-1)) @ self.weights
        ratio = (sd_after / shift.abs().clamp_min(1e-300)).unsqueeze(-1)  # dz/dv
        z_of_v = (self.v_nodes * sd_after.unsqueeze(-1) - gap.unsqueeze(-1)) / shift.abs().clamp_min(1e-300).unsqueeze(-1)
        density = torch.exp(-0.5 * z_of_v**2) / np.sqrt(2 * np.pi)
        v_rule = (self.v_entropy * density * ratio) @ self.v_weights
        return torch.where(sd_after < shift.abs(), v_rule, z_rule)

    @t_batch_mode_transform(expected_q=1)
    def forward(self, X: Tensor) -> Tensor:
        """``X``: `b x 1 x d` candidates; returns `b` information gains (nats)."""
        models = self.model.models if isinstance(self.model, ModelListGP) else [self.model]
        return torch.stack([self._gain(m, X) for m in models], dim=-1).amax(dim=-1)
