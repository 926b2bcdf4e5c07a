"""Networks: an ensemble of MLPs evaluated as one batched module, and the ratio/score heads built on it.

All members of an ensemble live in stacked weight tensors `(members, in, out)` and run in one ``torch.baddbmm``
per layer: on CPU the Python overhead of a small MLP dominates, so five members cost about as much wall time as one.
Inputs are `(members, batch, features)`; every member may see different rows.

Ratio heads (output ``f = log r_hat``):

- ``reference``: ``f(x, theta0) = h(x, theta0) - h(x, theta_ref)`` against a fixed denominator point (anchored:
  ``f = 0`` at ``theta0 = theta_ref`` exactly; ``anchored=False`` drops the second term);
- ``marginal``: ``f(x, theta0) = h(x, theta0)`` against the marginal ``p(x)`` (NRE-style);
- ``doubly``: ``f(x, theta0, theta1) = g(x, theta0, theta1) - g(x, theta1, theta0)`` (antisymmetric).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import nn

from active_science.ratio.config import NetworkConfig

__all__ = ["EnsembleMLP", "RatioNetwork", "ScoreNetwork", "Mode"]

Mode = Literal["reference", "marginal", "doubly"]

_ACTIVATIONS = {"tanh": torch.tanh, "silu": nn.functional.silu, "softplus": nn.functional.softplus}


class EnsembleMLP(nn.Module):
    """``members`` independent MLPs `(E, B, in) -> (E, B, out)`, initialised like ``nn.Linear`` each.

    Example:
        >>> net = EnsembleMLP(3, 2, 1, NetworkConfig(hidden=(8,)), generator=torch.Generator().manual_seed(0))
        >>> net(torch.zeros(3, 5, 2)).shape
        torch.Size([3, 5, 1])
    """

    def __init__(self, members: int, in_dim: int, out_dim: int, config: NetworkConfig, *, generator: torch.Generator) -> None:
        super().__init__()
        self.members = members
        self.activation = _ACTIVATIONS[config.activation]
        widths = [in_dim, *config.hidden, out_dim]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for fan_in, fan_out in zip(widths[:-1], widths[1:]):
            bound = 1.0 / math.sqrt(fan_in)  # nn.Linear's default (Kaiming-uniform with a = sqrt(5))
            w = torch.empty(members, fan_in, fan_out).uniform_(-bound, bound, generator=generator)
            b = torch.empty(members, 1, fan_out).uniform_(-bound, bound, generator=generator)
            self.weights.append(nn.Parameter(w))
            self.biases.append(nn.Parameter(b))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = torch.baddbmm(b, z, w)
            if i < last:
                z = self.activation(z)
        return z


class RatioNetwork(nn.Module):
    """``f = log r_hat`` `(E, B)` from standardised ``x`` `(E, B, x_dim)` and ``theta0`` (, ``theta1``) `(E, B, d)`.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> net = RatioNetwork("reference", 2, 1, 1, NetworkConfig(hidden=(8,)), anchor=torch.zeros(1), generator=g)
        >>> float(net(torch.randn(2, 4, 1), torch.zeros(2, 4, 1)).detach().abs().max())   # f(x, theta_ref) = 0
        0.0
    """

    def __init__(
        self,
        mode: Mode,
        members: int,
        x_dim: int,
        theta_dim: int,
        config: NetworkConfig,
        *,
        anchor: torch.Tensor | None = None,
        generator: torch.Generator,
    ) -> None:
        super().__init__()
        self.mode = mode
        in_dim = x_dim + (2 * theta_dim if mode == "doubly" else theta_dim)
        self.body = EnsembleMLP(members, in_dim, 1, config, generator=generator)
        self.register_buffer("anchor", anchor.reshape(-1).to(torch.float32) if anchor is not None else torch.zeros(0))

    @property
    def members(self) -> int:
        return self.body.members

    def forward(self, x: torch.Tensor, theta0: torch.Tensor, theta1: torch.Tensor | None = None) -> torch.Tensor:
        if self.mode == "doubly":
            if theta1 is None:
                raise ValueError("a doubly parameterised network needs theta1")
            both = torch.cat([torch.cat([x, theta0, theta1], -1), torch.cat([x, theta1, theta0], -1)], dim=1)
            g = self.body(both)[..., 0]
            n = x.shape[1]
            return g[:, :n] - g[:, n:]
        if self.mode == "reference" and self.anchor.numel() > 0:
            ref = self.anchor.expand_as(theta0)
            both = torch.cat([torch.cat([x, theta0], -1), torch.cat([x, ref], -1)], dim=1)
            h = self.body(both)[..., 0]
            n = x.shape[1]
            return h[:, :n] - h[:, n:]
        return self.body(torch.cat([x, theta0], -1))[..., 0]


class ScoreNetwork(nn.Module):
    """The local score ``t_hat(x)`` `(E, B, d)` from standardised events `(E, B, x_dim)` (SALLY / SALLINO)."""

    def __init__(self, members: int, x_dim: int, theta_dim: int, config: NetworkConfig, *, generator: torch.Generator) -> None:
        super().__init__()
        self.body = EnsembleMLP(members, x_dim, theta_dim, config, generator=generator)

    @property
    def members(self) -> int:
        return self.body.members

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)
