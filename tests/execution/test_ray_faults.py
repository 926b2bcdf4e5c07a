"""Fault injection under the Ray executor: every fault kind is retried per the policy, then recorded with its reason.

Faults come from ``active_science.simulators.faulty.FaultyObjective``, whose plan is a pure function of the point
seed; the marker files it writes (one per injected fault) are an independent count of the attempts made.
"""

import numpy as np
import pytest

from active_science import RetryPolicy
from active_science.evaluation import Task
from active_science.execution.ray import RayExecutor
from active_science.simulators.faulty import FaultyObjective, count_injected

pytestmark = pytest.mark.ray

# what each kind looks like in the recorded reason
REASONS = {
    "exception": "RuntimeError: injected fault (exception)",
    "nan": "non-finite value (nan)",
    "inf": "non-finite value (inf)",
    "hang": "timeout: no result after 1.5 s",
    "exit": "WorkerCrashedError",
}


def constant(theta, seed):
    return 0.25


def run_to_completion(executor, tasks):
    for t in tasks:
        executor.submit(t)
    out = []
    while len(out) < len(tasks):
        out.extend(executor.wait(timeout=60))
    return {e.id: e for e in out}


@pytest.mark.parametrize("kind", list(REASONS))
def test_each_fault_kind_is_retried_then_recorded_with_its_reason(ray_local, tmp_path, kind):
    policy = RetryPolicy(max_retries=2, timeout=1.5)
    tasks = [Task(i, np.array([0.1 * i]), 100 + i) for i in range(2)]
    # transient: fails once, the first retry succeeds (attempts == 2)
    transient = RayExecutor(
        FaultyObjective(constant, rate=1.0, kinds=[kind], persistent=0.0, log_dir=tmp_path / "t", hang_seconds=60), retry=policy
    )
    (tmp_path / "t").mkdir()
    got = run_to_completion(transient, tasks)
    assert all(e.ok and e.value == 0.25 and e.attempts == 2 for e in got.values()), got
    assert count_injected(tmp_path / "t") == {kind: 2}  # one fault per task
    # persistent: every attempt fails -> recorded as failed after 1 + max_retries attempts, with the reason of each
    (tmp_path / "p").mkdir()
    persistent = RayExecutor(
        FaultyObjective(constant, rate=1.0, kinds=[kind], persistent=1.0, log_dir=tmp_path / "p", hang_seconds=60), retry=policy
    )
    got = run_to_completion(persistent, tasks[:1])
    ev = got[0]
    assert ev.status == "failed" and ev.attempts == 3
    assert ev.error.count(REASONS[kind]) == 3, ev.error
    assert count_injected(tmp_path / "p") == {kind: 3}
    transient.shutdown()
    persistent.shutdown()


def test_backoff_delays_retries(ray_local, tmp_path):
    import time

    ex = RayExecutor(
        FaultyObjective(constant, rate=1.0, kinds=["exception"], persistent=1.0, log_dir=tmp_path),
        retry=RetryPolicy(max_retries=2, backoff=0.4),
    )
    t0 = time.monotonic()
    ev = run_to_completion(ex, [Task(0, np.array([0.0]), 1)])[0]
    # two retries wait 0.4 s and 0.8 s (backoff * 2**k): at least 1.2 s in total
    assert not ev.ok and ev.attempts == 3 and time.monotonic() - t0 >= 1.2
