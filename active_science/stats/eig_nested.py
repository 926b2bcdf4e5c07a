"""Nested Monte Carlo EIG: the ground truth for simulators with a tractable likelihood (SCIENCE.md section 7).

    EIG(phi) ~ (1/N) sum_n [ log p(x_n | theta_n, phi) - log (1/M) sum_m p(x_n | theta_nm, phi) ],

with ``theta_n`` from the prior (or the current posterior), ``x_n ~ p(x | theta_n, phi)`` and independent inner
samples ``theta_nm`` from the same distribution. The estimator is consistent as N, M -> infinity; for finite M it is
biased upwards by ``O(1/M)`` (log of an unbiased mean, Rainforth et al. 2018), so M must be large enough that
several inner samples fall where the posterior of one experiment lives. The caller computes the log likelihoods
(exact), this module only combines them.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from active_science.exceptions import InvalidInputError
from active_science.stats.eig_result import EIGResult, mean_with_error

__all__ = ["nested_mc_eig", "log_mean_exp"]


def log_mean_exp(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """``log(mean(exp(values)))`` along ``axis``, computed stably."""
    v = np.asarray(values, dtype=float)
    return logsumexp(v, axis=axis) - np.log(v.shape[axis])


def nested_mc_eig(log_lik_joint: np.ndarray, log_lik_inner: np.ndarray) -> EIGResult:
    """Combine exact log likelihoods into the nested Monte Carlo EIG estimate.

    Args:
        log_lik_joint: `(n,)` ``log p(x_n | theta_n)`` of each simulated experiment at its own parameter.
        log_lik_inner: `(n, m)` ``log p(x_n | theta_nm)`` at m inner samples drawn independently from the prior.

    Example:
        >>> # linear Gaussian: theta ~ N(0, 1), x ~ N(theta, 0.5^2); EIG = 0.5 log(1 + 1/0.25) = 0.805
        >>> rng = np.random.default_rng(0)
        >>> th, inner = rng.normal(size=4000), rng.normal(size=(4000, 400))
        >>> x = th + 0.5 * rng.normal(size=4000)
        >>> ll = lambda x, t: -0.5 * ((x - t) / 0.5) ** 2
        >>> r = nested_mc_eig(ll(x, th), ll(x[:, None], inner))
        >>> bool(abs(r.value - 0.5 * np.log(5)) < 3 * r.standard_error)
        True
    """
    joint = np.asarray(log_lik_joint, dtype=float).reshape(-1)
    inner = np.asarray(log_lik_inner, dtype=float)
    if inner.ndim != 2 or inner.shape[0] != len(joint) or inner.shape[1] < 1:
        raise InvalidInputError(f"log_lik_inner has shape {inner.shape}; expected ({len(joint)}, m >= 1) for {len(joint)} outer samples")
    value, se = mean_with_error(joint - log_mean_exp(inner, axis=1), "nested_mc_eig")
    return EIGResult(value, se, len(joint), inner.shape[1], "nested_mc")
