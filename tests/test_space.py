import numpy as np
import pytest

from active_science import ParameterSpace, SpaceError


def mass_space(**kw):
    return ParameterSpace({"m_parent": (100.0, 500.0), "m_lsp": (0.0, 300.0)}, **kw)


def test_unit_round_trip_linear_and_log():
    space = ParameterSpace({"a": (2.0, 6.0), "b": {"low": 1e-3, "high": 10.0, "log": True}})
    theta = np.array([[3.0, 0.01], [6.0, 10.0], [2.0, 1e-3]])
    u = space.to_unit(theta)
    # closed forms: (3-2)/4 = 0.25; log10(0.01/1e-3)/log10(10/1e-3) = 1/4
    np.testing.assert_allclose(u[0], [0.25, 0.25], atol=1e-15)
    np.testing.assert_allclose(u[1:], [[1.0, 1.0], [0.0, 0.0]], atol=1e-15)
    np.testing.assert_allclose(space.from_unit(u), theta, rtol=1e-14)


def test_linear_constraint_text_and_callable_agree():
    text = mass_space(constraint="m_lsp < m_parent")
    fn = mass_space(constraint=lambda th: th[..., 1] < th[..., 0])
    pts = np.array([[200.0, 250.0], [200.0, 100.0], [150.0, 150.0], [500.0, 0.0]])
    expected = [False, True, False, True]
    assert text.contains(pts).tolist() == expected
    assert fn.contains(pts).tolist() == expected
    assert text.is_serializable and not fn.is_serializable


def test_constraint_parser_handles_offsets_chains_and_scaling():
    space = mass_space(constraint="0 <= m_lsp <= 0.5 * m_parent - 10")
    assert space.contains(np.array([[400.0, 189.0], [400.0, 191.0]])).tolist() == [True, False]
    assert len(space.linear_constraints) == 2


@pytest.mark.parametrize(
    "bad",
    ["m_lsp * m_parent < 3", "__import__('os') < 1", "m_lsp", "mass < 3", "m_lsp == m_parent", "1 < 2"],
)
def test_bad_constraints_are_rejected_without_eval(bad):
    with pytest.raises(SpaceError, match="constraint"):
        mass_space(constraint=bad)


def test_infeasible_constraint_is_an_error():
    with pytest.raises(SpaceError, match="no feasible point"):
        mass_space(constraint="m_lsp > m_parent + 1000")


@pytest.mark.parametrize(
    "dims, match",
    [
        ({"x": (1.0, 0.0)}, "inverted"),
        ({"x": (0.0, 0.0)}, "inverted"),
        ({"x": (0.0, float("inf"))}, "finite"),
        ({"x": {"low": 0.0, "high": 1.0, "log": True}}, "log scale"),
        ({"1x": (0.0, 1.0)}, "identifier"),
        ({"x": (0.0,)}, r"\(low, high\)"),
        ({}, "non-empty"),
    ],
)
def test_bad_dimensions(dims, match):
    with pytest.raises(SpaceError, match=match):
        ParameterSpace(dims)


def test_samples_grids_and_unit_constraints_respect_the_constraint():
    space = mass_space(constraint="m_lsp < m_parent")
    for method in ("random", "sobol", "lhs"):
        pts = space.sample(500, seed=1, method=method)
        assert pts.shape == (500, 2) and space.contains(pts).all()
    # exact count of a 40x40 grid with m_lsp < m_parent - 0.5 (the offset avoids nodes exactly on the boundary):
    # m_lsp = 300 j/39 < 100 + 400 i/39 - 0.5  <=>  300 j < 3900 + 400 i - 19.5, in integers
    shifted = mass_space(constraint="m_lsp < m_parent - 0.5")
    i, j = np.meshgrid(np.arange(40), np.arange(40), indexing="ij")
    assert len(shifted.grid(40)) == int((300 * j < 3900 + 400 * i - 19.5).sum())
    # botorch form sum c_i u_i >= rhs must agree with the constraint on random unit points
    (idx, coef, rhs), = space.unit_inequality_constraints()
    u = np.random.default_rng(0).random((1000, 2))
    assert np.array_equal(u[:, idx] @ coef > rhs, space.satisfies_constraint(space.from_unit(u)))


def test_validate_names_the_bad_point():
    space = mass_space(constraint="m_lsp < m_parent")
    with pytest.raises(SpaceError, match=r"theta=\[200. 250.\] lies outside"):
        space.validate(np.array([200.0, 250.0]))
    with pytest.raises(SpaceError, match="last axis must have length 2"):
        space.validate(np.zeros(3))


def test_config_round_trip():
    space = ParameterSpace({"a": (0.0, 1.0), "b": {"low": 1.0, "high": 100.0, "log": True}}, constraint="a < 0.5")
    assert ParameterSpace.from_config(space.to_config()) == space


def diagonal_space():
    return ParameterSpace(
        {"m_parent": (100.0, 800.0), "m_lsp": (0.0, 600.0)},
        constraint="m_lsp < m_parent",
        coordinates={"m_parent": "m_parent", "dm": "m_parent - m_lsp"},
    )


def test_model_coordinates_span_the_unit_cube_tightly():
    space = diagonal_space()
    # tight bounds by LP: dm = m_parent - m_lsp ranges over (0, 800] on {m_lsp < m_parent, boxes}
    np.testing.assert_allclose(space._model_bounds, [[100.0, 0.0], [800.0, 800.0]], atol=1e-9)
    theta = np.array([[450.0, 200.0], [800.0, 0.0]])
    np.testing.assert_allclose(space.to_unit(theta), [[0.5, 250.0 / 800.0], [1.0, 1.0]])
    np.testing.assert_allclose(space.from_unit(space.to_unit(theta)), theta)


def test_model_coordinate_cube_constraints_match_membership():
    space = diagonal_space()
    u = np.random.default_rng(1).random((4000, 2))
    inside = space.contains(space.from_unit(u))
    lhs = np.ones(len(u), dtype=bool)
    for idx, coef, rhs in space.unit_inequality_constraints():
        lhs &= u[:, idx] @ coef >= rhs - 1e-12
    # the only disagreement allowed is the strict/non-strict edge (measure zero)
    assert np.array_equal(lhs, inside)
    pts = space.sample(300, seed=0)
    assert space.contains(pts).all()
    # grids stay regular in the user's coordinates
    g = space.grid(5)
    assert set(np.round(g[:, 0], 6)) == {100.0, 275.0, 450.0, 625.0, 800.0}


def test_bad_coordinates():
    with pytest.raises(SpaceError, match="not invertible"):
        ParameterSpace({"a": (0.0, 1.0), "b": (0.0, 1.0)}, coordinates={"u": "a + b", "v": "2*a + 2*b"})
    with pytest.raises(SpaceError, match="must map 2 new names"):
        ParameterSpace({"a": (0.0, 1.0), "b": (0.0, 1.0)}, coordinates={"u": "a + b"})
    with pytest.raises(SpaceError, match="log"):
        ParameterSpace({"a": {"low": 1.0, "high": 2.0, "log": True}, "b": (0.0, 1.0)}, coordinates={"u": "a", "v": "b"})
    assert ParameterSpace.from_config(diagonal_space().to_config()) == diagonal_space()
