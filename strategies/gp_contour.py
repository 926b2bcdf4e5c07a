"""GP + level-set acquisition: propose where it is uncertain whether the value is above or below the threshold.

The surrogate (a botorch GP over the unit cube, fitted by the loop) is conditioned on the points still running
and on the points already chosen in this batch at their believed (posterior-mean) values (kriging believer), so a
batch spreads along the boundary instead of piling up at one spot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from active_science.acquisition.misclassification import Misclassification
from active_science.acquisition.optimize import condition_on_believed, maximize_acquisition
from active_science.acquisition.straddle import Straddle
from active_science.convergence import UncertainFractionBelow
from active_science.exceptions import InvalidInputError
from active_science.strategies.initial import initial_design, pool_medoids
from active_science.strategy_context import ProposalContext

__all__ = [
    "GPContourStrategy",
    "NoiseAwareContourStrategy",
    "straddle",
    "misclassification",
    "entropy",
    "tmse",
    "typical_noise_variance",
]


class GPContourStrategy:
    """Sequential-greedy batches of a level-set acquisition on the loop's GP.

    Args:
        acquisition: a ``LevelSetAcquisition`` class (called as ``cls(model, threshold=..., **acquisition_options)``).
        name: the strategy's registered name.
        num_initial: space-filling points before the GP is used (default ``2 d + 2``). Fewer are cheaper on
            average but riskier: on the 1D excursion function 2 / 3 / 4 initial points gave a median of 6 / 7 / 9
            sequential evaluations to balanced accuracy 0.99 with ``band_entropy`` before its search phase (7 / 7 /
            8 with ``information_gain``; from 4, the default with its search phase needs 7), but an
            ``ExclusionScan`` there (batches of 2, tolerance 0.005, seed 0) started from 2 or 3 never evaluates
            beyond x = 0.89, its GP extrapolates the excluded interval to x = 1, and it stops at 16-18 evaluations
            with balanced accuracy 0.96 (from 4: 30 evaluations, 1.0).
        num_restarts, raw_samples, maxiter: acquisition optimiser settings (botorch ``optimize_acqf``). By default
            (``num_restarts=None``) the best of ``raw_samples`` feasible Sobol points is taken without a gradient
            polish up to 3 dimensions (1024 points lie within ~0.03-0.1 of any optimum there, and the polish was
            measured ~30x costlier per round at the same accuracy), and 4 L-BFGS-B restarts above.
        explore_every: every ``k``-th proposal of the study (counted over all rounds) fills the largest unexplored
            void instead of following the boundary: the k-medoid of a feasible Sobol set (or of the pool) given every
            evaluated, running and already chosen point (``pool_medoids``); ``0`` (default) never explores.
            Level-set acquisitions only look where the model already expects the boundary, so an excluded island
            smaller than the GP's length-scale that no point has touched is invisible to them (the GP is confidently
            wrong there). Measured (``benchmarks.contour --light``, 5 seeds, batches of 4): with ``entropy`` and ``k = 3``
            the two-islands task needs a median of 40 evaluations (28-62) instead of 51, the 2D excursion function
            34 (31-46) instead of 28: worth it when a missed island is the bigger risk. The largest-posterior-sd point is not
            used: it sits on the box's edges and corners (measured on the islands, seed 3: 14 of the first 20
            exploration points on an edge; two of five seeds found the interior island only after 139-141).
        explore_when_resolved: once the contour the GP knows is resolved, also fill voids: when the fraction of the
            space whose label is uncertain (misclassification probability above 0.05, over the raw Sobol points or
            the pool: ``UncertainFractionBelow``'s measure) is below this, every second proposal of the study goes to
            the largest unexplored void (as ``explore_every``); the others keep refining the boundary, so a stopping
            rule on the uncertain fraction is still met (a study that would stop checks its voids for a round
            first). ``0`` never explores. Pointwise acquisitions do not saturate by themselves: a point on the known
            boundary keeps ``m = t`` and label entropy ``log 2`` however small ``s`` is, so without this entropy
            spends the rest of the budget on a resolved boundary (measured on the two islands, seed 3: evaluations
            15-38 all on the first island's boundary, accuracy flat at 0.846). A contour counts as resolved only if
            the GP predicts one (both labels occur among those points): while it predicts a single label everywhere,
            the acquisition, which follows the GP's trend towards the level, searches better than geometric voids
            (1D excursion function, batches of 4, 5 seeds: 10 evaluations instead of 11). Default ``0.01``; its
            measured effect is in the README.
    """

    needs_surrogate = True

    def __init__(
        self,
        acquisition: Callable[..., Any] = Straddle,
        *,
        name: str = "straddle",
        num_initial: int | None = None,
        num_restarts: int | None = None,
        raw_samples: int = 1024,
        maxiter: int = 200,
        acquisition_options: Mapping[str, Any] | None = None,
        explore_every: int = 0,
        explore_when_resolved: float = 0.01,
    ) -> None:
        if num_initial is not None and num_initial < 1:
            raise InvalidInputError(f"num_initial={num_initial} must be >= 1")
        if isinstance(explore_every, bool) or not isinstance(explore_every, int) or explore_every < 0:
            raise InvalidInputError(f"explore_every={explore_every!r} must be a non-negative integer (0 = never explore)")
        self.acquisition = acquisition
        self.name = name
        self.num_initial = num_initial
        self.num_restarts = num_restarts
        self.raw_samples = raw_samples
        self.maxiter = int(maxiter)
        self.acquisition_options = dict(acquisition_options or {})
        self.explore_every = explore_every
        ewr = explore_when_resolved
        if isinstance(ewr, bool) or not isinstance(ewr, (int, float)) or not 0.0 <= ewr < 1.0:
            raise InvalidInputError(
                f"explore_when_resolved={explore_when_resolved!r} must be a fraction of the space in [0, 1), e.g. 0.01 (0 = never explore)"
            )
        self.explore_when_resolved = float(explore_when_resolved)

    def _num_initial(self, dim: int) -> int:
        return self.num_initial if self.num_initial is not None else 2 * dim + 2

    def _void_point(self, ctx: ProposalContext, taken: np.ndarray) -> np.ndarray:
        """`(d,)` the centre of the largest unexplored void: the next k-medoid of a feasible Sobol set (or the pool)."""
        pool = ctx.candidates if ctx.candidates is not None else ctx.space.sample_unit(1024, seed=ctx.study_seed + 1, method="sobol")
        return pool_medoids(pool, 1, taken=taken)[0]

    def _resolved(self, model: Any, ctx: ProposalContext, seed: int) -> bool:
        """True when the contour the model knows is resolved: the model predicts a contour (both labels occur among
        the raw Sobol points or the pool, for some output) and the fraction of those points whose label is uncertain
        (the largest misclassification probability over the outputs above the stopping rule's 0.05) is below
        ``explore_when_resolved`` (``UncertainFractionBelow``'s measure)."""
        U = ctx.candidates if ctx.candidates is not None else ctx.space.sample_unit(self.raw_samples, seed=seed, method="sobol")
        if not len(U):
            return False
        # one posterior pass gives both the misclassification probabilities and the predicted labels
        acq = Misclassification(model, threshold=ctx.threshold)
        p_wrong, above = [], []
        with torch.no_grad():
            for start in range(0, len(U), 2048):
                mean, sigma = acq._mean_and_sigma(torch.as_tensor(U[start : start + 2048, None, :], dtype=torch.float64))
                p_wrong.append(acq.score(mean, sigma).amax(dim=-1).numpy())  # b x K -> b (as acq's forward)
                above.append((mean > acq.threshold).numpy())
        if float(np.mean(np.concatenate(p_wrong) > UncertainFractionBelow.probability)) >= self.explore_when_resolved:
            return False
        above = np.concatenate(above)
        return bool(np.any(above.any(axis=0) & ~above.all(axis=0)))

    def make_acquisition(self, model: Any, ctx: ProposalContext) -> Any:
        """The acquisition function for this round (subclasses add what depends on the loop's state)."""
        return self.acquisition(model, threshold=ctx.threshold, **self.acquisition_options)

    def propose(self, n: int, ctx: ProposalContext) -> np.ndarray:
        if ctx.threshold is None:
            raise InvalidInputError(f"strategy {self.name!r} learns a contour and needs a threshold (use ExclusionScan)")
        if ctx.surrogate is None:
            return initial_design(ctx, n)
        n_first = min(n, max(self._num_initial(ctx.dim) - len(ctx.X) - len(ctx.pending), 0))
        chosen: list[np.ndarray] = list(initial_design(ctx, n_first)) if n_first else []
        model = condition_on_believed(ctx.surrogate.model, np.concatenate([ctx.pending, np.reshape(chosen, (-1, ctx.dim))]))
        for j in range(len(chosen), n):
            explore = bool(self.explore_every) and (ctx.num_proposed + j + 1) % self.explore_every == 0
            # once resolved, every second proposal explores: the other half keeps refining the known boundary, so a
            # stopping rule on the uncertain area can still be met (exploration alone would never shrink that band)
            resolved_turn = self.explore_when_resolved and (ctx.num_proposed + j) % 2 == 0
            if explore or (resolved_turn and self._resolved(model, ctx, ctx.seed + j)):
                x = self._void_point(ctx, np.concatenate([ctx.X, ctx.excluded, np.reshape(chosen, (-1, ctx.dim))]))
            else:
                x = maximize_acquisition(
                    self.make_acquisition(model, ctx),
                    ctx.space,
                    seed=ctx.seed + j,
                    avoid=np.concatenate([ctx.excluded, np.reshape(chosen, (-1, ctx.dim))]),
                    candidates=ctx.candidates,
                    num_restarts=self.num_restarts if self.num_restarts is not None else (0 if ctx.dim <= 3 else 4),
                    raw_samples=self.raw_samples,
                    maxiter=self.maxiter,
                )
            if x is None:
                break
            chosen.append(x)
            if j + 1 < n:
                model = condition_on_believed(model, x[None, :])
        return np.array(chosen).reshape(-1, ctx.dim)


def straddle(**options: Any) -> GPContourStrategy:
    """The straddle strategy (``1.96 s - |m - t|``) on the loop's GP."""
    return GPContourStrategy(Straddle, name="straddle", **options)


def typical_noise_variance(ctx: ProposalContext) -> float:
    """Median noise variance of the evaluations so far (modelled scale), 0 when unknown: the noise expected of the
    next evaluation, used by look-ahead acquisitions (tMSE, information gain)."""
    if ctx.yvar is None:
        return 0.0
    v = np.asarray(ctx.yvar, dtype=float).reshape(-1)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if len(v) else 0.0


class NoiseAwareContourStrategy(GPContourStrategy):
    """A contour strategy whose acquisition takes ``noise_variance`` (tMSE): set from the evaluations' noise."""

    def make_acquisition(self, model: Any, ctx: ProposalContext) -> Any:
        options = {"noise_variance": typical_noise_variance(ctx), **self.acquisition_options}
        return self.acquisition(model, threshold=ctx.threshold, **options)


def misclassification(**options: Any) -> GPContourStrategy:
    """Propose where the predicted label is most likely wrong, ``Phi(-|m - t| / s)``."""
    return GPContourStrategy(Misclassification, name="misclassification", **options)


def entropy(**options: Any) -> GPContourStrategy:
    """Propose where the label entropy is largest (excursion's "MES")."""
    from active_science.acquisition.entropy import LabelEntropy

    return GPContourStrategy(LabelEntropy, name="entropy", **options)


def tmse(**options: Any) -> GPContourStrategy:
    """Propose where the targeted MSE ``s^2 N(t; m, s^2 + noise^2)`` is largest (Picheny et al. 2010)."""
    from active_science.acquisition.tmse import TargetedMSE

    return NoiseAwareContourStrategy(TargetedMSE, name="tmse", **options)
