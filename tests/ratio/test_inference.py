"""likelihood_scan against closed forms: the Gaussian mean's MLE and Wald interval, the Poisson rate MLE."""

import numpy as np
import pytest

from active_science.exceptions import InvalidInputError
from active_science.ratio.inference import likelihood_scan
from active_science.simulators.gaussian import GaussianToy


def test_exact_gaussian_scan_gives_the_sample_mean_and_the_wald_interval():
    sim = GaussianToy()
    x = sim.simulate([0.2], seed=1, num_events=1000).x
    scan = likelihood_scan(sim.log_likelihood, x, np.linspace(-1, 1, 401))
    # q(theta) = n (theta - xbar)^2 / 5 is exactly quadratic: parabola refinement and interpolation are exact
    # up to the linear interpolation of a parabola between grid points 0.005 apart (error < 1e-4)
    xbar, half = x.mean(), 1.959964 * np.sqrt(5 / 1000)
    assert abs(scan.mle[0] - xbar) < 1e-9
    lo, hi = scan.interval(0.95)
    assert abs(lo - (xbar - half)) < 1e-4 and abs(hi - (xbar + half)) < 1e-4
    lo68, hi68 = scan.interval(0.6827)
    assert abs((hi68 - lo68) / 2 - np.sqrt(5 / 1000)) < 1e-4
    assert scan.region(0.95).sum() == np.sum(np.abs(scan.grid[:, 0] - xbar) <= half)


def test_asimov_weights_and_the_poisson_rate_term():
    # constant shape, rate nu(theta) = 100 theta: the extended likelihood is maximal at nu = n = 120 -> theta = 1.2
    grid = np.linspace(0.5, 2.0, 301)
    scan = likelihood_scan(lambda x, th: np.zeros(len(x)), np.zeros((3, 1)), grid, weights=np.array([40.0, 40.0, 40.0]),
                           expected_events=lambda th: 100.0 * th[0])  # fmt: skip
    assert abs(scan.mle[0] - 1.2) < 1e-3  # parabola through grid points 0.005 apart around a smooth minimum
    lo, hi = scan.interval(0.6827)
    assert abs((hi - lo) / 2 - np.sqrt(120) / 100) < 0.01  # Poisson: sd(n) / 100 ~ 0.11, asymptotically


def test_bad_inputs_are_refused():
    with pytest.raises(InvalidInputError, match="weights"):
        likelihood_scan(lambda x, th: np.zeros(len(x)), np.zeros((3, 1)), np.zeros((2, 1)), weights=np.ones(2))
    with pytest.raises(InvalidInputError, match="not finite"):
        likelihood_scan(lambda x, th: np.full(len(x), np.nan), np.zeros((3, 1)), np.zeros((2, 1)))
