import math

import pytest
import torch
from botorch.models.model import Model
from botorch.posteriors import GPyTorchPosterior
from gpytorch.distributions import MultitaskMultivariateNormal, MultivariateNormal
from scipy.stats import norm

from active_science.acquisition.band_entropy import DEFAULT_RESOLUTION, BandLabelEntropy
from active_science.acquisition.entropy import LabelEntropy
from active_science.exceptions import InvalidInputError

D = torch.float64


class LinearMeanModel(Model):
    """A model whose posterior is known in closed form: mean ``a_k . x + b_k``, constant sd ``s_k`` per output,
    so ``|grad m_k| = |a_k|`` and the band width is ``s_k / |a_k|``."""

    def __init__(self, a, b, s):
        super().__init__()
        self.a, self.b, self.s = (torch.as_tensor(v, dtype=D) for v in (a, b, s))

    @property
    def num_outputs(self):
        return self.a.shape[0]

    def posterior(self, X, output_indices=None, observation_noise=False, posterior_transform=None, **kwargs):
        mean = X @ self.a.T + self.b  # ... x q x K
        if self.num_outputs == 1:
            cov = torch.diag_embed(self.s[0] ** 2 * torch.ones_like(mean[..., 0]))
            return GPyTorchPosterior(MultivariateNormal(mean[..., 0], cov))
        mvns = [MultivariateNormal(mean[..., k], torch.diag_embed(self.s[k] ** 2 * torch.ones_like(mean[..., k]))) for k in range(self.num_outputs)]
        return GPyTorchPosterior(MultitaskMultivariateNormal.from_independent_mvns(mvns))


def expected(m, s, grad_norm, t, r):
    """Closed form: binary entropy of Phi((m - t) / s) times 1 - exp(-(s / |grad m| / r)^2)."""
    p = norm.cdf((m - t) / s)
    h = -(p * math.log(p) + (1 - p) * math.log(1 - p))
    return h * (1.0 - math.exp(-((s / grad_norm / r) ** 2)))


@pytest.mark.parametrize("s", [0.001, 0.01, 0.3])
def test_closed_form_for_a_linear_mean(s):
    # m(x) = 3 x1 - 4 x2 + 0.2 (|grad m| = 5), sd s: the band is s / 5 wide; threshold 0.1
    model = LinearMeanModel([[3.0, -4.0]], [0.2], [s])
    # points at m - t = 0, 0.5 s and -1.5 s (on y = 0.3: 3 x - 1.2 + 0.2 - 0.1 = k s)
    X = torch.tensor([[[(1.1 + k * s) / 3, 0.3]] for k in (0.0, 0.5, -1.5)], dtype=D)
    got = BandLabelEntropy(model, threshold=0.1, resolution=0.003)(X)
    m = [3 * x - 4 * y + 0.2 for x, y in X[:, 0].tolist()]
    want = [expected(mi, s, 5.0, 0.1, 0.003) for mi in m]
    torch.testing.assert_close(got, torch.tensor(want, dtype=D), rtol=1e-9, atol=1e-12)


def test_wide_band_is_plain_entropy_and_narrow_band_is_switched_off():
    X = torch.tensor([[[0.5, 0.5]]], dtype=D)
    wide = LinearMeanModel([[1.0, 0.0]], [-0.5], [0.5])  # band 0.5 >> 0.003: the factor is 1 - exp(-27 778) = 1
    torch.testing.assert_close(BandLabelEntropy(wide)(X), LabelEntropy(wide)(X).detach())
    narrow = LinearMeanModel([[100.0, 0.0]], [-50.0], [1e-3])  # band 1e-5: factor (1e-5 / 0.003)^2 = 1.1e-5
    assert float(LabelEntropy(narrow)(X)) == pytest.approx(math.log(2))
    assert float(BandLabelEntropy(narrow)(X)) == pytest.approx(math.log(2) * (1 - math.exp(-((1e-5 / 0.003) ** 2))), rel=1e-9)


def test_several_outputs_take_the_largest():
    # output 0 resolved (band 1e-4), output 1 not (band 0.2): the value is output 1's
    model = LinearMeanModel([[10.0, 0.0], [0.0, 1.0]], [-5.0, -0.45], [1e-3, 0.2])
    X = torch.tensor([[[0.5, 0.5]]], dtype=D)
    got = float(BandLabelEntropy(model)(X))
    assert got == pytest.approx(max(expected(0.0, 1e-3, 10.0, 0.0, DEFAULT_RESOLUTION), expected(0.05, 0.2, 1.0, 0.0, DEFAULT_RESOLUTION)))
    assert got == pytest.approx(expected(0.05, 0.2, 1.0, 0.0, DEFAULT_RESOLUTION))


