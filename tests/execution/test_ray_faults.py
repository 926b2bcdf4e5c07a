"""Fault injection under the Ray executor: every fault kind is retried per the policy, then recorded with its reason.

Faults come from ``active_science.simulators.faulty.FaultyObjective``, whose plan is a pure function of the point
seed; the marker files it writes (one per injected fault) are an independent count of the attempts made.
"""

import time

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


def seeds_with_plan(objective, persistent, n):
    """The first ``n`` seeds whose planned fault is (non-)persistent (the plan is a pure function of the seed)."""
    return [s for s in range(1000) if objective.fault_at(seed=s)[1] == persistent][:n]


@pytest.mark.parametrize("kind", list(REASONS))
def test_each_fault_kind_is_retried_then_recorded_with_its_reason(ray_local, tmp_path, kind):
    objective = FaultyObjective(constant, rate=1.0, kinds=[kind], persistent=0.5, log_dir=tmp_path, hang_seconds=60)
    ex = RayExecutor(objective, retry=RetryPolicy(max_retries=1, timeout=1.5))
    transient, persistent = seeds_with_plan(objective, False, 1)[0], seeds_with_plan(objective, True, 1)[0]
    got = run_to_completion(ex, [Task(0, np.array([0.0]), transient), Task(1, np.array([0.5]), persistent)])
    ex.shutdown()
    # transient: fails once, the retry succeeds
    assert got[0].ok and got[0].value == 0.25 and got[0].attempts == 2, got[0]
    # persistent: every attempt fails -> failed after 1 + max_retries attempts, with the reason of each attempt
    assert got[1].status == "failed" and got[1].attempts == 2
    assert got[1].error.count(REASONS[kind]) == 2, got[1].error
    assert count_injected(tmp_path) == {kind: 3}  # 1 transient + 2 persistent faults were really injected


def test_backoff_delays_retries(ray_local, tmp_path):
    ex = RayExecutor(
        FaultyObjective(constant, rate=1.0, kinds=["exception"], persistent=1.0, log_dir=tmp_path),
        retry=RetryPolicy(max_retries=2, backoff=0.4),
    )
    t0 = time.monotonic()
    ev = run_to_completion(ex, [Task(0, np.array([0.0]), 1)])[0]
    # two retries wait 0.4 s and 0.8 s (backoff * 2**k): at least 1.2 s in total
    assert not ev.ok and ev.attempts == 3 and time.monotonic() - t0 >= 1.2


class StuckInC:
    """Ignores the worker-side alarm (as a simulator stuck in C code would): only the driver's hard limit stops it."""

    def evaluate(self, theta, seed):
        import signal as sig

        sig.pthread_sigmask(sig.SIG_BLOCK, {sig.SIGALRM})
        time.sleep(120)


def test_a_simulator_ignoring_the_alarm_is_killed_at_the_hard_limit(ray_local):
    ex = RayExecutor(StuckInC(), retry=RetryPolicy(max_retries=0, timeout=0.5), startup_grace=3.0)
    t0 = time.monotonic()
    ev = run_to_completion(ex, [Task(0, np.array([0.0]), 1)])[0]
    # killed after timeout + startup_grace = 3.5 s (not after the 120 s sleep); generous bound for a loaded machine
    assert not ev.ok and "no result after 3.5 s (worker killed)" in ev.error and time.monotonic() - t0 < 60
