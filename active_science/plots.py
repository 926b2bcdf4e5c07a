"""matplotlib figures with one consistent, colour-blind-safe style (Okabe-Ito palette)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "OKABE_ITO",
    "AcquisitionSurface",
    "acquisition_surface",
    "contour_figure",
    "uncertain_fraction_figure",
    "targets_contour_figure",
]

#: Okabe & Ito (2008) colour-blind-safe palette
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}


def _plt() -> Any:
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline", "pdf", "svg"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@dataclass(frozen=True)
class AcquisitionSurface:
    """A strategy's acquisition value over a 2D space, on a regular grid (NaN outside the space's constraint).

    Attributes:
        x, y: `(r, r)` grid coordinates in the space's units (``x`` varies along columns).
        values: `(r, r)` acquisition values (larger = more worth simulating next).
        name: what was computed (the acquisition's class, and the strategy it stands in for if different).
    """

    x: np.ndarray
    y: np.ndarray
    values: np.ndarray
    name: str


def _acquisition(strategy: Any, model: Any, evaluated: np.ndarray | None = None) -> tuple[Any, str]:
    """The level-set acquisition a strategy optimises (threshold 0 = the contour on the modelled scale); label
    entropy stands in for strategies without one (space-filling baselines, pool and information-gain strategies).
    ``evaluated``: `(n, d)` unit points, for the default strategy's distance floor."""
    from active_science.registry import get_strategy

    name = strategy if isinstance(strategy, str) else getattr(strategy, "name", type(strategy).__name__)
    if isinstance(strategy, str):
        strategy = get_strategy(strategy)
    acq_cls = getattr(strategy, "acquisition", None)
    if isinstance(acq_cls, type):
        # tMSE's noise term defaults to 0 here: the surface shows where the GP is uncertain, not the noise expected
        # of the next evaluation (the loop passes the evaluations' median noise)
        options = dict(getattr(strategy, "acquisition_options", {}))
        if hasattr(strategy, "distance_fraction"):  # band_entropy: its resolution and the evaluated points
            options.update(resolution=strategy.resolution, distance_fraction=strategy.distance_fraction, evaluated=evaluated)
        return acq_cls(model, threshold=0.0, **options), acq_cls.__name__
    from active_science.acquisition.entropy import LabelEntropy

    return LabelEntropy(model, threshold=0.0), f"LabelEntropy (stand-in for {name})"


def acquisition_surface(result: Any, strategy: Any = "entropy", *, resolution: int = 80) -> AcquisitionSurface:
    """Evaluate the acquisition of ``strategy`` on the final surrogate of a 2D scan: where it would simulate next.

    Args:
        result: a 2D ``ScanResult`` with a fitted surrogate.
        strategy: a registered strategy name or a strategy object; GP contour strategies (band_entropy, straddle,
            entropy, misclassification, tmse) give their own acquisition, others are shown with label entropy.
        resolution: grid points per axis.

    Example:
        >>> import active_science as asci
        >>> space = asci.ParameterSpace({"x": (0.0, 1.0), "y": (0.0, 1.0)})
        >>> f = lambda th, seed: float(np.exp(-3.0 * (th[0] + th[1])))   # CLs = 0.05 on x + y = 1.0
        >>> result = asci.ExclusionScan(f, space, strategy="sobol", batch_size=12, seed=0).run(max_evaluations=12)
        >>> s = acquisition_surface(result, "entropy", resolution=21)
        >>> s.values.shape, bool(np.nanmax(s.values) <= np.log(2) + 1e-9)   # label entropy is at most log 2
        ((21, 21), True)
    """
    import torch

    from active_science.exceptions import InvalidInputError
    from active_science.threads import torch_threads

    space = result.space
    if space.dim != 2:
        raise InvalidInputError(f"acquisition_surface draws 2D scans; this one is {space.dim}D")
    if result.surrogate is None:
        raise InvalidInputError("the scan has no fitted surrogate (fewer than 2 successful evaluations); run it longer")
    # a regular grid in the space's own coordinates (the model's coordinates may be skewed against them: the picture
    # then has straight edges), mapped into the model's unit cube; points outside the space are masked
    a, b = (np.linspace(space.bounds[0, j], space.bounds[1, j], resolution) for j in range(2))
    theta = np.stack(np.meshgrid(a, b, indexing="xy"), axis=-1).reshape(-1, 2)
    U = np.clip(space.to_unit(theta), 0.0, 1.0)
    acq, name = _acquisition(strategy, result.surrogate.model, np.clip(space.to_unit(result.points), 0.0, 1.0))
    with torch_threads(), torch.no_grad():
        values = np.concatenate([
            acq(torch.as_tensor(U[i : i + 1024, None, :], dtype=torch.float64)).numpy() for i in range(0, len(U), 1024)
        ])  # fmt: skip
    values = np.where(space.contains(theta), values, np.nan)
    shape = (resolution, resolution)
    return AcquisitionSurface(theta[:, 0].reshape(shape), theta[:, 1].reshape(shape), values.reshape(shape), name)


def _number_points(ax: Any, pts: np.ndarray, rounds: np.ndarray) -> None:
    """Write each point's round number beside it (round 0 = the initial design)."""
    from matplotlib.patheffects import withStroke

    halo = [withStroke(linewidth=1.8, foreground="white")]  # readable on light and dark backgrounds (heat maps)
    for (px, py), r in zip(pts, rounds):
        ax.annotate(str(int(r)), (px, py), xytext=(2.5, 2.5), textcoords="offset points", fontsize=6.5,
                    color=OKABE_ITO["black"], path_effects=halo, zorder=5)  # fmt: skip


def contour_figure(
    result: Any,
    *,
    rounds: np.ndarray | None = None,
    true_lines: Sequence[np.ndarray] | None = None,
    official: tuple[np.ndarray, np.ndarray] | None = None,
    title: str | None = None,
    show_uncertain: bool = True,
    acquisition: Any = None,
    number_points: bool | None = None,
    resolution: int = 150,
    ax: Any = None,
) -> Any:
    """The scan's contour: estimated boundary, uncertain band, evaluated points coloured (and numbered) by round,
    and optionally the acquisition surface as a heat map underneath.

    Args:
        result: a 2D ``ScanResult``.
        rounds: `(n,)` round index of each evaluated point (colours them, with a colour bar), or None.
        true_lines: polylines of the exact contour, drawn dashed, if known.
        official: ``(points (m, 2), excluded (m,))`` official decisions (e.g. ATLAS), drawn as markers.
        show_uncertain: hatch the band where the label's misclassification probability exceeds 5 %.
        acquisition: a strategy (name or object) or an ``AcquisitionSurface``: its acquisition is drawn as a heat map
            (instead of the excluded/allowed shading); None draws no acquisition.
        number_points: write each point's round beside it (default: when ``rounds`` is given and there are at most
            150 points, beyond which the numbers overlap).

    Example:
        >>> import active_science as asci
        >>> space = asci.ParameterSpace({"x": (0.0, 1.0), "y": (0.0, 1.0)})
        >>> f = lambda th, seed: float(np.exp(-3.0 * (th[0] + th[1])))
        >>> result = asci.ExclusionScan(f, space, strategy="sobol", batch_size=12, seed=0).run(max_evaluations=12)
        >>> fig = contour_figure(result, rounds=np.repeat([0, 1], 6), acquisition="straddle", resolution=30)
        >>> sorted({t.get_text() for t in fig.axes[0].texts})   # the points' round numbers
        ['0', '1']
    """
    plt = _plt()
    space = result.space
    if space.dim != 2:
        from active_science.exceptions import InvalidInputError

        raise InvalidInputError(f"contour_figure draws 2D scans; this one is {space.dim}D")
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.8 if acquisition is not None else 6.4, 5.0), layout="constrained")
    else:
        fig = ax.figure
    g = np.linspace(0.0, 1.0, resolution)
    U = np.stack(np.meshgrid(g, g, indexing="xy"), axis=-1).reshape(-1, 2)
    theta = space.from_unit(U)
    feasible = space.contains(theta)  # inside the box and the constraint (model coordinates reach outside the box)
    x = theta[:, 0].reshape(resolution, resolution)
    y = theta[:, 1].reshape(resolution, resolution)
    if acquisition is not None and result.surrogate is not None:
        surf = acquisition if isinstance(acquisition, AcquisitionSurface) else acquisition_surface(result, acquisition, resolution=min(resolution, 100))
        mesh = ax.pcolormesh(surf.x, surf.y, surf.values, cmap="cividis", shading="gouraud", zorder=0)  # cividis: colour-blind-safe
        fig.colorbar(mesh, ax=ax, label=f"acquisition: {surf.name}")
    if result.surrogate is not None:
        p_flat = np.where(feasible, result.probability_excluded(theta), np.nan)
        if acquisition is None:
            p_excl = p_flat.reshape(resolution, resolution)
            ax.contourf(x, y, p_excl, levels=[-0.01, 0.5, 1.01], colors=[OKABE_ITO["sky"], OKABE_ITO["orange"]], alpha=0.25)
        if show_uncertain:
            unc = np.where(feasible, np.minimum(p_flat, 1 - p_flat) > 0.05, np.nan).reshape(resolution, resolution)
            ax.contourf(x, y, unc, levels=[0.5, 1.5], colors="none", hatches=["...."])
        for i, seg in enumerate(result.contour_points(resolution=resolution)):
            ax.plot(seg[:, 0], seg[:, 1], color=OKABE_ITO["vermillion"], lw=2.2, label="scan estimate" if i == 0 else None)
    for i, seg in enumerate(true_lines or []):
        ax.plot(seg[:, 0], seg[:, 1], color=OKABE_ITO["black"], ls="--", lw=1.5, label="truth" if i == 0 else None)
    pts = result.points
    if len(pts):
        if rounds is not None and len(rounds) == len(pts):
            sc = ax.scatter(pts[:, 0], pts[:, 1], c=rounds, cmap="viridis", s=14, edgecolors="k", linewidths=0.3, zorder=3)
            bar = fig.colorbar(sc, ax=ax, label="round")
            from matplotlib.ticker import MaxNLocator

            bar.locator = MaxNLocator(integer=True)  # rounds are whole numbers
            bar.update_ticks()
            if number_points or (number_points is None and len(pts) <= 150):
                _number_points(ax, pts, np.asarray(rounds))
        else:
            ax.scatter(pts[:, 0], pts[:, 1], color=OKABE_ITO["blue"], s=12, zorder=3, label="evaluated")
    if official is not None:
        opts, oexcl = official
        ax.scatter(opts[oexcl, 0], opts[oexcl, 1], marker="x", color=OKABE_ITO["black"], s=30, label="official: excluded", zorder=4)
        ax.scatter(opts[~oexcl, 0], opts[~oexcl, 1], marker="o", facecolors="none", edgecolors=OKABE_ITO["black"], s=30, label="official: allowed", zorder=4)
    ax.set_xlabel(space.names[0])
    ax.set_ylabel(space.names[1])
    ax.set_xlim(space.bounds[0, 0], space.bounds[1, 0])
    ax.set_ylim(space.bounds[0, 1], space.bounds[1, 1])
    ax.set_title(title or f"exclusion scan: {result.n_evaluations} evaluations, CLs < {result.level:g} excluded")
    ax.legend(loc="best", fontsize=8)
    return fig


