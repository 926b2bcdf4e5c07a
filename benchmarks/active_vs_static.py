"""Active ratio-estimator loop vs a static design: simulated events needed to reach the exact contour.

Both methods train the same estimator (``--method``; on the Galton board SCANDAL's categorical density, which
needs no reference events; ALICE for Weinberg's continuous angle and with ``--method alice``: ensembles, same network
and training settings) on gold simulations of ``events_per_point`` events per theta point (plus as many reference
events for a ratio method). ``active`` is
:class:`~active_science.ratio_scan.RatioScan` (tMSE of the contour label with GP + ensemble variance, warm-start
retraining, on the Galton board; label entropy elsewhere and with ``--acquisition entropy``: with one point per
round it can keep simulating at one edge it has pinned down while the other is unexplored); ``static`` draws its
theta points uniformly up front and feeds them, in that order, through the same simulate / warm-start-retrain
rounds (``RatioScan.step(points=...)``), evaluated at each budget of a ladder (every ``--static-every``-th point
count up to ``--static-max-points``; on the Galton board after every point, as the active arm). Balanced accuracy
of the 95 % CL excluded region is measured on a dense grid against the exact-likelihood region. Both arms compute
``q`` from the ratio normalised over their own pooled reference events (``RatioScan(normalize=True)``, the default;
``--no-normalize`` gives the raw network ratio, the setting of the runs before that option existed; SCANDAL is
normalised by construction). Events are counted the same way in both arms: every simulated event, numerator and
reference; the normalisation simulates nothing. Rows record ``estimator``, ``normalize``, ``events_per_point``,
``initial_points``, ``batch_size``, ``acquisition``, ``bins``, ``observed_events`` (None: the task's default),
``warm_start`` (``--retrain``; default from scratch for scandal, warm for the ratio methods) and ``space_filling``.

    python -m benchmarks.active_vs_static --quick --out F.json
    python -m benchmarks.active_vs_static --task weinberg --seeds 3 --out W.json          # ALICE, continuous angle
    python -m benchmarks.active_vs_static --task weinberg --method scandal --static-max-points 101 --static-every 2
    # one process per seed and method, partial results kept round by round, then pooled:
    python -m benchmarks.active_vs_static --seeds 1 --first-seed 3 --methods static --progress s3.jsonl --out s3.json
    python -m benchmarks.active_vs_static --merge s*.json a*.jsonl --out ALL.json

Rows: ``{task, method, seed, n_simulations, metric, value}`` with metric ``balanced_accuracy`` (per budget, and
at the final budget with ``final: true``), ``simulations_to_0.98`` (events at the first budget reaching 0.98;
None if never), ``simulations_to_stay_0.98`` (the first budget from which it stays >= 0.98 up to the largest budget
both arms reached for that seed: a contour that reaches 0.98 by luck and loses it again does not count) and a
``median`` row per method (seed ``None``).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import replace

import numpy as np
import torch

from active_science.ratio.categorical import DENSITY_TRAINING
from active_science.ratio.config import NetworkConfig, TrainingConfig
from active_science.ratio_scan import RatioScan, balanced_accuracy, default_warm_start
from active_science.ratio_scan_tasks import ratio_task

TARGET = 0.98
#: the estimator per task: the Galton board's discrete x takes SCANDAL's categorical density (normalised by
#: construction); among the ratio methods ALICE was the most accurate on the Galton contour in a one-seed check
#: (BA 0.969 vs ALICES 0.95, RASCAL 0.93), and it is the method for Weinberg's continuous angle
METHODS = {"galton": "scandal", "weinberg": "alice"}


def settings(task: str, quick: bool, method: str) -> dict:
    """Per-task budgets. The full Galton run uses 1000 events per point: the q error at the contour scales like
    ``sqrt(n_obs / events near the boundary)`` (see the report), so 0.98 needs ~10^4 events near each edge."""
    net = NetworkConfig(hidden=(32, 32))
    if task == "galton" and method == "scandal":
        # no reference events: 1 000 events per point is a ladder step of 1 000 (the ratio runs': 2 000)
        if quick:
            return dict(events_per_point=200, initial_points=3, batch_size=1, max_points=12, static_max_points=12, static_every=1, grid=121, network=NetworkConfig(hidden=(64, 64)), acquisition="tmse")
        return dict(events_per_point=1000, initial_points=3, batch_size=1, max_points=40, static_max_points=40, static_every=1, grid=121, network=NetworkConfig(hidden=(64, 64)), acquisition="tmse")
    if task == "weinberg" and method == "scandal":  # the binned angle (--bins): no reference events
        n = 500 if quick else 2000
        return dict(events_per_point=n, initial_points=5, batch_size=2, max_points=15 if quick else 41, static_max_points=15 if quick else 41, static_every=1, grid=31, network=NetworkConfig(hidden=(64, 64)), acquisition="entropy")
    if task == "galton":
        if quick:
            return dict(events_per_point=200, initial_points=3, batch_size=1, max_points=12, static_max_points=12, static_every=1, grid=121, network=net, acquisition="tmse")
        # one point per round in both arms, both evaluated after every point (2000 events): the same granularity
        return dict(events_per_point=1000, initial_points=3, batch_size=1, max_points=21, static_max_points=41, static_every=1, grid=121, network=net, acquisition="tmse")
    return dict(events_per_point=200, initial_points=5, batch_size=2, max_points=15 if quick else 25, static_max_points=15 if quick else 25, static_every=1, grid=31, network=net, acquisition="entropy")


def run_active(task, s: dict, seed: int, training: TrainingConfig, log=lambda n, ba: None) -> list[tuple[int, float]]:
    scan = RatioScan(
        task.simulator, task.x_obs, task.grid, weights=task.weights, method=s["method"], events_per_point=s["events_per_point"],
        initial_points=s["initial_points"], batch_size=s["batch_size"], tolerance=0.0, ensemble_size=3, normalize=s["normalize"],
        acquisition=s["acquisition"], space_filling=s.get("space_filling", 0), warm_start=s.get("warm_start"),
        network=s["network"], training=training, seed=seed,
    )  # fmt: skip
    curve = []
    while len(scan.points) < s["max_points"]:
        r = scan.step()
        curve.append((r.n_events, balanced_accuracy(r.excluded, task.excluded)))
        log(*curve[-1])
    return curve


def run_static(task, s: dict, seed: int, training: TrainingConfig, ladder: list[int], log=lambda n, ba: None) -> list[tuple[int, float]]:
    """Uniform points drawn up front, fed to the same simulate / warm-start-retrain rounds as the active loop."""
    curve = []
    rng = np.random.default_rng(10_000 + seed)
    order = task.simulator.space.from_unit(rng.random((max(ladder), task.grid.shape[1])))
    scan = RatioScan(
        task.simulator, task.x_obs, task.grid, weights=task.weights, method=s["method"], events_per_point=s["events_per_point"],
        ensemble_size=3, normalize=s["normalize"], warm_start=s.get("warm_start"), network=s["network"], training=training, seed=seed,
    )  # fmt: skip
    done = 0
    for k in ladder:
        r = scan.step(points=order[done:k])
        done = k
        curve.append((r.n_events, balanced_accuracy(r.excluded, task.excluded)))
        log(*curve[-1])
    return curve


def first_reaching(curve: list[tuple[int, float]], target: float = TARGET) -> int | None:
    return next((n for n, ba in curve if ba >= target), None)


def staying_from(curve: list[tuple[int, float]], horizon: int, target: float = TARGET) -> int | None:
    """The first budget from which the accuracy stays >= ``target`` at every later budget up to ``horizon``
    (None if it is below the target at the horizon). Stricter than ``first_reaching``: a loop whose contour reaches
    the target by luck and loses it next round does not count as having reached it.

    Example:
        >>> staying_from([(2, 0.99), (4, 0.97), (6, 0.985), (8, 0.99), (10, 0.9)], horizon=8)
        6
    """
    kept = [(n, ba) for n, ba in sorted(curve) if n <= horizon]
    start = None
    for n, ba in kept:
        start = (n if start is None else start) if ba >= target else None
    return start


def _stay_rows(rows: list[dict], task: str) -> list[dict]:
    """Per-seed ``simulations_to_stay_<target>`` of both arms, up to the horizon both arms reached for that seed."""
    out = []
    curves: dict[tuple[str, int], list[tuple[int, float]]] = {}
    for r in rows:
        if r["task"] == task and r["seed"] is not None and r["metric"] == "balanced_accuracy" and not r.get("final"):
            curves.setdefault((r["method"], r["seed"]), []).append((r["n_simulations"], r["value"]))
    for (method, seed), curve in sorted(curves.items()):
        horizon = min(max(n for n, _ in c) for (m, sd), c in curves.items() if sd == seed)
        out.append(dict(task=task, method=method, seed=seed, n_simulations=horizon, metric=f"simulations_to_stay_{TARGET}",
                        value=staying_from(curve, horizon), horizon=horizon))  # fmt: skip
    return out


def summarise(rows: list[dict], task: str) -> list[dict]:
    """Median rows per method over the per-seed rows (printed as a table); a run that never reached the target
    counts as infinitely many events, so the median is null when half the seeds or more never reached it."""
    # stay rows are recomputed from the per-round rows (``mine`` below then holds them)
    rows = [r for r in rows if r["metric"] != f"simulations_to_stay_{TARGET}"] + _stay_rows(rows, task)
    out: list[dict] = [r for r in rows if r["metric"] == f"simulations_to_stay_{TARGET}"]
    print(f"\n{'method':8s} {'seeds':>5s} {'median sims_to_' + str(TARGET):>22s} {'median final BA':>16s} {'budget':>8s}")
    medians, medians_stay = {}, {}
    for method in ("active", "static"):
        mine = [r for r in rows if r["method"] == method and r["seed"] is not None and r["task"] == task]
        if not mine:
            continue

        def per_seed(metric: str, mine: list[dict] = mine) -> list[dict]:
            return sorted((r for r in mine if r["metric"] == metric and (metric != "balanced_accuracy" or r.get("final"))), key=lambda r: r["seed"])

        reach = np.array([np.inf if r["value"] is None else r["value"] for r in per_seed(f"simulations_to_{TARGET}")], dtype=float)
        r95 = np.array([np.inf if r["value"] is None else r["value"] for r in per_seed("simulations_to_0.95")], dtype=float)
        finals = per_seed("balanced_accuracy")
        med, med95 = float(np.median(reach)), float(np.median(r95))
        # a seed that never reached the target needs more than its own budget: median of (reach or budget) bounds
        # the median from below, also for partial runs whose seeds stopped at different budgets
        budgets = np.array([r["n_simulations"] for r in finals], dtype=float)
        med_low = float(np.median(np.where(np.isfinite(reach), reach, budgets)))
        ba = float(np.median([r["value"] for r in finals]))
        n_final = int(min(r["n_simulations"] for r in finals))  # the smallest budget any seed reached (partial runs)
        medians[method] = (med, med_low)
        common = dict(task=task, method=method, seed=None, n_simulations=n_final, statistic="median", n_seeds=len(finals))
        out.append(dict(common, metric=f"simulations_to_{TARGET}", value=med if np.isfinite(med) else None, lower_bound=med_low))
        out.append(dict(common, metric="balanced_accuracy", value=ba, final=True))
        out.append(dict(common, metric="simulations_to_0.95", value=med95 if np.isfinite(med95) else None))
        stay = np.array([np.inf if r["value"] is None else r["value"] for r in per_seed(f"simulations_to_stay_{TARGET}")], dtype=float)
        med_stay = float(np.median(stay)) if len(stay) else float("inf")
        out.append(dict(common, metric=f"simulations_to_stay_{TARGET}", value=med_stay if np.isfinite(med_stay) else None))
        medians_stay[method] = med_stay
        print(f"{method:8s} {len(finals):>5d} {med:>22} {ba:>16.4f} {n_final:>8d}   median events to 0.95: {med95}, to stay >= {TARGET}: {med_stay}")
    if "active" in medians and "static" in medians:
        (a, _), (st, st_low) = medians["active"], medians["static"]
        if np.isfinite(a) and np.isfinite(st):
            print(f"static / active events to {TARGET}: {st / a:.2f}x")
        elif np.isfinite(a):
            print(f"static's median never reached {TARGET}; it needs at least {st_low:.0f} events: static / active >= {st_low / a:.2f}x (a lower bound)")
        else:
            print(f"the active loop did not reach {TARGET} (median)")
        a_stay, st_stay = medians_stay.get("active", np.inf), medians_stay.get("static", np.inf)
        if np.isfinite(a_stay) and np.isfinite(st_stay):
            print(f"static / active events to stay >= {TARGET} (up to the common horizon): {st_stay / a_stay:.2f}x")
    return out


def _curve_rows(curve_rows: list[dict]) -> list[dict]:
    """Per-seed summary rows (final BA, events to 0.98 / 0.95) from the per-round rows of one arm and seed."""
    first = curve_rows[0]
    curve = [(r["n_simulations"], r["value"]) for r in sorted(curve_rows, key=lambda r: r["n_simulations"])]
    n_final, ba_final = curve[-1]
    common = dict(task=first["task"], method=first["method"], seed=first["seed"], n_simulations=n_final, partial=True)
    return [
        dict(common, metric="balanced_accuracy", value=ba_final, final=True),
        dict(common, metric=f"simulations_to_{TARGET}", value=first_reaching(curve)),
        dict(common, metric="simulations_to_0.95", value=first_reaching(curve, 0.95)),
    ]


def progress_curves(lines: list[dict]) -> dict[tuple, list[dict]]:
    """The per-round rows of a ``--progress`` log, one list per ``(task, method, seed)`` in file order.

    One log holds every arm and seed its run did (interleaved by nothing but time), so each curve is taken apart by
    its key before it is summarised. A run restarted on the same log appends the same curve again from its first
    budget: a budget that does not grow starts a new attempt, and only the last attempt is kept (the rows of an
    earlier, interrupted attempt would otherwise be read as the same run's).

    Example:
        >>> row = lambda m, s, n: dict(task="galton", method=m, seed=s, n_simulations=n, metric="balanced_accuracy", value=0.9)
        >>> log = [row("active", 0, 3), row("active", 0, 4), row("static", 0, 3), row("active", 1, 3), row("active", 1, 3)]
        >>> {k[1:]: [r["n_simulations"] for r in v] for k, v in progress_curves(log).items()}
        {('active', 0): [3, 4], ('static', 0): [3], ('active', 1): [3]}
    """
    curves: dict[tuple, list[dict]] = {}
    for r in lines:
        key = (r["task"], r["method"], r["seed"])
        curve = curves.setdefault(key, [])
        if curve and r["n_simulations"] <= curve[-1]["n_simulations"]:
            curve.clear()  # a restarted run: keep its latest attempt only
        curve.append(r)
    return curves


def merge(paths: list[str], out: str | None) -> None:
    """Pool per-seed rows of several runs (e.g. one process per seed) and recompute the medians.

    ``.jsonl`` files are ``--progress`` logs of runs that may not have finished: their per-round rows are kept and
    summarised per arm and seed up to the budget they reached (rows marked ``partial``). An arm and seed found in two
    files is an error: pooling both would count that seed twice.
    """
    rows: list[dict] = []
    source: dict[tuple, str] = {}

    def claim(key: tuple, path: str) -> None:
        if key in source and source[key] != path:
            raise SystemExit(f"--merge: {key[1]} seed {key[2]} of task {key[0]} is in both {source[key]} and {path}; pass only one of them")
        source[key] = path

    for p in paths:
        progress_log = p.endswith(".jsonl")
        with open(p) as f:
            content = [json.loads(line) for line in f if line.strip()] if progress_log else json.load(f)
        if progress_log:
            for key, curve in progress_curves(content).items():
                claim(key, p)
                rows += [dict(r, partial=True) for r in curve] + _curve_rows(curve)
        else:
            # per-seed rows; the stay rows are recomputed from the per-round rows by summarise
            kept = [r for r in content if r.get("seed") is not None and r["metric"] != f"simulations_to_stay_{TARGET}"]
            for key in {(r["task"], r["method"], r["seed"]) for r in kept}:
                claim(key, p)
            rows += kept
    for task in sorted({r["task"] for r in rows}):
        rows += summarise(rows, task)
    if out:
        with open(out, "w") as f:
            json.dump(rows, f, indent=1)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--task", default="galton", choices=["galton", "weinberg"])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--out", default=None)
    ap.add_argument("--events-per-point", type=int, default=None, help="override the task's events per theta point")
    ap.add_argument("--max-points", type=int, default=None, help="override the number of theta points (budget)")
    ap.add_argument("--batch-size", type=int, default=None, help="override the points per round after round 0 (both arms' ladders)")
    ap.add_argument("--initial-points", type=int, default=None, help="override the points of round 0 (both arms' ladders)")
    ap.add_argument("--static-max-points", type=int, default=None, help="static budget in points (default: the active one)")
    ap.add_argument("--first-seed", type=int, default=0, help="seeds first_seed ... first_seed + seeds - 1 (split runs)")
    ap.add_argument("--static-every", type=int, default=None, help="evaluate the static design at every k-th budget of its ladder")
    ap.add_argument("--galton-range", type=float, nargs=2, default=None, metavar=("LO", "HI"),
                    help="Galton: the scanned theta range (default -1 -0.4, where the interval covers 65 %%; -1.5 0 from the unbiased board: 26 %%; with --observed-events 1000: 6.3 %% on -1.5 0, 2.4 %% on -3 1, 1.2 %% on -5 3)")
    ap.add_argument("--grid", type=int, default=None, help="override the dense evaluation grid's points per axis")
    ap.add_argument("--observed-events", type=int, default=None, help="events in the observed dataset (default: 60 Asimov balls on the Galton board, 3 000 Weinberg events)")
    ap.add_argument("--bins", type=int, default=None, help="Weinberg: histogram the angle into this many bins (default 40 with --method scandal)")
    ap.add_argument("--methods", nargs="+", default=["active", "static"], choices=["active", "static"])
    ap.add_argument("--method", default=None, help="the estimator of both arms (default: scandal for galton, alice for weinberg)")
    ap.add_argument("--max-epochs", type=int, default=None, help="training epochs (scandal: full-batch steps) per retrain, both arms (default 100; scandal 2000)")
    ap.add_argument("--patience", type=int, default=None, help="early-stopping patience per retrain, both arms (default 10; scandal 200)")
    ap.add_argument("--acquisition", default=None, choices=["entropy", "tmse"], help="the active arm's acquisition (default: the task's)")
    ap.add_argument("--no-normalize", action="store_true", help="q from the raw network ratio (RatioScan(normalize=False))")
    ap.add_argument("--space-filling", type=int, default=None, help="active arm: points per round placed far from all others (RatioScan(space_filling=))")
    ap.add_argument("--retrain", choices=("warm", "scratch"), default=None, help="both arms: each round continues from the last weights (warm) or retrains from scratch (default: RatioScan's, scratch for scandal)")
    ap.add_argument("--progress", default=None, help="append one JSON line per round to this file (partial results)")
    ap.add_argument("--merge", nargs="+", default=None, help="pool the per-seed rows of these JSON files (no new runs)")
    args = ap.parse_args(argv)
    if args.merge:
        merge(args.merge, args.out)
        return
    logging.basicConfig(level=logging.WARNING)
    torch.set_num_threads(1)
    method_name = args.method or METHODS[args.task]
    s = settings(args.task, args.quick, method_name)
    s["method"] = method_name
    s["normalize"] = not args.no_normalize
    if args.acquisition is not None:
        s["acquisition"] = args.acquisition
    if args.space_filling is not None:
        s["space_filling"] = args.space_filling
    s["warm_start"] = default_warm_start(method_name) if args.retrain is None else args.retrain == "warm"
    if args.events_per_point is not None:
        s["events_per_point"] = args.events_per_point
    for key in ("max_points", "static_max_points", "static_every", "batch_size", "initial_points", "grid"):
        if getattr(args, key) is not None:
            s[key] = getattr(args, key)
    rng_kw = {} if args.galton_range is None else dict(theta_range=tuple(args.galton_range))
    bins = args.bins if args.bins is not None else (40 if args.task == "weinberg" and method_name == "scandal" else None)
    if bins is not None:
        rng_kw["bins"] = bins
    task = ratio_task(args.task, grid_size=s["grid"], observed_events=args.observed_events, **rng_kw)
    s["theta_range"] = [float(v) for v in task.simulator.space.bounds[:, 0]] if args.task == "galton" else None
    if method_name == "scandal":
        training = replace(DENSITY_TRAINING, **{k: v for k, v in (("max_epochs", args.max_epochs), ("patience", args.patience)) if v is not None})
    else:
        training = TrainingConfig(max_epochs=args.max_epochs or 100, patience=args.patience or 10)
    rows: list[dict] = []
    ladder = list(range(s["initial_points"], s["max_points"] + 1, s["batch_size"]))
    full = list(range(s["initial_points"], s["static_max_points"] + 1, s["batch_size"]))
    static_ladder = sorted(set(full[:: s["static_every"]]) | {full[-1]})
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        for method in args.methods:
            t0 = time.time()

            def log(n: int, ba: float, method: str = method, seed: int = seed) -> None:
                if args.progress:
                    with open(args.progress, "a") as f:
                        row = dict(task=args.task, method=method, seed=seed, n_simulations=n, metric="balanced_accuracy", value=ba, seconds=time.time() - t0, normalize=s["normalize"] and s["method"] != "scandal", estimator=s["method"])
                        f.write(json.dumps(row) + "\n")

            if method == "active":
                curve = run_active(task, s, seed, training, log)
            else:
                curve = run_static(task, s, seed, training, static_ladder, log)
            secs = time.time() - t0
            reach = first_reaching(curve)
            tag = dict(task=args.task, method=method, seed=seed, estimator=s["method"], normalize=s["normalize"] and s["method"] != "scandal", events_per_point=s["events_per_point"],
                       acquisition=s["acquisition"] if method == "active" else None,
                       initial_points=s["initial_points"], batch_size=s["batch_size"], theta_range=s["theta_range"], bins=bins, observed_events=args.observed_events, warm_start=s["warm_start"],
                       space_filling=s.get("space_filling", 0) if method == "active" else None)  # fmt: skip
            for n, ba in curve:
                rows.append(dict(tag, n_simulations=n, metric="balanced_accuracy", value=ba))
            n_final, ba_final = curve[-1]
            rows.append(dict(tag, n_simulations=n_final, metric="balanced_accuracy", value=ba_final, final=True))
            rows.append(dict(tag, n_simulations=n_final, metric=f"simulations_to_{TARGET}", value=reach))
            rows.append(dict(tag, n_simulations=n_final, metric="simulations_to_0.95", value=first_reaching(curve, 0.95)))
            rows.append(dict(tag, n_simulations=n_final, metric="seconds", value=secs))
            print(f"{args.task:8s} {method:7s} seed {seed}: final BA {ba_final:.4f} at {n_final} events, to {TARGET}: {reach}, {secs:.0f} s", flush=True)
    rows += summarise(rows, args.task)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
