"""Cached hypotest results as an objective: a test oracle and the ``--quick`` mode of the ATLAS benchmark.

A JSON list of rows, one per patch point, each with the point's coordinates, the observed CLs and the expected band
(pyhf order, N = +2 .. -2), e.g. ``{"m_C1N2": 100.0, "m_N1": 20.0, "CLs_obs": 0.149, "CLs_exp": [5 numbers]}``.
Evaluating a point returns exactly what ``PyhfWorkspace`` returns there (same ``Observation`` value and extras), so
scans can be run and tested in seconds instead of 5-15 s per hypotest.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence

import numpy as np

from active_science.evaluation import Observation
from active_science.exceptions import InvalidInputError, SimulationError
from active_science.simulators.pyhf_workspace import EXPECTED_NAMES

__all__ = ["CachedHypotests"]


class CachedHypotests:
    """Objective ``evaluate(theta, seed) -> Observation`` reading CLs from a JSON table of hypotest results.

    Args:
        path: the JSON file.
        labels: keys of the coordinates in each row (the scan's dimensions, in order).
        observed_key, expected_key: keys of the observed CLs and of the five expected values.
        delay: seconds to sleep per evaluation (to mimic a real hypotest's cost in timing studies).

    Example:
        >>> import json, tempfile
        >>> from pathlib import Path
        >>> p = Path(tempfile.mkdtemp()) / "grid.json"
        >>> rows = [{"x": 1.0, "CLs_obs": 0.2, "CLs_exp": [0.01, 0.05, 0.1, 0.3, 0.6]}]
        >>> _ = p.write_text(json.dumps(rows))
        >>> CachedHypotests(p, labels=["x"]).evaluate(np.array([1.0]), 0).extras["cls_exp"]
        0.1
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        labels: Sequence[str],
        observed_key: str = "CLs_obs",
        expected_key: str = "CLs_exp",
        delay: float = 0.0,
    ) -> None:
        try:
            with open(path, encoding="utf-8") as fh:
                rows = json.load(fh)
        except (OSError, json.JSONDecodeError) as err:
            raise InvalidInputError(f"cached hypotests: cannot read {os.fspath(path)!r} ({err}); pass a JSON list of rows") from err
        try:
            self.candidates = np.array([[float(r[k]) for k in labels] for r in rows], dtype=float)
            self.cls_obs = np.array([float(r[observed_key]) for r in rows])
            self.cls_exp = np.array([[float(v) for v in r[expected_key]] for r in rows]).reshape(len(rows), 5)
        except (KeyError, TypeError, ValueError) as err:
            raise InvalidInputError(
                f"cached hypotests: rows of {os.fspath(path)!r} need keys {list(labels)}, {observed_key!r} and {expected_key!r} "
                f"(5 expected values): {err}"
            ) from err
        self.labels = tuple(labels)
        self.delay = float(delay)
        self.path = os.fspath(path)

    def index(self, theta: np.ndarray) -> int:
        d = np.abs(self.candidates - np.asarray(theta, dtype=float).reshape(1, -1)).max(axis=1)
        i = int(np.argmin(d))
        if d[i] > 1e-9 * max(1.0, float(np.abs(self.candidates).max())):
            raise SimulationError(f"cached hypotests: no cached point at {np.asarray(theta).tolist()}")
        return i

    def evaluate(self, theta: np.ndarray, seed: int) -> Observation:
        i = self.index(theta)
        if self.delay > 0:
            time.sleep(self.delay)
        extras = {name: float(v) for name, v in zip(EXPECTED_NAMES, self.cls_exp[i])}
        extras.update(fit_ok=1.0, patch_index=float(i))
        return Observation(float(self.cls_obs[i]), 0.0, extras)

    def values(self, target: str = "value") -> np.ndarray:
        """`(n,)` cached values of a target at every candidate (``"value"`` = observed CLs)."""
        if target == "value":
            return self.cls_obs.copy()
        if target not in EXPECTED_NAMES:
            raise InvalidInputError(f"unknown target {target!r}; valid: value, {', '.join(EXPECTED_NAMES)}")
        return self.cls_exp[:, EXPECTED_NAMES.index(target)].copy()
