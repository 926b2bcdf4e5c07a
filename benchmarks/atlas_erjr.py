"""Benchmark: adaptive pool scan vs the full grid on the published ATLAS SUSY-2018-06 (3L eRJR) likelihood.

The 66 signal patches are the pool. ``grid`` runs the hypotest at all 66 points; ``adaptive`` runs one multi-target
ExclusionScan (observed and expected CLs together, pool SUR strategy, GP in (m_C1N2, m_C1N2 - m_N1)) until its
stopping rule holds, after at least ``--min-evaluations`` (20) hypotests. ``--stop expected`` (the default): fewer than
``--expected-errors`` (0.5) wrong labels expected among the 66 pool points of both targets (the GP's integrated
misclassification probability, :class:`~active_science.convergence.ExpectedMisclassificationBelow`);
``--stop uncertain``: no pool label of either target has a misclassification probability above ``--probability``
(0.05). Either way ``pool_sur`` starts from a k-medoids design of the pool and then picks the points that leave the
fewest pool labels uncertain (misclassification probability above ``--probability``) after a fantasy update. (Its
other look-ahead, the expected summed misclassification itself, ``criterion="misclassification"``, needed a median of
26 with one wrong label on one of 5 seeds; the expected-uncertain count settles the last labels sooner.) Both are scored on the official ATLAS decisions
(excluded iff sigma_UL / sigma_theory < 1, from ``pyhf_cls_vs_official_ul.json``): ``decisions_agree`` = fraction of
the 66 reproduced by the final prediction. ``--methods grid`` / ``--methods adaptive`` runs one of the two.

    python -m benchmarks.atlas_erjr --quick --out atlas.json     # cached pyhf results as the oracle (minutes)
    python -m benchmarks.atlas_erjr --out atlas.json             # real hypotests on 2 Ray workers (~15 min on 2 idle cores; hours on a loaded machine)

Rows: task ``atlas_erjr_obs`` / ``atlas_erjr_exp``, method ``adaptive`` / ``grid``, metrics ``decisions_agree``,
``n_hypotests``, ``wall_time`` (s) and, in ``--quick`` mode, ``hypotest_seconds`` (the cached single-core cost of the
hypotests the method ran, i.e. what they would cost for real).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(os.environ.get("ACTIVE_SCIENCE_ATLAS_DIR", Path(__file__).resolve().parents[2] / "shared/data/atlas_susy_2018_06_3L_eRJR"))
FIXED = {"shape_mcstat_diboson3LISR_CRISR_obs_cuts": 1.0}
LABELS = ("m_C1N2", "m_N1")
TARGETS = {"atlas_erjr_obs": "value", "atlas_erjr_exp": "cls_exp"}
COORDINATES = {"m": "m_C1N2", "dm": "m_C1N2 - m_N1"}


@dataclass(frozen=True)
class Stopping:
    """How the adaptive scan stops and what its pool SUR aims at (see the module docstring)."""

    stop: str = "expected"  # "expected" (expected wrong labels) or "uncertain" (labels above `probability`)
    expected_errors: float = 0.5
    probability: float = 0.05
    patience: int = 1
    min_evaluations: int = 20

    def rule(self, pool_size: int) -> Any:
        from active_science.convergence import ExpectedMisclassificationBelow, UncertainFractionBelow

        if self.stop == "expected":
            return ExpectedMisclassificationBelow(self.expected_errors / pool_size, patience=self.patience, min_evaluations=self.min_evaluations)
        return UncertainFractionBelow(0.5 / pool_size, patience=self.patience, probability=self.probability, min_evaluations=self.min_evaluations)

    def strategy_options(self) -> dict[str, Any]:
        return {"probability": self.probability}


def _factors(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of numbers, e.g. 1,0.2") from err


def official(data: Path = DATA) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The 66 points `(66, 2)` and ATLAS's decisions per task (excluded iff sigma_UL < sigma_theory)."""
    rows = json.loads((data / "pyhf_cls_vs_official_ul.json").read_text())
    pts = np.array([[r["m_C1N2"], r["m_N1"]] for r in rows], dtype=float)
    return pts, {
        "atlas_erjr_obs": np.array([r["atlas_muUL_obs"] < 1.0 for r in rows]),
        "atlas_erjr_exp": np.array([r["atlas_muUL_exp"] < 1.0 for r in rows]),
    }


def make_objective(quick: bool, data: Path = DATA) -> Any:
    if quick:
        from active_science.simulators.pyhf_cache import CachedHypotests

        return CachedHypotests(data / "pyhf_cls_grid_numpy_minuit.json", labels=LABELS)
    from active_science.simulators.pyhf_workspace import PyhfWorkspace

    return PyhfWorkspace(
        workspace=data / "BkgOnly.json", patchset=data / "patchset.json", fixed_parameters=FIXED,
        constraint="m_N1 < m_C1N2", coordinates=COORDINATES,
    )  # fmt: skip


