"""Zero-mean-score calibration of a learned per-event log ratio before it is summed over a whole experiment.

Why. The likelihood-free critic of an experiment of ``n`` events is ``C(theta, X) = sum_i f(theta, x_i)`` with ``f``
the classifier's per-event log ratio. Any error ``delta(theta)`` of ``f`` that does not depend on x (a per-event
tilt in theta) enters ``C`` as ``n delta(theta)``: invisible per event (on the Weinberg simulator at 90 GeV the
learned per-event score ``d f / d theta`` matches the exact one to 0.07 % in mean squared error), it still shifts
the likelihood of a 1000-event experiment by a sizeable fraction of its width, and the EIG estimate drops by a third
there (measured with ``benchmarks/design.py``). Per-event training losses cannot see the tilt: it is a 1e-3 effect
per event that only matters once multiplied by n.

What. The exact log ratio has a score of mean zero under its own parameter, ``E_{x ~ p(x | theta, phi)}
[d/dtheta log r(x | theta, phi)] = 0`` (the score identity; it holds whatever the prior of the denominator). So at
the design being evaluated, simulate calibration experiments at parameters from the current belief, measure the
mean learned score per event ``m(theta_e) = (1/n_e) d/dtheta C(theta_e, X_e)`` of each, fit ``m`` by a linear
function of theta (the gradient of a quadratic potential ``B``) and use ``C(theta, X) - n B(theta)`` as the critic.
Everything is likelihood-free (only the simulator and the classifier are used); the calibration experiments are
independent of the experiments whose EIG is estimated, so the correction carries no information about them.

The statistical cost is small: with E calibration experiments of n events the fitted tilt moves the experiment's
likelihood by about ``1 / sqrt(E)`` of its width (0.07 for E = 200).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from active_science.exceptions import InvalidInputError
from active_science.experiment import CostModel, ExperimentData, simulate_experiments

__all__ = ["ScoreCalibration", "fit_score_calibration", "experiment_scores"]


@dataclass(frozen=True)
class ScoreCalibration:
    """Per-event tilt ``B(theta) = a . u + u^T Q u / 2`` with ``u = (theta - center) / scale`` (to subtract n times).

    Attributes:
        center, scale: `(d,)` standardisation of theta (the calibration parameters' mean and sd).
        linear: `(d,)` the mean learned score (in u units) at the center.
        quadratic: `(d, d)` symmetric: how that mean score changes with u.
        num_experiments: calibration experiments with at least one event that entered the fit.

    Example:
        >>> cal = ScoreCalibration(np.array([0.23]), np.array([0.01]), np.array([0.5]), np.array([[0.2]]), 100)
        >>> cal.potential(np.array([[0.23], [0.24]])).round(3).tolist()   # 0 at the center; 0.5 + 0.1 one sd above
        [0.0, 0.6]
    """

    center: np.ndarray
    scale: np.ndarray
    linear: np.ndarray
    quadratic: np.ndarray
    num_experiments: int

    def potential(self, thetas: np.ndarray) -> np.ndarray:
        """`(m,)` ``B(theta_j)`` for `(m, d)` thetas."""
        u = (np.atleast_2d(np.asarray(thetas, dtype=float)) - self.center) / self.scale
        return u @ self.linear + 0.5 * np.einsum("mi,ij,mj->m", u, self.quadratic, u)


def experiment_scores(classifier: Any, data: Sequence[ExperimentData], thetas: np.ndarray, *, step: np.ndarray) -> np.ndarray:
    """`(e, d)` ``d/dtheta sum_i f(theta_e, x_i)`` of each experiment at its own `(e, d)` theta, by central differences.

    Differences of step `(d,)` (a tenth of the parameters' spread is plenty: the network is smooth in theta) keep this
    generic: any classifier with ``experiments_log_ratio(xs, thetas, design) -> (e, m)`` works.
    """
    thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
    e, d = thetas.shape
    if len(data) != e:
        raise InvalidInputError(f"{len(data)} experiments for {e} parameter points; pass one theta per experiment")
    shifts = np.concatenate([np.diag(step), -np.diag(step)])  # (2d, d)
    points = (thetas[:, None, :] + shifts[None]).reshape(-1, d)  # experiment e's 2d points are rows 2de .. 2d(e+1)-1
    crit = classifier.experiments_log_ratio([r.x for r in data], points, data[0].design)  # (e, 2 d e)
    own = crit[np.arange(e)[:, None], np.arange(e)[:, None] * 2 * d + np.arange(2 * d)[None, :]]  # (e, 2d)
    return (own[:, :d] - own[:, d:]) / (2.0 * step)


def fit_score_calibration(
    classifier: Any, simulator: Any, cost: CostModel, design: np.ndarray, thetas: np.ndarray, *, seed: int
) -> ScoreCalibration | None:
    """Fit the tilt of the classifier's critic at one `(k,)` design from experiments simulated at `(E, d)` thetas.

    Returns None when fewer than ``2 (d + 1)`` calibration experiments have events (then no correction is possible;
    with so few events the tilt is negligible anyway).

    Example:
        >>> from types import SimpleNamespace
        >>> from active_science.experiment import FixedEvents
        >>> from active_science.simulators.weinberg import Weinberg
        >>> # a critic with the exact per-event log likelihood plus a tilt 2.0 * theta per event
        >>> sim = Weinberg()
        >>> tilted = SimpleNamespace(experiments_log_ratio=lambda xs, th, d: np.stack(
        ...     [sim.log_likelihood_matrix(x, th, design=d).sum(0) + 2.0 * len(x) * np.asarray(th)[:, 0] for x in xs]))
        >>> th = np.random.default_rng(0).uniform(0.21, 0.25, (200, 1))
        >>> cal = fit_score_calibration(tilted, sim, FixedEvents(500), np.array([85.0]), th, seed=1)
        >>> bool(abs(cal.linear[0] / cal.scale[0] - 2.0) < 0.1)   # the tilt (standard error ~0.015 here)
        True
    """
    thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
    design = np.asarray(design, dtype=float).reshape(-1)
    d = thetas.shape[1]
    data = simulate_experiments(simulator, cost, thetas, design, seed=seed)
    counts = np.array([r.count for r in data], dtype=float)
    keep = counts > 0
    if keep.sum() < 2 * (d + 1):
        return None
    center = thetas[keep].mean(0)
    scale = np.maximum(thetas[keep].std(0), 1e-12 * np.maximum(np.abs(center), 1.0))
    scores = experiment_scores(classifier, [r for r, k in zip(data, keep) if k], thetas[keep], step=0.1 * scale)
    mean_score_u = scores * scale / counts[keep, None]  # (e, d) per-event score in u units
    u = (thetas[keep] - center) / scale
    # mean score = a + Q u with Q symmetric: least squares weighted by n (the mean of n per-event scores has variance ~ 1/n)
    pairs = [(i, j) for i in range(d) for j in range(i, d)]
    rows, target = [], []
    for c in range(d):  # one block of equations per score component
        block = np.zeros((len(u), d + len(pairs)))
        block[:, c] = 1.0
        for p, (i, j) in enumerate(pairs):
            if i == c:
                block[:, d + p] += u[:, j]
            if j == c and i != j:
                block[:, d + p] += u[:, i]
        rows.append(block)
        target.append(mean_score_u[:, c])
    w = np.sqrt(np.tile(counts[keep], d))
    coef, *_ = np.linalg.lstsq(np.concatenate(rows) * w[:, None], np.concatenate(target) * w, rcond=None)
    quadratic = np.zeros((d, d))
    for p, (i, j) in enumerate(pairs):
        quadratic[i, j] = quadratic[j, i] = coef[d + p]
    return ScoreCalibration(center, scale, coef[:d], quadratic, int(keep.sum()))
