"""Particle posterior: re-weighting and resample-move against a conjugate Gaussian posterior."""

import numpy as np
import pytest

from active_science.exceptions import InvalidInputError
from active_science.posterior import ParticlePosterior, systematic_resample


def test_resample_move_keeps_the_exact_gaussian_posterior():
    # prior N(0, 1), 4 observations x = 1 with unit noise: posterior N(4/5, 1/sqrt(5))
    rng = np.random.default_rng(0)
    post = ParticlePosterior.from_samples(rng.normal(size=(20000, 1)), names=("mu",))
    post = post.reweight(-0.5 * 4 * (1.0 - post.particles[:, 0]) ** 2)
    assert post.ess < 0.5 * post.size

    def log_target(th):
        return -0.5 * th[:, 0] ** 2 - 2.0 * (1.0 - th[:, 0]) ** 2

    moved = post.resample_move(log_target, seed=1, steps=10)
    assert moved.ess == pytest.approx(moved.size)
    # MC error of mean and sd from ~20000 correlated particles is ~0.005; 0.02 slack
    assert moved.mean[0] == pytest.approx(0.8, abs=0.02)
    assert moved.sd[0] == pytest.approx(1 / np.sqrt(5), abs=0.02)


def test_systematic_resampling_counts_match_weights():
    w = np.array([0.1, 0.6, 0.3])
    idx = systematic_resample(w, 1000, np.random.default_rng(0))
    # systematic resampling puts floor or ceil of n w_i copies on particle i
    assert np.all(np.abs(np.bincount(idx, minlength=3) - 1000 * w) <= 1)


def test_impossible_data_is_an_error():
    post = ParticlePosterior.from_samples(np.zeros((3, 1)), names=("mu",))
    with pytest.raises(InvalidInputError, match="impossible"):
        post.reweight(np.full(3, -np.inf))
    with pytest.raises(InvalidInputError, match="one value per particle"):
        post.reweight(np.zeros(2))
