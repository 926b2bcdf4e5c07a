"""BinnedObservable: exact bin probabilities (against scipy quadrature), sampling, gold validity, errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from active_science.exceptions import InvalidInputError
from active_science.simulators.binned import BinnedObservable
from active_science.simulators.weinberg import Weinberg

THETA = np.array([0.23, 1.17])
W = Weinberg(parameters=("sin2w", "g_f"), default_design=[75.0])
B = BinnedObservable(W, np.linspace(-1, 1, 21), x_range=(-1.4, 1.4))


def test_bin_probabilities_match_scipy_quadrature_of_the_exact_density():
    p = B.probabilities(THETA)
    lims = B.edges.copy()
    lims[0], lims[-1] = -1.4, 1.4
    dens = lambda x: float(np.exp(W.log_likelihood(np.array([[x]]), THETA))[0])  # noqa: E731
    ref = [integrate.quad(dens, lims[k], lims[k + 1], epsabs=1e-13)[0] for k in range(20)]
    np.testing.assert_allclose(p, ref, rtol=0, atol=1e-12)
    assert abs(p.sum() - 1.0) < 1e-12


def test_simulated_bins_follow_the_exact_probabilities_and_gold_passes_through():
    n = 200_000
    out = B.simulate(THETA, seed=3, num_events=n, gold=True)
    assert out.t_xz.shape == (n, 2) and set(np.unique(out.x[:, 0])) <= set(B.support[:, 0])
    idx = B.bin_index(out.x[:, 0])
    p = B.probabilities(THETA)
    counts = np.bincount(idx, minlength=20)
    z = (counts - n * p) / np.sqrt(n * p * (1 - p))
    assert np.abs(z).max() < 4.0, z  # 20 bins: a 4-sigma excursion has probability ~1e-3 under the truth
    # gold stays valid: the mean joint score in a bin is the binned score d log p(bin | theta) / d theta
    h = 1e-6
    for a in range(2):
        step = np.eye(2)[a] * h
        score = (np.log(B.probabilities(THETA + step)) - np.log(B.probabilities(THETA - step))) / (2 * h)
        busy = counts > 2000
        mean_t = np.bincount(idx, weights=out.t_xz[:, a], minlength=20)[busy] / counts[busy]
        se = np.array([out.t_xz[idx == k, a].std() for k in np.flatnonzero(busy)]) / np.sqrt(counts[busy])
        assert np.all(np.abs(mean_t - score[busy]) < 5 * se + 1e-9), (a, mean_t - score[busy], se)


def test_log_likelihood_of_binned_events_and_errors():
    ll = B.log_likelihood(B.support[[0, 10]], THETA)
    np.testing.assert_allclose(np.exp(ll), B.probabilities(THETA)[[0, 10]])
    with pytest.raises(InvalidInputError, match="not bin centres"):
        B.log_likelihood(np.array([[0.01]]), THETA)
    with pytest.raises(InvalidInputError, match="increasing"):
        BinnedObservable(W, [0.0, 0.0, 1.0], x_range=(-2, 2))
    with pytest.raises(InvalidInputError, match="x_range"):
        BinnedObservable(W, np.linspace(-1, 1, 5), x_range=(0.0, 2.0))
    assert B.bin_index(np.array([-5.0, 5.0])).tolist() == [0, 19]  # under- and overflow go to the outer bins
    import pickle

    back = pickle.loads(pickle.dumps(B))  # Ray workers receive the simulator pickled
    np.testing.assert_array_equal(back.probabilities(THETA), B.probabilities(THETA))
    assert back.acceptance_edge == W.acceptance_edge  # the wrapped simulator's attributes stay reachable


def test_binned_weinberg_task_has_the_binned_truth():
    from active_science.ratio.inference import likelihood_scan
    from active_science.ratio_scan_tasks import ratio_task

    task = ratio_task("weinberg", grid_size=11, bins=20, observed_events=500)
    assert task.simulator.support.shape == (20, 1) and set(np.unique(task.x_obs)) <= set(task.simulator.support[:, 0])
    q = likelihood_scan(lambda x, th: task.simulator.log_likelihood(x, th), task.x_obs, task.grid).q
    np.testing.assert_allclose(task.q_exact, q)
    assert task.excluded.any() and not task.excluded.all()
    with pytest.raises(InvalidInputError, match="bins=40 applies to the 'weinberg' task only"):
        ratio_task("galton", bins=40)
