"""A small ratio classifier for likelihood-free EIG: joint vs shuffled (theta, x) pairs, amortised over designs.

The network outputs a logit ``f(theta, x, phi)``; trained with binary cross-entropy to tell joint pairs
``theta ~ p(theta), x ~ p(x | theta, phi)`` (label 1) from shuffled ones (theta re-paired with another event's x,
label 0), its optimum is ``f = log p(x | theta, phi) / p(x | phi)`` (the LFIRE / MINEBED ratio). One network takes
the design as an input, so one training run covers the whole design range.

Its form is separable (two towers):

    f(theta, x, phi) = a(theta, phi) . h(x, phi) + g(theta, phi) + u(x, phi)

so the log ratio of a whole experiment of iid events, ``sum_i f(theta, x_i, phi) = a(theta, phi) . sum_i h(x_i, phi)
+ n g(theta, phi) + const``, costs one pass over the events plus one pass over the parameter points, instead of
events x points network evaluations (what makes EIG over thousands of simulated experiments affordable). This is
deliberately small and self-contained (the general estimators live in ``active_science.ratio``); weights travel as
plain numpy arrays (no pickle).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from active_science.exceptions import InvalidInputError
from active_science.space import ParameterSpace
from active_science.threads import torch_threads

__all__ = ["ClassifierSettings", "RatioClassifier", "TrainedClassifier", "train_classifier"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClassifierSettings:
    """Size and training of the ratio classifier.

    Attributes:
        num_train: joint (theta, x, phi) events simulated for training (as many shuffled pairs are formed).
        rank: width of the separable interaction ``a . h``.
        hidden, layers: width and depth of each tower (SiLU activations).
        design_frequencies: each design coordinate u in [0, 1] also enters as ``sin, cos(2 pi 2^j u)`` for
            ``j < design_frequencies`` (Fourier features: lets a small MLP follow sharp structure over the design
            range such as a resonance, which plain coordinates learn only slowly).
        epochs, batch_size, learning_rate, weight_decay: Adam training; the epoch with the best validation loss is kept.
        validation_fraction: events held out for model selection.
        score_weight: weight ``alpha`` of the gold term ``alpha * mean ||grad_theta f - t_xz||^2 / mean ||t_xz||^2`` on
            joint events (CASCAL, SCIENCE.md section 3; dividing by the mean squared gold score makes alpha
            independent of how theta is scaled); 0 trains the plain classifier. Since
            ``E[t_xz | x, theta] = grad_theta log p(x | theta) = grad_theta f*``, the gold term teaches the network the
            theta-dependence of the ratio directly: per event that dependence is tiny (a few 1e-3 nats of mutual
            information for a narrow prior), far below what binary labels resolve, yet it is all the EIG of a
            1000-event experiment is made of.
    """

    num_train: int = 400_000
    rank: int = 16
    hidden: int = 64
    layers: int = 2
    epochs: int = 20
    batch_size: int = 512
    learning_rate: float = 3e-3
    weight_decay: float = 0.0
    validation_fraction: float = 0.1
    score_weight: float = 10.0
    design_frequencies: int = 6

    def __post_init__(self) -> None:
        if isinstance(self.design_frequencies, bool) or not isinstance(self.design_frequencies, int) or self.design_frequencies < 0:
            raise InvalidInputError(f"ClassifierSettings.design_frequencies={self.design_frequencies!r} must be an integer >= 0")
        for name in ("num_train", "rank", "hidden", "layers", "epochs", "batch_size"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InvalidInputError(f"ClassifierSettings.{name}={v!r} must be an integer >= 1")
        if not (self.learning_rate > 0 and self.weight_decay >= 0 and 0 < self.validation_fraction < 0.5 and self.score_weight >= 0):
            raise InvalidInputError(
                "ClassifierSettings: need learning_rate > 0, weight_decay >= 0, 0 < validation_fraction < 0.5, score_weight >= 0"
            )
        if self.num_train < 100:
            raise InvalidInputError(f"ClassifierSettings.num_train={self.num_train} is too small; use at least 100 events")


def design_features(u: np.ndarray, frequencies: int) -> np.ndarray:
    """`(n, k (1 + 2 F))` features of `(n, k)` unit-cube designs: ``2u - 1`` and ``sin, cos(2 pi 2^j u)``, j < F."""
    u = np.atleast_2d(np.asarray(u, dtype=float))
    feats = [2.0 * u - 1.0]
    for j in range(frequencies):
        w = 2.0 * math.pi * 2.0**j
        feats += [np.sin(w * u), np.cos(w * u)]
    return np.concatenate(feats, axis=1)


def _mlp(n_in: int, n_out: int, hidden: int, layers: int) -> nn.Sequential:
    mods: list[nn.Module] = []
    width = n_in
    for _ in range(layers):
        mods += [nn.Linear(width, hidden), nn.SiLU()]
        width = hidden
    mods.append(nn.Linear(width, n_out))
    return nn.Sequential(*mods)


class RatioClassifier(nn.Module):
    """Two-tower logit ``a(theta, phi) . h(x, phi) + g(theta, phi) + u(x, phi)`` on standardised inputs."""

    def __init__(self, theta_dim: int, x_dim: int, design_dim: int, *, rank: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.rank = rank
        self.theta_tower = _mlp(theta_dim + design_dim, rank + 1, hidden, layers)
        self.x_tower = _mlp(x_dim + design_dim, rank + 1, hidden, layers)

    def theta_embedding(self, theta: torch.Tensor, design: torch.Tensor) -> torch.Tensor:
        """`(m, rank + 1)`: ``[a, g]``."""
        return self.theta_tower(torch.cat([theta, design], dim=-1))

    def x_embedding(self, x: torch.Tensor, design: torch.Tensor) -> torch.Tensor:
        """`(n, rank + 1)`: ``[h, u]``."""
        return self.x_tower(torch.cat([x, design], dim=-1))

    def forward(self, theta: torch.Tensor, x: torch.Tensor, design: torch.Tensor) -> torch.Tensor:
        ta, xe = self.theta_embedding(theta, design), self.x_embedding(x, design)
        return (ta[:, :-1] * xe[:, :-1]).sum(-1) + ta[:, -1] + xe[:, -1]


class TrainedClassifier:
    """A fitted ratio classifier with its input standardisation; numpy in, numpy out.

    Args:
        network: the fitted ``RatioClassifier``.
        theta_loc, theta_scale: `(d,)` standardisation of theta.
        x_loc, x_scale: `(x_dim,)` standardisation of x.
        design_space: the design space (designs enter as ``2 u - 1`` in unit coordinates).
        history: validation loss per epoch.
    """

    def __init__(
        self,
        network: RatioClassifier,
        *,
        theta_loc: np.ndarray,
        theta_scale: np.ndarray,
        x_loc: np.ndarray,
        x_scale: np.ndarray,
        design_space: ParameterSpace,
        settings: ClassifierSettings,
        history: tuple[float, ...] = (),
    ) -> None:
        self.network = network.eval()
        self.theta_loc, self.theta_scale = np.asarray(theta_loc, float), np.asarray(theta_scale, float)
        self.x_loc, self.x_scale = np.asarray(x_loc, float), np.asarray(x_scale, float)
        self.design_space = design_space
        self.settings = settings
        self.history = tuple(history)

    # ----------------------------------------------------------------------------------------------- inputs
    def _t(self, a: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.array(a, dtype=np.float32))

    def _theta(self, theta: np.ndarray) -> torch.Tensor:
        return self._t((np.atleast_2d(np.asarray(theta, float)) - self.theta_loc) / self.theta_scale)

    def _x(self, x: np.ndarray) -> torch.Tensor:
        return self._t((np.asarray(x, float).reshape(-1, len(self.x_loc)) - self.x_loc) / self.x_scale)

    def _design(self, design: np.ndarray, n: int) -> torch.Tensor:
        u = self.design_space.to_unit(np.atleast_2d(np.asarray(design, float)))
        return self._t(np.broadcast_to(design_features(u, self.settings.design_frequencies), (n, self.feature_dim)))

    @property
    def feature_dim(self) -> int:
        return self.design_space.dim * (1 + 2 * self.settings.design_frequencies)

    # ----------------------------------------------------------------------------------------------- outputs
    def log_ratio(self, theta: np.ndarray, x: np.ndarray, design: np.ndarray) -> np.ndarray:
        """`(n,)` per-event ``log r_hat(x_i | theta_i, phi_i)`` for `(n, d)` theta, `(n, x_dim)` x, `(n, k)` or `(k,)` design."""
        xt = self._x(x)
        with torch.no_grad():
            return self.network(self._theta(theta).expand(len(xt), -1), xt, self._design(design, len(xt))).double().numpy()

    def log_ratio_matrix(self, x: np.ndarray, thetas: np.ndarray, design: np.ndarray) -> np.ndarray:
        """`(n, m)` ``log r_hat(x_i | theta_j, phi)`` for `(n, x_dim)` events, `(m, d)` thetas and one `(k,)` design."""
        thetas_t = self._theta(thetas)
        xt = self._x(x)
        with torch.no_grad():
            ta = self.network.theta_embedding(thetas_t, self._design(design, len(thetas_t))).double()
            xe = self.network.x_embedding(xt, self._design(design, len(xt))).double()
            return (xe[:, :-1] @ ta[:, :-1].T + ta[:, -1][None, :] + xe[:, -1:]).numpy()

    def experiment_log_ratio(self, x: np.ndarray, thetas: np.ndarray, design: np.ndarray) -> np.ndarray:
        """`(m,)` ``sum_i log r_hat(x_i | theta_j, phi)`` over the `(n, x_dim)` events of one experiment at one `(k,)`
        design, for `(m, d)` thetas (the separable form makes this one pass over events and one over thetas)."""
        return self.experiments_log_ratio([x], thetas, design)[0]

    def experiments_log_ratio(self, xs: list[np.ndarray], thetas: np.ndarray, design: np.ndarray) -> np.ndarray:
        """`(e, m)` ``sum_i log r_hat(x_i | theta_j, phi)`` for each of e experiments (events `(n_e, x_dim)`) at one design."""
        thetas_t = self._theta(thetas)
        parts = [np.asarray(x, float).reshape(-1, len(self.x_loc)) for x in xs]
        counts = np.array([len(p) for p in parts])
        with torch.no_grad():
            ta = self.network.theta_embedding(thetas_t, self._design(design, len(thetas_t))).double()
            sums = torch.zeros((len(parts), ta.shape[1]), dtype=torch.float64)
            if counts.sum() > 0:
                allx = self._x(np.concatenate(parts))
                xe = self.network.x_embedding(allx, self._design(design, len(allx))).double()
                owner = torch.as_tensor(np.repeat(np.arange(len(parts)), counts))
                sums.index_add_(0, owner, xe)
            n = torch.as_tensor(counts, dtype=torch.float64)
            return (sums[:, :-1] @ ta[:, :-1].T + n[:, None] * ta[:, -1][None, :] + sums[:, -1:]).numpy()

    # ----------------------------------------------------------------------------------------------- arrays
    def to_arrays(self) -> dict[str, np.ndarray]:
        """Weights and standardisation as named float arrays (for the study file)."""
        out = {f"net.{k}": v.detach().double().numpy() for k, v in self.network.state_dict().items()}
        out.update(theta_loc=self.theta_loc, theta_scale=self.theta_scale, x_loc=self.x_loc, x_scale=self.x_scale)
        out["history"] = np.asarray(self.history, dtype=float)
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], *, design_space: ParameterSpace, settings: ClassifierSettings) -> TrainedClassifier:
        """Rebuild from :meth:`to_arrays` output."""
        theta_dim, x_dim = len(arrays["theta_loc"]), len(arrays["x_loc"])
        net = RatioClassifier(theta_dim, x_dim, design_space.dim * (1 + 2 * settings.design_frequencies), rank=settings.rank, hidden=settings.hidden, layers=settings.layers)
        state = {k[4:]: torch.as_tensor(np.asarray(v), dtype=torch.float32) for k, v in arrays.items() if k.startswith("net.")}
        try:
            net.load_state_dict(state)
        except RuntimeError as err:
            raise InvalidInputError(f"stored classifier weights do not fit the settings {asdict(settings)}: {err}") from err
        return cls(
            net, theta_loc=arrays["theta_loc"], theta_scale=arrays["theta_scale"], x_loc=arrays["x_loc"], x_scale=arrays["x_scale"],
            design_space=design_space, settings=settings, history=tuple(np.asarray(arrays.get("history", [])).tolist()),
        )  # fmt: skip


def train_classifier(
    simulator: Any,
    sample_theta: Callable[[int, np.random.Generator], np.ndarray],
    design_space: ParameterSpace,
    *,
    settings: ClassifierSettings | None = None,
    seed: int = 0,
) -> TrainedClassifier:
    """Simulate joint events over the design range and fit the joint-vs-shuffled classifier.

    Args:
        simulator: draws ``simulate(theta (n, d), design=(n, k), seed=...)`` with one point per event.
        sample_theta: ``(n, rng) -> (n, d)`` draws from the prior the ratio refers to.
        design_space: designs are drawn uniformly from it (one per event).
        settings: network size and training.
        seed: fixes simulation, initialisation and batching.

    Example:
        >>> from active_science.simulators.weinberg import Weinberg
        >>> sim = Weinberg()
        >>> clf = train_classifier(sim, lambda n, rng: rng.uniform(0.21, 0.25, (n, 1)), sim.design_space,
        ...                        settings=ClassifierSettings(num_train=2000, epochs=1, batch_size=256), seed=0)
        >>> clf.experiment_log_ratio(np.zeros((5, 1)), np.array([[0.22], [0.24]]), [80.0]).shape
        (2,)
    """
    # one torch thread: a small network gains little from a second one while simulators share the cores
    with torch_threads(1):
        return _train(simulator, sample_theta, design_space, settings or ClassifierSettings(), seed)


def _train(simulator: Any, sample_theta: Callable[[int, np.random.Generator], np.ndarray], design_space: ParameterSpace,
           settings: ClassifierSettings, seed: int) -> TrainedClassifier:  # fmt: skip
    ss = np.random.SeedSequence(seed)
    rng = np.random.default_rng(ss.spawn(1)[0])
    n = settings.num_train
    theta = np.atleast_2d(np.asarray(sample_theta(n, rng), dtype=float))
    if theta.shape[0] != n:
        raise InvalidInputError(f"sample_theta returned {theta.shape[0]} rows for n={n}; return an (n, d) array")
    design = design_space.sample(n, seed=rng, method="random")
    use_gold = settings.score_weight > 0
    if use_gold and not getattr(simulator, "has_gold", False):
        raise InvalidInputError(
            f"simulator {getattr(simulator, 'name', simulator)!r} has no gold; set score_weight=0 to train the plain classifier"
        )
    sim = simulator.simulate(theta, seed=int(rng.integers(2**62)), num_events=n, design=design, gold=use_gold)
    x = np.asarray(sim.x, dtype=float)
    theta_loc, theta_scale = theta.mean(0), np.maximum(theta.std(0), 1e-12)
    x_loc, x_scale = x.mean(0), np.maximum(x.std(0), 1e-12)
    torch.manual_seed(int(rng.integers(2**62)))
    net = RatioClassifier(theta.shape[1], x.shape[1], design_space.dim * (1 + 2 * settings.design_frequencies), rank=settings.rank, hidden=settings.hidden, layers=settings.layers)
    out = TrainedClassifier(
        net, theta_loc=theta_loc, theta_scale=theta_scale, x_loc=x_loc, x_scale=x_scale, design_space=design_space, settings=settings
    )
    th_t, x_t, d_t = out._theta(theta), out._x(x), out._design(design, n)
    # gold score in standardised units: theta' = (theta - loc) / scale  =>  t' = scale * t
    t_t = out._t(np.asarray(sim.t_xz) * theta_scale) if use_gold else None
    t_norm = float((t_t**2).sum(-1).mean().clamp_min(1e-30)) if t_t is not None else 1.0
    n_val = max(2, int(round(settings.validation_fraction * n)))
    perm = torch.as_tensor(rng.permutation(n))
    val, tr = perm[:n_val], perm[n_val:]
    # the shuffled partners of the validation events are fixed once, so the validation loss is comparable across epochs
    val_partner = val[torch.as_tensor(rng.permutation(n_val))]
    gen = torch.Generator().manual_seed(int(rng.integers(2**62)))
    opt = torch.optim.Adam(net.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    steps = settings.epochs * math.ceil(len(tr) / settings.batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(steps, 1))
    bce = nn.BCEWithLogitsLoss()

    def loss_of(idx: torch.Tensor, partner: torch.Tensor, *, train: bool) -> torch.Tensor:
        theta_joint = th_t[idx].requires_grad_(t_t is not None)
        joint = net(theta_joint, x_t[idx], d_t[idx])
        shuffled = net(th_t[partner], x_t[idx], d_t[idx])  # theta of another event: independent of (x, phi)
        logits = torch.cat([joint, shuffled])
        labels = torch.cat([torch.ones_like(joint), torch.zeros_like(shuffled)])
        loss = bce(logits, labels)
        if t_t is not None:
            (grad,) = torch.autograd.grad(joint.sum(), theta_joint, create_graph=train)
            loss = loss + settings.score_weight * ((grad - t_t[idx]) ** 2).sum(-1).mean() / t_norm
        return loss

    best, best_state, history = math.inf, None, []
    for epoch in range(settings.epochs):
        net.train()
        order = tr[torch.randperm(len(tr), generator=gen)]
        for start in range(0, len(order), settings.batch_size):
            idx = order[start : start + settings.batch_size]
            partner = idx[torch.randperm(len(idx), generator=gen)]
            opt.zero_grad()
            loss = loss_of(idx, partner, train=True)
            loss.backward()
            opt.step()
            sched.step()
        net.eval()
        with torch.enable_grad() if t_t is not None else torch.no_grad():
            v = float(loss_of(val, val_partner, train=False).detach())
        history.append(v)
        logger.debug("classifier epoch %d: validation loss %.6f", epoch, v)
        if v < best:
            best, best_state = v, {k: t.detach().clone() for k, t in net.state_dict().items()}
    if best_state is not None:
        net.load_state_dict(best_state)
    out.network = net.eval()
    out.history = tuple(history)
    return out
