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
