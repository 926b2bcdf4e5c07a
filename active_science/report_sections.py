"""What ``active-science report`` shows for each study kind: result numbers and figures read from the study file.

Everything is rebuilt read-only from the file (it may belong to a running study): the exclusion scan's GP is refitted
on the stored evaluations (to draw the contour, the uncertain band and the strategy's acquisition surface), the design
study's figures come from :func:`~active_science.design_plots.design_study_figures`, and the ratio scan's estimator
from its stored weights (with the exact likelihood of the reference task it ran on, when the file names one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from active_science.registry import DEFAULT_STRATEGY
from active_science.store import Store

__all__ = ["Section", "SECTIONS", "scan_result_from_store"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Section:
    """A study kind's part of the report: result numbers (shown in a table, ids = keys) and figures."""

    numbers: dict[str, Any] = field(default_factory=dict)
    figures: list[tuple[str, Any]] = field(default_factory=list)  # (caption, matplotlib figure)


# ----------------------------------------------------------------------------------------------- exclusion scan
def scan_result_from_store(store: Store) -> tuple[Any, np.ndarray] | None:
    """A ``ScanResult`` with a GP refitted on the stored successful evaluations of the first target, and the round
    of each point `(n,)`; None when the space cannot be rebuilt (a callable constraint) or fewer than 2 points exist.

    Example:
        >>> import os, tempfile
        >>> import active_science as asci
        >>> path = os.path.join(tempfile.mkdtemp(), "s.h5")
        >>> space = asci.ParameterSpace({"x": (0.0, 1.0), "y": (0.0, 1.0)})
        >>> f = lambda th, seed: float(np.exp(-3.0 * (th[0] + th[1])))
        >>> _ = asci.ExclusionScan(f, space, strategy="sobol", batch_size=6, seed=0, store=path).run(max_evaluations=6)
        >>> with Store.open(path) as st:
        ...     result, rounds = scan_result_from_store(st)
        >>> result.n_evaluations, rounds.tolist(), bool(result.excluded(np.array([[0.9, 0.9]]))[0])
        (6, [0, 0, 0, 0, 0, 0], True)
    """
    from active_science.scan import LevelTransform, ScanResult
    from active_science.space import ParameterSpace
    from active_science.surrogates.gp import GPSurrogate
    from active_science.threads import torch_threads

    cfg = store.config
    if cfg.get("space") is None:
        return None
    space = ParameterSpace.from_config(cfg["space"])
    transform = LevelTransform(cfg["level"], cfg["scale"], cfg["clip"])
    props, evals = store.proposals(), store.evaluations()
    ok = evals[evals["status"] == 1]
    ok = ok[np.argsort(ok["id"])]
    if len(ok) < 2:
        return None
    where = {int(i): k for k, i in enumerate(props["id"])}
    rows = [where[int(i)] for i in ok["id"]]
    points, rounds = props["theta"][rows].reshape(len(ok), space.dim), props["round"][rows]
    modelled = [transform.forward(float(v), None if np.isnan(s) else float(s)) for v, s in zip(ok["value"], ok["variance"])]
    y = np.array([m[0] for m in modelled])
    yvar = None if any(m[1] is None for m in modelled) else np.array([m[1] for m in modelled])
    with torch_threads():
        gp = GPSurrogate().fit(space.to_unit(points), y, yvar, seed=int(cfg.get("seed", 0)))
    rounds_table = store.rounds()
    result = ScanResult(
        level=transform.level, n_evaluations=len(evals), n_failed=int(np.sum(evals["status"] == 0)), n_rounds=len(rounds_table),
        converged=False, stop_reason="report", points=points, values=ok["value"], variances=ok["variance"],
        uncertain_fraction=tuple(rounds_table["uncertain_fraction"].tolist()), wall_time=0.0, store=None,
        space=space, transform=transform, surrogate=gp,
    )  # fmt: skip
    return result, rounds


