"""benchmarks.scandal_training: both implementations train the same density (to float64 rounding) and the rows
name what was timed."""

import json

from benchmarks.scandal_training import main


def test_both_score_implementations_train_the_same_density_and_rows_are_written(tmp_path):
    out = tmp_path / "t.json"
    rows = main(["--points", "3", "--repeats", "1", "--out", str(out)])
    assert json.loads(out.read_text()) == rows
    by_metric = {(r["method"], r["metric"]): r for r in rows}
    assert set(by_metric) == {("jvp", "seconds_per_retrain"), ("tangents", "seconds_per_retrain"), ("tangents", "max_abs_log_prob_difference")}
    assert all(r["n_simulations"] == 3000 and r["task"] == "galton" for r in rows)
    assert all(by_metric[(m, "seconds_per_retrain")]["value"] > 0 for m in ("jvp", "tangents"))
    # 2 000 Adam steps through either forward-mode implementation end at the same log p_hat (rounding only)
    assert by_metric[("tangents", "max_abs_log_prob_difference")]["value"] < 1e-10
