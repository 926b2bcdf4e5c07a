import numpy as np
import pytest

from active_science.exceptions import InvalidInputError
from active_science.testfunctions import excursion_2d, excursion_3d, get_problem, two_islands


def direct_2d(x, y, z=0.0):
    # SCIENCE.md section 6 written literally (stats underflows only for rates >> 5, avoided by the points below)
    xsec = (12 * np.exp(-x / 2) + 0.1 * np.cos(10 * y + 1) + 0.2 * np.cos(15 * x)) * np.exp(-0.3 * z)
    eff = np.tanh(1.3 * x - y + 1)
    return 3 * (np.log((1 - np.tanh(xsec * eff - 5)) / 2) - np.log(0.05))


def test_2d_and_3d_match_the_literal_formula():
    pts = np.random.default_rng(0).uniform(0, 1.5, size=(200, 3))
    np.testing.assert_allclose(excursion_2d(pts[:, :2]), direct_2d(pts[:, 0], pts[:, 1]), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(excursion_3d(pts), direct_2d(pts[:, 0], pts[:, 1], pts[:, 2]), rtol=1e-9, atol=1e-9)


def test_islands_are_two_disjoint_components():
    from scipy.ndimage import label

    pts, above = get_problem("islands").truth_grid(200)
    _, num = label(above.reshape(200, 200))
    assert num == 2
    assert two_islands(np.array([0.5, 0.5])) < 0 < two_islands(np.array([0.25, 0.3]))


def test_truth_grids_have_both_classes_and_the_right_size():
    for name, n in [("1d", 2001), ("2d", 350**2), ("3d", 60**3), ("islands", 350**2)]:
        pts, labels = get_problem(name).truth_grid()
        assert len(pts) == n and 0.05 < labels.mean() < 0.95


def test_unknown_problem_names_the_valid_ones():
    with pytest.raises(InvalidInputError, match="valid names: 1d, 2d, 3d, islands"):
        get_problem("4d")