def _exclusion_scan(store: Store) -> Section:
    from active_science.plots import OKABE_ITO, _plt, contour_figure, uncertain_fraction_figure

    figs: list[tuple[str, Any]] = []
    rounds = store.rounds()
    if len(rounds):
        figs.append(("Uncertain fraction of the space after each round",
                     uncertain_fraction_figure(np.maximum(rounds["uncertain_fraction"], 1e-5), rounds["num_evaluations"])))  # fmt: skip
    numbers: dict[str, Any] = {}
    names = store.param_names
    rebuilt = scan_result_from_store(store) if len(names) == 2 else None
    if rebuilt is not None:
        result, point_rounds = rebuilt
        strategy = store.config.get("strategy", DEFAULT_STRATEGY)
        fig = contour_figure(result, rounds=point_rounds, acquisition=strategy, resolution=60,
                             title=f"{result.n_evaluations} evaluations; heat map: where '{strategy}' would simulate next")  # fmt: skip
        numbers["excluded_fraction"] = float(np.mean(result.excluded(result.space.sample(4096, seed=0, method="sobol"))))
        figs.append(("Contour (GP refitted on the stored evaluations), uncertain band (hatched), points numbered by round, acquisition surface", fig))
    elif len(names) == 2 and len(store.proposals()):
        props, evals = store.proposals(), store.evaluations()
        theta = {int(p["id"]): p["theta"] for p in props}
        plt = _plt()
        fig, ax = plt.subplots(figsize=(5.6, 4.4), layout="constrained")
        good, bad = evals[evals["status"] == 1], evals[evals["status"] == 0]
        if len(good):
            pts = np.array([theta[int(i)] for i in good["id"]])
            sc = ax.scatter(pts[:, 0], pts[:, 1], c=np.log10(np.maximum(good["value"], 1e-12)), cmap="viridis", s=16, edgecolors="k", linewidths=0.3)
            fig.colorbar(sc, ax=ax, label="log10(value)")
        if len(bad):
            pts = np.array([theta[int(i)] for i in bad["id"]])
            ax.scatter(pts[:, 0], pts[:, 1], marker="x", color=OKABE_ITO["vermillion"], s=30, label="failed")
            ax.legend(fontsize=8)
        if "contour" in store.array_keys():
            for seg in store.get_arrays("contour").values():
                ax.plot(seg[:, 0], seg[:, 1], color=OKABE_ITO["vermillion"], lw=2)
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
        figs.append(("Evaluated points and the latest contour estimate", fig))
    return Section(numbers, figs)


# ----------------------------------------------------------------------------------------------- design study
def _design_study(store: Store) -> Section:
    from active_science.design_plots import design_study_figures
    from active_science.design_store import read_design_result

    result = read_design_result(store)
    numbers: dict[str, Any] = {"num_experiments": len(result.curves)}
    if not result.curves:
        return Section(numbers, [])
    numbers["chosen_designs"] = [round(float(v), 6) for v in result.designs[:, 0]]
    numbers["posterior_mean"] = [round(float(v), 6) for v in result.posterior_mean[-1]]
    numbers["posterior_sd"] = [round(float(v), 6) for v in result.posterior_sd[-1]]
    return Section(numbers, design_study_figures(store))


# ----------------------------------------------------------------------------------------------- ratio scan
def _ratio_scan(store: Store) -> Section:
    from active_science.plots import OKABE_ITO, _plt

    figs: list[tuple[str, Any]] = []
    rounds = store.rounds()
    numbers: dict[str, Any] = {}
    if "state" in store.array_keys():
        state = store.get_arrays("state")
        numbers["num_events"] = int(state["n_events"])
        numbers["last_contour_change"] = float(state["changed"])
    if len(rounds):
        plt = _plt()
        fig, ax = plt.subplots(figsize=(5.2, 3.4), layout="constrained")
        ax.plot(rounds["round"], np.maximum(rounds["contour_change"], 1e-4), marker="o", color=OKABE_ITO["blue"])
        ax.set_yscale("log")
        ax.set_xlabel("round")
        ax.set_ylabel("share of grid labels changed")
        ax.grid(alpha=0.3)
        figs.append(("Contour change per round (the ratio scan stops when it stays below its tolerance)", fig))
    study = store.config.get("study")
    if not isinstance(study, dict) or "task" not in study or "estimator" not in store.array_keys():
        return Section(numbers, figs)  # a RatioScan run from Python: its simulator is not named in the file
    extra = _ratio_task_section(store, study)
    numbers.update(extra.numbers)
    return Section(numbers, figs + extra.figures)


