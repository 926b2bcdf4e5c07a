"""SCANDAL for a discrete observable: a conditional categorical density ``p_hat(x | theta)``, normalised by construction.

The ratio estimators (CARL ... ALICES) learn ``log r(x | theta, theta_ref)`` up to a ``theta``-dependent offset, and
a likelihood scan multiplies that offset by the number of observed events (120 for the Galton board's 60 Asimov
balls); normalising it over reference events trades the offset for their Monte-Carlo error (the issue-6 floor in the
README). A density ``p_hat(x | theta) = softmax_x(f(theta))`` over a finite support sums to 1 exactly at every
``theta``, so ``q(theta) = -2 sum_i w_i log p_hat(x_i | theta) - min`` needs neither reference events nor an
average over them.

Loss per event ``(theta, x, z)`` (SCANDAL, Brehmer, Louppe, Pavez, Cranmer 1805.12244, with the categorical density
in place of their flow):

    -log p_hat(x | theta)  +  alpha |grad_theta log p_hat(x | theta) - t(x, z | theta)|^2

The joint score ``t(x, z | theta)`` is gold from the simulator; its conditional mean is the true score, so the second
term pulls the density's theta-dependence toward the truth with far less noise than the counts alone. Both terms
depend on an event only through its cell ``(theta, x)`` and ``t``: the events are pooled into cells with counts ``c``
and summed scores ``T`` (``sum_cell |g - t_i|^2 = c |g|^2 - 2 g.T + const``) and trained full-batch, exactly the
per-event loss at the cost of a few hundred cells instead of thousands of events.

Why by hand: sbi's mixed / categorical likelihood estimators have no score term and would add sbi as a dependency;
nflows has no conditional categorical density. The network is the project's batched :class:`EnsembleMLP`.

Example:
    >>> from active_science.simulators.galton import GaltonBoard
    >>> board = GaltonBoard()
    >>> sims = [board.simulate(np.array([t]), seed=k, num_events=200, gold=True) for k, t in enumerate((-0.9, -0.5))]
    >>> est = CategoricalDensity(board.support, theta_bounds=board.space.bounds, ensemble_size=2)
    >>> est = est.append(sims).train(TrainingConfig(max_epochs=50))
    >>> p = np.exp(est.predict(board.support, [-0.7]).members)
    >>> p.shape, bool(np.allclose(p.sum(axis=1), 1.0))
    ((2, 31), True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from active_science.exceptions import InvalidInputError
from active_science.ratio.config import NetworkConfig, TrainingConfig
from active_science.ratio.ensemble import RatioPrediction
from active_science.ratio.networks import EnsembleMLP
from active_science.ratio.persistence import StoredState, json_to_array, load_module_arrays, module_arrays
from active_science.simulation import Simulation
from active_science.threads import torch_threads

__all__ = ["CategoricalDensity", "DENSITY_TRAINING"]

#: full-batch steps (not passes over minibatches): the cells are few, each step sees all of them
DENSITY_TRAINING = TrainingConfig(max_epochs=2000, learning_rate=3e-3, final_learning_rate=3e-4, patience=200)


@dataclass(frozen=True)
class _Cells:
    """Pooled events of one split: distinct thetas `(C, d)`, counts `(C, K)`, summed joint scores `(C, K, d)`."""

    theta: np.ndarray
    counts: np.ndarray
    tsum: np.ndarray

    @property
    def n(self) -> float:
        return float(self.counts.sum())


class CategoricalDensity(StoredState):
    """``p_hat(x | theta)`` over a finite support, trained by maximum likelihood plus the gold score term.

    Args:
        support: `(K,)` or `(K, x_dim)` every value ``x`` can take (the Galton board: its 31 final positions).
        theta_bounds: `(2, d)` lower and upper bounds; theta is mapped to ``[-1, 1]`` with them.
        alpha: weight of the score term (0: plain maximum likelihood, no gold needed).
        network: hidden layers of the network ``theta -> K`` logits.
        ensemble_size: independently initialised members (their spread is the epistemic uncertainty).
        seed: initialisation and the train/validation split derive from it.
        validation_fraction: share of each simulation's events held out for early stopping.
    """

    def __init__(
        self,
        support: Any,
        *,
        theta_bounds: Any,
        alpha: float = 1.0,
        network: NetworkConfig | None = None,
        ensemble_size: int = 3,
        seed: int = 0,
        validation_fraction: float = 0.2,
    ) -> None:
        sup = np.asarray(support, dtype=float)
        sup = sup[:, None] if sup.ndim == 1 else sup
        if sup.ndim != 2 or len(sup) < 2 or not np.all(np.isfinite(sup)) or len(np.unique(sup, axis=0)) != len(sup):
            raise InvalidInputError(f"support has shape {np.shape(support)}; pass (K,) or (K, x_dim) distinct finite values, K >= 2")
        bounds = np.asarray(theta_bounds, dtype=float)
        if bounds.ndim != 2 or bounds.shape[0] != 2 or not np.all(np.isfinite(bounds)) or not np.all(bounds[1] > bounds[0]):
            raise InvalidInputError(f"theta_bounds={theta_bounds!r} must be (2, d) finite [lower, upper] with lower < upper")
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not np.isfinite(alpha) or alpha < 0:
            raise InvalidInputError(f"alpha={alpha!r} must be a finite number >= 0 (0: no score term)")
        if isinstance(ensemble_size, bool) or not isinstance(ensemble_size, int) or ensemble_size < 1:
            raise InvalidInputError(f"ensemble_size={ensemble_size!r} must be a positive integer")
        v = validation_fraction
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 < v < 0.9:
            raise InvalidInputError(f"validation_fraction={v!r} must lie in (0, 0.9)")
        self.support = sup
        self.theta_bounds = bounds
        self.alpha = float(alpha)
        self.network_config = network if network is not None else NetworkConfig(hidden=(64, 64))
        self.ensemble_size = ensemble_size
        self.seed = int(seed)
        self.validation_fraction = float(v)
        self._index = {row.tobytes(): k for k, row in enumerate(sup)}
        self._cells: dict[str, dict[bytes, list[np.ndarray]]] = {"train": {}, "val": {}}
        self._num_sims = 0
        self._num_events = 0
        self.network_: EnsembleMLP | None = None
        self.history_: list[dict[str, Any]] = []

    def __repr__(self) -> str:
        return f"CategoricalDensity(K={len(self.support)}, alpha={self.alpha}, members={self.ensemble_size}, events={self._num_events})"

    @property
    def num_rows(self) -> int:
        """Training events appended so far (both splits)."""
        return self._num_events

    @property
    def dim(self) -> int:
        return self.theta_bounds.shape[1]

    # ------------------------------------------------------------------------------------------------ data
    def support_index(self, x: Any) -> np.ndarray:
        """`(n,)` position of each row of ``x`` in the support; a value outside it is an error."""
        xa = np.asarray(x, dtype=float)
        xa = xa[:, None] if xa.ndim == 1 else xa
        if xa.ndim != 2 or xa.shape[1] != self.support.shape[1]:
            raise InvalidInputError(f"x has shape {np.shape(x)}; pass (n, {self.support.shape[1]}) values of the support")
        u, inverse = np.unique(xa, axis=0, return_inverse=True)
        idx = np.array([self._index.get(row.tobytes(), -1) for row in u], dtype=np.int64)
        if np.any(idx < 0):
            bad = u[idx < 0][0].tolist()
            raise InvalidInputError(f"x value {bad} is not in the support of {len(self.support)} values; a categorical density gives it probability 0")
        return idx[np.asarray(inverse).reshape(-1)]

    def append(self, data: Simulation | Sequence[Simulation]) -> CategoricalDensity:
        """Pool simulations (``x``, ``theta`` and, for ``alpha > 0``, the joint score ``t_xz``) into cells.

        Each simulation's events are split into training and validation at random, seeded by its position in the
        order of appending, so a study rebuilt from its stored simulations splits them exactly as before.
        """
        sims = [data] if isinstance(data, Simulation) else list(data)
        for s in sims:
            n = len(s.x)
            theta = np.asarray(s.theta, dtype=float).reshape(n, -1)
            if theta.shape[1] != self.dim:
                raise InvalidInputError(f"simulation theta has {theta.shape[1]} columns; this density has {self.dim} parameters")
            if self.alpha > 0 and s.t_xz is None:
                raise InvalidInputError("a simulation has no joint score t_xz: simulate with gold=True, or set alpha=0 (no score term)")
            t = np.zeros((n, self.dim)) if s.t_xz is None else np.asarray(s.t_xz, dtype=float).reshape(n, self.dim)
            if not (np.all(np.isfinite(theta)) and np.all(np.isfinite(t))):
                raise InvalidInputError("a simulation has non-finite theta or t_xz values; drop those events before appending")
            idx = self.support_index(s.x)
            val = np.random.default_rng([self.seed, self._num_sims]).random(n) < self.validation_fraction
            for split, mask in (("train", ~val), ("val", val)):
                self._pool(split, theta[mask], idx[mask], t[mask])
            self._num_sims += 1
            self._num_events += n
        return self

    def _pool(self, split: str, theta: np.ndarray, idx: np.ndarray, t: np.ndarray) -> None:
        if len(theta) == 0:
            return
        k = len(self.support)
        u, inverse = np.unique(theta, axis=0, return_inverse=True)
        inverse = np.asarray(inverse).reshape(-1)
        for j, th in enumerate(u):
            m = inverse == j
            cell = self._cells[split].setdefault(th.tobytes(), [th, np.zeros(k), np.zeros((k, self.dim))])
            cell[1] += np.bincount(idx[m], minlength=k)
            for a in range(self.dim):
                cell[2][:, a] += np.bincount(idx[m], weights=t[m, a], minlength=k)

    def cells(self, split: str = "train") -> _Cells:
        """The pooled events of ``split`` (``"train"`` or ``"val"``)."""
        rows = list(self._cells[split].values())
        k = len(self.support)
        if not rows:
            return _Cells(np.zeros((0, self.dim)), np.zeros((0, k)), np.zeros((0, k, self.dim)))
        return _Cells(np.stack([r[0] for r in rows]), np.stack([r[1] for r in rows]), np.stack([r[2] for r in rows]))

    def rebuild_rows(self, sims: Sequence[Simulation], trained_rounds: int) -> None:
        """Replace the pooled events by ``sims`` (a resumed study's stored simulations, in their original order)."""
        self._cells = {"train": {}, "val": {}}
        self._num_sims = self._num_events = 0
        self.append(sims)
        self.history_ = [{} for _ in range(trained_rounds)]

    # ------------------------------------------------------------------------------------------------ model
    def _unit(self, theta: np.ndarray) -> torch.Tensor:
        lo, hi = self.theta_bounds
        return torch.as_tensor(2.0 * (theta - lo) / (hi - lo) - 1.0, dtype=torch.float64)

    def _log_prob_and_score(self, net: EnsembleMLP, u: torch.Tensor, score: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``log p_hat`` `(E, C, K)` at unit thetas `(C, d)` and, with ``score``, its theta-gradient `(E, C, K, d)`.

        The gradient of the log softmax comes from forward-mode differentiation of the logits (one tangent per
        parameter, ``EnsembleMLP.forward_with_tangents``), which training can backpropagate through.
        """
        z = u.unsqueeze(0).repeat(self.ensemble_size, 1, 1)
        if not score:
            return torch.log_softmax(net(z), dim=-1), None
        lo, hi = self.theta_bounds
        tangents = []
        for a in range(self.dim):
            tangent = torch.zeros_like(z)
            tangent[..., a] = 2.0 / (hi[a] - lo[a])  # d u / d theta
            tangents.append(tangent)
        logits, grads = self._logits_and_derivatives(net, z, tangents)
        logp = torch.log_softmax(logits, dim=-1)
        p = logp.exp()
        g = torch.stack([dl - (p * dl).sum(-1, keepdim=True) for dl in grads], dim=-1)
        return logp, g

    @staticmethod
    def _logits_and_derivatives(net: EnsembleMLP, z: torch.Tensor, tangents: list[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """The logits at ``z`` and their derivatives along ``tangents`` (``benchmarks.scandal_training`` swaps in
        ``torch.func.jvp`` here to time the two against each other)."""
        return net.forward_with_tangents(z, tangents)

    def _loss(self, net: EnsembleMLP, data: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """`(E,)` per-event loss of each member on pooled cells (the score term without its constant)."""
        logp, g = self._log_prob_and_score(net, data["u"], self.alpha > 0)
        c = data["counts"]
        loss = -(c * logp).sum(dim=(1, 2))
        if g is not None:
            sq = c.unsqueeze(-1) * g**2 - 2.0 * g * data["tsum"]
            loss = loss + self.alpha * sq.sum(dim=(1, 2, 3))
        return loss / c.sum().clamp_min(1.0)

    def _tensors(self, cells: _Cells) -> dict[str, torch.Tensor]:
        return {"u": self._unit(cells.theta), "counts": torch.as_tensor(cells.counts), "tsum": torch.as_tensor(cells.tsum)}

    def train(self, config: TrainingConfig | None = None, *, warm_start: bool = True) -> CategoricalDensity:
        """Full-batch Adam on the pooled training cells, early stopping per member on the validation cells.

        ``config.max_epochs`` counts full-batch steps; the learning rate decays exponentially from
        ``learning_rate`` to ``final_learning_rate`` over them; each member keeps its best validation weights.
        ``warm_start`` continues from the current weights (the active loop's retraining).
        """
        cfg = config if config is not None else DENSITY_TRAINING
        train, val = self.cells("train"), self.cells("val")
        if train.n == 0:
            raise InvalidInputError("no training events: append() simulations before train()")
        with torch_threads(cfg.num_threads):
            if self.network_ is None or not warm_start:
                gen = torch.Generator().manual_seed(self.seed)
                self.network_ = EnsembleMLP(self.ensemble_size, self.dim, len(self.support), self.network_config, generator=gen).double()
            net = self.network_
            tr, va = self._tensors(train), self._tensors(val)
            use_val = val.n > 0
            opt = torch.optim.AdamW(net.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
            decay = (cfg.final_learning_rate / cfg.learning_rate) ** (1.0 / cfg.max_epochs)
            sched = torch.optim.lr_scheduler.ExponentialLR(opt, decay)
            best = torch.full((self.ensemble_size,), float("inf"), dtype=torch.float64)
            best_state = [p.detach().clone() for p in net.parameters()]
            since = torch.zeros(self.ensemble_size, dtype=torch.long)
            step = 0
            for step in range(1, cfg.max_epochs + 1):
                loss = self._loss(net, tr)
                opt.zero_grad()
                loss.sum().backward()
                opt.step()
                sched.step()
                with torch.no_grad():
                    monitor = self._loss(net, va) if use_val else self._loss(net, tr)
                    better = monitor < best
                    best = torch.where(better, monitor, best)
                    since = torch.where(better, torch.zeros_like(since), since + 1)
                    for keep, p in zip(best_state, net.parameters()):
                        keep[better] = p.detach()[better]
                if bool((since > cfg.patience).all()):
                    break
            with torch.no_grad():
                for keep, p in zip(best_state, net.parameters()):
                    p.copy_(keep)
        self.history_.append({"steps": step, "best_val_loss": best.tolist()})
        return self

    # ------------------------------------------------------------------------------------------------ predict
    def log_prob_table(self, theta: Any) -> np.ndarray:
        """`(E, m, K)` ``log p_hat`` of every support value at `(m, d)` thetas, per member."""
        if self.network_ is None:
            raise InvalidInputError("the density is not trained yet; append() simulations and train() first")
        th = np.asarray(theta, dtype=float).reshape(-1, self.dim)
        with torch.no_grad():
            logp, _ = self._log_prob_and_score(self.network_, self._unit(th), False)
        return logp.numpy()

    def predict(self, x: Any, theta: Any, theta1: Any = None, *, score: bool = False) -> RatioPrediction:
        """Per-member ``log p_hat(x_i | theta)`` `(E, n)` at one `(d,)` theta or per-event `(n, d)` thetas.

        ``theta1`` (optional, `(d,)`): return ``log p_hat(x | theta) - log p_hat(x | theta1)`` instead, a ratio
        normalised by construction. ``score``: also the theta-gradient of ``log p_hat`` `(E, n, d)`.
        """
        idx = self.support_index(x)
        th = np.asarray(theta, dtype=float).reshape(-1, self.dim)
        if len(th) not in (1, len(idx)):
            raise InvalidInputError(f"theta has {len(th)} rows; pass one point (d,) or one per event ({len(idx)}, {self.dim})")
        if self.network_ is None:
            raise InvalidInputError("the density is not trained yet; append() simulations and train() first")
        with torch.no_grad():
            logp, g = self._log_prob_and_score(self.network_, self._unit(th), score)
        rows = np.zeros(len(idx), dtype=np.int64) if len(th) == 1 else np.arange(len(idx))
        out = logp.numpy()[:, rows, idx]
        if theta1 is not None:
            out = out - self.predict(x, theta1).members
        s = None if g is None else g.numpy()[:, rows, idx, :]
        return RatioPrediction(out, s)

    def log_ratio(self, x: Any, theta: Any, theta1: Any) -> np.ndarray:
        """Ensemble-mean ``log p_hat(x_i | theta) - log p_hat(x_i | theta1)`` `(n,)`: a ratio normalised by construction."""
        return self.predict(x, theta, theta1).log_ratio

    def log_prob(self, x: Any, theta: Any) -> np.ndarray:
        """Ensemble-mean ``log p_hat(x_i | theta)`` `(n,)`."""
        return self.predict(x, theta).log_ratio

    # ------------------------------------------------------------------------------------------------ persistence
    def config(self) -> dict[str, Any]:
        """The constructor settings (JSON-able)."""
        return {
            "support": self.support.tolist(), "theta_bounds": self.theta_bounds.tolist(), "alpha": self.alpha,
            "network": self.network_config.to_dict(), "ensemble_size": self.ensemble_size, "seed": self.seed,
            "validation_fraction": self.validation_fraction,
        }  # fmt: skip

    def state_arrays(self) -> dict[str, np.ndarray]:
        """Settings and network weights as named numeric arrays (no pickle)."""
        if self.network_ is None:
            raise InvalidInputError("an untrained density has no state to save; train() it first")
        meta = {"kind": "CategoricalDensity", "config": self.config()}
        return {"config": json_to_array(meta), **module_arrays(self.network_)}

    @classmethod
    def from_state_arrays(cls, arrays: Mapping[str, np.ndarray]) -> CategoricalDensity:
        """Rebuild a trained density from :meth:`state_arrays` (ready to predict, or to append and retrain)."""
        cfg = dict(cls.stored_meta(arrays)["config"])
        est = cls(cfg.pop("support"), network=NetworkConfig.from_dict(cfg.pop("network")), **cfg)
        est.network_ = EnsembleMLP(est.ensemble_size, est.dim, len(est.support), est.network_config, generator=torch.Generator()).double()
        load_module_arrays(est.network_, arrays)
        return est
