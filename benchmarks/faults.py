"""Benchmark: an exclusion scan of the mass plane with 20 % injected failures of mixed kinds, under Ray.

Runs the same scan (straddle GP strategy, same seed, same executor) twice: without faults, and with
``FaultyObjective`` failing 20 % of the points (exception, NaN, inf, hang past the timeout, worker death via
``os._exit``; half of them persistent, half fixed by one retry). Reports, per run:

* ``evaluations_lost``: proposals with no record in the study file, plus duplicated records (must be 0);
* ``failures_injected``: faults really injected (counted by the workers' marker files);
* ``overhead_ratio``: wall time with faults / wall time without (retries, timeouts, worker restarts);
* ``balanced_accuracy``: of the final contour against the exact CLs on a 200 x 200 grid;
* ``n_failed``: evaluations recorded as failed after all retries.

Usage: ``python -m benchmarks.faults [--quick] [--out F.json] [--budget N]`` (full: 500 evaluations; quick: 24).
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

import numpy as np

from active_science import ExclusionScan, RetryPolicy, Store
from active_science.evaluation import SimulatorObjective
from active_science.registry import get_simulator
from active_science.simulators.faulty import FAULT_KINDS, FaultyObjective, count_injected
from active_science.stats.metrics import balanced_accuracy

LEVEL = 0.05


def run_one(*, faults: bool, budget: int, seed: int, workdir: Path, timeout: float) -> list[dict]:
    sim = get_simulator("mass_plane")
    objective = SimulatorObjective(sim, sim.default_statistic())
    log_dir = workdir / f"faults_{seed}_{faults}"
    log_dir.mkdir()
    if faults:
        objective = FaultyObjective(objective, rate=0.2, kinds=FAULT_KINDS, persistent=0.5, log_dir=log_dir, hang_seconds=600, plan_seed=seed)
    store = workdir / f"scan_{seed}_{faults}.h5"
    scan = ExclusionScan(
        objective, sim.space, level=LEVEL, batch_size=4, executor="ray", num_cpus=2, seed=seed, store=store,
        retry=RetryPolicy(max_retries=1, timeout=timeout), tolerance=0.0, num_reference=1024,
    )  # fmt: skip
    t0 = time.perf_counter()
    result = scan.run(budget)
    wall = time.perf_counter() - t0
    with Store.open(store) as st:
        props, evals = st.proposals(), st.evaluations()
    ids = evals["id"].tolist()
    lost = len(set(props["id"].tolist()) - set(ids)) + (len(ids) - len(set(ids)))
    grid = sim.space.grid(200)
    acc = balanced_accuracy(result.excluded(grid), sim.truth_cls(grid) < LEVEL)
    method = "straddle+20%faults" if faults else "straddle"
    base = {"task": "mass_plane", "method": method, "seed": seed, "n_simulations": int(result.n_evaluations)}
    metrics = {
        "evaluations_lost": float(lost),
        "failures_injected": float(sum(count_injected(log_dir).values())),
        "n_failed": float(result.n_failed),
        "balanced_accuracy": float(acc),
        "wall_seconds": float(wall),
    }
    return [{**base, "metric": k, "value": v} for k, v in metrics.items()]


def main(argv: list[str] | None = None) -> list[dict]:
    p = argparse.ArgumentParser(prog="python -m benchmarks.faults", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="24 evaluations instead of 500")
    p.add_argument("--budget", type=int, default=None, help="evaluations per run (overrides --quick)")
    p.add_argument("--out", default=None, help="JSON file for the rows")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    budget = args.budget or (24 if args.quick else 500)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as d:
        # warm-up, not timed: Ray's start and its first worker processes would otherwise be charged to the first run
        run_one(faults=False, budget=4, seed=args.seed + 1, workdir=Path(d), timeout=2.0)
        for faults in (False, True):
            rows += run_one(faults=faults, budget=budget, seed=args.seed, workdir=Path(d), timeout=2.0)
    wall = {r["method"]: r["value"] for r in rows if r["metric"] == "wall_seconds"}
    clean, faulty = wall["straddle"], wall["straddle+20%faults"]
    rows.append({"task": "mass_plane", "method": "straddle+20%faults", "seed": args.seed, "n_simulations": budget,
                 "metric": "overhead_ratio", "value": faulty / clean})  # fmt: skip
    print(f"{'method':<22}{'metric':<20}{'value':>12}")
    for r in rows:
        print(f"{r['method']:<22}{r['metric']:<20}{r['value']:>12.4g}")
    print("(wall times on a shared machine: compare the two runs of this invocation only)")
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    main()
