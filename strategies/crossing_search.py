"""Search for the level while every evaluation lies on one side of it: the most probable crossing.

Until some evaluation has landed on the other side of the level there is no contour to refine, and a level-set
acquisition on the loop's GP ranks points by probabilities the over-confident GP puts below 1e-50 (README, 1D
excursion function): a ranking of numerical noise. This phase asks the question it faces instead, "where is the
value most probably beyond the level?", under ``MarginalTrendKriging`` (averaged over a constant and a linear trend
and over the length scale), which follows the data's slope where they have one and keeps the short length scales a
handful of points cannot rule out. A batch is
chosen greedily with the kriging believer (each chosen or running point joins the data at its predicted value).
"""

from __future__ import annotations

import numpy as np

from active_science.acquisition.optimize import far_from, squared_distance_to_nearest
from active_science.surrogates.trend_kriging import MarginalTrendKriging
from active_science.strategy_context import ProposalContext

__all__ = ["MAX_SEARCH_POINTS", "one_sided", "propose_crossing_search"]

#: the search phase refits ``MarginalTrendKriging`` (24 Cholesky factorisations of n x n, ~0.1 s at n = 100 and 1 024
#: candidates, ~0.8 s at n = 300; measured on the quiet machine) per proposal; beyond this
#: many evaluations without a crossing the loop's own GP strategy takes over (the level is then probably nowhere)
MAX_SEARCH_POINTS = 100


def one_sided(ctx: ProposalContext) -> str | None:
    """``"above"`` / ``"below"`` when every finite evaluation so far lies on that side of the level (single-output
    contour tasks with at least one evaluation and at most ``MAX_SEARCH_POINTS``), else None."""
    y = np.asarray(ctx.y, dtype=float)
    if ctx.threshold is None or y.ndim != 1 or not 0 < len(y) <= MAX_SEARCH_POINTS:
        return None
    y = y[np.isfinite(y)]
    if not len(y):
        return None
    if np.all(y > ctx.threshold):
        return "above"
    if np.all(y < ctx.threshold):
        return "below"
    return None


def propose_crossing_search(ctx: ProposalContext, n: int, *, raw_samples: int = 1024, min_distance: float = 1e-3) -> np.ndarray:
    """`(k, d)` unit points, ``k <= n``: the feasible Sobol points (or pool points) most probably on the other side
    of the level, chosen one by one with the kriging believer."""
    side = one_sided(ctx)
    if side is None:
        raise ValueError("propose_crossing_search needs evaluations all on one side of the level (see one_sided)")
    y = np.asarray(ctx.y, dtype=float)
    ok = np.isfinite(y)
    X, y = np.asarray(ctx.X, dtype=float)[ok], y[ok]
    yvar = None if ctx.yvar is None else np.asarray(ctx.yvar, dtype=float)[ok]
    pool = ctx.candidates if ctx.candidates is not None else ctx.space.sample_unit(raw_samples, seed=ctx.seed, method="sobol")
    model = MarginalTrendKriging().fit(X, y, yvar)
    believed = ctx.pending.reshape(-1, ctx.dim)
    chosen: list[np.ndarray] = []
    for _ in range(n):
        if len(believed):  # running and already chosen points join the data at their predicted values
            model = MarginalTrendKriging().fit(
                np.concatenate([X, believed]),
                np.concatenate([y, model.mean(believed)]),
                None if yvar is None else np.concatenate([yvar, np.full(len(believed), np.median(yvar))]),
            )
        avoid = np.concatenate([X, ctx.excluded, np.reshape(chosen, (-1, ctx.dim))])
        admissible = pool[far_from(pool, avoid, min_distance)]
        if not len(admissible):  # a pool used up: fewer points (as GPContourStrategy)
            break
        score = model.log_prob_beyond(admissible, ctx.threshold, below=side == "above")
        if not np.isfinite(score).any():
            # values that do not vary at all (a plateau): no probability anywhere, so fill the largest void instead
            score = squared_distance_to_nearest(admissible, avoid)
        x = admissible[int(np.argmax(score))]
        chosen.append(x)
        believed = np.concatenate([believed, x[None, :]])
    return np.reshape(chosen, (-1, ctx.dim))
