import pytest

from benchmarks.contour import TARGET, run_adaptive, run_task, make_task


@pytest.mark.slow
def test_the_reaching_batch_is_scored_prefix_by_prefix():
    task = make_task("1d", quick=True)
    curve, reached, _ = run_adaptive(task, "sobol", seed=0, batch_size=4)
    assert reached is not None
    acc = dict(curve)
    # the first n scored at or above the target is the reported one; every smaller n scored stays below it
    assert acc[reached] >= TARGET and all(a < TARGET for n, a in curve if n < reached)
    batch_end = max(acc)
    # every prefix of the final batch that precedes the reported count was scored (none skipped)
    assert set(range(max(batch_end - 3, 2), reached)) <= set(acc)


def test_every_method_and_seed_gets_an_evaluations_row():
    rows = run_task("1d", ["grid", "random"], [0, 1], quick=True, budget=4, batch_size=4, light=True)
    got = {(r["method"], r["seed"]) for r in rows if r["metric"] == f"evaluations_to_{TARGET}"}
    assert got == {("grid", 0), ("grid", 1), ("random", 0), ("random", 1)}
    for r in rows:
        if r["metric"] == f"evaluations_to_{TARGET}":  # a count within what was spent, or None (not reached)
            assert r["value"] is None or 1 <= r["value"] <= r["n_simulations"]
    assert all(r["n_simulations"] <= 4 for r in rows if r["method"] == "random")  # the budget is honoured


def test_merge_pools_runs_and_recomputes_the_medians(tmp_path):
    import json

    from benchmarks.contour import main

    def rows(method, values):
        return [{"task": "2d", "method": method, "seed": s, "n_simulations": v, "metric": f"evaluations_to_{TARGET}", "value": v}
                for s, v in enumerate(values)]  # fmt: skip

    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(rows("band_entropy", [25, 26, 23, 30, 24]) + [{"task": "2d", "method": "band_entropy", "seed": -1, "metric": "stale", "value": 0}]))
    b.write_text(json.dumps(rows("grid", [256] * 5)))
    out = main(["--merge", str(a), str(b), "--out", str(tmp_path / "m.json"), "--png", str(tmp_path / "m.png")])
    summary = {(r["method"], r["metric"]): r["value"] for r in out if r["seed"] == -1}
    assert ("band_entropy", "stale") not in summary  # old summary rows are dropped, not pooled
    assert summary[("band_entropy", f"median_evaluations_to_{TARGET}")] == 25
    assert summary[("band_entropy", "grid_over_default_evaluations")] == pytest.approx(256 / 25)
    with pytest.raises(SystemExit, match=r"method .band_entropy. seed \d is in both"):
        main(["--merge", str(a), str(a)])


@pytest.mark.parametrize("spec", ["entropy[explore_every]", "entropy[explore_every=three]", "entropy[explore_every=3"])
def test_method_options_are_checked(spec):
    from benchmarks.contour import parse_method

    with pytest.raises(SystemExit, match="method 'entropy"):
        parse_method(spec)
