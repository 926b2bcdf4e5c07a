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
    """Stands in for a trained estimator: two 'members' equal to the exact log ratio against theta_ref (plus an
    optional offset ``offset(theta)``, a misnormalised ratio), with ``reference_x`` as its reference events."""

    def __init__(self, sim, theta_ref, offset=lambda th: 0.0, reference_x=None):
        self.sim, self.ref, self.offset = sim, theta_ref, offset
        self.ref_x = np.zeros((0, 1)) if reference_x is None else reference_x
        self.num_rows = len(self.ref_x)

    def rows(self):
        return SimpleNamespace(x=self.ref_x, y=np.ones(len(self.ref_x)))

    def predict(self, x, theta):
        lr = self.sim.log_likelihood(x, np.asarray(theta)) - self.sim.log_likelihood(x, self.ref) + self.offset(np.asarray(theta))
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


@pytest.mark.parametrize("acquisition", ["entropy", "tmse"])
def test_acquisition_picks_the_contour_edge_when_the_statistic_is_exact(acquisition):
    task = ratio_task("galton", grid_size=121)
    scan = RatioScan(task.simulator, task.x_obs, task.grid, weights=task.weights, batch_size=2, acquisition=acquisition, **SMALL)
    scan.estimator = _ExactRatio(task.simulator, scan.theta_ref)  # type: ignore[assignment]
    scan.points = np.linspace(-1.0, -0.4, 7)[:, None]
    chosen = scan._propose(scan.q_members(task.grid), 1)[:, 0]
    # exact interval edges by interpolation of the exact q; the GP through 7 exact values is within a few grid
    # steps (0.005 each) of them, a uniform pick would be on average ~0.1 away
    inside = task.grid[~task.excluded, 0]
    edges = np.array([inside.min(), inside.max()])
    assert np.min(np.abs(chosen[:, None] - edges), axis=1).max() < 0.03, (chosen, edges)


def _same_training_data(a, b) -> None:
    """Every simulation came back: a ratio estimator's rows, or a density's pooled cells of both splits."""
    if hasattr(a, "cells"):
        for split in ("train", "val"):
            np.testing.assert_array_equal(a.cells(split).counts, b.cells(split).counts)
            np.testing.assert_array_equal(a.cells(split).tsum, b.cells(split).tsum)
    else:
        np.testing.assert_array_equal(a.rows().x, b.rows().x)
        np.testing.assert_array_equal(a.rows().log_r_xz, b.rows().log_r_xz)


@pytest.mark.parametrize(
    ("method", "training", "warm_start"),
    [("alices", SMALL["training"], True), ("scandal", TrainingConfig(max_epochs=30, patience=10), True), ("scandal", TrainingConfig(max_epochs=30, patience=10), False)],
)
def test_resume_restores_simulations_and_weights_and_continues_identically(tmp_path, method, training, warm_start):
    task = ratio_task("galton", grid_size=31)
    kw = dict(weights=task.weights, events_per_point=60, initial_points=3, batch_size=1, seed=3, method=method, warm_start=warm_start, **{**SMALL, "training": training})
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
    _same_training_data(resumed.estimator, first.estimator)  # every simulation too
    assert resumed.n_events == first.n_events and len(resumed.history) == 2
    resumed.run(max_rounds=3)
    resumed.close()
    # round 2 after the resume is the round 2 of the uninterrupted scan: same point, same retrained weights
    np.testing.assert_array_equal(resumed.points, full.points)
    np.testing.assert_allclose(resumed.estimator.predict(x, [-0.8]).members, full.estimator.predict(x, [-0.8]).members, atol=1e-6)


