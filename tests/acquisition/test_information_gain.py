import math

import botorch
import numpy as np
import pytest
import torch
from botorch.models import ModelListGP, SingleTaskGP
from scipy.stats import norm

from active_science.acquisition.entropy import LabelEntropy
from active_science.acquisition.information_gain import InformationGain
from active_science.exceptions import InvalidInputError

DT = torch.float64


def gp(X, Y, lengthscale=0.2, noise=1e-4):
    X = torch.tensor(X, dtype=DT).reshape(-1, 1)
    Y = torch.tensor(Y, dtype=DT).reshape(-1, 1)
    with botorch.settings.validate_input_scaling(False):  # unstandardised toy outcomes on purpose
        model = SingleTaskGP(X, Y, torch.full_like(Y, noise), outcome_transform=None)
    model.covar_module.lengthscale = lengthscale
    return model.eval()


def entropy(p):
    p = np.clip(p, 1e-300, 1 - 1e-16)
    return -(p * np.log(p) + (1 - p) * np.log1p(-p))


def test_exact_observation_at_the_integration_point_removes_its_entropy():
    # noise-free look-ahead at x' itself: the label becomes certain, so the gain is the prior label entropy
    model = gp([0.1, 0.9], [1.0, -1.0])
    x = torch.tensor([[[0.45]]], dtype=DT)
    acq = InformationGain(model, torch.tensor([[0.45]], dtype=DT), threshold=0.2)
    torch.testing.assert_close(acq(x), LabelEntropy(model, threshold=0.2)(x), atol=1e-6, rtol=1e-6)


def test_far_integration_points_gain_nothing():
    # lengthscale 0.02: f(0.1) and f(0.9) are independent a posteriori, so observing one says nothing of the other
    model = gp([0.5], [0.0], lengthscale=0.02)
    acq = InformationGain(model, torch.tensor([[0.9]], dtype=DT))
    assert float(acq(torch.tensor([[[0.1]]], dtype=DT)).detach()) < 1e-12


def test_matches_a_monte_carlo_look_ahead():
    # independent check: draw y ~ predictive at x, condition the GP on it with botorch (condition_on_observations,
    # batched over draws), average the exact label entropy at x'. A sharp case: the look-ahead sd at x' (0.15) is much
    # smaller than the spread of its look-ahead mean (0.68), where a plain 16-node Gauss-Hermite rule is off by 0.03.
    model = gp([0.0, 0.3, 0.8, 1.0], [1.0, 0.4, -0.5, -1.0])
    noise, n = 0.01, 20000
    x, xi = torch.tensor([[0.55]], dtype=DT), torch.tensor([[0.5]], dtype=DT)
    with torch.no_grad():
        post = model.posterior(x)
        z = torch.randn(n, 1, 1, generator=torch.Generator().manual_seed(0), dtype=DT)
        ys = post.mean + (post.variance + noise).sqrt() * z
        cond = model.condition_on_observations(x.expand(n, 1, 1), ys, noise=torch.full_like(ys, noise))
        p = cond.posterior(xi.expand(n, 1, 1))
        after = entropy(norm.cdf(p.mean.reshape(-1).numpy() / np.sqrt(p.variance.reshape(-1).numpy())))
        p0 = model.posterior(xi)
        expected = entropy(norm.cdf(p0.mean.item() / math.sqrt(p0.variance.item()))) - after.mean()
        got = float(InformationGain(model, xi, threshold=0.0, noise_variance=noise)(x[None]))
    assert abs(got - expected) < 3 * after.std() / math.sqrt(n)  # 3 Monte Carlo standard errors (~0.005)


def test_model_list_takes_the_larger_gain():
    a, b = gp([0.1, 0.9], [1.0, -1.0]), gp([0.1, 0.9], [1.0, 1.0])
    pts = torch.tensor([[0.4], [0.5], [0.6]], dtype=DT)
    x = torch.tensor([[[0.5]]], dtype=DT)
    both = InformationGain(ModelListGP(a, b), pts)(x)
    torch.testing.assert_close(both, torch.maximum(InformationGain(a, pts)(x), InformationGain(b, pts)(x)))


def test_rejects_bad_integration_points():
    with pytest.raises(InvalidInputError, match="integration_points"):
        InformationGain(gp([0.5], [0.0]), torch.zeros(3))


def test_integration_weights_weight_the_per_point_gains():
    # the weighted gain is the weighted mean of the single-point gains (each computed independently)
    model = gp([0.0, 0.3, 0.8, 1.0], [1.0, 0.4, -0.5, -1.0])
    pts = torch.tensor([[0.45], [0.55], [0.7]], dtype=DT)
    x = torch.tensor([[[0.5]], [[0.6]]], dtype=DT)
    single = torch.stack([InformationGain(model, p[None], noise_variance=0.01)(x) for p in pts], dim=-1)
    w = torch.tensor([1.0, 3.0, 0.0], dtype=DT)
    got = InformationGain(model, pts, noise_variance=0.01, integration_weights=w)(x)
    torch.testing.assert_close(got, single @ (w / w.sum()))
    torch.testing.assert_close(InformationGain(model, pts, integration_weights=torch.ones(3))(x), InformationGain(model, pts)(x))


@pytest.mark.parametrize("weights", [torch.ones(2), -torch.ones(3), torch.zeros(3), torch.tensor([1.0, float("nan"), 1.0])])
def test_rejects_bad_integration_weights(weights):
    with pytest.raises(InvalidInputError, match="integration_weights"):
        InformationGain(gp([0.5], [0.0]), torch.zeros(3, 1), integration_weights=weights)
