"""Ray executor: evaluations as Ray core tasks, consumed with ``ray.wait`` as they finish.

Local Ray is started on demand (once per process); ``address=`` joins an existing cluster. Per-attempt timeouts are
enforced on the worker (``SIGALRM`` in ``run_objective``, counted from the simulator's start), with a hard limit of
``timeout + startup_grace`` on the driver via ``ray.wait(timeout=)`` + ``ray.cancel(force=True)`` (Ray has no task
timeout) for simulators stuck in C code or workers slow to start; a dead worker or node surfaces as a
``RayError`` on ``ray.get``; every failure is retried by our own policy (Ray's ``max_retries`` would hide the
attempt count and does not cover application errors), then reported as a failed evaluation. Tasks are released to
Ray only as CPUs are free, so a timeout measures running time, not time queued.
"""

from __future__ import annotations

import heapq
import logging
import math
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from active_science.evaluation import Evaluation, Task
from active_science.exceptions import ExecutorError
from active_science.execution.policy import RetryPolicy, run_objective

__all__ = ["RayExecutor", "ensure_ray", "cluster_message", "announce_cluster"]

logger = logging.getLogger(__name__)

_REMOTE: Any = None
_CONTEXT: Any = None
_ANNOUNCED: set[str] = set()


def ensure_ray(
    address: str | None = None,
    *,
    num_cpus: int | None = None,
    object_store_memory: int | None = 256 * 1024 * 1024,
) -> dict[str, Any]:
    """Start local Ray (or connect to ``address``) unless this process is already connected; returns info."""
    import ray

    global _CONTEXT
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"include_dashboard": False, "configure_logging": True, "logging_level": logging.WARNING}
        if address:
            kwargs["address"] = address
        else:  # "local": a new instance, never one found on this machine (`ray start` leaves its address behind)
            kwargs["address"] = "local"
            kwargs["num_cpus"] = num_cpus or os.cpu_count() or 1
            if object_store_memory:
                kwargs["object_store_memory"] = int(object_store_memory)
        try:
            _CONTEXT = ray.init(**kwargs)
        except (ConnectionError, ValueError, RuntimeError) as err:
            where = f"the Ray cluster at {address!r}" if address else "a local Ray instance"
            raise ExecutorError(f"cannot start or reach {where}: {err}; check the address (ray status) or use executor='serial'") from err
    elif _CONTEXT is None:  # connected by the caller's own ray.init: ask Ray for that connection's context (dashboard URL)
        # (naming the current address keeps Ray from searching the machine for clusters and warning about them)
        _CONTEXT = ray.init(address=ray.get_runtime_context().gcs_address, ignore_reinit_error=True, configure_logging=False)
    return {
        "address": address or "local",
        "gcs_address": ray.get_runtime_context().gcs_address,
        "dashboard_url": getattr(_CONTEXT, "dashboard_url", None) or None,
        "num_cpus": int(ray.cluster_resources().get("CPU", 0)),
    }


def cluster_message(info: Any) -> str | None:
    """The line that tells the user where a study runs: the cluster, its CPUs and its dashboard (None when local).

    Example:
        >>> cluster_message({"address": "10.0.0.1:6379", "gcs_address": "10.0.0.1:6379", "num_cpus": 64,
        ...                  "dashboard_url": "http://10.0.0.1:8265"})
        'running on the Ray cluster at 10.0.0.1:6379 (64 CPUs); dashboard: http://10.0.0.1:8265'
        >>> cluster_message({"address": "local", "num_cpus": 2}) is None
        True
    """
    if not info or info.get("address") in (None, "local"):
        return None
    dashboard = info.get("dashboard_url") or "not running (start the head with `ray start --head --include-dashboard=true`)"
    return f"running on the Ray cluster at {info.get('gcs_address')} ({info.get('num_cpus')} CPUs); dashboard: {dashboard}"


def announce_cluster(executor: Any, *, progress: bool) -> None:
    """Log where an executor runs (INFO) and, when a progress bar is shown, print it above the bar; once per cluster
    and process (a design study makes one executor per experiment).

    Example:
        >>> class FakeExecutor:
        ...     info = {"address": "auto", "gcs_address": "10.0.0.2:6379", "num_cpus": 8, "dashboard_url": None}
        >>> announce_cluster(FakeExecutor(), progress=False)   # logged at INFO, nothing printed
    """
    message = cluster_message(getattr(executor, "info", None))
    if message is None or message in _ANNOUNCED:
        return
    _ANNOUNCED.add(message)
    logger.info(message)
    if progress:  # the user watching a progress bar should also see where the work runs
        from tqdm import tqdm

        tqdm.write(message, file=sys.stderr)


def _remote_fn() -> Any:
    global _REMOTE
    if _REMOTE is None:
        import ray

        _REMOTE = ray.remote(num_cpus=1, max_retries=0)(run_objective)
    return _REMOTE


@dataclass
class _Running:
    task: Task
    attempt: int
    started: float
    errors: list[str] = field(default_factory=list)


