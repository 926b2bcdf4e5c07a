"""ExclusionScan: the adaptive exclusion-contour scan built on ActiveLoop.

The objective returns CLs at a point (excluded iff CLs < level). The scan models ``log(CLs) - log(level)`` with a GP
(smooth and unbounded, unlike CLs; clipped far inside the excluded region where only the label matters), proposes
points where the sign is uncertain, and stops when the uncertain fraction of the space stays below a tolerance.
With ``scale="linear"`` it learns the level set ``value = level`` of any function instead.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy.stats import norm

from active_science.convergence import StoppingRule, UncertainFractionBelow, rule_from_config, rule_to_config
from active_science.evaluation import Evaluation, SimulatorObjective, as_objective
from active_science.exceptions import InvalidInputError, SimulationError, StoreError
from active_science.execution import RetryPolicy, make_executor
from active_science.execution.ray import announce_cluster
from active_science.loop import ActiveLoop
from active_science.registry import DEFAULT_STRATEGY, get_simulator, get_strategy
from active_science.runner import LoopRunner, RoundSummary
from active_science.space import ParameterSpace
from active_science.stats.contours import contour_lines, crossings_1d
from active_science.store import Store
from active_science.surrogates.multi import MultiTargetSurrogate
from active_science.threads import torch_threads

__all__ = ["ExclusionScan", "ScanResult", "LevelTransform"]

logger = logging.getLogger(__name__)

KIND = "exclusion_scan"


@dataclass(frozen=True)
class LevelTransform:
    """Maps raw values (CLs) to the modelled scale, where the contour is at 0 and ``value < level`` is excluded."""

    level: float
    scale: Literal["log", "linear"] = "log"
    clip: float = 8.0

    def __post_init__(self) -> None:
        if self.scale not in ("log", "linear"):
            raise InvalidInputError(f"scale={self.scale!r} must be 'log' (CLs) or 'linear' (any level set)")
        if isinstance(self.level, bool) or not isinstance(self.level, (int, float)) or not math.isfinite(self.level):
            raise InvalidInputError(f"level={self.level!r} must be a finite number")
        if self.scale == "log" and not 0.0 < self.level < 1.0:
            raise InvalidInputError(f"level={self.level} must lie in (0, 1) for a CLs scan, e.g. level=0.05")
        if isinstance(self.clip, bool) or not isinstance(self.clip, (int, float)) or not self.clip > 0:
            raise InvalidInputError(f"clip={self.clip} must be > 0")

    def forward(self, value: float, variance: float | None) -> tuple[float, float | None]:
        if variance is not None and math.isnan(variance):
            variance = None  # unknown noise
        if self.scale == "linear":
            return value - self.level, variance
        if not 0.0 <= value <= 1.0 + 1e-9:
            raise SimulationError(f"objective returned CLs={value:.6g}, outside [0, 1]; use scale='linear' for other quantities")
        v = max(value, 1e-300)
        y = max(math.log(v) - math.log(self.level), -self.clip)
        if variance is None:
            return y, None
        # delta method: var(log CLs) = var(CLs) / CLs^2 (written to avoid underflow of CLs^2 deep in the excluded
        # region, where the value is clipped and its variance hardly matters)
        return y, (math.sqrt(variance) / v) ** 2

    def inverse(self, y: np.ndarray) -> np.ndarray:
        return np.exp(y + math.log(self.level)) if self.scale == "log" else y + self.level

    def at_level(self, level: float) -> float:
        """The modelled value of the contour at another level (e.g. 0.01 on a 0.05 scan)."""
        if self.scale == "log":
            if not 0.0 < level:
                raise InvalidInputError(f"level={level} must be > 0 on a CLs scan")
            return math.log(level) - math.log(self.level)
        return level - self.level


@dataclass(frozen=True)
class ScanResult:
    """The outcome of an exclusion scan.

    Attributes:
        level: the CLs level (or the level-set value, ``scale="linear"``).
        n_evaluations: simulator calls spent (successful + failed).
        n_failed: evaluations that failed after all retries.
        n_rounds: rounds run.
        converged: whether the stopping rule (not the budget) ended the scan.
        stop_reason: ``"converged"``, ``"budget"`` or ``"exhausted"``.
        points: `(n, d)` successfully evaluated points, in id order.
        values: `(n,)` their raw values (CLs).
        variances: `(n,)` their noise variances (NaN if unknown).
        uncertain_fraction: fraction of the space with an uncertain label (of any target), after each round.
        expected_misclassified: expected fraction of the space with a wrong label (of any target), after each round.
        wall_time: seconds spent in ``run``.
        store: path of the study file, or None.
        targets: names of the scanned quantities (``"value"`` = the objective's main value; others are keys of
            ``Observation.extras``); ``values``/``variances`` have one column per target when there are several.

    Example:
        >>> space = ParameterSpace({"x": (0.0, 1.0)})
        >>> result = ExclusionScan(lambda th, seed: float(np.exp(-6.0 * th[0])), space, strategy="sobol", batch_size=8,
        ...                        seed=0).run(max_evaluations=8)   # CLs = 0.05 at x = log(20) / 6 = 0.4993
        >>> result.n_evaluations, result.points.shape, result.excluded(np.array([[0.2], [0.9]])).tolist()
        (8, (8, 1), [False, True])
    """

    level: float
    n_evaluations: int
    n_failed: int
    n_rounds: int
    converged: bool
    stop_reason: str
    points: np.ndarray
    values: np.ndarray
    variances: np.ndarray
    uncertain_fraction: tuple[float, ...]
    wall_time: float
    store: str | None
    targets: tuple[str, ...] = ("value",)
    expected_misclassified: tuple[float, ...] = ()
    space: ParameterSpace = field(repr=False, default=None)  # type: ignore[assignment]
    transform: LevelTransform = field(repr=False, default=None)  # type: ignore[assignment]
    surrogate: Any = field(repr=False, default=None)

    def _column(self, target: str | None) -> int:
        if target is None:
            return 0
        if target not in self.targets:
            raise InvalidInputError(f"target {target!r} was not scanned; scanned targets: {', '.join(self.targets)}")
        return self.targets.index(target)

    def _posterior(self, points: Any, target: str | None) -> tuple[np.ndarray, np.ndarray]:
        k = self._column(target)
        pts = np.asarray(points, dtype=float)
        if pts.ndim == 1 and self.space.dim > 1:
            pts = pts[None, :]
        pts = pts.reshape(-1, self.space.dim)
        if self.surrogate is None:
            raise InvalidInputError("the scan has fewer than 2 successful evaluations; nothing to predict from")
        with torch_threads():
            mean, var = self.surrogate.predict(self.space.to_unit(pts))
        return mean.reshape(len(pts), -1)[:, k], var.reshape(len(pts), -1)[:, k]

    def excluded(self, points: Any, *, target: str | None = None) -> np.ndarray:
        """Predicted label at `(n, d)` points: True where the value is below the level (excluded)."""
        mean, _ = self._posterior(points, target)
        return mean < 0.0

    def probability_excluded(self, points: Any, *, target: str | None = None) -> np.ndarray:
        """Posterior probability `(n,)` that each point is excluded."""
        mean, var = self._posterior(points, target)
        return norm.cdf(-mean / np.sqrt(var))

    def predict(self, points: Any, *, target: str | None = None) -> np.ndarray:
        """Surrogate estimate `(n,)` of the raw value (CLs) at each point."""
        mean, _ = self._posterior(points, target)
        return self.transform.inverse(mean)

    def contour_points(self, level: float | None = None, *, target: str | None = None, resolution: int = 200) -> list[np.ndarray]:
        """The estimated boundary at ``level`` (default: the scan's) as polylines `(k, 2)` in the space's
        coordinates (2D), or crossing points `(k, 1)` (1D)."""
        t = 0.0 if level is None else self.transform.at_level(level)
        k = self._column(target)
        if self.space.dim == 1:
            u = np.linspace(0.0, 1.0, resolution * 5)[:, None]
            mean = self.surrogate.predict(u)[0].reshape(len(u), -1)[:, k]
            x = self.space.from_unit(u)[:, 0]
            return [np.array([[c]]) for c in crossings_1d(x, mean, t)]
        if self.space.dim != 2:
            raise InvalidInputError(f"contour polylines exist for 1D and 2D spaces (this one is {self.space.dim}D); use excluded(points)")
        g = np.linspace(0.0, 1.0, resolution)
        U = np.stack(np.meshgrid(g, g, indexing="xy"), axis=-1).reshape(-1, 2)
        mean = self.surrogate.predict(U)[0].reshape(len(U), -1)[:, k]
        theta = self.space.from_unit(U)
        mean = np.where(self.space.contains(theta), mean, np.nan).reshape(resolution, resolution)  # box too: model coordinates reach outside it
        lines = contour_lines(g, g, mean, t)
        return [self.space.from_unit(seg) for seg in lines]


def _resolve_objective(objective: Any, simulator_options: Mapping[str, Any] | None) -> tuple[Any, Any, dict[str, Any]]:
    """(objective, simulator or None, config description)."""
    if isinstance(objective, str):
        sim = get_simulator(objective, **dict(simulator_options or {}))
        return SimulatorObjective(sim, sim.default_statistic()), sim, {"simulator": objective, "simulator_options": dict(simulator_options or {})}
    if simulator_options:
        raise InvalidInputError("simulator_options apply only when the objective is a simulator name")
    obj = as_objective(objective)
    sim = objective if hasattr(objective, "simulate") else getattr(obj, "simulator", None)
    name = getattr(sim, "name", None) if sim is not None else None
    options = getattr(sim, "options", None) if sim is not None else None
    if name is not None and options is not None:
        return obj, sim, {"simulator": name, "simulator_options": dict(options)}
    fn = getattr(obj, "fn", obj)
    return obj, sim, {"python_objective": f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', type(fn).__name__)}"}


class ExclusionScan:
    """Adaptive exclusion-contour scan.

    Args:
        objective: a simulator name (``"mass_plane"``), a simulator with a default statistic, a
            ``(simulator, statistic)`` pair, or ``f(theta, seed) -> CLs`` (float or ``Observation``).
        space: the parameter space (default: the simulator's own).
        level: CLs level; a point is excluded iff CLs < level.
        scale: ``"log"`` models log CLs (default); ``"linear"`` models ``value - level`` for any function.
        strategy: strategy name or object (default: ``band_entropy``, GP label entropy damped where the contour is
            already located; see ``list_strategies()``).
        batch_size: evaluations per round (and in flight at once).
        executor: ``"serial"``, ``"ray"`` or an executor object.
        seed: study seed (simulator seeds, strategy restarts, initial design).
        store: path of the HDF5 study file, or None.
        force: overwrite an existing study file.
        stopping: stopping rule (default: uncertain fraction < ``tolerance`` for 2 rounds, after >= 10 d successful
            evaluations).
        tolerance: tolerance of the default stopping rule.
        retry: retry policy for failing evaluations.
        address, num_cpus: Ray cluster address / local Ray size.
        candidates: `(c, d)` finite pool of points (pool-based scan), or None (then the simulator's own
            ``candidates`` attribute, if it has one).
        asynchronous: refill workers as soon as one finishes.
        surrogate: a Surrogate (default: exact GP with the evaluations' own noise).
        num_reference: reference points for the uncertain fraction (default ``min(4096, 1024 d)``).
        simulator_options: options for a simulator given by name.
        clip: lower clip of the modelled ``log(CLs / level)``.
        strategy_options: options for a strategy given by name.
        targets: quantities whose contours are learnt together (default ``["value"]``): ``"value"`` is the
            objective's value, other names are keys of its ``Observation.extras`` (e.g. the expected CLs); a
            variance for target ``t`` is read from ``extras[t + "_variance"]`` if present. Proposals go where any
            target's label is uncertain; the scan converges when all are certain.

    Example:
        >>> import active_science as asci
        >>> space = asci.ParameterSpace({"x": (0.0, 1.0)})
        >>> scan = asci.ExclusionScan(lambda th, seed: float(0.2 * np.exp(-3 * th[0])), space, seed=0)
        >>> result = scan.run(max_evaluations=12)
        >>> bool(result.excluded([[0.9]])[0]), bool(result.excluded([[0.1]])[0])   # boundary at x = ln(4)/3 = 0.46
        (True, False)
    """

    def __init__(
        self,
        objective: Any,
        space: ParameterSpace | None = None,
        *,
        level: float = 0.05,
        scale: Literal["log", "linear"] = "log",
        strategy: Any = DEFAULT_STRATEGY,
        batch_size: int = 4,
        executor: Any = "serial",
        seed: int = 0,
        store: str | os.PathLike[str] | None = None,
        force: bool = False,
        stopping: StoppingRule | None = None,
        tolerance: float = 0.01,
        retry: RetryPolicy | None = None,
        address: str | None = None,
        num_cpus: int | None = None,
        candidates: np.ndarray | None = None,
        asynchronous: bool = False,
        surrogate: Any = None,
        num_reference: int | None = None,
        simulator_options: Mapping[str, Any] | None = None,
        clip: float = 8.0,
        strategy_options: Mapping[str, Any] | None = None,
        targets: Sequence[str] | None = None,
    ) -> None:
        self.transform = LevelTransform(level, scale, clip)
        for name, opts in (("strategy_options", strategy_options), ("simulator_options", simulator_options)):
            if opts is not None and not isinstance(opts, Mapping):
                raise InvalidInputError(f"{name}={opts!r} must be a mapping name -> value")
        if targets is not None and (isinstance(targets, str) or not isinstance(targets, (list, tuple)) or not all(isinstance(t, str) for t in targets)):
            raise InvalidInputError(f"targets={targets!r} must be a list of names, e.g. ['value', 'cls_exp']")
        self.targets = ("value",) if targets is None else tuple(targets)
        if not self.targets or len(set(self.targets)) != len(self.targets) or not all(isinstance(t, str) and t for t in self.targets):
            raise InvalidInputError(f"targets={targets!r} must be distinct names ('value' or keys of Observation.extras)")
        if surrogate is None and len(self.targets) > 1:
            surrogate = MultiTargetSurrogate(self.targets)
        self.objective, self.simulator, objective_config = _resolve_objective(objective, simulator_options)
        if candidates is None:  # a simulator that runs only at fixed points (pyhf patches) brings its own pool
            candidates = getattr(self.simulator, "candidates", None)
        if space is None:
            space = getattr(self.simulator, "space", None)
            if space is None:
                raise InvalidInputError("no space given and the objective has none; pass space=ParameterSpace({...})")
        if not isinstance(space, ParameterSpace):
            raise InvalidInputError(f"space must be a ParameterSpace, got {type(space).__name__}")
        self.space = space
        if isinstance(strategy, str):
            strategy_name = strategy
            strategy = get_strategy(strategy, **dict(strategy_options or {}))
        else:
            strategy_name = getattr(strategy, "name", type(strategy).__name__)
            if strategy_options:
                raise InvalidInputError("strategy_options apply only when the strategy is given by name")
        self.stopping = stopping if stopping is not None else UncertainFractionBelow(tolerance, patience=2, min_evaluations=10 * space.dim)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise InvalidInputError(f"batch_size={batch_size!r} must be an integer >= 1")
        self.batch_size = batch_size
        self.asynchronous = bool(asynchronous)
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise InvalidInputError(f"retry={retry!r} must be a RetryPolicy(max_retries=..., backoff=..., timeout=...)")
        if num_reference is not None and (isinstance(num_reference, bool) or not isinstance(num_reference, int) or num_reference < 1):
            raise InvalidInputError(f"num_reference={num_reference!r} must be an integer >= 1")
        self.retry = retry or RetryPolicy()
        self.executor_spec = executor
        if isinstance(executor, str) and executor not in ("serial", "ray"):
            raise InvalidInputError(f"unknown executor {executor!r}; valid names: serial, ray")
        self.executor_options = {"address": address, "num_cpus": num_cpus}
        self.loop = ActiveLoop(space, strategy, seed=seed, surrogate=surrogate, threshold=0.0, candidates=candidates)
        self.seed = self.loop.seed
        self.store_path = None if store is None else os.fspath(store)
        self.force = bool(force)
        d = space.dim
        if self.loop.candidates is not None:
            self.reference = self.loop.candidates
        else:
            n_ref = num_reference if num_reference is not None else min(4096, 1024 * d)
            self.reference = space.sample(n_ref, seed=np.random.SeedSequence([self.seed, 7]).generate_state(1)[0], method="sobol")
        self.config: dict[str, Any] = {
            "kind": KIND,
            "objective": objective_config,
            "space": space.to_config() if space.is_serializable else None,
            "level": float(level),
            "scale": scale,
            "clip": float(clip),
            "strategy": strategy_name,
            "strategy_options": dict(strategy_options or {}),
            "batch_size": batch_size,
            "asynchronous": self.asynchronous,
            "seed": self.seed,
            "executor": executor if isinstance(executor, str) else type(executor).__name__,
            "address": address,
            "retry": {"max_retries": self.retry.max_retries, "backoff": self.retry.backoff, "timeout": self.retry.timeout},
            "stopping": repr(self.stopping),
            "stopping_rule": rule_to_config(self.stopping),
            "tolerance": float(tolerance),
            "candidates": None if candidates is None else np.asarray(candidates, dtype=float).tolist(),
            "targets": list(self.targets),
        }
        self._store: Store | None = None
        self._runner: LoopRunner | None = None
        self._previous_labels: np.ndarray | None = None
        self._raw: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._resume_from_store = False
        self._store_exists = False

    # ----------------------------------------------------------------------------------------------- hooks
    def _observe(self, ev: Evaluation) -> tuple[Any, Any]:
        raw, raw_var = [], []
        for t in self.targets:
            if t == "value":
                raw.append(ev.value)
                raw_var.append(ev.variance)
            elif t not in ev.extras:
                raise SimulationError(f"the objective returned no extras[{t!r}] (got {sorted(ev.extras)}); cannot scan target {t!r}")
            else:
                raw.append(float(ev.extras[t]))
                raw_var.append(float(ev.extras.get(f"{t}_variance", math.nan)))
        pairs = [self.transform.forward(v, var) for v, var in zip(raw, raw_var)]
        self._raw[ev.id] = (np.array(raw, dtype=float), np.array(raw_var, dtype=float))
        ys = np.array([p[0] for p in pairs])
        yvars = None if any(p[1] is None for p in pairs) else np.array([p[1] for p in pairs])
        if len(self.targets) == 1:
            return float(ys[0]), None if yvars is None else float(yvars[0])
        return ys, yvars

    def _summarise(self, loop: ActiveLoop, round_index: int) -> RoundSummary:
        model = loop.fitted_surrogate()
        if model is None:
            return RoundSummary(uncertain_fraction=1.0, contour_change=1.0, expected_misclassified=0.5, postfix={"uncertain": "1.000"})
        n_ref = len(self.reference)
        mean, var = (a.reshape(n_ref, -1) for a in model.predict(self.space.to_unit(self.reference)))
        p_wrong = norm.cdf(-np.abs(mean) / np.sqrt(var))
        uncertain = float(np.mean(np.any(p_wrong > getattr(self.stopping, "probability", 0.05), axis=1)))
        # expected fraction of wrong labels: P(some target's label is wrong), targets' GPs independent
        misclassified = float(np.mean(1.0 - np.prod(1.0 - p_wrong, axis=1)))
        labels = mean < 0.0
        change = 1.0 if self._previous_labels is None else float(np.mean(np.any(labels != self._previous_labels, axis=1)))
        self._previous_labels = labels
        arrays: dict[str, dict[str, np.ndarray]] = {
            "surrogate": {k: np.asarray(v) for k, v in model.hyperparameters().items()},
            "labels": {
                "excluded": labels.astype(np.uint8).squeeze(-1) if len(self.targets) == 1 else labels.astype(np.uint8),
                "p_excluded": norm.cdf(-mean / np.sqrt(var)).astype(np.float32).squeeze(-1) if len(self.targets) == 1 else norm.cdf(-mean / np.sqrt(var)).astype(np.float32),
            },
        }
        if round_index == 0:
            arrays["reference"] = {"points": self.reference}
        if self.space.dim == 2:
            result = self._result("running")
            for k, target in enumerate(self.targets):
                lines = result.contour_points(target=target, resolution=80)
                key = "contour" if k == 0 else f"contour/{target}"
                arrays[key] = {f"segment_{i}": seg for i, seg in enumerate(lines)}
        return RoundSummary(uncertain, change, misclassified, arrays, {"uncertain": f"{uncertain:.3f}"})

    # ----------------------------------------------------------------------------------------------- running
    def _open_store(self, max_evaluations: int) -> None:
        if self.store_path is None or self._store is not None:
            return
        if self._resume_from_store or self._store_exists:
            self._store = Store.open(self.store_path, "resume")
        else:
            self.config["max_evaluations"] = int(max_evaluations)
            self._store = Store.create(
                self.store_path, kind=KIND, config=self.config, param_names=self.space.names, force=self.force
            )
        self._store_exists = True

    def run(self, max_evaluations: int = 200, *, progress: bool = False) -> ScanResult:
        """Run the scan until it converges or ``max_evaluations`` simulator calls were made.

        Args:
            max_evaluations: budget of evaluations (proposals), including those of a resumed study.
            progress: show a progress bar (evaluations, rounds, uncertain fraction).
        """
        if isinstance(max_evaluations, bool) or not isinstance(max_evaluations, (int, np.integer)) or max_evaluations < 1:
            raise InvalidInputError(f"max_evaluations={max_evaluations!r} must be an integer >= 1")
        self.loop.budget = int(max_evaluations)
        # the executor first: a bad executor option must fail before the study file is opened (opening modifies it)
        executor = make_executor(self.executor_spec, self.objective, retry=self.retry, **self.executor_options)
        try:
            self._open_store(int(max_evaluations))
        except BaseException:
            executor.shutdown()
            raise
        announce_cluster(executor, progress=progress)
        if self._runner is None:
            self._runner = LoopRunner(
                self.loop, executor, self._store, observe=self._observe, summarise=self._summarise,
                stopping=self.stopping, batch_size=self.batch_size, asynchronous=self.asynchronous,
            )  # fmt: skip
            if self._resume_from_store and self._store is not None:
                self._runner.restore(self._store)
                self._store.log_event("resumed", f"{self.loop.num_told} evaluations restored, {len(self.loop.pending)} re-run")
        else:
            self._runner.executor = executor
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=int(max_evaluations), initial=self.loop.num_told, unit="eval", desc="exclusion scan", dynamic_ncols=True)
        t0 = time.perf_counter()
        try:
            reason = self._runner.run(int(max_evaluations), progress=bar)
        finally:
            if bar is not None:
                bar.close()
            executor.shutdown()
            if self._store is not None:
                self._store.close()
                self._store = None
        return self._result(reason, time.perf_counter() - t0)

    def _result(self, reason: str, wall_time: float = 0.0) -> ScanResult:
        X, _, _ = self.loop.training_data()
        told = self.loop.told
        ok_ids = sorted(i for i, t in told.items() if not t.failed)
        K = len(self.targets)
        values = np.array([self._raw[i][0] for i in ok_ids], dtype=float).reshape(-1, K)
        variances = np.array([self._raw[i][1] for i in ok_ids], dtype=float).reshape(-1, K)
        if K == 1:
            values, variances = values[:, 0], variances[:, 0]
        return ScanResult(
            level=self.transform.level,
            n_evaluations=self.loop.num_told,
            n_failed=self.loop.num_failed,
            n_rounds=self._runner.rounds_done if self._runner else 0,
            converged=reason == "converged",
            stop_reason=reason,
            points=X,
            values=values,
            variances=variances,
            uncertain_fraction=tuple(self._runner.uncertain_fraction) if self._runner else (),
            expected_misclassified=tuple(self._runner.expected_misclassified) if self._runner else (),
            wall_time=wall_time,
            store=self.store_path,
            targets=self.targets,
            space=self.space,
            transform=self.transform,
            surrogate=self.loop.fitted_surrogate(),
        )

    # ----------------------------------------------------------------------------------------------- resume
    @classmethod
    def resume(
        cls,
        path: str | os.PathLike[str],
        *,
        objective: Any = None,
        space: ParameterSpace | None = None,
        executor: Any = None,
        address: str | None = None,
        num_cpus: int | None = None,
        strategy: Any = None,
        stopping: StoppingRule | None = None,
    ) -> ExclusionScan:
        """Reopen an interrupted scan from its study file; ``run(max_evaluations)`` then continues it (the budget
        counts the evaluations already in the file; ``scan.config["max_evaluations"]`` is the original one).
        A built-in stopping rule comes back from the file; a combination or user-defined rule is stored only as its
        repr: pass it again as ``stopping``, else the default rule with the file's tolerance applies.

        A scan of a registered simulator is rebuilt from the file alone; a scan of a Python function needs the same
        ``objective`` (and ``space``, if its constraint was a callable) passed again.
        """
        with Store.open(path) as st:
            if st.kind != KIND:
                raise StoreError(f"{os.fspath(path)!r} holds a {st.kind!r} study, not an exclusion scan")
            cfg = st.config
        obj_cfg = cfg["objective"]
        if objective is None:
            if "simulator" not in obj_cfg:
                raise InvalidInputError(
                    f"this scan's objective was the Python function {obj_cfg.get('python_objective')!r}; pass objective=... to resume it"
                )
            objective, sim_opts = obj_cfg["simulator"], obj_cfg.get("simulator_options") or {}
        else:
            sim_opts = None
        if space is None:
            if cfg["space"] is None:
                raise InvalidInputError("this scan's space had a callable constraint; pass space=... to resume it")
            space = ParameterSpace.from_config(cfg["space"])
        strategy_options = cfg.get("strategy_options") or {}
        if stopping is None and cfg.get("stopping_rule"):
            stopping = rule_from_config(cfg["stopping_rule"])
        scan = cls(
            objective,
            space,
            level=cfg["level"],
            scale=cfg["scale"],
            clip=cfg["clip"],
            strategy=strategy if strategy is not None else cfg["strategy"],
            strategy_options=strategy_options if strategy is None else None,
            batch_size=cfg["batch_size"],
            asynchronous=cfg["asynchronous"],
            seed=cfg["seed"],
            executor=executor if executor is not None else cfg["executor"],
            address=address if address is not None else cfg.get("address"),
            num_cpus=num_cpus,
            store=path,
            tolerance=cfg["tolerance"],
            stopping=stopping,
            retry=RetryPolicy(**cfg["retry"]),
            candidates=None if cfg.get("candidates") is None else np.asarray(cfg["candidates"]),
            simulator_options=sim_opts,
            targets=cfg.get("targets"),
        )
        scan._resume_from_store = True
        scan.config["max_evaluations"] = cfg.get("max_evaluations")
        return scan

    @staticmethod
    def read(path: str | os.PathLike[str]) -> dict[str, Any]:
        """Config, evaluations and rounds of a study file (read-only; works while the scan runs)."""
        with Store.open(path) as st:
            return {"config": st.config, "evaluations": st.evaluations(), "rounds": st.rounds(), "proposals": st.proposals()}

