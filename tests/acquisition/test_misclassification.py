import torch
from botorch.utils.testing import MockModel, MockPosterior
from scipy.stats import norm

from active_science.acquisition.misclassification import Misclassification


def mock(mean, var):
    return MockModel(MockPosterior(mean=torch.tensor(mean, dtype=torch.float64), variance=torch.tensor(var, dtype=torch.float64)))


def test_closed_form_phi_of_minus_abs_z():
    # b = 3 points, t = 0.5: Phi(-|m - t| / s) from scipy (independent implementation of the normal CDF)
    means, variances = [0.5, 2.0, -1.0], [4.0, 1.0, 0.25]
    mm = mock([[[m]] for m in means], [[[v]] for v in variances])
    got = Misclassification(mm, threshold=0.5)(torch.zeros(3, 1, 1, dtype=torch.float64))
    expected = [norm.cdf(-abs(m - 0.5) / v**0.5) for m, v in zip(means, variances)]
    torch.testing.assert_close(got, torch.tensor(expected, dtype=torch.float64))


def test_multi_output_takes_the_most_uncertain_label():
    # two contours at one point: |z| = 3 and |z| = 0.5 -> the larger misclassification probability Phi(-0.5) counts
    mm = mock([[[3.0, 0.5]]], [[[1.0, 1.0]]])
    got = Misclassification(mm, threshold=0.0)(torch.zeros(1, 1, 1, dtype=torch.float64))
    torch.testing.assert_close(got, torch.tensor([norm.cdf(-0.5)], dtype=torch.float64))
