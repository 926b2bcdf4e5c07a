import numpy as np
import torch
from botorch.acquisition import AcquisitionFunction
from botorch.utils.testing import MockModel, MockPosterior

from active_science.acquisition.optimize import maximize_acquisition
from active_science.space import ParameterSpace


class Parabola(AcquisitionFunction):
    """``-(x - 0.3)^2`` summed over coordinates: maximum at 0.3 (a known optimum, no model needed)."""

    def __init__(self):
        super().__init__(MockModel(MockPosterior(mean=torch.zeros(1, 1))))

    def forward(self, X):
        return -((X[..., 0, :] - 0.3) ** 2).sum(-1)


SPACE = ParameterSpace({"x": (0.0, 1.0)})


def test_best_raw_sample_without_polish():
    x = maximize_acquisition(Parabola(), SPACE, seed=0, raw_samples=1024, num_restarts=0)
    # 1024 scrambled Sobol points in 1D put one point in each interval of width 1/1024: the best is within 1/512
    assert abs(x[0] - 0.3) < 2 / 1024


def test_gradient_polish_reaches_the_optimum():
    x = maximize_acquisition(Parabola(), SPACE, seed=0, raw_samples=16, num_restarts=2, maxiter=50)
    # L-BFGS-B on a parabola converges to its vertex (tolerance: scipy's default pgtol 1e-5 on the gradient 2 dx)
    assert abs(x[0] - 0.3) < 1e-4


def test_avoided_points_are_kept_at_a_distance():
    x = maximize_acquisition(Parabola(), SPACE, seed=0, avoid=np.array([[0.3]]), min_distance=0.05, raw_samples=1024, num_restarts=0)
    # the best admissible raw sample is the nearest one outside (0.25, 0.35): within 1/512 of that edge
    assert 0.05 <= abs(x[0] - 0.3) < 0.05 + 2 / 1024
