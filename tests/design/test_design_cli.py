"""The design_study CLI kind: TOML -> DesignStudy -> study file, resume, and one-line config errors."""

from pathlib import Path

import pytest

from active_science.design_cli import load_design_config
from active_science.exceptions import ConfigError
from active_science.store import Store
from active_science.studies import resume_study, run_config

CONFIG = """
[study]
kind = "design_study"
store = "d.h5"
[prior]
sin2w = [0.21, 0.25]
[cost]
kind = "fixed_luminosity"
luminosity = 200.0
[design]
estimator = "nested"
num_outer = 20
num_inner = 50
batch_size = 3
evaluations_per_experiment = 3
num_experiments = 1
num_particles = 200
true_theta = [0.2312]
strategy_options = { num_restarts = 2, raw_samples = 32, mc_samples = 32 }
"""


def test_run_and_resume_a_design_config(tmp_path, capsys):
    path = tmp_path / "d.toml"
    path.write_text(CONFIG)
    assert run_config(path, force=False, progress=False) == 0
    out = capsys.readouterr().out
    assert "experiment 0: sqrt_s =" in out and "fixed luminosity: 200 nb^-1" in out
    with Store.open(tmp_path / "d.h5") as st:
        assert st.kind == "design_study"
        assert len(st.evaluations()) == 3
    # a finished study resumes to the same result without new evaluations
    assert resume_study(tmp_path / "d.h5", max_evaluations=None, executor=None, address=None, progress=False) == 0
    assert capsys.readouterr().out.splitlines()[-1] == out.splitlines()[-1]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("true_theta = [0.2312]\n", ""), "design.true_theta"),
        (('estimator = "nested"', 'estimator = "mine"'), "design.estimator"),
        (("[cost]\n", "[costs]\n"), "missing section \\[cost\\]"),
        (("num_outer = 20", "num_outers = 20"), "unknown key design.num_outers"),
        (("num_outer = 20", "num_outer = 20\nnum_calibration = -1"), "design.num_calibration"),
    ],
)
def test_config_errors_name_the_bad_key(tmp_path, edit, message):
    path = Path(tmp_path) / "d.toml"
    path.write_text(CONFIG.replace(*edit))
    with pytest.raises(ConfigError, match=message):
        load_design_config(path)
