"""Contour-learning benchmark: every strategy x seeds x tasks, balanced accuracy vs evaluations against exact truth.

Tasks: excursion's 1D/2D/3D functions, two disjoint islands (2D), and the mass-plane toy (noisy MC CLs, exact
truth from infinite statistics). Every adaptive or space-filling method is scored with the same classifier (the
library's default GP fitted on that method's points, label = sign of the posterior mean); the regular grid is scored
the way a physicist reads a grid (linear interpolation of the grid values). Balanced accuracy is measured after
every round on a dense grid of exact labels; a run stops at the first round reaching the target (0.99), and the
prefixes of that round's batch are scored too (results arrive one by one, so the count is not rounded up to the
batch). ``--light`` (implied by ``--quick``) maximises the GP acquisitions over Sobol raw samples without a gradient
polish (the default strategy's own setting up to 3D) and gives skopt its ``"sampling"`` acquisition optimiser;
``--quick`` runs the tasks in 2 processes (``--jobs``).

    python -m benchmarks.contour --quick --out contour.json [--png contour.png]
    python -m benchmarks.contour --tasks 2d 3d --methods grid straddle --seeds 5 --out full.json

Rows: ``{task, method, seed, n_simulations, metric, value}`` with metric ``balanced_accuracy`` (one per round),
``evaluations_to_0.99`` (None if never reached within the budget) and ``seconds``.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

TARGET = 0.99
ALL_METHODS = [
    "grid", "random", "sobol", "lhs", "straddle", "misclassification", "entropy", "band_entropy", "tmse", "information_gain",
    "focused_information_gain", "skopt",
]  # fmt: skip
ALL_TASKS = ["1d", "2d", "3d", "islands", "mass_plane"]


@dataclass(frozen=True)
class Task:
    """A contour-learning task on the modelled scale (contour at 0)."""

    name: str
    space: object
    evaluate: Callable[[np.ndarray, int], tuple[float, float]]  # (theta, seed) -> (y, yvar)
    truth_points: np.ndarray  # `(m, d)` space coordinates
    truth_labels: np.ndarray  # `(m,)` True where y > 0
    budget: int
    max_grid: int


def make_task(name: str, *, quick: bool) -> Task:
    from active_science.testfunctions import get_problem

    if name == "mass_plane":
        from active_science.scan import LevelTransform
        from active_science.simulators.mass_plane import MassPlane

        sim = MassPlane()
        stat = sim.default_statistic()
        transform = LevelTransform(0.05, "log")

        def evaluate(theta: np.ndarray, seed: int) -> tuple[float, float]:
            obs = stat(sim.simulate(theta, seed=seed), theta)
            y, var = transform.forward(obs.value, obs.variance)
            return y, (0.0 if var is None else var)

        pts = sim.space.grid(120 if quick else 300)
        labels = np.log(np.maximum(sim.truth_cls(pts), 1e-300)) - math.log(0.05) > 0
        return Task(name, sim.space, evaluate, pts, labels, 48 if quick else 200, 1500 if quick else 6000)
    problem = get_problem(name)

    def evaluate_fn(theta: np.ndarray, seed: int) -> tuple[float, float]:
        return float(problem.fn(np.asarray(theta, dtype=float)) - problem.threshold), 0.0

    res = {"1d": (1001, 2001), "2d": (120, 350), "islands": (120, 350), "3d": (24, 60)}[name]
    pts, labels = problem.truth_grid(res[0] if quick else res[1])
    budget = {"1d": 24, "2d": 48, "islands": 48, "3d": 64}[name] if quick else {"1d": 40, "2d": 150, "islands": 150, "3d": 250}[name]
    max_grid = {"1d": 200, "2d": 2500, "islands": 2500, "3d": 8000}[name] * (1 if quick else 4)
    return Task(name, problem.space, evaluate_fn, pts, labels, budget, max_grid)


def gp_labels(surrogate: object, U: np.ndarray) -> np.ndarray:
    """Sign of the posterior mean at `(m, d)` unit points (mean only: variances are not needed for labels)."""
    import gpytorch

    out = []
    model = surrogate.model
    with torch.no_grad(), gpytorch.settings.skip_posterior_variances():
        for start in range(0, len(U), 8192):
            # `b x 1 x d`: independent single-point posteriors (a joint posterior of b points costs b^2 memory)
            X = torch.as_tensor(U[start : start + 8192, None, :], dtype=torch.float64)
            out.append(model.posterior(X).mean.reshape(len(X), -1)[:, 0].numpy() > 0)
    return np.concatenate(out)


def balanced_accuracy(pred: np.ndarray, truth: np.ndarray) -> float:
    from active_science.stats.metrics import balanced_accuracy as ba

    return ba(pred, truth)


#: lighter optimiser settings used with --light (and --quick): same acquisitions, maximised over Sobol raw samples
#: without the gradient polish (measured: ~30x cheaper per round in 2D at the same accuracy)
LIGHT = {
    "skopt": {"acq_optimizer": "sampling", "acq_optimizer_kwargs": {"n_points": 2000}},
    "information_gain": {"raw_samples": 512, "num_restarts": 0},
    "focused_information_gain": {"raw_samples": 512, "num_restarts": 0},
    **{m: {"raw_samples": 1024, "num_restarts": 0} for m in ("straddle", "misclassification", "entropy", "band_entropy", "tmse")},
}


def parse_method(spec: str) -> tuple[str, dict]:
    """``"entropy[explore_every=3, num_initial=8]"`` -> ``("entropy", {"explore_every": 3, "num_initial": 8})``: a
    strategy with options, as one method of the benchmark (its rows keep the whole spec as the method name).

    Example:
        >>> parse_method("entropy[explore_every=3]"), parse_method("straddle")
        (('entropy', {'explore_every': 3}), ('straddle', {}))
    """
    import ast

    if "[" not in spec:
        return spec, {}
    if not spec.endswith("]"):
        raise SystemExit(f"method {spec!r}: write options as NAME[key=value, ...]")
    name, body = spec[:-1].split("[", 1)
    options = {}
    for item in filter(None, (part.strip() for part in body.split(","))):
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"method {spec!r}: option {item!r} is not key=value")
        try:
            options[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError) as err:
            raise SystemExit(f"method {spec!r}: option {item!r} is not key=<Python literal>") from err
    return name, options


def run_adaptive(
    task: Task, method: str, seed: int, batch_size: int, *, light: bool = False, warp_beyond: str = "clamp"
) -> tuple[list[tuple[int, float]], int | None, float]:
    """(curve [(n, accuracy)], evaluations to the target or None, seconds); ``warp_beyond``: the ``GPSurrogate``
    option of the loop's default surrogate ("clamp": the default itself)."""
    from active_science import ActiveLoop, get_strategy
    from active_science.surrogates.scalable import default_surrogate

    t0 = time.perf_counter()
    name, options = parse_method(method)
    strategy = get_strategy(name, **{**(LIGHT.get(name, {}) if light else {}), **options})
    surrogate = default_surrogate(0.0, warp_beyond=warp_beyond)
    loop = ActiveLoop(task.space, strategy, seed=seed, threshold=0.0, budget=task.budget, surrogate=surrogate)
    U_truth = task.space.to_unit(task.truth_points)
    curve: list[tuple[int, float]] = []
    reached = None
    while loop.num_told < task.budget:
        props = loop.ask(min(batch_size, task.budget - loop.num_told))
        if not props:
            break
        for p in props:
            y, var = task.evaluate(p.theta, p.seed)
            loop.tell(p.id, y, var)
        model = loop.fitted_surrogate()
        if model is None:
            continue
        acc = balanced_accuracy(gp_labels(model, U_truth), task.truth_labels)
        if acc >= TARGET:
            # the batch reached the target: score its shorter prefixes too (results arrive one by one, so a batch
            # must not cost evaluations it did not need); the classifier on a prefix is the same default GP, fitted
            # on exactly the first k results the loop received
            reached = first_prefix_reaching(loop, U_truth, task.truth_labels, loop.num_told - len(props), curve)
            curve.append((loop.num_told, acc))
            reached = loop.num_told if reached is None else reached
            break
        curve.append((loop.num_told, acc))
    return curve, reached, time.perf_counter() - t0


