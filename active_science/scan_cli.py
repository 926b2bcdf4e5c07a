"""Running and reporting an exclusion scan from a TOML configuration (``active-science run``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from active_science.config import load_config
from active_science.exceptions import StudyExistsError

__all__ = ["run_scan_config", "resume_scan", "print_scan_result"]


def print_scan_result(result: Any) -> None:
    print(f"study file   {result.store}")
    print(f"evaluations  {result.n_evaluations} ({result.n_failed} failed), {result.n_rounds} rounds")
    print(f"stopped      {result.stop_reason} in {result.wall_time:.1f} s")
    if result.uncertain_fraction:
        print(f"uncertain fraction of the space: {result.uncertain_fraction[-1]:.4f}")


def run_scan_config(path: Path, *, force: bool, progress: bool) -> int:
    from active_science.convergence import rule_to_config
    from active_science.scan import ExclusionScan

    cfg = load_config(path)
    store = cfg.store_path
    if store.exists() and not force:
        raise StudyExistsError(f"study file {str(store)!r} already exists; resume it (active-science resume {store}) or pass --force")
    space = cfg.space.build() if cfg.space is not None else None
    scan = ExclusionScan(
        cfg.objective.simulator, space, simulator_options=cfg.objective.options, level=cfg.scan.level,
        scale=cfg.scan.scale, strategy=cfg.scan.strategy, strategy_options=cfg.scan.strategy_options or None,
        batch_size=cfg.scan.batch_size, executor=cfg.execution.executor, seed=cfg.study.seed, store=store,
        force=force, tolerance=cfg.scan.tolerance, retry=cfg.execution.retry_policy(),
        address=cfg.execution.address, num_cpus=cfg.execution.num_cpus, asynchronous=cfg.scan.asynchronous,
        clip=cfg.scan.clip, targets=cfg.scan.targets,
    )  # fmt: skip
    # the rule's default minimum depends on the dimension, known once the scan has its (maybe the simulator's) space
    scan.stopping = cfg.scan.stopping_rule(scan.space.dim)
    scan.config["stopping"], scan.config["stopping_rule"] = repr(scan.stopping), rule_to_config(scan.stopping)
    print_scan_result(scan.run(cfg.scan.max_evaluations, progress=progress))
    return 0


def resume_scan(path: Path, *, max_evaluations: int | None, executor: str | None, address: str | None, progress: bool) -> int:
    from active_science.scan import ExclusionScan

    scan = ExclusionScan.resume(path, executor=executor, address=address)
    budget = max_evaluations if max_evaluations is not None else scan.config.get("max_evaluations") or 200
    print_scan_result(scan.run(int(budget), progress=progress))
    return 0