def test_gradient_for_the_optimiser_matches_finite_differences():
    # with a linear mean |grad m| is constant, so the optimiser's gradient (which holds |grad m| fixed) is exact and
    # must match central differences of the value
    model = LinearMeanModel([[2.0, -1.5]], [-0.1], [0.004])
    acq = BandLabelEntropy(model, threshold=0.0, resolution=0.003)
    x = torch.tensor([[[0.3, 0.33]]], dtype=D, requires_grad=True)
    (grad,) = torch.autograd.grad(acq(x).sum(), x)
    eps = 1e-6
    for i in range(2):
        e = torch.zeros_like(x)
        e[..., i] = eps
        fd = (acq(x.detach() + e) - acq(x.detach() - e)) / (2 * eps)
        assert abs(float(fd)) > 1.0  # x sits on the slope of the entropy, not at its flat top
        assert float(grad[..., i]) == pytest.approx(float(fd), rel=1e-5)


def test_optimiser_runs_on_a_fitted_gp():
    # gradient restarts through a real GP (Matern kernel): no second derivatives are needed
    import numpy as np

    from active_science.acquisition.optimize import maximize_acquisition
    from active_science.space import ParameterSpace
    from active_science.surrogates import GPSurrogate

    X = np.array([[0.1, 0.2], [0.8, 0.3], [0.4, 0.9], [0.6, 0.6], [0.2, 0.7], [0.9, 0.9]])
    gp = GPSurrogate(warp=False).fit(X, X[:, 0] - 0.5, np.full(len(X), 1e-6), seed=0)
    x = maximize_acquisition(BandLabelEntropy(gp.model), ParameterSpace({"a": (0.0, 1.0), "b": (0.0, 1.0)}), seed=0, num_restarts=2, raw_samples=64)
    assert abs(x[0] - 0.5) < 0.1  # on the (unresolved) crossing x = 0.5


@pytest.mark.parametrize("bad", [0.0, -0.01, float("inf"), float("nan"), True, "0.003"])
def test_resolution_is_checked(bad):
    with pytest.raises(InvalidInputError, match="resolution"):
        BandLabelEntropy(LinearMeanModel([[1.0]], [0.0], [1.0]), resolution=bad)


def test_band_is_at_least_a_fraction_of_the_distance_to_the_nearest_evaluation():
    # the GP band is 1e-5 (sd 1e-3, |grad m| = 100) at (0.5, 0.5); with evaluations 0.01 and 0.3 away and c = 0.1
    # the band is max(1e-5, 0.1 * 0.01) = 1e-3: factor 1 - exp(-(1/3)^2); with only the far one, 0.03: factor ~1
    model = LinearMeanModel([[100.0, 0.0]], [-50.0], [1e-3])
    X = torch.tensor([[[0.5, 0.5]]], dtype=D)
    near = torch.tensor([[0.5, 0.51], [0.8, 0.5]], dtype=D)
    got = float(BandLabelEntropy(model, evaluated=near, distance_fraction=0.1)(X))
    assert got == pytest.approx(math.log(2) * (1 - math.exp(-((0.001 / 0.003) ** 2))), rel=1e-9)
    far = float(BandLabelEntropy(model, evaluated=near[1:], distance_fraction=0.1)(X))
    assert far == pytest.approx(math.log(2) * (1 - math.exp(-100.0)), rel=1e-12)
    off = float(BandLabelEntropy(model, evaluated=near, distance_fraction=0.0)(X))  # 0: the GP band alone
    assert off == pytest.approx(math.log(2) * (1 - math.exp(-((1e-5 / 0.003) ** 2))), rel=1e-9)


@pytest.mark.parametrize("bad", [-0.1, float("inf"), False, None])
def test_distance_fraction_is_checked(bad):
    with pytest.raises(InvalidInputError, match="distance_fraction"):
        BandLabelEntropy(LinearMeanModel([[1.0]], [0.0], [1.0]), distance_fraction=bad)


def test_strategy_options_are_checked_when_configured():
    from active_science.registry import get_strategy

    with pytest.raises(InvalidInputError, match="resolution"):
        get_strategy("band_entropy", resolution=0)
    with pytest.raises(InvalidInputError, match="distance_fraction"):
        get_strategy("band_entropy", distance_fraction=-1)