def uncertain_fraction_figure(uncertain_fraction: Sequence[float], evaluations: Sequence[int], *, ax: Any = None) -> Any:
    """Uncertain fraction of the space after each round vs evaluations spent."""
    plt = _plt()
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.0, 3.4), layout="constrained")
    else:
        fig = ax.figure
    ax.plot(evaluations, uncertain_fraction, marker="o", ms=3, color=OKABE_ITO["blue"])
    ax.set_xlabel("evaluations")
    ax.set_ylabel("uncertain fraction of the space")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    return fig


#: line styles of the usual exclusion-plot targets (observed solid, expected dashed, +-1 sigma dotted)
_TARGET_STYLE = {
    "value": ("observed", OKABE_ITO["vermillion"], "-"),
    "cls_exp": ("expected", OKABE_ITO["blue"], "--"),
    "cls_exp_p1": ("expected +1 sigma", OKABE_ITO["blue"], ":"),
    "cls_exp_m1": ("expected -1 sigma", OKABE_ITO["blue"], ":"),
}


def targets_contour_figure(
    result: Any,
    *,
    official: Sequence[tuple[str, np.ndarray, np.ndarray]] = (),
    title: str | None = None,
    resolution: int = 150,
    ax: Any = None,
) -> Any:
    """Every scanned target's contour in one 2D figure (observed, expected, +-1 sigma), with official decisions.

    Args:
        result: a 2D multi-target ``ScanResult``.
        official: ``(name, points (m, 2), excluded (m,))`` per official decision set (e.g. ATLAS observed and
            expected), drawn as filled (excluded) / open (allowed) markers beside the scan's contours.
    """
    plt = _plt()
    if result.space.dim != 2:
        from active_science.exceptions import InvalidInputError

        raise InvalidInputError(f"targets_contour_figure draws 2D scans; this one is {result.space.dim}D")
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.8, 5.2), layout="constrained")
    else:
        fig = ax.figure
    for k, target in enumerate(result.targets):
        label, color, ls = _TARGET_STYLE.get(target, (target, list(OKABE_ITO.values())[k % 8], "-."))
        for i, seg in enumerate(result.contour_points(target=target, resolution=resolution)):
            ax.plot(seg[:, 0], seg[:, 1], color=color, ls=ls, lw=2.0, label=f"scan: {label}" if i == 0 else None)
    markers = [("X", "s"), ("P", "D")]
    for j, (name, pts, excl) in enumerate(official):
        pts, excl = np.asarray(pts, dtype=float), np.asarray(excl, dtype=bool)
        filled, _ = markers[j % len(markers)]
        size = 46 if j == 0 else 20
        ax.scatter(pts[excl, 0], pts[excl, 1], marker=filled, color=OKABE_ITO["black"] if j == 0 else OKABE_ITO["green"],
                   s=size, label=f"{name}: excluded", zorder=4)  # fmt: skip
        ax.scatter(pts[~excl, 0], pts[~excl, 1], marker="o", facecolors="none", s=size,
                   edgecolors=OKABE_ITO["black"] if j == 0 else OKABE_ITO["green"], label=f"{name}: allowed", zorder=4)  # fmt: skip
    if len(result.points):
        ax.scatter(result.points[:, 0], result.points[:, 1], marker=".", color=OKABE_ITO["orange"], s=60, label="evaluated", zorder=5)
    ax.set_xlabel(result.space.names[0])
    ax.set_ylabel(result.space.names[1])
    ax.set_title(title or f"exclusion scan: {result.n_evaluations} evaluations, CLs < {result.level:g} excluded")
    ax.legend(loc="best", fontsize=7)
    return fig
