"""Probability calibration of a trained ratio estimator, per parameter point (CARL, Cranmer et al. 1506.02169).

A classifier output ``f(x) = log r_hat(x | theta, theta_ref)`` that is monotonic in the true ratio is a sufficient
statistic for the pair, even if its values are off. Simulating ``num_events`` fresh events at ``theta`` and at
``theta_ref`` and estimating the densities of ``f`` under each turns it into a calibrated ratio:

- ``"histogram"``: ``log r_cal(x) = log p_hat(f(x) | theta) - log p_hat(f(x) | theta_ref)`` on shared bins;
- ``"isotonic"``: ``s_cal = P(y = 1 | f)`` by isotonic (decreasing) regression on the balanced labelled sample
  (scikit-learn's ``IsotonicRegression``), ``log r_cal = log((1 - s_cal) / s_cal)``.

This costs ``num_events`` simulations per parameter point (the reference sample is simulated once).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from sklearn.isotonic import IsotonicRegression

from active_science.exceptions import InvalidInputError
from active_science.ratio.estimator import RatioEstimator
from active_science.ratio.histogram import HistogramDensity, default_bins, shared_edges
from active_science.ratio.mining import spawn_seeds

__all__ = ["CalibratedRatio"]

_EPS = 1e-6


def _point_seed(seed: int, theta: np.ndarray) -> int:
    words = np.frombuffer(np.ascontiguousarray(theta, dtype=np.float64).tobytes(), dtype=np.uint32)
    return int(np.random.SeedSequence([seed, *words.tolist()]).generate_state(1)[0])


class CalibratedRatio:
    """A reference-mode ``RatioEstimator`` calibrated with fresh simulations at each parameter point asked for.

    Args:
        estimator: a trained estimator with a fixed ``theta_ref``.
        simulator: the simulator it was trained on.
        num_events: calibration events per point (and at the reference).
        method: ``"histogram"`` or ``"isotonic"``.
        bins: histogram bins (default: ``2 num_events^(1/3)``).
        seed: seeds the calibration simulations.

    Example:
        >>> from active_science.simulators.gaussian import GaussianToy
        >>> from active_science.ratio.mining import reference_training_set
        >>> from active_science.ratio.config import NetworkConfig, TrainingConfig
        >>> sim = GaussianToy()
        >>> est = RatioEstimator("carl", theta_ref=[0.0], network=NetworkConfig(hidden=(8,))).append(
        ...     reference_training_set(sim, sim.space.sample(200, seed=0), np.array([0.0]), seed=1, gold=False))
        >>> cal = CalibratedRatio(est.train(TrainingConfig(max_epochs=5)), sim, num_events=2000)
        >>> cal.log_ratio(np.array([[0.0]]), [0.5]).shape
        (1,)
    """

    def __init__(
        self,
        estimator: RatioEstimator,
        simulator: Any,
        *,
        num_events: int = 10000,
        method: Literal["histogram", "isotonic"] = "histogram",
        bins: int | None = None,
        seed: int = 0,
    ) -> None:
        if estimator.mode != "reference" or estimator.theta_ref is None:
            raise InvalidInputError(f"calibration needs a fixed reference point; this estimator is {estimator.mode!r}")
        if method not in ("histogram", "isotonic"):
            raise InvalidInputError(f"method={method!r} must be 'histogram' or 'isotonic'")
        if isinstance(num_events, bool) or not isinstance(num_events, int) or num_events < 10:
            raise InvalidInputError(f"num_events={num_events!r} must be an integer >= 10")
        self.estimator = estimator
        self.simulator = simulator
        self.num_events = num_events
        self.method = method
        self.bins = default_bins(num_events) if bins is None else int(bins)
        self.seed = int(seed)
        self._x_ref = simulator.simulate(estimator.theta_ref, seed=spawn_seeds(self.seed, 1)[0], num_events=num_events).x
        self._calibrators: dict[bytes, Any] = {}
        self.num_simulations = num_events

    def _calibrator(self, theta: np.ndarray) -> Any:
        key = theta.tobytes()
        if key in self._calibrators:
            return self._calibrators[key]
        x_num = self.simulator.simulate(theta, seed=_point_seed(self.seed, theta), num_events=self.num_events).x
        self.num_simulations += self.num_events
        f_num = self.estimator.log_ratio(x_num, theta)
        f_ref = self.estimator.log_ratio(self._x_ref, theta)
        if self.method == "histogram":
            edges = shared_edges([f_num[:, None], f_ref[:, None]], self.bins)
            cal: Any = (HistogramDensity.fit(f_num[:, None], edges), HistogramDensity.fit(f_ref[:, None], edges))
        else:
            f_all = np.concatenate([f_num, f_ref])
            lo, hi = f_all.min(), f_all.max()
            # half a pseudo-event of each label at both ends: the extreme blocks are never pure, so the calibrated
            # ratio stays finite (as the histogram's pseudo-counts do) instead of jumping to +-log(1 / _EPS)
            f_all = np.concatenate([f_all, [lo, lo, hi, hi]])
            labels = np.concatenate([np.zeros(len(f_num)), np.ones(len(f_ref)), [0.0, 1.0, 0.0, 1.0]])
            weights = np.concatenate([np.ones(len(f_num) + len(f_ref)), np.full(4, 0.5)])
            cal = IsotonicRegression(increasing=False, out_of_bounds="clip", y_min=_EPS, y_max=1 - _EPS)
            cal.fit(f_all, labels, sample_weight=weights)
        self._calibrators[key] = cal
        return cal

    def log_ratio(self, x: np.ndarray, theta: Any) -> np.ndarray:
        """Calibrated ``log r(x_i | theta, theta_ref)`` `(n,)` at one point ``theta`` `(d,)`."""
        theta = np.asarray(theta, dtype=float).reshape(-1)
        if theta.shape != self.estimator.theta_ref.shape:  # type: ignore[union-attr]
            raise InvalidInputError(f"theta has shape {theta.shape}; calibration works one point ({self.estimator.theta_ref.shape}) at a time")  # type: ignore[union-attr]
        cal = self._calibrator(theta)
        f = self.estimator.log_ratio(x, theta)
        if self.method == "histogram":
            num, ref = cal
            return num.log_prob(f[:, None]) - ref.log_prob(f[:, None])
        s = np.clip(cal.predict(f), _EPS, 1 - _EPS)
        return np.log1p(-s) - np.log(s)
