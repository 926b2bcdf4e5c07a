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
