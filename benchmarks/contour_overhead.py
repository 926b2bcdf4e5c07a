"""Per-round orchestration overhead of a contour scan: surrogate fit + acquisition (a batch of 4), vs evaluated points.

The data are excursion's 2D function at n Sobol points (noise-free, known noise); the strategy is the default one.
The exact GP is measured up to ``--max-exact`` points (it grows as n^3); the subset GP (exact GP on at most
500 boundary + space-filling points) and the scalable GP (hyperparameters from 300 such points, posterior on 1 000
with those hyperparameters frozen: the loop's default at large n) at every size. Balanced accuracy on the 150 x 150 truth grid is
recorded too, so the speed-up is seen together with what it costs in accuracy. Wall and CPU seconds (of this
single-threaded process) are both recorded: on a shared machine the CPU seconds are the load-independent figure.

    python -m benchmarks.contour_overhead [--quick] [--out overhead.json]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sizes 200 and 1000 only")
    parser.add_argument("--out", default=None)
    parser.add_argument("--sizes", nargs="+", type=int, default=None)
    parser.add_argument("--max-exact", type=int, default=1000)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    from active_science import get_strategy
    from active_science.registry import DEFAULT_STRATEGY
    from active_science.surrogates import GPSurrogate, ScalableGPSurrogate, SubsetGPSurrogate
    from active_science.surrogates.scalable import LEVEL_SET_RESTARTS, default_surrogate
    from active_science.testfunctions import get_problem
    from active_science.testing import make_context
    from benchmarks.contour import balanced_accuracy, gp_labels

    problem = get_problem("2d")
    space = problem.space
    truth_pts, truth = problem.truth_grid(150)
    U_truth = space.to_unit(truth_pts)
    sizes = args.sizes or ([200, 1000] if args.quick else [200, 1000, 5000])
    variants = {
        # the loop's default for a contour (two length-scale starts), exact below ScalableGPSurrogate().exact_up_to
        # points and scalable above
        "exact": lambda: GPSurrogate(restarts=LEVEL_SET_RESTARTS),
        "subset500": lambda: SubsetGPSurrogate(max_points=500, restarts=LEVEL_SET_RESTARTS),
        "scalable": lambda: default_surrogate(0.0),
    }
    rows = []
    print(f"{'surrogate':12s} {'n':>6s} {'fit s':>8s} {'propose(4) s':>13s} {'fit cpu s':>10s} {'propose cpu s':>14s} {'bal. acc.':>10s}")
    for n in sizes:
        U = space.sample_unit(n, seed=0, method="sobol")
        y = problem.fn(space.from_unit(U)) - problem.threshold
        yvar = np.zeros(n)
        for name, make in variants.items():
            if name == "exact" and n > args.max_exact:
                continue
            if (name == "subset500" and n <= 500) or (name == "scalable" and n <= ScalableGPSurrogate().exact_up_to):
                continue  # identical to the exact GP at this size
            t0, c0 = time.perf_counter(), time.process_time()
            sur = make().fit(U, y, yvar, seed=0)
            t_fit, c_fit = time.perf_counter() - t0, time.process_time() - c0
            ctx = make_context(space, X=U, y=y, yvar=yvar, surrogate=sur, seed=1, num_proposed=n)
            t0, c0 = time.perf_counter(), time.process_time()
            get_strategy(DEFAULT_STRATEGY).propose(4, ctx)
            t_prop, c_prop = time.perf_counter() - t0, time.process_time() - c0
            acc = balanced_accuracy(gp_labels(sur, U_truth), truth)
            print(f"{name:12s} {n:6d} {t_fit:8.2f} {t_prop:13.2f} {c_fit:10.2f} {c_prop:14.2f} {acc:10.4f}", flush=True)
            base = {"task": "2d", "method": f"{DEFAULT_STRATEGY}+{name}", "seed": 0, "n_simulations": n}
            rows += [{**base, "metric": "fit_seconds", "value": t_fit}, {**base, "metric": "propose_seconds", "value": t_prop},
                     {**base, "metric": "fit_cpu_seconds", "value": c_fit}, {**base, "metric": "propose_cpu_seconds", "value": c_prop},
                     {**base, "metric": "balanced_accuracy", "value": acc}]  # fmt: skip
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(rows, fh, indent=1)
    return rows


if __name__ == "__main__":
    main()
