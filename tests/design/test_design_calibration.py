"""Zero-mean-score calibration: it removes a per-event tilt of the critic (closed-form EIG of the linear-Gaussian toy)."""

import numpy as np
import pytest

from active_science.design_calibration import experiment_scores, fit_score_calibration
from active_science.design_eig import EIGSettings, estimate_eig
from active_science.experiment import FixedEvents, simulate_experiments


def test_experiment_scores_match_the_closed_form(toy):
    # score of n events x_i ~ N(phi theta, 1) at theta: phi * sum_i (x_i - phi theta); central differences of a
    # quadratic are exact up to rounding
    th = np.array([[0.2], [-1.0], [1.5]])
    data = simulate_experiments(toy.sim, FixedEvents(7), th, np.array([0.4]), seed=0)
    got = experiment_scores(toy.critic, data, th, step=np.array([0.1]))
    want = [[0.4 * np.sum(r.x[:, 0] - 0.4 * t[0])] for r, t in zip(data, th)]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_calibration_recovers_the_tilt(toy):
    th = np.random.default_rng(0).normal(0.0, 1.0, (400, 1))
    cal = fit_score_calibration(toy.tilted, toy.sim, FixedEvents(10), np.array([0.3]), th, seed=1)
    # the tilt's score 0.3 + 0.2 theta in u = (theta - c) / s units: slope 0.2 s^2 and value 0.3 + 0.2 c at the centre.
    # Each experiment's mean per-event score has sd 0.3 / sqrt(10) = 0.095: over 400 experiments the intercept has a
    # standard error ~0.005 and the slope ~0.005; 0.02 is 4 standard errors
    s, c = cal.scale[0], cal.center[0]
    assert cal.linear[0] / s == pytest.approx(0.3 + 0.2 * c, abs=0.02)
    assert cal.quadratic[0, 0] / s**2 == pytest.approx(0.2, abs=0.02)


def test_calibrated_lfire_recovers_the_closed_form_eig_of_a_tilted_critic(toy):
    belief = np.random.default_rng(0).normal(0.0, 1.0, (20000, 1))
    exact = toy.exact_eig(10, 0.3, 1.0)  # 0.32 nats
    tilted = toy.tilted
    on = estimate_eig(toy.sim, FixedEvents(10), np.array([0.3]), belief, seed=2, estimators=("lfire",),
                      settings=EIGSettings("lfire", num_outer=1500, num_inner=1000, num_calibration=400), classifier=tilted)["lfire"]  # fmt: skip
    off = estimate_eig(toy.sim, FixedEvents(10), np.array([0.3]), belief, seed=2, estimators=("lfire",),
                       settings=EIGSettings("lfire", num_outer=1500, num_inner=1000, num_calibration=0), classifier=tilted)["lfire"]  # fmt: skip
    # uncalibrated, the tilt of 3 theta per experiment (10x the likelihood's own slope scale) ruins the estimate
    assert off.value < exact - 0.1, (off, exact)
    # calibrated: 4 standard errors plus 0.02 nats for the fitted tilt's residual (~0.07 likelihood widths)
    assert abs(on.value - exact) < 4 * on.standard_error + 0.02, (on, exact)
