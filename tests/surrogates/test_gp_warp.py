import numpy as np
import pytest

from active_science.surrogates import GPSurrogate


def test_warped_gp_is_uncertain_beyond_the_evaluated_range():
    # 4 points of a smooth function in [0.15, 0.75] of the unit cube: the warp's normalisation must span the unit
    # cube, not the points' range (which clipped every x > 0.75 onto 0.75: a flat prediction there with the sd of an
    # evaluated point); beyond the points the sd grows with the distance, and the prediction is no longer constant
    X = np.array([[0.41], [0.754], [0.56], [0.153]])
    y = 11.0 - 10.0 * np.tanh(3.0 * (X[:, 0] - 0.3))
    gp = GPSurrogate(warp=True).fit(X, y, np.full(len(y), 1e-6), seed=0)
    assert gp.warped
    mean, var = gp.predict(np.array([[0.754], [0.85], [0.95], [1.0]]))
    sd = np.sqrt(var)
    assert sd[0] < 0.1 * sd[1] and sd[1] < sd[2] < sd[3]
    assert np.ptp(mean[1:]) > 0.1
    # inside the range the warped GP still interpolates the data
    np.testing.assert_allclose(gp.predict(X)[0], y, atol=0.05)


@pytest.mark.parametrize("d", [1, 3])
def test_warp_bounds_are_the_unit_cube(d):
    rng = np.random.default_rng(0)
    X = 0.3 + 0.4 * rng.random((8, d))
    gp = GPSurrogate(warp=True).fit(X, X.sum(1), np.full(8, 1e-6), seed=0)
    bounds = gp.model.input_transform._normalize.bounds
    np.testing.assert_array_equal(bounds.numpy(), np.stack([np.zeros(d), np.ones(d)]))
