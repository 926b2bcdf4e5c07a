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
    """Base class of every error raised deliberately by active-science."""


class InvalidInputError(ActiveScienceError, ValueError):
    """A value given by the user is malformed or out of range."""


class ConfigError(InvalidInputError):
    """A TOML study configuration is malformed, has unknown keys or invalid values."""


class SpaceError(InvalidInputError):
    """A parameter space is ill-defined (inverted bounds, empty feasible set, wrong dimension ...)."""


class UnknownNameError(ActiveScienceError, LookupError):
    """A simulator, strategy or other registered name does not exist; the message lists the valid names."""

    def __str__(self) -> str:  # LookupError would quote the message like a dict key
        return str(self.args[0]) if self.args else ""


class StoreError(ActiveScienceError, OSError):
    """A study file cannot be read or written, or does not hold what it should."""


class StoreWriteFailedError(StoreError):
    """HDF5 failed in the middle of writing a study file (disk full, quota, I/O error).

    What was flushed before is safe on disk, but this process's HDF5 handle is broken: HDF5 crashes when it later
    closes or garbage-collects it, so the process should end without closing it (the CLI exits at once with code 2)
    and the study be resumed by a new process once space is freed.
    """


class StudyExistsError(StoreError):
    """Refusing to overwrite an existing study file (pass ``force=True`` / ``--force``, or resume it)."""


class SimulationError(ActiveScienceError):
    """A simulator or objective returned something that is not a valid result (wrong shape, dtype, NaN ...)."""


class ExecutorError(ActiveScienceError):
    """The executor cannot run evaluations (Ray unreachable, bad address, ...)."""


class ConformanceError(ActiveScienceError, AssertionError):
    """A simulator (or other part) breaks its protocol: ``check_simulator`` names the check and the numbers."""
