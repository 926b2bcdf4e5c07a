"""MarginalTrendKriging against the Bayesian GP it is the closed form of, and on the case it was built for."""

import numpy as np
import pytest
from scipy.stats import norm

from active_science.exceptions import InvalidInputError
from active_science.surrogates import GPSurrogate
from active_science.surrogates.trend_kriging import MarginalTrendKriging, _matern52
from active_science.testfunctions import excursion_1d


def _proper_gp(X, y, U, ell, s2, beta_prior_var, linear):
    """Posterior mean and variance of a zero-mean GP with kernel ``s2 (R + b F F')`` (a constant or linear trend
    with a N(0, b s2) prior on its coefficients), written out directly: universal kriging is its limit b -> infinity
    (O'Hagan 1978; Santner, Williams & Notz 2003, section 4.1)."""
    F = np.hstack([np.ones((len(X), 1)), X]) if linear else np.ones((len(X), 1))
    FU = np.hstack([np.ones((len(U), 1)), U]) if linear else np.ones((len(U), 1))
    R = _matern52(np.abs(X - X.T) / ell)
    K = s2 * (R + beta_prior_var * F @ F.T)
    k = s2 * (_matern52(np.abs(U - X.T) / ell) + beta_prior_var * FU @ F.T)
    kuu = s2 * (1.0 + beta_prior_var * (FU * FU).sum(1))
    mean = k @ np.linalg.solve(K, y)
    var = kuu - (k * np.linalg.solve(K, k.T).T).sum(1)
    return mean, var


@pytest.mark.parametrize("member", [0, 1], ids=["constant trend", "linear trend"])
def test_each_member_is_the_flat_prior_limit_of_a_bayesian_trend_gp(member):
    rng = np.random.default_rng(0)
    X = np.sort(rng.uniform(0, 1, 7))[:, None]
    y = 3.0 - 4.0 * X[:, 0] + 0.3 * np.sin(9 * X[:, 0])
    U = np.linspace(-0.2, 1.2, 15)[:, None]  # inside and beyond the data (the linear trend extrapolates)
    model = MarginalTrendKriging(length_scales=[0.3], nugget=1e-10).fit(X, y)
    part = model.members[member]
    assert part.linear == bool(member)  # the members: (constant, linear) per length scale
    mean, sd = model._mean_sd(U, part)
    s2 = part.s2 * model._scale**2  # the profiled process variance, on the data's scale
    ref_mean, ref_var = _proper_gp(X, y, U, 0.3, s2, beta_prior_var=1e6, linear=bool(member))
    # b = 1e6 against the limit: relative differences O(1 / b) times the conditioning of F'R^-1F (~1e3 here)
    np.testing.assert_allclose(model._offset + model._scale * mean, ref_mean, rtol=0, atol=1e-5)
    np.testing.assert_allclose((sd * model._scale) ** 2, ref_var, rtol=1e-3, atol=1e-8)


def test_the_average_interpolates_noise_free_data_and_prefers_the_trend_the_data_have():
    X = np.linspace(0.1, 0.9, 7)[:, None]
    sloped = MarginalTrendKriging().fit(X, 2.0 - 5.0 * X[:, 0])
    np.testing.assert_allclose(sloped.mean(X), 2.0 - 5.0 * X[:, 0], atol=1e-5)
    flat = MarginalTrendKriging().fit(X, np.array([0.0, 0.3, -0.2, 0.1, -0.3, 0.2, 0.0]))
    weight_linear = [float(np.exp(m.log_weights)[[p.linear for p in m.members]].sum()) for m in (sloped, flat)]
    assert weight_linear[0] > 0.9 and weight_linear[1] < 0.5, weight_linear


def test_probability_is_the_weighted_mixture_of_the_grid_members():
    X = np.array([[0.1], [0.35], [0.6], [0.8], [0.95]]); y = np.array([4.0, 2.5, 1.8, 1.5, 1.2])
    model = MarginalTrendKriging(length_scales=[0.05, 0.2, 1.0]).fit(X, y)
    assert len(model.members) == 6  # 2 trends x 3 length scales
    U = np.array([[0.2], [0.5], [1.0]])
    w = np.exp(model.log_weights)
    assert w.sum() == pytest.approx(1.0) and np.all(w > 0)
    t = (1.0 - model._offset) / model._scale
    members = [norm.cdf((t - m) / s) for m, s in (model._mean_sd(U, p) for p in model.members)]
    np.testing.assert_allclose(np.exp(model.log_prob_beyond(U, 1.0, below=True)), w @ np.array(members), rtol=1e-10)
    above = np.exp(model.log_prob_beyond(U, 1.0, below=False))
    np.testing.assert_allclose(above, 1 - w @ np.array(members), rtol=1e-10)


def test_few_one_sided_points_the_loop_gp_is_sure_of_and_the_marginal_model_is_not():
    # the 1D excursion function's 4 initial Sobol points of seed 0, all above the level 0.7; the excluded interval is
    # [0.8615, 0.9245]
    X = np.array([[0.4099], [0.7536], [0.5600], [0.1534]])
    y = excursion_1d(X) - 0.7
    U = np.linspace(0, 1, 201)[:, None]
    gp = GPSurrogate().fit(X, y, np.zeros(4), seed=0)
    mean, var = gp.predict(U)
    assert np.max(norm.cdf(-mean / np.sqrt(var))) < 1e-50  # the MAP GP: no contour anywhere
    p = np.exp(MarginalTrendKriging().fit(X, y).log_prob_beyond(U, 0.0, below=True))
    assert p.max() > 0.1
    # the most probable crossing is where the slope of the lowest points leads: beyond the last point, x > 0.8
    assert U[np.argmax(p), 0] > 0.8


def test_noise_variances_make_it_smooth_instead_of_interpolating():
    X = np.linspace(0, 1, 9)[:, None]; y = np.array([0.0, 1.0] * 4 + [0.0])
    exact = MarginalTrendKriging().fit(X, y)
    noisy = MarginalTrendKriging().fit(X, y, np.full(9, 1.0))
    assert np.abs(exact.mean(X) - y).max() < 1e-4
    assert np.abs(noisy.mean(X) - y).max() > 0.2


@pytest.mark.parametrize(
    "kwargs, match",
    [({"length_scales": [0.1, -1.0]}, "length_scales"), ({"length_scales": []}, "length_scales")],
)
def test_bad_length_scales_get_a_one_line_error(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        MarginalTrendKriging(**kwargs)


def test_fit_refuses_non_finite_values():
    with pytest.raises(InvalidInputError, match="finite"):
        MarginalTrendKriging().fit(np.array([[0.1], [0.5]]), np.array([1.0, np.nan]))