def first_prefix_reaching(loop: object, U_truth: np.ndarray, labels: np.ndarray, start: int, curve: list) -> int | None:
    """Smallest ``k`` in ``start+1 .. n-1`` whose first-``k``-results classifier reaches the target (None if none);
    the accuracies of the prefixes scored are appended to ``curve``."""
    import copy

    X, y, yvar = loop.training_data(unit=True)
    for k in range(max(start + 1, 2), len(y)):
        sur = copy.deepcopy(loop.surrogate).fit(X[:k], y[:k], None if yvar is None else yvar[:k], seed=loop.seed)
        acc = balanced_accuracy(gp_labels(sur, U_truth), labels)
        curve.append((k, acc))
        if acc >= TARGET:
            return k
    return None


def grid_classifier(space: object, nodes_unit: np.ndarray, values: np.ndarray, k: int) -> Callable[[np.ndarray], np.ndarray]:
    """Linear interpolation of grid values (a physicist's reading of a grid scan): regular-grid interpolation on a
    full box, Delaunay-linear with nearest-node fallback when a constraint cut the grid."""
    from scipy.interpolate import LinearNDInterpolator, NearestNDInterpolator, RegularGridInterpolator

    d = nodes_unit.shape[1]
    if len(nodes_unit) == k**d:
        axes = [np.unique(nodes_unit[:, i]) for i in range(d)]
        order = np.lexsort(nodes_unit.T[::-1])
        interp = RegularGridInterpolator(axes, values[order].reshape([k] * d))
        return lambda U: interp(np.clip(U, 0, 1)) > 0
    lin, near = LinearNDInterpolator(nodes_unit, values), NearestNDInterpolator(nodes_unit, values)

    def predict(U: np.ndarray) -> np.ndarray:
        v = lin(U)
        bad = ~np.isfinite(v)
        v[bad] = near(U[bad])
        return v > 0

    return predict


