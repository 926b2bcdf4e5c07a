"""Executors: where evaluations run (this process, or Ray workers on this machine or a cluster)."""

from __future__ import annotations

from typing import Any

from active_science.exceptions import InvalidInputError
from active_science.execution.policy import RetryPolicy
from active_science.execution.serial import SerialExecutor

__all__ = ["RetryPolicy", "SerialExecutor", "make_executor", "EXECUTORS"]

EXECUTORS = ("serial", "ray")


def make_executor(kind: Any, objective: Any, *, retry: RetryPolicy | None = None, **options: Any) -> Any:
    """Build an executor by name (``"serial"`` or ``"ray"``) or pass an executor object through.

    Options: for ``"ray"``, ``address`` (join a cluster) and ``num_cpus`` (local instance size).
    """
    if not isinstance(kind, str):
        if not all(callable(getattr(kind, m, None)) for m in ("submit", "wait", "shutdown")):
            raise InvalidInputError(f"executor {kind!r} is neither 'serial', 'ray' nor an object with submit/wait/shutdown")
        return kind
    if kind == "serial":
        given = sorted(k for k, v in options.items() if v is not None)
        if given:
            raise InvalidInputError(f"the serial executor takes no options (got {given}); they apply to executor='ray'")
        return SerialExecutor(objective, retry=retry)
    if kind == "ray":
        from active_science.execution.ray import RayExecutor

        unknown = set(options) - {"address", "num_cpus"}
        if unknown:
            raise InvalidInputError(f"unknown Ray executor options {sorted(unknown)}; valid: address, num_cpus")
        return RayExecutor(objective, retry=retry, **options)
    raise InvalidInputError(f"unknown executor {kind!r}; valid names: {', '.join(EXECUTORS)}")
