"""Network heads: the doubly parameterised output is antisymmetric, the anchored one vanishes at theta_ref; the
ensemble's hand-written forward-mode tangents equal torch.func.jvp's, values and parameter gradients."""

import pytest
import torch

from active_science.ratio.config import NetworkConfig
from active_science.ratio.networks import EnsembleMLP, RatioNetwork


def test_doubly_parameterised_output_is_antisymmetric_in_theta0_theta1():
    g = torch.Generator().manual_seed(0)
    net = RatioNetwork("doubly", 3, 2, 1, NetworkConfig(hidden=(8, 8)), generator=g)
    x, a, b = torch.randn(3, 10, 2), torch.randn(3, 10, 1), torch.randn(3, 10, 1)
    with torch.no_grad():
        assert torch.allclose(net(x, a, b), -net(x, b, a))
        assert net(x, a, a).abs().max() == 0.0


def test_anchored_reference_network_is_zero_at_the_reference_and_not_elsewhere():
    g = torch.Generator().manual_seed(1)
    net = RatioNetwork("reference", 2, 1, 1, NetworkConfig(hidden=(8,)), anchor=torch.tensor([0.3]), generator=g)
    x = torch.randn(2, 6, 1)
    with torch.no_grad():
        assert net(x, torch.full((2, 6, 1), 0.3)).abs().max() == 0.0
        assert net(x, torch.full((2, 6, 1), -1.0)).abs().min() > 0.0


def test_ensemble_members_are_independent_networks():
    g = torch.Generator().manual_seed(2)
    net = EnsembleMLP(4, 1, 1, NetworkConfig(hidden=(8,)), generator=g)
    z = torch.linspace(-1, 1, 5)[None, :, None].expand(4, -1, -1)
    with torch.no_grad():
        out = net(z)[..., 0]
    assert len({tuple(row.tolist()) for row in out}) == 4  # different initialisations
    # one member's output depends only on its own weights
    with torch.no_grad():
        net.weights[0][1].mul_(2.0)
        out2 = net(z)[..., 0]
    assert torch.equal(out[0], out2[0]) and not torch.equal(out[1], out2[1])


@pytest.mark.parametrize("activation", ["tanh", "silu", "softplus"])
def test_forward_tangents_equal_torch_func_jvp_and_backpropagate_alike(activation):
    """Against torch's own forward-mode AD (an independent implementation): outputs, both tangents, and the gradient
    of a loss built from them (what SCANDAL's score term trains through) agree to float64 rounding."""
    g = torch.Generator().manual_seed(3)
    net = EnsembleMLP(3, 2, 5, NetworkConfig(hidden=(16, 16), activation=activation), generator=g).double()
    z = torch.randn(3, 7, 2, dtype=torch.float64, generator=g)
    tangents = [torch.randn(3, 7, 2, dtype=torch.float64, generator=g) for _ in range(2)]

    def loss_of(out, dts):
        return out.sin().sum() + sum((dt**2).sum() for dt in dts)

    out, dts = net.forward_with_tangents(z, tangents)
    mine = torch.autograd.grad(loss_of(out, dts), list(net.parameters()))
    ref = [torch.func.jvp(net, (z,), (t,)) for t in tangents]
    ref_out, ref_dts = ref[0][0], [d for _, d in ref]
    theirs = torch.autograd.grad(loss_of(ref_out, ref_dts), list(net.parameters()))
    assert torch.allclose(out, ref_out, rtol=0, atol=1e-13)
    for mine_dt, ref_dt in zip(dts, ref_dts):
        assert torch.allclose(mine_dt, ref_dt, rtol=0, atol=1e-13)
    for a, b in zip(mine, theirs):
        assert torch.allclose(a, b, rtol=1e-11, atol=1e-12)
