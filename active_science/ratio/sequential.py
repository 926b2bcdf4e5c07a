"""Sequential rounds for one observation: simulate from a focused proposal, retrain, focus further, repeat.

Round 1 draws ``theta`` from the prior; round ``k > 1`` draws from a proposal built from the current posterior
``prior x r_hat(x_obs | theta)`` (``SequentialConfig.proposal``): ``"truncated"`` is the prior truncated to its
highest-posterior-density region of mass ``1 - truncation`` (truncated NRE, Miller et al. 2021; TSNPE, Deistler et
al. 2022); ``"posterior"`` is the current posterior itself (SNRE, Hermans et al. 2020; sbi's SNRE_B), which puts
every later simulation where the posterior mass is. Each round simulates, appends the new events and retrains the
estimator (warm-started) on all rounds.

Why the proposal needs no correction for a classifier between joint and marginal pairs (CARL/NRE, ``theta_ref=None``):
pooling the rounds gives joint pairs ``theta ~ q(theta) = sum_k pi_k q_k(theta)``, ``x ~ p(x | theta)``, and the
marginal pairs are made by shuffling ``theta`` among those rows, i.e. drawn from ``q(theta) q(x)`` with
``q(x) = ∫ p(x | theta) q(theta) dtheta``. The optimal classifier's log odds are
``log p(x | theta) q(theta) / (q(x) q(theta)) = log p(x | theta) / q(x)``: ``q(theta)`` cancels, and the
denominator ``q(x_obs)`` is a constant at the fixed observation, so ``prior(theta) r_hat(x_obs | theta)`` is still
the posterior (up to normalisation) wherever ``q(theta) > 0``. Round 1 covers the whole prior and every later round
covers the truncation region, so the ratio is valid everywhere and its training data concentrate where the
posterior lives; the same argument holds for the posterior proposal (any ``q_k``), whose draws concentrate even more.
(The ratio regressions with gold against a fixed ``theta_ref`` are per-``theta`` targets and do not
depend on the proposal either; a posterior proposal with an atomic/contrastive loss over K > 2 classes, as in
sbi's SNRE_B, is valid only up to a ``theta``-dependent factor outside the proposal's support, which truncating the
*prior* avoids: inside the region ``q_k ∝ prior``.) The final posterior is restricted to the last region, whose
posterior mass outside is ``truncation`` by construction: it removes extrapolated mass far from any recent training
data at a cost of at most that much probability.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from active_science.exceptions import InvalidInputError
from active_science.ratio.config import TrainingConfig
from active_science.ratio.estimator import RatioEstimator
from active_science.ratio.posterior import PriorLike, RatioPosterior, SamplerConfig
from active_science.seeding import as_generator
from active_science.simulation import Simulation

__all__ = ["SequentialConfig", "SequentialResult", "HPDRegion", "sequential_rounds"]

logger = logging.getLogger(__name__)

#: ``theta (n, d) -> x (n, x_dim)`` or a ``Simulation`` (possibly with gold)
SimulatorFn = Callable[[np.ndarray], Any]


@dataclass(frozen=True)
class SequentialConfig:
    """Settings of the sequential rounds.

    Args:
        num_rounds: rounds (the budget is split evenly; round 1 takes the remainder).
        truncation: posterior mass left outside the truncation region (``1e-4`` as in TSNPE).
        proposal: ``"truncated"`` (the prior truncated to the HPD region) or ``"posterior"`` (draws of the current
            posterior; ``sampler.num_samples`` must be at least the round size).
        sampler: the MCMC settings used to find the region and to draw the posterior proposal.
        training: training settings of every round (warm-started after round 1).
        batch: prior draws tested per rejection batch when sampling the truncated prior.
        max_batches: rejection batches per round before giving up (the region is then too small: raise truncation).

    Example:
        >>> SequentialConfig(num_rounds=4).num_rounds
        4
    """

    num_rounds: int = 5
    truncation: float = 1e-4
    proposal: str = "truncated"
    sampler: SamplerConfig = SamplerConfig(num_samples=10_000, refine_map=False)
    training: TrainingConfig = TrainingConfig()
    batch: int = 100_000
    max_batches: int = 200

    def __post_init__(self) -> None:
        for name in ("num_rounds", "batch", "max_batches"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InvalidInputError(f"SequentialConfig.{name}={v!r} must be a positive integer")
        t = self.truncation
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0.0 < t < 0.5:
            raise InvalidInputError(f"SequentialConfig.truncation={t!r} must lie in (0, 0.5), e.g. 1e-4")
        if self.proposal not in ("truncated", "posterior"):
            raise InvalidInputError(f"SequentialConfig.proposal={self.proposal!r} must be 'truncated' or 'posterior'")


@dataclass(frozen=True)
class HPDRegion:
    """``{theta : log prior(theta) + log r_hat(x_obs | theta) >= threshold}`` (callable: `(n, d)` -> bool `(n,)`)."""

    posterior: RatioPosterior
    x_obs: np.ndarray
    threshold: float

    def __call__(self, theta: np.ndarray) -> np.ndarray:
        return self.posterior.log_density(np.asarray(theta, dtype=float), self.x_obs[None, :])[0] >= self.threshold


@dataclass(frozen=True)
class SequentialResult:
    """What the rounds produced.

    Attributes:
        estimator: the estimator after the last round.
        posterior: ``prior x r_hat`` restricted to the last truncation region (``support``).
        theta, x: `(n, d)`, `(n, x_dim)` every simulated pair; ``round``: `(n,)` its round (0-based).
        acceptance: `(num_rounds,)` share of prior draws inside each round's region (1 for round 1).
        seconds: `(num_rounds,)` wall time of each round (sampling the proposal, simulating, training).
    """

    estimator: RatioEstimator
    posterior: RatioPosterior
    theta: np.ndarray
    x: np.ndarray
    round: np.ndarray
    acceptance: np.ndarray
    seconds: np.ndarray


def _as_simulation(out: Any, theta: np.ndarray) -> Simulation:
    if isinstance(out, Simulation):
        return out
    x = np.asarray(out, dtype=float)
    return Simulation(x=x.reshape(len(theta), -1), theta=theta)


def _truncated_prior(prior: PriorLike, region: HPDRegion | None, n: int, cfg: SequentialConfig, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    if region is None:
        return np.asarray(prior.sample(n, rng), dtype=float), 1.0
    kept: list[np.ndarray] = []
    tried = have = 0
    for _ in range(cfg.max_batches):
        draws = np.asarray(prior.sample(cfg.batch, rng), dtype=float)
        inside = draws[region(draws)]
        kept.append(inside)
        tried, have = tried + len(draws), have + len(inside)
        if have >= n:
            return np.concatenate(kept)[:n], have / tried
    raise InvalidInputError(
        f"only {have} of {tried} prior draws fell in the truncation region; raise SequentialConfig.truncation or max_batches"
    )


def sequential_rounds(
    simulator: SimulatorFn,
    prior: PriorLike,
    x_obs: Any,
    n_simulations: int,
    *,
    estimator: RatioEstimator | None = None,
    config: SequentialConfig | None = None,
    seed: Any = None,
) -> SequentialResult:
    """Spend ``n_simulations`` in ``config.num_rounds`` rounds focused on the observation ``x_obs`` `(x_dim,)`.

    Args:
        simulator: ``theta (n, d) -> x (n, x_dim)`` or a ``Simulation`` (gold is used by gold-based methods).
        prior: ``sample(n, seed)`` and ``log_prob(theta)`` (``active_science.priors``).
        x_obs: `(x_dim,)` the observation.
        n_simulations: total simulator calls over all rounds.
        estimator: an untrained marginal estimator (default: ``RatioEstimator("carl")``, no gold needed).

    Example:
        >>> from active_science.priors import GaussianPrior
        >>> from active_science.ratio.config import NetworkConfig
        >>> prior = GaussianPrior({"a": (0.0, 1.0)})
        >>> noise = np.random.default_rng(1)
        >>> sim = lambda th: th + noise.standard_normal(th.shape)   # x ~ N(theta, 1)
        >>> cfg = SequentialConfig(num_rounds=2, sampler=SamplerConfig(num_samples=500, num_init=2000, refine_map=False),
        ...                        training=TrainingConfig(max_epochs=20))
        >>> est = RatioEstimator("carl", network=NetworkConfig(hidden=(16,)))
        >>> res = sequential_rounds(sim, prior, [1.0], 400, estimator=est, config=cfg, seed=0)
        >>> res.round.tolist().count(1), bool(res.acceptance[1] < 1.0)
        (200, True)
    """
    cfg = config if config is not None else SequentialConfig()
    est = estimator if estimator is not None else RatioEstimator("carl")
    if est.mode == "doubly":
        raise InvalidInputError("sequential_rounds needs a singly parameterised estimator, not a doubly one: pass theta_ref=None")
    if isinstance(n_simulations, bool) or not isinstance(n_simulations, int) or n_simulations < 2 * cfg.num_rounds:
        raise InvalidInputError(f"n_simulations={n_simulations!r} must be an integer >= 2 * num_rounds = {2 * cfg.num_rounds}")
    x0 = np.asarray(x_obs, dtype=float).reshape(-1)
    rng = as_generator(seed)
    per_round = [n_simulations // cfg.num_rounds] * cfg.num_rounds
    per_round[0] += n_simulations - sum(per_round)
    region: HPDRegion | None = None
    thetas, xs, rounds, acceptance, seconds = [], [], [], [], []
    posterior = RatioPosterior(est, prior)
    if cfg.proposal == "posterior" and cfg.sampler.num_samples < max(per_round[1:], default=0):
        raise InvalidInputError(
            f"SequentialConfig.sampler.num_samples={cfg.sampler.num_samples} is below the round size {max(per_round[1:])}: "
            "the posterior proposal draws each round from those samples; raise num_samples"
        )
    draws: np.ndarray | None = None  # the current posterior's draws (posterior proposal)
    for k, n in enumerate(per_round):
        start = time.perf_counter()
        if cfg.proposal == "posterior" and draws is not None:
            theta, acc = draws[rng.choice(len(draws), size=n, replace=False)], float(np.mean(region(prior.sample(10_000, rng))))
        else:
            theta, acc = _truncated_prior(prior, region, n, cfg, rng)
        sim = _as_simulation(simulator(theta), theta)
        est.append(sim)
        est.train(cfg.training, warm_start=True)
        posterior = RatioPosterior(est, prior)
        samples = posterior.sample(x0[None, :], config=cfg.sampler, seed=rng)
        region = HPDRegion(posterior, x0, float(samples.hpd_threshold(1.0 - cfg.truncation)[0]))
        draws = samples.samples[0]
        thetas.append(theta)
        xs.append(sim.x)
        rounds.append(np.full(n, k))
        acceptance.append(acc)
        seconds.append(time.perf_counter() - start)
        logger.info("round %d: %d simulations, region acceptance %.3g, %.1f s", k + 1, n, acc, seconds[-1])
    assert region is not None
    final = RatioPosterior(est, prior, support=region)
    return SequentialResult(est, final, np.concatenate(thetas), np.concatenate(xs), np.concatenate(rounds), np.asarray(acceptance), np.asarray(seconds))
