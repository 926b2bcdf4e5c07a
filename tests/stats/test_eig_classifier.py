"""The amortised ratio classifier on a linear-Gaussian experiment whose log likelihood ratio is known exactly."""

import numpy as np
import pytest

from active_science.exceptions import InvalidInputError
from active_science.simulation import Simulation
from active_science.space import ParameterSpace
from active_science.stats.eig_classifier import ClassifierSettings, TrainedClassifier, train_classifier


class Linear:
    """``x = phi theta + N(0, 1)``; gold ``t_xz = phi (x - phi theta)`` (no latent: the joint score is the score)."""

    has_gold = True
    design_space = ParameterSpace({"phi": (0.5, 2.0)})

    def simulate(self, theta, *, seed, num_events=None, design=None, gold=False, theta_refs=None):
        th = np.atleast_2d(theta)
        phi = np.atleast_2d(design)
        x = phi * th + np.random.default_rng(seed).standard_normal(th.shape)
        return Simulation(x=x, theta=th, design=phi, t_xz=phi * (x - phi * th) if gold else None)


@pytest.fixture(scope="module")
def trained():
    settings = ClassifierSettings(num_train=20000, epochs=6, hidden=32, rank=4, batch_size=256, design_frequencies=0)
    return train_classifier(Linear(), lambda n, rng: rng.uniform(-1, 1, (n, 1)), Linear.design_space, settings=settings, seed=0)


def test_learned_log_ratio_differences_match_the_exact_likelihood(trained):
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1.5, (400, 1))
    thetas = np.array([[-0.5], [0.5]])
    for phi in (0.7, 1.8):
        learned = trained.log_ratio_matrix(x, thetas, [phi])
        exact = -0.5 * (x - phi * thetas[:, 0][None, :]) ** 2
        d_learned, d_exact = learned[:, 1] - learned[:, 0], exact[:, 1] - exact[:, 0]
        # a 20k-event classifier: the log-ratio difference between two parameter points follows the exact one to a
        # few percent of its spread (the exact difference is phi x; its sd over these x is ~1.5 phi)
        assert np.sqrt(np.mean((d_learned - d_exact) ** 2)) < 0.15 * d_exact.std(), phi


def test_experiment_sums_and_array_round_trip(trained):
    x = np.random.default_rng(2).normal(size=(7, 1))
    thetas = np.array([[0.1], [0.4], [-0.3]])
    per_event = trained.log_ratio_matrix(x, thetas, [1.0]).sum(axis=0)
    np.testing.assert_allclose(trained.experiment_log_ratio(x, thetas, [1.0]), per_event, rtol=1e-6, atol=1e-5)
    again = TrainedClassifier.from_arrays(trained.to_arrays(), design_space=Linear.design_space, settings=trained.settings)
    np.testing.assert_array_equal(again.log_ratio_matrix(x, thetas, [1.0]), trained.log_ratio_matrix(x, thetas, [1.0]))


def test_gold_needs_a_gold_simulator():
    class NoGold(Linear):
        has_gold = False

    with pytest.raises(InvalidInputError, match="score_weight=0"):
        train_classifier(NoGold(), lambda n, rng: rng.uniform(-1, 1, (n, 1)), Linear.design_space,
                         settings=ClassifierSettings(num_train=200), seed=0)  # fmt: skip
