"""Reference tasks: the exact ratio has zero MSE, and the MSE weights match Monte Carlo."""

import numpy as np

from active_science.ratio import ratio_task


def test_exact_log_ratio_has_zero_mse_and_weights_match_monte_carlo():
    for name in ("galton", "gaussian"):
        task = ratio_task(name)
        assert task.mse_log_r(task.true_log_r) == 0.0
        sim = task.simulator
        x = sim.simulate(task.theta_ref, seed=0, num_events=200_000).x
        mc = np.mean((sim.log_likelihood(x, task.theta_eval) - sim.log_likelihood(x, task.theta_ref)) ** 2)
        exact = task.mse_log_r(np.zeros(len(task.x_eval)))  # E[log r^2] under p(x | theta_ref)
        assert abs(mc - exact) < 0.02 * exact  # MC relative error ~ sqrt(Var/n) ~ 0.5 % at n = 2e5


def test_training_set_splits_simulations_between_theta0_and_the_reference():
    task = ratio_task("galton")
    sims = task.training_set(1000, seed=0)
    theta = np.concatenate([s.theta for s in sims])[:, 0]
    assert len(theta) == 1000 and np.sum(theta == -0.6) == 500
    assert theta.min() >= -1.0 and theta.max() <= -0.4
