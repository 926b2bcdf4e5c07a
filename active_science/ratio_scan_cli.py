"""``active-science run`` / ``resume`` for ``study.kind = "ratio_scan"`` (a :class:`~active_science.ratio_scan.RatioScan`).

The data and exact truth come from a reference problem (:func:`~active_science.ratio_scan_tasks.ratio_task`):
``task = "galton"`` (1 parameter, Asimov data) or ``"weinberg"`` (sin2w and g_f, an observed dataset). The report
prints the balanced accuracy of the learnt 95 % CL excluded region against the exact-likelihood one.

Further keys: ``x_obs = "events.npy"`` (read with ``allow_pickle=False``) or ``"file.h5:group/dataset"`` replaces
the task's data by observed events (path relative to the config file); ``statistic = "cls"`` (with
``theta_null = [...]``, default the task's true point) excludes ``{CLs < 1 - cl}`` from asymptotic CLs instead of
``{q > chi2 quantile}``; ``executor = "ray"`` (``num_cpus``, ``address``) runs each round's gold simulations on Ray;
``acquisition = "tmse"`` chooses points by the targeted MSE of q instead of its label entropy; ``normalize = false``
forms q from the raw network ratio (studies written before this key existed resume that way). ``method = "scandal"``
(Galton board) trains a conditional categorical density with the gold score term instead of a ratio: normalised by
construction, it simulates no reference events (``max_epochs`` then counts full-batch steps, default 2 000); with
``task = "weinberg"`` it needs ``bins = 40`` (the angle histogrammed, the binned likelihood as the truth).
``observed_events = 1000`` sets the size of the task's dataset (default 60 Asimov balls on the Galton board, 3 000
Weinberg events); ``theta_range = [-1.5, 0.0]`` the Galton board's scanned range (default ``[-1, -0.4]``);
``warm_start = true / false`` continues each round's retrain from the last weights / retrains from scratch (default:
from scratch for ``"scandal"``, warm for the ratio methods).

Example:
    >>> import os, tempfile
    >>> p = Path(tempfile.mkdtemp()) / "r.toml"
    >>> _ = p.write_text('[study]\\nkind = "ratio_scan"\\ntask = "galton"\\nmax_rounds = 1\\n')
    >>> load_ratio_config(p)["events_per_point"]
    100
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from active_science.config import read_toml, relative_to_config
from active_science.exceptions import ConfigError, StudyExistsError

__all__ = ["load_ratio_config", "run_ratio_config", "resume_ratio"]

_DEFAULTS: dict[str, Any] = {
    "kind": "ratio_scan", "task": "galton", "store": "ratio_scan.h5", "grid_size": 121, "method": "alice",
    "events_per_point": 100, "initial_points": 3, "batch_size": 1, "ensemble_size": 3, "hidden": [32, 32],
    "max_epochs": None, "patience": None, "cl": 0.95, "tolerance": 0.005, "max_rounds": 10, "seed": 0,
    "statistic": "chi2", "theta_null": None, "x_obs": None, "executor": "serial", "num_cpus": None, "address": None,
    "acquisition": "entropy", "normalize": True, "bins": None, "space_filling": 0, "observed_events": None,
    "theta_range": None, "warm_start": None,
}  # fmt: skip


def load_ratio_config(path: str | Path) -> dict[str, Any]:
    """The ``[study]`` table with defaults filled in; unknown keys are errors."""
    study = dict(read_toml(path).get("study", {}))
    unknown = sorted(set(study) - set(_DEFAULTS))
    if unknown:
        raise ConfigError(f"[study] has unknown keys {unknown}; valid keys: {', '.join(sorted(_DEFAULTS))}")
    cfg = {**_DEFAULTS, **study}
    if cfg["warm_start"] is None:  # stored explicitly, so a resume retrains as the study was run
        from active_science.ratio_scan import default_warm_start

        cfg["warm_start"] = default_warm_start(cfg["method"])
    cfg["store"] = str(relative_to_config(cfg["store"], Path(path).resolve().parent))
    if cfg["x_obs"] is not None:
        file, sep, dataset = str(cfg["x_obs"]).partition(":")
        cfg["x_obs"] = str(relative_to_config(file, Path(path).resolve().parent)) + sep + dataset
    return {k: v for k, v in cfg.items() if v is not None or k in ("x_obs", "theta_null")}


def _build(cfg: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    from active_science.ratio.config import NetworkConfig
    from active_science.ratio_scan_tasks import ratio_task

    from active_science.ratio_scan_data import read_events

    x_obs = None if cfg.get("x_obs") is None else read_events(cfg["x_obs"])
    task = ratio_task(
        cfg["task"], grid_size=int(cfg["grid_size"]), cl=float(cfg["cl"]), seed=int(cfg["seed"]), x_obs=x_obs,
        statistic=cfg.get("statistic", "chi2"), theta_null=cfg.get("theta_null"), bins=cfg.get("bins"),
        observed_events=cfg.get("observed_events"),
        theta_range=None if cfg.get("theta_range") is None else tuple(cfg["theta_range"]),
    )  # fmt: skip
    options = {k: cfg[k] for k in ("num_cpus", "address") if cfg.get(k) is not None}
    kwargs = dict(
        weights=task.weights, method=cfg["method"], events_per_point=cfg["events_per_point"], initial_points=cfg["initial_points"],
        batch_size=cfg["batch_size"], cl=cfg["cl"], tolerance=cfg["tolerance"], ensemble_size=cfg["ensemble_size"],
        network=NetworkConfig(hidden=tuple(cfg["hidden"])), training=_training(cfg),
        seed=cfg["seed"], statistic=cfg.get("statistic", "chi2"),
        null_data=None if task.null_x is None else (task.null_x, task.null_weights),
        executor=cfg.get("executor", "serial"), executor_options=options,
        # a study file from before these keys: entropy, and q from the raw ratio as it was run
        acquisition=cfg.get("acquisition", "entropy"), normalize=cfg.get("normalize", False), space_filling=cfg.get("space_filling", 0),
        warm_start=cfg.get("warm_start", True),  # a study file from before this key: warm, as it was run
    )  # fmt: skip
    return task, kwargs


def _training(cfg: dict[str, Any]) -> Any:
    """``max_epochs`` / ``patience`` over the method's defaults (ratio methods: 60 epochs, patience 10; ``"scandal"``:
    :data:`~active_science.ratio.categorical.DENSITY_TRAINING`, full-batch steps)."""
    from dataclasses import replace

    from active_science.ratio_scan import default_training

    return replace(default_training(cfg["method"]), **{k: cfg[k] for k in ("max_epochs", "patience") if cfg.get(k) is not None})


def _report(scan: Any, task: Any) -> None:
    from active_science.ratio_scan import balanced_accuracy

    last = scan.history[-1]
    ba = balanced_accuracy(last.excluded, task.excluded)
    state = "converged" if scan.converged() else "stopped"
    print(f"{state} after {len(scan.history)} rounds, {scan.n_events} simulated events; last contour change {last.changed:.4f}")
    print(f"balanced accuracy vs the exact-likelihood contour: {ba:.4f}")


def _run(scan: Any, task: Any, max_rounds: int) -> int:
    try:
        scan.run(max_rounds=max_rounds)
        _report(scan, task)
    finally:
        scan.close()
    return 0


def run_ratio_config(path: Path, *, force: bool, progress: bool) -> int:
    from active_science.ratio_scan import RatioScan

    cfg = load_ratio_config(path)
    if Path(cfg["store"]).exists() and not force:
        raise StudyExistsError(f"study file {cfg['store']!r} already exists; resume it (active-science resume {cfg['store']}) or pass --force")
    task, kwargs = _build(cfg)
    scan = RatioScan(task.simulator, task.x_obs, task.grid, store=cfg["store"], force=force, store_config={"study": cfg}, **kwargs)
    return _run(scan, task, int(cfg["max_rounds"]))


def resume_ratio(path: Path, *, max_evaluations: int | None, executor: str | None, address: str | None, progress: bool) -> int:
    from active_science.ratio_scan import RatioScan
    from active_science.store import Store

    with Store.open(path) as st:
        cfg = dict(st.config["study"])
    if executor is not None:
        cfg["executor"] = executor
    if address is not None:
        cfg["address"] = address
    task, kwargs = _build(cfg)
    scan = RatioScan.resume(path, task.simulator, task.x_obs, task.grid, **kwargs)
    rounds = int(cfg["max_rounds"]) if max_evaluations is None else len(scan.history) + int(max_evaluations)
    return _run(scan, task, rounds)
