import torch
from botorch.utils.testing import MockModel, MockPosterior

from active_science.acquisition.straddle import Straddle


def mock(mean, var):
    return MockModel(MockPosterior(mean=torch.tensor(mean, dtype=torch.float64), variance=torch.tensor(var, dtype=torch.float64)))


def test_closed_form_on_a_batch():
    # b = 3 points, q = 1: values 1.96 * s - |m - t| with t = 0.5
    mm = mock([[[0.5]], [[2.0]], [[-1.0]]], [[[4.0]], [[1.0]], [[0.25]]])
    X = torch.zeros(3, 1, 1, dtype=torch.float64)
    got = Straddle(mm, threshold=0.5)(X)
    expected = torch.tensor([1.96 * 2 - 0.0, 1.96 * 1 - 1.5, 1.96 * 0.5 - 1.5], dtype=torch.float64)
    torch.testing.assert_close(got, expected)


def test_beta_scales_the_uncertainty_term():
    mm = mock([[[0.0]]], [[[1.0]]])
    assert float(Straddle(mm, threshold=0.0, beta=3.0)(torch.zeros(1, 1, 1, dtype=torch.float64))) == 3.0
