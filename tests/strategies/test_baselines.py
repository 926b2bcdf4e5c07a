import numpy as np
import pytest

from active_science import InvalidInputError, ParameterSpace, get_strategy
from active_science.testing import make_context


@pytest.fixture
def space():
    return ParameterSpace({"m_parent": (100.0, 500.0), "m_lsp": (0.0, 300.0)}, constraint="m_lsp < m_parent")


def test_grid_fills_the_budget_with_feasible_nodes(space):
    ctx = make_context(space, budget=400)
    pts = get_strategy("grid").propose(1000, ctx)
    assert 0.8 * 400 < len(pts) <= 400
    assert space.contains(space.from_unit(pts)).all()


@pytest.mark.parametrize("name", ["random", "sobol", "lhs"])
def test_space_filling_designs_are_feasible_and_seeded(space, name):
    a = get_strategy(name).propose(50, make_context(space, budget=100, seed=3))
    b = get_strategy(name).propose(50, make_context(space, budget=100, seed=3))
    np.testing.assert_array_equal(a, b)
    assert a.shape[1] == 2 and space.contains(space.from_unit(a)).all()


def test_sobol_continues_across_calls(space):
    s = get_strategy("sobol")
    first = s.propose(8, make_context(space, num_proposed=0))
    second = s.propose(8, make_context(space, num_proposed=8))
    both = s.propose(16, make_context(space, num_proposed=0))
    np.testing.assert_array_equal(np.concatenate([first, second]), both)


def test_budget_sized_designs_need_a_budget(space):
    with pytest.raises(InvalidInputError, match="budget"):
        get_strategy("grid").propose(4, make_context(space))
    with pytest.raises(InvalidInputError, match="budget"):
        get_strategy("lhs").propose(4, make_context(space))
