"""One exception tree for everything active-science raises on purpose.

Every message names the offending value and says how to fix it, in one line, so that the command line can print
``str(err)`` and exit with code 2.
"""

from __future__ import annotations

__all__ = [
    "ActiveScienceError",
    "InvalidInputError",
    "ConfigError",
    "SpaceError",
    "UnknownNameError",
    "StoreError",
    "StudyExistsError",
    "SimulationError",
    "ExecutorError",
    "ConformanceError",
]


class ActiveScienceError(Exception):
    """Base class of every error raised deliberately by active-science.

    Example:
        >>> import active_science as asci
        >>> try:
        ...     asci.ParameterSpace({"x": (1.0, 0.0)})
        ... except asci.ActiveScienceError as err:   # catches every deliberate error, whatever its subclass
        ...     print(type(err).__name__)
        SpaceError
    """


class InvalidInputError(ActiveScienceError, ValueError):
    """A value given by the user is malformed or out of range.

    Example:
        >>> import active_science as asci
        >>> issubclass(asci.InvalidInputError, ValueError)   # also caught by ``except ValueError``
        True
    """


class ConfigError(InvalidInputError):
    """A TOML study configuration is malformed, has unknown keys or invalid values.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from active_science.studies import run_config
        >>> bad = Path(tempfile.mkdtemp()) / "bad.toml"
        >>> _ = bad.write_text('[study]\\nkind = "nonsense"\\n')
        >>> try:
        ...     run_config(bad, force=False, progress=False)
        ... except ConfigError as err:
        ...     print(str(err).split(";")[0])
        study.kind = 'nonsense' is unknown
    """


class SpaceError(InvalidInputError):
    """A parameter space is ill-defined (inverted bounds, empty feasible set, wrong dimension ...).

    Example:
        >>> import active_science as asci
        >>> try:
        ...     asci.ParameterSpace({"m": (500.0, 100.0)})
        ... except SpaceError as err:
        ...     print("SpaceError:", "m" in str(err))
        SpaceError: True
    """


class UnknownNameError(ActiveScienceError, LookupError):
    """A simulator, strategy or other registered name does not exist; the message lists the valid names.

    Example:
        >>> import active_science as asci
        >>> try:
        ...     asci.get_strategy("stradle")
        ... except UnknownNameError as err:
        ...     print("straddle" in str(err))   # the valid names are listed
        True
    """

    def __str__(self) -> str:  # LookupError would quote the message like a dict key
        return str(self.args[0]) if self.args else ""


class StoreError(ActiveScienceError, OSError):
    """A study file cannot be read or written, or does not hold what it should.

    Example:
        >>> import active_science as asci
        >>> try:
        ...     asci.Store.open("/nonexistent/study.h5")
        ... except StoreError as err:
        ...     print(type(err).__name__, isinstance(err, OSError))
        StoreError True
    """


class StoreWriteFailedError(StoreError):
    """HDF5 failed in the middle of writing a study file (disk full, quota, I/O error).

    What was flushed before is safe on disk, but this process's HDF5 handle is broken: HDF5 crashes when it later
    closes or garbage-collects it, so the process should end without closing it (the CLI exits at once with code 2)
    and the study be resumed by a new process once space is freed.
    """


class StudyExistsError(StoreError):
    """Refusing to overwrite an existing study file (pass ``force=True`` / ``--force``, or resume it).

    Example:
        >>> import os, tempfile
        >>> import active_science as asci
        >>> path = os.path.join(tempfile.mkdtemp(), "s.h5")
        >>> asci.Store.create(path, kind="demo", config={}, param_names=["x"]).close()
        >>> try:
        ...     asci.Store.create(path, kind="demo", config={}, param_names=["x"])
        ... except StudyExistsError:
        ...     print("kept the existing file")
        kept the existing file
    """


class SimulationError(ActiveScienceError):
    """A simulator or objective returned something that is not a valid result (wrong shape, dtype, NaN ...).

    Example:
        >>> from active_science.scan import LevelTransform
        >>> try:
        ...     LevelTransform(0.05).forward(1.7, None)   # a CLs above 1
        ... except SimulationError as err:
        ...     print(str(err).split(",")[0])
        objective returned CLs=1.7
    """


class ExecutorError(ActiveScienceError):
    """The executor cannot run evaluations (Ray unreachable, bad address, ...).

    Example:
        >>> import active_science as asci
        >>> issubclass(asci.ExecutorError, asci.ActiveScienceError)   # the CLI prints it in one line, exit code 2
        True
    """


class ConformanceError(ActiveScienceError, AssertionError):
    """A simulator (or other part) breaks its protocol: ``check_simulator`` names the check and the numbers."""
