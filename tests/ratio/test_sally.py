"""SALLY / SALLINO on the Gaussian toy: the learnt score is (x - theta_ref) / 5, histogram ratios are close to exact."""

import numpy as np

from active_science.ratio import ScoreEstimator
from active_science.simulators.gaussian import GaussianToy

from .conftest import SHORT, SMALL_NET


def test_sally_learns_the_exact_score_and_sallino_the_ratio():
    sim = GaussianToy()
    est = ScoreEstimator([0.0], method="sallino", network=SMALL_NET)
    est.append(sim.simulate([0.0], seed=0, num_events=4000, gold=True)).train(SHORT)
    x = np.linspace(-3, 3, 7)[:, None]
    np.testing.assert_allclose(est.score(x)[:, 0], x[:, 0] / 5, atol=0.05)  # |t| <= 0.6; measured error 0.02
    est.fit_densities(sim, np.array([[0.5]]), num_events=20000, seed=1, bins=20)
    xi = sim.simulate([0.0], seed=2, num_events=2000).x
    exact = sim.log_likelihood(xi, [0.5]) - sim.log_likelihood(xi, [0.0])
    # 20 quantile bins of 1000 events: bin-mass noise ~ sqrt(2/1000) = 0.045 per bin plus binning bias
    assert np.sqrt(np.mean((est.log_ratio(xi, [0.5]) - exact) ** 2)) < 0.08
