"""A whole scan under injected faults of every kind (Ray executor): nothing is lost, failures are recorded with their
reason, the loop goes on, failed points are not proposed again, and a serial run of the same seed agrees."""

import numpy as np
import pytest

import active_science as asci
from active_science import ExclusionScan, ParameterSpace, RetryPolicy, Store
from active_science.simulators.faulty import FaultyObjective, count_injected

pytestmark = [pytest.mark.ray, pytest.mark.slow]  # two 16-evaluation scans with retries, timeouts and worker restarts

SPACE = ParameterSpace({"x": (0.0, 1.0)})
BUDGET = 16


def cls(theta, seed):
    noise = 0.002 * np.random.default_rng(seed).normal()
    return asci.Observation(float(np.clip(0.05 * np.exp(3 * (theta[0] - 0.5)) + noise, 1e-6, 1.0)), 4e-6)


def faulty_scan(executor, log_dir, store):
    log_dir.mkdir()
    objective = FaultyObjective(cls, rate=0.35, persistent=0.5, log_dir=log_dir, hang_seconds=60)
    scan = ExclusionScan(
        objective, SPACE, seed=3, batch_size=4, executor=executor, store=store, stopping=asci.Never(),
        retry=RetryPolicy(max_retries=1, timeout=1.0),
    )  # fmt: skip
    return objective, scan.run(BUDGET)


def test_mixed_faults_under_ray_lose_nothing_and_match_a_serial_run(ray_local, tmp_path):
    objective, result = faulty_scan("ray", tmp_path / "ray_faults", tmp_path / "ray.h5")
    with Store.open(tmp_path / "ray.h5") as st:
        props, evals = st.proposals(), st.evaluations()
    assert len(props) == BUDGET and sorted(evals["id"].tolist()) == list(range(BUDGET))  # every proposal, exactly once
    plan = {int(p["id"]): objective.fault_at(seed=int(p["seed"])) for p in props}
    expected_failed = {i for i, f in plan.items() if f is not None and f[1]}
    kinds = {f[0] for f in plan.values() if f is not None}
    assert len(expected_failed) >= 2 and len(kinds) >= 3  # the plan really mixes faults in this budget
    for row in evals:
        i, fault = int(row["id"]), plan[int(row["id"])]
        if i in expected_failed:  # failed after 1 + max_retries attempts, with a reason
            assert row["status"] == 0 and row["attempts"] == 2 and row["error"], row
        else:  # transient faults cost exactly one retry
            assert row["status"] == 1 and row["attempts"] == (1 if fault is None else 2), row
    assert result.n_evaluations == BUDGET and result.n_failed == len(expected_failed)
    # injected faults = 1 per transient point + 2 per persistent point, counted by the workers themselves
    n_transient = sum(1 for f in plan.values() if f is not None and not f[1])
    assert sum(count_injected(tmp_path / "ray_faults").values()) == n_transient + 2 * len(expected_failed)
    # a failed point is never proposed again (unit distance >= the optimiser's 1e-3 exclusion radius)
    failed_u = SPACE.to_unit(props["theta"][sorted(expected_failed)])
    for fid, fu in zip(sorted(expected_failed), failed_u):
        later = SPACE.to_unit(props["theta"][props["id"] > fid])
        assert np.all(np.abs(later - fu).max(axis=1) >= 1e-3)

    # the same study run serially: same proposals, same outcome per point (faults depend on the seed only)
    _, serial = faulty_scan("serial", tmp_path / "serial_faults", tmp_path / "serial.h5")
    with Store.open(tmp_path / "serial.h5") as st:
        s_props, s_evals = st.proposals(), st.evaluations()
    np.testing.assert_array_equal(s_props["theta"], props["theta"])
    assert dict(zip(s_evals["id"].tolist(), s_evals["status"].tolist())) == dict(zip(evals["id"].tolist(), evals["status"].tolist()))
    x = np.linspace(0, 1, 201)[:, None]
    np.testing.assert_array_equal(serial.excluded(x), result.excluded(x))
