"""Diagnostics of a trained ratio estimator: its calibration curve.

An estimator's output ``f(x) = log r_hat(x | theta, theta_ref)`` is *calibrated* when the events that share a value
of ``f`` really are ``exp(f)`` times more likely under ``theta`` than under ``theta_ref``. The curve measures this
with the histogram calibration of :class:`~active_science.ratio.calibration.CalibratedRatio` (CARL, Cranmer et al.
1506.02169): bin ``f`` on edges shared by events simulated at ``theta`` and at ``theta_ref``; in each bin,
``log r_cal = log P(bin | theta) - log P(bin | theta_ref)``. A calibrated estimator lies on the diagonal
``log r_cal = f``; a curve flatter than the diagonal means overconfident ratios, a steeper one underconfident.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from active_science.exceptions import InvalidInputError
from active_science.ratio.histogram import HistogramDensity, default_bins, shared_edges

__all__ = ["CalibrationCurve", "calibration_curve"]


@dataclass(frozen=True)
class CalibrationCurve:
    """Per bin of the estimator's output: its mean value and the calibrated log ratio.

    Attributes:
        log_r_hat: `(k,)` mean ``f`` of the pooled events in each bin.
        log_r_calibrated: `(k,)` ``log P(bin | theta) - log P(bin | theta_ref)`` (histogram calibration).
        num_events: `(k, 2)` events of the ``theta`` and ``theta_ref`` samples in each bin.
    """

    log_r_hat: np.ndarray
    log_r_calibrated: np.ndarray
    num_events: np.ndarray

    @property
    def max_deviation(self) -> float:
        """Largest ``|log r_cal - log r_hat|`` over bins with at least 20 events of each sample (0 if none)."""
        ok = np.all(self.num_events >= 20, axis=1)
        return float(np.max(np.abs(self.log_r_calibrated - self.log_r_hat)[ok])) if ok.any() else 0.0


def calibration_curve(f_theta: np.ndarray, f_ref: np.ndarray, *, bins: int | None = None) -> CalibrationCurve:
    """Calibration curve from the estimator's output on events simulated at ``theta`` `(n,)` and at ``theta_ref`` `(m,)`.

    Args:
        f_theta: ``log r_hat(x_i | theta, theta_ref)`` for ``x_i ~ p(x | theta)``.
        f_ref: the same function for ``x_j ~ p(x | theta_ref)``.
        bins: number of equal-population bins (default ``2 n^(1/3)``; a discrete ``f`` gets one bin per value).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> x1, x0 = rng.normal(0.5, 1.0, 40000), rng.normal(0.0, 1.0, 40000)
        >>> exact = lambda x: 0.5 * x - 0.125            # log N(x; 0.5, 1) - log N(x; 0, 1)
        >>> good = calibration_curve(exact(x1), exact(x0), bins=10)
        >>> bad = calibration_curve(2 * exact(x1), 2 * exact(x0), bins=10)   # overconfident by a factor 2
        >>> bool(good.max_deviation < 0.1)   # sampling noise of ~8000 events per bin (measured 0.055)
        True
        >>> round(float(np.polyfit(bad.log_r_hat, bad.log_r_calibrated, 1)[0]), 1)   # slope 1/2: the true ratio
        0.5
    """
    f1 = np.asarray(f_theta, dtype=float).reshape(-1)
    f0 = np.asarray(f_ref, dtype=float).reshape(-1)
    if len(f1) < 2 or len(f0) < 2:
        raise InvalidInputError(f"calibration needs events from both samples; got {len(f1)} and {len(f0)}: simulate more")
    edges = shared_edges([f1[:, None], f0[:, None]], default_bins(min(len(f1), len(f0))) if bins is None else int(bins))
    h1, h0 = HistogramDensity.fit(f1[:, None], edges), HistogramDensity.fit(f0[:, None], edges)
    pooled = np.concatenate([f1, f0])
    k = len(edges[0]) + 1
    which = np.searchsorted(edges[0], pooled, side="right")
    counts = np.stack([np.bincount(which[: len(f1)], minlength=k), np.bincount(which[len(f1) :], minlength=k)], axis=1)
    filled = counts.sum(axis=1) > 0
    means = np.bincount(which, weights=pooled, minlength=k)[filled] / counts.sum(axis=1)[filled]
    return CalibrationCurve(means, (h1.log_mass - h0.log_mass)[filled], counts[filled])
