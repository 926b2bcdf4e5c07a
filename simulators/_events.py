"""Argument handling shared by the toy simulators: one theta per event, reference points for gold."""

from __future__ import annotations

import numpy as np

from active_science.exceptions import InvalidInputError

__all__ = ["event_thetas", "reference_points"]


def event_thetas(name: str, theta: object, dim: int, num_events: int | None, default_events: int) -> np.ndarray:
    """Broadcast ``theta`` `(d,)` or `(n, d)` to one row per event, `(n, d)`.

    Example:
        >>> event_thetas("toy", [0.5], 1, 3, 10).ravel().tolist()
        [0.5, 0.5, 0.5]
    """
    try:
        arr = np.asarray(theta, dtype=float)
    except (TypeError, ValueError) as err:
        raise InvalidInputError(f"{name}: theta is not numeric ({type(theta).__name__}); pass an array of shape ({dim},)") from err
    if arr.ndim == 1 and arr.shape == (dim,):
        n = default_events if num_events is None else num_events
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise InvalidInputError(f"{name}: num_events={n!r} must be a positive integer")
        arr = np.broadcast_to(arr, (int(n), dim))
    elif arr.ndim == 2 and arr.shape[1] == dim and arr.shape[0] >= 1:
        if num_events is not None and num_events != arr.shape[0]:
            raise InvalidInputError(
                f"{name}: num_events={num_events} disagrees with {arr.shape[0]} per-event thetas; omit num_events"
            )
    else:
        raise InvalidInputError(f"{name}: theta has shape {arr.shape}; pass ({dim},) or (num_events, {dim})")
    if not np.all(np.isfinite(arr)):
        raise InvalidInputError(f"{name}: theta contains NaN or inf; pass finite parameter values")
    return np.array(arr, dtype=float)


def reference_points(name: str, theta_refs: object, dim: int, gold: bool) -> np.ndarray | None:
    """Validate ``theta_refs`` `(n_refs, d)` (or `(d,)`, one reference); None when there are none."""
    if theta_refs is None:
        return None
    if not gold:
        raise InvalidInputError(f"{name}: theta_refs given without gold=True; pass gold=True to get log_r_xz")
    refs = np.asarray(theta_refs, dtype=float)
    if refs.ndim == 1:
        refs = refs.reshape(1, -1)
    if refs.ndim != 2 or refs.shape[1] != dim or refs.shape[0] < 1 or not np.all(np.isfinite(refs)):
        raise InvalidInputError(f"{name}: theta_refs has shape {refs.shape}; pass finite (n_refs, {dim}) reference points")
    return refs
