"""Priors: normalised densities (numerical quadrature), sampling moments, config round trip."""

import numpy as np
import pytest
from scipy.integrate import quad

from active_science.exceptions import InvalidInputError
from active_science.priors import GaussianPrior, UniformPrior, prior_from_config


@pytest.mark.parametrize("prior", [UniformPrior({"s": (0.21, 0.25)}), GaussianPrior({"s": (0.23, 0.01)})])
def test_densities_integrate_to_one_and_config_round_trips(prior):
    total, _ = quad(lambda t: float(np.exp(prior.log_prob(np.array([[t]]))[0])), 0.1, 0.4, points=[0.21, 0.25], limit=200)
    assert total == pytest.approx(1.0, abs=1e-6)  # quad's error estimate is ~1e-10
    again = prior_from_config(prior.to_config())
    assert again.to_config() == prior.to_config()
    draws = prior.sample(20000, seed=0)
    # the mean of 20000 draws: standard error < 1e-4 for both priors; 5e-4 slack
    assert draws.mean() == pytest.approx(0.23, abs=5e-4)


def test_bad_priors_are_rejected():
    with pytest.raises(InvalidInputError, match="low < high"):
        UniformPrior({"s": (0.3, 0.2)})
    with pytest.raises(InvalidInputError, match="standard deviations"):
        GaussianPrior({"s": (0.2, 0.0)})
    with pytest.raises(InvalidInputError, match="valid kinds"):
        prior_from_config({"kind": "beta", "s": [1, 2]})
