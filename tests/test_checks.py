"""check_simulator: every registered simulator passes, and known gold bugs (MadMiner's Gaussian toy) are caught."""

import numpy as np
import pytest

from active_science import get_simulator, list_simulators
from active_science.checks import check_simulator
from active_science.exceptions import ConformanceError, InvalidInputError
from active_science.simulation import Simulation
from active_science.simulators.gaussian import GaussianToy


def _default(name):
    """The simulator with default options, or None when it needs options (e.g. a pyhf workspace file)."""
    try:
        return get_simulator(name)
    except InvalidInputError:
        return None


@pytest.mark.parametrize("name", list_simulators())
def test_every_registered_simulator_conforms(name):
    sim = _default(name)
    if sim is None:
        pytest.skip(f"{name} cannot be built without options; call check_simulator on a configured instance")
    report = check_simulator(sim)
    assert {"attributes", "determinism", "shapes", "rebuild"} <= set(report.checks)
    if getattr(sim, "has_gold", False):
        assert {"gold_shapes", "self_reference", "score_fd"} <= set(report.checks)


@pytest.mark.parametrize("name", [n for n in list_simulators() if getattr(_default(n), "has_gold", False)])
def test_gold_of_every_tractable_simulator_averages_to_the_exact_ratio_and_score(name):
    sim = get_simulator(name)
    if not callable(getattr(sim, "log_likelihood", None)):
        pytest.skip(f"{name} has no exact likelihood")
    report = check_simulator(sim)
    assert {"joint_ratio_unbiased", "joint_score_unbiased", "likelihood_normalised"} <= set(report.checks)


class _XBasedGold(GaussianToy):
    """MadMiner's toy bug: the 'joint' quantities use x in place of the latent z (consistently)."""

    def simulate(self, theta, *, seed, num_events=None, design=None, gold=False, theta_refs=None):
        s = super().simulate(theta, seed=seed, num_events=num_events, gold=gold, theta_refs=theta_refs)
        if not gold:
            return s
        x, th = s.x[:, 0], s.theta[:, 0]
        log_r = ((x[:, None] - s.theta_refs[None, :, 0]) ** 2 - (x - th)[:, None] ** 2) / 8.0
        return Simulation(x=s.x, theta=s.theta, t_xz=((x - th) / 4.0)[:, None], log_r_xz=log_r, theta_refs=s.theta_refs)


class _MixedGold(GaussianToy):
    """Score from x, ratio from z: the two gold columns describe different joint likelihoods."""

    def simulate(self, theta, *, seed, num_events=None, design=None, gold=False, theta_refs=None):
        s = super().simulate(theta, seed=seed, num_events=num_events, gold=gold, theta_refs=theta_refs)
        if not gold:
            return s
        t = ((s.x[:, 0] - s.theta[:, 0]) / 4.0)[:, None]
        return Simulation(x=s.x, theta=s.theta, t_xz=t, log_r_xz=s.log_r_xz, theta_refs=s.theta_refs)


class _Unseeded(GaussianToy):
    calls = 0

    def simulate(self, theta, *, seed, **kw):
        type(self).calls += 1
        return super().simulate(theta, seed=seed + type(self).calls, **kw)


def test_x_based_joint_likelihood_is_caught_by_the_conditional_expectation():
    with pytest.raises(ConformanceError, match="joint_ratio_unbiased|joint_score_unbiased"):
        check_simulator(_XBasedGold())


def test_score_inconsistent_with_the_ratio_is_caught_by_finite_differences():
    with pytest.raises(ConformanceError, match="score_fd"):
        check_simulator(_MixedGold())


def test_randomness_not_driven_by_the_seed_is_caught():
    with pytest.raises(ConformanceError, match="determinism"):
        check_simulator(_Unseeded())


def test_report_statistics_are_small_for_a_correct_simulator():
    report = check_simulator(GaussianToy(), num_events=20000)
    assert report.statistics["score_fd_max_rel_error"] < 1e-6
    assert report.statistics["joint_score_unbiased_max_sigma"] < 5.0
    assert np.isfinite(report.statistics["joint_ratio_unbiased_max_sigma"])
