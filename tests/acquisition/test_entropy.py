import math

import torch
from botorch.utils.testing import MockModel, MockPosterior
from scipy.stats import norm

from active_science.acquisition.entropy import LabelEntropy, binary_entropy_of_z


def mock(mean, var):
    return MockModel(MockPosterior(mean=torch.tensor(mean, dtype=torch.float64), variance=torch.tensor(var, dtype=torch.float64)))


def bernoulli_entropy(p):
    return -(p * math.log(p) + (1 - p) * math.log(1 - p))


def test_closed_form_entropy_of_the_label():
    means, variances = [0.5, 2.0, -1.0], [4.0, 1.0, 0.25]
    mm = mock([[[m]] for m in means], [[[v]] for v in variances])
    got = LabelEntropy(mm, threshold=0.5)(torch.zeros(3, 1, 1, dtype=torch.float64))
    expected = [bernoulli_entropy(norm.cdf((m - 0.5) / v**0.5)) for m, v in zip(means, variances)]
    torch.testing.assert_close(got, torch.tensor(expected, dtype=torch.float64))


def test_entropy_is_accurate_in_the_far_tail():
    # z = -12: p = Phi(-12) = 1.78e-33; H ~ p (1 - log p) to relative 1e-6 (the naive formula returns 0 or NaN)
    p = norm.cdf(-12.0)
    got = float(binary_entropy_of_z(torch.tensor(-12.0, dtype=torch.float64)))
    assert math.isclose(got, p * (1 - math.log(p)), rel_tol=1e-6)
