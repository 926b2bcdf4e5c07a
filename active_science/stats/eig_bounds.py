"""Likelihood-free EIG estimates from a critic ``T(theta, x)`` (a learned log ratio), SCIENCE.md section 7.

* LFIRE-style plug-in: ``EIG ~ E_joint[log r_hat(x | theta)]`` with ``r_hat = p_hat(x | theta) / p_hat(x)``
  (Kleinegesse & Gutmann; pyro's ``lfire_eig``). Not a bound: exact if the ratio is.
* InfoNCE (van den Oord et al. 2018; MINEBED): ``E[ T(theta_0, x) - log (1/(K+1)) sum_k exp T(theta_k, x) ]`` with
  ``theta_1..K`` contrastive draws from the prior; a lower bound for any critic, at most ``log(K + 1)``.
* NWJ (Nguyen, Wainwright & Jordan 2010): ``E_joint[T] - E_{p(theta) p(x)}[exp(T - 1)]``; a lower bound for any
  critic, tight at ``T = log r + 1``; unbounded but higher variance than InfoNCE.

All functions take critic values already evaluated (numpy); each outer sample gives one term, so the standard error
comes from their spread.
"""

from __future__ import annotations

import numpy as np

from active_science.exceptions import InvalidInputError
from active_science.stats.eig_nested import log_mean_exp
from active_science.stats.eig_result import EIGResult, mean_with_error

__all__ = ["lfire_eig", "infonce_eig", "nwj_eig"]


def _rows(name: str, a: np.ndarray, n: int) -> np.ndarray:
    arr = np.asarray(a, dtype=float)
    if arr.ndim != 2 or arr.shape[0] != n or arr.shape[1] < 1:
        raise InvalidInputError(f"{name} has shape {arr.shape}; expected ({n}, k >= 1): one row per outer sample")
    return arr


def lfire_eig(log_ratio_joint: np.ndarray) -> EIGResult:
    """Plug-in EIG: the mean of `(n,)` ``log r_hat(x_n | theta_n)`` over joint samples.

    Example:
        >>> # exact ratio of theta ~ N(0, 1), x ~ N(theta, 1): log N(x; theta, 1) - log N(x; 0, sqrt 2); EIG = log(2)/2
        >>> rng = np.random.default_rng(0); th = rng.normal(size=20000); x = th + rng.normal(size=20000)
        >>> log_r = -0.5 * (x - th) ** 2 + 0.25 * x**2 + 0.5 * np.log(2)
        >>> bool(abs(lfire_eig(log_r).value - np.log(2) / 2) < 3 * lfire_eig(log_r).standard_error)
        True
    """
    value, se = mean_with_error(log_ratio_joint, "lfire_eig")
    return EIGResult(value, se, len(np.ravel(log_ratio_joint)), 0, "lfire")


def infonce_eig(critic_joint: np.ndarray, critic_contrastive: np.ndarray) -> EIGResult:
    """InfoNCE lower bound from `(n,)` critic values at the joint pairs and `(n, K)` at K contrastive thetas.

    Example:
        >>> rng = np.random.default_rng(0); th = rng.normal(size=4000); x = th + rng.normal(size=4000)
        >>> critic = lambda x, t: -0.5 * (x - t) ** 2   # log p(x | theta) up to a function of x: cancels
        >>> r = infonce_eig(critic(x, th), critic(x[:, None], rng.normal(size=(4000, 255))))
        >>> bool(0.30 < r.value < 0.37 and r.value <= np.log(256))
        True
    """
    joint = np.asarray(critic_joint, dtype=float).reshape(-1)
    contrast = _rows("critic_contrastive", critic_contrastive, len(joint))
    all_scores = np.concatenate([joint[:, None], contrast], axis=1)
    value, se = mean_with_error(joint - log_mean_exp(all_scores, axis=1), "infonce_eig")
    return EIGResult(value, se, len(joint), contrast.shape[1], "infonce")


def nwj_eig(critic_joint: np.ndarray, critic_marginal: np.ndarray) -> EIGResult:
    """NWJ lower bound from `(n,)` critic values at joint pairs and `(n, K)` at independently drawn thetas.

    Pass ``T = log r_hat + 1`` to make the bound tight for an exact ratio.

    Example:
        >>> rng = np.random.default_rng(0); th = rng.normal(size=20000); x = th + rng.normal(size=20000)
        >>> log_r = lambda x, t: -0.5 * (x - t) ** 2 + 0.25 * x**2 + 0.5 * np.log(2)
        >>> r = nwj_eig(log_r(x, th) + 1, log_r(x[:, None], rng.normal(size=(20000, 8))) + 1)
        >>> bool(abs(r.value - np.log(2) / 2) < 3 * r.standard_error)
        True
    """
    joint = np.asarray(critic_joint, dtype=float).reshape(-1)
    marginal = _rows("critic_marginal", critic_marginal, len(joint))
    terms = joint - np.mean(np.exp(np.minimum(marginal - 1.0, 700.0)), axis=1)
    value, se = mean_with_error(terms, "nwj_eig")
    return EIGResult(value, se, len(joint), marginal.shape[1], "nwj")
