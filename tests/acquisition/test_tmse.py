import math

import torch
from botorch.utils.testing import MockModel, MockPosterior
from scipy.stats import norm

from active_science.acquisition.tmse import TargetedMSE


def mock(mean, var):
    return MockModel(MockPosterior(mean=torch.tensor(mean, dtype=torch.float64), variance=torch.tensor(var, dtype=torch.float64)))


def test_closed_form_with_and_without_noise():
    means, variances = [0.5, 2.0, -1.0], [4.0, 1.0, 0.25]
    mm = mock([[[m]] for m in means], [[[v]] for v in variances])
    X = torch.zeros(3, 1, 1, dtype=torch.float64)
    for noise in (0.0, 0.3):
        got = TargetedMSE(mm, threshold=0.5, noise_variance=noise)(X)
        # s^2 N(t; m, s^2 + noise) with scipy's normal density
        expected = [v * norm.pdf(0.5, loc=m, scale=math.sqrt(v + noise)) for m, v in zip(means, variances)]
        torch.testing.assert_close(got, torch.tensor(expected, dtype=torch.float64))
