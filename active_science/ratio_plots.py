"""Figures of trained ratio estimators: estimated vs exact log ratio, and calibration curves (same style as
:mod:`active_science.plots`: Okabe-Ito colours, one marker per method so the figure also reads in grey)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from active_science.plots import OKABE_ITO, _plt
from active_science.ratio.diagnostics import CalibrationCurve

__all__ = ["ratio_diagnostics_figure"]

_COLOURS = [OKABE_ITO[c] for c in ("blue", "vermillion", "green", "orange", "purple", "sky", "yellow")]
_MARKERS = ["o", "s", "^", "D", "v", "P", "X"]


def _diagonal(ax: Any, lo: float, hi: float) -> None:
    ax.plot([lo, hi], [lo, hi], color=OKABE_ITO["black"], ls="--", lw=1.0, label="ideal", zorder=1)


def ratio_diagnostics_figure(
    true_log_r: np.ndarray,
    estimates: Mapping[str, np.ndarray],
    *,
    weights: np.ndarray | None = None,
    calibration: Mapping[str, CalibrationCurve] | None = None,
    title: str | None = None,
    min_events: int = 10,
) -> Any:
    """Left: ``log r_hat`` of each estimator against the exact ``log r`` at the same events; right (if
    ``calibration`` is given): each estimator's calibration curve.

    Args:
        true_log_r: `(k,)` exact ``log r(x_i | theta, theta_ref)``.
        estimates: method name -> `(k,)` its ``log r_hat`` at the same events.
        weights: `(k,)` probability of each event under ``theta_ref`` (marker area; with it, the legend shows
            ``MSE = sum_i w_i (log r_hat - log r)^2``), or None.
        calibration: method name -> its :class:`~active_science.ratio.diagnostics.CalibrationCurve`.
        title: figure title.
        min_events: calibration bins with fewer events of either sample are not drawn (their log ratio is noise).

    Example:
        >>> from active_science.ratio.diagnostics import calibration_curve
        >>> t = np.linspace(-1, 1, 5)
        >>> cal = calibration_curve(np.array([0.0, 1.0, 1.0]), np.array([0.0, 0.0, 1.0]))
        >>> fig = ratio_diagnostics_figure(t, {"carl": t + 0.1}, weights=np.full(5, 0.2), calibration={"carl": cal}, min_events=1)
        >>> fig.axes[0].collections[0].get_offsets()[:, 1].round(2).tolist()   # y = the estimates
        [-0.9, -0.4, 0.1, 0.6, 1.1]
        >>> fig.axes[0].get_legend().get_texts()[0].get_text()
        'carl (MSE 0.0100)'
    """
    plt = _plt()
    t = np.asarray(true_log_r, dtype=float).reshape(-1)
    w = None if weights is None else np.asarray(weights, dtype=float).reshape(-1)
    panels = 2 if calibration else 1
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.4), layout="constrained", squeeze=False)
    ax = axes[0, 0]
    size = 14.0 if w is None else 10.0 + 400.0 * w / max(float(w.max()), 1e-300)
    values = [t]
    for k, (name, est) in enumerate(estimates.items()):
        e = np.asarray(est, dtype=float).reshape(-1)
        values.append(e)
        label = name if w is None else f"{name} (MSE {float(np.sum(w * (e - t) ** 2)):.4f})"
        ax.scatter(t, e, s=size, color=_COLOURS[k % len(_COLOURS)], marker=_MARKERS[k % len(_MARKERS)], alpha=0.75,
                   edgecolors="k", linewidths=0.3, label=label, zorder=2)  # fmt: skip
    finite = np.concatenate(values)
    finite = finite[np.isfinite(finite)]
    lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (-1.0, 1.0)
    _diagonal(ax, lo, hi)
    ax.set_xlabel("exact log r")
    ax.set_ylabel("estimated log r")
    ax.set_title("estimate vs truth" + (" (marker area: p(x | theta_ref))" if w is not None else ""), fontsize=9)
    legend = ax.legend(fontsize=7, loc="upper left")
    for handle in legend.legend_handles:  # one marker size in the legend, whatever the weights drawn
        if hasattr(handle, "set_sizes"):
            handle.set_sizes([30.0])
    ax.grid(alpha=0.3)
    if calibration:
        cax = axes[0, 1]
        spans = [lo, hi]
        for k, (name, cur) in enumerate(calibration.items()):
            keep = np.all(cur.num_events >= min_events, axis=1)
            cax.plot(cur.log_r_hat[keep], cur.log_r_calibrated[keep], marker=_MARKERS[k % len(_MARKERS)], ms=4,
                     color=_COLOURS[k % len(_COLOURS)], label=name, zorder=2)  # fmt: skip
            spans += [float(np.min(cur.log_r_hat[keep]))] if keep.any() else []
            spans += [float(np.max(cur.log_r_hat[keep]))] if keep.any() else []
        _diagonal(cax, min(spans), max(spans))
        cax.set_xlabel("estimated log r (bin mean)")
        cax.set_ylabel("calibrated log r = log P(bin | theta) / P(bin | theta_ref)")
        cax.set_title("calibration (on the diagonal = calibrated)", fontsize=9)
        cax.legend(fontsize=7, loc="upper left")
        cax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return fig
