"""Torch intra-op threads for the driver's GP work.

The loop's surrogates are small (tens to a few thousand points): their matrices gain nothing from a second thread,
while the simulators run on the same cores. With 2 cores busy, torch's default of one thread per core made a
40-point GP fit 9x slower and a 2048-point posterior 19x slower than one thread (measured on the 2-core CI machine,
scripts in the commit that added this file), so the loop runs its GP work single-threaded and restores the caller's
setting afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

__all__ = ["LOOP_TORCH_THREADS", "torch_threads"]

#: intra-op threads used by the loop's fitting and acquisition optimisation
LOOP_TORCH_THREADS = 1


@contextmanager
def torch_threads(n: int = LOOP_TORCH_THREADS) -> Iterator[None]:
    """Run a block with ``n`` torch intra-op threads, then restore the previous number.

    Example:
        >>> before = torch.get_num_threads()
        >>> with torch_threads(1):
        ...     torch.get_num_threads()
        1
        >>> torch.get_num_threads() == before
        True
    """
    before = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(before)
