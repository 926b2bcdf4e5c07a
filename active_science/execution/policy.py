"""Retry policy and the function that runs one evaluation on a worker (shared by every executor)."""

from __future__ import annotations

import math
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from active_science.exceptions import InvalidInputError

__all__ = ["RetryPolicy", "run_objective", "TaskOutcome"]


@dataclass(frozen=True)
class RetryPolicy:
    """How failures are handled: up to ``max_retries`` further attempts (same seed, so results stay reproducible),
    waiting ``backoff * 2**k`` seconds before retry ``k``; ``timeout`` seconds per attempt (None: no limit).

    Example:
        >>> RetryPolicy(max_retries=2, backoff=0.5).delay(3)   # second retry: 0.5 * 2**1
        1.0
    """

    max_retries: int = 2
    backoff: float = 0.0
    timeout: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise InvalidInputError(f"max_retries={self.max_retries!r} must be an integer >= 0")
        if not (isinstance(self.backoff, (int, float)) and math.isfinite(self.backoff) and self.backoff >= 0):
            raise InvalidInputError(f"backoff={self.backoff!r} must be a number of seconds >= 0")
        if self.timeout is not None and not (isinstance(self.timeout, (int, float)) and self.timeout > 0 and math.isfinite(self.timeout)):
            raise InvalidInputError(f"timeout={self.timeout!r} must be a positive number of seconds or None")

    @property
    def max_attempts(self) -> int:
        return 1 + self.max_retries

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt number ``attempt`` (2 = the first retry)."""
        return self.backoff * 2.0 ** max(attempt - 2, 0)


#: what a worker sends back: plain builtins only, so nothing user-defined crosses process boundaries on failure
TaskOutcome = dict[str, Any]


class _Timeout(BaseException):  # BaseException: a simulator's own ``except Exception`` must not swallow it
    pass


def _raise_timeout(signum: int, frame: Any) -> None:
    raise _Timeout()


def run_objective(objective: Any, theta: np.ndarray, seed: int, timeout: float | None = None) -> TaskOutcome:
    """Evaluate ``objective`` at ``theta``; never raises (errors come back as data).

    ``timeout`` (seconds) is enforced here, in the process that runs the simulator, with ``SIGALRM`` (main thread
    of a POSIX process: this process for the serial executor, a Ray worker for Ray). The clock so starts when the
    simulator starts, not when a worker was requested (starting a worker and importing the objective's modules can
    take longer than a short timeout). A simulator stuck in C code ignores the alarm: executors keep a hard limit.
    """
    start = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    use_alarm = timeout is not None and threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGALRM")
    previous = None
    try:
        if use_alarm:
            previous = signal.signal(signal.SIGALRM, _raise_timeout)
            signal.setitimer(signal.ITIMER_REAL, float(timeout))  # type: ignore[arg-type]
        try:
            obs = objective.evaluate(np.array(theta, dtype=float), int(seed))
        finally:
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
        return {
            "status": "ok",
            "value": obs.value,
            "variance": obs.variance,
            "extras": dict(getattr(obs, "extras", None) or {}),
            "duration": time.perf_counter() - start,
            "worker": worker,
        }
    except _Timeout:
        return {"status": "error", "error": f"timeout: no result after {timeout} s", "duration": time.perf_counter() - start, "worker": worker}
    except (Exception, SystemExit) as err:  # a failing user simulator must not take the loop down
        text = f"{type(err).__name__}: {err}".replace("\n", " ")
        return {"status": "error", "error": text[:1000], "duration": time.perf_counter() - start, "worker": worker}
