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


def bernoulli_entropy(p):
    return 0.0 if p in (0.0, 1.0) else -(p * math.log(p) + (1 - p) * math.log(1 - p))


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
    assert float(acq(torch.tensor([[[0.1]]], dtype=DT))) < 1e-12


def test_matches_a_monte_carlo_look_ahead():
    # independent check: draw y ~ predictive at x, condition the GP with botorch (condition_on_observations), average
    # the label entropy at x'; 4000 draws give a Monte Carlo standard error below 0.004 nats
    model = gp([0.0, 0.3, 0.8, 1.0], [1.0, 0.4, -0.5, -1.0])
    noise = 0.01
    x, xi = torch.tensor([[0.55]], dtype=DT), torch.tensor([[0.5]], dtype=DT)
    post = model.posterior(x)
    ys = post.mean.item() + math.sqrt(post.variance.item() + noise) * torch.randn(4000, 1, 1, generator=torch.Generator().manual_seed(0), dtype=DT)
    after = []
    for y in ys:
        cond = model.condition_on_observations(x, y, noise=torch.full_like(y, noise))
        p = cond.posterior(xi)
        after.append(bernoulli_entropy(norm.cdf(p.mean.item() / math.sqrt(p.variance.item()))))
    p0 = model.posterior(xi)
    expected = bernoulli_entropy(norm.cdf(p0.mean.item() / math.sqrt(p0.variance.item()))) - float(np.mean(after))
    got = float(InformationGain(model, xi, threshold=0.0, noise_variance=noise)(x[None]))
    assert abs(got - expected) < 0.012  # 3 MC standard errors


def test_model_list_takes_the_larger_gain():
    a, b = gp([0.1, 0.9], [1.0, -1.0]), gp([0.1, 0.9], [1.0, 1.0])
    pts = torch.tensor([[0.4], [0.5], [0.6]], dtype=DT)
    x = torch.tensor([[[0.5]]], dtype=DT)
    both = InformationGain(ModelListGP(a, b), pts)(x)
    torch.testing.assert_close(both, torch.maximum(InformationGain(a, pts)(x), InformationGain(b, pts)(x)))


def test_rejects_bad_integration_points():
    with pytest.raises(InvalidInputError, match="integration_points"):
        InformationGain(gp([0.5], [0.0]), torch.zeros(3))
