import numpy as np
import pytest

from active_science.exceptions import InvalidInputError
from active_science.surrogates import GPSurrogate
from active_science.surrogates.scalable import LEVEL_SET_RESTARTS, default_surrogate
from benchmarks.contour import make_task


def _mass_plane_sample(k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k-th of three 16-point uniform samples (generator seed 1) of the mass-plane toy's log CLs - log 0.05."""
    task = make_task("mass_plane", quick=True)
    U = np.random.default_rng(1).random((3, 16, 2))[k]
    return U, np.array([task.evaluate(theta, 0)[0] for theta in task.space.from_unit(U)])


def test_a_short_length_scale_start_finds_the_higher_likelihood_mode():
    # measured: one start from the prior's mode ends at length scales (0.33, 0.13) and log marginal likelihood -0.98
    # per point; the 5x shorter start ends at (0.079, 0.27) and -0.64, the mode the wall in the mass plane needs
    U, y = _mass_plane_sample(2)
    one = GPSurrogate(warp=True).fit(U, y, None, seed=0)
    two = GPSurrogate(warp=True, restarts=LEVEL_SET_RESTARTS).fit(U, y, None, seed=0)
    assert two.log_marginal_likelihood > one.log_marginal_likelihood + 0.2
    assert not np.allclose(one.hyperparameters()["covar_module.lengthscale"], two.hyperparameters()["covar_module.lengthscale"], rtol=0.1)


@pytest.mark.parametrize("k", [0, 1])
def test_restarts_never_lower_the_likelihood_and_keep_a_shared_mode(k):
    # the prior-mode start is one of the fits, so restarts can only raise the likelihood; on these samples both starts
    # reach the same mode (measured: predictions agree to 1.3e-5 on values of order 1)
    U, y = _mass_plane_sample(k)
    one = GPSurrogate(warp=True).fit(U, y, None, seed=0)
    two = GPSurrogate(warp=True, restarts=LEVEL_SET_RESTARTS).fit(U, y, None, seed=0)
    assert two.log_marginal_likelihood >= one.log_marginal_likelihood - 1e-9
    np.testing.assert_allclose(one.predict(U[:4])[0], two.predict(U[:4])[0], rtol=0, atol=1e-3)


def test_level_set_scans_default_to_two_starts_and_maximisation_to_one():
    assert default_surrogate(0.0).inner.restarts == LEVEL_SET_RESTARTS == (1.0, 0.2)
    assert default_surrogate(None).inner.restarts == (1.0,)


@pytest.mark.parametrize("bad", [(), (1.0, -0.5), (float("nan"),), "ab"])
def test_bad_restarts_are_a_one_line_error(bad):
    with pytest.raises(InvalidInputError, match="restarts=.* must be a non-empty list of positive length-scale factors"):
        GPSurrogate(restarts=bad)


def test_default_surrogate_variants_change_only_the_named_option():
    variant = default_surrogate(0.0, warp_beyond="extend").inner
    assert (variant.restarts, variant.warp_beyond) == (LEVEL_SET_RESTARTS, "extend")
    assert default_surrogate(0.0, restarts=(1.0,)).inner.restarts == (1.0,)
