"""Study configuration files: TOML (tomllib) validated into frozen dataclasses; unknown keys are errors.

A scan configuration::

    [study]
    kind = "exclusion_scan"
    store = "scan.h5"          # relative paths are relative to the config file
    seed = 0

    [objective]
    simulator = "mass_plane"   # a registered name, or "package.module:attr" written by you
    options = { num_events = 2000 }

    [space]                    # optional: defaults to the simulator's own space
    dims = { m_parent = [100, 800], m_lsp = [0, 600] }
    constraint = ["m_lsp < m_parent"]

    [scan]
    level = 0.05
    strategy = "entropy"
    batch_size = 4
    max_evaluations = 300

    [execution]
    executor = "ray"
    num_cpus = 2
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, get_args

from active_science.exceptions import ConfigError
from active_science.registry import DEFAULT_STRATEGY

__all__ = [
    "StudyConfig",
    "ObjectiveConfig",
    "SpaceConfig",
    "ScanConfig",
    "ExecutionConfig",
    "ScanStudyConfig",
    "load_config",
    "parse_sections",
    "relative_to_config",
]


def _check_keys(section: str, data: Mapping[str, Any], cls: type) -> None:
    if not isinstance(data, Mapping):
        raise ConfigError(f"[{section}] must be a table, got {type(data).__name__}")
    valid = [f.name for f in fields(cls)]
    unknown = sorted(set(data) - set(valid))
    if unknown:
        raise ConfigError(f"unknown key {section}.{unknown[0]}; valid keys in [{section}]: {', '.join(valid)}")


def _type_error(section: str, key: str, value: Any, expected: str) -> ConfigError:
    return ConfigError(f"{section}.{key} = {value!r} is invalid: expected {expected}")


def _int(section: str, key: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _type_error(section, key, value, f"an integer >= {minimum}")


def _num(section: str, key: str, value: Any, *, low: float | None = None, high: float | None = None, open_low: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _type_error(section, key, value, "a finite number")
    if low is not None and (value < low or (open_low and value == low)):
        raise _type_error(section, key, value, f"a number {'>' if open_low else '>='} {low}")
    if high is not None and value > high:
        raise _type_error(section, key, value, f"a number <= {high}")


def _str(section: str, key: str, value: Any, choices: tuple[str, ...] | None = None) -> None:
    if not isinstance(value, str) or not value:
        raise _type_error(section, key, value, "a non-empty string")
    if choices is not None and value not in choices:
        raise _type_error(section, key, value, f"one of {', '.join(choices)}")


@dataclass(frozen=True)
class StudyConfig:
    kind: str = "exclusion_scan"
    store: str = "study.h5"
    seed: int = 0

    def __post_init__(self) -> None:
        _str("study", "kind", self.kind)
        _str("study", "store", self.store)
        _int("study", "seed", self.seed, 0)


@dataclass(frozen=True)
class ObjectiveConfig:
    simulator: str = "mass_plane"
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _str("objective", "simulator", self.simulator)
        if not isinstance(self.options, Mapping):
            raise _type_error("objective", "options", self.options, "a table of simulator options")


@dataclass(frozen=True)
class SpaceConfig:
    dims: Mapping[str, Any] = field(default_factory=dict)
    constraint: list[str] | str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.dims, Mapping) or not self.dims:
            raise _type_error("space", "dims", self.dims, "a table name = [low, high]")
        if self.constraint is not None and not (
            isinstance(self.constraint, str) or (isinstance(self.constraint, list) and all(isinstance(c, str) for c in self.constraint))
        ):
            raise _type_error("space", "constraint", self.constraint, "a string or a list of strings such as 'm_lsp < m_parent'")

    def build(self) -> Any:
        from active_science.space import ParameterSpace

        return ParameterSpace(dict(self.dims), constraint=self.constraint)


Scale = Literal["log", "linear"]
Stopping = Literal["uncertain", "expected"]


@dataclass(frozen=True)
class ScanConfig:
    level: float = 0.05
    scale: Scale = "log"
    strategy: str = DEFAULT_STRATEGY
    strategy_options: Mapping[str, Any] = field(default_factory=dict)
    batch_size: int = 4
    max_evaluations: int = 200
    tolerance: float = 0.01
    stopping: Stopping = "uncertain"
    patience: int = 2
    min_evaluations: int | None = None
    asynchronous: bool = False
    clip: float = 8.0
    targets: list[str] | None = None

    def stopping_rule(self, dim: int) -> Any:
        """``"uncertain"``: uncertain fraction < tolerance; ``"expected"``: expected wrong-label fraction < tolerance;
        each for ``patience`` rounds after ``min_evaluations`` (default 10 per dimension) successful evaluations."""
        from active_science.convergence import ExpectedMisclassificationBelow, UncertainFractionBelow

        n_min = 10 * dim if self.min_evaluations is None else self.min_evaluations
        if self.stopping == "expected":
            return ExpectedMisclassificationBelow(self.tolerance, patience=self.patience, min_evaluations=n_min)
        return UncertainFractionBelow(self.tolerance, patience=self.patience, min_evaluations=n_min)

    def __post_init__(self) -> None:
        _str("scan", "scale", self.scale, get_args(Scale))
        if self.scale == "log":
            _num("scan", "level", self.level, low=0.0, open_low=True)
            if not self.level < 1.0:
                raise _type_error("scan", "level", self.level, "a CLs level in (0, 1), e.g. 0.05")
        else:
            _num("scan", "level", self.level)
        _str("scan", "strategy", self.strategy)
        if not isinstance(self.strategy_options, Mapping):
            raise _type_error("scan", "strategy_options", self.strategy_options, "a table")
        _int("scan", "batch_size", self.batch_size, 1)
        _int("scan", "max_evaluations", self.max_evaluations, 1)
        _num("scan", "tolerance", self.tolerance, low=0.0, high=0.999)
        _str("scan", "stopping", self.stopping, get_args(Stopping))
        if self.stopping == "expected" and self.tolerance == 0.0:
            raise _type_error("scan", "tolerance", self.tolerance, "a number in (0, 1) with stopping = \"expected\", e.g. 0.005")
        _int("scan", "patience", self.patience, 1)
        if self.min_evaluations is not None:
            _int("scan", "min_evaluations", self.min_evaluations, 0)
        _num("scan", "clip", self.clip, low=0.0, open_low=True)
        if not isinstance(self.asynchronous, bool):
            raise _type_error("scan", "asynchronous", self.asynchronous, "true or false")
        if self.targets is not None and not (
            isinstance(self.targets, list) and self.targets and all(isinstance(t, str) and t for t in self.targets)
        ):
            raise _type_error("scan", "targets", self.targets, 'a list of target names such as ["value", "cls_exp"]')


Executor = Literal["serial", "ray"]


@dataclass(frozen=True)
class ExecutionConfig:
    executor: Executor = "serial"
    address: str | None = None
    num_cpus: int | None = None
    max_retries: int = 2
    backoff: float = 0.0
    timeout: float | None = None

    def __post_init__(self) -> None:
        _str("execution", "executor", self.executor, get_args(Executor))
        if self.address is not None:
            _str("execution", "address", self.address)
        if self.num_cpus is not None:
            _int("execution", "num_cpus", self.num_cpus, 1)
        _int("execution", "max_retries", self.max_retries, 0)
        _num("execution", "backoff", self.backoff, low=0.0)
        if self.timeout is not None:
            _num("execution", "timeout", self.timeout, low=0.0, open_low=True)

    def retry_policy(self) -> Any:
        from active_science.execution import RetryPolicy

        return RetryPolicy(max_retries=self.max_retries, backoff=self.backoff, timeout=self.timeout)


@dataclass(frozen=True)
class ScanStudyConfig:
    """A whole exclusion-scan configuration."""

    study: StudyConfig
    objective: ObjectiveConfig
    space: SpaceConfig | None
    scan: ScanConfig
    execution: ExecutionConfig
    base_dir: Path = Path(".")

    @property
    def store_path(self) -> Path:
        return relative_to_config(self.study.store, self.base_dir)


def relative_to_config(path: str | Path, base_dir: str | Path) -> Path:
    """A path written in a config file: absolute as given, relative to the config file's folder otherwise.

    Example:
        >>> str(relative_to_config("scan.h5", "/data/studies")), str(relative_to_config("/tmp/x.h5", "/data"))
        ('/data/studies/scan.h5', '/tmp/x.h5')
    """
    p = Path(path)
    return p if p.is_absolute() else Path(base_dir) / p


def parse_sections(data: Mapping[str, Any], sections: Mapping[str, type], *, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """Validate top-level tables against dataclasses; returns ``{section: instance or None}``."""
    unknown = sorted(set(data) - set(sections))
    if unknown:
        raise ConfigError(f"unknown section [{unknown[0]}]; valid sections: {', '.join(sections)}")
    out: dict[str, Any] = {}
    for name, cls in sections.items():
        if name not in data:
            if name in required:
                raise ConfigError(f"missing section [{name}]")
            out[name] = None
            continue
        _check_keys(name, data[name], cls)
        try:
            out[name] = cls(**data[name])
        except TypeError as err:  # pragma: no cover - keys already checked
            raise ConfigError(f"[{name}]: {err}") from err
    return out


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file with a one-line error for missing files and syntax errors."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {str(path)!r} does not exist")
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: {err}") from err
    except UnicodeDecodeError as err:
        raise ConfigError(f"config file {str(path)!r} is not UTF-8 text") from err


def load_config(path: str | Path) -> ScanStudyConfig:
    """Read and validate an exclusion-scan configuration file.

    Example:
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "c.toml")
        >>> from pathlib import Path
        >>> _ = Path(p).write_text('[study]\\nstore = "s.h5"\\n[objective]\\nsimulator = "mass_plane"\\n[scan]\\nlevel = 0.05\\n')
        >>> load_config(p).scan.strategy   # the library default
        'band_entropy'
    """
    data = read_toml(path)
    study = data.get("study", {})
    kind = study.get("kind", "exclusion_scan") if isinstance(study, Mapping) else None
    if kind != "exclusion_scan":
        raise ConfigError(f"study.kind = {kind!r} is not an exclusion scan; valid kinds: exclusion_scan")
    if "objective" not in data:  # an empty or truncated file must not silently run a default study
        raise ConfigError(f"{str(path)!r} has no [objective] section; name what to scan, e.g. [objective] simulator = \"mass_plane\"")
    parts = parse_sections(
        data,
        {"study": StudyConfig, "objective": ObjectiveConfig, "space": SpaceConfig, "scan": ScanConfig, "execution": ExecutionConfig},
    )
    return ScanStudyConfig(
        study=parts["study"] or StudyConfig(),
        objective=parts["objective"] or ObjectiveConfig(),
        space=parts["space"],
        scan=parts["scan"] or ScanConfig(),
        execution=parts["execution"] or ExecutionConfig(),
        base_dir=Path(path).resolve().parent,
    )
