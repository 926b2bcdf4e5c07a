import numpy as np
import pytest

from active_science.exceptions import InvalidInputError
from active_science.surrogates import GPSurrogate, SubsetGPSurrogate
from active_science.surrogates.subset import select_subset


def test_below_max_points_it_is_the_exact_gp():
    X = np.random.default_rng(1).uniform(size=(30, 2))
    y = np.sin(4 * X[:, 0]) - X[:, 1]
    a = SubsetGPSurrogate(max_points=50, warp=False).fit(X, y, np.full(30, 1e-4), seed=0)
    b = GPSurrogate(warp=False).fit(X, y, np.full(30, 1e-4), seed=0)
    Q = np.random.default_rng(2).uniform(size=(20, 2))
    np.testing.assert_allclose(a.predict(Q)[0], b.predict(Q)[0], rtol=1e-10, atol=1e-10)  # same data, same seed


def test_subset_keeps_the_boundary_and_covers_the_space():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(3000, 2))
    y = X[:, 0] - 0.5
    idx = select_subset(X, y, None, size=200, threshold=0.0, boundary_fraction=0.5, seed=0)
    assert len(np.unique(idx)) == 200
    # the 100 boundary points are the 100 smallest |y| (independent check with a sort)
    np.testing.assert_array_equal(np.sort(idx[:100]), np.sort(np.argsort(np.abs(y))[:100]))
    # the farthest-point cover leaves no hole: every point is within 0.12 of a kept point (a 10x10 lattice has
    # covering radius 0.071; greedy farthest-point selection is within a factor 2 of the optimum)
    d = np.sqrt(((X[:, None, :] - X[None, idx, :]) ** 2).sum(-1)).min(axis=1)
    assert d.max() < 0.15


def test_subset_gp_labels_a_large_data_set_correctly():
    rng = np.random.default_rng(3)
    X = rng.uniform(size=(2000, 2))
    y = np.sin(3 * X[:, 0]) + X[:, 1] - 1.0
    s = SubsetGPSurrogate(max_points=150, warp=False).fit(X, y, np.full(2000, 1e-4), seed=0)
    assert s.num_training_points == 150
    Q = rng.uniform(size=(2000, 2))
    truth = np.sin(3 * Q[:, 0]) + Q[:, 1] - 1.0 > 0
    assert np.mean((s.predict(Q)[0] > 0) == truth) > 0.98  # 150 well-placed points suffice for this smooth contour


def test_rejects_bad_settings():
    with pytest.raises(InvalidInputError, match="max_points"):
        SubsetGPSurrogate(max_points=1)
    with pytest.raises(InvalidInputError, match="boundary_fraction"):
        SubsetGPSurrogate(boundary_fraction=1.5)
