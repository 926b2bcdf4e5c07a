"""MSE(log r) vs training-set size for every ratio method on the Galton board and the Gaussian toy.

    python -m benchmarks.ratio [--quick] [--out ratio.json] [--png ratio.png]

Rows ``{"task", "method", "seed", "n_simulations", "metric": "mse_log_r", "value", "seconds", "epochs"}``, then per
task and method the simulations needed to reach CARL's seed-mean accuracy at N = 10 000
(``metric = "n_to_match_carl_10000"``: the smallest N of the grid whose seed-mean MSE is at most CARL's, NaN if
none; ``value_interpolated``: the crossing on log-log interpolation between grid points). Setups:
:mod:`active_science.ratio.tasks`. Every fit uses the same network (64, 64, tanh) and training settings
(``REFERENCE_NETWORK``, ``REFERENCE_TRAINING``, seconds include simulation); the
score-term weight alpha = 1 (standardised theta) was not tuned. ``--quick``: one seed, N in {200, 1 000, 10 000};
default: three seeds and N in {200, 500, 1 000, 2 000, 5 000, 10 000}.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import time
from pathlib import Path

import numpy as np
import torch

from active_science.ratio.tasks import fit_reference_estimator, ratio_task

METHODS = ("carl", "rolr", "cascal", "rascal", "alice", "alices")


def fit_one(task_name: str, method: str, n: int, seed: int) -> dict:
    task = ratio_task(task_name)
    start = time.perf_counter()
    est = fit_reference_estimator(task, method, n, seed=seed)
    seconds = time.perf_counter() - start
    return {
        "task": task_name, "method": method, "seed": seed, "n_simulations": n, "metric": "mse_log_r",
        "value": task.mse_of(est), "seconds": round(seconds, 2), "epochs": est.history_[-1].epochs,
    }  # fmt: skip


def matching_rows(rows: list[dict]) -> list[dict]:
    """Per task and method: simulations needed to reach CARL's seed-mean MSE at the largest N."""
    out = []
    for task in sorted({r["task"] for r in rows}):
        mean = {}
        for r in rows:
            if r["task"] == task and r["metric"] == "mse_log_r":
                mean.setdefault((r["method"], r["n_simulations"]), []).append(r["value"])
        mean = {k: float(np.mean(v)) for k, v in mean.items()}
        n_max = max(n for (m, n) in mean if m == "carl")
        target = mean[("carl", n_max)]
        for method in METHODS:
            grid = sorted(n for (m, n) in mean if m == method)
            vals = [mean[(method, n)] for n in grid]
            hit = [n for n, v in zip(grid, vals) if v <= target]
            interp = float("nan")
            if hit:
                j = grid.index(hit[0])
                interp = float(grid[0]) if j == 0 else math.exp(
                    np.interp(math.log(target), [math.log(vals[j]), math.log(vals[j - 1])], [math.log(grid[j]), math.log(grid[j - 1])])
                )
            out.append({
                "task": task, "method": method, "seed": -1, "n_simulations": int(hit[0]) if hit else -1,
                "metric": f"n_to_match_carl_{n_max}", "value": float(hit[0]) if hit else float("nan"),
                "value_interpolated": interp, "target_mse": target,
            })  # fmt: skip
    return out


def table(rows: list[dict]) -> str:
    lines = []
    for task in sorted({r["task"] for r in rows}):
        ns = sorted({r["n_simulations"] for r in rows if r["task"] == task and r["metric"] == "mse_log_r"})
        lines.append(f"\n{task}: MSE(log r), mean +- sd over seeds")
        lines.append(f"{'method':<8}" + "".join(f"{'N=' + str(n):>20}" for n in ns) + f"{'N to match CARL':>18}")
        for method in METHODS:
            cells = []
            for n in ns:
                v = [r["value"] for r in rows if (r["task"], r["method"], r["n_simulations"], r["metric"]) == (task, method, n, "mse_log_r")]
                cells.append(f"{np.mean(v):>11.4f} +- {np.std(v):.4f}" if v else f"{'-':>20}")
            match = [r for r in rows if r["task"] == task and r["method"] == method and r["metric"].startswith("n_to_match")]
            m = f"{match[0]['value']:.0f} (~{match[0]['value_interpolated']:.0f})" if match and np.isfinite(match[0]["value"]) else "not reached"
            lines.append(f"{method:<8}" + "".join(cells) + f"{m:>18}")
    return "\n".join(lines)


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = sorted({r["task"] for r in rows})
    fig, axes = plt.subplots(1, len(tasks), figsize=(5.5 * len(tasks), 4.2), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        for method in METHODS:
            ns = sorted({r["n_simulations"] for r in rows if r["task"] == task and r["method"] == method and r["metric"] == "mse_log_r"})
            v = [[r["value"] for r in rows if (r["task"], r["method"], r["n_simulations"], r["metric"]) == (task, method, n, "mse_log_r")] for n in ns]
            ax.errorbar(ns, [np.mean(a) for a in v], yerr=[np.std(a) for a in v], marker="o", capsize=3, label=method)
        ax.set(xscale="log", yscale="log", xlabel="training simulations N", ylabel="MSE(log r)", title=task)
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, N in {200, 1000, 10000}")
    parser.add_argument("--out", type=Path, default=Path("ratio.json"))
    parser.add_argument("--png", type=Path, default=None, help="figure path (default: --out with .png)")
    parser.add_argument("--tasks", nargs="+", default=["galton", "gaussian"], choices=["galton", "gaussian"])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--seeds", type=int, default=None, help="number of seeds (default 1 quick, 3 full)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    torch.set_num_threads(1)  # small networks: threads cost more than they save on a shared 2-core machine
    sizes = (200, 1000, 10000) if args.quick else (200, 500, 1000, 2000, 5000, 10000)
    seeds = range(args.seeds if args.seeds is not None else (1 if args.quick else 3))
    rows = []
    for task in args.tasks:
        for n in sizes:
            for method in args.methods:
                for seed in seeds:
                    row = fit_one(task, method, n, seed)
                    rows.append(row)
                    print(f"{task:<9}{method:<8}N={n:<6} seed={seed}  mse_log_r={row['value']:.5f}  ({row['seconds']:.1f} s, {row['epochs']} epochs)", flush=True)
    if "carl" in args.methods:
        rows += matching_rows(rows)
    print(table(rows))
    args.out.write_text(json.dumps(rows, indent=1))
    png = args.png if args.png is not None else args.out.with_suffix(".png")
    plot(rows, png)
    print(f"\nwrote {args.out} and {png} (machine shared with other jobs: seconds are indicative only)")
    return rows


if __name__ == "__main__":
    main()
