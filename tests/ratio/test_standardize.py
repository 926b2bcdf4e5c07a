"""Score rescaling: a score in standardised units divided back equals finite differences in user units."""

import numpy as np

from active_science.ratio.standardize import Standardizer


def test_score_scaling_matches_the_chain_rule():
    rng = np.random.default_rng(0)
    theta = rng.uniform(-1, -0.4, size=(100, 1))
    st = Standardizer.fit(rng.normal(size=(100, 1)), theta)

    def f_user(th):  # a log likelihood in user units
        return -((th - 0.2) ** 2) * 3.0

    def f_std(tp):  # the same function of the standardised parameter
        return f_user(tp * st.theta_std + st.theta_mean)

    th, h = np.array([-0.7]), 1e-6
    t_user = (f_user(th + h) - f_user(th - h)) / (2 * h)
    tp = st.theta(th)
    t_std = (f_std(tp + h) - f_std(tp - h)) / (2 * h)
    np.testing.assert_allclose(st.score_to_standard(t_user), t_std, rtol=1e-6)  # FD error ~ h^2
    np.testing.assert_allclose(st.score_from_standard(t_std), t_user, rtol=1e-6)


def test_round_trip_through_arrays_and_constant_columns_get_unit_scale():
    st = Standardizer.fit(np.array([[1.0, 5.0], [3.0, 5.0]]), np.array([[0.0], [2.0]]))
    assert st.x_std.tolist() == [1.0, 1.0]  # column 2 is constant: scale 1, not 0
    st2 = Standardizer.from_arrays(st.to_arrays())
    np.testing.assert_array_equal(st2.x(np.array([[2.0, 6.0]])), st.x(np.array([[2.0, 6.0]])))