def test_retraining_from_scratch_makes_the_estimator_a_function_of_the_simulations_alone():
    # warm_start=False: three rounds of one point each end with the estimator that one round of the same three points
    # (same ids, so the same simulations and validation split) trains; warm-started rounds depend on the path.
    # warm_start=None (default) is False for scandal, True for the ratio methods
    task = ratio_task("galton", grid_size=31)
    kw = dict(weights=task.weights, events_per_point=60, method="scandal", seed=5, ensemble_size=2,
              network=NetworkConfig(hidden=(8,)), training=TrainingConfig(max_epochs=40, patience=10))  # fmt: skip
    rounds = RatioScan(task.simulator, task.x_obs, task.grid, initial_points=1, batch_size=1, warm_start=False, **kw)
    rounds.run(max_rounds=3)
    once = RatioScan(task.simulator, task.x_obs, task.grid, warm_start=False, **kw)
    once.step(points=rounds.points)
    x = np.arange(31.0)[:, None]
    np.testing.assert_allclose(rounds.estimator.predict(x, [-0.8]).members, once.estimator.predict(x, [-0.8]).members, atol=1e-10)
    warm = RatioScan(task.simulator, task.x_obs, task.grid, initial_points=1, batch_size=1, warm_start=True, **kw)
    assert not RatioScan(task.simulator, task.x_obs, task.grid, **kw).warm_start  # scandal's default: from scratch
    warm.run(max_rounds=3)
    assert np.abs(warm.estimator.predict(x, [-0.8]).members - once.estimator.predict(x, [-0.8]).members).max() > 1e-3
    with pytest.raises(InvalidInputError, match="warm_start='no' must be True"):
        RatioScan(task.simulator, task.x_obs, task.grid, warm_start="no")


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


def test_normalisation_cancels_an_offset_in_log_r_and_keeps_the_exact_q():
    task = ratio_task("galton", grid_size=61)
    sim = task.simulator
    scan = RatioScan(sim, task.x_obs, task.grid, weights=task.weights, **SMALL)
    # reference pool with the exact p(x | theta_ref) of the board's forward recursion: round(1e6 p) copies of each x
    p_ref = sim.probabilities(scan.theta_ref[None])[0]
    pool = np.repeat(np.arange(sim.n_nails, dtype=float), np.round(1e6 * p_ref).astype(int))[:, None]
    offset = lambda th: 0.05 * (th[0] + 0.7) ** 2  # noqa: E731  (a theta-dependent misnormalisation of log r)
    scan.estimator = _ExactRatio(sim, scan.theta_ref, offset=offset, reference_x=pool)  # type: ignore[assignment]
    q_norm = scan.q_members(task.grid)[0]
    # the normaliser of the exact ratio is sum_x p_hat(x) p(x | theta) / p(x | theta_ref) with the pool's frequencies
    # p_hat: 1 up to their rounding; its effect on q is 2 * 60 * log of that sum, computed here from the recursion
    p_hat = np.round(1e6 * p_ref) / np.round(1e6 * p_ref).sum()
    keep = p_hat > 0
    norm = np.array([np.sum(p_hat[keep] * sim.probabilities(th[None])[0][keep] / p_ref[keep]) for th in task.grid])
    q_expected = task.q_exact + 120.0 * np.log(norm)
    np.testing.assert_allclose(q_norm, q_expected - q_expected.min(), atol=1e-6)
    np.testing.assert_allclose(q_norm, task.q_exact, atol=0.02)  # and that is the exact q to 0.02
    np.testing.assert_array_equal(scan.excluded(), task.excluded)
    # without the normalisation the offset moves q by -120 offset(theta): up to 1.5 here, and the contour moves
    raw = RatioScan(sim, task.x_obs, task.grid, weights=task.weights, normalize=False, **SMALL)
    raw.estimator = scan.estimator
    q_raw = task.q_exact - 120.0 * np.array([offset(th) for th in task.grid])
    np.testing.assert_allclose(raw.q_members(task.grid)[0], q_raw - q_raw.min(), atol=1e-6)
    assert np.any(raw.excluded() != task.excluded)


