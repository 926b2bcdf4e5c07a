"""Gold training simulations at one theta point as an executor task (serial or Ray workers).

A :class:`~active_science.ratio_scan.RatioScan` round simulates ``events_per_point`` events at each chosen point
(gold against ``theta_ref``) plus as many events at ``theta_ref`` (gold against the point), exactly the training
set of :func:`~active_science.ratio.mining.reference_training_set` for one point. Each point is one task of the
project's executors (:mod:`active_science.execution`), so a round's points run in parallel on Ray workers; every
task's seed depends only on (study seed, point id) (:func:`~active_science.seeding.point_seed`), so serial and Ray
rounds give identical simulations.

The task's outcome carries the simulations' arrays in ``extras`` (numbers per event, not one float): the
executors pass ``extras`` through untouched, so no core change is needed. :class:`GoldBatch` is therefore not an
:class:`~active_science.evaluation.Observation`, whose extras must be scalars.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from active_science.evaluation import Task
from active_science.exceptions import SimulationError
from active_science.ratio.mining import reference_training_set
from active_science.simulation import Simulation

__all__ = ["GoldBatch", "GoldObjective", "run_gold_tasks", "to_simulations"]

logger = logging.getLogger(__name__)

_FIELDS = ("x", "theta", "t_xz", "log_r_xz", "theta_refs")


@dataclass(frozen=True)
class GoldBatch:
    """What a worker returns: ``value`` = number of simulated events, ``extras`` = the simulations' arrays."""

    value: float
    variance: float | None = None
    extras: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class GoldObjective:
    """``evaluate(theta, seed)``: the reference training set of one point, `(d,)` theta, as a :class:`GoldBatch`.

    Attributes:
        simulator: a simulator with gold (``simulate(theta, seed=, gold=, theta_refs=)``).
        theta_ref: `(d,)` denominator point.
        events_per_point: numerator events at ``theta`` (the same number is drawn at ``theta_ref``).
        reference: False for a density estimator (``method="scandal"``): only the events at ``theta``, with gold
            (the joint score), and no reference sample.

    Example:
        >>> from active_science.simulators.galton import GaltonBoard
        >>> obj = GoldObjective(GaltonBoard(), np.array([-0.7]), 5)
        >>> sims = to_simulations(obj.evaluate(np.array([-0.9]), 1).extras)
        >>> [len(s) for s in sims], sims[1].theta[0].tolist()   # 5 events at theta, 5 at theta_ref
        ([5, 5], [-0.7])
    """

    simulator: Any
    theta_ref: np.ndarray
    events_per_point: int
    reference: bool = True

    def evaluate(self, theta: np.ndarray, seed: int) -> GoldBatch:
        th = np.repeat(np.asarray(theta, dtype=float).reshape(1, -1), self.events_per_point, axis=0)
        if self.reference:
            sims = reference_training_set(self.simulator, th, self.theta_ref, seed=int(seed))
        else:  # a density estimator: the events at theta with their joint score, no reference sample
            sims = [self.simulator.simulate(th, seed=int(seed), gold=True)]
        extras: dict[str, np.ndarray] = {}
        for k, s in enumerate(sims):
            for name in _FIELDS:
                v = getattr(s, name)
                if v is not None:
                    extras[f"{k}.{name}"] = np.asarray(v)
        return GoldBatch(value=float(sum(len(s) for s in sims)), extras=extras)


def to_simulations(extras: Mapping[str, Any]) -> list[Simulation]:
    """The simulations packed into a :class:`GoldBatch`'s ``extras`` (in their original order)."""
    count = 1 + max(int(k.split(".", 1)[0]) for k in extras)
    out = []
    for k in range(count):
        a = {name: extras.get(f"{k}.{name}") for name in _FIELDS}
        out.append(Simulation(x=a["x"], theta=a["theta"], t_xz=a["t_xz"], log_r_xz=a["log_r_xz"], theta_refs=a["theta_refs"]))
    return out


def run_gold_tasks(executor: Any, thetas: np.ndarray, seeds: Sequence[int], *, first_id: int = 0) -> list[tuple[int, list[Simulation]]]:
    """Submit one task per point `(k, d)` and wait for all; returns ``(index, simulations)`` in point order.

    A point whose task failed after all retries is left out (logged); if every point failed,
    :class:`~active_science.exceptions.SimulationError` names the first error.
    """
    thetas = np.asarray(thetas, dtype=float)
    for k, (th, s) in enumerate(zip(thetas, seeds)):
        executor.submit(Task(first_id + k, th, int(s)))
    done: dict[int, Any] = {}
    while len(done) < len(thetas):
        records = executor.wait()
        if not records and executor.num_pending == 0:
            break
        for ev in records:
            done[ev.id - first_id] = ev
    failed = [ev for ev in done.values() if not ev.ok]
    for ev in failed:
        logger.warning("gold simulation at theta=%s failed: %s", np.round(ev.theta, 6).tolist(), ev.error)
    ok = [(k, to_simulations(done[k].extras)) for k in sorted(done) if done[k].ok]
    if not ok:
        first = failed[0].error if failed else "no task finished"
        raise SimulationError(f"every gold simulation of the round failed (first error: {first}); check the simulator")
    return ok
