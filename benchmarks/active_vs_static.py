"""Active ratio-estimator loop vs a static design: simulated events needed to reach the exact contour.

Both methods train the same estimator (ALICES, ensemble, same network and training settings) on gold
simulations of ``events_per_point`` numerator events per theta point plus as many reference events. ``active`` is
:class:`~active_science.ratio_scan.RatioScan` (entropy of the contour label with GP + ensemble variance, warm-start
retraining); ``static`` draws its theta points uniformly up front and trains from scratch, at each budget of a
ladder (the same point counts the active rounds reach). Balanced accuracy of the 95 % CL excluded region is
measured on a dense grid against the exact-likelihood region.

    python -m benchmarks.active_vs_static --quick --out F.json
    python -m benchmarks.active_vs_static --task weinberg --seeds 3 --out W.json

Rows: ``{task, method, seed, n_simulations, metric, value}`` with metric ``balanced_accuracy`` (per budget, and
at the final budget with ``final: true``), ``simulations_to_0.98`` (events at the first budget reaching 0.98;
None if never) and a ``median`` row per method (seed ``None``).
"""

from __future__ import annotations

import argparse
import json
import logging
import time

import numpy as np
import torch

from active_science.ratio.config import NetworkConfig, TrainingConfig
from active_science.ratio_scan import RatioScan, balanced_accuracy
from active_science.ratio_scan_tasks import ratio_task

TARGET = 0.98
#: ALICE was the most accurate on the Galton contour in a one-seed check (BA 0.969 vs ALICES 0.95, RASCAL 0.93)
METHOD = "alice"


def settings(task: str, quick: bool) -> dict:
    net = NetworkConfig(hidden=(32, 32))
    if task == "galton":
        return dict(events_per_point=200, initial_points=3, batch_size=1, max_points=12 if quick else 20, grid=121, network=net)
    return dict(events_per_point=200, initial_points=5, batch_size=2, max_points=15 if quick else 25, grid=31, network=net)


def run_active(task, s: dict, seed: int, training: TrainingConfig) -> list[tuple[int, float]]:
    scan = RatioScan(
        task.simulator, task.x_obs, task.grid, weights=task.weights, method=METHOD, events_per_point=s["events_per_point"],
        initial_points=s["initial_points"], batch_size=s["batch_size"], tolerance=0.0, ensemble_size=3,
        network=s["network"], training=training, seed=seed,
    )  # fmt: skip
    curve = []
    while len(scan.points) < s["max_points"]:
        r = scan.step()
        curve.append((r.n_events, balanced_accuracy(r.excluded, task.excluded)))
    return curve


def run_static(task, s: dict, seed: int, training: TrainingConfig, ladder: list[int]) -> list[tuple[int, float]]:
    curve = []
    rng = np.random.default_rng(10_000 + seed)
    order = task.simulator.space.from_unit(rng.random((max(ladder), task.grid.shape[1])))
    for k in ladder:
        scan = RatioScan(
            task.simulator, task.x_obs, task.grid, weights=task.weights, method=METHOD, events_per_point=s["events_per_point"],
            ensemble_size=3, network=s["network"], training=training, seed=seed,
        )  # fmt: skip
        _, sims = scan.simulate(order[:k])
        scan.estimator.append(sims).train(training)
        curve.append((int(sum(len(x) for x in sims)), balanced_accuracy(scan.excluded(), task.excluded)))
    return curve


def first_reaching(curve: list[tuple[int, float]], target: float = TARGET) -> int | None:
    return next((n for n, ba in curve if ba >= target), None)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--task", default="galton", choices=["galton", "weinberg"])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--out", default=None)
    ap.add_argument("--events-per-point", type=int, default=None, help="override the task's events per theta point")
    ap.add_argument("--max-points", type=int, default=None, help="override the number of theta points (budget)")
    ap.add_argument("--first-seed", type=int, default=0, help="seeds first_seed ... first_seed + seeds - 1 (split runs)")
    ap.add_argument("--static-every", type=int, default=1, help="train the static design at every k-th budget of the ladder")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    torch.set_num_threads(1)
    s = settings(args.task, args.quick)
    if args.events_per_point is not None:
        s["events_per_point"] = args.events_per_point
    if args.max_points is not None:
        s["max_points"] = args.max_points
    task = ratio_task(args.task, grid_size=s["grid"])
    training = TrainingConfig(max_epochs=150, patience=15)
    rows: list[dict] = []
    per_method: dict[str, list] = {"active": [], "static": []}
    ladder = list(range(s["initial_points"], s["max_points"] + 1, s["batch_size"]))
    static_ladder = sorted(set(ladder[:: args.static_every]) | {ladder[-1]})
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        for method in ("active", "static"):
            t0 = time.time()
            curve = run_active(task, s, seed, training) if method == "active" else run_static(task, s, seed, training, static_ladder)
            secs = time.time() - t0
            reach = first_reaching(curve)
            for n, ba in curve:
                rows.append(dict(task=args.task, method=method, seed=seed, n_simulations=n, metric="balanced_accuracy", value=ba))
            n_final, ba_final = curve[-1]
            rows.append(dict(task=args.task, method=method, seed=seed, n_simulations=n_final, metric="balanced_accuracy", value=ba_final, final=True))
            rows.append(dict(task=args.task, method=method, seed=seed, n_simulations=n_final, metric=f"simulations_to_{TARGET}", value=reach))
            rows.append(dict(task=args.task, method=method, seed=seed, n_simulations=n_final, metric="simulations_to_0.95", value=first_reaching(curve, 0.95)))
            rows.append(dict(task=args.task, method=method, seed=seed, n_simulations=n_final, metric="seconds", value=secs))
            per_method[method].append((reach, ba_final, n_final, first_reaching(curve, 0.95)))
            print(f"{args.task:8s} {method:7s} seed {seed}: final BA {ba_final:.4f} at {n_final} events, to {TARGET}: {reach}, {secs:.0f} s", flush=True)
    print(f"\n{'method':8s} {'median sims_to_' + str(TARGET):>22s} {'median final BA':>16s}")
    medians = {}
    for method, vals in per_method.items():
        # a run that never reached the target counts as infinitely many events (null if the median is one of them)
        reach = np.array([np.inf if r is None else r for r, _, _, _ in vals], dtype=float)
        med = float(np.median(reach))
        medians[method] = med
        ba = float(np.median([b for _, b, _, _ in vals]))
        r95 = float(np.median(np.array([np.inf if r is None else r for _, _, _, r in vals], dtype=float)))
        n_final = vals[0][2]
        rows.append(dict(task=args.task, method=method, seed=None, n_simulations=n_final, metric=f"simulations_to_{TARGET}", value=None if not np.isfinite(med) else med, statistic="median"))
        rows.append(dict(task=args.task, method=method, seed=None, n_simulations=n_final, metric="balanced_accuracy", value=ba, statistic="median", final=True))
        rows.append(dict(task=args.task, method=method, seed=None, n_simulations=n_final, metric="simulations_to_0.95", value=r95 if np.isfinite(r95) else None, statistic="median"))
        print(f"{method:8s} {med:>22} {ba:>16.4f}   median events to 0.95: {r95}")
    ratio = medians["static"] / medians["active"] if np.isfinite(medians["active"]) else float("nan")
    print(f"static / active events to {TARGET}: {ratio:.2f}x (inf: static never reached it within its budget)")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
