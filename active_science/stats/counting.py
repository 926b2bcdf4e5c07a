"""A single-bin counting experiment with known background: q_tilde, Asimov, CLs, upper limits.

Closed forms from SCIENCE.md section 5 (agree with pyhf to 1e-14). Everything is vectorised over n, s, b, mu.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from active_science.exceptions import InvalidInputError
from active_science.stats.asymptotics import N_SIGMA, CLsResult, cls_from_q

__all__ = ["q_tilde", "q_asimov", "counting_cls", "UpperLimit", "counting_upper_limit"]


def _check(n: np.ndarray, s: np.ndarray, b: np.ndarray, mu: np.ndarray) -> None:
    if np.any(~np.isfinite(n)) or np.any(n < 0):
        raise InvalidInputError(f"observed count n={n} must be finite and >= 0")
    if np.any(~np.isfinite(s)) or np.any(s < 0):
        raise InvalidInputError(f"signal s={s} must be finite and >= 0")
    if np.any(~np.isfinite(b)) or np.any(b <= 0):
        raise InvalidInputError(f"background b={b} must be finite and > 0")
    if np.any(~np.isfinite(mu)) or np.any(mu < 0):
        raise InvalidInputError(f"signal strength mu={mu} must be finite and >= 0")


def _xlogy_ratio(n: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """n * log(lam / n), with the n = 0 limit 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, n * np.log(lam / np.where(n > 0, n, 1.0)), 0.0)


def q_tilde(n: np.ndarray | float, s: np.ndarray | float, b: np.ndarray | float, mu: np.ndarray | float = 1.0) -> np.ndarray:
    """-2 ln lambda_tilde(mu) for n observed, signal s (at mu = 1), known background b.

    Example:
        >>> round(float(q_tilde(10, 5, 10)), 6)
        1.890698
    """
    n, s, b, mu = (np.asarray(v, dtype=float) for v in (n, s, b, mu))
    _check(n, s, b, mu)
    lam = mu * s + b
    with np.errstate(divide="ignore", invalid="ignore"):
        mu_hat = np.where(s > 0, (n - b) / np.where(s > 0, s, 1.0), np.inf)
    q_mid = 2.0 * (lam - n - _xlogy_ratio(n, lam))
    q_neg = 2.0 * (mu * s - n * np.log1p(mu * s / b))
    q = np.where(mu_hat > mu, 0.0, np.where(mu_hat >= 0, q_mid, q_neg))
    return np.maximum(q, 0.0)


def q_asimov(s: np.ndarray | float, b: np.ndarray | float, mu: np.ndarray | float = 1.0) -> np.ndarray:
    """q_tilde of the background-only Asimov data set (n_A = b): ``2 [mu s - b ln(1 + mu s / b)]``."""
    s, b, mu = (np.asarray(v, dtype=float) for v in (s, b, mu))
    _check(b, s, b, mu)
    return np.maximum(2.0 * (mu * s - b * np.log1p(mu * s / b)), 0.0)


def counting_cls(n: np.ndarray | float, s: np.ndarray | float, b: np.ndarray | float, mu: np.ndarray | float = 1.0) -> CLsResult:
    """Observed and expected CLs of the hypothesis ``mu`` (asymptotic q_tilde).

    Example:
        >>> round(float(counting_cls(10, 5, 10).cls), 6)
        0.169123
    """
    return cls_from_q(q_tilde(n, s, b, mu), q_asimov(s, b, mu))


@dataclass(frozen=True)
class UpperLimit:
    """Upper limits on mu at CLs = level: observed, and expected at -2, -1, 0, +1, +2 sigma."""

    observed: float
    expected: np.ndarray
    level: float


def counting_upper_limit(n: float, s: float, b: float, *, level: float = 0.05, mu_max: float | None = None) -> UpperLimit:
    """Solve CLs(mu) = level (observed and expected band) by root finding in mu.

    Example:
        >>> ul = counting_upper_limit(10, 5, 10)
        >>> round(ul.observed, 4), [round(float(v), 4) for v in ul.expected]
        (1.5079, [0.7409, 1.0306, 1.5079, 2.2524, 3.2771])
    """
    if not 0.0 < level < 1.0:
        raise InvalidInputError(f"level={level} must lie in (0, 1), e.g. 0.05")
    hi = mu_max if mu_max is not None else 10.0 * (n + b + 10.0) / max(s, 1e-12)

    def solve(f) -> float:
        return float(brentq(f, 1e-9, hi, xtol=1e-12, rtol=1e-12))

    obs = solve(lambda mu: float(counting_cls(n, s, b, mu).cls) - level)
    exp = [solve(lambda mu, i=i: float(counting_cls(n, s, b, mu).expected[i]) - level) for i in range(len(N_SIGMA))]
    return UpperLimit(observed=obs, expected=np.array(exp), level=level)
