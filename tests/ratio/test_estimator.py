"""RatioEstimator on the Gaussian toy against the exact log ratio and score (SCIENCE.md section 4)."""

import numpy as np
import pytest

from active_science.exceptions import InvalidInputError
from active_science.ratio import RatioEstimator, TrainingConfig
from active_science.ratio.mining import simulate_paired
from active_science.simulators.gaussian import GaussianToy

from .conftest import SHORT, SMALL_NET

# Predicting log r = 0 everywhere gives MSE(log r) = E[(0.1 (x - 0.25))^2] = 0.0506 under x ~ N(0, 5).
TRIVIAL_MSE = 0.0506


@pytest.mark.parametrize("method", ["rolr", "cascal", "rascal", "alice", "alices"])
def test_gold_methods_learn_the_ratio_and_score_from_2000_simulations(method, gaussian_task, gaussian_sims):
    est = RatioEstimator(method, theta_ref=[0.0], network=SMALL_NET, seed=0).append(gaussian_sims[True]).train(SHORT)
    # measured 0.0015 - 0.0039 over these methods (seed 0); 0.006 is < 1/8 of the trivial MSE
    assert gaussian_task.mse_of(est) < 0.006
    x = gaussian_task.x_eval
    err = est.score(x, [0.5])[:, 0] - gaussian_task.simulator.score(x, [0.5])[:, 0]
    # E[t(x)^2] ~ 0.25 under p(x|0); measured score MSE 0.006 - 0.02
    assert float(np.sum(gaussian_task.p_eval * err**2)) < 0.04


def test_carl_without_gold_beats_the_trivial_estimate(gaussian_task, gaussian_sims):
    est = RatioEstimator("carl", theta_ref=[0.0], network=SMALL_NET, seed=0).append(gaussian_sims[False]).train(SHORT)
    assert gaussian_task.mse_of(est) < 0.5 * TRIVIAL_MSE  # measured 0.013


def test_doubly_parameterised_alices_is_antisymmetric_and_accurate():
    sim = GaussianToy()
    rng = np.random.default_rng(0)
    theta, partner = rng.uniform(-1, 1, (3000, 1)), rng.uniform(-1, 1, (3000, 1))
    est = RatioEstimator("alices", doubly=True, network=SMALL_NET, seed=0)
    est.append(simulate_paired(sim, theta, partner, seed=1)).train(SHORT)
    x = np.linspace(-3, 3, 7)[:, None]
    a = est.log_ratio(x, [0.5], [-0.5])
    np.testing.assert_allclose(a, -est.log_ratio(x, [-0.5], [0.5]), atol=1e-6)  # exact by construction (float32)
    exact = sim.log_likelihood(x, [0.5]) - sim.log_likelihood(x, [-0.5])  # = 0.2 x
    assert np.abs(a - exact).max() < 0.15  # measured 0.06 at the tails (x = +-3 are 1.3 sigma out)


def test_doubly_score_term_targets_minus_the_score_at_theta1():
    # MadMiner's sign bug: grad_theta1 log r(x | theta0, theta1) = -t(x | theta1); check the learnt one
    sim = GaussianToy()
    rng = np.random.default_rng(1)
    theta, partner = rng.uniform(-1, 1, (3000, 1)), rng.uniform(-1, 1, (3000, 1))
    est = RatioEstimator("cascal", doubly=True, network=SMALL_NET, seed=0, alpha=5.0)
    est.append(simulate_paired(sim, theta, partner, seed=2)).train(SHORT)
    x = np.array([[-2.0], [2.0]])
    t_hat = est.score(x, [0.0], [0.3])[:, 0]  # grad wrt theta0 at theta0 = 0
    np.testing.assert_allclose(t_hat, sim.score(x, [0.0])[:, 0], atol=0.1)  # exact +-0.4; measured error < 0.05


@pytest.mark.parametrize("negatives", [1, 4])
def test_marginal_carl_learns_ratios_between_parameter_points(negatives):
    # negatives = 4: four shuffled partners per joint pair, each weighted 1/4, must learn the same ratio
    sim = GaussianToy()
    s = sim.simulate(sim.space.sample(4000, seed=3), seed=4)
    est = RatioEstimator("carl", network=SMALL_NET, seed=0, negatives=negatives).append(s).train(SHORT)
    x = np.linspace(-2, 2, 5)[:, None]
    diff = est.log_ratio(x, [0.5]) - est.log_ratio(x, [-0.5])  # the marginal p(x) cancels
    exact = sim.log_likelihood(x, [0.5]) - sim.log_likelihood(x, [-0.5])
    assert np.abs(diff - exact).max() < 0.15  # exact range +-0.4; measured error 0.05


def test_warm_start_continues_training_on_the_grown_dataset(gaussian_task):
    est = RatioEstimator("rascal", theta_ref=[0.0], network=SMALL_NET, seed=0)
    est.append(gaussian_task.training_set(400, seed=5)).train(SHORT)
    first = gaussian_task.mse_of(est)
    est.append(gaussian_task.training_set(3000, seed=6)).train(SHORT)
    assert len(est.history_) == 2 and est.history_[1].num_train + est.history_[1].num_val == est.num_rows == 3400
    assert gaussian_task.mse_of(est) < first  # more data, continued from the old weights


def test_ensemble_spread_is_larger_outside_the_training_data(gaussian_task):
    est = RatioEstimator("alices", theta_ref=[0.0], network=SMALL_NET, ensemble_size=4, seed=0)
    est.append(gaussian_task.training_set(6000, seed=7)).train(SHORT)
    spread = est.predict(np.array([[0.0], [12.0]]), [0.5]).log_ratio_std
    # x = 12 is 5 sigma beyond any training event: members disagree (measured 0.020 vs 0.004 at x = 0)
    assert spread[1] > 2 * spread[0] > 0


def test_misuse_is_refused_with_the_fix(gaussian_sims):
    with pytest.raises(InvalidInputError, match="reference point"):
        RatioEstimator("rolr")
    with pytest.raises(InvalidInputError, match="gold=True"):
        RatioEstimator("rascal", theta_ref=[0.0]).append(gaussian_sims[False]).train(TrainingConfig(max_epochs=1))
    with pytest.raises(InvalidInputError, match="not trained"):
        RatioEstimator("carl", theta_ref=[0.0]).log_ratio(np.zeros((1, 1)), [0.0])
    with pytest.raises(InvalidInputError, match="drop theta_ref"):
        RatioEstimator("carl", theta_ref=[0.0], doubly=True)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"negatives": 0}, "negatives=0 must be a positive integer"),
    ({"negatives": True}, "negatives=True must be a positive integer"),
    ({"negatives": 2, "theta_ref": [0.0]}, "negatives=2 applies to the marginal mode only"),
])  # fmt: skip
def test_bad_negatives(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        RatioEstimator("carl", **kwargs)
