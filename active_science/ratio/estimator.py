"""RatioEstimator: learn ``log r(x | theta0, theta1)`` with CARL, ROLR, CASCAL, RASCAL, ALICE or ALICES.

sbi-like verbs: ``RatioEstimator(method, ...)``, ``.append(simulations)`` (as often as data arrives),
``.train() -> self`` (warm-started from the current weights when called again on the grown data), then
``.log_ratio(x, theta)``, ``.score(x, theta)`` or ``.predict(...)`` (ensemble mean and spread).

Three parameterisations (``mode``):

- ``theta_ref=...`` (``"reference"``): ``f(x, theta) = log p(x | theta) / p(x | theta_ref)``, singly parameterised;
- ``theta_ref=None`` (``"marginal"``): ``f(x, theta) = log p(x | theta) / p(x)``, the NRE classifier between joint
  and shuffled ``(theta, x)`` pairs; posterior ``p(theta | x) = prior(theta) exp(f)``. Works without gold (CARL) or
  with the joint score (CASCAL); joint ratios against a marginal do not exist, so ROLR/ALICE need another mode;
- ``doubly=True`` (``"doubly"``): ``f(x, theta0, theta1)`` antisymmetric; the score term for ``y = 1`` rows fits
  ``grad_theta1 f`` to ``-t(x, z | theta1)`` (the sign MadMiner got wrong).

Scores are learnt and reported in the user's parameter units; internally ``theta`` is standardised and gold scores
rescaled to match (:mod:`~active_science.ratio.standardize`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from active_science.exceptions import InvalidInputError
from active_science.ratio import losses
from active_science.ratio.config import NetworkConfig, TrainingConfig
from active_science.ratio.dataset import RatioRows, fill_missing_partners, rows_from_simulation
from active_science.ratio.ensemble import RatioPrediction
from active_science.ratio.methods import MethodName, method_spec
from active_science.ratio.networks import Mode, RatioNetwork
from active_science.ratio.persistence import StoredState, json_to_array, load_module_arrays, module_arrays
from active_science.ratio.standardize import Standardizer
from active_science.ratio.training import TrainingHistory, train_ensemble
from active_science.simulation import Simulation
from active_science.threads import torch_threads

__all__ = ["RatioEstimator"]

logger = logging.getLogger(__name__)

_CHUNK = 32768
_VAL_SHUFFLE_SEED = 918273


def _seed_ints(*parts: int) -> int:
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1)[0])


class RatioEstimator(StoredState):
    """A neural likelihood-ratio estimator (an ensemble of ``ensemble_size`` networks trained together).

    Args:
        method: ``"carl"``, ``"rolr"``, ``"cascal"``, ``"rascal"``, ``"alice"`` or ``"alices"``.
        theta_ref: `(d,)` fixed denominator point (singly parameterised); None: the marginal ``p(x)``.
        doubly: parameterise in both ``theta0`` and ``theta1`` (``theta_ref`` must be None).
        alpha: weight of the score term (CASCAL, RASCAL, ALICES), in standardised-theta units.
        anchored: in reference mode, build ``f(x, theta_ref) = 0`` into the network.
        clip_log_r: ROLR clips true and estimated log ratios to ``+-clip_log_r``.
        network: hidden layers and activation.
        ensemble_size: number of members (mean = estimate, spread = uncertainty).
        seed: seeds initialisation, shuffling and the validation split.
        negatives: marginal mode only: shuffled partners per joint pair in every batch (``y = 1`` rows, weighted
            ``1 / negatives`` so both classes keep equal weight and the optimal logit is still ``log r``). More
            negatives cost a little compute and no simulations, and lower the variance of the classifier's
            gradient (the idea behind NRE-C's contrastive classes, kept as a binary cross-entropy).

    Example:
        >>> from active_science.simulators.gaussian import GaussianToy
        >>> from active_science.ratio.mining import reference_training_set
        >>> sim = GaussianToy()
        >>> sims = reference_training_set(sim, sim.space.sample(500, seed=0), np.array([0.0]), seed=1)
        >>> est = RatioEstimator("alices", theta_ref=[0.0], network=NetworkConfig(hidden=(16,)))
        >>> est = est.append(sims).train(TrainingConfig(max_epochs=40, batch_size=250, learning_rate=0.02))
        >>> x = np.array([[-2.0], [0.0], [2.0]])
        >>> exact = sim.log_likelihood(x, [0.5]) - sim.log_likelihood(x, [0.0])   # (x - 0.25) / 10 * 2 * 0.5
        >>> bool(np.abs(est.log_ratio(x, [0.5]) - exact).max() < 0.1)   # exact: -0.15, 0.05, 0.25
        True
    """

    def __init__(
        self,
        method: MethodName = "carl",
        *,
        theta_ref: Any = None,
        doubly: bool = False,
        alpha: float = 1.0,
        anchored: bool = True,
        clip_log_r: float = 10.0,
        network: NetworkConfig | None = None,
        ensemble_size: int = 1,
        seed: int = 0,
        negatives: int = 1,
    ) -> None:
        self.spec = method_spec(method)
        self.method = method
        if doubly and theta_ref is not None:
            raise InvalidInputError("doubly=True learns r(x | theta0, theta1) for any theta1: drop theta_ref")
        self.mode: Mode = "doubly" if doubly else ("marginal" if theta_ref is None else "reference")
        if self.mode == "marginal" and self.spec.needs_log_r:
            raise InvalidInputError(
                f"method {method!r} regresses on joint ratios, which need a reference point: pass theta_ref=... or "
                "doubly=True, or use 'carl' / 'cascal' against the marginal"
            )
        self.theta_ref = None if theta_ref is None else np.asarray(theta_ref, dtype=float).reshape(-1)
        if self.theta_ref is not None and not np.all(np.isfinite(self.theta_ref)):
            raise InvalidInputError(f"theta_ref={theta_ref!r} must be finite")
        for label, v in (("alpha", alpha), ("clip_log_r", clip_log_r)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or v < 0:
                raise InvalidInputError(f"{label}={v!r} must be a finite number >= 0")
        if isinstance(ensemble_size, bool) or not isinstance(ensemble_size, int) or ensemble_size < 1:
            raise InvalidInputError(f"ensemble_size={ensemble_size!r} must be a positive integer")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise InvalidInputError(f"seed={seed!r} must be a non-negative integer")
        if isinstance(negatives, bool) or not isinstance(negatives, (int, np.integer)) or negatives < 1:
            raise InvalidInputError(f"negatives={negatives!r} must be a positive integer (shuffled partners per joint pair)")
        if negatives > 1 and self.mode != "marginal":
            raise InvalidInputError(f"negatives={negatives} applies to the marginal mode only (theta_ref=None, doubly=False)")
        self.alpha = float(alpha)
        self.anchored = bool(anchored)
        self.clip_log_r = float(clip_log_r)
        self.network_config = network if network is not None else NetworkConfig()
        self.ensemble_size = ensemble_size
        self.seed = int(seed)
        self.negatives = int(negatives)
        self.dims_: tuple[int, int] | None = None  # (x_dim, theta_dim)
        self.standardizer_: Standardizer | None = None
        self.network_: RatioNetwork | None = None
        self.history_: list[TrainingHistory] = []
        self._rows: list[RatioRows] = []
        self._split: list[np.ndarray] = []

    def __repr__(self) -> str:
        where = f"theta_ref={self.theta_ref.tolist()}" if self.theta_ref is not None else self.mode
        return f"RatioEstimator({self.method!r}, {where}, ensemble_size={self.ensemble_size}, rows={self.num_rows})"

    # ------------------------------------------------------------------------------------------------ data
    @property
    def num_rows(self) -> int:
        return int(sum(len(r) for r in self._rows))

    def append(self, data: Simulation | Sequence[Simulation] | RatioRows) -> RatioEstimator:
        """Add training data: simulations (turned into rows for this estimator's mode) or ready ``RatioRows``."""
        parts = [data] if isinstance(data, (Simulation, RatioRows)) else list(data)
        for part in parts:
            if isinstance(part, Simulation):
                rows = rows_from_simulation(part, mode=self.mode, theta_ref=self.theta_ref)
            elif isinstance(part, RatioRows):
                rows = part
            else:
                raise InvalidInputError(f"cannot append {type(part).__name__}; pass Simulation objects or RatioRows")
            dims = (rows.x.shape[1], rows.theta0.shape[1])
            if self.dims_ is not None and dims != self.dims_:
                raise InvalidInputError(f"appended events have (x_dim, theta_dim) = {dims}, earlier ones {self.dims_}")
            if self.theta_ref is not None and dims[1] != self.theta_ref.shape[0]:
                raise InvalidInputError(f"theta_ref has {self.theta_ref.shape[0]} entries but the simulations have {dims[1]} parameters")
            self.dims_ = dims
            # a row's split is drawn once, so warm-started retraining never validates on rows it trained on
            rng = np.random.default_rng(_seed_ints(self.seed, 1, self.num_rows))
            self._rows.append(rows)
            self._split.append(rng.random(len(rows)))
        return self

    def rebuild_rows(self, sims: Sequence[Simulation], trained_rounds: int) -> None:
        """Replace the rows by ``sims`` (a resumed study's stored simulations, in their original order): rows and
        their train/validation split come back exactly as before, and the warm-start seeds stay in step."""
        self._rows, self._split = [], []
        self.append(sims)
        self.history_ = [None] * trained_rounds  # type: ignore[list-item]

    def rows(self) -> RatioRows:
        """All training rows appended so far (partners of gold-less rows not yet drawn)."""
        return RatioRows.concatenate(self._rows)

    def _check_gold(self, rows: RatioRows) -> None:
        n = len(rows)
        if self.spec.needs_log_r:
            missing = int(np.sum(~np.isfinite(rows.log_r_xz)))
            if missing:
                raise InvalidInputError(
                    f"method {self.method!r} needs log_r_xz on every row but {missing} of {n} rows lack it; simulate with "
                    "gold=True and each event's partner in theta_refs (active_science.ratio.mining), or use method='carl'"
                )
        if self.spec.uses_score:
            wanted = (rows.y < 0.5) if self.mode != "doubly" else np.ones(n, dtype=bool)
            have = np.all(np.isfinite(rows.t_xz), axis=1) & wanted
            if not have.any():
                raise InvalidInputError(f"method {self.method!r} needs the joint score t_xz; simulate with gold=True or use method='carl'")
            if have.sum() < wanted.sum():
                logger.warning("%d of %d rows lack t_xz: the score term ignores them", int(wanted.sum() - have.sum()), int(wanted.sum()))

    def _tensors(self, rows: RatioRows) -> dict[str, torch.Tensor]:
        st = self.standardizer_
        assert st is not None

        def f32(a: np.ndarray) -> torch.Tensor:
            return torch.as_tensor(np.nan_to_num(a), dtype=torch.float32)

        y = rows.y
        w = np.ones(len(rows))
        if self.mode != "marginal":
            n1 = max(int(np.sum(y > 0.5)), 1)
            n0 = max(len(y) - int(np.sum(y > 0.5)), 1)
            w = np.where(y > 0.5, 0.5 * len(y) / n1, 0.5 * len(y) / n0)  # balanced classes, whatever the counts
        return {
            "x": f32(st.x(rows.x)),
            "theta0": f32(st.theta(rows.theta0)),
            "theta1": f32(st.theta(rows.theta1)),
            "y": f32(y),
            "w": f32(w),
            "log_r": f32(rows.log_r_xz),
            "t": f32(st.score_to_standard(rows.t_xz)),
            "has_t": torch.as_tensor(np.all(np.isfinite(rows.t_xz), axis=1)),
        }

    # ------------------------------------------------------------------------------------------------ training
    def _build(self, rows: RatioRows) -> None:
        thetas = [rows.theta0]
        if self.mode == "doubly":
            thetas.append(rows.theta1)
        all_theta = np.concatenate(thetas)
        self.standardizer_ = Standardizer.fit(rows.x, all_theta[np.all(np.isfinite(all_theta), axis=1)])
        anchor = None
        if self.mode == "reference" and self.anchored:
            assert self.theta_ref is not None
            anchor = torch.as_tensor(self.standardizer_.theta(self.theta_ref), dtype=torch.float32)
        x_dim, theta_dim = rows.x.shape[1], rows.theta0.shape[1]
        gen = torch.Generator().manual_seed(_seed_ints(self.seed, 2))
        self.network_ = RatioNetwork(self.mode, self.ensemble_size, x_dim, theta_dim, self.network_config, anchor=anchor, generator=gen)

    def train(self, config: TrainingConfig | None = None, *, warm_start: bool = True, progress: bool = False) -> RatioEstimator:
        """Fit on every row appended so far; continue from the current weights if ``warm_start`` (and trained).

        Returns ``self``; ``history_[-1]`` describes the run (epochs, losses, stop reason, seconds).
        """
        config = config if config is not None else TrainingConfig()
        if not self._rows:
            raise InvalidInputError("no training data: call append(simulations) before train()")
        rows = self.rows()
        split = np.concatenate(self._split)
        rows = fill_missing_partners(rows, mode=self.mode, rng=np.random.default_rng(_seed_ints(self.seed, 3, len(rows))))
        self._check_gold(rows)
        if self.network_ is None or not warm_start:
            self._build(rows)
        data = self._tensors(rows)
        val = split < config.validation_fraction
        gen = torch.Generator().manual_seed(_seed_ints(self.seed, 4, len(self.history_)))
        assert self.network_ is not None
        history = train_ensemble(
            self.network_,
            lambda batch, training: self._loss(batch, training, gen),
            data,
            np.flatnonzero(~val),
            np.flatnonzero(val),
            config,
            members=self.ensemble_size,
            generator=gen,
            progress=progress,
            description=f"{self.method} ({len(rows)} rows)",
        )
        self.history_.append(history)
        return self

    def _loss(self, b: Mapping[str, torch.Tensor], training: bool, gen: torch.Generator) -> torch.Tensor:
        net = self.network_
        assert net is not None
        x, th0, y, w = b["x"], b["theta0"], b["y"], b["w"]
        need_score = self.spec.uses_score
        if self.mode == "marginal":
            # y = 1 rows: the same x with theta shuffled within the batch (samples of p(x) p(theta)), `negatives`
            # shuffles per joint pair, each weighted 1 / negatives (equal class weights: the optimal logit stays log r)
            g = gen if training else torch.Generator().manual_seed(_VAL_SHUFFLE_SEED)
            k = self.negatives
            perm = torch.argsort(torch.rand(x.shape[0], k, x.shape[1], generator=g), dim=2).reshape(x.shape[0], -1)
            shuffled = torch.gather(th0, 1, perm[..., None].expand(-1, -1, th0.shape[-1]))
            x, th0 = torch.cat([x] * (k + 1), 1), torch.cat([th0, shuffled], 1).requires_grad_(need_score)
            y = torch.cat([torch.zeros_like(y), torch.ones_like(y).repeat(1, k)], 1)
            w = torch.cat([w, w.repeat(1, k) / k], 1)
            f = net(x, th0)
            loss = losses.cross_entropy(f, y, w)
            if need_score:
                (grad,) = torch.autograd.grad(f.sum(), th0, create_graph=training)
                mask = torch.cat([b["has_t"], torch.zeros_like(b["has_t"]).repeat(1, k)], 1)
                t = torch.cat([b["t"], torch.zeros_like(b["t"]).repeat(1, k, 1)], 1)
                loss = loss + self.alpha * losses.score_regression(grad, t, mask, w)
            return loss
        th0 = th0.clone().requires_grad_(need_score)
        th1 = b["theta1"].clone().requires_grad_(need_score) if self.mode == "doubly" else None
        f = net(x, th0, th1)
        score_term = None
        if need_score:
            mask0 = b["has_t"] & (y < 0.5)
            if th1 is not None:
                g0, g1 = torch.autograd.grad(f.sum(), [th0, th1], create_graph=training)
                # y = 1 rows of a doubly parameterised net: grad_theta1 log r(x | theta0, theta1) = -t(x | theta1)
                mask1 = b["has_t"] & (y > 0.5)
                t_hat = torch.where(mask0[..., None], g0, g1)
                target = torch.where(mask0[..., None], b["t"], -b["t"])
                score_term = losses.score_regression(t_hat, target, mask0 | mask1, w)
            else:
                (g0,) = torch.autograd.grad(f.sum(), th0, create_graph=training)
                score_term = losses.score_regression(g0, b["t"], mask0, w)
        return losses.method_loss(self.spec, f, y, w, log_r_xz=b["log_r"], score_term=score_term, alpha=self.alpha, clip=self.clip_log_r)

    # ------------------------------------------------------------------------------------------------ prediction
    def _inputs(self, x: Any, theta: Any, theta1: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        if self.network_ is None or self.standardizer_ is None or self.dims_ is None:
            raise InvalidInputError("the estimator is not trained: call append(...).train() or load() first")
        x_dim, d = self.dims_
        x = np.asarray(x, dtype=float)
        x = x.reshape(-1, 1) if (x.ndim == 1 and x_dim == 1) else x
        if x.ndim != 2 or x.shape[1] != x_dim:
            raise InvalidInputError(f"x has shape {x.shape}; pass (n, {x_dim}) events")
        n = x.shape[0]

        def points(name: str, v: Any) -> np.ndarray:
            arr = np.asarray(v, dtype=float)
            if arr.shape == (d,) or arr.shape == (n, d):
                return np.broadcast_to(arr, (n, d))
            raise InvalidInputError(f"{name} has shape {arr.shape}; pass ({d},) or ({n}, {d})")

        th1 = None
        if self.mode == "doubly":
            if theta1 is None:
                raise InvalidInputError("a doubly parameterised estimator needs theta1: log_ratio(x, theta0, theta1)")
            th1 = points("theta1", theta1)
        elif theta1 is not None:
            raise InvalidInputError(f"this estimator's denominator is fixed ({self.mode}); call log_ratio(x, theta) without theta1")
        return x, points("theta", theta), th1

    def predict(self, x: Any, theta: Any, theta1: Any = None, *, score: bool = False) -> RatioPrediction:
        """Per-member ``log r_hat`` (and scores ``grad_theta log r_hat`` in the user's units if ``score``).

        Args:
            x: `(n, x_dim)` events.
            theta: `(d,)` or `(n, d)` numerator point(s).
            theta1: `(d,)` or `(n, d)` denominator point(s), doubly parameterised estimators only.
        """
        with torch_threads():
            return self._predict(*self._inputs(x, theta, theta1), score=score)

    def _predict(self, x: np.ndarray, th0: np.ndarray, th1: np.ndarray | None, *, score: bool) -> RatioPrediction:
        st, net = self.standardizer_, self.network_
        assert st is not None and net is not None
        E = self.ensemble_size
        out, scores = [], []
        net.eval()
        for a in range(0, len(x), _CHUNK):
            sl = slice(a, a + _CHUNK)
            xt = torch.as_tensor(st.x(x[sl]), dtype=torch.float32).expand(E, -1, -1)
            t0 = torch.as_tensor(st.theta(th0[sl]), dtype=torch.float32).expand(E, -1, -1).clone().requires_grad_(score)
            t1 = None if th1 is None else torch.as_tensor(st.theta(th1[sl]), dtype=torch.float32).expand(E, -1, -1)
            with torch.set_grad_enabled(score):
                f = net(xt, t0, t1)
                if score:
                    (g,) = torch.autograd.grad(f.sum(), t0)
                    scores.append(st.score_from_standard(g.double()).numpy())
            out.append(f.detach().double().numpy())
        return RatioPrediction(np.concatenate(out, axis=1), np.concatenate(scores, axis=1) if score else None)

    def log_ratio(self, x: Any, theta: Any, theta1: Any = None) -> np.ndarray:
        """Ensemble-mean ``log r_hat(x_i | theta_i[, theta1_i])``, `(n,)`."""
        return self.predict(x, theta, theta1).log_ratio

    def score(self, x: Any, theta: Any, theta1: Any = None) -> np.ndarray:
        """Ensemble-mean ``grad_theta log r_hat`` `(n, d)`: the estimated score ``t(x | theta)``."""
        s = self.predict(x, theta, theta1, score=True).score
        assert s is not None
        return s

    # ------------------------------------------------------------------------------------------------ persistence
    def config(self) -> dict[str, Any]:
        """The constructor settings (JSON-able), enough to rebuild an untrained twin."""
        return {
            "method": self.method,
            "theta_ref": None if self.theta_ref is None else self.theta_ref.tolist(),
            "doubly": self.mode == "doubly",
            "alpha": self.alpha,
            "anchored": self.anchored,
            "clip_log_r": self.clip_log_r,
            "network": self.network_config.to_dict(),
            "ensemble_size": self.ensemble_size,
            "seed": self.seed,
            "negatives": self.negatives,
        }

    def state_arrays(self) -> dict[str, np.ndarray]:
        """Settings, standardisation and network weights as named numeric arrays (no pickle)."""
        if self.network_ is None or self.standardizer_ is None or self.dims_ is None:
            raise InvalidInputError("an untrained estimator has no state to save; train() it first")
        meta = {"kind": "RatioEstimator", "config": self.config(), "dims": list(self.dims_)}
        std = {f"standardizer.{k}": v for k, v in self.standardizer_.to_arrays().items()}
        return {"config": json_to_array(meta), **std, **module_arrays(self.network_)}

    @classmethod
    def from_state_arrays(cls, arrays: Mapping[str, np.ndarray]) -> RatioEstimator:
        """Rebuild a trained estimator from :meth:`state_arrays` (ready to predict, or to append and retrain)."""
        meta = cls.stored_meta(arrays)
        cfg = dict(meta["config"])
        cfg["network"] = NetworkConfig.from_dict(cfg["network"])
        est = cls(cfg.pop("method"), **cfg)
        est.dims_ = (int(meta["dims"][0]), int(meta["dims"][1]))
        est.standardizer_ = Standardizer.from_arrays({k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith("standardizer.")})
        anchor = None
        if est.mode == "reference" and est.anchored:
            anchor = torch.as_tensor(est.standardizer_.theta(est.theta_ref), dtype=torch.float32)
        est.network_ = RatioNetwork(
            est.mode, est.ensemble_size, est.dims_[0], est.dims_[1], est.network_config, anchor=anchor, generator=torch.Generator()
        )
        load_module_arrays(est.network_, arrays)
        return est
