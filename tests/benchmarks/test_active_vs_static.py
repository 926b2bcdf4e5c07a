import json

import pytest

from benchmarks.active_vs_static import TARGET, main, progress_curves


def _round(method, seed, n, value):
    return {"task": "galton", "method": method, "seed": seed, "n_simulations": n, "metric": "balanced_accuracy", "value": value}


def _per_seed(rows, metric):
    return {(r["method"], r["seed"]): r["value"] for r in rows if r["metric"] == metric and r["seed"] is not None}


def test_merge_summarises_each_arm_and_seed_of_a_progress_log_separately(tmp_path):
    # one log of a run over two seeds and both arms (as --progress writes it), plus a restarted attempt of active
    # seed 1 appended to the same file: its first, interrupted attempt reached 0.99 at 3 000 events by luck
    log = [
        _round("active", 0, 3000, 0.90), _round("active", 0, 4000, 0.985), _round("active", 0, 5000, 0.99),
        _round("static", 0, 3000, 0.95), _round("static", 0, 4000, 0.97), _round("static", 0, 5000, 0.981),
        _round("active", 1, 3000, 0.99),
        _round("active", 1, 3000, 0.80), _round("active", 1, 4000, 0.96), _round("active", 1, 5000, 0.979),
        _round("static", 1, 3000, 0.99), _round("static", 1, 4000, 0.97), _round("static", 1, 5000, 0.99),
    ]  # fmt: skip
    path = tmp_path / "run.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in log))
    out = tmp_path / "merged.json"
    main(["--merge", str(path), "--out", str(out)])
    rows = json.loads(out.read_text())
    # read off the curves above by hand: the first budget at >= 0.98, and the first from which it stays there
    assert _per_seed(rows, f"simulations_to_{TARGET}") == {
        ("active", 0): 4000, ("static", 0): 5000, ("active", 1): None, ("static", 1): 3000,
    }  # fmt: skip
    assert _per_seed(rows, f"simulations_to_stay_{TARGET}") == {
        ("active", 0): 4000, ("static", 0): 5000, ("active", 1): None, ("static", 1): 5000,
    }  # fmt: skip
    finals = {(r["method"], r["seed"]): r["value"] for r in rows if r.get("final") and r["seed"] is not None}
    assert finals == {("active", 0): 0.99, ("static", 0): 0.981, ("active", 1): 0.979, ("static", 1): 0.99}
    # the restarted seed's rounds are its last attempt's three, not four
    assert sum(1 for r in rows if r["method"] == "active" and r["seed"] == 1 and not r.get("final") and r["metric"] == "balanced_accuracy") == 3


def test_progress_curves_keep_file_order_per_key_and_drop_an_interrupted_attempt():
    log = [_round("active", 0, 3000, 0.5), _round("static", 0, 3000, 0.6), _round("active", 0, 4000, 0.7), _round("active", 0, 3000, 0.8)]
    curves = progress_curves(log)
    assert [r["value"] for r in curves[("galton", "active", 0)]] == [0.8]
    assert [r["value"] for r in curves[("galton", "static", 0)]] == [0.6]


def test_merge_refuses_a_seed_found_in_two_files(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for p in (a, b):
        p.write_text(json.dumps(_round("active", 0, 3000, 0.9)) + "\n")
    with pytest.raises(SystemExit, match=r"active seed 0 of task galton is in both .*a\.jsonl and .*b\.jsonl"):
        main(["--merge", str(a), str(b)])
