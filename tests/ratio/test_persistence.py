"""Save / load through the study's HDF5 file: identical predictions, no pickle."""

import numpy as np

from active_science.ratio import RatioEstimator, ScoreEstimator, TrainingConfig
from active_science.store import Store

from .conftest import SMALL_NET


def test_ratio_estimator_round_trip_through_the_store(tmp_path, gaussian_sims):
    est = RatioEstimator("alices", theta_ref=[0.0], network=SMALL_NET, ensemble_size=2, seed=0)
    est.append(gaussian_sims[True]).train(TrainingConfig(max_epochs=3))
    path = tmp_path / "study.h5"
    with Store.create(path, kind="ratio", config={}, param_names=["theta"]) as st:
        est.save(st, "estimator", round=0)
    loaded = RatioEstimator.load(Store.open(path), "estimator")
    x = np.linspace(-3, 3, 9)[:, None]
    np.testing.assert_array_equal(loaded.predict(x, [0.4]).members, est.predict(x, [0.4]).members)
    np.testing.assert_array_equal(loaded.score(x, [0.4]), est.score(x, [0.4]))
    assert loaded.config() == est.config()


def test_score_estimator_with_densities_round_trips(tmp_path):
    from active_science.simulators.gaussian import GaussianToy

    sim = GaussianToy()
    est = ScoreEstimator([0.0], method="sallino", network=SMALL_NET)
    est.append(sim.simulate([0.0], seed=0, num_events=500, gold=True)).train(TrainingConfig(max_epochs=3))
    est.fit_densities(sim, np.array([[0.5]]), num_events=500, seed=1)
    path = tmp_path / "study.h5"
    with Store.create(path, kind="ratio", config={}, param_names=["theta"]) as st:
        est.save(st, "sallino")
    loaded = ScoreEstimator.load(Store.open(path), "sallino")
    x = np.linspace(-3, 3, 9)[:, None]
    np.testing.assert_array_equal(loaded.log_ratio(x, [0.5]), est.log_ratio(x, [0.5]))
