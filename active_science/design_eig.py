"""EIG(phi) of one experiment at one design: simulate experiments once, apply every requested estimator to them.

* ``"nested"``: nested Monte Carlo with the simulator's exact likelihood (the ground truth; SCIENCE.md section 7).
* ``"lfire"``, ``"infonce"``, ``"nwj"``: likelihood-free, from the amortised ratio classifier
  (``active_science.stats.eig_classifier``). The critic of a whole experiment is the sum of per-event log ratios
  ``sum_i log r_hat(x_i | theta, phi)``, plus, under fixed luminosity, the Poisson log likelihood of the event count
  from the simulator's cross section (``L sigma(theta, phi)``: event generators report it, so the rate term is
  exact, as in MadMiner; only the kinematics are learned). ``lfire`` normalises the critic by its average over
  inner prior draws (``r_hat(x | theta) = p_hat(x | theta) / p_hat(x)``) and averages ``log r_hat`` at joint pairs;
  ``infonce`` uses the inner draws as contrastive samples; ``nwj`` uses ``T = log r_hat + 1`` with independent draws.

Outer parameters, inner parameters and marginal parameters are drawn from the current belief (prior or particle
posterior), so EIG is always averaged over the belief, never at a plug-in theta. All estimators in one call see the
same simulated experiments (common random numbers): their differences are estimator differences, not MC noise.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from active_science.design_calibration import ScoreCalibration, fit_score_calibration
from active_science.evaluation import Observation
from active_science.exceptions import InvalidInputError
from active_science.experiment import CostModel, ExperimentData, event_log_likelihoods, rate_log_likelihood, simulate_experiments
from active_science.stats.eig_bounds import infonce_eig, lfire_eig, nwj_eig
from active_science.stats.eig_nested import log_mean_exp, nested_mc_eig
from active_science.stats.eig_result import EIGResult

__all__ = ["ESTIMATORS", "EIGSettings", "estimate_eig", "EIGObjective", "classifier_experiment_log_likelihood"]

logger = logging.getLogger(__name__)

Estimator = Literal["nested", "lfire", "infonce", "nwj"]
#: the EIG estimators by name; all but "nested" are likelihood-free
ESTIMATORS: tuple[str, ...] = ("nested", "lfire", "infonce", "nwj")
LIKELIHOOD_FREE = ("lfire", "infonce", "nwj")


@dataclass(frozen=True)
class EIGSettings:
    """Monte Carlo sizes of one EIG evaluation.

    Attributes:
        estimator: the estimator whose value the design loop models (the others are reported as extras).
        num_outer: simulated experiments (outer samples).
        num_inner: inner (normalising / contrastive) parameter draws per experiment.
        num_marginal: independent parameter draws per experiment for the NWJ bound.
        num_calibration: experiments simulated (independently) to calibrate the likelihood-free critic to a
            zero-mean score (``active_science.design_calibration``); 0 switches the calibration off.
    """

    estimator: Estimator = "lfire"
    num_outer: int = 200
    num_inner: int = 500
    num_marginal: int = 64
    num_calibration: int = 200

    def __post_init__(self) -> None:
        if self.estimator not in ESTIMATORS:
            raise InvalidInputError(f"estimator={self.estimator!r} is unknown; valid estimators: {', '.join(ESTIMATORS)}")
        for name, low in (("num_outer", 2), ("num_inner", 1), ("num_marginal", 1), ("num_calibration", 0)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise InvalidInputError(f"EIGSettings.{name}={v!r} must be an integer >= {low}")


def classifier_experiment_log_likelihood(
    classifier: Any, simulator: Any, cost: CostModel, data: Sequence[ExperimentData], thetas: np.ndarray,
    *, calibration: ScoreCalibration | None = None,
) -> np.ndarray:  # fmt: skip
    """`(e, m)` likelihood-free ``log p_hat(data_e | theta_j)`` up to theta-independent terms, for experiments at one design.

    The sum of per-event classifier log ratios (minus ``n_e B(theta_j)`` with a ``calibration``) plus the exact
    Poisson rate term (fixed luminosity).
    """
    if not data:
        return np.zeros((0, len(np.atleast_2d(thetas))))
    design = data[0].design
    if any(not np.array_equal(d.design, design) for d in data):
        raise InvalidInputError("classifier_experiment_log_likelihood takes experiments at one design; call it per design")
    out = classifier.experiments_log_ratio([d.x for d in data], thetas, design)
    if calibration is not None:
        out = out - np.array([d.count for d in data], dtype=float)[:, None] * calibration.potential(thetas)[None, :]
    return out + np.stack([rate_log_likelihood(simulator, cost, d.count, thetas, design) for d in data])


def estimate_eig(
    simulator: Any,
    cost: CostModel,
    design: np.ndarray,
    belief: np.ndarray,
    *,
    seed: int,
    estimators: Sequence[str] = ("nested",),
    settings: EIGSettings | None = None,
    classifier: Any = None,
) -> dict[str, EIGResult]:
    """Estimate EIG at one `(k,)` design with each requested estimator, on one shared set of simulated experiments.

    Args:
        simulator: the simulator (exact ``log_likelihood`` needed for ``"nested"``).
        cost: the cost model of one experiment.
        design: `(k,)` the design.
        belief: `(P, d)` equal-weight draws from the current belief over theta (prior or posterior).
        seed: fixes the parameter draws and the simulated experiments.
        estimators: subset of ``ESTIMATORS``.
        settings: Monte Carlo sizes.
        classifier: a ``TrainedClassifier`` (needed for the likelihood-free estimators).

    Example:
        >>> from active_science.experiment import FixedEvents
        >>> from active_science.simulators.weinberg import Weinberg
        >>> belief = np.random.default_rng(0).uniform(0.21, 0.25, (2000, 1))
        >>> r = estimate_eig(Weinberg(), FixedEvents(1000), np.array([82.0]), belief, seed=0)["nested"]
        >>> bool(0.5 < r.value < 0.75)   # ~0.63 nats at the fixed-events optimum
        True
    """
    settings = settings or EIGSettings()
    unknown = sorted(set(estimators) - set(ESTIMATORS))
    if unknown or not estimators:
        raise InvalidInputError(f"estimators {list(estimators)} must be a non-empty subset of {', '.join(ESTIMATORS)}")
    lf = [e for e in estimators if e in LIKELIHOOD_FREE]
    if lf and classifier is None:
        raise InvalidInputError(f"estimators {lf} need a trained classifier; pass classifier=... or use estimators=['nested']")
    belief = np.atleast_2d(np.asarray(belief, dtype=float))
    design = np.asarray(design, dtype=float).reshape(-1)
    rng = np.random.default_rng(seed)
    n, m, k = settings.num_outer, settings.num_inner, settings.num_marginal
    pick = rng.integers(0, len(belief), size=n + m + k)
    outer, inner, marginal = belief[pick[:n]], belief[pick[n : n + m]], belief[pick[n + m :]]
    data = simulate_experiments(simulator, cost, outer, design, seed=int(rng.integers(2**62)))
    # drawn after the experiments, so switching the calibration on or off leaves the experiments unchanged
    cal_thetas, cal_seed = belief[rng.integers(0, len(belief), size=settings.num_calibration)], int(rng.integers(2**62))
    out: dict[str, EIGResult] = {}
    if "nested" in estimators:
        joint = np.empty(n)
        inner_ll = np.empty((n, m))
        for i, run in enumerate(data):
            ev = event_log_likelihoods(simulator, run.x, np.concatenate([outer[i : i + 1], inner]), design) if run.count else np.zeros((0, m + 1))
            rate = rate_log_likelihood(simulator, cost, run.count, np.concatenate([outer[i : i + 1], inner]), design)
            tot = ev.sum(axis=0) + rate
            joint[i], inner_ll[i] = tot[0], tot[1:]
        out["nested"] = nested_mc_eig(joint, inner_ll)
    if lf:
        thetas = np.concatenate([outer, inner, marginal])
        cal = fit_score_calibration(classifier, simulator, cost, design, cal_thetas, seed=cal_seed) if settings.num_calibration else None
        crit = classifier_experiment_log_likelihood(classifier, simulator, cost, data, thetas, calibration=cal)
        joint_c = crit[np.arange(n), np.arange(n)]
        inner_c, marg_c = crit[:, n : n + m], crit[:, n + m :]
        log_norm = log_mean_exp(inner_c, axis=1)
        if "lfire" in lf:
            out["lfire"] = lfire_eig(joint_c - log_norm)
        if "infonce" in lf:
            out["infonce"] = infonce_eig(joint_c, inner_c)
        if "nwj" in lf:
            out["nwj"] = nwj_eig(joint_c - log_norm + 1.0, marg_c - log_norm[:, None] + 1.0)
    return out


class EIGObjective:
    """What the executor runs at one design: ``evaluate(design, seed) -> Observation(EIG, variance, extras)``.

    The modelled value is the estimate of ``settings.estimator`` with its squared standard error as the noise
    variance; the other estimators computed on the same experiments go to ``extras`` (``eig_<name>``, ``se_<name>``).
    Light to ship to Ray workers: the classifier travels as arrays and is rebuilt once per worker.

    Args:
        simulator, cost: the experiment.
        belief: `(P, d)` equal-weight draws from the current belief over theta.
        settings: estimator and Monte Carlo sizes.
        classifier_arrays, classifier_settings, design_space: the trained classifier (likelihood-free estimators).
        extra_estimators: further estimators to report as extras (e.g. ``("nested",)`` to monitor the truth).
    """

    def __init__(
        self,
        simulator: Any,
        cost: CostModel,
        belief: np.ndarray,
        *,
        settings: EIGSettings,
        classifier_arrays: Mapping[str, np.ndarray] | None = None,
        classifier_settings: Any = None,
        design_space: Any = None,
        extra_estimators: Sequence[str] = (),
    ) -> None:
        self.simulator = simulator
        self.cost = cost
        self.belief = np.atleast_2d(np.asarray(belief, dtype=float))
        self.settings = settings
        self.classifier_arrays = None if classifier_arrays is None else {k: np.asarray(v) for k, v in classifier_arrays.items()}
        self.classifier_settings = classifier_settings
        self.design_space = design_space
        self.estimators = tuple(dict.fromkeys([settings.estimator, *extra_estimators]))
        if any(e in LIKELIHOOD_FREE for e in self.estimators) and self.classifier_arrays is None:
            raise InvalidInputError(f"estimator {settings.estimator!r} needs the trained classifier's arrays")
        self._classifier: Any = None

    def classifier(self) -> Any:
        if self._classifier is None and self.classifier_arrays is not None:
            from active_science.stats.eig_classifier import TrainedClassifier

            self._classifier = TrainedClassifier.from_arrays(
                self.classifier_arrays, design_space=self.design_space, settings=self.classifier_settings
            )
        return self._classifier

    def __getstate__(self) -> dict[str, Any]:  # ship arrays, not a torch module
        state = dict(self.__dict__)
        state["_classifier"] = None
        return state

    def estimate(self, design: np.ndarray, seed: int) -> dict[str, EIGResult]:
        return estimate_eig(
            self.simulator, self.cost, design, self.belief, seed=seed, estimators=self.estimators,
            settings=self.settings, classifier=self.classifier(),
        )  # fmt: skip

    def evaluate(self, design: np.ndarray, seed: int) -> Observation:
        results = self.estimate(np.asarray(design, dtype=float), seed)
        main = results[self.settings.estimator]
        extras: dict[str, float] = {}
        for name, r in results.items():
            extras[f"eig_{name}"] = r.value
            extras[f"se_{name}"] = r.standard_error
        return Observation(main.value, main.variance, extras)
