"""Regression tests for core bugs found by the reliability suite."""

import numpy as np

from active_science import ExclusionScan, ParameterSpace, Store


def test_resume_keeps_the_order_of_the_space_dimensions(study_path):
    # names chosen so that sorting them would swap the axes (the study config used to be written with sorted keys)
    space = ParameterSpace({"z_first": (0.0, 1.0), "a_second": (10.0, 20.0)})
    ExclusionScan(lambda th, seed: 0.5, space, seed=0, store=study_path, strategy="random").run(2)
    with Store.open(study_path) as st:
        assert list(st.config["space"]["dims"]) == ["z_first", "a_second"] == st.param_names
    resumed = ExclusionScan.resume(study_path, objective=lambda th, seed: 0.5)
    assert resumed.space == space
    np.testing.assert_array_equal(resumed.space.bounds, [[0.0, 10.0], [1.0, 20.0]])  # rows: low, high
