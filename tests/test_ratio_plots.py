"""Ratio diagnostics figure: the drawn points and curves are the estimates and calibration curves given, and the
legend's MSE is the p(x | theta_ref)-weighted one of the reference tasks."""

import numpy as np

from active_science.ratio import ratio_task
from active_science.ratio.diagnostics import calibration_curve
from active_science.ratio_plots import ratio_diagnostics_figure


def test_figure_shows_estimates_against_exact_truth_and_calibration():
    task = ratio_task("galton")  # exact log r over the 31 final positions
    truth = task.true_log_r
    est = {"biased": truth + 0.2, "scaled": 1.5 * truth}
    rng = np.random.default_rng(0)
    cal = {"biased": calibration_curve(rng.normal(0.5, 1, 500), rng.normal(0, 1, 500), bins=8)}
    fig = ratio_diagnostics_figure(truth, est, weights=task.p_eval, calibration=cal, title="galton")
    left, right = fig.axes[0], fig.axes[1]
    for coll, e in zip(left.collections, est.values()):
        np.testing.assert_array_equal(coll.get_offsets(), np.column_stack([truth, e]))
    texts = [t.get_text() for t in left.get_legend().get_texts()]
    # MSE of a constant offset 0.2 is 0.04 exactly (the weights sum to one); the scaled one by the task's own MSE
    assert texts[0] == "biased (MSE 0.0400)"
    assert texts[1] == f"scaled (MSE {task.mse_log_r(est['scaled']):.4f})"
    line = right.lines[0]
    np.testing.assert_array_equal(line.get_xdata(), cal["biased"].log_r_hat)
    np.testing.assert_array_equal(line.get_ydata(), cal["biased"].log_r_calibrated)
    assert fig._suptitle.get_text() == "galton"


def test_figure_without_calibration_has_one_panel():
    t = np.linspace(-1, 1, 4)
    fig = ratio_diagnostics_figure(t, {"carl": t})
    assert len(fig.axes) == 1 and fig.axes[0].get_legend().get_texts()[0].get_text() == "carl"
