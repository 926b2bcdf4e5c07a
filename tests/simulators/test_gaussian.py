"""The Gaussian toy against its closed forms: marginal N(theta, 5), gold from the latent z (not x)."""

import numpy as np
import pytest
from scipy.stats import norm

from active_science import InvalidInputError
from active_science.simulators.gaussian import GaussianToy


def test_marginal_moments_and_exact_likelihood():
    sim = GaussianToy()
    s = sim.simulate([0.3], seed=0, num_events=100_000)
    # mean and variance of N(0.3, 5): standard errors sqrt(5/1e5) = 0.007 and 5 sqrt(2/1e5) = 0.022; 5 sigma
    assert abs(s.x.mean() - 0.3) < 0.035
    assert abs(s.x.var() - 5.0) < 0.11
    x = np.array([[-2.0], [0.0], [3.5]])
    np.testing.assert_allclose(sim.log_likelihood(x, [0.3]), norm.logpdf(x[:, 0], 0.3, np.sqrt(5.0)), rtol=1e-12)
    np.testing.assert_allclose(sim.score(x, [0.3])[:, 0], (x[:, 0] - 0.3) / 5.0, rtol=1e-12)


def test_gold_is_computed_from_the_latent():
    sim = GaussianToy()
    s = sim.simulate([0.3], seed=1, num_events=200_000, gold=True, theta_refs=[[0.0], [0.8]])
    z = 0.3 + 4.0 * s.t_xz[:, 0]  # t_xz = (z - theta) / 4
    # latent z ~ N(0.3, 4): sd of the variance estimate 4 sqrt(2/2e5) = 0.013; 5 sigma
    assert abs(z.var() - 4.0) < 0.065
    expected = norm.logpdf(z, 0.3, 2.0)[:, None] - norm.logpdf(z[:, None], np.array([0.0, 0.8]), 2.0)
    np.testing.assert_allclose(s.log_r_xz, expected, atol=1e-10)
    # E[t_xz | x] = t(x) = (x - theta) / 5: the regression slope of t_xz on x is 1/5 (MadMiner's x-based
    # joint score would give 1/4). Slope standard error ~ sd(resid) / (sd(x) sqrt(n)) = 0.22 / (2.24 * 447) = 2e-4
    slope = np.polyfit(s.x[:, 0], s.t_xz[:, 0], 1)[0]
    assert abs(slope - 0.2) < 0.002


def test_per_event_thetas_follow_their_own_point():
    sim = GaussianToy()
    th = np.repeat([[-1.0], [1.0]], 50_000, axis=0)
    s = sim.simulate(th, seed=2)
    np.testing.assert_array_equal(s.theta, th)
    # two means, each with standard error sqrt(5 / 5e4) = 0.01; 5 sigma
    assert abs(s.x[:50_000].mean() + 1.0) < 0.05 and abs(s.x[50_000:].mean() - 1.0) < 0.05


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda s: s.simulate([[0.0, 1.0]], seed=0), "shape"),
        (lambda s: s.simulate([0.0], seed=0, theta_refs=[[0.0]]), "gold=True"),
        (lambda s: s.simulate([[0.0], [1.0]], seed=0, num_events=5), "num_events"),
        (lambda s: s.simulate([0.0], seed=0, design=np.zeros(1)), "design"),
        (lambda s: GaussianToy(sigma_z=-1.0), "sigma_z"),
    ],
)
def test_bad_input_is_refused_with_the_fix(call, match):
    with pytest.raises(InvalidInputError, match=match):
        call(GaussianToy())
