"""Name registries for simulators and strategies.

The core never imports a concrete simulator or strategy at module level: names map to ``"module:attr"`` strings
imported on first use. Users may also write an explicit ``"package.module:attr"`` (resolved with importlib, never
eval), or register their own factory.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from active_science.exceptions import InvalidInputError, UnknownNameError

__all__ = [
    "get_simulator",
    "get_strategy",
    "list_simulators",
    "list_strategies",
    "register_simulator",
    "register_strategy",
    "resolve_entry_point",
]

_SIMULATORS: dict[str, str | Callable[..., Any]] = {
    "mass_plane": "active_science.simulators.mass_plane:MassPlane",
    "weinberg": "active_science.simulators.weinberg:Weinberg",
    "pyhf_workspace": "active_science.simulators.pyhf_workspace:PyhfWorkspace",
    "gaussian": "active_science.simulators.gaussian:GaussianToy",
    "galton": "active_science.simulators.galton:GaltonBoard",
}

_STRATEGIES: dict[str, str | Callable[..., Any]] = {
    "grid": "active_science.strategies.baselines:GridStrategy",
    "random": "active_science.strategies.baselines:RandomStrategy",
    "sobol": "active_science.strategies.baselines:sobol",
    "lhs": "active_science.strategies.baselines:lhs",
    "straddle": "active_science.strategies.gp_contour:straddle",
    "misclassification": "active_science.strategies.gp_contour:misclassification",
    "entropy": "active_science.strategies.gp_contour:entropy",
    "band_entropy": "active_science.strategies.band_entropy:band_entropy",
    "tmse": "active_science.strategies.gp_contour:tmse",
    "information_gain": "active_science.strategies.information_gain:information_gain",
    "focused_information_gain": "active_science.strategies.focused_gain:focused_information_gain",
    "skopt": "active_science.strategies.skopt_contour:skopt",
    "ucb": "active_science.strategies.bayes_opt:ucb",
    "logei": "active_science.strategies.bayes_opt:logei",
    "pi": "active_science.strategies.bayes_opt:pi",
    "pool_sur": "active_science.strategies.pool_sur:pool_sur",
}

#: the strategy used when none is named
DEFAULT_STRATEGY = "band_entropy"


def resolve_entry_point(spec: str) -> Any:
    """Import ``"package.module:attr"`` (dotted attribute paths allowed) and return the attribute."""
    if not isinstance(spec, str) or spec.count(":") != 1:
        raise InvalidInputError(f"{spec!r} is not of the form 'package.module:attr'")
    module_name, attr = spec.split(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as err:
        raise UnknownNameError(f"cannot import module {module_name!r} named in {spec!r}: {err}") from err
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as err:
            raise UnknownNameError(f"module {module_name!r} has no attribute {attr!r} (from {spec!r})") from err
    return obj


def _lookup(kind: str, table: dict[str, str | Callable[..., Any]], name: str) -> Callable[..., Any]:
    if not isinstance(name, str):
        raise InvalidInputError(f"{kind} name {name!r} must be a string; valid names: {', '.join(sorted(table))}")
    if name in table:
        entry = table[name]
        return resolve_entry_point(entry) if isinstance(entry, str) else entry
    if ":" in name:
        return resolve_entry_point(name)
    raise UnknownNameError(f"unknown {kind} {name!r}; valid names: {', '.join(sorted(table))} (or 'package.module:attr')")


def get_simulator(name: str, **options: Any) -> Any:
    """Build a registered simulator by name (or ``"module:attr"``) with keyword options.

    Example:
        >>> get_simulator("mass_plane").name
        'mass_plane'
    """
    factory = _lookup("simulator", _SIMULATORS, name)
    try:
        return factory(**options)
    except TypeError as err:
        raise InvalidInputError(f"simulator {name!r} does not accept options {sorted(options)}: {err}") from err


def get_strategy(name: str, **options: Any) -> Any:
    """Build a registered strategy by name (or ``"module:attr"``) with keyword options.

    Example:
        >>> get_strategy("random").name
        'random'
    """
    factory = _lookup("strategy", _STRATEGIES, name)
    try:
        return factory(**options)
    except TypeError as err:
        raise InvalidInputError(f"strategy {name!r} does not accept options {sorted(options)}: {err}") from err


def list_simulators() -> list[str]:
    """Names ``get_simulator`` accepts, sorted.

    Example:
        >>> {"mass_plane", "galton", "weinberg"} <= set(list_simulators())
        True
    """
    return sorted(_SIMULATORS)


def list_strategies() -> list[str]:
    """Names ``get_strategy`` accepts, sorted.

    Example:
        >>> {"straddle", "entropy", "sobol"} <= set(list_strategies())
        True
    """
    return sorted(_STRATEGIES)


def register_simulator(name: str, factory: str | Callable[..., Any], *, overwrite: bool = False) -> None:
    """Make ``get_simulator(name)`` build ``factory`` (a callable or a ``"module:attr"`` string).

    Example:
        >>> register_simulator("gaussian_demo", "active_science.simulators.gaussian:GaussianToy", overwrite=True)
        >>> get_simulator("gaussian_demo").space.names
        ('theta',)
    """
    _register("simulator", _SIMULATORS, name, factory, overwrite)


def register_strategy(name: str, factory: str | Callable[..., Any], *, overwrite: bool = False) -> None:
    """Make ``get_strategy(name)`` build ``factory`` (a callable or a ``"module:attr"`` string).

    Example:
        >>> from active_science.strategies.gp_contour import straddle
        >>> register_strategy("wide_straddle", lambda **kw: straddle(acquisition_options={"beta": 3.0}, **kw), overwrite=True)
        >>> get_strategy("wide_straddle").acquisition_options
        {'beta': 3.0}
    """
    _register("strategy", _STRATEGIES, name, factory, overwrite)


def _register(kind: str, table: dict[str, Any], name: str, factory: Any, overwrite: bool) -> None:
    if not isinstance(name, str) or not name.replace("_", "").isalnum():
        raise InvalidInputError(f"{kind} name {name!r} must be alphanumeric with underscores")
    if name in table and not overwrite:
        raise InvalidInputError(f"{kind} {name!r} is already registered; pass overwrite=True to replace it")
    table[name] = factory
