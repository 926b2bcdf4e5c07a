"""The mass-plane toy against its closed forms: two-body decay kinematics, binomial MC noise, delta-method variance."""

import numpy as np
import pytest

from active_science import InvalidInputError
from active_science.simulators.mass_plane import MassPlane, wino_cross_section_fb
from active_science.stats.counting import counting_cls


def test_cross_section_fit_matches_the_lhc_xs_wg_table():
    # LHC SUSY XS WG NLO+NLL wino C1N2 at 13 TeV (values from ../shared/data/.../xsec_13TeV_n2x1_wino_*.csv)
    table = {100.0: 22670.1, 200.0: 1807.39, 300.0: 386.936, 500.0: 46.3533, 800.0: 4.75843, 1000.0: 1.34352}
    for m, fb in table.items():
        assert abs(float(wino_cross_section_fb(m)) / fb - 1) < 0.06  # fit accuracy stated in the module: 5 %


def test_mc_efficiency_is_binomial_around_the_closed_form():
    sim = MassPlane(num_events=4000)
    theta = np.array([300.0, 200.0])  # p* = (300^2 - 200^2) / 600 = 83.3 GeV, eff = 1 - (50/83.3)^2 = 0.64
    assert abs(float(sim.efficiency(theta)) - (1 - (50 / (250 / 3)) ** 2)) < 1e-12
    effs = np.array([np.mean(np.all(sim.simulate(theta, seed=s).x > 50.0, axis=1)) for s in range(200)])
    p = float(sim.efficiency(theta))
    sd = np.sqrt(p * (1 - p) / 4000)
    # mean of 200 binomial fractions: standard error sd/sqrt(200); 4 sigma tolerance
    assert abs(effs.mean() - p) < 4 * sd / np.sqrt(200)
    # sample sd within 15 % (chi2 with 199 dof: relative sd of the sd estimate ~ 5 %, 3 sigma)
    assert abs(effs.std(ddof=1) / sd - 1) < 0.15


def test_cls_and_its_reported_variance_are_calibrated():
    sim = MassPlane(num_events=2000)
    stat = sim.default_statistic()
    theta = np.array([560.0, 300.0])  # near the boundary: CLs ~ 0.05
    obs = [stat(sim.simulate(theta, seed=s), theta) for s in range(300)]
    log_cls = np.log([o.value for o in obs])
    reported = np.mean([o.variance / o.value**2 for o in obs])
    # delta method vs empirical variance of log CLs: agree within 20 % (300 samples: sd of a variance ~ 8 %)
    assert abs(np.var(log_cls, ddof=1) / reported - 1) < 0.2
    # and the exact CLs is the closed-form counting CLs at the exact signal
    s = 139.0 * float(wino_cross_section_fb(560.0)) * 0.003 * float(sim.efficiency(theta))
    assert abs(float(sim.truth_cls(theta)) - float(counting_cls(10, s, 10).cls)) < 1e-15


def test_below_threshold_nothing_passes():
    sim = MassPlane()
    theta = np.array([300.0, 290.0])  # p* = 9.8 GeV < 50 GeV cut
    assert float(sim.efficiency(theta)) == 0.0
    assert float(sim.truth_cls(theta)) == pytest.approx(1.0)
    obs = sim.default_statistic()(sim.simulate(theta, seed=0), theta)
    assert obs.value == pytest.approx(1.0) and obs.variance >= 0


def test_same_seed_same_events():
    sim = MassPlane()
    a = sim.simulate(np.array([400.0, 100.0]), seed=42).x
    b = sim.simulate(np.array([400.0, 100.0]), seed=42).x
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"background": -1.0}, "background"), ({"num_events": 3}, "num_events"), ({"acceptance": 0}, "acceptance")],
)
def test_bad_options(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        MassPlane(**kwargs)
