"""The pyhf workspace simulator against closed forms (SCIENCE.md section 5), cached pyhf results and the real ATLAS
likelihood; workspace problems must fail up front with one-line errors."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from active_science import InvalidInputError
from active_science.exceptions import SimulationError
from active_science.registry import get_simulator
from active_science.simulators.pyhf_fixtures import write_counting_workspace
from active_science.simulators.pyhf_workspace import EXPECTED_NAMES, PyhfWorkspace, tiny_uncertainty_parameters

#: the published ATLAS SUSY-2018-06 likelihood (outside the repository; override with ACTIVE_SCIENCE_ATLAS_DIR)
ATLAS_DIR = Path(os.environ.get("ACTIVE_SCIENCE_ATLAS_DIR", Path(__file__).resolve().parents[3] / "shared/data/atlas_susy_2018_06_3L_eRJR"))
needs_atlas = pytest.mark.skipif(not (ATLAS_DIR / "BkgOnly.json").is_file(), reason=f"ATLAS data not found in {ATLAS_DIR}")
#: the data folder's README: this gamma must be fixed or every fit stalls (CLs ~ 1)
FIXED = {"shape_mcstat_diboson3LISR_CRISR_obs_cuts": 1.0}


def cached_row(theta):
    rows = json.loads((ATLAS_DIR / "pyhf_cls_grid_numpy_minuit.json").read_text())
    return next(r for r in rows if [r["m_C1N2"], r["m_N1"]] == list(theta))


def _evaluate(sim, theta, seed=0):
    return sim.default_statistic()(sim.simulate(theta, seed=seed), theta)


@pytest.mark.parametrize(
    "n, s, b, cls_ref",
    [(10, 5.0, 10.0, 0.169123), (3, 4.0, 6.0, 0.048929), (51, 20.0, 45.0, 0.044705), (0, 3.0, 0.5, 0.019931)],
)
def test_known_background_cls_matches_closed_form(tmp_path, n, s, b, cls_ref):
    ws, ps = write_counting_workspace(tmp_path, observed=n, background=b, signals={"p": s})
    obs = _evaluate(PyhfWorkspace(workspace=ws, patchset=ps, optimizer="scipy"), np.array([s]))
    # SCIENCE.md table: pyhf agrees with the closed form to 1e-14, printed to 6 digits -> half a unit of the last digit
    assert abs(obs.value - cls_ref) < 5e-7
    assert obs.variance == 0.0 and obs.extras["fit_ok"] == 1.0
    # the band is ordered N = +2 .. -2 (increasing CLs) and the CLs+b / CLb tails reproduce CLs
    band = [obs.extras[k] for k in EXPECTED_NAMES]
    assert band == sorted(band)
    assert obs.extras["clsb"] / obs.extras["clb"] == pytest.approx(obs.value, rel=1e-12)  # same numbers, one division


@pytest.mark.parametrize(
    "s, b, db, cls_exp_ref", [(5.0, 10.0, 2.0, 0.214855), (20.0, 45.0, 5.0, 0.022853), (3.0, 1.0, 0.5, 0.078110)]
)
def test_median_expected_with_background_uncertainty_matches_closed_form(tmp_path, s, b, db, cls_exp_ref):
    ws, ps = write_counting_workspace(tmp_path, observed=b, background=b, signals={"p": s}, background_uncertainty=db)
    obs = _evaluate(PyhfWorkspace(workspace=ws, patchset=ps, optimizer="scipy"), np.array([s]))
    # closed-form Z_excl (on/off problem) printed to 6 digits; the fit converges to ~1e-7 in CLs
    assert abs(obs.extras["cls_exp"] - cls_exp_ref) < 2e-6


def test_points_are_the_patches_and_other_points_fail(tmp_path):
    ws, ps = write_counting_workspace(
        tmp_path, observed=10, background=10.0, signals={"a": 5.0, "b": 8.0},
        values={"a": [200.0, 50.0], "b": [300.0, 0.0]}, labels=["m_parent", "m_lsp"],
    )  # fmt: skip
    sim = PyhfWorkspace(workspace=ws, patchset=ps, optimizer="scipy", constraint="m_lsp < m_parent")
    np.testing.assert_array_equal(sim.candidates, [[200.0, 50.0], [300.0, 0.0]])
    assert sim.space.names == ("m_parent", "m_lsp")
    assert _evaluate(sim, sim.candidates[1]).value < _evaluate(sim, sim.candidates[0]).value  # more signal, lower CLs
    with pytest.raises(SimulationError, match="no patch at"):
        sim.simulate(np.array([250.0, 10.0]), seed=0)


def test_registry_builds_it_by_name(tmp_path):
    ws, ps = write_counting_workspace(tmp_path, observed=3, background=6.0, signals={"p": 4.0})
    sim = get_simulator("pyhf_workspace", workspace=ws, patchset=ps, optimizer="scipy")
    assert isinstance(sim, PyhfWorkspace) and sim.options["patchset"] == ps


def test_fit_failure_is_a_simulation_error_with_the_reason(tmp_path):
    # minuit cannot compute a covariance when every nuisance parameter is fixed (known background): pyhf raises,
    # and the simulator must turn it into a failed evaluation that says why
    ws, ps = write_counting_workspace(tmp_path, observed=10, background=10.0, signals={"p": 5.0})
    sim = PyhfWorkspace(workspace=ws, patchset=ps, optimizer="minuit")
    with pytest.warns(Warning), pytest.raises(SimulationError, match="fit failed for patch 'p'"):
        _evaluate(sim, np.array([5.0]))


# ------------------------------------------------------------------------------------------------ bad workspaces
def test_missing_file(tmp_path):
    ws, ps = write_counting_workspace(tmp_path, observed=3, background=6.0, signals={"p": 4.0})
    with pytest.raises(InvalidInputError, match="does not exist"):
        PyhfWorkspace(workspace=tmp_path / "nope.json", patchset=ps)


def test_schema_error(tmp_path):
    ws, ps = write_counting_workspace(tmp_path, observed=3, background=6.0, signals={"p": 4.0})
    spec = json.loads(Path(ws).read_text())
    del spec["observations"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(spec))
    with pytest.raises(InvalidInputError, match="is not a valid pyhf workspace: 'observations' is a required property") as err:
        PyhfWorkspace(workspace=bad, patchset=ps)
    assert "\n" not in str(err.value)


def test_digest_mismatch(tmp_path):
    ws, ps = write_counting_workspace(tmp_path / "a", observed=3, background=6.0, signals={"p": 4.0})
    ws_other, _ = write_counting_workspace(tmp_path / "b", observed=4, background=6.0, signals={"p": 4.0})
    with pytest.raises(InvalidInputError, match="digest mismatch"):
        PyhfWorkspace(workspace=ws_other, patchset=ps)


def test_unknown_patch_and_parameter_names(tmp_path):
    ws, ps = write_counting_workspace(tmp_path, observed=3, background=6.0, signals={"p": 4.0, "q": 2.0}, background_uncertainty=1.0)
    with pytest.raises(InvalidInputError, match="patch 'r' is not in"):
        PyhfWorkspace(workspace=ws, patchset=ps, patches=["p", "r"])
    with pytest.raises(InvalidInputError, match="fixed parameter 'nope' is not in"):
        PyhfWorkspace(workspace=ws, patchset=ps, fixed_parameters={"nope": 1.0})
    sim = PyhfWorkspace(workspace=ws, patchset=ps, patches=["q"], fixed_parameters={"uncorr_bkguncrt": 1.0}, optimizer="scipy")
    assert sim.patch_names == ("q",)
    # with the background-uncertainty gamma fixed at 1 the model is the known-background one: closed form again
    assert abs(_evaluate(sim, np.array([2.0])).value - _evaluate(
        PyhfWorkspace(workspace=write_counting_workspace(tmp_path / "k", observed=3, background=6.0, signals={"q": 2.0})[0],
                      patchset=str(tmp_path / "k" / "patchset.json"), optimizer="scipy"), np.array([2.0])).value) < 1e-6  # fmt: skip


@pytest.mark.parametrize("kwargs, match", [({"calctype": "bayes"}, "calctype"), ({"optimizer": "adam"}, "optimizer"), ({"ntoys": 3}, "ntoys")])
def test_bad_options(tmp_path, kwargs, match):
    ws, ps = write_counting_workspace(tmp_path, observed=3, background=6.0, signals={"p": 4.0})
    with pytest.raises(InvalidInputError, match=match):
        PyhfWorkspace(workspace=ws, patchset=ps, **kwargs)


# ------------------------------------------------------------------------------------------------ the ATLAS likelihood
@needs_atlas
def test_atlas_workspace_flags_the_stalling_gamma_and_has_66_points():
    spec = json.loads((ATLAS_DIR / "BkgOnly.json").read_text())
    assert tiny_uncertainty_parameters(spec) == [next(iter(FIXED))]  # the README's parameter, found from the spec alone
    sim = PyhfWorkspace(workspace=ATLAS_DIR / "BkgOnly.json", patchset=ATLAS_DIR / "patchset.json", fixed_parameters=FIXED)
    assert sim.candidates.shape == (66, 2) and sim.labels == ("m_C1N2", "m_N1")


@needs_atlas
def test_atlas_real_hypotest_matches_cached_pyhf(tmp_path):
    # one real hypotest on the real workspace (~7 s on an idle core): same backend/optimizer as the cached table (numpy + minuit)
    sim = PyhfWorkspace(workspace=ATLAS_DIR / "BkgOnly.json", patchset=ATLAS_DIR / "patchset.json", fixed_parameters=FIXED)
    theta = np.array([140.0, 50.0])  # one of the fastest fits in the cache (6.7 s), excluded (CLs 0.0019)
    obs = _evaluate(sim, theta)
    row = cached_row(theta)
    # same code path and minimiser as the cache: agreement to 1e-6 relative leaves room for BLAS/platform differences
    assert obs.value == pytest.approx(row["CLs_obs"], rel=1e-6)
    np.testing.assert_allclose([obs.extras[k] for k in EXPECTED_NAMES], row["CLs_exp"], rtol=1e-5)


@needs_atlas
@pytest.mark.slow
def test_atlas_patches_match_a_direct_pyhf_call():
    import pyhf

    sim = PyhfWorkspace(workspace=ATLAS_DIR / "BkgOnly.json", patchset=ATLAS_DIR / "patchset.json", fixed_parameters=FIXED)
    bkg = pyhf.Workspace(json.loads((ATLAS_DIR / "BkgOnly.json").read_text()))
    patchset = pyhf.PatchSet(json.loads((ATLAS_DIR / "patchset.json").read_text()))
    pyhf.set_backend("numpy", "scipy")
    for name, theta in [("ERJR_200p0_100p0", [200.0, 100.0]), ("ERJR_350p0_0p0", [350.0, 0.0])]:
        w = patchset.apply(bkg, name)
        model = w.model()
        init, fixed = model.config.suggested_init(), model.config.suggested_fixed()
        i = model.config.par_slice(next(iter(FIXED))).start
        init[i], fixed[i] = 1.0, True
        direct = float(pyhf.infer.hypotest(1.0, w.data(model), model, init_pars=init, fixed_params=fixed, test_stat="qtilde"))
        ours = _evaluate(sim, np.array(theta)).value  # minuit inside
        # two different minimisers (scipy SLSQP vs minuit) on a 70-parameter fit: measured to agree to ~1e-4 relative
        assert ours == pytest.approx(direct, rel=2e-3)


@pytest.mark.slow
def test_toys_agree_with_asymptotics_at_large_counts(tmp_path):
    ws, ps = write_counting_workspace(tmp_path, observed=51, background=45.0, signals={"p": 20.0})
    sim = PyhfWorkspace(workspace=ws, patchset=ps, optimizer="scipy", calctype="toybased", ntoys=1000)
    obs = _evaluate(sim, np.array([20.0]), seed=1)
    # asymptotic CLs 0.0447 (SCIENCE.md); at ~50 counts toys agree within ~20 %; plus 3 reported toy sds
    assert abs(obs.value - 0.044705) < 0.2 * 0.044705 + 3 * np.sqrt(obs.variance)
    assert obs.extras["cls_exp_variance"] > 0



# ------------------------------------------------------------------------------------------------ scans of a workspace
def _pool_workspace(tmp_path):
    # known background b = 10, n = 10: CLs falls with the signal; s = 5 gives 0.169 (SCIENCE.md), s = 12 is excluded
    signals = {f"s{s:g}": float(s) for s in (2, 4, 6, 8, 10, 12, 14)}
    return write_counting_workspace(tmp_path, observed=10, background=10.0, signals=signals)


def test_config_file_runs_a_multi_target_pool_scan(tmp_path):
    from active_science.config import load_config
    from active_science.scan import ExclusionScan
    from active_science.studies import run_config

    ws, ps = _pool_workspace(tmp_path)
    cfg = tmp_path / "scan.toml"
    cfg.write_text(
        f'[study]\nstore = "s.h5"\n[objective]\nsimulator = "pyhf_workspace"\n'
        f'options = {{ workspace = "{ws}", patchset = "{ps}", optimizer = "scipy" }}\n'
        f'[scan]\nstrategy = "pool_sur"\ntargets = ["value", "cls_exp"]\nbatch_size = 2\nmax_evaluations = 7\n'
    )
    assert load_config(cfg).scan.targets == ["value", "cls_exp"]
    assert run_config(cfg, force=False, progress=False) == 0
    data = ExclusionScan.read(tmp_path / "s.h5")
    assert data["config"]["targets"] == ["value", "cls_exp"]
    assert data["config"]["candidates"] == [[s] for s in (2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0)]  # the simulator's pool
    ev = data["evaluations"]
    assert len(ev) >= 4 and not any(ev["error"])  # every hypotest succeeded
    extras = [json.loads(e) for e in ev["extras"].astype(str)]
    patches = [int(x["patch_index"]) for x in extras]
    assert len(set(patches)) == len(patches)  # no patch evaluated twice


def test_bad_targets_in_config(tmp_path):
    from active_science.config import load_config
    from active_science.exceptions import ConfigError

    cfg = tmp_path / "scan.toml"
    cfg.write_text('[study]\nstore = "s.h5"\n[objective]\nsimulator = "mass_plane"\n[scan]\ntargets = "value"\n')
    with pytest.raises(ConfigError, match="scan.targets"):
        load_config(cfg)


@pytest.mark.slow
@pytest.mark.ray
def test_ray_runs_hypotests_on_both_workers(tmp_path):
    import ray

    import active_science as asci
    from active_science.execution.ray import ensure_ray
    from active_science.stats.counting import counting_cls

    ws, ps = _pool_workspace(tmp_path)
    sim = PyhfWorkspace(workspace=ws, patchset=ps, optimizer="scipy")
    store = tmp_path / "ray.h5"
    scan = asci.ExclusionScan(
        sim, targets=["value", "cls_exp"], strategy="pool_sur", executor="ray", batch_size=2, asynchronous=True, seed=0, store=store
    )
    # address="local": a fresh 2-CPU instance even when other Ray instances run on this machine (shared hosts)
    ensure_ray("local")
    try:
        result = scan.run(max_evaluations=7)
    finally:
        ray.shutdown()
    assert result.n_failed == 0
    # each hypotest on a Ray worker reproduces the closed-form counting CLs (SCIENCE.md section 5; pyhf agrees to 1e-14,
    # the scipy fit to ~1e-7)
    np.testing.assert_allclose(result.values[:, 0], [float(counting_cls(10, s, 10.0).cls) for s in result.points[:, 0]], atol=1e-6)
    workers = set(asci.ExclusionScan.read(store)["evaluations"]["worker"].astype(str))
    assert len(workers) == 2  # both cores were used
