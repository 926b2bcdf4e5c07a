"""Gold simulations as executor tasks: per-point seeds, serial == Ray, failures."""

from __future__ import annotations

import numpy as np
import pytest

from active_science.exceptions import SimulationError
from active_science.execution import SerialExecutor
from active_science.ratio.config import NetworkConfig, TrainingConfig
from active_science.ratio.gold_objective import GoldObjective, run_gold_tasks, to_simulations
from active_science.ratio_scan import RatioScan
from active_science.ratio_scan_tasks import ratio_task
from active_science.simulators.galton import GaltonBoard

SMALL = dict(network=NetworkConfig(hidden=(8,)), training=TrainingConfig(max_epochs=3, patience=3), ensemble_size=2)


def test_gold_of_one_point_matches_the_exact_joint_ratio():
    board = GaltonBoard()
    sims = GoldObjective(board, np.array([-0.7]), 50)
    num, ref = to_simulations(sims.evaluate(np.array([-0.9]), 4).extras)
    assert len(num) == len(ref) == 50
    np.testing.assert_array_equal(num.theta, np.full((50, 1), -0.9))
    np.testing.assert_array_equal(ref.theta, np.full((50, 1), -0.7))
    # E[r(x,z | -0.9, -0.7)] over z ~ p(z | -0.7) is 1 (the joint ratio is a density ratio): the mean of 50 draws is
    # within 4 standard errors of 1 (a sign or pairing error in the gold would shift it by far more)
    r = np.exp(ref.log_r_xz[:, 0])
    assert abs(r.mean() - 1.0) < 4 * r.std() / np.sqrt(50) + 1e-9


def test_a_points_simulation_depends_only_on_its_id_not_on_its_batch():
    task = ratio_task("galton", grid_size=11)
    a = RatioScan(task.simulator, task.x_obs, task.grid, weights=task.weights, events_per_point=20, seed=5, **SMALL)
    b = RatioScan(task.simulator, task.x_obs, task.grid, weights=task.weights, events_per_point=20, seed=5, **SMALL)
    _, both = a.simulate(np.array([[-0.9], [-0.5]]))
    _, alone = b.simulate(np.array([[-0.5]]), first_id=1)
    np.testing.assert_array_equal(both[2].x, alone[0].x)  # point 1's numerator events
    np.testing.assert_array_equal(both[3].log_r_xz, alone[1].log_r_xz)  # and its reference events


class _FailsAbove:
    def __init__(self, cut):
        self.cut = cut

    def evaluate(self, theta, seed):
        if theta[0] > self.cut:
            raise RuntimeError(f"boom at {theta[0]}")
        return GoldObjective(GaltonBoard(), np.array([-0.7]), 5).evaluate(theta, seed)


def test_failed_points_are_dropped_and_all_failed_is_an_error():
    from active_science.execution import RetryPolicy

    ex = SerialExecutor(_FailsAbove(-0.6), retry=RetryPolicy(max_retries=0))
    done = run_gold_tasks(ex, np.array([[-0.9], [-0.5], [-0.8]]), [1, 2, 3])
    assert [k for k, _ in done] == [0, 2]
    with pytest.raises(SimulationError, match="boom"):
        run_gold_tasks(ex, np.array([[-0.5]]), [1], first_id=10)


@pytest.mark.ray
def test_serial_and_ray_rounds_are_identical(ray_local):
    task = ratio_task("galton", grid_size=21)
    kw = dict(weights=task.weights, events_per_point=30, initial_points=3, batch_size=2, seed=2, **SMALL)
    serial = RatioScan(task.simulator, task.x_obs, task.grid, executor="serial", **kw)
    ray = RatioScan(task.simulator, task.x_obs, task.grid, executor="ray", **kw)
    try:
        serial.run(max_rounds=2)
        ray.run(max_rounds=2)
    finally:
        serial.close()
        ray.close()
    # each point's simulator seed is point_seed(study seed, point id): same events whichever worker ran them,
    # hence the same training rows, the same retrained weights and the same next points
    np.testing.assert_array_equal(serial.points, ray.points)
    np.testing.assert_array_equal(serial.estimator.rows().x, ray.estimator.rows().x)
    np.testing.assert_array_equal(serial.estimator.rows().log_r_xz, ray.estimator.rows().log_r_xz)
    np.testing.assert_array_equal(serial.history[-1].excluded, ray.history[-1].excluded)


def test_a_point_at_theta_ref_trains_gold_methods_with_the_exact_unit_ratio():
    # an active scan may choose the reference point itself (the grid's centre is theta_ref by default): every event
    # is then drawn at theta_ref with gold only against theta_ref. Those rows pin r(x | ref) = 1 exactly: theta0 =
    # theta_ref, log r = 0, half numerator and half reference rows. Before, they had no partner and ALICE refused to
    # train for the rest of the scan ("rows lack log_r_xz").
    from active_science.ratio.dataset import rows_from_simulation

    board = GaltonBoard()
    sims = to_simulations(GoldObjective(board, np.array([-0.7]), 40).evaluate(np.array([-0.7]), 4).extras)
    rows = [rows_from_simulation(s, mode="reference", theta_ref=np.array([-0.7])) for s in sims]
    for r in rows:
        np.testing.assert_array_equal(r.theta0, np.full((40, 1), -0.7))
        np.testing.assert_array_equal(r.log_r_xz, np.zeros(40))
        assert r.y.sum() == 20  # balanced: every event was drawn at theta0 = theta1
    t = ratio_task("galton", grid_size=21)
    scan = RatioScan(t.simulator, t.x_obs, t.grid, weights=t.weights, method="alice", events_per_point=40, **SMALL)
    scan.step(points=np.array([[-0.9], [-0.5]]))
    scan.step(points=np.array([[-0.7]]))  # the reference point itself
    scan.step()  # two proposed points (batch_size 2)
    assert scan.n_events == 5 * 80 and np.isfinite(scan.q_members(t.grid)).all()
