"""sbi 0.27 baselines for benchmarks/sbibm.py: NRE_A, NRE_C (amortised) and sequential NRE_B, with sbibm's settings.

Settings follow sbibm's own wrapper (sbibm/algorithms/sbi/snre.py, written for an older sbi): a residual classifier
with 50 hidden features and independently z-scored inputs; SNRE_B with 10 rounds, ``num_atoms = 10`` and training
batch size ``min(10 000, simulations per round)``; posteriors sampled with sbi's ``slice_np_vectorized`` MCMC, 100
chains, thinning 10, 25 warm-up steps, chains initialised by sampling-importance-resampling from 10 000 candidates
(sbibm's "sir", named "resample" in sbi 0.27). The amortised NRE_A / NRE_C use sbi 0.27's own training defaults
(batch size 200, Adam 5e-4, 10 % validation, stop after 20 epochs without improvement; NRE_C: K = 5, gamma = 1):
sbibm's batch of 10 000 capped at the budget would leave them a handful of steps per epoch.

Imports sbi lazily: only the benchmark-only environment (``make bench-sbibm``) has it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["SbiRun", "run_sbi_amortised", "run_sbi_sequential", "SBI_MCMC"]

SBI_MCMC = {"num_chains": 100, "thin": 10, "warmup_steps": 25, "init_strategy": "resample",
            "init_strategy_parameters": {"num_candidate_samples": 10_000}}  # fmt: skip
_AMORTISED_BATCH = 200
_SEQUENTIAL_BATCH = 10_000
_ROUNDS = 10


@dataclass(frozen=True)
class SbiRun:
    """Posterior draws per observation and wall times (seconds) of training and sampling."""

    samples: dict[int, np.ndarray]
    train_seconds: float
    sample_seconds: dict[int, float]


def _classifier():
    from sbi.neural_nets import classifier_nn

    return classifier_nn(model="resnet", hidden_features=50, z_score_theta="independent", z_score_x="independent")


def _trainer(kind: str, prior):
    from sbi.inference import NRE_A, NRE_B, NRE_C

    cls = {"nre_a": NRE_A, "nre_c": NRE_C, "snre_b": NRE_B}[kind]
    return cls(prior=prior, classifier=_classifier(), show_progress_bars=False)


def _sample(inference, x_obs: torch.Tensor, num_samples: int) -> np.ndarray:
    posterior = inference.build_posterior(sample_with="mcmc", mcmc_method="slice_np_vectorized", mcmc_parameters=SBI_MCMC)
    return posterior.sample((num_samples,), x=x_obs, show_progress_bars=False).numpy()


def run_sbi_amortised(
    kind: str, prior, simulator: Callable, observations: dict[int, torch.Tensor], n_simulations: int, *, num_samples: int, seed: int
) -> SbiRun:
    """Train ``kind`` ("nre_a" or "nre_c") once on ``n_simulations`` prior draws, sample for every observation."""
    torch.manual_seed(seed)
    start = time.perf_counter()
    theta = prior.sample((n_simulations,))
    x = simulator(theta)
    inference = _trainer(kind, prior).append_simulations(theta, x)
    inference.train(training_batch_size=_AMORTISED_BATCH)
    train_seconds = time.perf_counter() - start
    samples, seconds = {}, {}
    for i, x_obs in observations.items():
        start = time.perf_counter()
        samples[i] = _sample(inference, x_obs, num_samples)
        seconds[i] = time.perf_counter() - start
    return SbiRun(samples, train_seconds, seconds)


def run_sbi_sequential(prior, simulator: Callable, x_obs: torch.Tensor, n_simulations: int, *, num_samples: int, seed: int) -> SbiRun:
    """sbi's sequential NRE_B (SNRE_B): 10 rounds, round k > 1 simulates from the current posterior."""
    torch.manual_seed(seed)
    start = time.perf_counter()
    inference = _trainer("snre_b", prior)
    proposal = prior
    per_round = n_simulations // _ROUNDS
    for r in range(_ROUNDS):
        n = per_round + (n_simulations - per_round * _ROUNDS if r == 0 else 0)
        theta = proposal.sample((n,), **({} if r == 0 else {"x": x_obs, "show_progress_bars": False}))
        x = simulator(theta)
        inference.append_simulations(theta, x, from_round=r)
        inference.train(num_atoms=10, training_batch_size=min(_SEQUENTIAL_BATCH, per_round))
        if r < _ROUNDS - 1:
            posterior = inference.build_posterior(sample_with="mcmc", mcmc_method="slice_np_vectorized", mcmc_parameters=SBI_MCMC)
            proposal = posterior.set_default_x(x_obs)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    samples = _sample(inference, x_obs, num_samples)
    return SbiRun({0: samples}, train_seconds, {0: time.perf_counter() - start})
