"""The fault-injection wrapper: its plan (which points fail, how, how often) and its attempt counting."""

import numpy as np
import pytest

from active_science import InvalidInputError
from active_science.simulators.faulty import FAULT_KINDS, FaultyObjective, count_injected


def test_fault_plan_rates_match_the_requested_shares():
    f = FaultyObjective(lambda th, seed: 0.5, rate=0.2, persistent=0.5, log_dir=".")
    plans = [f.fault_at(seed=s) for s in range(20000)]
    faulty = [p for p in plans if p is not None]
    # binomial standard errors: rate sqrt(0.2*0.8/20000) = 0.0028, persistent share sqrt(0.25/4000) = 0.008; 4 sigma
    assert abs(len(faulty) / 20000 - 0.2) < 0.012
    assert abs(np.mean([p[1] for p in faulty]) - 0.5) < 0.032
    counts = np.array([sum(p[0] == k for p in faulty) for k in FAULT_KINDS])
    assert np.all(np.abs(counts / len(faulty) - 0.2) < 0.03)  # uniform over 5 kinds: sd 0.0063, ~5 sigma
    assert f.fault_at(seed=123) == FaultyObjective(lambda th, seed: 0.5, rate=0.2, persistent=0.5, log_dir=".").fault_at(seed=123)


def test_transient_faults_fail_the_set_number_of_attempts(tmp_path):
    f = FaultyObjective(lambda th, seed: 0.5, rate=1.0, kinds=["nan"], persistent=0.0, transient_attempts=2, log_dir=tmp_path)
    for _ in range(2):
        with pytest.raises(Exception, match="non-finite"):
            f.evaluate(np.zeros(1), 9)
    assert f.evaluate(np.zeros(1), 9).value == 0.5
    assert count_injected(tmp_path) == {"nan": 2}


def test_region_faults_and_driver_safe_exit(tmp_path):
    f = FaultyObjective(lambda th, seed: 0.5, rate=1.0, kinds=["exit"], persistent=1.0, fail_if=lambda th: th[0] > 0.5, log_dir=tmp_path)
    with pytest.raises(RuntimeError, match="region"):
        f.evaluate(np.array([0.9]), 1)
    with pytest.raises(RuntimeError, match=r"injected fault \(exit\)"):  # never os._exit in the process that built it
        f.evaluate(np.array([0.1]), 1)


@pytest.mark.parametrize("kwargs", [{"rate": 1.5}, {"kinds": ["boom"]}, {"persistent": -0.1}, {"transient_attempts": 0}])
def test_bad_settings(kwargs):
    with pytest.raises(InvalidInputError):
        FaultyObjective(lambda th, seed: 0.5, **kwargs)