def test_reference_pool_holds_every_reference_event_of_the_scan():
    task = ratio_task("galton", grid_size=31)
    scan = RatioScan(task.simulator, task.x_obs, task.grid, weights=task.weights, events_per_point=40, initial_points=3, **SMALL)
    scan.step()
    u, c = scan.reference_pool()
    # 3 points x 40 numerator events + as many at theta_ref: the pool is the 120 reference events
    assert scan.n_events == 240 and c.sum() == 120
    assert np.all((u >= 0) & (u <= 30) & (u == np.round(u)))  # board positions
    scan.step()  # 2 more points (batch_size): the pool follows the grown training set
    assert scan.n_events == 400 and scan.reference_pool()[1].sum() == 200
    with pytest.raises(InvalidInputError, match="normalize='yes' must be True or False"):
        RatioScan(task.simulator, task.x_obs, task.grid, normalize="yes")
    with pytest.raises(InvalidInputError, match="acquisition='ei' is unknown"):
        RatioScan(task.simulator, task.x_obs, task.grid, acquisition="ei")


def test_galton_theta_range_widens_the_scan_but_keeps_the_exact_interval():
    # the interval is a property of the data (60 Asimov balls at -0.7), not of the scanned range: on grids with the
    # same step (0.005) both ranges give the same allowed points, [-0.915, -0.525]
    narrow, wide = ratio_task("galton", grid_size=121), ratio_task("galton", grid_size=301, theta_range=(-1.5, 0.0))
    np.testing.assert_allclose(narrow.grid[~narrow.excluded, 0], wide.grid[~wide.excluded, 0], atol=1e-12)
    assert tuple(wide.simulator.space.bounds[:, 0]) == (-1.5, 0.0)
    assert abs((~wide.excluded).mean() - 79 / 301) < 1e-12  # the allowed fraction ratio_task's docstring and --galton-range quote
    with pytest.raises(InvalidInputError, match=r"theta_range=\(-0.5, 0.0\) must .* containing the true theta -0.7"):
        ratio_task("galton", grid_size=11, theta_range=(-0.5, 0.0))
    with pytest.raises(InvalidInputError, match="must be \\(low, high\\)"):
        ratio_task("galton", grid_size=11, theta_range=0.5)
    with pytest.raises(InvalidInputError, match="'galton' task only"):
        ratio_task("weinberg", grid_size=3, theta_range=(0.2, 0.3))


def test_galton_observed_events_narrow_the_interval_like_the_fisher_information_says():
    # Wilks with a quadratic log-likelihood: the 95 % interval of n Asimov balls is 2 x 1.96 / sqrt(n I(theta)), I the
    # per-ball Fisher information sum_x p'(x)^2 / p(x), here by central differences of the board's exact probabilities;
    # at n = 1 000 the quadratic approximation holds to ~1 % (grid step 0.0005 = 0.5 % of the width)
    from active_science.simulators.galton import GaltonBoard

    board, h = GaltonBoard(theta_range=(-1.5, 0.0)), 1e-4
    p = board.probabilities(np.array([[-0.7]]))[0]
    dp = (board.probabilities(np.array([[-0.7 + h]]))[0] - board.probabilities(np.array([[-0.7 - h]]))[0]) / (2 * h)
    fisher = np.sum(dp[p > 1e-15] ** 2 / p[p > 1e-15])
    task = ratio_task("galton", grid_size=3001, theta_range=(-1.5, 0.0), observed_events=1000)
    allowed = task.grid[~task.excluded, 0]
    assert abs((allowed.max() - allowed.min()) / (2 * 1.959964 / np.sqrt(1000 * fisher)) - 1) < 0.02
    for bad in (0, 2.5, True):
        with pytest.raises(InvalidInputError, match=f"observed_events={bad!r} must be a positive integer"):
            ratio_task("galton", grid_size=11, observed_events=bad)


