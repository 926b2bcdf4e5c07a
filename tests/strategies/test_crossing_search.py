"""The default strategy's search phase: while every evaluation lies on one side of the level."""

import numpy as np
import pytest

from active_science import ParameterSpace, get_strategy
from active_science.exceptions import InvalidInputError
from active_science.strategies.band_entropy import BandEntropyStrategy
from active_science.strategies.crossing_search import MAX_SEARCH_POINTS, one_sided, propose_crossing_search
from active_science.surrogates import GPSurrogate
from active_science.testfunctions import excursion_1d
from active_science.testing import make_context

SPACE = ParameterSpace({"x": (0.0, 1.0)})
X0 = np.array([[0.4099], [0.7536], [0.5600], [0.1534]])  # the 1D excursion function's initial points, seed 0
Y0 = excursion_1d(X0) - 0.7  # all above the level (0 on this scale); the excluded interval is [0.8615, 0.9245]


def context(X=X0, y=Y0, **kwargs):
    gp = GPSurrogate().fit(X, y, np.zeros(len(y)), seed=0)
    return make_context(SPACE, X=X, y=y, surrogate=gp, **kwargs)


def test_one_sided_tells_the_side_and_ignores_failed_values():
    assert one_sided(context()) == "above"
    assert one_sided(make_context(SPACE, X=X0, y=-Y0)) == "below"
    assert one_sided(make_context(SPACE, X=X0, y=np.r_[Y0[:3], -1.0])) is None  # a crossing is known
    assert one_sided(make_context(SPACE, X=X0, y=np.r_[Y0[:3], np.nan])) == "above"
    assert one_sided(make_context(SPACE, X=X0, y=Y0, threshold=None)) is None  # maximisation: no level
    many = np.linspace(0, 1, MAX_SEARCH_POINTS + 1)[:, None]
    assert one_sided(make_context(SPACE, X=many, y=np.ones(len(many)))) is None  # the GP strategy takes over


def test_the_default_searches_where_the_slope_leads_and_lands_in_the_excluded_interval():
    strategy = get_strategy("band_entropy", raw_samples=1024)  # the default strategy, its search phase on
    x = strategy.propose(1, context())
    # the loop's GP puts the crossing probability below 1e-50 everywhere (test_trend_kriging.py); the search goes
    # beyond the last point, where the falling values lead, x > 0.8
    assert x.shape == (1, 1) and x[0, 0] > 0.8
    # and, with the point it returns evaluated, the next one lands inside the excluded interval (seed 0 of the
    # benchmark: the interval found at evaluation 6 instead of 8)
    X1 = np.concatenate([X0, x]); y1 = excursion_1d(X1) - 0.7
    assert np.all(y1 > 0)  # x = 0.9998: still above (f = 2.78 at the box's edge)
    x2 = strategy.propose(1, context(X1, y1))
    assert 0.8615 <= x2[0, 0] <= 0.9245, x2
    # switched off, the band entropy's own choice (the GP's sd is largest between 0.15 and 0.41 then)
    off = BandEntropyStrategy(raw_samples=1024, crossing_search=False).propose(1, context())
    assert 0.15 < off[0, 0] < 0.41


def test_a_batch_is_spread_by_the_believer_and_avoids_running_and_failed_points():
    pending = np.array([[0.9]]); failed = np.array([[0.95]])
    pts = propose_crossing_search(context(pending=pending, failed=failed), 4)
    assert pts.shape == (4, 1)
    everything = np.concatenate([X0, pending, failed, pts])[:, 0]
    gaps = np.abs(everything[:, None] - everything[None, :]) + np.eye(len(everything))
    assert gaps.min() >= 1e-3  # no point proposed twice or on top of a running / failed one
    assert len(np.unique(np.round(pts, 6))) == 4


def test_a_pool_is_honoured():
    pool = np.array([[0.05], [0.3], [0.62], [0.86], [0.99]])
    x = BandEntropyStrategy(crossing_search=True).propose(2, context(candidates=pool))
    assert all(any(np.allclose(p, c) for c in pool) for p in x)
    assert {round(float(v), 2) for v in x[:, 0]} == {0.86, 0.99}  # where the falling values lead


def test_a_used_up_pool_gives_fewer_points():
    pool = np.array([[0.86], [0.99], X0[0]])  # one point of the pool is already evaluated
    x = BandEntropyStrategy().propose(4, context(candidates=pool, pending=pool[:1]))
    np.testing.assert_array_equal(x, pool[1:2])  # the only one neither evaluated nor running
    assert BandEntropyStrategy().propose(2, context(candidates=X0[:2])).shape == (0, 1)


def test_a_plateau_fills_the_largest_void():
    # every value the same (no spread, no probability of crossing anywhere): the point farthest from the data
    x = propose_crossing_search(make_context(SPACE, X=X0, y=np.full(4, 2.0)), 1)
    gaps = np.abs(SPACE.sample_unit(1024, seed=0, method="sobol")[:, 0][:, None] - X0[:, 0][None, :]).min(1)
    assert np.min(np.abs(x[0, 0] - X0[:, 0])) == pytest.approx(gaps.max())
    assert x[0, 0] > 0.99  # the box's end at 1 is 0.25 from the nearest point (0.754), more than any other


def test_below_the_level_searches_upwards():
    # the mirrored problem: every value below the level, the crossing is where the values rise towards it
    x = BandEntropyStrategy(raw_samples=1024, crossing_search=True).propose(1, context(y=-Y0))
    assert x[0, 0] > 0.8


def test_crossing_search_is_a_boolean_option():
    with pytest.raises(InvalidInputError, match="crossing_search"):
        BandEntropyStrategy(crossing_search="yes")


def test_propose_crossing_search_refuses_a_two_sided_context():
    with pytest.raises(ValueError, match="one side"):
        propose_crossing_search(make_context(SPACE, X=X0, y=np.r_[Y0[:3], -1.0]), 1)


def test_conformance_in_a_constrained_space_with_failed_values():
    # the shared conformance test's space (b < a) with every value above the level and one failed (NaN) result
    space = ParameterSpace({"a": (0.0, 2.0), "b": (0.0, 1.0)}, constraint="b < a")
    U = space.sample_unit(8, seed=3, method="sobol")
    theta = space.from_unit(U)
    y = 1.0 + theta[:, 0] + theta[:, 1]
    y[2] = np.nan
    ok = np.isfinite(y)
    gp = GPSurrogate(warp=False).fit(U[ok], y[ok], np.full(ok.sum(), 1e-4), seed=0)
    ctx = make_context(space, X=U, y=y, surrogate=gp, seed=5, pending=U[:1] * 0.5)
    a = BandEntropyStrategy(raw_samples=256, crossing_search=True).propose(3, ctx)
    b = BandEntropyStrategy(raw_samples=256, crossing_search=True).propose(3, ctx)
    assert a.shape == (3, 2) and np.all((a >= 0) & (a <= 1))
    assert space.contains(space.from_unit(a)).all()
    np.testing.assert_array_equal(a, b)
    # the values fall towards a = b = 0: the most probable crossing is at the low corner, where the first point goes
    assert space.from_unit(a)[0].sum() < 0.5
