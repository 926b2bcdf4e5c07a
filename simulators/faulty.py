"""Fault injection: wrap any objective so that a chosen share of points crash, hang, die or return NaN/inf.

Used by the reliability tests and ``benchmarks/faults.py`` to check that failures are retried, recorded with their
reason, and never lose work. Which points fail, how, and for how many attempts is a pure function of the point's
seed (so serial and Ray runs, and a resumed run, see the same faults). Attempts are counted across processes with
one marker file per attempt in ``log_dir`` (Ray workers share no memory), which also lets a test count the faults
that were really injected (:func:`count_injected`).

Fault kinds:

* ``"exception"``: raises ``RuntimeError`` (a crashing simulator);
* ``"nan"`` / ``"inf"``: returns a non-finite value (a numerically broken simulator);
* ``"hang"``: sleeps ``hang_seconds`` (needs a per-evaluation timeout in the retry policy);
* ``"exit"``: ``os._exit(13)``, the worker process dies (under Ray; in the process that built the wrapper, e.g.
  with the serial executor, it raises instead so that the driver survives).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from active_science.evaluation import CallableObjective, Observation, as_objective
from active_science.exceptions import InvalidInputError

__all__ = ["FaultyObjective", "FAULT_KINDS", "count_injected", "JournaledMassPlane"]

FAULT_KINDS = ("exception", "nan", "inf", "hang", "exit")


def count_injected(log_dir: str | os.PathLike[str]) -> dict[str, int]:
    """Number of faults injected so far per kind, read from the marker files of ``log_dir``.

    Example:
        >>> import tempfile
        >>> count_injected(tempfile.mkdtemp())
        {}
    """
    out: dict[str, int] = {}
    for p in Path(log_dir).glob("*.fault"):
        kind = p.name.split(".")[1]
        out[kind] = out.get(kind, 0) + 1
    return out


class FaultyObjective:
    """An objective whose evaluations fail at a deterministic share of points.

    Args:
        objective: the wrapped objective (anything ``ExclusionScan`` accepts as an objective).
        rate: share of points (by seed) that are faulty, in [0, 1].
        kinds: fault kinds drawn (uniformly, by seed) for faulty points; see the module docstring.
        persistent: share of faulty points that fail on every attempt; the others fail ``transient_attempts``
            times, then succeed (a retry fixes them).
        transient_attempts: failing attempts of a transient fault (needs ``log_dir`` to count attempts).
        fail_if: optional ``f(theta) -> bool``: points where it holds always raise (a broken region of the space).
        hang_seconds: how long a ``"hang"`` sleeps.
        log_dir: directory for the per-attempt marker files (shared by all workers on one machine); None counts
            nothing, and every fault is then persistent.
        plan_seed: seed of the fault plan (which points fail, and how).

    Example:
        >>> import tempfile
        >>> f = FaultyObjective(lambda th, seed: 0.5, rate=1.0, kinds=["exception"], persistent=0.0, log_dir=tempfile.mkdtemp())
        >>> f.fault_at(seed=3)
        ('exception', False)
        >>> try:
        ...     f.evaluate(np.array([0.1]), 3)
        ... except RuntimeError as err:
        ...     print(err)
        injected fault (exception) at seed 3, attempt 1
        >>> f.evaluate(np.array([0.1]), 3).value   # the retry succeeds
        0.5
    """

    def __init__(
        self,
        objective: Any,
        *,
        rate: float = 0.2,
        kinds: Sequence[str] = FAULT_KINDS,
        persistent: float = 0.5,
        transient_attempts: int = 1,
        fail_if: Callable[[np.ndarray], bool] | None = None,
        hang_seconds: float = 3600.0,
        log_dir: str | os.PathLike[str] | None = None,
        plan_seed: int = 0,
    ) -> None:
        for name, v in (("rate", rate), ("persistent", persistent)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
                raise InvalidInputError(f"{name}={v!r} must be a share in [0, 1]")
        bad = sorted(set(kinds) - set(FAULT_KINDS))
        if bad or not kinds:
            raise InvalidInputError(f"kinds={list(kinds)!r} is invalid; choose among {', '.join(FAULT_KINDS)}")
        if isinstance(transient_attempts, bool) or not isinstance(transient_attempts, int) or transient_attempts < 1:
            raise InvalidInputError(f"transient_attempts={transient_attempts!r} must be an integer >= 1")
        self.inner = as_objective(objective)
        self.rate = float(rate)
        self.kinds = tuple(kinds)
        self.persistent = float(persistent) if log_dir is not None else 1.0
        self.transient_attempts = transient_attempts
        self.fail_if = fail_if
        self.hang_seconds = float(hang_seconds)
        self.log_dir = None if log_dir is None else os.fspath(log_dir)
        self.plan_seed = int(plan_seed)
        self._home_pid = os.getpid()
        # pass through what studies read from a simulator-backed objective
        self.simulator = getattr(self.inner, "simulator", None)

    def fault_at(self, *, seed: int) -> tuple[str, bool] | None:
        """``(kind, persistent)`` of the fault planned for the point simulated with ``seed``, or None."""
        u = np.random.default_rng([self.plan_seed, int(seed) % (1 << 63)]).random(3)
        if u[0] >= self.rate:
            return None
        return self.kinds[int(u[1] * len(self.kinds))], bool(u[2] < self.persistent)

    def _attempt(self, seed: int, kind: str) -> int:
        """Claim the next attempt number for ``seed`` (atomic file creation: safe across processes)."""
        if self.log_dir is None:
            return 1
        k = 1
        while True:
            try:
                fd = os.open(os.path.join(self.log_dir, f"{seed}.{kind}.{k}.fault"), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                k += 1
                continue
            os.close(fd)
            return k

    def _attempts_so_far(self, seed: int, kind: str) -> int:
        if self.log_dir is None:
            return 0
        return len(list(Path(self.log_dir).glob(f"{seed}.{kind}.*.fault")))

    def evaluate(self, theta: np.ndarray, seed: int) -> Observation:
        if self.fail_if is not None and self.fail_if(np.asarray(theta, dtype=float)):
            attempt = self._attempt(seed, "region")
            raise RuntimeError(f"injected fault (region) at seed {seed}, attempt {attempt}")
        plan = self.fault_at(seed=seed)
        if plan is not None:
            kind, persistent = plan
            if persistent or self._attempts_so_far(seed, kind) < self.transient_attempts:
                self._fire(kind, seed, self._attempt(seed, kind))
        return self.inner.evaluate(theta, seed)

    def _fire(self, kind: str, seed: int, attempt: int) -> None:
        if kind == "exception":
            raise RuntimeError(f"injected fault (exception) at seed {seed}, attempt {attempt}")
        if kind in ("nan", "inf"):
            bad = math.nan if kind == "nan" else math.inf
            CallableObjective(lambda th, s: bad).evaluate(np.zeros(1), seed)  # raises as a user's NaN would
        if kind == "hang":
            time.sleep(self.hang_seconds)
            raise RuntimeError(f"injected hang at seed {seed} ended after {self.hang_seconds} s without a timeout")
        if kind == "exit":
            if os.getpid() == self._home_pid:  # never kill the driver (serial executor)
                raise RuntimeError(f"injected fault (exit) at seed {seed}, attempt {attempt}")
            os._exit(13)

    def __repr__(self) -> str:
        return f"FaultyObjective({self.inner!r}, rate={self.rate}, kinds={list(self.kinds)})"


class JournaledMassPlane:
    """The mass-plane simulator, appending each finished simulation's seed to a journal file (one line each).

    Crash tests compare the journal (what finished, written by the simulator itself) with the study file (what the
    driver recorded). Options other than ``journal`` go to :class:`~active_science.simulators.mass_plane.MassPlane`.

    Example:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "journal.txt")
        >>> sim = JournaledMassPlane(journal=path, num_events=100)
        >>> _ = sim.simulate([400.0, 100.0], seed=7)
        >>> from pathlib import Path
        >>> Path(path).read_text()
        '7\\n'
    """

    name = "journaled_mass_plane"
    has_gold = False

    def __init__(self, *, journal: str, **options: Any) -> None:
        from active_science.simulators.mass_plane import MassPlane

        self._inner = MassPlane(**options)
        self.journal = os.fspath(journal)
        self.space = self._inner.space
        self.options = {**self._inner.options, "journal": self.journal}
        self.truth_cls = self._inner.truth_cls

    def simulate(self, theta: Any, *, seed: int, **kwargs: Any) -> Any:
        sim = self._inner.simulate(theta, seed=seed, **kwargs)
        with open(self.journal, "a", encoding="ascii") as fh:
            fh.write(f"{int(seed)}\n")
        return sim

    def default_statistic(self) -> Any:
        return self._inner.default_statistic()
