"""What a sequential design study returns: EIG curves, chosen designs, experiments and posteriors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from active_science.experiment import CostModel, ExperimentData
from active_science.posterior import ParticlePosterior

__all__ = ["EIGCurve", "DesignResult"]


@dataclass(frozen=True)
class EIGCurve:
    """The design loop of one experiment: the GP over EIG(phi) and the evaluations it was fitted on.

    Attributes:
        grid: `(g, k)` designs where the GP was evaluated (a line in 1D, Sobol points otherwise).
        mean: `(g,)` GP posterior mean of EIG (nats).
        sd: `(g,)` GP posterior standard deviation of the latent EIG.
        designs: `(e, k)` designs whose EIG was estimated.
        values: `(e,)` EIG estimates.
        errors: `(e,)` their Monte Carlo standard errors.
        chosen: `(k,)` the design run next: the maximiser of the GP mean.
    """

    grid: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    designs: np.ndarray
    values: np.ndarray
    errors: np.ndarray
    chosen: np.ndarray

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(getattr(self, k), dtype=float) for k in ("grid", "mean", "sd", "designs", "values", "errors", "chosen")}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> EIGCurve:
        return cls(**{k: np.asarray(arrays[k], dtype=float) for k in ("grid", "mean", "sd", "designs", "values", "errors", "chosen")})


@dataclass(frozen=True)
class DesignResult:
    """The outcome of a sequential experiment-design study.

    Attributes:
        parameter_names: names of theta.
        design_names: names of the design variables.
        cost: the cost model every experiment was run under.
        curves: one ``EIGCurve`` per experiment.
        experiments: the data of each experiment run (at ``curves[k].chosen``).
        posteriors: the belief before the first experiment (the prior) and after each experiment.
        true_theta: `(d,)` the hidden parameter of simulated experiments, or None for real data.
        n_evaluations: EIG evaluations made over all experiments.
        wall_time: seconds spent in ``run``.
        store: path of the study file, or None.

    Example:
        >>> import numpy as np
        >>> post = ParticlePosterior.from_samples(np.zeros((3, 1)), names=("sin2w",))
        >>> from active_science.experiment import FixedEvents
        >>> r = DesignResult(("sin2w",), ("sqrt_s",), FixedEvents(10), (), (), (post,), None, 0, 0.0, None)
        >>> r.designs.shape, r.posterior_sd.shape
        ((0, 1), (1, 1))
    """

    parameter_names: tuple[str, ...]
    design_names: tuple[str, ...]
    cost: CostModel
    curves: tuple[EIGCurve, ...]
    experiments: tuple[ExperimentData, ...]
    posteriors: tuple[ParticlePosterior, ...]
    true_theta: np.ndarray | None
    n_evaluations: int
    wall_time: float
    store: str | None
    extras: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def designs(self) -> np.ndarray:
        """`(K, k)` the design chosen for each experiment."""
        return np.array([c.chosen for c in self.curves], dtype=float).reshape(-1, len(self.design_names))

    @property
    def posterior_mean(self) -> np.ndarray:
        """`(K + 1, d)` posterior means (row 0: the prior)."""
        return np.array([p.mean for p in self.posteriors])

    @property
    def posterior_sd(self) -> np.ndarray:
        """`(K + 1, d)` posterior standard deviations (row 0: the prior)."""
        return np.array([p.sd for p in self.posteriors])

    @property
    def posterior(self) -> ParticlePosterior:
        """The belief after the last experiment."""
        return self.posteriors[-1]
