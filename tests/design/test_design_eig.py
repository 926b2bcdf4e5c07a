"""EIG of one experiment: nested MC and the likelihood-free estimators against the closed form of a linear-Gaussian
experiment, and the Weinberg cost-model physics (SCIENCE.md section 4)."""

import dataclasses

import numpy as np
import pytest

from active_science.design_eig import EIGObjective, EIGSettings, estimate_eig
from active_science.exceptions import InvalidInputError
from active_science.experiment import FixedEvents, FixedLuminosity
from active_science.simulators.weinberg import Weinberg


def test_nested_mc_matches_closed_form_eig_of_linear_gaussian_experiment(toy):
    belief = np.random.default_rng(0).normal(0.0, 1.0, (20000, 1))
    for phi in (0.1, 0.3):
        r = estimate_eig(toy.sim, FixedEvents(10), np.array([phi]), belief, seed=1, settings=EIGSettings("nested", num_outer=2000, num_inner=2000))
        exact = toy.exact_eig(10, phi, 1.0)
        # 4 standard errors, plus 0.02 nats for the O(1/M) upward bias of nested MC at M = 2000 (Rainforth et al. 2018)
        assert abs(r["nested"].value - exact) < 4 * r["nested"].standard_error + 0.02, (phi, r["nested"], exact)


def test_likelihood_free_estimators_with_an_exact_critic(toy):
    belief = np.random.default_rng(0).normal(0.0, 1.0, (20000, 1))
    s = EIGSettings("lfire", num_outer=1500, num_inner=1000, num_marginal=200, num_calibration=0)
    r = estimate_eig(toy.sim, FixedEvents(10), np.array([0.3]), belief, seed=2, estimators=("nested", "lfire", "infonce", "nwj"),
                     settings=s, classifier=toy.critic)  # fmt: skip
    # an exact critic makes the LFIRE plug-in the nested estimator itself (same experiments, same inner draws)
    assert r["lfire"].value == pytest.approx(r["nested"].value, abs=1e-9)
    # InfoNCE is bounded by log(K + 1); NWJ is a lower bound on the truth (4 standard errors of slack)
    assert r["infonce"].value <= np.log(s.num_inner + 1)
    exact = toy.exact_eig(10, 0.3, 1.0)
    assert r["nwj"].value < exact + 4 * r["nwj"].standard_error
    assert abs(r["nwj"].value - exact) < 4 * r["nwj"].standard_error + 0.03, (r["nwj"], exact)
    # the zero-mean-score calibration of an exact critic fits a tilt of ~0: from 4000 experiments the fitted tilt is
    # ~1/sqrt(4000) of a likelihood width, so on the same experiments the estimate moves by well under 0.005 nats
    cal = estimate_eig(toy.sim, FixedEvents(10), np.array([0.3]), belief, seed=2, estimators=("lfire",),
                       settings=dataclasses.replace(s, num_calibration=4000), classifier=toy.critic)  # fmt: skip
    assert cal["lfire"].value == pytest.approx(r["lfire"].value, abs=0.005)


def test_weinberg_optimum_depends_on_the_cost_model():
    """SCIENCE.md section 4: fixed events -> the off-pole region (~79-87 GeV) wins; fixed luminosity -> the Z pole."""
    sim = Weinberg()
    belief = np.random.default_rng(0).uniform(0.21, 0.25, (4000, 1))
    settings = EIGSettings("nested", num_outer=100, num_inner=200)
    designs = [60.0, 82.0, 91.19]
    for cost, best in ((FixedEvents(1000), 82.0), (FixedLuminosity(200.0), 91.19)):
        values = [estimate_eig(sim, cost, np.array([d]), belief, seed=3, settings=settings)["nested"].value for d in designs]
        assert designs[int(np.argmax(values))] == best, (cost, values)
    # the Z pole under fixed luminosity beats 82 GeV by more than 10x (the EIG ratio, SCIENCE.md)
    lumi = [estimate_eig(sim, FixedLuminosity(200.0), np.array([d]), belief, seed=3, settings=settings)["nested"].value for d in (82.0, 91.19)]
    assert lumi[1] > 10 * lumi[0], lumi


def test_objective_reports_estimate_variance_and_extras(toy):
    belief = np.random.default_rng(0).normal(0.0, 1.0, (500, 1))
    obj = EIGObjective(toy.sim, FixedEvents(5), belief, settings=EIGSettings("nested", num_outer=50, num_inner=50))
    obs = obj.evaluate(np.array([0.5]), seed=0)
    assert obs.variance == pytest.approx(obs.extras["se_nested"] ** 2)
    assert obs.value == obs.extras["eig_nested"]
    # the same seed gives the same estimate (common random numbers across evaluations)
    assert obj.evaluate(np.array([0.5]), seed=0).value == obs.value


def test_bad_estimator_requests_are_rejected(toy):
    belief = np.zeros((10, 1))
    with pytest.raises(InvalidInputError, match="unknown"):
        EIGSettings("mine")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="trained classifier"):
        estimate_eig(toy.sim, FixedEvents(5), np.array([0.5]), belief, seed=0, estimators=("lfire",))
    with pytest.raises(InvalidInputError, match="num_outer"):
        EIGSettings(num_outer=1)
