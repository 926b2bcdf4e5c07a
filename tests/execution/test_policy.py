"""run_objective: errors come back as data, and the per-attempt timeout is enforced where the simulator runs."""

import time

import numpy as np

from active_science import RetryPolicy
from active_science.evaluation import CallableObjective, Task
from active_science.execution.policy import run_objective
from active_science.execution.serial import SerialExecutor


def sleepy(theta, seed):
    time.sleep(float(theta[0]))
    return 0.5


def test_timeout_interrupts_a_hanging_simulator_in_this_process():
    t0 = time.monotonic()
    out = run_objective(CallableObjective(sleepy), np.array([30.0]), 0, timeout=0.3)
    assert out["status"] == "error" and out["error"] == "timeout: no result after 0.3 s"
    assert time.monotonic() - t0 < 10  # interrupted, not slept for 30 s (loose: shared machine)
    assert run_objective(CallableObjective(sleepy), np.array([0.0]), 0, timeout=5.0)["value"] == 0.5


def test_a_simulator_swallowing_exceptions_cannot_swallow_the_timeout():
    def stubborn(theta, seed):
        try:
            time.sleep(30)
        except Exception:  # noqa: BLE001 - what careless user code does
            return 0.1
        return 0.2

    assert run_objective(CallableObjective(stubborn), np.zeros(1), 0, timeout=0.2)["status"] == "error"


def test_serial_executor_retries_then_records_the_timeout():
    ex = SerialExecutor(CallableObjective(sleepy), retry=RetryPolicy(max_retries=1, timeout=0.2))
    ex.submit(Task(0, np.array([30.0]), 1))
    (ev,) = ex.wait()
    assert not ev.ok and ev.attempts == 2 and ev.error.count("timeout: no result after 0.2 s") == 2
