"""Baselines a physicist would otherwise use: a regular grid, uniform random, Sobol and Latin-hypercube designs.

None of them looks at the data; all honour constraints, finite pools and the planned budget. They may return fewer
points than asked when their design is exhausted (a grid has only so many nodes).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.stats import qmc

from active_science.exceptions import InvalidInputError
from active_science.strategies.initial import sobol_sequence
from active_science.strategy_context import ProposalContext

__all__ = ["GridStrategy", "RandomStrategy", "grid_resolution"]


def grid_resolution(ctx: ProposalContext) -> int:
    """Largest points-per-dimension whose feasible grid fits in the budget."""
    if ctx.budget is None:
        raise InvalidInputError("the grid strategy needs the budget (max_evaluations) to size its grid; pass it to run()")
    k = max(1, int(np.floor(ctx.budget ** (1.0 / ctx.dim))))
    while len(ctx.space.grid(k + 1)) <= ctx.budget:
        k += 1
    while k > 1 and len(ctx.space.grid(k)) > ctx.budget:
        k -= 1
    return k


class GridStrategy:
    """A regular grid sized to the budget (feasible nodes only), visited in row-major order.

    Example:
        >>> from active_science.space import ParameterSpace
        >>> from active_science.testing import make_context
        >>> ctx = make_context(ParameterSpace({"x": (0.0, 1.0), "y": (0.0, 1.0)}), budget=9)
        >>> GridStrategy().propose(9, ctx)[:3].tolist()
        [[0.0, 0.0], [0.0, 0.5], [0.0, 1.0]]
    """

    name = "grid"
    needs_surrogate = False

    def propose(self, n: int, ctx: ProposalContext) -> np.ndarray:
        if ctx.candidates is not None:
            return ctx.candidates[:n]
        k = grid_resolution(ctx)
        nodes = ctx.space.to_unit(ctx.space.grid(k))
        return nodes[ctx.num_proposed : ctx.num_proposed + n]


class RandomStrategy:
    """Space-filling designs that ignore the data: ``"random"`` (uniform), ``"sobol"`` or ``"lhs"``.

    Example:
        >>> from active_science.space import ParameterSpace
        >>> from active_science.testing import make_context
        >>> RandomStrategy("sobol").propose(4, make_context(ParameterSpace({"x": (0.0, 1.0)}))).shape
        (4, 1)
    """

    needs_surrogate = False

    def __init__(self, method: Literal["random", "sobol", "lhs"] = "random") -> None:
        if method not in ("random", "sobol", "lhs"):
            raise InvalidInputError(f"method={method!r} must be 'random', 'sobol' or 'lhs'")
        self.method = method
        self.name = method

    def propose(self, n: int, ctx: ProposalContext) -> np.ndarray:
        if ctx.candidates is not None:
            rng = np.random.default_rng(ctx.seed)
            return ctx.candidates[rng.choice(len(ctx.candidates), size=min(n, len(ctx.candidates)), replace=False)]
        if self.method == "random":
            return ctx.space.sample_unit(n, seed=ctx.seed, method="random")
        if self.method == "sobol":
            return sobol_sequence(ctx, ctx.num_proposed, n)
        if ctx.budget is None:
            raise InvalidInputError("the lhs strategy needs the budget (max_evaluations) to size its design; pass it to run()")
        # one Latin hypercube of the whole budget (from the study seed), filtered by the constraint, taken in order
        design = qmc.LatinHypercube(ctx.dim, seed=np.random.default_rng(ctx.study_seed)).random(ctx.budget)
        if ctx.space.has_constraint:
            design = design[ctx.space.contains(ctx.space.from_unit(design))]
        return design[ctx.num_proposed : ctx.num_proposed + n]


def sobol() -> RandomStrategy:
    return RandomStrategy("sobol")


def lhs() -> RandomStrategy:
    return RandomStrategy("lhs")
