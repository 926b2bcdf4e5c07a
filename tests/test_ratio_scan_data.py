"""Observed-data checks and readers, and the CLs threshold on q (against closed forms and the pyhf reference)."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import norm

from active_science.exceptions import ConfigError, InvalidInputError
from active_science.ratio_scan_data import check_events, cls_q_threshold, read_events
from active_science.stats.counting import q_asimov, q_tilde


def test_wrong_shapes_are_one_line_errors():
    with pytest.raises(InvalidInputError, match=r"x_obs has shape \(4, 3\); pass \(n, 2\)"):
        check_events(np.zeros((4, 3)), 2)
    with pytest.raises(InvalidInputError, match=r"x_obs has shape \(5,\); pass \(n, 2\)"):
        check_events(np.zeros(5), 2)
    with pytest.raises(InvalidInputError, match=r"weights have shape \(3,\); pass \(4,\)"):
        check_events(np.zeros((4, 1)), 1, weights=np.ones(3))
    with pytest.raises(InvalidInputError, match="non-finite"):
        check_events(np.array([1.0, np.nan]), 1)
    x, w = check_events(np.arange(3.0), 1, weights=[1, 2, 3])
    assert x.shape == (3, 1) and w.tolist() == [1.0, 2.0, 3.0]


def test_reads_npy_and_hdf5_but_never_pickles(tmp_path):
    a = np.arange(6.0).reshape(3, 2)
    np.save(tmp_path / "x.npy", a)
    np.testing.assert_array_equal(read_events(tmp_path / "x.npy"), a)
    with h5py.File(tmp_path / "d.h5", "w") as f:
        f.create_dataset("obs/events", data=a)
    np.testing.assert_array_equal(read_events(f"{tmp_path / 'd.h5'}:obs/events"), a)
    with pytest.raises(ConfigError, match="no dataset 'obs/nope'"):
        read_events(f"{tmp_path / 'd.h5'}:obs/nope")
    with pytest.raises(ConfigError, match="name the dataset"):
        read_events(tmp_path / "d.h5")
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ConfigError, match="Python objects"):
        read_events(tmp_path / "obj.npy")
    with pytest.raises(ConfigError, match="does not exist"):
        read_events(tmp_path / "missing.npy")


def test_cls_threshold_reproduces_the_pyhf_upper_limit():
    # SCIENCE.md section 5 (pyhf 0.7.6): n=10, s=5, b=10 has its observed 95 % CLs upper limit at mu = 1.5079, i.e.
    # CLs(q_tilde(mu_UL), q_A(mu_UL)) = 0.05: the threshold at q_A(mu_UL) must equal q_tilde(mu_UL). The 4-digit mu
    # moves q by ~1e-4 * dq/dmu (dq/dmu ~ 3 here), so 2e-3 is a safe tolerance.
    mu = 1.5079
    thr = cls_q_threshold(np.array([float(q_asimov(5, 10, mu))]), 0.05)[0]
    assert thr == pytest.approx(float(q_tilde(10, 5, 10, mu)), abs=2e-3)


def test_cls_threshold_matches_the_closed_form_root():
    # below q_A, CLs = Phi(-sqrt q) / Phi(sqrt q_A - sqrt q) (SCIENCE.md section 5): solve it independently
    for qa in (4.0, 9.0, 25.0):
        root = brentq(lambda q: norm.sf(np.sqrt(q)) / norm.cdf(np.sqrt(qa) - np.sqrt(q)) - 0.05, 1e-9, qa)
        assert cls_q_threshold(np.array([qa]), 0.05)[0] == pytest.approx(root, rel=1e-9)  # bisection to ~1e-16
    # q_A -> 0: CLs -> 1 for every q, the point can never be excluded
    assert np.isinf(cls_q_threshold(np.array([0.0]), 0.05)[0])
