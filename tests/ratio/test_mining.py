"""Paired training sets: every event carries gold against its own partner, and the importance weights average to 1."""

import numpy as np

from active_science.ratio.dataset import rows_from_simulation
from active_science.ratio.mining import reference_training_set, simulate_paired
from active_science.simulators.gaussian import GaussianToy


def test_each_event_is_paired_with_its_own_partner_and_gold_is_unbiased():
    sim = GaussianToy()
    rng = np.random.default_rng(0)
    theta, partner = rng.uniform(-1, 1, (20000, 1)), rng.uniform(-1, 1, (20000, 1))
    sims = simulate_paired(sim, theta, partner, seed=1, group_size=50)
    rows = [rows_from_simulation(s, mode="doubly") for s in sims]
    t0 = np.concatenate([r.theta0 for r in rows])
    t1 = np.concatenate([r.theta1 for r in rows])
    y = np.concatenate([r.y for r in rows])
    lr = np.concatenate([r.log_r_xz for r in rows])
    own = np.where(y[:, None] > 0.5, t1, t0)
    other = np.where(y[:, None] > 0.5, t0, t1)
    np.testing.assert_array_equal(own, theta)
    np.testing.assert_array_equal(other, partner)
    # E_{z ~ own}[p(z | other) / p(z | own)] = 1: the per-event importance weight is exp(-log r(own, other))
    w = np.exp(np.where(y > 0.5, lr, -lr))
    assert abs(w.mean() - 1.0) < 5 * w.std() / np.sqrt(len(w))


def test_reference_training_set_rows_are_labelled_by_where_x_was_drawn():
    sim = GaussianToy()
    sims = reference_training_set(sim, sim.space.sample(30, seed=0), np.array([0.0]), seed=1, num_reference=20)
    rows = [rows_from_simulation(s, mode="reference", theta_ref=np.array([0.0])) for s in sims]
    y = np.concatenate([r.y for r in rows])
    assert y.sum() == 20 and len(y) == 50
    assert all(np.all(r.theta1 == 0.0) for r in rows) and all(np.all(np.isfinite(r.log_r_xz)) for r in rows)
