"""Why an estimator-based Galton contour plateaus: the statistical floor of ``q`` at the contour edge.

``q(theta) = -2 sum_x w(x) log r(x | theta)`` with Asimov weights ``w`` of 60 balls. Any ratio estimator learnt from
``N`` events at the edge point ``theta_b`` and ``N`` at ``theta_ref`` inherits at least the noise of the ideal
histogram estimator (the board's output is one of 31 positions, so a histogram is the best model-free estimate).
This benchmark draws those histograms (multinomial, 400 repeats) and reports the bias and standard deviation of
``q(theta_b)`` against the exact value from the board's forward recursion. Compare with the slope of the exact
``q`` per grid step at the edge (printed): the edge is placed within one grid step only when the ``q`` error is
below that slope, which is what balanced accuracy 0.98 on the 121-point grid requires.

    python -m benchmarks.ratio_noise_floor --out F.json

Rows: ``{task: "galton", method: "histogram", seed, n_simulations: 2N, metric: "q_std_at_edge" | "q_bias_at_edge",
value}``.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from active_science.ratio_scan_tasks import ratio_task

SIZES = (1000, 3000, 10000, 30000, 100000)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    task = ratio_task("galton", grid_size=121)
    sim = task.simulator
    inside = np.flatnonzero(~task.excluded)
    rows = []
    print(f"{'edge':>7s} {'theta_b':>8s} {'slope/step':>10s} {'N':>7s} {'q bias':>8s} {'q std':>7s}")
    for edge, i, j in (("lower", inside.min(), inside.min() - 1), ("upper", inside.max(), inside.max() + 1)):
        slope = abs(task.q_exact[j] - task.q_exact[i])  # q change over one grid step at the edge
        th_b, th_ref = task.grid[i], np.array([-0.7])
        pb, pr = sim.probabilities(th_b[None])[0], sim.probabilities(th_ref[None])[0]
        w = np.zeros(sim.n_nails)
        w[task.x_obs[:, 0].astype(int)] = task.weights
        exact = -2.0 * np.sum(w * (np.log(pb + 1e-300) - np.log(pr + 1e-300)))
        rng = np.random.default_rng(args.seed)
        for n in SIZES:
            # +0.5 per bin (Jeffreys) keeps empty bins finite; its bias is part of what is measured
            cb = rng.multinomial(n, pb, size=args.repeats) + 0.5
            cr = rng.multinomial(n, pr, size=args.repeats) + 0.5
            q = -2.0 * np.sum(w * (np.log(cb / cb.sum(1, keepdims=True)) - np.log(cr / cr.sum(1, keepdims=True))), axis=1)
            bias, std = float(q.mean() - exact), float(q.std())
            print(f"{edge:>7s} {th_b[0]:8.3f} {slope:10.3f} {n:7d} {bias:+8.3f} {std:7.3f}")
            common = dict(task="galton", method="histogram", seed=args.seed, n_simulations=2 * n, edge=edge, theta=float(th_b[0]), slope_per_step=slope)
            rows.append(dict(common, metric="q_std_at_edge", value=std))
            rows.append(dict(common, metric="q_bias_at_edge", value=bias))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
