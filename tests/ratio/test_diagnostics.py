"""Calibration curves against the exact Galton-board likelihood: a perfect estimator lies on the diagonal, a
miscalibrated one on the line the true ratio dictates."""

import numpy as np
import pytest

from active_science.exceptions import InvalidInputError
from active_science.ratio.diagnostics import calibration_curve
from active_science.simulators.galton import GaltonBoard

THETA, REF = np.array([-0.8]), np.array([-0.6])


@pytest.fixture(scope="module")
def exact_outputs():
    board = GaltonBoard()
    x1 = board.simulate(THETA, seed=1, num_events=20000).x
    x0 = board.simulate(REF, seed=2, num_events=20000).x

    def log_r(x):
        return board.log_likelihood(x, THETA) - board.log_likelihood(x, REF)

    return log_r(x1), log_r(x0)


def _tolerance(curve):
    # the bin masses are binomial proportions: sd of log(n1 / N1) - log(n0 / N0) ~ sqrt(1/n1 + 1/n0); 4 sd per bin
    return 4.0 * np.sqrt(1.0 / curve.num_events[:, 0] + 1.0 / curve.num_events[:, 1])


def test_the_exact_log_ratio_is_calibrated(exact_outputs):
    f1, f0 = exact_outputs
    curve = calibration_curve(f1, f0)
    ok = np.all(curve.num_events >= 50, axis=1)  # bins with enough events of both samples to test
    assert ok.sum() >= 8  # the board's 31 final positions give one bin per reachable value of log r
    dev = np.abs(curve.log_r_calibrated - curve.log_r_hat)[ok]
    assert np.all(dev < _tolerance(curve)[ok])
    assert curve.num_events.sum() == len(f1) + len(f0)


def test_a_scaled_estimator_calibrates_back_to_the_truth(exact_outputs):
    f1, f0 = exact_outputs
    curve = calibration_curve(3.0 * f1 + 0.5, 3.0 * f0 + 0.5)  # monotone in the truth, values off
    ok = np.all(curve.num_events >= 50, axis=1)
    truth = (curve.log_r_hat - 0.5) / 3.0
    assert np.all(np.abs(curve.log_r_calibrated - truth)[ok] < _tolerance(curve)[ok])
    assert curve.max_deviation > 1.0  # the raw values are far from calibrated


def test_too_few_events_is_an_error():
    with pytest.raises(InvalidInputError, match="simulate more"):
        calibration_curve(np.array([0.0]), np.array([0.0, 1.0]))
