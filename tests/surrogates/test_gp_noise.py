"""The exact GP uses the simulator's own (heteroskedastic) noise variances: checked against the GP formulas."""

import numpy as np
import torch

from active_science.surrogates import GPSurrogate


def test_posterior_matches_the_heteroskedastic_gp_formula():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(25, 1))
    yvar = np.where(X[:, 0] < 0.5, 1e-4, 0.09)  # precise on the left, noisy on the right
    y = np.sin(6 * X[:, 0]) + rng.normal(0, np.sqrt(yvar))
    gp = GPSurrogate(warp=False).fit(X, y, yvar, seed=0)
    model = gp.model
    # Standardize outcome transform: the model works with (y - mu) / sd and noise yvar / sd^2
    mu, sd = y.mean(), y.std(ddof=1)
    noise = model.likelihood.noise.detach().numpy().reshape(-1)
    np.testing.assert_allclose(noise, yvar / sd**2, rtol=1e-10)  # the known noises are used as given
    Q = np.linspace(0, 1, 7)[:, None]
    with torch.no_grad():
        kern = model.covar_module
        K = kern(torch.as_tensor(X)).to_dense().numpy()
        Ks = kern(torch.as_tensor(Q), torch.as_tensor(X)).to_dense().numpy()
        Kss = np.diag(kern(torch.as_tensor(Q)).to_dense().numpy())
        c = float(model.mean_module.constant)
    A = K + np.diag(yvar / sd**2)
    mean = mu + sd * (c + Ks @ np.linalg.solve(A, (y - mu) / sd - c))
    var = sd**2 * (Kss - np.einsum("ij,ji->i", Ks, np.linalg.solve(A, Ks.T)))
    got_mean, got_var = gp.predict(Q)
    np.testing.assert_allclose(got_mean, mean, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got_var, var, rtol=1e-5, atol=1e-10)
    # and the noisy half is less certain than the precise half
    assert got_var[-1] > 10 * got_var[1]
