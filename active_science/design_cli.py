"""Running a sequential design study from a TOML configuration (``active-science run``, ``study.kind = "design_study"``).

A design configuration::

    [study]
    kind = "design_study"
    store = "design.h5"
    seed = 0

    [objective]
    simulator = "weinberg"
    options = { polarisation = false }

    [prior]                     # uniform box or independent Gaussians (mean, sd)
    kind = "uniform"
    sin2w = [0.21, 0.25]

    [cost]                      # stated explicitly: the optimum depends on it
    kind = "fixed_events"       # or "fixed_luminosity" with luminosity = 200.0 (nb^-1)
    num_events = 1000

    [design]
    estimator = "lfire"         # nested | lfire | infonce | nwj
    strategy = "ucb"
    num_experiments = 5
    evaluations_per_experiment = 16
    true_theta = [0.2312]

    [classifier]                # optional: ClassifierSettings fields
    num_train = 200000

    [execution]
    executor = "ray"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from active_science.config import ExecutionConfig, ObjectiveConfig, StudyConfig, _int, _str, _type_error, parse_sections, read_toml, relative_to_config
from active_science.exceptions import ConfigError, InvalidInputError, StudyExistsError

__all__ = ["DesignSection", "DesignStudyConfig", "load_design_config", "run_design_config", "resume_design", "print_design_result"]


@dataclass(frozen=True)
class DesignSection:
    """The ``[design]`` table: EIG estimator, BO strategy, loop sizes, and where the experiments come from."""

    estimator: str = "lfire"
    num_outer: int = 200
    num_inner: int = 500
    num_marginal: int = 64
    num_calibration: int = 200
    monitor: list[str] = field(default_factory=list)
    strategy: str = "ucb"
    strategy_options: Mapping[str, Any] = field(default_factory=dict)
    batch_size: int = 4
    evaluations_per_experiment: int = 16
    num_experiments: int = 5
    true_theta: list[float] | None = None
    posterior_update: str = "exact"
    num_particles: int = 4000
    dims: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from active_science.design_eig import ESTIMATORS

        _str("design", "estimator", self.estimator, ESTIMATORS)
        _str("design", "strategy", self.strategy)
        _str("design", "posterior_update", self.posterior_update, ("exact", "ratio"))
        for key, low in (("num_outer", 2), ("num_inner", 1), ("num_marginal", 1), ("num_calibration", 0), ("batch_size", 1),
                         ("evaluations_per_experiment", 2), ("num_experiments", 1), ("num_particles", 10)):  # fmt: skip
            _int("design", key, getattr(self, key), low)
        if not isinstance(self.monitor, list) or any(m not in ESTIMATORS for m in self.monitor):
            raise _type_error("design", "monitor", self.monitor, f"a list of estimator names from {', '.join(ESTIMATORS)}")
        if self.true_theta is None or not isinstance(self.true_theta, list) or not self.true_theta:
            raise _type_error("design", "true_theta", self.true_theta, "a list with the hidden parameter value(s), e.g. [0.2312]")
        if not isinstance(self.dims, Mapping) or not isinstance(self.strategy_options, Mapping):
            raise ConfigError("design.dims and design.strategy_options must be tables")


@dataclass(frozen=True)
class DesignStudyConfig:
    """A whole design-study configuration."""

    study: StudyConfig
    objective: ObjectiveConfig
    prior: Mapping[str, Any]
    cost: Mapping[str, Any]
    design: DesignSection
    classifier: Mapping[str, Any]
    execution: ExecutionConfig
    base_dir: Path = Path(".")

    @property
    def store_path(self) -> Path:
        return relative_to_config(self.study.store, self.base_dir)


def load_design_config(path: str | Path) -> DesignStudyConfig:
    """Read and validate a design-study configuration file (free-form ``[prior]``, ``[cost]``, ``[classifier]`` tables
    are validated when the study is built).

    Example:
        >>> import os, tempfile
        >>> p = os.path.join(tempfile.mkdtemp(), "d.toml")
        >>> _ = Path(p).write_text('[study]\\nkind = "design_study"\\n[prior]\\nsin2w = [0.21, 0.25]\\n'
        ...                        '[cost]\\nkind = "fixed_events"\\nnum_events = 500\\n[design]\\ntrue_theta = [0.2312]\\n')
        >>> load_design_config(p).design.estimator
        'lfire'
    """
    data = dict(read_toml(path))
    tables = {}
    for name in ("prior", "cost", "classifier"):
        value = data.pop(name, {} if name == "classifier" else None)
        if value is None:
            raise ConfigError(f"missing section [{name}]")
        if not isinstance(value, Mapping):
            raise ConfigError(f"[{name}] must be a table, got {type(value).__name__}")
        tables[name] = dict(value)
    study = data.get("study", {})
    if not isinstance(study, Mapping) or study.get("kind") != "design_study":
        raise ConfigError(f"study.kind = {study.get('kind') if isinstance(study, Mapping) else study!r} is not a design study; set kind = \"design_study\"")
    parts = parse_sections(
        data, {"study": StudyConfig, "objective": ObjectiveConfig, "design": DesignSection, "execution": ExecutionConfig}, required=("design",)
    )
    return DesignStudyConfig(
        study=parts["study"], objective=parts["objective"] or ObjectiveConfig(simulator="weinberg"), prior=tables["prior"],
        cost=tables["cost"], design=parts["design"], classifier=tables["classifier"],
        execution=parts["execution"] or ExecutionConfig(), base_dir=Path(path).resolve().parent,
    )  # fmt: skip


def build_study(cfg: DesignStudyConfig, *, force: bool) -> Any:
    """The ``DesignStudy`` a validated configuration describes."""
    from active_science.design import DesignStudy
    from active_science.design_eig import EIGSettings
    from active_science.space import ParameterSpace
    from active_science.stats.eig_classifier import ClassifierSettings

    d = cfg.design
    try:
        classifier = ClassifierSettings(**cfg.classifier)
    except TypeError as err:
        raise ConfigError(f"[classifier]: {err}; valid keys: {', '.join(asdict(ClassifierSettings()))}") from err
    prior = {"kind": "uniform", **cfg.prior}
    try:
        return DesignStudy(
            cfg.objective.simulator, simulator_options=cfg.objective.options or None, prior=prior, cost=cfg.cost,
            design_space=ParameterSpace(dict(d.dims)) if d.dims else None,
            eig=EIGSettings(d.estimator, num_outer=d.num_outer, num_inner=d.num_inner, num_marginal=d.num_marginal, num_calibration=d.num_calibration),  # type: ignore[arg-type]
            classifier=classifier, strategy=d.strategy, strategy_options=d.strategy_options or None, batch_size=d.batch_size,
            evaluations_per_experiment=d.evaluations_per_experiment, num_experiments=d.num_experiments, true_theta=d.true_theta,
            posterior_update=d.posterior_update, num_particles=d.num_particles, monitor=tuple(d.monitor),  # type: ignore[arg-type]
            executor=cfg.execution.executor, address=cfg.execution.address, num_cpus=cfg.execution.num_cpus,
            retry=cfg.execution.retry_policy(), seed=cfg.study.seed, store=cfg.store_path, force=force,
        )  # fmt: skip
    except InvalidInputError as err:
        raise ConfigError(f"design study: {err}") from err


def print_design_result(result: Any) -> None:
    print(f"study file   {result.store}")
    print(f"cost model   {result.cost.describe()}")
    print(f"evaluations  {result.n_evaluations} EIG estimates in {result.wall_time:.1f} s")
    names = ", ".join(result.design_names)
    for k, (design, post) in enumerate(zip(result.designs, result.posteriors[1:])):
        print(f"experiment {k}: {names} = {', '.join(f'{v:.3f}' for v in design)}; posterior mean {post.mean.round(5).tolist()}, sd {post.sd.round(5).tolist()}")


def run_design_config(path: Path, *, force: bool, progress: bool) -> int:
    cfg = load_design_config(path)
    if cfg.store_path.exists() and not force:
        raise StudyExistsError(f"study file {str(cfg.store_path)!r} already exists; resume it (active-science resume {cfg.store_path}) or pass --force")
    print_design_result(build_study(cfg, force=force).run(progress=progress))
    return 0


def resume_design(path: Path, *, max_evaluations: int | None, executor: str | None, address: str | None, progress: bool) -> int:
    from active_science.design import DesignStudy

    if max_evaluations is not None:
        raise ConfigError("a design study runs its configured experiments to the end; drop --max-evaluations")
    print_design_result(DesignStudy.resume(path, executor=executor, address=address).run(progress=progress))
    return 0
