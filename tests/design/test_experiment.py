"""Cost models and experiment likelihoods against the SCIENCE.md cross section table and scipy's Poisson pmf."""

import numpy as np
import pytest
from scipy.stats import poisson

from active_science.exceptions import InvalidInputError
from active_science.experiment import (
    FixedEvents,
    FixedLuminosity,
    cost_model_from_config,
    expected_events,
    experiment_log_likelihood,
    rate_log_likelihood,
    simulate_experiments,
)
from active_science.simulators.weinberg import Weinberg


def test_fixed_luminosity_expects_luminosity_times_fiducial_cross_section():
    sim = Weinberg(fixed_g_f=1.1663787)  # the SCIENCE.md reference uses kappa from G_F
    a = 0.95
    # sigma(91.19 GeV) = 1.985 nb (SCIENCE.md table, 4 digits: 1e-3 relative), times the acceptance (3a + a^3)/4
    nu = expected_events(sim, FixedLuminosity(200.0), [[0.2312]], [91.19])
    assert nu[0] == pytest.approx(200.0 * 1.985 * (3 * a + a**3) / 4, rel=1e-3)
    assert expected_events(sim, FixedEvents(700), [[0.2], [0.25]], [20.0]).tolist() == [700.0, 700.0]


def test_simulated_counts_are_poisson_and_the_rate_term_is_its_log_pmf():
    sim = Weinberg()
    cost = FixedLuminosity(50.0)
    runs = simulate_experiments(sim, cost, np.full((400, 1), 0.2312), [91.19], seed=0)
    counts = np.array([r.count for r in runs])
    nu = expected_events(sim, cost, [[0.2312]], [91.19])[0]
    # mean of 400 Poisson counts: standard error sqrt(nu / 400); 4 standard errors
    assert abs(counts.mean() - nu) < 4 * np.sqrt(nu / 400)
    thetas = np.array([[0.22], [0.24]])
    expected = poisson.logpmf(counts[0], expected_events(sim, cost, thetas, [91.19]))
    np.testing.assert_allclose(rate_log_likelihood(sim, cost, counts[0], thetas, [91.19]), expected, rtol=1e-12)
    assert np.all(rate_log_likelihood(sim, FixedEvents(10), 10, thetas, [91.19]) == 0)


def test_experiment_log_likelihood_sums_events_and_experiments():
    sim = Weinberg()
    cost = FixedEvents(200)
    a, b = simulate_experiments(sim, cost, [[0.23], [0.23]], [70.0], seed=1)
    thetas = [[0.21], [0.23]]
    by_hand = sim.log_likelihood_matrix(np.concatenate([a.x, b.x]), thetas, design=[70.0]).sum(axis=0)
    np.testing.assert_allclose(experiment_log_likelihood(sim, cost, [a, b], thetas), by_hand, rtol=1e-12)


def test_cost_model_config_round_trip_and_errors():
    for cost in (FixedEvents(100), FixedLuminosity(2.5)):
        assert cost_model_from_config(cost.to_config()) == cost
    with pytest.raises(InvalidInputError, match="valid kinds"):
        cost_model_from_config({"kind": "fixed_time"})
    with pytest.raises(InvalidInputError, match="num_events"):
        FixedEvents(0)
    with pytest.raises(InvalidInputError, match="luminosity"):
        FixedLuminosity(-1.0)
