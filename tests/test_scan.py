"""ExclusionScan end to end: accuracy against exact truth, resume, stopping, bad input."""

import numpy as np
import pytest

import active_science as asci
from active_science import ExclusionScan, InvalidInputError, ParameterSpace, Store
from active_science.stats.contours import crossings_1d
from active_science.stats.metrics import balanced_accuracy
from active_science.testing import CountingObjective, excursion_1d

SPACE_1D = ParameterSpace({"x": (0.0, 1.0)})



def truth_1d(x):
    return np.array([excursion_1d([v]) for v in np.ravel(x)]) < 0.7


def test_excursion_1d_level_set_is_found_to_high_accuracy():
    scan = ExclusionScan(excursion_1d, SPACE_1D, level=0.7, scale="linear", batch_size=2, seed=0, tolerance=0.005)
    result = scan.run(max_evaluations=40)
    x = np.linspace(0, 1, 2001)[:, None]
    acc = balanced_accuracy(result.excluded(x), truth_1d(x))
    assert acc >= 0.99, acc
    # the boundary points agree with the exact crossings of f(x) = 0.7 (found on a fine grid) to 0.01
    fine = np.linspace(0, 1, 100001)
    exact = crossings_1d(fine, np.array([excursion_1d([v]) for v in fine]), 0.7)
    est = np.array([c[0, 0] for c in result.contour_points()])
    assert len(est) == len(exact) and np.max(np.abs(np.sort(est) - np.sort(exact))) < 0.01
    assert result.converged and result.n_evaluations < 40


def test_mass_plane_default_scan_beats_a_40x40_grid_by_5x():
    sim = asci.get_simulator("mass_plane")
    result = ExclusionScan("mass_plane", seed=0, batch_size=4).run(max_evaluations=320)
    grid = sim.space.grid(300)
    acc = balanced_accuracy(result.excluded(grid), sim.truth_cls(grid) < 0.05)
    assert result.n_evaluations <= 320 == 1600 // 5
    assert acc >= 0.97, acc


def test_resume_after_interruption_matches_an_uninterrupted_run(tmp_path):
    budget = 24

    def cls(theta, seed):
        rng = np.random.default_rng(seed)
        return asci.Observation(float(np.clip(0.05 * np.exp(3 * (theta[0] - 0.5)) + 0.002 * rng.normal(), 1e-6, 1)), 4e-6)

    full = CountingObjective(cls)
    ref = ExclusionScan(full, SPACE_1D, seed=5, batch_size=4, store=tmp_path / "full.h5", stopping=asci.Never()).run(budget)

    first = CountingObjective(cls, interrupt_at=11)  # Ctrl-C during the third round (calls 9-12)
    with pytest.raises(KeyboardInterrupt):
        ExclusionScan(first, SPACE_1D, seed=5, batch_size=4, store=tmp_path / "cut.h5", stopping=asci.Never()).run(budget)
    with Store.open(tmp_path / "cut.h5") as st:
        done = len(st.evaluations())
        assert done == 10 and [e.decode() for e in st.events()["kind"]][-1] == "interrupted"

    second = CountingObjective(cls)
    resumed = ExclusionScan.resume(tmp_path / "cut.h5", objective=second).run(budget)
    # no simulation repeated: the resumed run made exactly the missing calls, with seeds never used before
    assert second.calls == budget - done
    assert not set(second.seeds) & set(first.seeds)
    assert sorted(first.seeds + second.seeds) == sorted(full.seeds)
    np.testing.assert_array_equal(resumed.points, ref.points)
    x = np.linspace(0, 1, 501)[:, None]
    np.testing.assert_array_equal(resumed.excluded(x), ref.excluded(x))
    with Store.open(tmp_path / "cut.h5") as st:
        ids = st.evaluations()["id"]
        assert sorted(ids.tolist()) == list(range(budget))  # every id evaluated exactly once


def test_failures_are_recorded_and_not_fed_to_the_gp(study_path):
    def flaky(theta, seed):
        if theta[0] < 0.25:  # the first 4 scrambled-Sobol points always put one in [0, 0.25)
            raise RuntimeError("simulator crashed below 0.25")
        return float(0.2 * np.exp(-3 * theta[0]))

    result = ExclusionScan(flaky, SPACE_1D, seed=0, batch_size=3, store=study_path, retry=asci.RetryPolicy(max_retries=1)).run(18)
    assert result.n_failed >= 1 and np.all(result.points[:, 0] >= 0.25)
    with Store.open(study_path) as st:
        bad = st.evaluations()[st.evaluations()["status"] == 0]
        assert all(b"simulator crashed below 0.25" in e for e in bad["error"]) and np.all(bad["attempts"] == 2)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"level": 1.5}, r"level=1.5 must lie in \(0, 1\)"),
        ({"level": 0.0}, r"level=0.0 must lie in \(0, 1\)"),
        ({"strategy": "nope"}, "unknown strategy 'nope'; valid names"),
        ({"batch_size": 0}, "batch_size=0"),
        ({"executor": "threads"}, "unknown executor 'threads'"),
        ({"seed": -1}, "seed=-1"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(asci.ActiveScienceError, match=match):
        ExclusionScan(excursion_1d, SPACE_1D, **kwargs)


def test_bad_objective_outputs_become_failures(study_path):
    values = {0: 1.7, 1: "x", 2: float("nan")}

    def weird(theta, seed):
        i = weird.i
        weird.i += 1
        return values.get(i, 0.5)

    weird.i = 0
    result = ExclusionScan(weird, SPACE_1D, seed=0, batch_size=3, retry=asci.RetryPolicy(max_retries=0)).run(3)
    assert result.n_failed == 3


def test_unknown_simulator_and_budget_errors():
    with pytest.raises(asci.UnknownNameError, match="unknown simulator 'nope'; valid names: .*mass_plane"):
        ExclusionScan("nope")
    with pytest.raises(InvalidInputError, match="max_evaluations=0"):
        ExclusionScan(excursion_1d, SPACE_1D).run(0)


def test_two_targets_learnt_in_one_study(study_path):
    # observed CLs crosses 0.05 at x = 0.4, expected CLs at x = 0.7 (both exponentials, exact crossing points)
    def two(theta, seed):
        x = float(theta[0])
        return asci.Observation(0.05 * np.exp(4 * (x - 0.4)), 1e-8, extras={"cls_exp": 0.05 * np.exp(4 * (x - 0.7))})

    result = ExclusionScan(two, SPACE_1D, seed=0, batch_size=2, targets=["value", "cls_exp"], store=study_path).run(40)
    assert result.targets == ("value", "cls_exp") and result.values.shape[1] == 2
    obs = result.contour_points()
    exp = result.contour_points(target="cls_exp")
    assert len(obs) == 1 and abs(obs[0][0, 0] - 0.4) < 0.01
    assert len(exp) == 1 and abs(exp[0][0, 0] - 0.7) < 0.01
    x = np.array([[0.5]])
    assert not result.excluded(x)[0] and result.excluded(x, target="cls_exp")[0]
    with pytest.raises(InvalidInputError, match="scanned targets: value, cls_exp"):
        result.excluded(x, target="cls_exp_p1")
    with Store.open(study_path) as st:
        assert st.get_arrays("labels")["excluded"].shape[1] == 2


def test_missing_extra_is_a_failed_evaluation():
    result = ExclusionScan(lambda th, seed: 0.1, SPACE_1D, targets=["value", "cls_exp"], retry=asci.RetryPolicy(max_retries=0)).run(2)
    assert result.n_failed == 2
