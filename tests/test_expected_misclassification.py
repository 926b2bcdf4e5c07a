"""ExpectedMisclassificationBelow: the rule, the scan's integrated misclassification it reads, its HDF5 column."""

import numpy as np
import pytest

import active_science as asci
from active_science import ExclusionScan, ExpectedMisclassificationBelow, InvalidInputError, LoopStatus, ParameterSpace, Store
from active_science.strategies.pool_sur import PoolSUR

SPACE = ParameterSpace({"x": (0.0, 1.0)})
POOL = np.linspace(0.0, 1.0, 41)[:, None]


def cls(theta, seed):  # CLs = 0.05 at x = ln(4) / 3 = 0.4621 (between pool points 18 and 19)
    return float(0.2 * np.exp(-3.0 * theta[0]))


def pool_scan(**kw):
    return ExclusionScan(cls, SPACE, candidates=POOL, strategy=PoolSUR(), batch_size=2, seed=0, **kw)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [({"tolerance": 0.0}, "tolerance=0.0 must lie in (0, 1)"), ({"tolerance": 1.5}, "tolerance=1.5"),
     ({"patience": 0}, "patience=0 must be >= 1"), ({"min_evaluations": -1}, "min_evaluations=-1"),
     ({"tolerance": "0.1"}, "tolerance='0.1' must be a number")],
)  # fmt: skip
def test_bad_settings_are_one_line_errors(kwargs, fragment):
    with pytest.raises(InvalidInputError, match=fr"^{__import__('re').escape(fragment)}"):
        ExpectedMisclassificationBelow(**kwargs)


def test_rule_needs_patience_rounds_below_tolerance_and_enough_successes():
    rule = ExpectedMisclassificationBelow(0.01, patience=2, min_evaluations=10)
    assert rule(LoopStatus(12, 0, 5, expected_misclassified=(0.2, 0.009, 0.001)))
    assert not rule(LoopStatus(12, 0, 5, expected_misclassified=(0.2, 0.011, 0.001)))  # one round only
    assert not rule(LoopStatus(12, 3, 5, expected_misclassified=(0.001, 0.001)))  # 9 successes < 10
    assert not rule(LoopStatus(12, 0, 5, expected_misclassified=(0.001,)))  # fewer rounds than the patience
    assert not rule(LoopStatus(12, 0, 5, expected_misclassified=(float("nan"), float("nan"))))  # unknown never stops


def test_scan_reports_the_mean_misclassification_probability_of_its_pool(study_path):
    result = pool_scan(store=study_path, stopping=asci.MaxEvaluations(8)).run(max_evaluations=8)
    # recomputed from the final surrogate's label probabilities: P(wrong) = min(p, 1 - p) per pool point, averaged
    p = result.probability_excluded(POOL)
    assert result.expected_misclassified[-1] == pytest.approx(float(np.mean(np.minimum(p, 1.0 - p))), rel=1e-9, abs=1e-12)
    assert len(result.expected_misclassified) == result.n_rounds
    with Store.open(study_path) as st:
        np.testing.assert_allclose(st.rounds()["expected_misclassified"], result.expected_misclassified)


def test_stopping_at_half_an_expected_error_in_the_pool_labels_it_exactly():
    rule = ExpectedMisclassificationBelow(0.5 / len(POOL), min_evaluations=4)
    result = pool_scan(stopping=rule).run(max_evaluations=len(POOL))
    truth = 0.2 * np.exp(-3.0 * POOL[:, 0]) < 0.05
    assert result.converged and np.array_equal(result.excluded(POOL), truth)
    assert result.expected_misclassified[-1] * len(POOL) < 0.5
    assert result.n_evaluations <= 12  # a monotone boundary: far fewer than the 41 pool points


def test_resume_of_a_file_without_the_column_keeps_its_table(tmp_path, monkeypatch):
    import active_science.store as store_mod

    old_tables = store_mod._tables

    def tables_before_the_column(dim):
        t = old_tables(dim)
        t["rounds"] = np.dtype([(n, t["rounds"].fields[n][0]) for n in t["rounds"].names if n != "expected_misclassified"])
        return t

    path = tmp_path / "old.h5"
    with monkeypatch.context() as m:  # a study file as written before the column existed
        m.setattr(store_mod, "_tables", tables_before_the_column)
        pool_scan(store=path, stopping=asci.Never()).run(max_evaluations=6)
    resumed = ExclusionScan.resume(path, objective=cls, stopping=asci.Never()).run(max_evaluations=10)
    assert resumed.n_evaluations == 10
    assert np.isnan(resumed.expected_misclassified[:3]).all() and np.isfinite(resumed.expected_misclassified[3:]).all()
    with Store.open(path) as st:
        assert "expected_misclassified" not in st.rounds().dtype.names and len(st.rounds()) == resumed.n_rounds


def test_resume_rebuilds_a_built_in_rule_from_the_study_file(tmp_path):
    path = tmp_path / "s.h5"
    rule = ExpectedMisclassificationBelow(0.5 / len(POOL), patience=1, min_evaluations=4)
    pool_scan(store=path, stopping=rule).run(max_evaluations=4)
    assert ExclusionScan.resume(path, objective=cls).stopping == rule


def test_config_keys_choose_the_rule(tmp_path):
    from active_science.config import load_config
    from active_science.exceptions import ConfigError

    cfg = tmp_path / "c.toml"
    base = '[study]\nstore = "s.h5"\n[objective]\nsimulator = "mass_plane"\n[scan]\n'
    cfg.write_text(base + 'stopping = "expected"\ntolerance = 0.004\npatience = 1\n')
    assert load_config(cfg).scan.stopping_rule(2) == ExpectedMisclassificationBelow(0.004, patience=1, min_evaluations=20)
    cfg.write_text(base + 'stopping = "sometimes"\n')
    with pytest.raises(ConfigError, match=r"^scan.stopping = 'sometimes' is invalid"):
        load_config(cfg)
    cfg.write_text(base + 'stopping = "expected"\ntolerance = 0.0\n')
    with pytest.raises(ConfigError, match=r"^scan.tolerance = 0.0 is invalid"):
        load_config(cfg)
