"""DesignStudy: choose each next experiment by its expected information gain, run it, update, repeat.

For experiment k = 0 .. K-1 (SCIENCE.md sections 4 and 7):

1. EIG(phi) under the current belief is a noisy black box (each estimate comes with its MC variance). An
   ActiveLoop over the design space, driven by LoopRunner (serial or Ray executor, study file, resume), fits a GP
   with those variances and lets a BO strategy (``ucb`` / ``logei``, designs in flight as ``X_pending``) choose
   which designs to evaluate, ``evaluations_per_experiment`` in batches of ``batch_size``.
2. The design run is the maximiser of the GP mean. "Running the experiment" simulates it at a hidden true theta
   or calls a user function returning real data.
3. The particle posterior is re-weighted by the experiment's likelihood (exact, or the trained ratio
   estimator's) and, when degenerate, resampled and moved by MCMC; it is the prior of the next experiment.

The cost model (fixed events or fixed luminosity per experiment) is part of the study and decides the answer.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from typing import Any, Literal

import numpy as np

from active_science.convergence import Never
from active_science.design_calibration import ScoreCalibration, fit_score_calibration
from active_science.design_eig import LIKELIHOOD_FREE, EIGObjective, EIGSettings, classifier_experiment_log_likelihood
from active_science.design_result import DesignResult, EIGCurve
from active_science.design_store import KIND, SeedKind, StageStore, read_design_result, stage_seed
from active_science.evaluation import Evaluation
from active_science.exceptions import InvalidInputError, StoreError
from active_science.execution import RetryPolicy, make_executor
from active_science.execution.ray import announce_cluster
from active_science.experiment import CostModel, ExperimentData, cost_model_from_config, experiment_log_likelihood, simulate_experiments
from active_science.loop import ActiveLoop
from active_science.posterior import ParticlePosterior
from active_science.priors import Prior, prior_from_config
from active_science.registry import get_simulator, get_strategy
from active_science.runner import LoopRunner, RoundSummary
from active_science.space import ParameterSpace
from active_science.stats.eig_classifier import ClassifierSettings, TrainedClassifier, train_classifier
from active_science.store import Store
from active_science.surrogates.gp import GPSurrogate
from active_science.threads import torch_threads

__all__ = ["DesignStudy", "KIND"]

logger = logging.getLogger(__name__)



class DesignStudy:
    """Sequential optimal experiment design by expected information gain.

    Args:
        simulator: a registered simulator name (``"weinberg"``) or a simulator object with a ``design_space``.
        prior: the prior over theta (``UniformPrior``/``GaussianPrior`` or its config table).
        cost: the cost model of one experiment (``FixedEvents(n)``/``FixedLuminosity(L)`` or its config table).
        design_space: designs to choose from (default: the simulator's ``design_space``).
        eig: EIG estimator and Monte Carlo sizes (``estimator``: ``"lfire"`` default, ``"infonce"``, ``"nwj"`` or
            the exact ``"nested"``).
        classifier: settings of the amortised ratio classifier (likelihood-free estimators / ratio posterior).
        pretrained: an already trained classifier (trained on this prior over this design space) to use instead of
            training one; it is stored in the study file like a trained one.
        strategy: BO strategy name (``"ucb"``, ``"logei"``, or any registered strategy) or object.
        batch_size: EIG evaluations per round (run in parallel on Ray).
        evaluations_per_experiment: EIG evaluations spent choosing each experiment's design.
        num_experiments: experiments run one after the other.
        true_theta: `(d,)` hidden parameter at which simulated experiments are run.
        experiment: ``f(design (k,), seed) -> events (n, x_dim)`` returning real data, instead of ``true_theta``.
        posterior_update: ``"exact"`` (simulator likelihood) or ``"ratio"`` (the trained classifier, its critic
            calibrated to a zero-mean score with ``eig.num_calibration`` simulated experiments per experiment run).
        num_particles: particles of the posterior.
        monitor: further EIG estimators reported with every evaluation (e.g. ``("nested",)``).
        executor, address, num_cpus, retry: where EIG evaluations run.
        seed: study seed (everything random derives from it).
        store, force: HDF5 study file (resumable) and whether to overwrite it.

    Example:
        >>> from active_science.experiment import FixedEvents
        >>> from active_science.priors import UniformPrior
        >>> study = DesignStudy("weinberg", prior=UniformPrior({"sin2w": (0.21, 0.25)}), cost=FixedEvents(500),
        ...                     eig=EIGSettings("nested", num_outer=30, num_inner=100), evaluations_per_experiment=4,
        ...                     num_experiments=2, true_theta=[0.2312], seed=0, num_particles=1000,
        ...                     strategy_options={"num_restarts": 2, "raw_samples": 64, "mc_samples": 64})
        >>> result = study.run()
        >>> result.designs.shape, bool(result.posterior_sd[-1, 0] < result.posterior_sd[0, 0])
        ((2, 1), True)
    """

    def __init__(
        self,
        simulator: Any,
        *,
        prior: Prior | Mapping[str, Any],
        cost: CostModel | Mapping[str, Any],
        design_space: ParameterSpace | None = None,
        eig: EIGSettings | None = None,
        classifier: ClassifierSettings | None = None,
        pretrained: TrainedClassifier | None = None,
        strategy: Any = "ucb",
        strategy_options: Mapping[str, Any] | None = None,
        batch_size: int = 4,
        evaluations_per_experiment: int = 16,
        num_experiments: int = 5,
        true_theta: Sequence[float] | np.ndarray | None = None,
        experiment: Callable[[np.ndarray, int], np.ndarray] | None = None,
        posterior_update: Literal["exact", "ratio"] = "exact",
        num_particles: int = 4000,
        monitor: Sequence[str] = (),
        executor: Any = "serial",
        address: str | None = None,
        num_cpus: int | None = None,
        retry: RetryPolicy | None = None,
        seed: int = 0,
        store: str | os.PathLike[str] | None = None,
        force: bool = False,
        simulator_options: Mapping[str, Any] | None = None,
        grid_size: int = 401,
    ) -> None:
        if isinstance(simulator, str):
            self.simulator = get_simulator(simulator, **dict(simulator_options or {}))
        elif simulator_options:
            raise InvalidInputError("simulator_options apply only when the simulator is given by name")
        else:
            self.simulator = simulator
        if not callable(getattr(self.simulator, "simulate", None)):
            raise InvalidInputError(f"simulator {simulator!r} has no simulate(theta, seed=..., design=...) method")
        self.design_space = design_space if design_space is not None else getattr(self.simulator, "design_space", None)
        if not isinstance(self.design_space, ParameterSpace):
            raise InvalidInputError("no design space: pass design_space=ParameterSpace({...}) or use a simulator with design_space")
        self.prior = prior if not isinstance(prior, Mapping) else prior_from_config(prior)
        names = tuple(getattr(getattr(self.simulator, "space", None), "names", self.prior.names))
        if tuple(self.prior.names) != names:
            raise InvalidInputError(f"prior parameters {list(self.prior.names)} differ from the simulator's {list(names)}; give one entry per parameter, in order")
        self.names = names
        self.cost = cost if not isinstance(cost, Mapping) else cost_model_from_config(cost)
        self.eig = eig or EIGSettings()
        self.classifier_settings = classifier or ClassifierSettings()
        self.monitor = tuple(monitor)
        for label, v, low in (("batch_size", batch_size, 1), ("evaluations_per_experiment", evaluations_per_experiment, 2),
                              ("num_experiments", num_experiments, 1), ("num_particles", num_particles, 10), ("grid_size", grid_size, 3)):  # fmt: skip
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
                raise InvalidInputError(f"{label}={v!r} must be an integer >= {low}")
        self.batch_size, self.evaluations_per_experiment = int(batch_size), int(evaluations_per_experiment)
        self.num_experiments, self.num_particles, self.grid_size = int(num_experiments), int(num_particles), int(grid_size)
        if (true_theta is None) == (experiment is None):
            raise InvalidInputError("pass exactly one of true_theta=... (simulated experiments) or experiment=f(design, seed) -> events")
        self.true_theta = None if true_theta is None else np.asarray(true_theta, dtype=float).reshape(-1)
        if self.true_theta is not None and self.true_theta.shape != (len(names),):
            raise InvalidInputError(f"true_theta={self.true_theta.tolist()} must have one value per parameter {list(names)}")
        self.experiment = experiment
        if posterior_update not in ("exact", "ratio"):
            raise InvalidInputError(f"posterior_update={posterior_update!r} must be 'exact' or 'ratio'")
        self.posterior_update = posterior_update
        self.strategy_spec, self.strategy_options = strategy, dict(strategy_options or {})
        self._make_strategy()  # validate now
        if isinstance(executor, str) and executor not in ("serial", "ray"):
            raise InvalidInputError(f"unknown executor {executor!r}; valid names: serial, ray")
        self.executor_spec, self.executor_options = executor, {"address": address, "num_cpus": num_cpus}
        self.retry = retry or RetryPolicy()
        self.seed = int(seed)
        if self.seed < 0:
            raise InvalidInputError(f"seed={seed!r} must be an integer >= 0")
        self.store_path = None if store is None else os.fspath(store)
        self.force = bool(force)
        self.config = self._config(simulator)
        self._resume_from_store = False
        self._classifier: TrainedClassifier | None = pretrained
        self._store_pretrained = pretrained is not None
        self._calibrations: dict[int, ScoreCalibration | None] = {}

    # ----------------------------------------------------------------------------------------------- config
    def _config(self, simulator: Any) -> dict[str, Any]:
        sim_cfg = {"name": getattr(self.simulator, "name", str(simulator)), "options": dict(getattr(self.simulator, "options", {}) or {})}
        return {
            "kind": KIND, "simulator": sim_cfg, "prior": self.prior.to_config(), "cost": self.cost.to_config(),
            "design_space": self.design_space.to_config() if self.design_space.is_serializable else None,
            "eig": asdict(self.eig), "classifier": asdict(self.classifier_settings),
            "strategy": self.strategy_spec if isinstance(self.strategy_spec, str) else getattr(self.strategy_spec, "name", "custom"),
            "strategy_options": self.strategy_options, "batch_size": self.batch_size,
            "evaluations_per_experiment": self.evaluations_per_experiment, "num_experiments": self.num_experiments,
            "true_theta": None if self.true_theta is None else self.true_theta.tolist(),
            "experiment": None if self.experiment is None else f"{getattr(self.experiment, '__module__', '?')}:{getattr(self.experiment, '__qualname__', '?')}",
            "posterior_update": self.posterior_update, "num_particles": self.num_particles, "monitor": list(self.monitor),
            "executor": self.executor_spec if isinstance(self.executor_spec, str) else type(self.executor_spec).__name__,
            "address": self.executor_options["address"], "seed": self.seed, "grid_size": self.grid_size,
            "retry": {"max_retries": self.retry.max_retries, "backoff": self.retry.backoff, "timeout": self.retry.timeout},
            "cost_model": self.cost.describe(),
        }  # fmt: skip

    def _make_strategy(self) -> Any:
        if isinstance(self.strategy_spec, str):
            return get_strategy(self.strategy_spec, **self.strategy_options)
        if self.strategy_options:
            raise InvalidInputError("strategy_options apply only when the strategy is given by name")
        return self.strategy_spec

    def _seed(self, kind: int, stage: int) -> int:
        return stage_seed(self.seed, kind, stage)

    @property
    def needs_classifier(self) -> bool:
        return self.eig.estimator in LIKELIHOOD_FREE or any(m in LIKELIHOOD_FREE for m in self.monitor) or self.posterior_update == "ratio"

    # ----------------------------------------------------------------------------------------------- parts
    def classifier(self, store: Store | None = None) -> TrainedClassifier:
        """The amortised ratio classifier: read from the study file if it holds one, else trained (and stored)."""
        if self._classifier is not None:
            if self._store_pretrained and store is not None and "classifier" not in store.array_keys():
                store.put_arrays("classifier", 0, self._classifier.to_arrays())
            self._store_pretrained = False
            return self._classifier
        if store is not None and "classifier" in store.array_keys():
            self._classifier = TrainedClassifier.from_arrays(store.get_arrays("classifier"), design_space=self.design_space, settings=self.classifier_settings)
            return self._classifier
        t0 = time.perf_counter()
        self._classifier = train_classifier(
            self.simulator, lambda n, rng: self.prior.sample(n, rng), self.design_space,
            settings=self.classifier_settings, seed=self._seed(SeedKind.CLASSIFIER, 0),
        )  # fmt: skip
        logger.info("ratio classifier trained in %.1f s", time.perf_counter() - t0)
        if store is not None:
            store.put_arrays("classifier", 0, self._classifier.to_arrays())
            store.log_event("classifier", f"trained in {time.perf_counter() - t0:.1f} s")
        return self._classifier

    def initial_belief(self) -> ParticlePosterior:
        """The prior as ``num_particles`` equal-weight particles (the belief before the first experiment)."""
        return ParticlePosterior.from_samples(self.prior.sample(self.num_particles, self._seed(SeedKind.PRIOR, 0)), names=self.names)

    def log_likelihood(self, data: ExperimentData, thetas: np.ndarray, *, stage: int | None = None) -> np.ndarray:
        """`(m,)` log likelihood of one experiment's data at `(m, d)` thetas (exact, or the classifier's).

        With the ratio update, the classifier's critic of experiment ``stage`` is calibrated to a zero-mean score
        (``active_science.design_calibration``) by the calibration fitted when that experiment was run.
        """
        if self.posterior_update == "exact":
            return experiment_log_likelihood(self.simulator, self.cost, data, thetas)
        cal = self._calibrations.get(stage) if stage is not None else None
        return classifier_experiment_log_likelihood(self._classifier, self.simulator, self.cost, [data], thetas, calibration=cal)[0]

    def _calibrate(self, stage: int, data: ExperimentData, belief: ParticlePosterior) -> None:
        """Fit (once) the calibration of the classifier's critic at experiment ``stage``'s design, with calibration
        experiments at parameters from the belief before that experiment (deterministic: resume refits the same)."""
        if self.posterior_update != "ratio" or stage in self._calibrations or not self.eig.num_calibration:
            return
        seed = self._seed(SeedKind.CALIBRATION, stage)
        thetas = belief.sample(self.eig.num_calibration, seed)
        self._calibrations[stage] = fit_score_calibration(self.classifier(), self.simulator, self.cost, data.design, thetas, seed=seed)

    def run_experiment(self, design: np.ndarray, stage: int) -> ExperimentData:
        """Run "the experiment" at ``design``: simulate at the hidden true theta, or call the user's function."""
        seed = self._seed(SeedKind.EXPERIMENT, stage)
        if self.experiment is None:
            return simulate_experiments(self.simulator, self.cost, self.true_theta[None], design, seed=seed)[0]  # type: ignore[index]
        x = np.asarray(self.experiment(np.array(design, dtype=float), seed), dtype=float)
        x_dim = int(getattr(self.simulator, "x_dim", x.shape[-1] if x.ndim > 1 else 1))
        if x.size % x_dim or not np.all(np.isfinite(x)):
            raise InvalidInputError(f"experiment returned {x.shape} values; return finite events of shape (n, {x_dim})")
        return ExperimentData(np.array(design, dtype=float), x.reshape(-1, x_dim))

    def update(self, belief: ParticlePosterior, experiments: Sequence[ExperimentData], stage: int) -> ParticlePosterior:
        """Posterior after the last of ``experiments``: re-weight; resample and MCMC-move when the ESS halves."""
        self._calibrate(stage, experiments[-1], belief)
        new = belief.reweight(self.log_likelihood(experiments[-1], belief.particles, stage=stage))
        if new.ess < 0.5 * new.size:

            def log_target(th: np.ndarray) -> np.ndarray:
                lp = self.prior.log_prob(th)
                ok = np.isfinite(lp)
                out = np.full(len(th), -math.inf)
                if np.any(ok):
                    out[ok] = lp[ok] + sum(self.log_likelihood(d, th[ok], stage=j) for j, d in enumerate(experiments))
                return out

            new = new.resample_move(log_target, seed=self._seed(SeedKind.MOVE, stage), steps=5)
        return new

    def _curve(self, loop: ActiveLoop) -> EIGCurve:
        with torch_threads():
            return self._curve_unthreaded(loop)

    def _curve_unthreaded(self, loop: ActiveLoop) -> EIGCurve:
        X, y, yvar = loop.training_data()
        model = loop.fitted_surrogate()
        if self.design_space.dim == 1:
            grid_u = np.linspace(0.0, 1.0, self.grid_size)[:, None]
        else:
            grid_u = self.design_space.sample_unit(max(self.grid_size, 512 * self.design_space.dim), seed=0, method="sobol")
        if model is None:  # fewer than 2 successful evaluations: fall back on the best one
            if len(y) == 0:
                raise InvalidInputError("every EIG evaluation of this experiment failed; see the study file's evaluations for the errors")
            mean, var = np.full(len(grid_u), float(y.max())), np.zeros(len(grid_u))
            chosen = X[int(np.argmax(y))]
        else:
            mean, var = model.predict(grid_u)
            chosen = self.design_space.from_unit(grid_u[int(np.argmax(mean))][None])[0]
        errors = np.sqrt(yvar) if yvar is not None else np.full(len(y), np.nan)
        return EIGCurve(self.design_space.from_unit(grid_u), mean, np.sqrt(var), X, y, errors, chosen)

    def _progress_postfix(self, loop: ActiveLoop, stage: int) -> dict[str, str]:
        """What the progress bar shows after each round: the experiment, the current best design (maximiser of the
        GP mean, the design that would be run now) and its EIG as GP mean +- sd."""
        postfix = {"experiment": f"{stage + 1}/{self.num_experiments}"}
        if loop.num_told == 0 or len(loop.training_data()[1]) == 0:
            return postfix
        curve = self._curve_unthreaded(loop)  # the runner already holds the torch thread limit
        i = int(np.argmax(curve.mean))
        postfix["best"] = ",".join(f"{v:.4g}" for v in curve.chosen)
        postfix["eig"] = f"{curve.mean[i]:.3g}+-{curve.sd[i]:.2g}"
        return postfix

    # ----------------------------------------------------------------------------------------------- running
    def _open_store(self) -> Store | None:
        if self.store_path is None:
            return None
        if self._resume_from_store:
            return Store.open(self.store_path, "resume")
        self._resume_from_store = True  # a second run() continues the same file
        return Store.create(self.store_path, kind=KIND, config=self.config, param_names=self.design_space.names, force=self.force)

    def _restore(self, store: Store | None, prior_particles: ParticlePosterior) -> tuple[list[ParticlePosterior], list[ExperimentData], list[EIGCurve]]:
        if store is None or "posterior" not in store.array_keys():
            return [prior_particles], [], []
        done = read_design_result(store)  # its prior particles are drawn as initial_belief() draws them
        return [prior_particles, *done.posteriors[1:]], list(done.experiments), list(done.curves)

    def run(self, *, progress: bool = False) -> DesignResult:
        """Run (or continue) the sequential study until ``num_experiments`` experiments were run."""
        t0 = time.perf_counter()
        store = self._open_store()
        bar = None
        try:
            if self.needs_classifier:
                if progress and self._classifier is None and (store is None or "classifier" not in store.array_keys()):
                    from tqdm import tqdm

                    c = self.classifier_settings
                    tqdm.write(f"training the ratio classifier ({c.num_train} events x {c.epochs} epochs) ...", file=sys.stderr)
                self.classifier(store)
            prior_particles = self.initial_belief()
            beliefs, experiments, curves = self._restore(store, prior_particles)
            for j, done in enumerate(experiments):  # the ratio update's calibrations of the restored experiments
                self._calibrate(j, done, beliefs[j])
            if store is not None and experiments:
                store.log_event("resumed", f"{len(experiments)} experiments restored")
            n_done = sum(len(StageStore(store, k).evaluations()) for k in range(self.num_experiments)) if store is not None else 0
            if progress:
                from tqdm import tqdm

                bar = tqdm(total=self.num_experiments * self.evaluations_per_experiment, initial=n_done, unit="eig", desc="design study", dynamic_ncols=True)
            for k in range(len(experiments), self.num_experiments):
                curve = self._design_stage(k, beliefs[-1], store, bar, [c.chosen for c in curves])
                data = self.run_experiment(curve.chosen, k)
                experiments.append(data)
                beliefs.append(self.update(beliefs[-1], experiments, k))
                curves.append(curve)
                logger.info("experiment %d at %s: %d events; posterior sd %s", k, curve.chosen, data.count, beliefs[-1].sd)
                if store is not None:
                    store.put_arrays("eig_curve", k, curve.to_arrays())
                    store.put_arrays("experiment", k, {"design": data.design, "x": data.x})
                    store.put_arrays("posterior", k, {"particles": beliefs[-1].particles, "log_weights": beliefs[-1].log_weights,
                                                      "mean": beliefs[-1].mean, "sd": beliefs[-1].sd})  # fmt: skip
                    store.log_event("experiment", f"{k}: design {curve.chosen.tolist()}, {data.count} events, posterior sd {beliefs[-1].sd.tolist()}")
            if store is not None:
                store.log_event("finished", f"{len(experiments)} experiments")
        finally:
            if bar is not None:
                bar.close()
            if store is not None:
                store.close()
        n_eval = sum(len(c.values) for c in curves)
        return DesignResult(self.names, self.design_space.names, self.cost, tuple(curves), tuple(experiments), tuple(beliefs),
                            self.true_theta, n_eval, time.perf_counter() - t0, self.store_path)  # fmt: skip

    def _design_stage(self, k: int, belief: ParticlePosterior, store: Store | None, bar: Any, previous: Sequence[np.ndarray] = ()) -> EIGCurve:
        classifier = self._classifier
        lf_eig = any(e in LIKELIHOOD_FREE for e in (self.eig.estimator, *self.monitor))  # ship the weights only if used
        strategy = self._make_strategy()
        if previous and hasattr(strategy, "initial_points") and strategy.initial_points is None:
            # warm start: EIG under the new posterior is usually still high where the last experiment was run
            strategy.initial_points = np.array(previous[-1:], dtype=float)
        objective = EIGObjective(
            self.simulator, self.cost, belief.sample(self.num_particles, self._seed(SeedKind.BELIEF, k)), settings=self.eig,
            classifier_arrays=classifier.to_arrays() if classifier is not None and lf_eig else None, classifier_settings=self.classifier_settings,
            design_space=self.design_space, extra_estimators=self.monitor,
        )  # fmt: skip
        # no input warping: EIG curves are flat near zero over most of the range, and a learned warp then stretches an
        # empty edge of the range, where UCB keeps sampling, instead of the informative region (seen on Weinberg)
        loop = ActiveLoop(self.design_space, strategy, seed=self._seed(SeedKind.LOOP, k), surrogate=GPSurrogate(warp=False), budget=self.evaluations_per_experiment)
        view = StageStore(store, k) if store is not None else None
        executor = make_executor(self.executor_spec, objective, retry=self.retry, **self.executor_options)
        announce_cluster(executor, progress=bar is not None)

        def observe(ev: Evaluation) -> tuple[float, float | None]:
            return ev.value, None if math.isnan(ev.variance) else ev.variance

        def summarise(lp: ActiveLoop, round_index: int) -> RoundSummary:
            model = lp.fitted_surrogate()
            arrays = {"surrogate": {n: np.asarray(v) for n, v in model.hyperparameters().items()}} if model is not None else {}
            return RoundSummary(arrays=arrays, postfix=self._progress_postfix(lp, k))

        runner = LoopRunner(loop, executor, view, observe=observe, summarise=summarise, stopping=Never(), batch_size=self.batch_size)
        try:
            if view is not None and len(view.proposals()):
                runner.restore(view)  # type: ignore[arg-type]
                view.log_event("resumed", f"{loop.num_told} EIG evaluations restored, {len(loop.pending)} re-run")
            runner.run(self.evaluations_per_experiment, progress=bar)
        finally:
            executor.shutdown()
        return self._curve(loop)

    # ----------------------------------------------------------------------------------------------- resume
    @classmethod
    def resume(
        cls,
        path: str | os.PathLike[str],
        *,
        executor: Any = None,
        address: str | None = None,
        num_cpus: int | None = None,
        experiment: Callable[[np.ndarray, int], np.ndarray] | None = None,
    ) -> DesignStudy:
        """Reopen a design study from its file; ``run()`` continues where it stopped (same results as uninterrupted)."""
        with Store.open(path) as st:
            if st.kind != KIND:
                raise StoreError(f"{os.fspath(path)!r} holds a {st.kind!r} study, not a design study")
            cfg = st.config
        if cfg["experiment"] is not None and experiment is None:
            raise InvalidInputError(f"this study's experiments came from the Python function {cfg['experiment']!r}; pass experiment=... to resume it")
        if cfg["design_space"] is None:
            raise InvalidInputError("this study's design space had a callable constraint and cannot be rebuilt from the file")
        study = cls(
            cfg["simulator"]["name"], simulator_options=cfg["simulator"]["options"], prior=cfg["prior"], cost=cfg["cost"],
            design_space=ParameterSpace.from_config(cfg["design_space"]), eig=EIGSettings(**cfg["eig"]),
            classifier=ClassifierSettings(**cfg["classifier"]), strategy=cfg["strategy"], strategy_options=cfg["strategy_options"],
            batch_size=cfg["batch_size"], evaluations_per_experiment=cfg["evaluations_per_experiment"],
            num_experiments=cfg["num_experiments"], true_theta=cfg["true_theta"], experiment=experiment,
            posterior_update=cfg["posterior_update"], num_particles=cfg["num_particles"], monitor=cfg["monitor"],
            executor=executor if executor is not None else cfg["executor"], address=address if address is not None else cfg["address"],
            num_cpus=num_cpus, retry=RetryPolicy(**cfg["retry"]), seed=cfg["seed"], store=path, grid_size=cfg["grid_size"],
        )  # fmt: skip
        study._resume_from_store = True
        return study
