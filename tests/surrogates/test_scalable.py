import numpy as np
import pytest

from active_science import ActiveLoop, ParameterSpace
from active_science.exceptions import InvalidInputError
from active_science.surrogates import GPSurrogate, ScalableGPSurrogate
from active_science.surrogates.scalable import default_surrogate


def matern52(A, B, lengthscale):
    """Matern-5/2 kernel written from its formula (independent of gpytorch)."""
    r = np.sqrt((((A[:, None, :] - B[None, :, :]) / lengthscale) ** 2).sum(-1))
    return (1 + np.sqrt(5) * r + 5 * r**2 / 3) * np.exp(-np.sqrt(5) * r)


def test_below_the_threshold_it_is_the_exact_gp():
    X = np.random.default_rng(1).uniform(size=(30, 2))
    y = np.sin(4 * X[:, 0]) - X[:, 1]
    a = ScalableGPSurrogate(exact_up_to=30, warp=False).fit(X, y, np.full(30, 1e-4), seed=0)
    b = GPSurrogate(warp=False).fit(X, y, np.full(30, 1e-4), seed=0)
    Q = np.random.default_rng(2).uniform(size=(20, 2))
    np.testing.assert_allclose(a.predict(Q)[0], b.predict(Q)[0], rtol=1e-10, atol=1e-10)  # same data, same seed
    assert a.num_training_points == a.num_fit_points == 30


def test_frozen_posterior_is_the_closed_form_gp_with_the_subset_hyperparameters():
    rng = np.random.default_rng(3)
    X = rng.uniform(size=(260, 2))
    y = np.sin(3 * X[:, 0]) + X[:, 1] - 1.0
    yvar = np.full(260, 1e-3)
    s = ScalableGPSurrogate(exact_up_to=50, fit_points=40, max_points=120, warp=False).fit(X, y, yvar, seed=0)
    assert (s.num_fit_points, s.num_training_points) == (40, 120)
    # closed-form GP posterior mean on the kept points with the hyperparameters fitted on the 40-point subset;
    # outputs standardised as botorch's Standardize does (unbiased std), noise in standardised units, constant mean c
    hp = s.hyperparameters()
    ls, c = np.asarray(hp["covar_module.lengthscale"]), hp["mean_module.constant"][0]
    Xk = s.model.train_inputs[0].numpy()
    keep = [int(np.flatnonzero((X == row).all(1))[0]) for row in Xk]
    yk = y[keep]
    mu, sd = yk.mean(), yk.std(ddof=1)
    K = matern52(Xk, Xk, ls) + np.diag(yvar[keep] / sd**2)
    Q = rng.uniform(size=(15, 2))
    mean = mu + sd * (c + matern52(Q, Xk, ls) @ np.linalg.solve(K, (yk - mu) / sd - c))
    # agreement to 1e-6: both are the same linear algebra in float64 (Cholesky vs LU), condition number ~1e4
    np.testing.assert_allclose(s.predict(Q)[0], mean, atol=1e-6)


def test_large_data_labels_match_the_exact_truth():
    # a straight contour x0 + x1 = 1: balanced accuracy on a 100 x 100 grid against the exact labels
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(2000, 2))
    y = X.sum(1) - 1.0
    s = ScalableGPSurrogate(exact_up_to=100, fit_points=80, max_points=300, warp=False).fit(X, y, np.full(2000, 1e-4), seed=0)
    g = np.stack(np.meshgrid(np.linspace(0, 1, 100), np.linspace(0, 1, 100)), -1).reshape(-1, 2)
    pred, truth = s.predict(g)[0] > 0, g.sum(1) > 1
    acc = 0.5 * ((pred & truth).sum() / truth.sum() + (~pred & ~truth).sum() / (~truth).sum())
    # 300 points with 180 within ~0.01 of the line: only grid points closer than ~1/200 may be mislabelled
    assert acc > 0.995


def test_the_loop_uses_it_by_default():
    loop = ActiveLoop(ParameterSpace({"x": (0.0, 1.0)}), "random", threshold=0.0)
    assert isinstance(loop.surrogate, ScalableGPSurrogate) and loop.surrogate.boundary_fraction == 0.6
    assert default_surrogate(None).boundary_fraction == 0.0  # maximisation: no contour to favour


@pytest.mark.parametrize(
    "kwargs", [{"exact_up_to": 1}, {"fit_points": 500, "max_points": 100}, {"boundary_fraction": -0.1}, {"max_points": 2.5}]
)
def test_invalid_settings(kwargs):
    with pytest.raises(InvalidInputError):
        ScalableGPSurrogate(**kwargs)
