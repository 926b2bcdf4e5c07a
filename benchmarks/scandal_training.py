"""SCANDAL's categorical density: retrain time with the score's forward-mode tangents written out vs ``torch.func.jvp``.

The score term needs ``d logits / d theta`` on every full-batch step. ``torch.func.jvp`` (the implementation until
session 15, kept here as the reference) runs ``baddbmm``'s forward-mode rule through torch's Python reference
decompositions; ``EnsembleMLP.forward_with_tangents`` propagates the tangents with one extra ``bmm`` per layer. Both
train the same ``CategoricalDensity`` on the same Galton simulations (1 000 events at each of ``P`` thetas spread over
the board's range, 3 members, ``DENSITY_TRAINING``'s 2 000 steps, from scratch, one thread), one after the other in
one run, repeated; the table gives each one's median seconds per retrain and the largest difference of the trained
``log p_hat`` between the two on a 101-point theta grid.

    python -m benchmarks.scandal_training --out F.json [--points 20 80] [--repeats 3]

Rows: ``{task: "galton", method: "tangents" | "jvp", seed: None, n_simulations: P x 1 000, metric:
"seconds_per_retrain" | "max_abs_log_prob_difference", value}``.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from active_science.ratio.categorical import DENSITY_TRAINING, CategoricalDensity
from active_science.simulators.galton import GaltonBoard
from active_science.threads import torch_threads


class JvpCategoricalDensity(CategoricalDensity):
    """The density as it was trained before session 15: the logits' theta-derivatives from one ``torch.func.jvp`` per
    theta component; everything else is ``CategoricalDensity``'s own."""

    @staticmethod
    def _logits_and_derivatives(net, z, tangents):
        pairs = [torch.func.jvp(net, (z,), (t,)) for t in tangents]
        return pairs[-1][0], [d for _, d in pairs]


def retrain(cls: type, board: GaltonBoard, sims: list) -> tuple[float, np.ndarray]:
    est = cls(board.support, theta_bounds=board.space.bounds, ensemble_size=3).append(sims)
    t0 = time.perf_counter()
    est.train(DENSITY_TRAINING, warm_start=False)
    seconds = time.perf_counter() - t0
    return seconds, est.log_prob_table(np.linspace(-1.0, 0.0, 101)[:, None])


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, nargs="+", default=[20, 80], help="simulated thetas (1 000 events each)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    board = GaltonBoard()
    rows: list[dict] = []
    print(f"{'thetas':>6s} {'events':>7s} {'jvp s':>7s} {'tangents s':>10s} {'speed-up':>8s} {'max |d log p|':>13s}")
    with torch_threads(1):
        for p in args.points:
            thetas = np.linspace(-0.95, -0.05, p)
            sims = [board.simulate(np.array([t]), seed=k, num_events=1000, gold=True) for k, t in enumerate(thetas)]
            times: dict[str, list[float]] = {"jvp": [], "tangents": []}
            diff = 0.0
            for _ in range(args.repeats):  # alternated, so machine load affects both alike
                t_jvp, lp_jvp = retrain(JvpCategoricalDensity, board, sims)
                t_new, lp_new = retrain(CategoricalDensity, board, sims)
                times["jvp"].append(t_jvp)
                times["tangents"].append(t_new)
                diff = max(diff, float(np.abs(lp_jvp - lp_new).max()))
            med = {k: float(np.median(v)) for k, v in times.items()}
            print(f"{p:6d} {1000 * p:7d} {med['jvp']:7.2f} {med['tangents']:10.2f} {med['jvp'] / med['tangents']:7.2f}x {diff:13.1e}")
            for method, value in med.items():
                rows.append(dict(task="galton", method=method, seed=None, n_simulations=1000 * p, metric="seconds_per_retrain", value=value))
            rows.append(dict(task="galton", method="tangents", seed=None, n_simulations=1000 * p, metric="max_abs_log_prob_difference", value=diff))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=1)
    return rows


if __name__ == "__main__":
    main()
