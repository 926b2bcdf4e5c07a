"""RatioScan: statistic against the exact likelihood, contour accuracy, resume from the study file."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from active_science.exceptions import InvalidInputError
from active_science.ratio.config import NetworkConfig, TrainingConfig
from active_science.ratio.inference import likelihood_scan
from active_science.ratio_scan import RatioScan, balanced_accuracy
from active_science.ratio_scan_tasks import ratio_task

SMALL = dict(network=NetworkConfig(hidden=(16,)), training=TrainingConfig(max_epochs=8, patience=5), ensemble_size=2)


class _ExactRatio:
    """Stands in for a trained estimator: two 'members' equal to the exact log ratio against theta_ref."""

    def __init__(self, sim, theta_ref):
        self.sim, self.ref = sim, theta_ref

    def predict(self, x, theta):
        lr = self.sim.log_likelihood(x, np.asarray(theta)) - self.sim.log_likelihood(x, self.ref)
        return SimpleNamespace(members=np.stack([lr, lr]))


def test_q_with_the_exact_ratio_equals_the_exact_likelihood_scan():
    task = ratio_task("galton", grid_size=31)
    scan = RatioScan(task.simulator, task.x_obs, task.grid, weights=task.weights, **SMALL)
    scan.estimator = _ExactRatio(task.simulator, scan.theta_ref)  # type: ignore[assignment]
    exact = likelihood_scan(task.simulator.log_likelihood, task.x_obs, task.grid, weights=task.weights).q
    # same sums in a different order: agreement to rounding
    np.testing.assert_allclose(scan.q_members(task.grid)[0], exact, atol=1e-9)
    np.testing.assert_array_equal(scan.excluded(), task.excluded)


def test_rate_term_matches_likelihood_scan_with_expected_events():
    task = ratio_task("galton", grid_size=21)
    nu = lambda th: 50.0 * np.exp(th[0])  # noqa: E731  (any positive nu(theta) exercises the Poisson term)
    scan = RatioScan(task.simulator, task.x_obs, task.grid, weights=task.weights, expected_events=nu, **SMALL)
    scan.estimator = _ExactRatio(task.simulator, scan.theta_ref)  # type: ignore[assignment]
    exact = likelihood_scan(task.simulator.log_likelihood, task.x_obs, task.grid, weights=task.weights, expected_events=nu).q
    np.testing.assert_allclose(scan.q_members(task.grid)[0], exact, atol=1e-9)


def test_balanced_accuracy_by_hand():
    truth = np.array([True, True, True, False])
    pred = np.array([True, False, False, False])
    assert balanced_accuracy(pred, truth) == pytest.approx((1 / 3 + 1) / 2)  # TPR 1/3, TNR 1


def test_bad_settings_are_rejected():
    task = ratio_task("galton", grid_size=11)
    with pytest.raises(InvalidInputError, match="events_per_point"):
        RatioScan(task.simulator, task.x_obs, task.grid, events_per_point=0)
    with pytest.raises(InvalidInputError, match="grid"):
        RatioScan(task.simulator, task.x_obs, np.zeros((5, 2)))


def test_galton_contour_approaches_the_exact_one():
    task = ratio_task("galton", grid_size=61)
    scan = RatioScan(
        task.simulator, task.x_obs, task.grid, weights=task.weights, method="alice", events_per_point=200,
        initial_points=3, batch_size=1, network=NetworkConfig(hidden=(32, 32)),
        training=TrainingConfig(max_epochs=60, patience=10), seed=0,
    )  # fmt: skip
    history = scan.run(max_rounds=5)
    ba = balanced_accuracy(history[-1].excluded, task.excluded)
    # measured 0.9+ at seed 0 (benchmarks/active_vs_static.py); 0.85 fails if the statistic, its normalisation or
    # the threshold is wrong (those give BA <= 0.6) while tolerating platform-level training differences
    assert ba >= 0.85, ba


def test_acquisition_picks_the_contour_edge_when_the_statistic_is_exact():
    task = ratio_task("galton", grid_size=121)
    scan = RatioScan(task.simulator, task.x_obs, task.grid, weights=task.weights, batch_size=2, **SMALL)
    scan.estimator = _ExactRatio(task.simulator, scan.theta_ref)  # type: ignore[assignment]
    scan.points = np.linspace(-1.0, -0.4, 7)[:, None]
    chosen = scan._propose(scan.q_members(task.grid), 1)[:, 0]
    # exact interval edges by interpolation of the exact q; the GP through 7 exact values is within a few grid
    # steps (0.005 each) of them, a uniform pick would be on average ~0.1 away
    inside = task.grid[~task.excluded, 0]
    edges = np.array([inside.min(), inside.max()])
    assert np.min(np.abs(chosen[:, None] - edges), axis=1).max() < 0.03, (chosen, edges)


def test_resume_restores_simulations_and_weights_and_continues_identically(tmp_path):
    task = ratio_task("galton", grid_size=31)
    kw = dict(weights=task.weights, events_per_point=60, initial_points=3, batch_size=1, seed=3, **SMALL)
    full = RatioScan(task.simulator, task.x_obs, task.grid, **kw)
    full.run(max_rounds=3)
    path = tmp_path / "ratio.h5"
    first = RatioScan(task.simulator, task.x_obs, task.grid, store=path, **kw)
    first.run(max_rounds=2)
    x = np.arange(31.0)[:, None]
    before = first.estimator.predict(x, [-0.8]).members
    first.close()  # the process "dies" after round 1

    resumed = RatioScan.resume(path, task.simulator, task.x_obs, task.grid, **kw)
    np.testing.assert_array_equal(resumed.estimator.predict(x, [-0.8]).members, before)  # weights came back
    np.testing.assert_array_equal(resumed.estimator.rows().x, first.estimator.rows().x)  # every simulation too
    np.testing.assert_array_equal(resumed.estimator.rows().log_r_xz, first.estimator.rows().log_r_xz)
    assert resumed.n_events == first.n_events and len(resumed.history) == 2
    resumed.run(max_rounds=3)
    resumed.close()
    # round 2 after the resume is the round 2 of the uninterrupted scan: same point, same retrained weights
    np.testing.assert_array_equal(resumed.points, full.points)
    np.testing.assert_allclose(resumed.estimator.predict(x, [-0.8]).members, full.estimator.predict(x, [-0.8]).members, atol=1e-6)


def test_weinberg_two_parameter_statistic_is_exact_with_the_exact_ratio():
    # the 2-parameter (sin2w, g_f) path: learning this contour needs more events than a unit test can afford
    # (see the report of benchmarks/active_vs_static.py --task weinberg); the statistic itself is checked here
    task = ratio_task("weinberg", grid_size=9)
    scan = RatioScan(task.simulator, task.x_obs, task.grid, **SMALL)
    scan.estimator = _ExactRatio(task.simulator, scan.theta_ref)  # type: ignore[assignment]
    np.testing.assert_allclose(scan.q_members(task.grid)[0], task.q_exact, atol=1e-6)
    np.testing.assert_array_equal(scan.excluded(), task.excluded)


def test_cls_statistic_with_the_exact_ratio_gives_the_exact_cls_region():
    from active_science.stats.asymptotics import cls_from_q

    task = ratio_task("galton", grid_size=61, statistic="cls", theta_null=[-0.55])
    scan = RatioScan(task.simulator, task.x_obs, task.grid, weights=task.weights, statistic="cls",
                     null_data=(task.null_x, task.null_weights), **SMALL)  # fmt: skip
    scan.estimator = _ExactRatio(task.simulator, scan.theta_ref)  # type: ignore[assignment]
    # independent truth: exact q and q_A from the board's forward recursion (likelihood_scan), then CCGV asymptotics
    q_a = likelihood_scan(task.simulator.log_likelihood, task.null_x, task.grid, weights=task.null_weights).q
    exact = cls_from_q(task.q_exact, q_a).cls
    np.testing.assert_allclose(scan.cls(), exact, rtol=1e-6)  # same sums in another order
    np.testing.assert_array_equal(scan.excluded(), exact < 0.05)
    np.testing.assert_array_equal(scan.excluded(), task.excluded)
    # CLs is not the chi-square region: the comparison would be vacuous if they coincided
    assert np.any(task.excluded != ratio_task("galton", grid_size=61).excluded)


def test_user_data_shapes_and_cls_settings_are_checked():
    task = ratio_task("weinberg", grid_size=5)
    with pytest.raises(InvalidInputError, match=r"x_obs has shape \(10, 3\); pass \(n, 1\)"):
        RatioScan(task.simulator, np.zeros((10, 3)), task.grid)
    with pytest.raises(InvalidInputError, match="null_data"):
        RatioScan(task.simulator, task.x_obs, task.grid, statistic="cls")
    with pytest.raises(InvalidInputError, match="statistic='wilks'"):
        RatioScan(task.simulator, task.x_obs, task.grid, statistic="wilks")
    scan = RatioScan(task.simulator, task.x_obs[:, 0], task.grid)  # a (n,) vector of 1D events is accepted
    assert scan.x_obs.shape == (len(task.x_obs), 1)
