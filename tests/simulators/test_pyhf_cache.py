"""The cached pyhf results of the ATLAS SUSY-2018-06 likelihood as a fast oracle: they reproduce the published ATLAS
decisions, and a pool scan run on them sees exactly the cached hypotest results (no pyhf fit in these tests)."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from active_science.exceptions import SimulationError
from active_science.simulators.pyhf_cache import CachedHypotests

ATLAS_DIR = Path(os.environ.get("ACTIVE_SCIENCE_ATLAS_DIR", Path(__file__).resolve().parents[3] / "shared/data/atlas_susy_2018_06_3L_eRJR"))
CACHE = ATLAS_DIR / "pyhf_cls_grid_numpy_minuit.json"
pytestmark = pytest.mark.skipif(not CACHE.is_file(), reason=f"ATLAS data not found in {ATLAS_DIR}")


def _official():
    """Points `(66, 2)` and ATLAS's own decisions (excluded iff sigma_UL / sigma_theory < 1, SModelS transcription)."""
    rows = json.loads((ATLAS_DIR / "pyhf_cls_vs_official_ul.json").read_text())
    pts = np.array([[r["m_C1N2"], r["m_N1"]] for r in rows])
    return pts, np.array([r["atlas_muUL_obs"] < 1 for r in rows]), np.array([r["atlas_muUL_exp"] < 1 for r in rows])


def test_cached_cls_reproduce_all_66_official_atlas_decisions():
    oracle = CachedHypotests(CACHE, labels=["m_C1N2", "m_N1"])
    pts, obs_excluded, exp_excluded = _official()
    assert oracle.candidates.shape == (66, 2)
    cls_obs = np.array([oracle.evaluate(p, 0).value for p in pts])
    cls_exp = np.array([oracle.evaluate(p, 0).extras["cls_exp"] for p in pts])
    # an independent source: ATLAS's published upper limits (HEPData via SModelS) vs the theory cross section; the
    # data README reports 66/66 agreement of pyhf's CLs < 0.05 with them, observed and expected
    np.testing.assert_array_equal(cls_obs < 0.05, obs_excluded)
    np.testing.assert_array_equal(cls_exp < 0.05, exp_excluded)
    assert 10 <= obs_excluded.sum() <= 56 and exp_excluded.sum() > obs_excluded.sum()  # both labels occur; expected reaches further


def test_points_outside_the_cache_fail():
    oracle = CachedHypotests(CACHE, labels=["m_C1N2", "m_N1"])
    with pytest.raises(SimulationError, match="no cached point"):
        oracle.evaluate(np.array([105.0, 20.0]), 0)


def test_short_pool_scan_on_the_cached_oracle():
    import active_science as asci
    from benchmarks.atlas_erjr import COORDINATES

    oracle = CachedHypotests(CACHE, labels=["m_C1N2", "m_N1"])
    space = asci.ParameterSpace({"m_C1N2": (100.0, 500.0), "m_N1": (0.0, 300.0)}, constraint="m_N1 < m_C1N2", coordinates=COORDINATES)
    scan = asci.ExclusionScan(oracle, space, candidates=oracle.candidates, targets=["value", "cls_exp"], strategy="pool_sur", batch_size=2, seed=0, clip=3.0)
    result = scan.run(max_evaluations=8)
    assert result.n_evaluations == 8 and len(np.unique(result.points, axis=0)) == 8  # 8 distinct patches
    idx = [oracle.index(p) for p in result.points]  # every point is a cached patch point
    # the scan records exactly the cached hypotest results (no rounding on the way)
    np.testing.assert_array_equal(result.values[:, 0], oracle.values("value")[idx])
    np.testing.assert_array_equal(result.values[:, 1], oracle.values("cls_exp")[idx])
    # at its own training points the noise-free GP interpolates: the predicted labels are the cached ones
    np.testing.assert_array_equal(result.excluded(result.points, target="cls_exp"), oracle.values("cls_exp")[idx] < 0.05)
