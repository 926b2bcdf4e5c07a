"""Space-filling initial designs shared by the model-based strategies (before the surrogate has data)."""

from __future__ import annotations

import numpy as np

from active_science.strategy_context import ProposalContext

__all__ = ["sobol_sequence", "initial_design"]


def sobol_sequence(ctx: ProposalContext, start: int, n: int) -> np.ndarray:
    """Points ``start .. start+n`` of the study's own scrambled, constraint-filtered Sobol sequence (unit cube).

    The sequence depends only on the study seed, so it continues seamlessly across rounds and after a resume.
    """
    need = start + n
    size = 64
    while True:
        pts = ctx.space.sample_unit(size, seed=ctx.study_seed, method="sobol", _allow_empty=True)
        if len(pts) >= need or size > 1 << 20:
            return pts[start:need]
        size *= 2


def initial_design(ctx: ProposalContext, n: int) -> np.ndarray:
    """``n`` space-filling unit points: the next Sobol points, or a seeded random subset of a finite pool."""
    if ctx.candidates is not None:
        rng = np.random.default_rng(ctx.seed)
        take = min(n, len(ctx.candidates))
        return ctx.candidates[rng.choice(len(ctx.candidates), size=take, replace=False)]
    return sobol_sequence(ctx, ctx.num_proposed, n)
