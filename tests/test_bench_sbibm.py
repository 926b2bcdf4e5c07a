"""benchmarks/sbibm.py helper logic: the priors match sbibm's, the summary and the must-show checks.

The benchmark runs in its own environment (``make bench-sbibm``: sbi 0.27 + sbibm); the default suite has neither,
so the prior comparison skips when sbibm is absent.
"""

import math

import numpy as np
import pytest

from benchmarks.sbibm import must_show, prior_for, summary, table


def _rows(task, n, method, values):
    return [{"task": task, "method": method, "seed": i + 1, "n_simulations": n, "metric": "c2st", "value": v, "seconds": 2.0}
            for i, v in enumerate(values)]  # fmt: skip


def test_summary_and_must_show_compare_means_per_task_and_budget():
    rows = (
        _rows("two_moons", 1000, "ours", [0.6, 0.7])
        + _rows("two_moons", 1000, "sbi_nre_c", [0.8, 0.7])
        + _rows("two_moons", 1000, "ours_sequential", [0.7, 0.7])
        + _rows("two_moons", 1000, "sbi_snre_b", [0.6, 0.6])
    )
    mean, se, seconds, k = summary(rows)[("two_moons", 1000, "ours")]
    assert (mean, k, seconds) == (pytest.approx(0.65), 2, 4.0)
    assert se == pytest.approx(0.05)  # sd 0.0707 / sqrt(2)
    checks = {(c["ours"], c["theirs"]): c["holds"] for c in must_show(rows)}
    assert checks == {("ours", "sbi_nre_c"): True, ("ours_sequential", "sbi_snre_b"): False}
    assert "NO" in table(rows) and "yes" in table(rows)


@pytest.mark.parametrize("task", ["two_moons", "gaussian_linear"])
def test_priors_equal_sbibm_priors(task):
    sbibm = pytest.importorskip("sbibm")
    torch = pytest.importorskip("torch")
    ours = prior_for(task)
    theirs = sbibm.get_task(task).get_prior_dist()
    theta = theirs.sample((500,))
    np.testing.assert_allclose(ours.log_prob(theta.double().numpy()), theirs.log_prob(theta).double().numpy(), atol=1e-4)  # float32
    draws = ours.sample(20_000, seed=0)
    # moments of U(-1, 1) (sd 1 / sqrt(3)) and N(0, 0.1) (sd 0.316): 20 000 draws, sd of the sd estimate < 0.5 %
    expected_sd = 1 / math.sqrt(3) if task == "two_moons" else math.sqrt(0.1)
    np.testing.assert_allclose(draws.std(axis=0), expected_sd, rtol=0.03)
    assert torch.isfinite(theirs.log_prob(torch.as_tensor(draws, dtype=torch.float32))).all()


def test_train_selected_keeps_the_schedule_with_the_lowest_validation_loss_on_the_same_held_out_rows():
    from active_science.ratio import TrainingConfig
    from active_science.simulation import Simulation
    from benchmarks.sbibm import estimator, train_selected

    rng = np.random.default_rng(0)
    theta = rng.uniform(-1, 1, (400, 1))
    sims = Simulation(x=theta + 0.1 * rng.standard_normal((400, 1)), theta=theta)
    # the same seed draws the same train / validation split, so the losses compare the schedules on the same rows
    a, b = estimator(3).append(sims), estimator(3).append(sims)
    assert np.array_equal(np.concatenate(a._split), np.concatenate(b._split))
    one_epoch, trained = TrainingConfig(max_epochs=1, learning_rate=1e-5), TrainingConfig(max_epochs=40, patience=10)
    est, losses = train_selected(sims, 3, (one_epoch, trained))
    assert len(losses) == 2 and losses[1] < losses[0] - 0.05  # 40 epochs fit the ratio; one tiny step cannot (loss ~log 2)
    assert np.mean(est.history_[-1].best_val_loss) == pytest.approx(losses[1]) and est.history_[-1].epochs > 1
