"""Asymptotic CLs from the q_tilde test statistic (Cowan, Cranmer, Gross, Vitells, arXiv:1007.1727).

Written by hand because these four lines of closed form are the statistic itself (pyhf does the same inside its
fits); for full HistFactory models use :mod:`active_science.stats.pyhf_bridge`, which calls pyhf.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

__all__ = ["CLsResult", "cls_from_q", "expected_cls_band", "N_SIGMA"]

#: the expected band's order, as in pyhf: -2 sigma ... +2 sigma on the limit = N = 2, 1, 0, -1, -2
N_SIGMA = np.array([2.0, 1.0, 0.0, -1.0, -2.0])


@dataclass(frozen=True)
class CLsResult:
    """Observed and expected CLs at one or many hypotheses (arrays broadcast together).

    Attributes:
        cls: observed CLs.
        clsb: observed CLs+b.
        clb: observed CLb.
        expected: `(..., 5)` expected CLs for the -2, -1, 0, +1, +2 sigma band (ascending CLs).
        q: observed q_tilde.
        q_asimov: q_tilde of the background-only Asimov data set.
    """

    cls: np.ndarray
    clsb: np.ndarray
    clb: np.ndarray
    expected: np.ndarray
    q: np.ndarray
    q_asimov: np.ndarray

    @property
    def median_expected(self) -> np.ndarray:
        return self.expected[..., 2]


def cls_from_q(q: np.ndarray | float, q_asimov: np.ndarray | float) -> CLsResult:
    """CLs, CLs+b and CLb from observed ``q`` and Asimov ``q_A`` (q_tilde asymptotics).

    Example:
        >>> r = cls_from_q(0.0, 4.0)   # q = 0: CLs+b = 1/2, CLb = Phi(2) = 0.97725
        >>> round(float(r.cls), 6)   # 0.5 / 0.977250
        0.51164
    """
    q = np.maximum(np.asarray(q, dtype=float), 0.0)
    qa = np.maximum(np.asarray(q_asimov, dtype=float), 1e-300)
    sq, sqa = np.sqrt(q), np.sqrt(qa)
    below = q <= qa
    with np.errstate(divide="ignore", invalid="ignore"):
        tail = (q + qa) / (2.0 * sqa)
        tail_b = (q - qa) / (2.0 * sqa)
        clsb = np.where(below, norm.sf(sq), norm.sf(tail))
        clb = np.where(below, norm.cdf(sqa - sq), norm.sf(tail_b))
        # ratio of two tiny tails: go through logs to keep precision far into the excluded region
        log_cls = np.where(
            below, norm.logsf(sq) - norm.logcdf(sqa - sq), norm.logsf(tail) - norm.logsf(tail_b)
        )
    cls = np.minimum(np.exp(log_cls), 1.0)
    return CLsResult(cls=cls, clsb=clsb, clb=clb, expected=expected_cls_band(qa), q=q, q_asimov=qa)


def expected_cls_band(q_asimov: np.ndarray | float) -> np.ndarray:
    """`(..., 5)` expected CLs, ``Phi(-(N + sqrt(q_A))) / Phi(-N)`` for N = 2, 1, 0, -1, -2."""
    sqa = np.sqrt(np.maximum(np.asarray(q_asimov, dtype=float), 0.0))[..., None]
    return np.exp(norm.logcdf(-(N_SIGMA + sqa)) - norm.logcdf(-N_SIGMA))
