"""BayesOptStrategy (ucb / logei / pi): finds the optimum of noisy 1D functions with known argmax; warm start; errors."""

import numpy as np
import pytest

from active_science import ActiveLoop, ParameterSpace
from active_science.exceptions import InvalidInputError
from active_science.strategies.bayes_opt import BayesOptStrategy
from active_science.surrogates.gp import GPSurrogate

SPACE = ParameterSpace({"x": (20.0, 130.0)})
CHEAP = {"num_restarts": 2, "raw_samples": 64, "mc_samples": 64}


def peak(x):
    """A narrow bump at x = 84 on a flat background (the shape of a fixed-events EIG curve)."""
    return float(np.exp(-0.5 * ((x - 84.0) / 5.0) ** 2))


@pytest.mark.parametrize("acquisition", ["ucb", pytest.param("logei", marks=pytest.mark.slow), pytest.param("pi", marks=pytest.mark.slow)])
def test_finds_a_narrow_peak_under_noise(acquisition):
    rng = np.random.default_rng(0)
    loop = ActiveLoop(SPACE, BayesOptStrategy(acquisition, num_initial=6, **CHEAP), seed=0, surrogate=GPSurrogate(warp=False))
    for _ in range(4):
        for p in loop.ask(4):
            loop.tell(p.id, peak(p.theta[0]) + 0.02 * rng.standard_normal(), 0.02**2)
    grid = np.linspace(20.0, 130.0, 441)[:, None]
    mean, _ = loop.predict(grid)
    # 16 noisy evaluations of a bump of width 5: the GP maximiser is within 2 GeV of the true peak
    assert abs(grid[int(np.argmax(mean)), 0] - 84.0) < 2.0


def test_minimise_and_warm_start():
    strategy = BayesOptStrategy("ucb", maximize=False, initial_points=[[84.0], [90.0]], **CHEAP)
    loop = ActiveLoop(SPACE, strategy, seed=1, surrogate=GPSurrogate(warp=False))
    first = loop.ask(3)
    # the warm-start points come first, in order; the third is space-filling
    assert [p.theta[0] for p in first[:2]] == pytest.approx([84.0, 90.0])
    for p in first:
        loop.tell(p.id, -peak(p.theta[0]), 1e-6)
    for _ in range(2):
        for p in loop.ask(3):
            loop.tell(p.id, -peak(p.theta[0]), 1e-6)
    X, y, _ = loop.training_data()
    assert abs(X[int(np.argmin(y)), 0] - 84.0) < 1e-9  # the warm-start point at the minimum stays the best


def test_bad_options_are_rejected():
    with pytest.raises(InvalidInputError, match="acquisition"):
        BayesOptStrategy("ei")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="beta"):
        BayesOptStrategy("ucb", beta=-1.0)
    loop = ActiveLoop(SPACE, BayesOptStrategy("ucb", initial_points=[[1.0, 2.0]]), seed=0)
    with pytest.raises(InvalidInputError, match="columns"):
        loop.ask(1)
