"""Settings of the neural ratio estimators: network shape and training, as frozen, self-validating dataclasses."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from active_science.exceptions import InvalidInputError

__all__ = ["Activation", "NetworkConfig", "TrainingConfig"]

#: smooth activations only: the score term differentiates the network output twice (create_graph=True)
Activation = Literal["tanh", "silu", "softplus"]


def _positive_int(owner: str, name: str, v: Any, minimum: int = 1) -> None:
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise InvalidInputError(f"{owner}.{name}={v!r} must be an integer >= {minimum}")


def _positive(owner: str, name: str, v: Any, *, allow_zero: bool = False) -> None:
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and (v >= 0 if allow_zero else v > 0)
    if not ok:
        raise InvalidInputError(f"{owner}.{name}={v!r} must be a {'non-negative' if allow_zero else 'positive'} number")


@dataclass(frozen=True)
class NetworkConfig:
    """A fully connected network: hidden layer widths and a smooth activation.

    Example:
        >>> NetworkConfig(hidden=(32, 32)).hidden
        (32, 32)
    """

    hidden: tuple[int, ...] = (64, 64, 64)
    activation: Activation = "tanh"

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(self.hidden))
        if not self.hidden:
            raise InvalidInputError("NetworkConfig.hidden=() needs at least one hidden layer, e.g. (64, 64)")
        for w in self.hidden:
            _positive_int("NetworkConfig", "hidden", w)
        if self.activation not in ("tanh", "silu", "softplus"):
            raise InvalidInputError(
                f"NetworkConfig.activation={self.activation!r} is not smooth or unknown; use 'tanh', 'silu' or 'softplus'"
            )

    def to_dict(self) -> dict[str, Any]:
        return {"hidden": list(self.hidden), "activation": self.activation}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> NetworkConfig:
        """The inverse of :meth:`to_dict`."""
        return cls(hidden=tuple(d["hidden"]), activation=d["activation"])


@dataclass(frozen=True)
class TrainingConfig:
    """How to train: Adam with an exponentially decaying learning rate, early stopping on a validation split.

    Args:
        max_epochs: upper bound on passes over the training rows.
        batch_size: rows per step, or None to choose ``clip(n_train / 32, 32, 512)`` (small sets get more steps).
        learning_rate: initial Adam learning rate.
        final_learning_rate: learning rate reached at ``max_epochs`` (exponential decay in between). The decay is in
            epochs whatever the data size, so ``max_epochs`` also bounds how long training makes progress: on sbibm's
            two_moons with 10 000 simulations a 300-epoch schedule stopped with the validation loss still falling
            (posterior C2ST 0.75 on one observation; the same decay over 1 000 epochs 0.69; the best 1 000-epoch
            schedule, a constant 5e-4, 0.51; ``benchmarks/sbibm.py``); compare the
            validation losses (``history_[-1].best_val_loss``) of a longer schedule before trusting a short one.
        weight_decay: decoupled weight decay (AdamW).
        validation_fraction: share of rows held out (a row keeps its split across retrains).
        patience: stop a member after this many epochs without a better validation loss (the best weights are kept).
        max_seconds: optional wall-clock budget for one ``train`` call.
        num_threads: torch intra-op threads while training (restored afterwards). Small networks gain nothing from
            more threads on busy cores (see :mod:`active_science.threads`); raise it for large batches on idle cores.

    Example:
        >>> TrainingConfig(max_epochs=10).batch_size_for(1000)
        32
    """

    max_epochs: int = 500
    batch_size: int | None = None
    learning_rate: float = 2e-3
    final_learning_rate: float = 2e-5
    weight_decay: float = 0.0
    validation_fraction: float = 0.2
    patience: int = 30
    max_seconds: float | None = None
    num_threads: int = 1

    def __post_init__(self) -> None:
        _positive_int("TrainingConfig", "max_epochs", self.max_epochs)
        _positive_int("TrainingConfig", "num_threads", self.num_threads)
        _positive_int("TrainingConfig", "patience", self.patience)
        if self.batch_size is not None:
            _positive_int("TrainingConfig", "batch_size", self.batch_size)
        _positive("TrainingConfig", "learning_rate", self.learning_rate)
        _positive("TrainingConfig", "final_learning_rate", self.final_learning_rate)
        _positive("TrainingConfig", "weight_decay", self.weight_decay, allow_zero=True)
        if self.max_seconds is not None:
            _positive("TrainingConfig", "max_seconds", self.max_seconds)
        v = self.validation_fraction
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 < v < 0.9:
            raise InvalidInputError(f"TrainingConfig.validation_fraction={v!r} must lie in (0, 0.9)")

    def batch_size_for(self, n_train: int) -> int:
        if self.batch_size is not None:
            return self.batch_size
        return int(min(512, max(32, n_train // 32)))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
