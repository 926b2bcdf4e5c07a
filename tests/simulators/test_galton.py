"""The generalised Galton board against independent truths: the binomial board at theta = 0, Monte Carlo
frequencies, finite differences of the exact likelihood, and E[gold | x] per final position."""

import numpy as np
import pytest
from scipy.stats import binom, chisquare

from active_science import InvalidInputError
from active_science.simulators.galton import GaltonBoard


def test_theta_zero_is_the_classic_binomial_board():
    # at theta = 0 every nail is 50/50: x - 15 = (#right on 10 even rows) - (#left on 10 odd rows) ~ Bin(20, 1/2) - 10
    p = GaltonBoard().probabilities(np.array([0.0]))[0]
    k = np.arange(31) - 15
    np.testing.assert_allclose(p, binom.pmf(k + 10, 20, 0.5), atol=1e-15)


def test_simulated_frequencies_match_the_dynamic_programme():
    board = GaltonBoard()
    s = board.simulate([-0.8], seed=3, num_events=100_000)
    counts = np.bincount(s.x[:, 0].astype(int), minlength=31)
    expected = board.probabilities(np.array([-0.8]))[0] * 100_000
    keep = expected > 5  # chi-square validity
    stat = chisquare(counts[keep], expected[keep] * counts[keep].sum() / expected[keep].sum())
    assert stat.pvalue > 1e-4  # a correct simulator fails this once in 10^4 seeds
    assert counts[~keep].sum() < 50


def test_exact_score_is_the_derivative_of_the_exact_likelihood():
    board = GaltonBoard()
    x = np.arange(5.0, 26.0)[:, None]
    h = 1e-6
    fd = (board.log_likelihood(x, [-0.7 + h]) - board.log_likelihood(x, [-0.7 - h])) / (2 * h)
    np.testing.assert_allclose(board.score(x, [-0.7])[:, 0], fd, rtol=1e-6, atol=1e-8)


def test_gold_averages_to_the_exact_ratio_and_score_per_position():
    board = GaltonBoard()
    s = board.simulate([-0.6], seed=4, num_events=200_000, gold=True, theta_refs=[[-0.8]])
    p0, p1 = board.probabilities(np.array([-0.8, -0.6]))
    r_xz = np.exp(-s.log_r_xz[:, 0])  # r(x, z | -0.8, -0.6)
    x = s.x[:, 0].astype(int)
    t_exact = board.score(np.arange(31.0)[:, None], [-0.6])[:, 0]
    for pos in range(9, 22):
        m = x == pos
        # conditional means over >= 3000 events: standard errors below 1.5 % of r and 0.05 of t; 5 sigma
        se_r = r_xz[m].std() / np.sqrt(m.sum())
        assert abs(r_xz[m].mean() - p0[pos] / p1[pos]) < 5 * se_r
        se_t = s.t_xz[m, 0].std() / np.sqrt(m.sum())
        assert abs(s.t_xz[m, 0].mean() - t_exact[pos]) < 5 * se_t


def test_same_seed_same_balls_whether_theta_is_shared_or_per_event():
    board = GaltonBoard()
    a = board.simulate([-0.7], seed=5, num_events=1000)
    b = board.simulate(np.full((1000, 1), -0.7), seed=5)
    np.testing.assert_array_equal(a.x, b.x)


def test_impossible_positions_have_zero_likelihood():
    board = GaltonBoard()
    ll = board.log_likelihood(np.array([[4.0], [15.5], [15.0]]), [-0.6])
    assert ll[0] == -np.inf and ll[1] == -np.inf and np.isfinite(ll[2])


def test_a_board_too_small_for_its_rows_is_refused():
    with pytest.raises(InvalidInputError, match="n_nails"):
        GaltonBoard(n_rows=30, n_nails=31)
