"""Stopping rules for the loop; they compose with ``&`` and ``|`` (EmuKit style).

A rule looks at the ``LoopStatus`` after each round and says whether to stop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from active_science.exceptions import InvalidInputError

__all__ = [
    "LoopStatus", "StoppingRule", "MaxEvaluations", "UncertainFractionBelow", "ExpectedMisclassificationBelow", "ContourStable",
    "Never", "rule_to_config", "rule_from_config",
]  # fmt: skip


@dataclass(frozen=True)
class LoopStatus:
    """What stopping rules see after a round.

    Example:
        >>> s = LoopStatus(num_evaluations=24, num_failed=1, round=5, uncertain_fraction=(0.2, 0.05))
        >>> s.uncertain_fraction[-1], MaxEvaluations(24)(s)
        (0.05, True)
    """

    num_evaluations: int
    num_failed: int
    round: int
    uncertain_fraction: tuple[float, ...] = field(default_factory=tuple)
    contour_change: tuple[float, ...] = field(default_factory=tuple)
    expected_misclassified: tuple[float, ...] = field(default_factory=tuple)


class StoppingRule:
    """Base of stopping rules: ``rule(status) -> bool``; combine with ``&`` and ``|``.

    Example:
        >>> rule = UncertainFractionBelow(0.01, patience=1) | MaxEvaluations(100)
        >>> rule(LoopStatus(100, 0, 20, uncertain_fraction=(0.3,))), rule(LoopStatus(50, 0, 10, uncertain_fraction=(0.3,)))
        (True, False)
    """

    def __call__(self, status: LoopStatus) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def __and__(self, other: StoppingRule) -> StoppingRule:
        return _Combined(self, other, all, "&")

    def __or__(self, other: StoppingRule) -> StoppingRule:
        return _Combined(self, other, any, "|")

    def describe(self) -> str:
        return repr(self)


class _Combined(StoppingRule):
    def __init__(self, a: StoppingRule, b: StoppingRule, how: object, symbol: str) -> None:
        self.a, self.b, self.how, self.symbol = a, b, how, symbol

    def __call__(self, status: LoopStatus) -> bool:
        return bool(self.how([self.a(status), self.b(status)]))  # type: ignore[operator]

    def __repr__(self) -> str:
        return f"({self.a!r} {self.symbol} {self.b!r})"


class Never(StoppingRule):
    """Never stop early (run the whole budget).

    Example:
        >>> Never()(LoopStatus(10**6, 0, 999, uncertain_fraction=(0.0,)))
        False
    """

    def __call__(self, status: LoopStatus) -> bool:
        return False

    def __repr__(self) -> str:
        return "Never()"


@dataclass(frozen=True)
class MaxEvaluations(StoppingRule):
    """Stop once ``n`` evaluations (successful or failed) were made.

    Example:
        >>> MaxEvaluations(50)(LoopStatus(49, 3, 12)), MaxEvaluations(50)(LoopStatus(50, 3, 12))
        (False, True)
    """

    n: int

    def __call__(self, status: LoopStatus) -> bool:
        return status.num_evaluations >= self.n


@dataclass(frozen=True)
class UncertainFractionBelow(StoppingRule):
    """Stop when the fraction of the space whose label is uncertain (misclassification probability above
    ``probability``) has been below ``tolerance`` for ``patience`` consecutive rounds, after at least
    ``min_evaluations`` evaluations (a GP fitted on a handful of points can be confidently wrong: the usual guard
    is 10 evaluations per dimension, which ExclusionScan uses by default).

    Example:
        >>> rule = UncertainFractionBelow(0.01, patience=2)
        >>> rule(LoopStatus(40, 0, 9, uncertain_fraction=(0.3, 0.005, 0.004)))
        True
    """

    tolerance: float = 0.01
    patience: int = 2
    probability: float = 0.05
    min_evaluations: int = 0

    def __post_init__(self) -> None:
        for name in ("tolerance", "patience", "probability", "min_evaluations"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise InvalidInputError(f"{name}={v!r} must be a number")
        if not 0.0 <= self.tolerance < 1.0 or not math.isfinite(self.tolerance):
            raise InvalidInputError(f"tolerance={self.tolerance} must lie in [0, 1), e.g. 0.01")
        if self.patience < 1:
            raise InvalidInputError(f"patience={self.patience} must be >= 1")
        if not 0.0 < self.probability < 0.5:
            raise InvalidInputError(f"probability={self.probability} must lie in (0, 0.5), e.g. 0.05")
        if self.min_evaluations < 0:
            raise InvalidInputError(f"min_evaluations={self.min_evaluations} must be >= 0")

    def __call__(self, status: LoopStatus) -> bool:
        if status.num_evaluations - status.num_failed < self.min_evaluations:
            return False
        recent = status.uncertain_fraction[-self.patience :]
        return len(recent) == self.patience and all(f < self.tolerance for f in recent)


@dataclass(frozen=True)
class ExpectedMisclassificationBelow(StoppingRule):
    """Stop when the expected fraction of wrong labels has been below ``tolerance`` for ``patience`` rounds, after
    at least ``min_evaluations`` successful evaluations.

    The expected fraction is the surrogate's integrated misclassification probability (Bect et al. 2012, the
    quantity SUR strategies reduce): the mean over the scan's reference points of the probability that some
    target's predicted label is wrong. Unlike :class:`UncertainFractionBelow`, it counts how wrong the labels are
    expected to be, not how many points pass a per-point threshold: one point with a 6 % chance of being wrong no
    longer blocks the stop, many at 4 % do. Over a finite pool of ``N`` candidates, ``tolerance = k / N`` means
    "fewer than ``k`` wrong labels expected in the pool".

    Example:
        >>> rule = ExpectedMisclassificationBelow(0.5 / 66, min_evaluations=20)   # < 0.5 wrong labels among 66
        >>> rule(LoopStatus(24, 0, 11, expected_misclassified=(0.02, 0.006))), rule(LoopStatus(18, 0, 8, expected_misclassified=(0.0,)))
        (True, False)
    """

    tolerance: float = 0.005
    patience: int = 1
    min_evaluations: int = 0

    def __post_init__(self) -> None:
        for name in ("tolerance", "patience", "min_evaluations"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise InvalidInputError(f"{name}={v!r} must be a number")
        if not 0.0 < self.tolerance < 1.0 or not math.isfinite(self.tolerance):
            raise InvalidInputError(f"tolerance={self.tolerance} must lie in (0, 1), e.g. 0.005 (or 0.5 / pool size)")
        if self.patience < 1:
            raise InvalidInputError(f"patience={self.patience} must be >= 1")
        if self.min_evaluations < 0:
            raise InvalidInputError(f"min_evaluations={self.min_evaluations} must be >= 0")

    def __call__(self, status: LoopStatus) -> bool:
        if status.num_evaluations - status.num_failed < self.min_evaluations:
            return False
        recent = status.expected_misclassified[-self.patience :]
        return len(recent) == self.patience and all(f < self.tolerance for f in recent)


@dataclass(frozen=True)
class ContourStable(StoppingRule):
    """Stop when the predicted label changed on less than ``tolerance`` of the reference points for ``patience``
    consecutive rounds.

    Example:
        >>> ContourStable(0.002, patience=2)(LoopStatus(60, 0, 14, contour_change=(0.01, 0.001, 0.0)))
        True
    """

    tolerance: float = 0.002
    patience: int = 2

    def __call__(self, status: LoopStatus) -> bool:
        recent = status.contour_change[-self.patience :]
        return len(recent) == self.patience and all(c < self.tolerance for c in recent)


#: rules a study file can record and rebuild on resume (frozen dataclasses of numbers)
_SERIALIZABLE: dict[str, type] = {
    cls.__name__: cls for cls in (MaxEvaluations, UncertainFractionBelow, ExpectedMisclassificationBelow, ContourStable)
}


def rule_to_config(rule: StoppingRule) -> dict[str, object] | None:
    """A JSON-able description of a built-in rule (``None`` for combinations and user-defined rules).

    Example:
        >>> rule_to_config(ExpectedMisclassificationBelow(0.01, min_evaluations=20))
        {'rule': 'ExpectedMisclassificationBelow', 'tolerance': 0.01, 'patience': 1, 'min_evaluations': 20}
        >>> rule_from_config(rule_to_config(UncertainFractionBelow(0.02))) == UncertainFractionBelow(0.02)
        True
    """
    from dataclasses import asdict

    if type(rule).__name__ not in _SERIALIZABLE or type(rule) is not _SERIALIZABLE[type(rule).__name__]:
        return None
    return {"rule": type(rule).__name__, **asdict(rule)}  # type: ignore[call-overload]


def rule_from_config(config: dict[str, object]) -> StoppingRule:
    """Rebuild a rule written by :func:`rule_to_config`."""
    fields = dict(config)
    name = fields.pop("rule", None)
    if name not in _SERIALIZABLE:
        raise InvalidInputError(f"stopping rule {name!r} is not one a study file records; valid: {', '.join(_SERIALIZABLE)}")
    return _SERIALIZABLE[str(name)](**fields)
