"""Ensemble mean and spread (sample standard deviation across members)."""

import numpy as np

from active_science.ratio.ensemble import RatioPrediction


def test_mean_and_sample_std_across_members():
    members = np.array([[1.0, 2.0], [3.0, 2.0], [5.0, 2.0]])
    p = RatioPrediction(members, score_members=members[..., None] * 2)
    np.testing.assert_allclose(p.log_ratio, [3.0, 2.0])
    np.testing.assert_allclose(p.log_ratio_std, [2.0, 0.0])  # sqrt(((1-3)^2 + 0 + (5-3)^2) / 2)
    np.testing.assert_allclose(p.score_std[:, 0], [4.0, 0.0])


def test_single_member_has_zero_spread():
    assert RatioPrediction(np.array([[1.0, 2.0]])).log_ratio_std.tolist() == [0.0, 0.0]
