"""Per-point randomness from one ``numpy.random.SeedSequence`` per study.

The seed handed to the simulator for point ``id`` depends only on the study seed and the id, never on completion
order, worker count or executor, so serial and Ray runs give identical simulations.
"""

from __future__ import annotations

import numpy as np

__all__ = ["point_seed", "round_seed", "as_generator"]

_POINT_STREAM = 0
_ROUND_STREAM = 1


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        from active_science.exceptions import InvalidInputError

        raise InvalidInputError(f"seed={seed!r} is not a non-negative integer; pass e.g. seed=0")
    return int(seed)


def point_seed(study_seed: int, point_id: int) -> int:
    """The simulator seed (a 63-bit int) for proposal ``point_id`` of a study seeded with ``study_seed``.

    Example:
        >>> point_seed(0, 3) == point_seed(0, 3) != point_seed(0, 4)
        True
    """
    ss = np.random.SeedSequence(_check_seed(study_seed), spawn_key=(_POINT_STREAM, int(point_id)))
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def round_seed(study_seed: int, round_index: int) -> int:
    """The seed a strategy uses in round ``round_index`` (acquisition restarts, random baselines)."""
    ss = np.random.SeedSequence(_check_seed(study_seed), spawn_key=(_ROUND_STREAM, int(round_index)))
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def as_generator(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A numpy Generator from a seed (or the generator itself)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)
