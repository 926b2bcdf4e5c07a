"""SALLY and SALLINO: learn the local score at a reference point, then do inference on it with histograms.

A network ``t_hat(x)`` is regressed on the joint score ``t(x, z | theta_ref)`` of events drawn at ``theta_ref``
(``mean ||t_hat(x) - t_xz||^2``, minimised by ``t(x | theta_ref)``): the locally sufficient statistic. Inference
then needs the density of the summary at each parameter point, from fresh simulations (``fit_densities``):

- ``sally``: histogram of ``t_hat(x)`` `(d,)`;
- ``sallino``: histogram of the scalar ``h = t_hat(x) . (theta - theta_ref)``, per point (1D whatever ``d``).

``log_ratio(x, theta) = log p_hat(summary | theta) - log p_hat(summary | theta_ref)`` at fitted points, on bins
shared by the two samples.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import torch

from active_science.exceptions import InvalidInputError
from active_science.ratio.config import NetworkConfig, TrainingConfig
from active_science.ratio.histogram import HistogramDensity, default_bins, shared_edges
from active_science.ratio.mining import spawn_seeds
from active_science.ratio.networks import ScoreNetwork
from active_science.ratio.persistence import StoredState, json_to_array, load_module_arrays, module_arrays
from active_science.ratio.training import TrainingHistory, train_ensemble
from active_science.simulation import Simulation

__all__ = ["ScoreEstimator"]


class ScoreEstimator(StoredState):
    """SALLY / SALLINO around ``theta_ref`` (an ensemble of ``ensemble_size`` score networks).

    Example:
        >>> from active_science.simulators.gaussian import GaussianToy
        >>> sim = GaussianToy()
        >>> est = ScoreEstimator([0.0], network=NetworkConfig(hidden=(16,)))
        >>> est = est.append(sim.simulate([0.0], seed=0, num_events=2000, gold=True)).train(TrainingConfig(max_epochs=30, batch_size=400, learning_rate=0.01))
        >>> bool(abs(est.score(np.array([[2.0]]))[0, 0] - 0.4) < 0.1)   # t(x | 0) = x / 5
        True
    """

    def __init__(
        self,
        theta_ref: Any,
        *,
        method: Literal["sally", "sallino"] = "sally",
        network: NetworkConfig | None = None,
        ensemble_size: int = 1,
        seed: int = 0,
    ) -> None:
        if method not in ("sally", "sallino"):
            raise InvalidInputError(f"method={method!r} must be 'sally' or 'sallino'")
        self.theta_ref = np.asarray(theta_ref, dtype=float).reshape(-1)
        self.method = method
        self.network_config = network if network is not None else NetworkConfig()
        if isinstance(ensemble_size, bool) or not isinstance(ensemble_size, int) or ensemble_size < 1:
            raise InvalidInputError(f"ensemble_size={ensemble_size!r} must be a positive integer")
        self.ensemble_size = ensemble_size
        self.seed = int(seed)
        self._x: list[np.ndarray] = []
        self._t: list[np.ndarray] = []
        self.network_: ScoreNetwork | None = None
        self.scales_: dict[str, np.ndarray] = {}
        self.history_: list[TrainingHistory] = []
        self.densities_: dict[bytes, tuple[np.ndarray, HistogramDensity, HistogramDensity]] = {}

    # ------------------------------------------------------------------------------------------------ training
    def append(self, sims: Simulation | Sequence[Simulation]) -> ScoreEstimator:
        """Add events drawn at ``theta_ref`` with their joint score (``gold=True``)."""
        for s in [sims] if isinstance(sims, Simulation) else list(sims):
            if s.t_xz is None:
                raise InvalidInputError(f"{self.method} regresses on the joint score: simulate at theta_ref with gold=True")
            if s.theta.shape[1] != self.theta_ref.shape[0] or not np.allclose(s.theta, self.theta_ref):
                raise InvalidInputError(f"{self.method} learns the score at theta_ref={self.theta_ref.tolist()}: simulate there")
            self._x.append(s.x)
            self._t.append(s.t_xz)
        return self

    def train(self, config: TrainingConfig | None = None, *, warm_start: bool = True, progress: bool = False) -> ScoreEstimator:
        """Fit ``t_hat(x)`` on all appended events (warm start from the current weights if trained)."""
        config = config if config is not None else TrainingConfig()
        if not self._x:
            raise InvalidInputError("no training data: append simulations at theta_ref first")
        x, t = np.concatenate(self._x), np.concatenate(self._t)
        if self.network_ is None or not warm_start:
            sd_x, sd_t = x.std(axis=0), t.std(axis=0)
            self.scales_ = {
                "x_mean": x.mean(axis=0), "x_std": np.where(sd_x > 0, sd_x, 1.0),
                "t_mean": t.mean(axis=0), "t_std": np.where(sd_t > 0, sd_t, 1.0),
            }  # fmt: skip
            gen = torch.Generator().manual_seed(self.seed)
            self.network_ = ScoreNetwork(self.ensemble_size, x.shape[1], t.shape[1], self.network_config, generator=gen)
        sc = self.scales_
        data = {
            "x": torch.as_tensor((x - sc["x_mean"]) / sc["x_std"], dtype=torch.float32),
            "t": torch.as_tensor((t - sc["t_mean"]) / sc["t_std"], dtype=torch.float32),
        }
        net = self.network_
        val = np.random.default_rng([self.seed, 1]).random(len(x)) < config.validation_fraction

        def loss(b: Mapping[str, torch.Tensor], training: bool) -> torch.Tensor:
            return ((net(b["x"]) - b["t"]) ** 2).sum(dim=-1).mean(dim=1)

        gen = torch.Generator().manual_seed(self.seed + 1 + len(self.history_))
        self.history_.append(
            train_ensemble(net, loss, data, np.flatnonzero(~val), np.flatnonzero(val), config, members=self.ensemble_size,
                           generator=gen, progress=progress, description=f"{self.method} ({len(x)} events)")
        )  # fmt: skip
        return self

    # ------------------------------------------------------------------------------------------------ prediction
    def score_members(self, x: np.ndarray) -> np.ndarray:
        """Per-member estimated score ``t_hat(x)`` `(members, n, d)`."""
        if self.network_ is None:
            raise InvalidInputError("the estimator is not trained: call append(...).train() first")
        sc = self.scales_
        x = np.asarray(x, dtype=float).reshape(len(x), -1)
        xt = torch.as_tensor((x - sc["x_mean"]) / sc["x_std"], dtype=torch.float32).expand(self.ensemble_size, -1, -1)
        with torch.no_grad():
            out = self.network_(xt).double().numpy()
        return out * sc["t_std"] + sc["t_mean"]

    def score(self, x: np.ndarray) -> np.ndarray:
        """Ensemble-mean estimated score ``t(x | theta_ref)`` `(n, d)`."""
        return self.score_members(x).mean(axis=0)

    def summary(self, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """The statistic histogrammed at ``theta``: ``t_hat(x)`` `(n, d)` (sally) or ``t_hat . dtheta`` `(n, 1)`."""
        t = self.score(x)
        if self.method == "sally":
            return t
        return (t @ (np.asarray(theta, dtype=float).reshape(-1) - self.theta_ref))[:, None]

    def fit_densities(self, simulator: Any, thetas: np.ndarray, *, num_events: int, seed: int, bins: int | None = None) -> ScoreEstimator:
        """Histogram the summary with ``num_events`` fresh events at each of `(m, d)` ``thetas`` and at ``theta_ref``.

        Costs ``num_events * (m + 1)`` simulations.
        """
        thetas = np.asarray(thetas, dtype=float).reshape(-1, self.theta_ref.shape[0])
        seeds = spawn_seeds(seed, len(thetas) + 1)
        x_ref = simulator.simulate(self.theta_ref, seed=seeds[0], num_events=num_events).x
        bins = default_bins(num_events) if bins is None else int(bins)
        for th, s in zip(thetas, seeds[1:]):
            x = simulator.simulate(th, seed=s, num_events=num_events).x
            a, b = self.summary(x, th), self.summary(x_ref, th)
            edges = shared_edges([a, b], bins)
            self.densities_[th.tobytes()] = (th.copy(), HistogramDensity.fit(a, edges), HistogramDensity.fit(b, edges))
        return self

    def log_ratio(self, x: np.ndarray, theta: Any) -> np.ndarray:
        """``log p_hat(summary(x) | theta) - log p_hat(summary(x) | theta_ref)`` `(n,)` at a fitted ``theta`` `(d,)`."""
        theta = np.asarray(theta, dtype=float).reshape(-1)
        if theta.tobytes() not in self.densities_:
            raise InvalidInputError(f"no histogram at theta={theta.tolist()}; call fit_densities(simulator, [theta], ...) first")
        _, num, ref = self.densities_[theta.tobytes()]
        s = self.summary(x, theta)
        return num.log_prob(s) - ref.log_prob(s)

    # ------------------------------------------------------------------------------------------------ persistence
    def state_arrays(self) -> dict[str, np.ndarray]:
        """Settings, scales, network weights and fitted histograms as named numeric arrays."""
        if self.network_ is None:
            raise InvalidInputError("an untrained estimator has no state to save; train() it first")
        cfg = {"kind": "ScoreEstimator", "theta_ref": self.theta_ref.tolist(), "method": self.method,
               "network": self.network_config.to_dict(), "ensemble_size": self.ensemble_size, "seed": self.seed,
               "dims": [int(self.scales_["x_mean"].shape[0]), int(self.theta_ref.shape[0])],
               "densities": len(self.densities_), "edges": [len(d[1].edges) for d in self.densities_.values()]}  # fmt: skip
        out = {"config": json_to_array(cfg), **{f"scales.{k}": v for k, v in self.scales_.items()}, **module_arrays(self.network_)}
        for i, (th, num, ref) in enumerate(self.densities_.values()):
            out[f"density.{i}.theta"] = th
            out[f"density.{i}.num"] = num.log_mass
            out[f"density.{i}.ref"] = ref.log_mass
            for j, e in enumerate(num.edges):
                out[f"density.{i}.edges.{j}"] = e
        return out

    @classmethod
    def from_state_arrays(cls, arrays: Mapping[str, np.ndarray]) -> ScoreEstimator:
        cfg = cls.stored_meta(arrays)
        net_cfg = NetworkConfig.from_dict(cfg["network"])
        est = cls(cfg["theta_ref"], method=cfg["method"], network=net_cfg, ensemble_size=cfg["ensemble_size"], seed=cfg["seed"])
        est.scales_ = {k.split(".", 1)[1]: np.asarray(v, dtype=float) for k, v in arrays.items() if k.startswith("scales.")}
        x_dim, d = cfg["dims"]
        est.network_ = ScoreNetwork(est.ensemble_size, x_dim, d, net_cfg, generator=torch.Generator())
        load_module_arrays(est.network_, arrays)
        for i, n_edges in enumerate(cfg["edges"]):
            th = np.asarray(arrays[f"density.{i}.theta"], dtype=float)
            edges = tuple(np.asarray(arrays[f"density.{i}.edges.{j}"], dtype=float) for j in range(n_edges))
            est.densities_[th.tobytes()] = (
                th, HistogramDensity(edges, np.asarray(arrays[f"density.{i}.num"])), HistogramDensity(edges, np.asarray(arrays[f"density.{i}.ref"]))
            )
        return est
