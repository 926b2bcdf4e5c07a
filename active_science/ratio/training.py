"""The training loop shared by every estimator: all ensemble members at once, early stopping per member.

Each member draws its own shuffle of the training rows, so one step feeds `(members, batch)` index tensors to the
batched network. After every epoch the validation loss of each member is compared with its best so far; a member's
best weights are kept, and training stops when every member has gone ``patience`` epochs without improving (or at
``max_epochs`` / ``max_seconds``). The learning rate decays exponentially from ``learning_rate`` to
``final_learning_rate`` over ``max_epochs``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from active_science.exceptions import InvalidInputError
from active_science.ratio.config import TrainingConfig
from active_science.threads import torch_threads

__all__ = ["TrainingHistory", "train_ensemble"]

logger = logging.getLogger(__name__)

#: loss of a batch: tensors `(E, B, ...)` and a training flag -> per-member loss `(E,)`
LossFn = Callable[[Mapping[str, torch.Tensor], bool], torch.Tensor]

_VAL_CHUNK = 8192


@dataclass(frozen=True)
class TrainingHistory:
    """What one ``train`` call did.

    Attributes:
        epochs: epochs run.
        train_loss: `(epochs, members)` mean training loss per epoch.
        val_loss: `(epochs, members)` validation loss after each epoch.
        best_epoch: `(members,)` epoch (0-based) whose weights each member kept.
        best_val_loss: `(members,)` validation loss of the kept weights.
        seconds: wall time.
        stop_reason: ``"early_stopping"``, ``"max_epochs"`` or ``"max_seconds"``.
        num_train, num_val: rows in each split.
    """

    epochs: int
    train_loss: np.ndarray
    val_loss: np.ndarray
    best_epoch: np.ndarray
    best_val_loss: np.ndarray
    seconds: float
    stop_reason: str
    num_train: int
    num_val: int


def _take(data: Mapping[str, torch.Tensor], idx: torch.Tensor) -> dict[str, torch.Tensor]:
    return {k: v[idx] for k, v in data.items()}


def _validation_loss(loss_fn: LossFn, data: Mapping[str, torch.Tensor], val_idx: torch.Tensor, members: int) -> torch.Tensor:
    total = torch.zeros(members)
    for a in range(0, len(val_idx), _VAL_CHUNK):
        chunk = val_idx[a : a + _VAL_CHUNK]
        total += loss_fn(_take(data, chunk.expand(members, -1)), False).detach() * len(chunk)
    return total / max(len(val_idx), 1)


def train_ensemble(
    module: nn.Module,
    loss_fn: LossFn,
    data: Mapping[str, torch.Tensor],
    train_idx: np.ndarray,
    val_idx: np.ndarray,
    config: TrainingConfig,
    *,
    members: int,
    generator: torch.Generator,
    progress: bool = False,
    description: str = "training",
) -> TrainingHistory:
    """Train ``module`` in place on rows ``train_idx``, early-stopping on ``val_idx``; keeps each member's best weights.

    Example:
        >>> from active_science.ratio.networks import EnsembleMLP
        >>> from active_science.ratio.config import NetworkConfig
        >>> g = torch.Generator().manual_seed(0)
        >>> net = EnsembleMLP(2, 1, 1, NetworkConfig(hidden=(16,)), generator=g)
        >>> data = {"x": torch.linspace(-1, 1, 200)[:, None]}
        >>> mse = lambda b, training: ((net(b["x"]) - 2 * b["x"]) ** 2).mean(dim=(1, 2))
        >>> h = train_ensemble(net, mse, data, np.arange(0, 200, 2), np.arange(1, 200, 2),
        ...                    TrainingConfig(max_epochs=100, batch_size=100, learning_rate=3e-2), members=2, generator=g)
        >>> bool(h.best_val_loss.max() < 1e-2)
        True
    """
    with torch_threads(config.num_threads):
        return _train(module, loss_fn, data, train_idx, val_idx, config, members=members, generator=generator,
                      progress=progress, description=description)  # fmt: skip


def _train(
    module: nn.Module,
    loss_fn: LossFn,
    data: Mapping[str, torch.Tensor],
    train_idx: np.ndarray,
    val_idx: np.ndarray,
    config: TrainingConfig,
    *,
    members: int,
    generator: torch.Generator,
    progress: bool,
    description: str,
) -> TrainingHistory:
    if len(train_idx) == 0 or len(val_idx) == 0:
        raise InvalidInputError(
            f"{len(train_idx)} training and {len(val_idx)} validation rows: simulate more events or change validation_fraction"
        )
    params = [p for p in module.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=config.weight_decay)
    gamma = (config.final_learning_rate / config.learning_rate) ** (1.0 / config.max_epochs)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=gamma)
    tr = torch.as_tensor(train_idx, dtype=torch.long)
    va = torch.as_tensor(val_idx, dtype=torch.long)
    batch = config.batch_size_for(len(tr))
    best = [p.detach().clone() for p in params]
    best_val = torch.full((members,), float("inf"))
    best_epoch = np.zeros(members, dtype=int)
    wait = torch.zeros(members, dtype=torch.long)
    train_hist: list[np.ndarray] = []
    val_hist: list[np.ndarray] = []
    start = time.perf_counter()
    stop_reason = "max_epochs"
    bar = tqdm(total=config.max_epochs, desc=description, disable=not progress, leave=False)
    try:
        for epoch in range(config.max_epochs):
            order = tr[torch.argsort(torch.rand(members, len(tr), generator=generator), dim=1)]
            epoch_loss = torch.zeros(members)
            steps = 0
            module.train()
            for a in range(0, len(tr), batch):
                loss = loss_fn(_take(data, order[:, a : a + batch]), True)
                optimizer.zero_grad(set_to_none=True)
                loss.sum().backward()
                optimizer.step()
                epoch_loss += loss.detach()
                steps += 1
            scheduler.step()
            module.eval()
            val = _validation_loss(loss_fn, data, va, members)
            train_hist.append((epoch_loss / steps).numpy())
            val_hist.append(val.numpy())
            improved = val < best_val
            if improved.any():
                with torch.no_grad():
                    for p, b in zip(params, best):
                        b[improved] = p[improved]
                best_val = torch.where(improved, val, best_val)
                best_epoch[improved.numpy()] = epoch
            wait = torch.where(improved, torch.zeros_like(wait), wait + 1)
            bar.update(1)
            bar.set_postfix(val=f"{float(best_val.mean()):.4g}")
            if not torch.isfinite(val).all():
                logger.warning("non-finite validation loss at epoch %d (members %s)", epoch, torch.nonzero(~torch.isfinite(val)).ravel().tolist())
            if bool((wait >= config.patience).all()):
                stop_reason = "early_stopping"
                break
            if config.max_seconds is not None and time.perf_counter() - start > config.max_seconds:
                stop_reason = "max_seconds"
                break
    finally:
        bar.close()
        with torch.no_grad():
            for p, b in zip(params, best):
                p.copy_(b)
    seconds = time.perf_counter() - start
    logger.info("%s: %d epochs in %.1f s (%s), best validation loss %s", description, len(val_hist), seconds, stop_reason, best_val.numpy())
    return TrainingHistory(
        epochs=len(val_hist),
        train_loss=np.asarray(train_hist),
        val_loss=np.asarray(val_hist),
        best_epoch=best_epoch,
        best_val_loss=best_val.numpy(),
        seconds=seconds,
        stop_reason=stop_reason,
        num_train=len(tr),
        num_val=len(va),
    )