def run_grid(task: Task, seed: int) -> tuple[list[tuple[int, float]], int | None, float]:
    t0 = time.perf_counter()
    U_truth = task.space.to_unit(task.truth_points)
    curve, reached, k = [], None, 2
    rng = np.random.SeedSequence([seed, 11])
    while True:
        nodes = task.space.grid(k)
        if len(nodes) > task.max_grid:
            break
        seeds = np.random.SeedSequence(rng.entropy, spawn_key=(k,)).generate_state(len(nodes))
        values = np.array([task.evaluate(th, int(s))[0] for th, s in zip(nodes, seeds)])
        predict = grid_classifier(task.space, task.space.to_unit(nodes), values, k)
        acc = balanced_accuracy(predict(U_truth), task.truth_labels)
        curve.append((len(nodes), acc))
        if acc >= TARGET:
            reached = len(nodes)
            break
        k += 1 if len(nodes) < 400 else max(1, k // 8)
    return curve, reached, time.perf_counter() - t0


def summarise(rows: list[dict], methods: list[str], tasks: list[str], default: str) -> list[dict]:
    """Median evaluations to the target per task x method, and the grid / default ratios."""
    out = []
    for task in tasks:
        med = {}
        for m in methods:
            vals = [r["value"] for r in rows if r["task"] == task and r["method"] == m and r["metric"] == f"evaluations_to_{TARGET}"]
            if not vals:
                continue
            # a run that never reached the target counts as +inf (the median is then a lower bound or None)
            v = float(np.median([np.inf if x is None else x for x in vals]))
            med[m] = v
            out.append({"task": task, "method": m, "seed": -1, "n_simulations": -1, "metric": f"median_evaluations_to_{TARGET}",
                        "value": None if math.isinf(v) else v, "num_seeds": len(vals),
                        "num_reached": sum(x is not None for x in vals)})  # fmt: skip
        if "grid" in med and default in med:
            ratio = med["grid"] / med[default] if math.isfinite(med[default]) else None
            if ratio is not None and math.isinf(ratio):
                ratio = None  # the grid never got there within its cap: reported as a lower bound in the table
            out.append({"task": task, "method": default, "seed": -1, "n_simulations": -1, "metric": "grid_over_default_evaluations",
                        "value": ratio, "grid_capped": not math.isfinite(med["grid"])})  # fmt: skip
    return out


def plot(rows: list[dict], path: str, tasks: list[str], methods: list[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(tasks), figsize=(4.2 * len(tasks), 3.6), squeeze=False)
    colors = plt.get_cmap("tab10")
    for ax, task in zip(axes[0], tasks):
        for i, m in enumerate(methods):
            seeds = sorted({r["seed"] for r in rows if r["task"] == task and r["method"] == m and r["metric"] == "balanced_accuracy"})
            for j, s in enumerate(seeds):
                pts = [(r["n_simulations"], r["value"]) for r in rows if r["task"] == task and r["method"] == m and r["seed"] == s and r["metric"] == "balanced_accuracy"]
                if pts:
                    n, a = zip(*pts)
                    ax.plot(n, a, color=colors(i % 10), alpha=0.8, lw=1.2, label=m if j == 0 else None)
        ax.axhline(TARGET, color="k", ls=":", lw=0.8)
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())  # minor labels overlap on short ranges
        ax.set_ylim(0.5, 1.005)
        ax.set_title(task)
        ax.set_xlabel("simulator calls")
    axes[0][0].set_ylabel("balanced accuracy")
    if axes[0][-1].get_legend_handles_labels()[0]:  # runs without accuracy curves (merged summaries) have none
        axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


#: rough relative cost of a task in --quick (orders the work of parallel processes: slowest first)
TASK_COST = {"3d": 5, "mass_plane": 3, "2d": 2, "islands": 2, "1d": 1}


def run_task(
    task_name: str, methods: list[str], seeds: list[int], *, quick: bool, budget: int | None, batch_size: int | None,
    light: bool, warp_beyond: str = "clamp", out: str | None = None, previous: list[dict] | None = None,
) -> list[dict]:
    """Rows of every method x seed on one task (``out``: rewrite ``previous`` + these rows after every run)."""
    torch.set_num_threads(1)
    logging.basicConfig(level=logging.WARNING)
    task = make_task(task_name, quick=quick)
    if budget is not None:
        task = Task(**{**task.__dict__, "budget": budget})
    rows: list[dict] = []
    for method in methods:
        for seed in seeds:
            if method == "grid":
                curve, reached, secs = run_grid(task, seed)
            else:
                batch = batch_size or (8 if quick and task.space.dim > 1 else 4)
                curve, reached, secs = run_adaptive(task, method, seed, batch, light=light, warp_beyond=warp_beyond)
            base = {"task": task_name, "method": method, "seed": seed}
            rows += [{**base, "n_simulations": n, "metric": "balanced_accuracy", "value": a} for n, a in sorted(curve)]
            spent = max(n for n, _ in curve) if curve else 0
            rows.append({**base, "n_simulations": spent, "metric": f"evaluations_to_{TARGET}", "value": reached,
                         "budget": task.max_grid if method == "grid" else task.budget})  # fmt: skip
            rows.append({**base, "n_simulations": spent, "metric": "seconds", "value": secs})
            last = max(curve)[1] if curve else float("nan")
            print(f"{task_name:10s} {method:24s} seed={seed} evals_to_{TARGET}={reached!s:>6} final_acc={last:.4f} ({secs:.0f} s)", flush=True)
            if out:  # after every run, so a long benchmark that is stopped keeps what it measured
                with open(out, "w") as fh:
                    json.dump((previous or []) + rows, fh, indent=1)
    return rows


def merged_rows(paths: list[str]) -> list[dict]:
    """The per-run rows of several result files (their summary rows, ``seed = -1``, are recomputed by the caller).

    A task x method x seed measured in two files is an error: the merge would count it twice.
    """
    rows: list[dict] = []
    seen: dict[tuple, str] = {}
    for path in paths:
        with open(path) as fh:
            file_rows = [r for r in json.load(fh) if r.get("seed", -1) != -1]
        for key in {(r["task"], r["method"], r["seed"]) for r in file_rows}:
            if key in seen:
                raise SystemExit(f"--merge: task {key[0]!r} method {key[1]!r} seed {key[2]} is in both {seen[key]} and {path}; merge each run once")
            seen[key] = path
        rows += file_rows
    return rows


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small budgets, coarser truth grids, 1 seed (< 5 min)")
    parser.add_argument("--out", default=None, help="JSON rows")
    parser.add_argument("--png", default=None, help="accuracy-vs-evaluations figure (default: next to --out)")
    parser.add_argument("--tasks", nargs="+", default=None, choices=ALL_TASKS)
    parser.add_argument("--methods", nargs="+", default=None, help="strategy names, with options as NAME[key=value, ...]")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--first-seed", type=int, default=0, help="seeds FIRST .. FIRST + SEEDS - 1 (more seeds in a second file, pooled with --merge)")
    parser.add_argument("--batch-size", type=int, default=None, help="default 4 (quick: 4 in 1D, 8 otherwise)")
    parser.add_argument("--light", action="store_true", help="lighter acquisition optimisers (implied by --quick)")
    parser.add_argument("--budget", type=int, default=None, help="override every task's budget")
    parser.add_argument("--jobs", type=int, default=None, help="tasks run in this many processes (default: 2 with --quick, else 1)")
    parser.add_argument("--warp-beyond", choices=("clamp", "extend"), default="clamp",
                        help="the GP's input warp beyond the evaluated range (GPSurrogate(warp_beyond=...); README known issue)")
    parser.add_argument("--merge", nargs="+", default=None, metavar="FILE.json",
                        help="run nothing: pool the rows of earlier runs (e.g. one task per process) into one table, JSON and figure")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    logging.basicConfig(level=logging.WARNING)
    from active_science.registry import DEFAULT_STRATEGY

    tasks = args.tasks or (["1d", "2d", "islands", "mass_plane", "3d"] if args.quick else ALL_TASKS)
    methods = args.methods or ALL_METHODS
    seeds = range(args.first_seed, args.first_seed + (args.seeds if args.seeds is not None else (1 if args.quick else 5)))
    args.jobs = args.jobs if args.jobs is not None else (2 if args.quick else 1)
    options = {"quick": args.quick, "budget": args.budget, "batch_size": args.batch_size, "light": args.light or args.quick, "warp_beyond": args.warp_beyond}
    rows: list[dict] = []
    if args.merge:
        rows = merged_rows(args.merge)
        tasks = [t for t in ALL_TASKS if any(r["task"] == t for r in rows)] if args.tasks is None else tasks
        found = list(dict.fromkeys(r["method"] for r in rows))
        methods = [m for m in ALL_METHODS if m in found] + [m for m in found if m not in ALL_METHODS] if args.methods is None else methods
    elif args.jobs > 1 and len(tasks) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        # one task per process (the slowest first), each single-threaded; rows are merged in the task order
        order = sorted(tasks, key=lambda t: -TASK_COST.get(t, 1))
        done: dict[str, list[dict]] = {}
        with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(run_task, t, methods, list(seeds), **options): t for t in order}
            for fut in as_completed(futures):
                done[futures[fut]] = fut.result()
                rows = [r for t in tasks if t in done for r in done[t]]
                if args.out:
                    with open(args.out, "w") as fh:
                        json.dump(rows, fh, indent=1)
    else:
        for task_name in tasks:
            rows += run_task(task_name, methods, list(seeds), **options, out=args.out, previous=rows)
    rows += summarise(rows, methods, tasks, DEFAULT_STRATEGY)
    print(f"\nmedian evaluations to balanced accuracy {TARGET} (None: not reached within the budget; default = {DEFAULT_STRATEGY})")
    w = max([16, *map(len, methods)]) + 2  # the first column fits the longest method name
    print(f"{'method':{w}s}" + "".join(f"{t:>12s}" for t in tasks))
    for m in methods:
        cells = []
        for t in tasks:
            r = [x for x in rows if x["task"] == t and x["method"] == m and x["metric"] == f"median_evaluations_to_{TARGET}"]
            cells.append(f"{'-' if not r else ('>budget' if r[0]['value'] is None else int(r[0]['value'])):>12}")
        print(f"{m:{w}s}" + "".join(cells))
    ratios = {r["task"]: r["value"] for r in rows if r["metric"] == "grid_over_default_evaluations"}
    print(f"{'grid / default':{w}s}" + "".join(f"{('-' if ratios.get(t) is None else f'{ratios[t]:.1f}x'):>12s}" for t in tasks))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(rows, fh, indent=1)
    png = args.png or (args.out.rsplit(".", 1)[0] + ".png" if args.out else None)
    if png:
        plot(rows, png, tasks, methods)
    return rows


if __name__ == "__main__":
    main()
