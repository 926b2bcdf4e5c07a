"""``active-science run`` / ``resume`` of a ratio_scan study (through the study-kind tables)."""

from __future__ import annotations

import pytest

from active_science.exceptions import ConfigError
from active_science.ratio_scan_cli import load_ratio_config
from active_science.store import Store
from active_science.studies import resume_study, run_config

TOML = """[study]
kind = "ratio_scan"
task = "galton"
store = "g.h5"
grid_size = 31
events_per_point = 40
ensemble_size = 2
hidden = [8]
max_epochs = 5
max_rounds = 1
"""


def test_run_then_resume_adds_a_round(tmp_path, capsys):
    cfg = tmp_path / "g.toml"
    cfg.write_text(TOML)
    assert run_config(cfg, force=False, progress=False) == 0
    assert resume_study(tmp_path / "g.h5", max_evaluations=1, executor=None, address=None, progress=False) == 0
    with Store.open(tmp_path / "g.h5") as st:
        assert st.kind == "ratio_scan"
        assert st.array_rounds("state") == [0, 1]  # round 0 from run, round 1 from resume
        assert st.array_rounds("estimator") == [0, 1]
    out = capsys.readouterr().out
    assert "balanced accuracy" in out and "after 2 rounds" in out


def test_unknown_key_is_a_config_error(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[study]\nkind = "ratio_scan"\nevents = 5\n')
    with pytest.raises(ConfigError, match="events"):
        load_ratio_config(cfg)


def test_observed_events_from_npy_and_cls(tmp_path, capsys):
    import numpy as np

    from active_science.simulators.galton import GaltonBoard

    np.save(tmp_path / "balls.npy", GaltonBoard().simulate([-0.75], seed=1, num_events=40).x)
    cfg = tmp_path / "o.toml"
    cfg.write_text(TOML.replace('store = "g.h5"', 'store = "o.h5"\nx_obs = "balls.npy"\nstatistic = "cls"\ntheta_null = [-0.6]'))
    assert run_config(cfg, force=False, progress=False) == 0
    assert "balanced accuracy" in capsys.readouterr().out
    assert load_ratio_config(cfg)["x_obs"] == str(tmp_path / "balls.npy")  # relative to the config file


def test_acquisition_and_normalize_keys_reach_the_scan_and_survive_resume(tmp_path):
    from active_science.ratio_scan_cli import _build

    cfg = tmp_path / "t.toml"
    cfg.write_text(TOML.replace('store = "g.h5"', 'store = "t.h5"\nacquisition = "tmse"\nnormalize = false'))
    assert run_config(cfg, force=False, progress=False) == 0
    with Store.open(tmp_path / "t.h5") as st:
        stored = dict(st.config["study"])
    _, kwargs = _build(stored)  # what resume rebuilds the scan from
    assert (kwargs["acquisition"], kwargs["normalize"]) == ("tmse", False)
    new = tmp_path / "n.toml"
    new.write_text(TOML)
    fresh = load_ratio_config(new)
    assert (_build(fresh)[1]["acquisition"], _build(fresh)[1]["normalize"]) == ("entropy", True)  # a new study
    older = {k: v for k, v in fresh.items() if k not in ("acquisition", "normalize")}  # a file from before the keys
    assert (_build(older)[1]["acquisition"], _build(older)[1]["normalize"]) == ("entropy", False)


def test_bad_acquisition_is_one_line_and_writes_nothing(tmp_path):
    from active_science.exceptions import InvalidInputError

    cfg = tmp_path / "b.toml"
    cfg.write_text(TOML.replace('store = "g.h5"', 'store = "b.h5"\nacquisition = "ucb"'))
    with pytest.raises(InvalidInputError, match="acquisition='ucb' is unknown"):
        run_config(cfg, force=False, progress=False)
    assert not (tmp_path / "b.h5").exists()


def test_the_galton_example_config_is_valid():
    from pathlib import Path

    from active_science.ratio_scan_cli import _build

    cfg = load_ratio_config(Path(__file__).resolve().parents[1] / "examples" / "galton_ratio_scan.toml")  # unknown keys raise
    task, kwargs = _build(cfg)
    assert (kwargs["acquisition"], kwargs["method"]) == ("tmse", "scandal")
    assert task.grid.shape == (121, 1)


def test_scandal_method_runs_resumes_and_takes_its_own_training_defaults(tmp_path, capsys):
    from active_science.ratio.categorical import DENSITY_TRAINING
    from active_science.ratio_scan_cli import _build

    cfg = tmp_path / "s.toml"
    cfg.write_text(TOML.replace('store = "g.h5"', 'store = "s.h5"\nmethod = "scandal"').replace("max_epochs = 5", "max_epochs = 20"))
    assert run_config(cfg, force=False, progress=False) == 0
    assert "balanced accuracy" in capsys.readouterr().out
    assert resume_study(tmp_path / "s.h5", max_evaluations=1, executor=None, address=None, progress=False) == 0
    with Store.open(tmp_path / "s.h5") as st:
        assert len(st.array_rounds("state")) == 2
        stored = dict(st.config["study"])
    training = _build(stored)[1]["training"]
    assert (training.max_epochs, training.patience, training.learning_rate) == (20, DENSITY_TRAINING.patience, DENSITY_TRAINING.learning_rate)
    fresh = {k: v for k, v in stored.items() if k != "max_epochs"}
    assert _build(fresh)[1]["training"] == DENSITY_TRAINING
    assert _build({**fresh, "method": "alice"})[1]["training"].max_epochs == 60  # the ratio methods' default


def test_weinberg_scandal_needs_bins_and_runs_with_them(tmp_path, capsys):
    from active_science.exceptions import InvalidInputError

    text = TOML.replace('task = "galton"', 'task = "weinberg"\nmethod = "scandal"\ninitial_points = 4').replace("grid_size = 31", "grid_size = 9")
    cfg = tmp_path / "w.toml"
    cfg.write_text(text.replace('store = "g.h5"', 'store = "w.h5"'))
    with pytest.raises(InvalidInputError, match="bins = 40"):
        run_config(cfg, force=False, progress=False)
    assert not (tmp_path / "w.h5").exists()  # the one-line error comes before any file is written
    cfg.write_text(text.replace('store = "g.h5"', 'store = "w.h5"\nbins = 10'))
    assert run_config(cfg, force=False, progress=False) == 0
    assert "balanced accuracy" in capsys.readouterr().out


def test_observed_events_theta_range_and_warm_start_keys_reach_the_scan_and_bad_ones_write_nothing(tmp_path):
    from active_science.exceptions import InvalidInputError
    from active_science.ratio_scan_cli import _build
    from active_science.ratio_scan_tasks import ratio_task

    cfg = tmp_path / "w.toml"
    cfg.write_text(TOML.replace('store = "g.h5"', 'store = "w.h5"\nobserved_events = 1000\ntheta_range = [-1.5, 0.0]\nwarm_start = false'))
    task, kwargs = _build(load_ratio_config(cfg))
    plain = tmp_path / "p.toml"
    plain.write_text(TOML)
    assert kwargs["warm_start"] is False and _build(load_ratio_config(plain))[1]["warm_start"] is True  # alice's default
    scandal = tmp_path / "s.toml"
    scandal.write_text(TOML + 'method = "scandal"\n')
    fresh = load_ratio_config(scandal)
    assert fresh["warm_start"] is False  # scandal's default, written into the study file's config
    older = {k: v for k, v in fresh.items() if k != "warm_start"}  # a study file from before the key
    assert _build(older)[1]["warm_start"] is True
    expected = ratio_task("galton", grid_size=31, observed_events=1000, theta_range=(-1.5, 0.0))
    assert task.weights.sum() == pytest.approx(1000.0)  # the Asimov data of 1 000 balls
    assert (task.excluded == expected.excluded).all() and task.grid[0, 0] == -1.5
    bad = tmp_path / "x.toml"
    bad.write_text(TOML.replace('store = "g.h5"', 'store = "x.h5"\nobserved_events = -5'))
    with pytest.raises(InvalidInputError, match="observed_events=-5 must be a positive integer"):
        run_config(bad, force=False, progress=False)
    assert not (tmp_path / "x.h5").exists()