def test_scandal_simulates_no_reference_events_and_approaches_the_exact_contour():
    task = ratio_task("galton", grid_size=61)
    scan = RatioScan(task.simulator, task.x_obs, task.grid, weights=task.weights, method="scandal", events_per_point=1000,
                     initial_points=3, batch_size=1, ensemble_size=2, seed=0)  # fmt: skip
    history = scan.run(max_rounds=3)
    # every simulated event is a training event at a chosen point: no sample at theta_ref
    assert scan.n_events == scan.estimator.num_rows == 1000 * len(scan.points) == 5000
    thetas = scan.estimator.cells("train").theta[:, 0]
    assert set(np.round(thetas, 12)) == set(np.round(scan.points[:, 0], 12))
    # measured 0.96 / 0.94 / 0.98 (seeds 0-2, three members); a wrong sign, missing minimum or a reference term
    # left in q gives <= 0.6, so 0.85 separates them while tolerating platform-level training differences
    ba = balanced_accuracy(history[-1].excluded, task.excluded)
    assert ba >= 0.85, ba


def test_scandal_needs_a_discrete_observable_and_data_on_its_support():
    from active_science.simulators.gaussian import GaussianToy

    sim = GaussianToy()
    with pytest.raises(InvalidInputError, match="method='scandal' needs a discrete observable"):
        RatioScan(sim, sim.simulate([0.3], seed=0, num_events=10).x, np.linspace(-1, 1, 5)[:, None], method="scandal")
    task = ratio_task("galton", grid_size=11)
    with pytest.raises(InvalidInputError, match=r"x_obs: x value \[2.5\] is not in the support"):
        RatioScan(task.simulator, np.array([[3.0], [2.5]]), task.grid, method="scandal")


def test_scandal_q_from_one_table_pass_equals_the_per_point_sum():
    task = ratio_task("galton", grid_size=21)
    scan = RatioScan(task.simulator, task.x_obs, task.grid, weights=task.weights, method="scandal", events_per_point=50,
                     initial_points=3, ensemble_size=2, network=NetworkConfig(hidden=(8,)), training=TrainingConfig(max_epochs=5))  # fmt: skip
    scan.step()
    per_point = np.stack([-2.0 * scan.estimator.predict(task.x_obs, th).members @ task.weights for th in task.grid], axis=1)
    per_point -= per_point.mean(axis=0).min()
    np.testing.assert_allclose(scan.q_members(task.grid), per_point, rtol=1e-10, atol=1e-9)


def test_scandal_scan_has_an_empty_reference_pool():
    task = ratio_task("galton", grid_size=11)
    scan = RatioScan(task.simulator, task.x_obs, task.grid, weights=task.weights, method="scandal", events_per_point=20,
                     initial_points=2, ensemble_size=2, network=NetworkConfig(hidden=(8,)), training=TrainingConfig(max_epochs=3))  # fmt: skip
    scan.step()
    u, c = scan.reference_pool()
    assert u.shape == (0, 1) and c.shape == (0,) and scan.n_events == 40


def test_space_filling_places_the_rest_of_the_batch_farthest_from_all_points():
    task = ratio_task("galton", grid_size=121)
    scan = RatioScan(task.simulator, task.x_obs, task.grid, weights=task.weights, batch_size=3, space_filling=2, **SMALL)
    scan.estimator = _ExactRatio(task.simulator, scan.theta_ref)  # type: ignore[assignment]
    scan.points = np.array([[-1.0], [-0.9], [-0.8], [-0.7]])
    chosen = scan._propose(scan.q_members(task.grid), 1)[:, 0]
    # after the acquisition's point, the grid point farthest from the simulated ones is the far end, -0.4; the next
    # is midway between -0.7 and -0.4 unless the acquisition's point took that gap already
    assert chosen[1] == pytest.approx(-0.4)
    assert np.min(np.abs(chosen[2] - np.r_[scan.points[:, 0], chosen[:2]])) >= 0.07
    with pytest.raises(InvalidInputError, match=r"space_filling=2 must be an integer in \[0, batch_size=2\)"):
        RatioScan(task.simulator, task.x_obs, task.grid, batch_size=2, space_filling=2)
