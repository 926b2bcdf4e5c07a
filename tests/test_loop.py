import math

import numpy as np
import pytest

from active_science import ActiveLoop, InvalidInputError, ParameterSpace
from active_science.seeding import point_seed


@pytest.fixture
def space():
    return ParameterSpace({"x": (0.0, 1.0), "y": (0.0, 1.0)})


def f(theta):
    return float(theta[0] + theta[1] - 1.0)  # contour: the anti-diagonal


def test_ids_seeds_and_pending(space):
    loop = ActiveLoop(space, "random", seed=3)
    props = loop.ask(3)
    assert [p.id for p in props] == [0, 1, 2]
    assert [p.seed for p in props] == [point_seed(3, i) for i in range(3)]
    assert loop.pending == [0, 1, 2]
    loop.tell(1, 0.5)
    assert loop.pending == [0, 2]


def test_out_of_order_tells_give_the_same_model_as_in_order(space):
    def run(order):
        loop = ActiveLoop(space, "straddle", threshold=0.0, seed=0)
        for _ in range(3):
            props = loop.ask(4)
            for i in order:
                loop.tell(props[i].id, f(props[i].theta))
        return loop

    a, b = run([0, 1, 2, 3]), run([3, 1, 0, 2])
    np.testing.assert_array_equal(a.training_data()[0], b.training_data()[0])
    grid = np.random.default_rng(0).random((50, 2))
    np.testing.assert_array_equal(a.predict(grid)[0], b.predict(grid)[0])
    # and the next proposals coincide too
    np.testing.assert_array_equal(np.array([p.theta for p in a.ask(2)]), np.array([p.theta for p in b.ask(2)]))


def test_pending_points_are_not_proposed_again(space):
    loop = ActiveLoop(space, "straddle", threshold=0.0, seed=1)
    for p in loop.ask(8):
        loop.tell(p.id, f(p.theta))
    first = loop.ask(3)  # stays pending
    second = loop.ask(3)
    a = np.array([p.theta for p in first])
    b = np.array([p.theta for p in second])
    assert np.min(np.linalg.norm(a[:, None] - b[None], axis=-1)) > 1e-3


def test_non_finite_values_are_failures_not_training_data(space):
    loop = ActiveLoop(space, "random", seed=0)
    props = loop.ask(4)
    loop.tell(props[0].id, 1.0)
    loop.tell(props[1].id, math.nan)
    loop.tell(props[2].id, math.inf)
    loop.tell_failure(props[3].id, "simulator crashed")
    X, y, yvar = loop.training_data()
    assert len(y) == 1 and loop.num_failed == 3
    assert loop.told[props[3].id].reason == "simulator crashed"


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda loop: loop.tell(99, 1.0), "never handed out"),
        (lambda loop: loop.tell(0, "abc"), "not a number"),
        (lambda loop: loop.tell(0, 1.0, -1.0), "negative"),
        (lambda loop: loop.ask(0), "n=0"),
    ],
)
def test_bad_tells_and_asks(space, call, match):
    loop = ActiveLoop(space, "random", seed=0)
    loop.ask(1)
    with pytest.raises(InvalidInputError, match=match):
        call(loop)


def test_double_tell_is_refused(space):
    loop = ActiveLoop(space, "random", seed=0)
    (p,) = loop.ask(1)
    loop.tell(p.id, 1.0)
    with pytest.raises(InvalidInputError, match="already told"):
        loop.tell(p.id, 2.0)


def test_unknown_strategy_lists_valid_names(space):
    from active_science import UnknownNameError

    with pytest.raises(UnknownNameError, match="valid names: .*straddle"):
        ActiveLoop(space, "no_such_strategy")
