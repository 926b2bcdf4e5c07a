"""LoopRunner: drives an ActiveLoop with an executor, writes everything to the study file, resumes, stops.

Study types (ExclusionScan, DesignStudy, ...) supply three hooks: how an evaluation becomes a modelled value, what to
summarise after each round, and when to stop. The runner owns the rest:

* synchronous rounds (default): ask a batch, run it (results stored the moment they arrive, in any order), tell
  them in id order, summarise, check the stopping rule. Serial and Ray runs are then identical for one seed.
* asynchronous refill (``asynchronous=True``): keep ``batch_size`` evaluations in flight; as soon as one finishes,
  tell it and ask for a replacement (no worker idles waiting for the slowest of a batch; results then depend on
  timing, so serial/Ray identity is not promised in this mode).
* resume: proposals and evaluations come back from the file; unfinished proposals are re-run with their own ids
  and seeds, so a resumed study ends exactly where an uninterrupted one would.
* Ctrl-C: in-flight work is cancelled, an "interrupted" event is written, the file is closed cleanly.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from active_science.convergence import LoopStatus, StoppingRule
from active_science.evaluation import Evaluation, Proposal, Task
from active_science.exceptions import InvalidInputError, SimulationError
from active_science.loop import ActiveLoop
from active_science.store import Store
from active_science.threads import torch_threads

__all__ = ["LoopRunner", "RoundSummary"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoundSummary:
    """What a study reports after each round (scalars go to the rounds table, arrays to the array store)."""

    uncertain_fraction: float = math.nan
    contour_change: float = math.nan
    expected_misclassified: float = math.nan
    arrays: Mapping[str, Mapping[str, np.ndarray]] = field(default_factory=dict)
    postfix: Mapping[str, Any] = field(default_factory=dict)


Observe = Callable[[Evaluation], tuple[float, float | None]]
Summarise = Callable[[ActiveLoop, int], RoundSummary]


class LoopRunner:
    """Runs ask -> execute -> store -> tell -> summarise -> stop? until done.

    Args:
        loop: the ActiveLoop (its strategy and surrogate).
        executor: a serial or Ray executor bound to the study's objective.
        store: the open, writable study file, or None (nothing persisted).
        observe: maps a successful evaluation to the modelled ``(value, variance)``; raise SimulationError to
            record it as failed (e.g. a CLs outside [0, 1]).
        summarise: builds the round summary after each round.
        stopping: rule checked after each round (the budget is checked separately).
        batch_size: evaluations per round (or in flight, asynchronously).
        asynchronous: refill workers as soon as one finishes.
    """

    def __init__(
        self,
        loop: ActiveLoop,
        executor: Any,
        store: Store | None,
        *,
        observe: Observe,
        summarise: Summarise,
        stopping: StoppingRule,
        batch_size: int,
        asynchronous: bool = False,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise InvalidInputError(f"batch_size={batch_size!r} must be an integer >= 1")
        self.loop = loop
        self.executor = executor
        self.store = store
        self.observe = observe
        self.summarise = summarise
        self.stopping = stopping
        self.batch_size = batch_size
        self.asynchronous = asynchronous
        self.uncertain_fraction: list[float] = []
        self.contour_change: list[float] = []
        self.expected_misclassified: list[float] = []
        self.rounds_done = 0
        self.fit_seconds = 0.0
        self.propose_seconds = 0.0
        self.last_postfix: Mapping[str, Any] = {}
        self._pending_tasks: list[Task] = []

    # ----------------------------------------------------------------------------------------------- state
    def status(self) -> LoopStatus:
        return LoopStatus(
            num_evaluations=self.loop.num_told,
            num_failed=self.loop.num_failed,
            round=self.rounds_done,
            uncertain_fraction=tuple(self.uncertain_fraction),
            contour_change=tuple(self.contour_change),
            expected_misclassified=tuple(self.expected_misclassified),
        )

    def restore(self, store: Store) -> None:
        """Rebuild the loop from a study file: proposals, results, round history; queue unfinished proposals."""
        props = store.proposals()
        evals = {int(e["id"]): e for e in store.evaluations()}
        for row in props:
            self.loop.restore_proposal(Proposal(int(row["id"]), np.array(row["theta"], dtype=float), int(row["seed"]), int(row["round"])))
        for pid in sorted(evals):
            e = evals[pid]
            theta = self.loop.proposals[pid].theta
            if int(e["status"]) == 1:
                var = float(e["variance"])
                extras = e["extras"].decode()
                ev = Evaluation(
                    id=pid, theta=theta, status="ok", value=float(e["value"]), variance=var,
                    extras=json.loads(extras) if extras else {},
                )  # fmt: skip
                self._tell(ev)
            else:
                self.loop.tell_failure(pid, e["error"].decode())
        rounds = store.rounds()
        self.uncertain_fraction = [float(v) for v in rounds["uncertain_fraction"]]
        self.contour_change = [float(v) for v in rounds["contour_change"]]
        # study files written before the column existed have no expected_misclassified: unknown (NaN) there
        names = rounds.dtype.names or ()
        self.expected_misclassified = [float(v) for v in rounds["expected_misclassified"]] if "expected_misclassified" in names else [math.nan] * len(rounds)
        self.rounds_done = len(rounds)
        self._pending_tasks = [
            Task(pid, self.loop.proposals[pid].theta, self.loop.proposals[pid].seed) for pid in self.loop.pending
        ]
        if self._pending_tasks:
            logger.info("resuming: re-running %d unfinished proposals", len(self._pending_tasks))

    # ----------------------------------------------------------------------------------------------- steps
    def _tell(self, ev: Evaluation) -> None:
        if not ev.ok:
            self.loop.tell_failure(ev.id, ev.error)
            return
        try:
            value, variance = self.observe(ev)
        except SimulationError as err:
            self.loop.tell_failure(ev.id, str(err))
            return
        self.loop.tell(ev.id, value, variance)

    def _record(self, ev: Evaluation) -> None:
        if self.store is not None:
            self.store.add_evaluation(ev)

    def _ask(self, n: int) -> list[Task]:
        t0 = time.perf_counter()
        fit_before = self.loop.fit_seconds_total
        proposals = self.loop.ask(n)
        fit = self.loop.fit_seconds_total - fit_before
        self.fit_seconds += fit
        self.propose_seconds += time.perf_counter() - t0 - fit
        for p in proposals:
            if self.store is not None:
                self.store.add_proposal(p)
        return [Task(p.id, p.theta, p.seed) for p in proposals]

    def _end_round(self) -> None:
        summary = self.summarise(self.loop, self.rounds_done)
        self.uncertain_fraction.append(float(summary.uncertain_fraction))
        self.contour_change.append(float(summary.contour_change))
        self.expected_misclassified.append(float(summary.expected_misclassified))
        self.last_postfix = summary.postfix
        if self.store is not None:
            for key, arrays in summary.arrays.items():
                self.store.put_arrays(key, self.rounds_done, arrays)
            self.store.add_round(
                round=self.rounds_done,
                num_evaluations=self.loop.num_told,
                num_failed=self.loop.num_failed,
                uncertain_fraction=summary.uncertain_fraction,
                contour_change=summary.contour_change,
                expected_misclassified=summary.expected_misclassified,
                fit_seconds=self.fit_seconds,
                propose_seconds=self.propose_seconds,
            )
        self.rounds_done += 1
        self.fit_seconds = self.propose_seconds = 0.0

    # ----------------------------------------------------------------------------------------------- run
    def run(self, max_evaluations: int, *, progress: Any = None) -> str:
        """Run until the stopping rule holds or ``max_evaluations`` proposals were evaluated; returns the reason."""
        if isinstance(max_evaluations, bool) or not isinstance(max_evaluations, (int, np.integer)) or max_evaluations < 1:
            raise InvalidInputError(f"max_evaluations={max_evaluations!r} must be an integer >= 1")
        if self.store is not None:
            self.store.log_event("started", f"max_evaluations={max_evaluations}")
        try:
            with torch_threads():
                reason = self._run(int(max_evaluations), progress)
        except KeyboardInterrupt:
            cancelled = self.executor.cancel_all() if hasattr(self.executor, "cancel_all") else []
            if self.store is not None:
                self.store.log_event("interrupted", f"Ctrl-C; {len(cancelled)} evaluations in flight were cancelled")
            raise
        if self.store is not None:
            self.store.log_event("finished", reason)
        return reason

    def _run(self, budget: int, progress: Any) -> str:
        # results that completed a round before an interruption but were never summarised
        if not self._pending_tasks and self.loop.num_told > 0 and self.rounds_done < self.loop.round and not self.asynchronous:
            self._end_round()
        while True:
            if not self._pending_tasks and self.rounds_done > 0 and self.stopping(self.status()):
                return "converged"
            n_left = budget - len(self.loop.proposals)
            if not self._pending_tasks:
                if n_left <= 0:
                    return "budget"
                tasks = self._ask(min(self.batch_size, n_left))
                if not tasks:
                    return "exhausted"
            else:
                tasks, self._pending_tasks = self._pending_tasks, []
            if self.asynchronous:
                return self._run_async(tasks, budget, progress)
            for t in tasks:
                self.executor.submit(t)
            arrived: list[Evaluation] = []
            while len(arrived) < len(tasks):
                for ev in self.executor.wait():
                    self._record(ev)
                    arrived.append(ev)
                    if progress is not None:
                        progress.update(1)
            for ev in sorted(arrived, key=lambda e: e.id):
                self._tell(ev)
            self._end_round()
            if progress is not None:
                progress.set_postfix(round=self.rounds_done, **self.last_postfix)

    def _run_async(self, first: list[Task], budget: int, progress: Any) -> str:
        in_flight = len(first)
        for t in first:
            self.executor.submit(t)
        since_round = 0
        while in_flight:
            for ev in self.executor.wait():
                in_flight -= 1
                since_round += 1
                self._record(ev)
                self._tell(ev)
                if progress is not None:
                    progress.update(1)
            if since_round >= self.batch_size or in_flight == 0:
                self._end_round()
                since_round = 0
                if progress is not None:
                    progress.set_postfix(round=self.rounds_done, **self.last_postfix)
                if self.stopping(self.status()):
                    if hasattr(self.executor, "cancel_all"):  # left pending in the file: a resume would run them
                        self.executor.cancel_all()
                    return "converged"
            n_left = budget - len(self.loop.proposals)
            free = self.batch_size - in_flight
            if free > 0 and n_left > 0:
                for t in self._ask(min(free, n_left)):
                    self.executor.submit(t)
                    in_flight += 1
        return "budget"
