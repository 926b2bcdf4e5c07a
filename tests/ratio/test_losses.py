"""Losses against their closed forms (numpy), and the minimisers the methods rely on."""

import numpy as np
import torch

from active_science.ratio import losses
from active_science.ratio.methods import method_spec


def _t(a):
    return torch.as_tensor(np.asarray(a, dtype=np.float64))[None, :]


def test_cross_entropy_equals_the_textbook_formula_with_s_hat_sigmoid_of_minus_f():
    rng = np.random.default_rng(0)
    f, y = rng.normal(size=50) * 3, rng.integers(0, 2, 50).astype(float)
    s = 1.0 / (1.0 + np.exp(f))  # s_hat = 1 / (1 + r_hat)
    expected = -np.mean(y * np.log(s) + (1 - y) * np.log(1 - s))
    got = float(losses.cross_entropy(_t(f), _t(y), _t(np.ones(50)))[0])
    assert abs(got - expected) < 1e-12  # float64 round-off only


def test_cross_entropy_from_logits_stays_finite_where_the_probability_saturates():
    got = losses.cross_entropy(_t([200.0]), _t([1.0]), _t([1.0]))  # s_hat = e^-200: log(s_hat) underflows
    assert abs(float(got[0]) - 200.0) < 1e-9  # -log sigmoid(-200) = 200 + log1p(e^-200)


def test_ratio_regression_hand_values_and_clipping():
    # y=1: (r - r_hat)^2 = (2 - 1)^2; y=0: (1/r - 1/r_hat)^2 = (1/2 - 1)^2
    got = losses.ratio_regression(_t([0.0, 0.0]), _t([1.0, 0.0]), _t([np.log(2), np.log(2)]), _t([1.0, 1.0]))
    assert abs(float(got[0]) - (1.0 + 0.25) / 2) < 1e-12
    # log r = 50 is clipped to 10, so f = 10 is exact
    clipped = losses.ratio_regression(_t([10.0]), _t([1.0]), _t([50.0]), _t([1.0]), clip=10.0)
    assert float(clipped[0]) == 0.0


def test_soft_cross_entropy_is_stationary_at_f_equal_to_the_joint_log_ratio():
    log_r = _t([0.7])
    for f0, stationary in ((0.7, True), (0.5, False)):
        f = torch.tensor([[f0]], dtype=torch.float64, requires_grad=True)
        (g,) = torch.autograd.grad(losses.soft_cross_entropy(f, log_r, _t([1.0])).sum(), f)
        # dBCE/df = sigmoid(-log r) - sigmoid(-f): zero exactly at f = log r (round-off only), 0.05 at f = 0.5
        assert (abs(float(g)) < 1e-15) == stationary


def test_score_regression_ignores_masked_rows_and_nan_gold():
    t_hat = torch.tensor([[[1.0], [5.0]]], dtype=torch.float64)
    t_xz = torch.tensor([[[0.0], [float("nan")]]], dtype=torch.float64)
    got = losses.score_regression(t_hat, t_xz, torch.tensor([[True, False]]), _t([1.0, 1.0]))
    assert float(got[0]) == 0.5  # (1 - 0)^2 on one of two equally weighted rows


def test_method_loss_adds_alpha_times_the_score_term_only_for_score_methods():
    f, y, w, lr = _t([0.3]), _t([1.0]), _t([1.0]), _t([0.1])
    term = torch.tensor([2.0], dtype=torch.float64)
    base = losses.ratio_regression(f, y, lr, w)
    assert torch.allclose(losses.method_loss(method_spec("rascal"), f, y, w, log_r_xz=lr, score_term=term, alpha=0.5), base + 1.0)
    assert torch.allclose(losses.method_loss(method_spec("rolr"), f, y, w, log_r_xz=lr, score_term=term, alpha=0.5), base)
