"""Observed data and exclusion thresholds of a :class:`~active_science.ratio_scan.RatioScan`.

- :func:`check_events`: user-supplied events `(n, x_dim)` (and weights `(n,)`) with one-line errors for wrong shapes;
- :func:`read_events`: events from a ``.npy`` file (read with ``allow_pickle=False``) or an HDF5 dataset
  (``file.h5:group/dataset``);
- :func:`cls_q_threshold`: the ``q`` above which asymptotic CLs < ``alpha`` (SCIENCE.md section 5), per point, given
  ``q_A`` (``q`` of the Asimov data of the null hypothesis). In one dimension CLs is monotone in ``q`` for fixed
  ``q_A``, so ``{CLs < alpha} = {q > q*(q_A)}``: the loop then models ``q`` alone and compares it with a
  point-dependent threshold (the same label, and a smooth surrogate target).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from active_science.exceptions import ConfigError, InvalidInputError
from active_science.stats.asymptotics import cls_from_q

__all__ = ["check_events", "read_events", "cls_q_threshold"]


def check_events(x: object, x_dim: int, *, weights: object = None, name: str = "x_obs") -> tuple[np.ndarray, np.ndarray | None]:
    """Events as `(n, x_dim)` floats (a `(n,)` vector is accepted when ``x_dim == 1``) and weights as `(n,)`.

    Example:
        >>> x, w = check_events([1.0, 2.0], 1)
        >>> x.shape, w
        ((2, 1), None)
        >>> check_events(np.zeros((3, 2)), 1)
        Traceback (most recent call last):
        ...
        active_science.exceptions.InvalidInputError: x_obs has shape (3, 2); pass (n, 1) events (one row per event)
    """
    a = np.asarray(x, dtype=float)
    if a.ndim == 1 and x_dim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[1] != x_dim or len(a) == 0:
        raise InvalidInputError(f"{name} has shape {a.shape}; pass (n, {x_dim}) events (one row per event)")
    if not np.all(np.isfinite(a)):
        raise InvalidInputError(f"{name} has {int(np.sum(~np.isfinite(a)))} non-finite entries; drop or fix those events")
    if weights is None:
        return a, None
    w = np.asarray(weights, dtype=float)
    if w.shape != (len(a),) or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise InvalidInputError(f"weights have shape {w.shape}; pass ({len(a)},) finite non-negative weights, one per event of {name}")
    return a, w


def read_events(spec: str | Path) -> np.ndarray:
    """Events from ``"file.npy"`` (no pickles) or ``"file.h5:path/to/dataset"`` (HDF5).

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "x.npy"
        >>> np.save(p, np.arange(3.0))
        >>> read_events(p).tolist()
        [0.0, 1.0, 2.0]
    """
    text = str(spec)
    path, _, dataset = text.partition(":") if not Path(text).exists() else (text, "", "")
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"observed-data file {path!r} does not exist; give a .npy file or 'file.h5:dataset'")
    if p.suffix == ".npy":
        try:
            return np.load(p, allow_pickle=False)
        except ValueError as err:
            raise ConfigError(f"{path!r} holds Python objects ({err}); save a numeric array with numpy.save") from err
    if p.suffix in (".h5", ".hdf5"):
        import h5py

        if not dataset:
            raise ConfigError(f"name the dataset inside {path!r}: '{path}:group/dataset'")
        with h5py.File(p, "r") as f:
            if dataset not in f or not isinstance(f[dataset], h5py.Dataset):
                raise ConfigError(f"{path!r} has no dataset {dataset!r}; its top-level keys: {sorted(f.keys())}")
            return np.asarray(f[dataset][()], dtype=float)
    raise ConfigError(f"observed-data file {path!r} must end in .npy, .h5 or .hdf5")


def cls_q_threshold(q_asimov: np.ndarray, alpha: float) -> np.ndarray:
    """`(m,)` thresholds ``q*`` with ``CLs(q*, q_A) = alpha`` (``inf`` where even ``q -> inf`` keeps CLs >= alpha).

    CLs decreases in ``q`` at fixed ``q_A``: bisection in ``sqrt(q)``, vectorised over points (60 halvings reach
    double precision on ``[0, 40]``, i.e. ``q`` up to 1600).

    Example:
        >>> t = cls_q_threshold(np.array([100.0]), 0.05)   # large q_A: CLb -> 1, so q* -> chi2 one-sided 1.645^2
        >>> round(float(t[0]), 3)
        2.706
    """
    if not 0.0 < alpha < 1.0:
        raise InvalidInputError(f"alpha={alpha!r} must lie in (0, 1), e.g. 0.05")
    qa = np.maximum(np.asarray(q_asimov, dtype=float).reshape(-1), 0.0)
    lo, hi = np.zeros_like(qa), np.full_like(qa, 40.0)
    reachable = cls_from_q(hi**2, qa).cls < alpha
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        below = cls_from_q(mid**2, qa).cls < alpha
        hi, lo = np.where(below, mid, hi), np.where(below, lo, mid)
    return np.where(reachable, hi**2, np.inf)
