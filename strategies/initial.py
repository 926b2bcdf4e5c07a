"""Space-filling initial designs shared by the model-based strategies (before the surrogate has data)."""

from __future__ import annotations

import numpy as np

from active_science.strategy_context import ProposalContext

__all__ = ["sobol_sequence", "initial_design", "pool_medoids"]


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
    """``n`` space-filling unit points: the next Sobol points, or k-medoids of a finite pool (``pool_medoids``)."""
    if ctx.candidates is not None:
        taken = np.concatenate([ctx.X, ctx.pending]).reshape(-1, ctx.dim)
        return pool_medoids(ctx.candidates, n, taken=taken, seed=ctx.seed)
    return sobol_sequence(ctx, ctx.num_proposed, n)


def pool_medoids(pool: np.ndarray, n: int, *, taken: np.ndarray | None = None, seed: int = 0, first_among: int = 5) -> np.ndarray:
    """``n`` points of a finite pool `(p, d)` that represent it: greedy k-medoids (each new point minimises the summed
    distance of the pool to its nearest chosen or ``taken`` point).

    Unlike a maximin design, which starts with the pool's extreme corners, medoids follow the pool's density: a grid
    that physicists made denser where they expected the contour gets its first points there. The first medoid is
    drawn among the ``first_among`` best by ``seed`` (different seeds, different designs). Written by hand: greedy
    k-medoids on a few hundred points is a few lines of numpy, and scikit-learn's KMeans returns centroids, not
    pool members.

    Args:
        pool: `(p, d)` candidate points (unit cube).
        n: how many to choose (at most ``p``).
        taken: `(k, d)` points already evaluated or running (they count as chosen).
        seed: seed of the first choice.
        first_among: the first medoid is drawn among this many best.

    Returns:
        `(min(n, p), d)` distinct pool points.

    Example:
        >>> pool = np.array([[0.0, 0.0], [0.1, 0.0], [0.2, 0.0], [1.0, 1.0]])
        >>> pool_medoids(pool, 2, first_among=1)   # the dense cluster's centre, then the outlier
        array([[0.1, 0. ],
               [1. , 1. ]])
    """
    pool = np.asarray(pool, dtype=float)
    dist = np.sqrt(((pool[:, None, :] - pool[None, :, :]) ** 2).sum(-1))
    near = np.full(len(pool), np.inf)
    if taken is not None and len(taken):
        near = np.sqrt(((pool[:, None, :] - np.asarray(taken, dtype=float)[None, :, :]) ** 2).sum(-1)).min(axis=1)
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    for _ in range(min(n, len(pool))):
        cost = np.minimum(near[:, None], dist).sum(axis=0)  # summed distance to the nearest medoid, per new medoid
        cost[chosen] = np.inf
        if chosen or np.isfinite(near).any():
            i = int(np.argmin(cost))
        else:
            i = int(rng.choice(np.argsort(cost, kind="stable")[:first_among]))
        chosen.append(i)
        near = np.minimum(near, dist[i])
    return pool[chosen]
