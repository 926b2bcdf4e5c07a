"""ActiveLoop: ask / tell keyed by proposal id, with pending points and a lazily refitted surrogate.

The loop is the part every study shares: it hands out proposals with ids and seeds, remembers which are still
running, takes results back in any order, and refits the surrogate on all successful results (sorted by id, so the
fit does not depend on completion order) before the strategy proposes again.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from active_science.evaluation import Proposal
from active_science.exceptions import InvalidInputError
from active_science.registry import DEFAULT_STRATEGY, get_strategy
from active_science.seeding import point_seed, round_seed
from active_science.space import ParameterSpace
from active_science.strategy_context import ProposalContext
from active_science.surrogates.scalable import default_surrogate
from active_science.threads import torch_threads

__all__ = ["ActiveLoop", "Told"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Told:
    """What the loop knows about one finished proposal."""

    id: int
    theta: np.ndarray
    value: Any
    variance: Any
    failed: bool
    reason: str = ""


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InvalidInputError(f"{name}={value!r} must be an integer >= {minimum}")
    return int(value)


class ActiveLoop:
    """Ask / tell loop over a parameter space.

    Args:
        space: the parameter space.
        strategy: a registered strategy name or a Strategy object.
        seed: study seed; point ``i`` is simulated with ``point_seed(seed, i)``.
        surrogate: the model fitted on the results (default: a GP with the results' own noise, exact up to 300
            results and ``ScalableGPSurrogate`` above).
        threshold: level of the contour on the modelled scale (contour strategies), None for maximisation.
        budget: total evaluations planned (sizes grids and Latin hypercubes).
        candidates: `(c, d)` finite pool of points (space coordinates) to choose from, or None.

    Example:
        >>> space = ParameterSpace({"x": (0.0, 1.0)})
        >>> loop = ActiveLoop(space, "straddle", threshold=0.0, seed=0)
        >>> for _ in range(3):
        ...     for p in loop.ask(2):
        ...         loop.tell(p.id, float(p.theta[0] - 0.3))
        >>> loop.num_told, len(loop.pending)
        (6, 0)
    """

    def __init__(
        self,
        space: ParameterSpace,
        strategy: Any = DEFAULT_STRATEGY,
        *,
        seed: int = 0,
        surrogate: Any = None,
        threshold: float | None = None,
        budget: int | None = None,
        candidates: np.ndarray | None = None,
    ) -> None:
        if not isinstance(space, ParameterSpace):
            raise InvalidInputError(f"space must be a ParameterSpace, got {type(space).__name__}")
        self.space = space
        self.strategy = get_strategy(strategy) if isinstance(strategy, str) else strategy
        if not callable(getattr(self.strategy, "propose", None)):
            raise InvalidInputError(f"strategy {strategy!r} has no propose(n, context) method")
        self.seed = _check_int("seed", seed, 0)
        self.surrogate = surrogate if surrogate is not None else default_surrogate(threshold)
        if threshold is not None and not math.isfinite(threshold):
            raise InvalidInputError(f"threshold={threshold!r} must be a finite number")
        self.threshold = threshold
        self.budget = None if budget is None else _check_int("budget", budget, 1)
        self.candidates: np.ndarray | None = None
        if candidates is not None:
            try:
                cand = np.asarray(candidates, dtype=float)
            except (TypeError, ValueError) as err:
                raise InvalidInputError(f"candidates={candidates!r} is not a numeric (n, {space.dim}) array") from err
            if cand.ndim != 2 or cand.shape[1] != space.dim or len(cand) == 0:
                raise InvalidInputError(f"candidates has shape {cand.shape}; pass a non-empty (n, {space.dim}) array")
            self.candidates = space.validate(cand, "candidate")
        self.round = 0
        self._proposals: dict[int, Proposal] = {}
        self._told: dict[int, Told] = {}
        self._fitted_on: int | None = None
        self._width: tuple[int, ...] | None = None
        self.fit_seconds_total = 0.0

    # ----------------------------------------------------------------------------------------------- ask
    def ask(self, n: int = 1) -> list[Proposal]:
        """Propose ``n`` new points (fewer if the strategy's design or the pool is exhausted)."""
        n = _check_int("n", n, 1)
        with torch_threads():
            ctx = self.context()
            U = np.asarray(self.strategy.propose(n, ctx), dtype=float).reshape(-1, self.space.dim)[:n]
        theta = self.space.from_unit(U)
        if self.candidates is not None:  # snap to the exact pool members (unit round trips lose bits)
            theta = self.candidates[np.argmin(((self.candidates[None] - theta[:, None]) ** 2).sum(-1), axis=1)]
        if len(theta) and not np.all(self.space.contains(theta)):
            raise InvalidInputError(f"strategy {getattr(self.strategy, 'name', self.strategy)!r} proposed points outside the space")
        out = []
        for th in theta:
            pid = len(self._proposals)
            p = Proposal(id=pid, theta=th, seed=point_seed(self.seed, pid), round=self.round)
            self._proposals[pid] = p
            out.append(p)
        self.round += 1
        return out

    def context(self) -> ProposalContext:
        """The state a strategy sees (fits the surrogate first if it needs one and new data arrived)."""
        X, y, yvar = self.training_data(unit=True)
        needs = getattr(self.strategy, "needs_surrogate", False)
        surrogate = self.fitted_surrogate() if needs else None
        failed = np.array([t.theta for t in self._told.values() if t.failed]).reshape(-1, self.space.dim)
        pending = np.array([self._proposals[i].theta for i in self.pending]).reshape(-1, self.space.dim)
        cand = None
        if self.candidates is not None:
            used = {tuple(p.theta) for p in self._proposals.values()}
            cand = self.space.to_unit(np.array([c for c in self.candidates if tuple(c) not in used]).reshape(-1, self.space.dim))
        return ProposalContext(
            space=self.space,
            X=X,
            y=y,
            yvar=yvar,
            failed=self.space.to_unit(failed),
            pending=self.space.to_unit(pending),
            threshold=self.threshold,
            surrogate=surrogate,
            seed=round_seed(self.seed, self.round),
            study_seed=self.seed,
            round=self.round,
            num_proposed=len(self._proposals),
            budget=self.budget,
            candidates=cand,
        )

    # ----------------------------------------------------------------------------------------------- tell
    def _proposal(self, pid: Any) -> Proposal:
        if isinstance(pid, bool) or not isinstance(pid, (int, np.integer)) or int(pid) not in self._proposals:
            raise InvalidInputError(f"proposal id {pid!r} was never handed out by ask(); tell only ids from ask()")
        if int(pid) in self._told:
            raise InvalidInputError(f"proposal {int(pid)} was already told; each id is told once")
        return self._proposals[int(pid)]

    def tell(self, pid: int, value: Any, variance: Any = None) -> None:
        """Report the value (and its noise variance) at proposal ``pid``; NaN/inf are recorded as failures.

        ``value`` is a number, or a 1-D array with one entry per target when the surrogate models several targets
        (then ``variance`` is None or an array of the same length).
        """
        p = self._proposal(pid)
        v = self._as_values(value, f"value for proposal {pid}")
        var = None if variance is None else self._as_values(variance, f"variance for proposal {pid}")
        if var is not None and var.shape != v.shape:
            raise InvalidInputError(f"variance for proposal {pid} has shape {var.shape}; the value has {v.shape}")
        if var is not None and np.any(np.isfinite(var) & (var < 0)):
            raise InvalidInputError(f"variance={variance} for proposal {pid} is negative; pass a variance >= 0 or None")
        if self._width is None:
            self._width = v.shape
        elif v.shape != self._width:
            raise InvalidInputError(f"value for proposal {pid} has shape {v.shape}; earlier values had {self._width}")
        if not np.all(np.isfinite(v)) or (var is not None and not np.all(np.isfinite(var))):
            self._told[p.id] = Told(p.id, p.theta, math.nan, None, True, f"non-finite result (value={value}, variance={variance})")
            logger.info("proposal %d returned a non-finite result; recorded as failed", p.id)
            return
        as_out = (lambda a: float(a)) if v.ndim == 0 else (lambda a: a)
        self._told[p.id] = Told(p.id, p.theta, as_out(v), None if var is None else as_out(var), False)

    @staticmethod
    def _as_values(value: Any, what: str) -> np.ndarray:
        try:
            arr = np.asarray(value)
            if arr.dtype.kind not in "iuf":  # complex, str, bool, objects: not a value (no silent casts)
                raise TypeError(f"dtype {arr.dtype}")
            arr = arr.astype(float)
        except (TypeError, ValueError) as err:
            raise InvalidInputError(f"{what} ({value!r}) is not a number") from err
        if arr.ndim > 1 or arr.size == 0:
            raise InvalidInputError(f"{what} has shape {arr.shape}; give a number or a 1-D array (one per target)")
        return arr

    def tell_failure(self, pid: int, reason: str) -> None:
        """Record that proposal ``pid`` failed for good; it is never fed to the surrogate nor proposed again."""
        p = self._proposal(pid)
        self._told[p.id] = Told(p.id, p.theta, math.nan, None, True, str(reason))

    def restore_proposal(self, proposal: Proposal) -> None:
        """Re-register a proposal read back from a study file (resume); ids must be restored in order."""
        if proposal.id != len(self._proposals):
            raise InvalidInputError(f"restored proposal id {proposal.id} is out of order (expected {len(self._proposals)})")
        self._proposals[proposal.id] = proposal
        self.round = max(self.round, proposal.round + 1)

    # ----------------------------------------------------------------------------------------------- state
    @property
    def pending(self) -> list[int]:
        """Ids proposed but not told yet, in id order."""
        return [i for i in self._proposals if i not in self._told]

    @property
    def num_told(self) -> int:
        return len(self._told)

    @property
    def num_failed(self) -> int:
        return sum(t.failed for t in self._told.values())

    @property
    def proposals(self) -> dict[int, Proposal]:
        return dict(self._proposals)

    @property
    def told(self) -> dict[int, Told]:
        return dict(self._told)

    def training_data(self, *, unit: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Successful results sorted by id: points `(n, d)`, values `(n,)` (or `(n, K)` for K targets), variances of
        the same shape, or None if any is unknown."""
        ok = [self._told[i] for i in sorted(self._told) if not self._told[i].failed]
        X = np.array([t.theta for t in ok]).reshape(-1, self.space.dim)
        y = np.array([t.value for t in ok], dtype=float)
        yvar = None if any(t.variance is None for t in ok) or not ok else np.array([t.variance for t in ok], dtype=float)
        return (self.space.to_unit(X) if unit else X), y, yvar

    def fitted_surrogate(self) -> Any:
        """The surrogate fitted on all successful results (refit only when new results arrived); None if < 2."""
        X, y, yvar = self.training_data(unit=True)
        if len(y) < 2:
            return None
        key = len(y)
        if self._fitted_on != key:
            t0 = time.perf_counter()
            with torch_threads():
                self.surrogate.fit(X, y, yvar, seed=self.seed)
            self.fit_seconds_total += time.perf_counter() - t0
            self._fitted_on = key
        return self.surrogate

    def predict(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Surrogate posterior mean and variance `(n,)` at `(n, d)` points in space coordinates."""
        model = self.fitted_surrogate()
        if model is None:
            raise InvalidInputError("the surrogate needs at least 2 successful results before it can predict")
        with torch_threads():
            return model.predict(self.space.to_unit(np.asarray(theta, dtype=float).reshape(-1, self.space.dim)))
