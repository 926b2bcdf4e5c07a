"""Scan figures: the acquisition surface matches its closed form on the final GP; the contour figure draws it and
numbers every evaluated point with its round."""

import numpy as np
import pytest
from matplotlib.collections import QuadMesh

import active_science as asci
from active_science.exceptions import InvalidInputError
from active_science.plots import acquisition_surface, contour_figure


def _cls(theta, seed):
    return float(np.exp(-3.0 * (theta[0] + theta[1])))  # CLs = 0.05 on the line x + y = log(20) / 3 ~ 1.0


@pytest.fixture(scope="module")
def result():
    space = asci.ParameterSpace({"x": (0.0, 1.0), "y": (0.0, 1.0)})
    return asci.ExclusionScan(_cls, space, strategy="sobol", batch_size=8, seed=0).run(max_evaluations=16)


def _grid(result, r):
    g = np.linspace(0.0, 1.0, r)
    return np.stack(np.meshgrid(g, g, indexing="xy"), axis=-1).reshape(-1, 2)


def test_entropy_surface_is_the_label_entropy_of_the_scan_posterior(result):
    s = acquisition_surface(result, "entropy", resolution=25)
    p = result.probability_excluded(result.space.from_unit(_grid(result, 25)))  # scipy's normal cdf, not botorch's
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.nan_to_num(p * np.log(p)) - np.nan_to_num((1 - p) * np.log1p(-p))
    # float64 throughout; log_ndtr (botorch) and norm.cdf (scipy) agree to ~1e-12 away from the far tails
    np.testing.assert_allclose(s.values.ravel(), h, atol=1e-8)
    assert s.name == "LabelEntropy"
    # the most informative point lies on the estimated boundary (where the label is a coin flip)
    assert abs(result.probability_excluded(np.array([[s.x.ravel()[np.nanargmax(s.values)], s.y.ravel()[np.nanargmax(s.values)]]]))[0] - 0.5) < 0.1


def test_straddle_surface_and_the_stand_in_for_strategies_without_one(result):
    U = _grid(result, 15)
    mean, var = result.surrogate.predict(U)
    s = acquisition_surface(result, "straddle", resolution=15)
    np.testing.assert_allclose(s.values.ravel(), 1.96 * np.sqrt(var.ravel()) - np.abs(mean.ravel()), atol=1e-8)  # Bryan et al. 2005
    sobol = acquisition_surface(result, "sobol", resolution=15)
    assert sobol.name == "LabelEntropy (stand-in for sobol)"
    np.testing.assert_allclose(sobol.values, acquisition_surface(result, "entropy", resolution=15).values)


def test_contour_figure_draws_the_surface_and_numbers_points_by_round(result):
    rounds = np.repeat([0, 1], 8)
    surf = acquisition_surface(result, "entropy", resolution=20)
    fig = contour_figure(result, rounds=rounds, acquisition=surf, resolution=40)
    ax = fig.axes[0]
    mesh = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert len(mesh) == 1
    np.testing.assert_allclose(np.ma.filled(mesh[0].get_array(), np.nan).ravel(), surf.values.ravel())
    labels = {(round(t.xy[0], 9), round(t.xy[1], 9)): t.get_text() for t in ax.texts}
    expected = {(round(px, 9), round(py, 9)): str(r) for (px, py), r in zip(result.points, rounds)}
    assert labels == expected
    assert any("acquisition: LabelEntropy" in a.get_ylabel() for a in fig.axes[1:])  # its colour bar
    plain = contour_figure(result, rounds=rounds, number_points=False, resolution=40)
    assert not plain.axes[0].texts and not [c for c in plain.axes[0].collections if isinstance(c, QuadMesh)]


def test_one_dimensional_scans_are_rejected():
    space = asci.ParameterSpace({"x": (0.0, 1.0)})
    r = asci.ExclusionScan(lambda th, seed: float(np.exp(-3 * th[0])), space, strategy="sobol", batch_size=4, seed=0).run(max_evaluations=4)
    with pytest.raises(InvalidInputError, match="2D"):
        acquisition_surface(r)
