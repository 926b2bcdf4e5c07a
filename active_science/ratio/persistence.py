"""Estimator state as named numeric arrays, for the study file (``Store.put_arrays`` / ``get_arrays``). No pickle.

An estimator's state is a flat ``{name: ndarray}``: its settings as UTF-8 JSON bytes under ``"config"`` (a uint8
array), the standardisation statistics, and every network tensor under ``"network.<parameter name>"``. Arrays go
into the store under ``(key, round)``, one round per retraining, so a study keeps the estimator's history.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Self

import numpy as np
import torch
from torch import nn

from active_science.exceptions import StoreError

__all__ = ["json_to_array", "array_to_json", "module_arrays", "load_module_arrays", "save_arrays", "load_arrays", "StoredState"]

_NET = "network."


def json_to_array(obj: Any) -> np.ndarray:
    """JSON-serialisable settings as a uint8 array.

    Example:
        >>> array_to_json(json_to_array({"method": "carl"}))
        {'method': 'carl'}
    """
    return np.frombuffer(json.dumps(obj, sort_keys=True).encode("utf-8"), dtype=np.uint8).copy()


def array_to_json(arr: np.ndarray) -> Any:
    return json.loads(np.asarray(arr, dtype=np.uint8).tobytes().decode("utf-8"))


def module_arrays(module: nn.Module) -> dict[str, np.ndarray]:
    """Every parameter and buffer of ``module`` as a numpy array, under ``"network.<name>"``."""
    return {_NET + k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def load_module_arrays(module: nn.Module, arrays: Mapping[str, np.ndarray]) -> None:
    """Load ``"network.*"`` arrays into ``module`` (shapes must match: same settings)."""
    state = {k[len(_NET) :]: torch.as_tensor(np.asarray(v)) for k, v in arrays.items() if k.startswith(_NET)}
    own = module.state_dict()
    if set(state) != set(own):
        raise StoreError(f"stored network tensors {sorted(state)} do not match the estimator's {sorted(own)}")
    for k, v in state.items():
        if tuple(v.shape) != tuple(own[k].shape):
            raise StoreError(f"stored tensor {k!r} has shape {tuple(v.shape)}, the estimator expects {tuple(own[k].shape)}")
    module.load_state_dict({k: v.to(own[k].dtype) for k, v in state.items()})


def save_arrays(store: Any, key: str, round: int, arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` to an open, writable study ``store`` under ``key`` for ``round``."""
    store.put_arrays(key, int(round), dict(arrays))


def load_arrays(store: Any, key: str, round: int | None = None) -> dict[str, np.ndarray]:
    """Read the arrays of ``key`` (latest round by default) from a study ``store``."""
    arrays = store.get_arrays(key, round)
    if "config" not in arrays:
        raise StoreError(f"arrays under {key!r} hold no estimator ('config' is missing); was it saved with save()?")
    return arrays


class StoredState:
    """``save`` / ``load`` of an estimator in a study file, for a class with ``state_arrays()`` and the classmethod
    ``from_state_arrays(arrays)`` (the ratio, score and density estimators)."""

    def state_arrays(self) -> dict[str, np.ndarray]:
        raise NotImplementedError

    @classmethod
    def from_state_arrays(cls, arrays: Mapping[str, np.ndarray]) -> Self:
        raise NotImplementedError

    def save(self, store: Any, key: str, round: int = 0) -> None:
        """Write the state to an open study file (``Store``) under ``key`` for ``round``."""
        save_arrays(store, key, round, self.state_arrays())

    @classmethod
    def stored_meta(cls, arrays: Mapping[str, np.ndarray]) -> dict[str, Any]:
        """The settings saved under ``"config"``, checked to be this class's (``kind`` is the class name)."""
        meta = array_to_json(arrays["config"])
        if meta.get("kind") != cls.__name__:
            raise StoreError(f"arrays hold a {meta.get('kind')!r}, not a {cls.__name__}")
        return meta

    @classmethod
    def load(cls, store: Any, key: str, round: int | None = None) -> Self:
        """Read a state written with :meth:`save` (latest round by default)."""
        return cls.from_state_arrays(load_arrays(store, key, round))
