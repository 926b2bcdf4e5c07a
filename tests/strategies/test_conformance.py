"""Shared conformance test run over every registered strategy (STYLE.md: check_strategy)."""

import numpy as np
import pytest

from active_science import ActiveLoop, ParameterSpace, get_strategy
from active_science.registry import list_strategies
from active_science.surrogates import GPSurrogate
from active_science.testing import make_context

# cheaper acquisition optimisation for the GP strategies: conformance is about contracts, not optimiser quality
FAST = {"raw_samples": 128, "num_restarts": 2}
ACCEPTS_FAST = {"straddle", "misclassification", "entropy", "band_entropy", "tmse", "information_gain", "focused_information_gain", "ucb", "logei", "pi"}


def make(name):
    return get_strategy(name, **(FAST if name in ACCEPTS_FAST else {}))


def pool(space, strategy):
    """A finite pool (space coordinates) for pool-based strategies, None for the others."""
    if not getattr(strategy, "needs_candidates", False):
        return None
    return space.from_unit(space.sample_unit(64, seed=11, method="sobol"))


@pytest.fixture(scope="module")
def space():
    return ParameterSpace({"a": (0.0, 2.0), "b": (0.0, 1.0)}, constraint="b < a")


@pytest.fixture(scope="module")
def fitted(space):
    U = space.sample_unit(12, seed=3, method="sobol")
    theta = space.from_unit(U)
    y = theta[:, 0] - 2 * theta[:, 1] - 0.3
    return U, y, GPSurrogate(warp=False).fit(U, y, np.full(len(y), 1e-4), seed=0)


@pytest.mark.parametrize("name", list_strategies())
def test_shapes_feasibility_and_determinism(name, space, fitted):
    U, y, gp = fitted
    strategy = make(name)
    needs = getattr(strategy, "needs_surrogate", False)
    cand = pool(space, strategy)
    ctx = make_context(space, X=U, y=y, yvar=np.full(len(y), 1e-4), surrogate=gp if needs else None, seed=5, budget=40,
                       num_proposed=len(U), pending=U[:0] + 0.5 * (U[:1] + U[1:2]),
                       candidates=None if cand is None else space.to_unit(cand))  # fmt: skip
    a = strategy.propose(3, ctx)
    b = make(name).propose(3, ctx)
    assert a.ndim == 2 and a.shape[1] == 2 and 1 <= len(a) <= 3
    assert np.all((a >= 0) & (a <= 1))
    assert space.contains(space.from_unit(a)).all()  # inside the box and the constraint b < a
    np.testing.assert_array_equal(a, b)  # same context, same seed -> same points


@pytest.mark.parametrize("name", list_strategies())
def test_survives_nan_inf_and_failures(name, space):
    # a loop where every third result is NaN/inf or a failure: recorded as failed, never fed to the surrogate
    strategy = make(name)
    loop = ActiveLoop(space, strategy, seed=1, threshold=0.0, budget=24, surrogate=GPSurrogate(warp=False), candidates=pool(space, strategy))
    k = 0
    for _ in range(3):
        for p in loop.ask(4):
            if k % 3 == 1:
                loop.tell(p.id, [np.nan, np.inf][k % 2])
            elif k % 3 == 2 and k < 6:
                loop.tell_failure(p.id, "simulator crashed")
            else:
                loop.tell(p.id, float(p.theta[0] - 2 * p.theta[1] - 0.3), 1e-4)
            k += 1
    X, y, _ = loop.training_data()
    # k = 1, 4, 7, 10 told NaN/inf and k = 2, 5 failed: all six recorded as failures, the six others kept
    assert np.all(np.isfinite(y)) and loop.num_failed == 6
    assert len(X) == loop.num_told - loop.num_failed == 6
    if getattr(strategy, "needs_surrogate", False):  # the GP saw exactly the six finite results
        assert loop.fitted_surrogate().model.train_inputs[0].shape[0] == 6
    failed = np.array([t.theta for t in loop.told.values() if t.failed])
    nxt = loop.ask(2)
    assert len(nxt) >= 1
    for p in nxt:  # never re-proposed
        assert np.min(np.abs(failed - p.theta).sum(-1)) > 1e-9


def run_loop(name, space, seed):
    strategy = make(name)
    loop = ActiveLoop(space, strategy, seed=seed, threshold=0.0, budget=24, surrogate=GPSurrogate(warp=False), candidates=pool(space, strategy))
    out = []
    for _ in range(3):
        props = loop.ask(3)
        out.append(np.array([p.theta for p in props]))
        for p in props:
            loop.tell(p.id, float(p.theta[0] - 2 * p.theta[1] - 0.3), 1e-4)
    return np.concatenate(out)


@pytest.mark.parametrize("name", list_strategies())
def test_a_whole_loop_is_reproducible_under_its_seed(name, space):
    # three ask/tell rounds (initial design, then the model-based proposals): same seed, same points
    a, b = run_loop(name, space, seed=4), run_loop(name, space, seed=4)
    np.testing.assert_array_equal(a, b)
    assert space.contains(a).all()
