"""Figures of a sequential design study: EIG(phi) with the GP band, the posterior after each experiment, and the
designs chosen over time (first design variable on the x axis; first parameter for the posterior)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from active_science.design_result import DesignResult
from active_science.design_store import read_design_result
from active_science.plots import OKABE_ITO, _plt
from active_science.store import Store

__all__ = ["eig_curve_figure", "posterior_figure", "designs_figure", "design_summary_figure", "design_study_figures"]

_COLOURS = list(OKABE_ITO.values())[1:]


def eig_curve_figure(result: DesignResult, *, ax: Any = None, truth: tuple[np.ndarray, np.ndarray] | None = None) -> Any:
    """GP mean +- 2 sd of EIG over the first design variable for each experiment, with the evaluated estimates.

    Args:
        result: a finished study.
        ax: axes to draw on (default: a new figure).
        truth: optional `((g,), (g,))` designs and reference EIG (e.g. nested MC of the first experiment).
    """
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 3.6))
    for k, c in enumerate(result.curves):
        col = _COLOURS[k % len(_COLOURS)]
        order = np.argsort(c.grid[:, 0])
        g, m, s = c.grid[order, 0], c.mean[order], c.sd[order]
        ax.plot(g, m, color=col, label=f"experiment {k + 1}")
        ax.fill_between(g, m - 2 * s, m + 2 * s, color=col, alpha=0.2, linewidth=0)
        ax.errorbar(c.designs[:, 0], c.values, yerr=np.nan_to_num(c.errors), fmt="o", ms=3, color=col, alpha=0.8)
        ax.axvline(c.chosen[0], color=col, linestyle=":", linewidth=1)
    if truth is not None:
        ax.plot(truth[0], truth[1], color=OKABE_ITO["black"], linestyle="--", label="reference")
    ax.set_xlabel(result.design_names[0])
    ax.set_ylabel("EIG [nats]")
    ax.legend(fontsize="small")
    return ax.figure


def posterior_figure(result: DesignResult, *, ax: Any = None, bins: int = 60) -> Any:
    """Weighted histograms of the first parameter: the prior and the posterior after each experiment."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 3.6))
    lo = min(float(p.particles[:, 0].min()) for p in result.posteriors)
    hi = max(float(p.particles[:, 0].max()) for p in result.posteriors)
    edges = np.linspace(lo, hi, bins + 1)
    for k, post in enumerate(result.posteriors):
        col = OKABE_ITO["black"] if k == 0 else _COLOURS[(k - 1) % len(_COLOURS)]
        label = "prior" if k == 0 else f"after {k}: sd {post.sd[0]:.2g}"
        ax.hist(post.particles[:, 0], bins=edges, weights=post.weights, density=True, histtype="step", color=col, label=label)
    if result.true_theta is not None:
        ax.axvline(result.true_theta[0], color=OKABE_ITO["vermillion"], linestyle="--", label="true value")
    ax.set_xlabel(result.parameter_names[0])
    ax.set_ylabel("density")
    ax.legend(fontsize="small")
    return ax.figure


def designs_figure(result: DesignResult, *, ax: Any = None) -> Any:
    """The design chosen for each experiment, and the posterior standard deviation after it (right axis)."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 3.6))
    k = np.arange(1, len(result.curves) + 1)
    ax.plot(k, result.designs[:, 0], "o-", color=OKABE_ITO["blue"])
    ax.set_xlabel("experiment")
    ax.set_ylabel(f"chosen {result.design_names[0]}", color=OKABE_ITO["blue"])
    right = ax.twinx()
    right.plot(np.arange(0, len(k) + 1), result.posterior_sd[:, 0], "s--", color=OKABE_ITO["orange"])
    right.set_ylabel(f"posterior sd of {result.parameter_names[0]}", color=OKABE_ITO["orange"])
    return ax.figure


def design_summary_figure(result: DesignResult) -> Any:
    """The three panels side by side.

    Example:
        >>> import numpy as np
        >>> from active_science.design_result import EIGCurve
        >>> from active_science.experiment import FixedEvents
        >>> from active_science.posterior import ParticlePosterior
        >>> g = np.linspace(20, 130, 5)[:, None]
        >>> c = EIGCurve(g, np.ones(5), np.full(5, 0.1), g[:2], np.ones(2), np.full(2, 0.1), g[1])
        >>> p = ParticlePosterior.from_samples(np.random.default_rng(0).normal(0.23, 0.01, (100, 1)), names=("sin2w",))
        >>> r = DesignResult(("sin2w",), ("sqrt_s",), FixedEvents(10), (c,), (), (p, p), np.array([0.23]), 2, 0.0, None)
        >>> len(design_summary_figure(r).axes)   # three panels and the right axis of the third
        4
    """
    plt = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(16.0, 4.0))
    eig_curve_figure(result, ax=axes[0])
    posterior_figure(result, ax=axes[1])
    designs_figure(result, ax=axes[2])
    fig.tight_layout()
    return fig


def design_study_figures(store: Store | str | os.PathLike[str]) -> list[tuple[str, Any]]:
    """The three figures of a design study file, as ``(caption, matplotlib Figure)`` pairs (for reports).

    Works on a finished study and on one still running (the experiments run so far); a study before its first
    experiment gives no figures. The caller owns (and should close) the figures.

    Args:
        store: an open ``Store`` of a design study or the path of its study file.

    Example:
        >>> import os, tempfile
        >>> from active_science.design import DesignStudy
        >>> from active_science.design_eig import EIGSettings
        >>> from active_science.experiment import FixedEvents
        >>> path = os.path.join(tempfile.mkdtemp(), "d.h5")
        >>> _ = DesignStudy("weinberg", prior={"sin2w": [0.21, 0.25]}, cost=FixedEvents(200),
        ...                 eig=EIGSettings("nested", num_outer=20, num_inner=50), evaluations_per_experiment=3,
        ...                 num_experiments=1, true_theta=[0.2312], num_particles=500, store=path,
        ...                 strategy_options={"num_restarts": 1, "raw_samples": 32, "mc_samples": 32}).run()
        >>> [caption.split(":")[0] for caption, _ in design_study_figures(path)]
        ['EIG over designs', 'Posterior', 'Chosen designs']
    """
    result = read_design_result(store)
    if not result.curves:
        return []
    return [
        ("EIG over designs: GP mean +- 2 sd and the evaluated estimates, per experiment (dotted: the design run)", eig_curve_figure(result)),
        ("Posterior: the prior and the posterior after each experiment", posterior_figure(result)),
        ("Chosen designs: the design of each experiment and the posterior sd after it", designs_figure(result)),
    ]
