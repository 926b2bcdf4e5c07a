"""Histogram densities: masses by hand, discrete values get their own bins."""

import numpy as np

from active_science.ratio.histogram import HistogramDensity, default_bins, shared_edges


def test_masses_with_pseudo_counts_by_hand():
    h = HistogramDensity.fit(np.array([[0.0], [0.2], [2.0]]), (np.array([1.0]),), pseudo_count=0.5)
    np.testing.assert_allclose(np.exp(h.log_prob(np.array([[0.5], [1.5]]))), [2.5 / 4, 1.5 / 4])


def test_discrete_values_get_one_bin_each_and_quantile_bins_are_equally_populated():
    edges = shared_edges([np.array([[1.0], [3.0]]), np.array([[2.0], [3.0]])], 10)
    assert edges[0].tolist() == [1.5, 2.5]
    x = np.random.default_rng(0).normal(size=(10000, 1))
    e = shared_edges([x], 10)[0]
    counts = np.bincount(np.searchsorted(e, x[:, 0]), minlength=10)
    assert counts.min() >= 999 and counts.max() <= 1001  # quantile edges: equal counts up to ties at the edges
    assert default_bins(8) == 5 and default_bins(10**6) == 50
