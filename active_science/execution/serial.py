"""Serial executor: runs each task in this process, in submission order (debugging, tiny runs, notebooks)."""

from __future__ import annotations

import math
import time
from collections import deque
from typing import Any

from active_science.evaluation import Evaluation, Task
from active_science.execution.policy import RetryPolicy, run_objective

__all__ = ["SerialExecutor"]


class SerialExecutor:
    """Runs tasks one after another in the calling process, with the same retry policy as the Ray executor.

    Timeouts use ``SIGALRM`` and so apply only in the main thread of a POSIX process.

    Example:
        >>> import numpy as np
        >>> from active_science.evaluation import CallableObjective
        >>> ex = SerialExecutor(CallableObjective(lambda th, seed: float(th[0])))
        >>> ex.submit(Task(0, np.array([0.25]), 1)); [e.value for e in ex.wait()]
        [0.25]
    """

    name = "serial"

    def __init__(self, objective: Any, *, retry: RetryPolicy | None = None) -> None:
        self.objective = objective
        self.retry = retry or RetryPolicy()
        self._queue: deque[Task] = deque()

    def submit(self, task: Task) -> None:
        self._queue.append(task)

    @property
    def num_pending(self) -> int:
        return len(self._queue)

    def _attempt(self, task: Task) -> dict[str, Any]:
        return run_objective(self.objective, task.theta, task.seed, self.retry.timeout)

    def wait(self, timeout: float | None = None) -> list[Evaluation]:
        """Run the next queued task to completion (all its attempts) and return its record."""
        if not self._queue:
            return []
        task = self._queue.popleft()
        errors: list[str] = []
        for attempt in range(1, self.retry.max_attempts + 1):
            if attempt > 1 and self.retry.delay(attempt) > 0:
                time.sleep(self.retry.delay(attempt))
            out = self._attempt(task)
            if out["status"] == "ok":
                variance = out["variance"]
                return [
                    Evaluation(
                        id=task.id, theta=task.theta, status="ok", value=out["value"],
                        variance=math.nan if variance is None else variance, attempts=attempt,
                        duration=out["duration"], worker=out["worker"], extras=out.get("extras", {}),
                    )
                ]  # fmt: skip
            errors.append(out["error"])
        return [
            Evaluation(
                id=task.id, theta=task.theta, status="failed", error=" | ".join(errors)[-1000:],
                attempts=self.retry.max_attempts, worker="serial",
            )
        ]  # fmt: skip

    def cancel_all(self) -> list[Task]:
        """Drop queued tasks; returns them."""
        dropped = list(self._queue)
        self._queue.clear()
        return dropped

    def shutdown(self) -> None:
        self._queue.clear()
