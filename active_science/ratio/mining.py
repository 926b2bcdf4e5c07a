"""Simulating training sets with gold: events at one point, joint ratio against a paired point.

Each training event needs ``log r(x, z | theta_i, partner_i)`` against its own partner. The simulator protocol
returns ratios against a shared list of ``theta_refs``, so events are simulated in groups of ``group_size`` whose
references are the group's partners (event ``j`` of a group pairs with column ``j``, the rule
:func:`~active_science.ratio.dataset.rows_from_simulation` applies): ``n * group_size`` joint-likelihood evaluations,
no extra simulations. When all events share one partner a single call suffices.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from active_science.exceptions import InvalidInputError
from active_science.simulation import Simulation

__all__ = ["simulate_paired", "reference_training_set", "spawn_seeds"]


def spawn_seeds(seed: int, n: int) -> list[int]:
    """``n`` independent 63-bit seeds derived from ``seed``.

    Example:
        >>> spawn_seeds(0, 2) == spawn_seeds(0, 2)
        True
    """
    return [int(s.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for s in np.random.SeedSequence(seed).spawn(n)]


def simulate_paired(
    simulator: Any,
    theta: np.ndarray,
    partners: np.ndarray,
    *,
    seed: int,
    gold: bool = True,
    group_size: int = 64,
) -> list[Simulation]:
    """One event at each ``theta[i]`` `(n, d)`, with gold against ``partners[i]`` `(n, d)` (or one shared `(d,)`).

    Used as is, the result is a doubly parameterised training set; :func:`reference_training_set` builds the
    singly parameterised one.

    Example:
        >>> from active_science.simulators.gaussian import GaussianToy
        >>> sims = simulate_paired(GaussianToy(), np.zeros((10, 1)), np.ones((10, 1)), seed=0)
        >>> sum(len(s) for s in sims), sims[0].theta_refs.ravel().tolist()
        (10, [1.0])
    """
    theta = np.asarray(theta, dtype=float)
    if theta.ndim != 2 or len(theta) == 0:
        raise InvalidInputError(f"theta has shape {theta.shape}; pass (n, d) points, one per event")
    partners = np.asarray(partners, dtype=float)
    if partners.ndim == 1:
        partners = np.broadcast_to(partners, theta.shape)
    if partners.shape != theta.shape:
        raise InvalidInputError(f"partners has shape {partners.shape}; pass {theta.shape} or ({theta.shape[1]},)")
    if isinstance(group_size, bool) or not isinstance(group_size, int) or group_size < 1:
        raise InvalidInputError(f"group_size={group_size!r} must be a positive integer")
    if not gold:
        return [simulator.simulate(theta, seed=seed)]
    if np.all(partners == partners[0]):
        return [simulator.simulate(theta, seed=seed, gold=True, theta_refs=partners[:1])]
    starts = range(0, len(theta), group_size)
    seeds = spawn_seeds(seed, len(starts))
    return [
        simulator.simulate(theta[a : a + group_size], seed=s, gold=True, theta_refs=partners[a : a + group_size])
        for a, s in zip(starts, seeds)
    ]


def reference_training_set(
    simulator: Any,
    theta0: np.ndarray,
    theta_ref: np.ndarray,
    *,
    seed: int,
    num_reference: int | None = None,
    gold: bool = True,
    group_size: int = 64,
) -> list[Simulation]:
    """A singly parameterised training set: one event at each ``theta0[i]`` `(n0, d)` (gold against
    ``theta_ref``) and ``num_reference`` (default ``n0``) events at ``theta_ref`` `(d,)`, event ``i`` with gold
    against ``theta0[i mod n0]``. Total simulations: ``n0 + num_reference``.

    Example:
        >>> from active_science.simulators.galton import GaltonBoard
        >>> board = GaltonBoard()
        >>> sims = reference_training_set(board, board.space.sample(50, seed=0), np.array([-0.6]), seed=1)
        >>> sum(len(s) for s in sims)
        100
    """
    theta0 = np.asarray(theta0, dtype=float)
    ref = np.asarray(theta_ref, dtype=float).reshape(-1)
    if theta0.ndim != 2 or theta0.shape[1] != ref.shape[0] or len(theta0) == 0:
        raise InvalidInputError(f"theta0 has shape {theta0.shape}; pass (n, {ref.shape[0]}) numerator points")
    n1 = len(theta0) if num_reference is None else int(num_reference)
    if n1 < 1:
        raise InvalidInputError(f"num_reference={num_reference!r} must be a positive integer")
    s_num, s_ref = spawn_seeds(seed, 2)
    numerator = simulate_paired(simulator, theta0, ref, seed=s_num, gold=gold, group_size=group_size)
    at_ref = np.broadcast_to(ref, (n1, ref.shape[0]))
    partners = theta0[np.arange(n1) % len(theta0)]
    reference = simulate_paired(simulator, at_ref, partners, seed=s_ref, gold=gold, group_size=group_size)
    return numerator + reference