def _ratio_task_section(store: Store, study: dict[str, Any]) -> Section:
    from active_science.plots import OKABE_ITO, _plt
    from active_science.ratio.diagnostics import calibration_curve
    from active_science.ratio.estimator import RatioEstimator
    from active_science.ratio.inference import wilks_threshold
    from active_science.ratio_plots import ratio_diagnostics_figure
    from active_science.ratio_scan import balanced_accuracy
    from active_science.ratio_scan_tasks import ratio_task

    task = ratio_task(study["task"], grid_size=int(study.get("grid_size", 121)), cl=float(study.get("cl", 0.95)), seed=int(study.get("seed", 0)))
    est = RatioEstimator.load(store, "estimator")
    excluded = store.get_arrays("state")["excluded"].astype(bool).reshape(-1)
    numbers: dict[str, Any] = {"task": task.name}
    figs: list[tuple[str, Any]] = []
    if len(excluded) == len(task.grid):
        numbers["balanced_accuracy"] = balanced_accuracy(excluded, task.excluded)
        if task.grid.shape[1] == 1:
            plt = _plt()
            fig, ax = plt.subplots(figsize=(5.6, 3.6), layout="constrained")
            g = task.grid[:, 0]
            ax.plot(g, task.q_exact, color=OKABE_ITO["black"], ls="--", label="exact -2 log LR")
            ax.fill_between(g, 0, 1, where=excluded, transform=ax.get_xaxis_transform(), color=OKABE_ITO["orange"], alpha=0.3, label="excluded (scan)")
            ax.set_xlabel(store.param_names[0])
            ax.set_ylabel("q")
            ax.legend(fontsize=8)
            figs.append(("Exact -2 log likelihood ratio and the scan's excluded region", fig))
    # the estimator where it matters most: at the grid point nearest the exact boundary, against theta_ref
    theta = task.grid[int(np.argmin(np.abs(task.q_exact - wilks_threshold(float(study.get("cl", 0.95)), task.grid.shape[1]))))]
    sim, ref = task.simulator, est.theta_ref
    x_num = sim.simulate(theta, seed=101, num_events=2000).x
    x_ref = sim.simulate(ref, seed=102, num_events=2000).x
    exact = sim.log_likelihood(x_ref, theta) - sim.log_likelihood(x_ref, ref)
    estimate = est.log_ratio(x_ref, theta)
    numbers["diagnostic_theta"] = [round(float(v), 6) for v in theta]
    numbers["mse_log_r"] = float(np.mean((estimate - exact) ** 2))
    curve = calibration_curve(est.log_ratio(x_num, theta), estimate)
    fig = ratio_diagnostics_figure(exact, {est.method: estimate}, calibration={est.method: curve},
                                   title=f"log r(x | {np.round(theta, 4).tolist()}, theta_ref = {np.round(ref, 4).tolist()}), x ~ p(x | theta_ref)")  # fmt: skip
    figs.append(("Ratio estimator at the boundary: estimate vs exact log r, and calibration curve", fig))
    return Section(numbers, figs)


#: study kind -> its report section
SECTIONS: dict[str, Callable[[Store], Section]] = {
    "exclusion_scan": _exclusion_scan,
    "design_study": _design_study,
    "ratio_scan": _ratio_scan,
}