def cached_seconds(data: Path = DATA) -> dict[tuple[float, float], float]:
    rows = json.loads((data / "pyhf_cls_grid_numpy_minuit.json").read_text())
    return {(r["m_C1N2"], r["m_N1"]): float(r["t_hypotest"]) for r in rows}


def run_grid(objective: Any, points: np.ndarray, executor: str) -> list[Any]:
    """Evaluate every point (Ray: both cores busy); returns the ``Evaluation`` records in point order."""
    from active_science.evaluation import Task, as_objective
    from active_science.execution import RetryPolicy, make_executor

    ex = make_executor(executor, as_objective(objective), retry=RetryPolicy(max_retries=0), **({"num_cpus": 2} if executor == "ray" else {}))
    try:
        for i, p in enumerate(points):
            ex.submit(Task(i, np.asarray(p, dtype=float), 0))
        done: dict[int, Any] = {}
        while len(done) < len(points):
            for ev in ex.wait():
                done[ev.id] = ev
    finally:
        ex.shutdown()
    failed = [done[i].error for i in done if not done[i].ok]
    if failed:
        raise RuntimeError(f"{len(failed)} grid hypotests failed, e.g. {failed[0]}")
    return [done[i] for i in range(len(points))]


def run_adaptive(
    objective: Any,
    candidates: np.ndarray,
    *,
    seed: int,
    strategy: str,
    batch_size: int,
    executor: str,
    stopping: Stopping = Stopping(),
    asynchronous: bool = False,
    warp_beyond: str = "clamp",
    restarts: tuple[float, ...] = (1.0,),
) -> Any:
    """One multi-target pool scan, stopped by ``stopping`` (at least 20 hypotests: 10 per dimension).

    Synchronous batches by default: both Ray workers run one hypotest of each batch, and the scan is the same
    whichever executor runs it (the cached-oracle run predicts the real one exactly). ``asynchronous=True`` refills a
    worker as soon as it finishes (less idle time, but the order, hence the points chosen, depends on fit times)."""
    import active_science as asci
    from active_science.surrogates.gp import GPSurrogate
    from active_science.surrogates.multi import MultiTargetSurrogate

    targets = list(TARGETS.values())
    space = asci.ParameterSpace(
        {"m_C1N2": (100.0, 500.0), "m_N1": (0.0, 300.0)}, constraint="m_N1 < m_C1N2", coordinates=COORDINATES
    )
    scan = asci.ExclusionScan(
        objective, space, candidates=candidates, targets=targets, strategy=strategy, batch_size=batch_size, seed=seed,
        strategy_options=stopping.strategy_options() if strategy == "pool_sur" else None,
        executor=executor, num_cpus=2 if executor == "ray" else None, asynchronous=asynchronous, clip=3.0,
        surrogate=MultiTargetSurrogate(targets, factory=lambda: GPSurrogate(warp=True, warp_beyond=warp_beyond, restarts=restarts)),
        retry=asci.RetryPolicy(max_retries=0),
        stopping=stopping.rule(len(candidates)),
    )  # fmt: skip
    return scan.run(max_evaluations=len(candidates))