class RayExecutor:
    """Runs tasks on Ray workers (local or a cluster) with retries, backoff and per-attempt timeouts.

    Args:
        objective: what to evaluate; shipped to the object store once.
        retry: retry policy.
        address: Ray cluster address (``"auto"``, ``"ray://host:10001"``, ``"host:6379"``); None starts local Ray.
        num_cpus: CPUs of a local Ray instance (default: all).
        startup_grace: seconds added to the policy's timeout for the driver-side hard limit (starting a worker and
            importing the objective's modules is not simulator time).
    """

    name = "ray"

    def __init__(
        self,
        objective: Any,
        *,
        retry: RetryPolicy | None = None,
        address: str | None = None,
        num_cpus: int | None = None,
        startup_grace: float = 120.0,
    ) -> None:
        import ray

        self.retry = retry or RetryPolicy()
        self.hard_timeout = None if self.retry.timeout is None else self.retry.timeout + float(startup_grace)
        self.info = ensure_ray(address, num_cpus=num_cpus)
        self._ray = ray
        self._objective_ref = ray.put(objective)
        self._queue: list[tuple[float, int, _Running]] = []  # (not before, tie-break id, attempt) min-heap
        self._running: dict[Any, _Running] = {}
        self._capacity_checked = 0.0
        self._capacity = 1

    # ----------------------------------------------------------------------------------------------- helpers
    def _cluster_capacity(self) -> int:
        now = time.monotonic()
        if now - self._capacity_checked > 2.0:
            try:
                self._capacity = max(1, int(self._ray.cluster_resources().get("CPU", 1)))
            except Exception:  # noqa: BLE001 - GCS hiccup: keep the last known capacity
                pass
            self._capacity_checked = now
        return self._capacity

    def _launch_due(self) -> None:
        now = time.monotonic()
        while self._queue and self._queue[0][0] <= now and len(self._running) < self._cluster_capacity():
            _, _, run = heapq.heappop(self._queue)
            run.started = time.monotonic()
            ref = _remote_fn().remote(self._objective_ref, run.task.theta, run.task.seed, self.retry.timeout)
            self._running[ref] = run

    def _fail_or_retry(self, run: _Running, reason: str) -> Evaluation | None:
        run.errors.append(reason)
        if run.attempt < self.retry.max_attempts:
            nxt = _Running(run.task, run.attempt + 1, 0.0, run.errors)
            heapq.heappush(self._queue, (time.monotonic() + self.retry.delay(nxt.attempt), run.task.id, nxt))
            logger.info("task %d attempt %d failed (%s); retrying", run.task.id, run.attempt, reason)
            return None
        return Evaluation(
            id=run.task.id, theta=run.task.theta, status="failed", error=" | ".join(run.errors)[-1000:],
            attempts=run.attempt, duration=time.monotonic() - run.started,
        )  # fmt: skip

    def _collect(self, ref: Any) -> Evaluation | None:
        run = self._running.pop(ref)
        try:
            out = self._ray.get(ref)
        except self._ray.exceptions.RayError as err:  # worker or node died, task cancelled, object lost
            first = str(err).strip().splitlines()[0] if str(err).strip() else ""
            return self._fail_or_retry(run, f"{type(err).__name__}: {first}"[:300])
        if out["status"] != "ok":
            return self._fail_or_retry(run, out["error"])
        variance = out["variance"]
        return Evaluation(
            id=run.task.id, theta=run.task.theta, status="ok", value=out["value"],
            variance=math.nan if variance is None else variance, attempts=run.attempt, duration=out["duration"],
            worker=out["worker"], extras=out.get("extras", {}),
        )  # fmt: skip

    # ----------------------------------------------------------------------------------------------- protocol
    def submit(self, task: Task) -> None:
        heapq.heappush(self._queue, (0.0, task.id, _Running(task, 1, 0.0)))
        self._launch_due()

    @property
    def num_pending(self) -> int:
        return len(self._queue) + len(self._running)

    def wait(self, timeout: float | None = None) -> list[Evaluation]:
        """Block until at least one task finished for good (or ``timeout``); return every finished record."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self._launch_due()
            if not self._running and not self._queue:
                return []
            now = time.monotonic()
            horizons = [] if deadline is None else [deadline - now]
            if self.hard_timeout is not None and self._running:
                horizons.append(min(r.started for r in self._running.values()) + self.hard_timeout - now)
            if self._queue:
                horizons.append(self._queue[0][0] - now)
            wait_for = max(0.0, min(horizons)) if horizons else None
            done: list[Evaluation] = []
            if self._running:
                ready, _ = self._ray.wait(list(self._running), num_returns=1, timeout=wait_for)
                if ready:
                    rest = [r for r in self._running if r not in ready]
                    more, _ = self._ray.wait(rest, num_returns=len(rest), timeout=0) if rest else ([], None)
                    ready = list(ready) + list(more)
                for ref in ready:
                    ev = self._collect(ref)
                    if ev is not None:
                        done.append(ev)
            elif wait_for:
                time.sleep(wait_for)
            if self.hard_timeout is not None:
                now = time.monotonic()
                for ref, run in list(self._running.items()):
                    if now - run.started > self.hard_timeout:
                        self._ray.cancel(ref, force=True)
                        del self._running[ref]
                        ev = self._fail_or_retry(run, f"timeout: no result after {self.hard_timeout:g} s (worker killed)")
                        if ev is not None:
                            done.append(ev)
            if done:
                return sorted(done, key=lambda e: e.id)
            if deadline is not None and time.monotonic() >= deadline:
                return []

    def cancel_all(self) -> list[Task]:
        """Cancel queued and running tasks; returns their tasks (they can be resubmitted later)."""
        tasks = [run.task for _, _, run in self._queue] + [run.task for run in self._running.values()]
        for ref in self._running:
            self._ray.cancel(ref, force=True)
        self._queue.clear()
        self._running.clear()
        return sorted(tasks, key=lambda t: t.id)

    def shutdown(self) -> None:
        self.cancel_all()
