"""Pool SUR: the closed-form look-ahead against botorch's own conditioning, and pool scans that never repeat a point."""

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from botorch.models import SingleTaskGP
from scipy.stats import norm

import active_science as asci
from active_science.strategies.pool_sur import PoolSUR, expected_misclassification


def test_look_ahead_matches_monte_carlo_fantasies_with_botorch_conditioning():
    rng = np.random.default_rng(0)
    X = torch.as_tensor(rng.uniform(size=(6, 1)), dtype=torch.float64)
    Y = torch.sin(6 * X) - 0.2
    noise = 1e-4
    model = SingleTaskGP(X, Y, torch.full_like(Y, noise))
    pool = torch.linspace(0, 1, 15, dtype=torch.float64)[:, None]
    with torch.no_grad():
        post = model.posterior(pool)
        mean, cov = post.mean.squeeze(-1).numpy(), post.mvn.covariance_matrix.numpy()
    ours = expected_misclassification(mean, cov, noise, 0.0, nodes=60)
    for c in (2, 7, 12):
        # independent: draw the fantasy value from the predictive, let botorch condition the GP, average the result
        gen = torch.Generator().manual_seed(c)
        sd = float(np.sqrt(cov[c, c] + noise))
        totals = []
        for z in torch.randn(2000, generator=gen, dtype=torch.float64):
            y = torch.tensor([[mean[c] + sd * float(z)]], dtype=torch.float64)
            cond = model.condition_on_observations(pool[c : c + 1], y, noise=torch.tensor([[noise]], dtype=torch.float64))
            with torch.no_grad():
                p = cond.posterior(pool)
            m, s = p.mean.squeeze(-1).numpy(), p.variance.squeeze(-1).clamp_min(1e-18).sqrt().numpy()
            totals.append(norm.cdf(-np.abs(m) / s).sum())
        # Monte Carlo standard error with 2000 fantasies; 4 sigma plus quadrature/jitter slack of 1e-3
        se = np.std(totals) / np.sqrt(len(totals))
        assert abs(ours[c] - np.mean(totals)) < 4 * se + 1e-3


def test_pool_scan_learns_a_1d_boundary_without_repeats():
    pool = np.linspace(0.0, 1.0, 31)[:, None]
    space = asci.ParameterSpace({"x": (0.0, 1.0)})
    scan = asci.ExclusionScan(lambda th, seed: float(0.2 * np.exp(-3 * th[0])), space, candidates=pool, strategy=PoolSUR(), batch_size=2, seed=0)
    result = scan.run(max_evaluations=31)
    assert len(np.unique(result.points, axis=0)) == len(result.points)  # no point evaluated twice
    assert all(np.any(np.all(pool == p, axis=1)) for p in result.points)  # only pool points
    truth = 0.2 * np.exp(-3 * pool[:, 0]) < 0.05  # boundary at x = ln(4)/3 = 0.462
    assert np.array_equal(result.excluded(pool), truth)
    # a monotone 1-D boundary between two pool points: the scan stops well before evaluating the whole pool
    assert result.converged and result.n_evaluations <= 20


ATLAS_DIR = Path(os.environ.get("ACTIVE_SCIENCE_ATLAS_DIR", Path(__file__).resolve().parents[3] / "shared/data/atlas_susy_2018_06_3L_eRJR"))


@pytest.mark.slow
@pytest.mark.skipif(not (ATLAS_DIR / "pyhf_cls_vs_official_ul.json").is_file(), reason="ATLAS data not found")
def test_atlas_pool_scan_reproduces_the_official_decisions_with_cached_hypotests():
    from benchmarks.atlas_erjr import official, run_adaptive
    from active_science.simulators.pyhf_cache import CachedHypotests

    orc = CachedHypotests(ATLAS_DIR / "pyhf_cls_grid_numpy_minuit.json", labels=["m_C1N2", "m_N1"])
    pts, truth = official(ATLAS_DIR)
    result = run_adaptive(orc, orc.candidates, seed=0, strategy="pool_sur", batch_size=2, executor="serial")
    # the published decisions (sigma_UL < sigma_theory), which pyhf reproduces at all 66 points (data README)
    assert np.array_equal(result.excluded(pts, target="value"), truth["atlas_erjr_obs"])
    assert np.array_equal(result.excluded(pts, target="cls_exp"), truth["atlas_erjr_exp"])
    assert result.n_evaluations <= 40
    assert json.loads((ATLAS_DIR / "pyhf_cls_vs_official_ul.json").read_text())  # the table is the official one
