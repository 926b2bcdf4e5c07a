"""Benchmark: optimal beam energy for measuring sin^2(theta_W) (issue 7), under both cost models.

For each task (``weinberg_fixed_events``: 1000 events per experiment; ``weinberg_fixed_lumi``: 200 nb^-1 per
experiment), prior sin2w ~ U(0.21, 0.25), design sqrt(s) in [20, 130] GeV:

1. ``eig`` part. One ratio classifier, amortised over designs, is trained once (it is per event, so both cost models
   share it). On a design grid, nested MC (exact likelihood, the truth) and the likelihood-free estimators
   (lfire / infonce / nwj, each with the zero-mean-score calibration of ``active_science.design_calibration``, the
   default) are computed on the same simulated experiments; ``lfire_uncalibrated`` rows give the same estimator
   without the calibration (what the calibration fixes; the estimator the study uses is ``lfire``, fixed a priori).
   Metrics:
   ``eig_max_rel_error`` = max over the grid of ``|EIG_lf - EIG_nested|`` / max over the grid of ``EIG_nested``
   (relative to the EIG scale of the design range; a pointwise ratio is meaningless where EIG ~ 0), and
   ``eig_pointwise_rel_error`` = max of ``|EIG_lf - EIG_nested| / EIG_nested`` over designs with EIG_nested at least
   20 % of its maximum.
   The truth's argmax is located by nested MC with more samples on a coarse grid refined around the best point; the
   GP loop (``DesignStudy``, likelihood-free ``lfire`` EIG, UCB) chooses one design; ``argmax_error_gev`` is the
   distance between the two.
2. ``sequential`` part. Five experiments of equal size at hidden sin2w = 0.2312: ``gp_loop`` (designs chosen by the
   GP over nested-MC EIG under the current posterior) against ``random`` (designs uniform on the range); the same
   experiment noise seeds for both; ``posterior_sd`` of sin2w after the 5th experiment, per seed, plus the median
   and the ratio of medians (``posterior_sd_median``, ``sd_ratio_gp_over_random``).

Run: ``python -m benchmarks.design [--quick] [--out F.json] [--parts eig sequential] [--tasks fixed_events ...]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from active_science.design import DesignStudy
from active_science.design_eig import EIGSettings, estimate_eig
from active_science.experiment import FixedEvents, FixedLuminosity
from active_science.priors import UniformPrior
from active_science.simulators.weinberg import Weinberg
from active_science.stats.eig_classifier import ClassifierSettings, TrainedClassifier, train_classifier

PRIOR = UniformPrior({"sin2w": (0.21, 0.25)})
TRUE_THETA = [0.2312]
TASKS = {"fixed_events": FixedEvents(1000), "fixed_lumi": FixedLuminosity(200.0)}
LF = ("lfire", "infonce", "nwj")
UNCAL = "lfire_uncalibrated"


@dataclass(frozen=True)
class Budget:
    num_train: int
    epochs: int
    grid: int
    eig_outer: int
    eig_inner: int
    truth_outer: int
    truth_inner: int
    loop_evaluations: int
    seeds: int
    seq_evaluations: int


FULL = Budget(400_000, 20, 23, 200, 500, 400, 500, 16, 10, 10)
QUICK = Budget(300_000, 15, 12, 200, 400, 300, 400, 12, 3, 10)


def _row(task: str, method: str, seed: int, n_sim: int, metric: str, value: float, **extra: Any) -> dict[str, Any]:
    return {"task": f"weinberg_{task}", "method": method, "seed": seed, "n_simulations": int(n_sim), "metric": metric, "value": float(value), **extra}


def truth_argmax(sim: Weinberg, cost: Any, belief: np.ndarray, b: Budget) -> tuple[float, float]:
    """Nested-MC argmax of EIG(sqrt s): 2.5 GeV grid over the range, then 0.25 GeV steps within +-3 GeV of the best."""
    s = EIGSettings("nested", num_outer=b.truth_outer, num_inner=b.truth_inner)

    def eig(d: float) -> float:  # one seed for all designs: common random numbers give a smooth curve
        return estimate_eig(sim, cost, np.array([d]), belief, seed=123, settings=s)["nested"].value

    coarse = np.arange(20.0, 130.01, 2.5)
    best = coarse[int(np.argmax([eig(d) for d in coarse]))]
    fine = np.clip(np.arange(best - 3.0, best + 3.01, 0.25), 20.0, 130.0)
    values = np.array([eig(d) for d in fine])
    return float(fine[int(np.argmax(values))]), float(values.max())


def eig_part(tasks: list[str], b: Budget, seed: int, cache: str | None = None, executor: str = "serial") -> list[dict[str, Any]]:
    sim = Weinberg()
    rows: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    settings = ClassifierSettings(num_train=b.num_train, epochs=b.epochs)
    if cache and os.path.exists(cache):
        with np.load(cache, allow_pickle=False) as f:
            clf = TrainedClassifier.from_arrays(dict(f), design_space=sim.design_space, settings=settings)
        print(f"classifier: loaded from {cache}")
    else:
        clf = train_classifier(sim, lambda n, rng: PRIOR.sample(n, rng), sim.design_space, settings=settings, seed=seed)
        print(f"classifier: {b.num_train} events x {b.epochs} epochs in {time.perf_counter() - t0:.0f} s (shared machine)")
        if cache:
            np.savez(cache, **clf.to_arrays())
    belief = PRIOR.sample(4000, seed=1)
    grid = np.linspace(20.0, 130.0, b.grid)
    for task in tasks:
        cost = TASKS[task]
        table = {e: [] for e in ("nested", *LF, UNCAL)}
        for i, d in enumerate(grid):
            s = EIGSettings("lfire", num_outer=b.eig_outer, num_inner=b.eig_inner)
            r = estimate_eig(sim, cost, np.array([d]), belief, seed=1000 + i, estimators=("nested", *LF), settings=s, classifier=clf)
            # the same simulated experiments without the zero-mean-score calibration (before/after; not a candidate)
            r[UNCAL] = estimate_eig(sim, cost, np.array([d]), belief, seed=1000 + i, estimators=("lfire",),
                                    settings=dataclasses.replace(s, num_calibration=0), classifier=clf)["lfire"]  # fmt: skip
            for e in table:
                table[e].append(r[e].value)
        truth = np.array(table["nested"])
        print(f"\n{task}: EIG(sqrt s) in nats, same simulated experiments for every estimator")
        print(" sqrt_s  " + "  ".join(f"{e:>8s}" for e in table))
        for i, d in enumerate(grid):
            print(f"{d:7.1f}  " + "  ".join(f"{table[e][i]:8.4f}" for e in table))
        big = truth >= 0.2 * truth.max()
        for e in (*LF, UNCAL):
            err = np.abs(np.array(table[e]) - truth)
            rows.append(_row(task, e, seed, b.num_train, "eig_max_rel_error", err.max() / truth.max(), grid_points=len(grid)))
            rows.append(_row(task, e, seed, b.num_train, "eig_pointwise_rel_error", (err[big] / truth[big]).max(), grid_points=int(big.sum())))
        t1 = time.perf_counter()
        best, best_value = truth_argmax(sim, cost, belief, b)
        study = DesignStudy(sim, prior=PRIOR, cost=cost, eig=EIGSettings("lfire", num_outer=b.eig_outer, num_inner=b.eig_inner),
                            classifier=settings, pretrained=clf, strategy="ucb", batch_size=4,
                            evaluations_per_experiment=b.loop_evaluations, num_experiments=1, true_theta=TRUE_THETA, seed=seed,
                            executor=executor)  # fmt: skip
        result = study.run()
        chosen = float(result.designs[0, 0])
        n_sim = b.num_train + b.loop_evaluations * b.eig_outer * int(np.mean([1000, 400]))
        rows.append(_row(task, "gp_loop", seed, n_sim, "argmax_error_gev", abs(chosen - best), chosen=chosen, truth_argmax=best,
                         truth_max_eig=best_value, evaluations=b.loop_evaluations, seconds=time.perf_counter() - t1))  # fmt: skip
        print(f"{task}: nested-MC argmax {best:.2f} GeV (EIG {best_value:.3f}); GP loop (lfire, {b.loop_evaluations} evaluations) chose "
              f"{chosen:.2f} GeV; evaluated at {np.round(result.curves[0].designs[:, 0], 1).tolist()}")  # fmt: skip
    return rows


def sequential_part(tasks: list[str], b: Budget, num_experiments: int = 5, executor: str = "serial") -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for task in tasks:
        cost = TASKS[task]
        finals: dict[str, list[float]] = {"gp_loop": [], "random": []}
        for seed in range(b.seeds):
            t0 = time.perf_counter()
            study = DesignStudy("weinberg", prior=PRIOR, cost=cost, eig=EIGSettings("nested", num_outer=100, num_inner=200),
                                strategy="ucb", strategy_options={"num_initial": 6, "num_restarts": 2, "raw_samples": 64, "mc_samples": 64}, batch_size=4,
                                evaluations_per_experiment=b.seq_evaluations, num_experiments=num_experiments,
                                true_theta=TRUE_THETA, seed=seed, num_particles=2000, executor=executor)  # fmt: skip
            res = study.run()
            t_gp = time.perf_counter() - t0
            # random designs, the same experiment seeds (stage k uses the study's k-th experiment seed)
            rng = np.random.default_rng([seed, 77])
            belief = study.initial_belief()
            experiments = []
            designs = []
            for k in range(num_experiments):
                d = study.design_space.sample(1, seed=rng, method="random")[0]
                designs.append(float(d[0]))
                experiments.append(study.run_experiment(d, k))
                belief = study.update(belief, experiments, k)
            for method, sd, ds in (("gp_loop", float(res.posterior_sd[-1, 0]), res.designs[:, 0].tolist()), ("random", float(belief.sd[0]), designs)):
                finals[method].append(sd)
                rows.append(_row(task, method, seed, num_experiments, "posterior_sd", sd, designs=[round(v, 2) for v in ds], experiments=num_experiments))
            print(f"{task} seed {seed}: posterior sd gp_loop {finals['gp_loop'][-1]:.5f} (designs {np.round(res.designs[:, 0], 1).tolist()}, "
                  f"{t_gp:.0f} s) random {finals['random'][-1]:.5f} (designs {np.round(designs, 1).tolist()})", flush=True)  # fmt: skip
        med = {m: float(np.median(v)) for m, v in finals.items()}
        for m in finals:
            rows.append(_row(task, m, -1, num_experiments, "posterior_sd_median", med[m], seeds=b.seeds))
        rows.append(_row(task, "gp_loop", -1, num_experiments, "sd_ratio_gp_over_random", med["gp_loop"] / med["random"], seeds=b.seeds))
        print(f"{task}: median posterior sd over {b.seeds} seeds: gp_loop {med['gp_loop']:.5f}, random {med['random']:.5f}, "
              f"ratio {med['gp_loop'] / med['random']:.3f} (prior sd {0.04 / np.sqrt(12):.5f})")  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller classifier, grid and 3 seeds (minutes)")
    ap.add_argument("--out", default=None, help="write the rows as JSON here")
    ap.add_argument("--parts", nargs="+", default=["eig", "sequential"], choices=["eig", "sequential"])
    ap.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    ap.add_argument("--seeds", type=int, default=None, help="seeds of the sequential comparison (default 10; 3 with --quick)")
    ap.add_argument("--classifier-cache", default=None, help="load the trained classifier from this .npz, or train and save it there")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the machine is shared)")
    ap.add_argument("--executor", default="serial", choices=["serial", "ray"], help="where the GP loops run their EIG evaluations (same designs either way)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    torch.set_num_threads(args.threads)
    b = QUICK if args.quick else FULL
    if args.seeds is not None:
        b = Budget(**{**b.__dict__, "seeds": args.seeds})
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    if "eig" in args.parts:
        rows += eig_part(args.tasks, b, seed=0, cache=args.classifier_cache, executor=args.executor)
    if "sequential" in args.parts:
        rows += sequential_part(args.tasks, b, executor=args.executor)
    print(f"\n{'task':24s} {'method':8s} {'metric':26s} {'value':>10s}")
    for r in rows:
        if r["seed"] == -1 or r["metric"] != "posterior_sd":
            print(f"{r['task']:24s} {r['method']:8s} {r['metric']:26s} {r['value']:10.4f}")
    print(f"total {time.perf_counter() - t0:.0f} s ({'quick' if args.quick else 'full'} budget; shared 2-core machine)")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