def adaptive_rows(
    seed: int,
    quick: bool,
    strategy: str,
    batch_size: int,
    plot: Path | None,
    stopping: Stopping = Stopping(),
    asynchronous: bool = False,
    warp_beyond: str = "clamp",
    restarts: tuple[float, ...] = (1.0,),
) -> list[dict[str, Any]]:
    """One adaptive scan (one seed): its benchmark rows; draws the contour figure if ``plot`` is a path."""
    import torch

    torch.set_num_threads(1)
    objective = make_objective(quick)
    pts, truth = official()
    executor = "serial" if quick and not asynchronous else "ray"  # asynchronous refill needs Ray workers
    cost = cached_seconds()
    t0 = time.perf_counter()
    result = run_adaptive(
        objective, objective.candidates, seed=seed, strategy=strategy, batch_size=batch_size, executor=executor,
        stopping=stopping, asynchronous=asynchronous, warp_beyond=warp_beyond, restarts=restarts,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    n = result.n_evaluations
    rows = []
    for task, target in TARGETS.items():
        base = {"task": task, "method": "adaptive", "seed": seed, "n_simulations": n}
        agree = float(np.mean(result.excluded(pts, target=target) == truth[task]))
        rows.append({**base, "metric": "decisions_agree", "value": agree, "stop_reason": result.stop_reason})
        rows.append({**base, "metric": "n_hypotests", "value": float(n)})
        rows.append({**base, "metric": "wall_time", "value": wall, "executor": executor, "asynchronous": asynchronous})
        if quick:
            rows.append({**base, "metric": "hypotest_seconds", "value": sum(cost[tuple(p)] for p in result.points)})
    print(f"seed {seed}: {n} hypotests, {result.stop_reason}, {wall:.0f} s, agree obs/exp "
          f"{rows[0]['value']:.3f}/{rows[-4 if quick else -3]['value']:.3f}", flush=True)  # fmt: skip
    if plot is not None:
        from active_science.plots import targets_contour_figure

        fig = targets_contour_figure(
            result, official=[("ATLAS observed", pts, truth["atlas_erjr_obs"]), ("ATLAS expected", pts, truth["atlas_erjr_exp"])],
            title=f"ATLAS SUSY-2018-06 3L eRJR: {n} of 66 hypotests ({strategy}, seed {seed})",
        )  # fmt: skip
        fig.savefig(plot, dpi=130)
    return rows


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="use the cached pyhf results as the oracle")
    parser.add_argument("--out", type=Path, default=None, help="write the JSON rows here")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--strategy", default="pool_sur")
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--plot", type=Path, default=None, help="contour figure of the first seed (png)")
    default = Stopping()
    parser.add_argument("--stop", choices=("expected", "uncertain"), default=default.stop, help="stopping rule (module docstring)")
    parser.add_argument("--expected-errors", type=float, default=default.expected_errors, help="--stop expected: wrong pool labels expected at the stop")
    parser.add_argument("--probability", type=float, default=default.probability, help="--stop uncertain: misclassification probability counted as uncertain")
    parser.add_argument("--patience", type=int, default=default.patience, help="rounds the stopping condition must hold")
    parser.add_argument("--min-evaluations", type=int, default=default.min_evaluations, help="no stop before this many hypotests")
    parser.add_argument("--asynchronous", action="store_true", help="refill a Ray worker as soon as it finishes (with --quick: the cached oracle on Ray)")
    parser.add_argument("--warp-beyond", choices=("clamp", "extend"), default="clamp", help="the GP's input warp beyond the evaluated range (GPSurrogate; README known issue)")
    parser.add_argument("--restarts", type=_factors, default=(1.0,), help="the GP fit's length-scale starts, e.g. 1,0.2 (GPSurrogate(restarts=...); default one start)")
    parser.add_argument("--jobs", type=int, default=2, help="seeds run in parallel processes (--quick only)")
    parser.add_argument("--methods", default="grid,adaptive", help="comma-separated subset of grid,adaptive")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    import torch

    torch.set_num_threads(1)
    objective = make_objective(args.quick)
    pts, truth = official()
    executor = "serial" if args.quick else "ray"
    cost = cached_seconds()
    rows: list[dict[str, Any]] = []

    def add(task: str, method: str, seed: int, n: int, metric: str, value: float, **extra: Any) -> None:
        rows.append({"task": task, "method": method, "seed": seed, "n_simulations": n, "metric": metric, "value": float(value), **extra})

    methods = {m.strip() for m in args.methods.split(",")}
    # grid: every point evaluated (on the same executor), its label read off its own CLs
    t0 = time.perf_counter()
    obs = run_grid(objective, pts, executor) if "grid" in methods else []
    grid_wall = time.perf_counter() - t0
    for task, target in TARGETS.items() if obs else ():
        cls = np.array([o.value if target == "value" else o.extras[target] for o in obs])
        add(task, "grid", 0, len(pts), "decisions_agree", np.mean((cls < 0.05) == truth[task]))
        add(task, "grid", 0, len(pts), "n_hypotests", len(pts))
        add(task, "grid", 0, len(pts), "wall_time", grid_wall, executor=executor)
        if args.quick:
            add(task, "grid", 0, len(pts), "hypotest_seconds", sum(cost[tuple(p)] for p in pts))

    stopping = Stopping(args.stop, args.expected_errors, args.probability, args.patience, args.min_evaluations)
    jobs = [
        (seed, args.quick, args.strategy, args.batch_size, args.plot if seed == 0 else None, stopping, args.asynchronous, args.warp_beyond, args.restarts)
        for seed in (range(args.seeds) if "adaptive" in methods else ())
    ]
    if args.jobs > 1 and args.quick and not args.asynchronous:  # independent seeds in separate processes (plain dict rows come back)
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
            for part in pool.starmap(adaptive_rows, jobs):
                rows.extend(part)
    else:
        for job in jobs:
            rows.extend(adaptive_rows(*job))

    print(f"\n{'task':16s} {'method':9s} {'metric':16s} {'median':>10s} {'min':>10s} {'max':>10s}  (seeds: {args.seeds})")
    for task in TARGETS:
        for method in ("grid", "adaptive"):
            for metric in ("decisions_agree", "n_hypotests", "wall_time", "hypotest_seconds"):
                v = [r["value"] for r in rows if r["task"] == task and r["method"] == method and r["metric"] == metric]
                if v:
                    print(f"{task:16s} {method:9s} {metric:16s} {np.median(v):10.3f} {min(v):10.3f} {max(v):10.3f}")
    if args.out is not None:
        args.out.write_text(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    main()
