import numpy as np
import pytest
import torch
from scipy.stats import norm

from active_science import ActiveLoop, get_strategy
from active_science.exceptions import InvalidInputError
from active_science.space import ParameterSpace
from active_science.stats.metrics import balanced_accuracy
from active_science.strategies.focused_gain import focused_integration_points
from active_science.surrogates import GPSurrogate
from active_science.testfunctions import get_problem
from tests.acquisition.test_information_gain import entropy, gp


def test_integration_points_are_drawn_by_entropy_and_weighted_back_to_uniform():
    model = gp([0.0, 0.3, 0.8, 1.0], [1.0, 0.4, -0.5, -1.0])
    pool = np.linspace(0, 1, 401)[:, None]
    with torch.no_grad():
        post = model.posterior(torch.as_tensor(pool, dtype=torch.float64))
    h = entropy(norm.cdf(post.mean.numpy().ravel() / post.variance.sqrt().numpy().ravel()))  # exact label entropy
    q = h + 1e-3 * h.max()
    q /= q.sum()
    pts, w = focused_integration_points(model, pool, 20000, threshold=0.0, floor=1e-3, seed=0)
    # the draws follow q: the share of draws in the top-entropy half of the pool matches q's mass there
    top = h >= np.median(h)
    share = np.isin(pts[:, 0], pool[top, 0]).mean()
    assert abs(share - q[top].sum()) < 4 * np.sqrt(q[top].sum() * (1 - q[top].sum()) / 20000)  # 4 binomial sd
    # and the self-normalised 1/q weights integrate any function over the uniform pool: here g(x) = x^2
    g = pool[:, 0] ** 2
    est = float(np.sum(w * pts[:, 0] ** 2))
    assert abs(est - g.mean()) < 0.02, (est, g.mean())  # importance-sampling error at 20 000 draws is ~0.005
    assert np.isclose(w.sum(), 1.0)


def test_options_are_checked():
    for bad in ({"num_integration": 0}, {"num_pool": -1}, {"floor": 0.0}, {"floor": 2.0}):
        with pytest.raises(InvalidInputError, match=next(iter(bad))):
            get_strategy("focused_information_gain", **bad)


def test_finds_the_1d_excursion_boundary():
    # the same bar as the other contour strategies (tests/strategies/test_contour_strategies.py): 16 evaluations,
    # 99 % of the 2001 exact truth labels right (a 16-point grid with a GP scores 0.95-0.97)
    problem = get_problem("1d")
    strategy = get_strategy("focused_information_gain", num_integration=64, raw_samples=256)
    loop = ActiveLoop(problem.space, strategy, seed=0, threshold=0.0, budget=16, surrogate=GPSurrogate(warp=False))
    while loop.num_told < 16:
        for p in loop.ask(2):
            loop.tell(p.id, float(problem.fn(p.theta) - problem.threshold), 0.0)
    pts, truth = problem.truth_grid()
    mean, _ = loop.fitted_surrogate().predict(problem.space.to_unit(pts))
    assert balanced_accuracy(mean > 0, truth) >= 0.99


def test_same_context_same_points_and_feasible():
    space = ParameterSpace({"a": (0.0, 2.0), "b": (0.0, 1.0)}, constraint="b < a")
    U = space.sample_unit(12, seed=3, method="sobol")
    th = space.from_unit(U)
    y = th[:, 0] - 2 * th[:, 1] - 0.3
    sur = GPSurrogate(warp=False).fit(U, y, np.full(len(y), 1e-4), seed=0)
    from active_science.testing import make_context

    ctx = make_context(space, X=U, y=y, yvar=np.full(len(y), 1e-4), surrogate=sur, seed=5, num_proposed=12)
    a = get_strategy("focused_information_gain", num_integration=32, raw_samples=128).propose(3, ctx)
    b = get_strategy("focused_information_gain", num_integration=32, raw_samples=128).propose(3, ctx)
    np.testing.assert_array_equal(a, b)
    assert space.contains(space.from_unit(a)).all() and len(np.unique(a, axis=0)) == 3
