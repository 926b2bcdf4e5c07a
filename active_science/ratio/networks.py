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
#: each activation's derivative, from its input ``a`` and output ``h`` (forward-mode tangents in ``EnsembleMLP``)
_DERIVATIVES = {
    "tanh": lambda a, h: 1.0 - h * h,
    "silu": lambda a, h: (s := torch.sigmoid(a)) * (1.0 + a * (1.0 - s)),
    "softplus": lambda a, h: torch.sigmoid(a),
}


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
        self._derivative = _DERIVATIVES[config.activation]
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

    def forward_with_tangents(self, z: torch.Tensor, tangents: list[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """The output and its directional derivatives along each of ``tangents`` (each shaped like ``z``) in one
        pass, differentiable by autograd (training backpropagates through them): ``torch.func.jvp`` per tangent,
        written out.

        Why by hand: ``torch.func.jvp`` runs ``baddbmm``'s forward-mode rule through torch's Python reference
        decompositions; on the SCANDAL density's training (80 thetas x 31 positions, 3 members, 2 000 full-batch
        steps) a retrain took 14.1 s with it and 8.0 s this way, the trained ``log p_hat`` equal to 7e-15
        (``benchmarks/scandal_training.py``).

        Example:
            >>> net = EnsembleMLP(2, 2, 3, NetworkConfig(hidden=(8,)), generator=torch.Generator().manual_seed(0)).double()
            >>> z, t = torch.randn(2, 5, 2, dtype=torch.float64), torch.randn(2, 5, 2, dtype=torch.float64)
            >>> out, (dout,) = net.forward_with_tangents(z, [t])
            >>> ref, dref = torch.func.jvp(net, (z,), (t,))
            >>> bool(torch.allclose(out, ref) and torch.allclose(dout, dref))
            True
        """
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            a = torch.baddbmm(b, z, w)
            tangents = [torch.bmm(t, w) for t in tangents]
            if i < last:
                z = self.activation(a)
                slope = self._derivative(a, z)
                tangents = [t * slope for t in tangents]
            else:
                z = a
        return z, tangents


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
