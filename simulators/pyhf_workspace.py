"""Published LHC likelihoods: a pyhf background-only workspace plus a PatchSet of signal points.

Every patch of the PatchSet is one point of the parameter space (its ``values`` under the PatchSet's ``labels``,
e.g. ``(m_C1N2, m_N1)``), so only those points can be "simulated": the simulator exposes them as ``candidates``
and an ``ExclusionScan`` chooses among the remaining ones (pool-based scan). Evaluating a point applies its patch
and runs ``pyhf.infer.hypotest`` at ``mu = poi_value`` (q_tilde; asymptotics, or toys on request). The observed
CLs is the scanned value; the expected band is returned as extras, named by the number of standard deviations
``N`` of SCIENCE.md section 5 (``cls_exp_p2`` = ``N = +2``: the smallest expected CLs, ``cls_exp`` = median,
``cls_exp_m2`` = ``N = -2``), so the observed, expected and +-1 sigma contours can be scanned together
(``targets=["value", "cls_exp", "cls_exp_p1", "cls_exp_m1"]``).

Workspace problems (missing file, schema violation, digest mismatch between PatchSet and workspace, unknown patch
or parameter names) raise a one-line ``InvalidInputError`` when the simulator is built, before any fit runs. Fit
failures and non-finite CLs raise ``SimulationError`` with the reason, which executors record as failed
evaluations (never as numbers).

Parameters can be fixed at given values (``fixed_parameters``): some published workspaces need it, e.g. a
``shapesys`` with a relative uncertainty of ~1e-6 makes the minimisers stop at the initial point (CLs ~ 1,
silently wrong); such parameters are reported in a warning when the simulator is built.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from active_science.evaluation import Observation
from active_science.exceptions import InvalidInputError, SimulationError
from active_science.simulation import Simulation
from active_science.space import ParameterSpace

__all__ = ["PyhfWorkspace", "PyhfHypotest", "EXPECTED_NAMES"]

logger = logging.getLogger(__name__)

#: names of the expected-CLs extras, in pyhf's order (N = +2, +1, 0, -1, -2 standard deviations)
EXPECTED_NAMES = ("cls_exp_p2", "cls_exp_p1", "cls_exp", "cls_exp_m1", "cls_exp_m2")
#: relative shapesys / staterror uncertainty below which a parameter is reported as needing to be fixed
_TINY_UNCERTAINTY = 1e-4


def _load_json(path: str | os.PathLike[str], what: str) -> Any:
    p = Path(path)
    if not p.is_file():
        raise InvalidInputError(f"pyhf_workspace: {what} file {str(p)!r} does not exist; pass the path of a pyhf JSON file")
    try:
        with open(p, encoding="utf-8") as fh:
            return json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InvalidInputError(f"pyhf_workspace: {what} file {str(p)!r} is not valid JSON ({err})") from err


def _pyhf_errors() -> tuple[type[BaseException], ...]:
    """What pyhf raises for a workspace it cannot turn into a model (pyhf's exceptions share no base class)."""
    import jsonpatch
    from pyhf import exceptions as e

    return (
        e.InvalidSpecification, e.InvalidModel, e.InvalidMeasurement, e.InvalidModifier, e.InvalidNameReuse,
        e.InvalidPdfData, e.InvalidPdfParameters, e.UnspecifiedPOI, e.InvalidWorkspaceOperation,
        jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, KeyError,
    )  # fmt: skip


def _one_line(err: Exception, limit: int = 300) -> str:
    text = " ".join(str(err).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def tiny_uncertainty_parameters(spec: Mapping[str, Any], threshold: float = _TINY_UNCERTAINTY) -> list[str]:
    """Names of shapesys/staterror modifiers whose relative uncertainty is below ``threshold`` in some bin.

    Such a constraint term has a Poisson/Gaussian width so small that minimisers stall; fix the parameter instead.

    Example:
        >>> spec = {"channels": [{"name": "c", "samples": [{"name": "b", "data": [10.0], "modifiers": [
        ...     {"name": "g", "type": "shapesys", "data": [1e-5]}]}]}]}
        >>> tiny_uncertainty_parameters(spec)
        ['g']
    """
    names = []
    for channel in spec.get("channels", []):
        for sample in channel.get("samples", []):
            nominal = np.asarray(sample.get("data", []), dtype=float)
            for mod in sample.get("modifiers", []):
                if mod.get("type") not in ("shapesys", "staterror") or mod.get("data") is None:
                    continue
                with np.errstate(divide="ignore", invalid="ignore"):
                    rel = np.asarray(mod["data"], dtype=float) / nominal
                if np.any((rel > 0) & (rel < threshold)) and mod["name"] not in names:
                    names.append(mod["name"])
    return names


class PyhfHypotest:
    """The statistic: the hypotest at the simulated point's patch, as ``Observation(CLs_obs, 0, extras)``.

    ``extras`` holds the expected band (``EXPECTED_NAMES``), ``clsb`` and ``clb`` (observed tail probabilities),
    ``fit_ok = 1`` and ``patch_index``; asymptotic CLs are deterministic (variance 0), toy CLs carry their
    binomial variance (also for the expected band, as ``<name>_variance``).
    """

    def __init__(self, simulator: PyhfWorkspace) -> None:
        self.simulator = simulator

    def __call__(self, simulation: Simulation, theta: np.ndarray) -> Observation:
        return self.simulator.hypotest(int(simulation.meta["patch_index"]), seed=int(simulation.meta.get("seed", 0)))


class PyhfWorkspace:
    """A pyhf background-only workspace and a PatchSet, evaluated by hypotests at the patches' points.

    Args:
        workspace: path of the background-only workspace JSON.
        patchset: path of the PatchSet JSON (its ``labels`` name the space's dimensions).
        patches: names of the patches to use (default: all).
        fixed_parameters: ``name -> value`` of parameters fixed in every fit (names must exist in the model).
        poi_value: the signal strength tested (``mu = 1``: the nominal signal).
        calctype: ``"asymptotics"`` (default) or ``"toybased"``.
        ntoys: toys per hypothesis when ``calctype="toybased"``.
        optimizer: pyhf's minimiser, ``"scipy"`` or ``"minuit"`` (numpy backend).
        constraint: linear constraints of the space (e.g. ``"m_N1 < m_C1N2"``); every patch point must satisfy them.
        coordinates: model coordinates of the space (e.g. ``{"m": "m_C1N2", "dm": "m_C1N2 - m_N1"}``).

    Example:
        >>> import tempfile
        >>> from active_science.simulators.pyhf_fixtures import write_counting_workspace
        >>> ws, ps = write_counting_workspace(tempfile.mkdtemp(), observed=10, background=10.0, signals={"s5": 5.0})
        >>> sim = PyhfWorkspace(workspace=ws, patchset=ps, optimizer="scipy")   # minuit needs a free parameter
        >>> obs = sim.default_statistic()(sim.simulate(sim.candidates[0], seed=0), sim.candidates[0])
        >>> round(obs.value, 6)   # SCIENCE.md section 5: n=10, s=5, b=10 -> CLs 0.169123
        0.169123
    """

    name = "pyhf_workspace"
    has_gold = False

    def __init__(
        self,
        *,
        workspace: str | os.PathLike[str],
        patchset: str | os.PathLike[str],
        patches: Sequence[str] | None = None,
        fixed_parameters: Mapping[str, float] | None = None,
        poi_value: float = 1.0,
        calctype: Literal["asymptotics", "toybased"] = "asymptotics",
        ntoys: int = 2000,
        optimizer: Literal["scipy", "minuit"] = "minuit",
        constraint: str | Sequence[str] | None = None,
        coordinates: Mapping[str, str] | None = None,
    ) -> None:
        import pyhf

        if calctype not in ("asymptotics", "toybased"):
            raise InvalidInputError(f"pyhf_workspace: calctype={calctype!r} must be 'asymptotics' or 'toybased'")
        if optimizer not in ("scipy", "minuit"):
            raise InvalidInputError(f"pyhf_workspace: optimizer={optimizer!r} must be 'scipy' or 'minuit'")
        if isinstance(ntoys, bool) or not isinstance(ntoys, int) or ntoys < 10:
            raise InvalidInputError(f"pyhf_workspace: ntoys={ntoys!r} must be an integer >= 10")
        if isinstance(poi_value, bool) or not isinstance(poi_value, (int, float)) or not math.isfinite(poi_value) or poi_value <= 0:
            raise InvalidInputError(f"pyhf_workspace: poi_value={poi_value!r} must be a positive number")
        bkg_spec = _load_json(workspace, "workspace")
        ps_spec = _load_json(patchset, "patchset")
        try:
            bkg = pyhf.Workspace(bkg_spec)
        except pyhf.exceptions.InvalidSpecification as err:
            raise InvalidInputError(f"pyhf_workspace: {str(workspace)!r} is not a valid pyhf workspace: {_one_line(err)}") from err
        try:
            ps = pyhf.PatchSet(ps_spec)
        except (pyhf.exceptions.InvalidSpecification, pyhf.exceptions.InvalidPatchSet) as err:
            raise InvalidInputError(f"pyhf_workspace: {str(patchset)!r} is not a valid pyhf PatchSet: {_one_line(err)}") from err
        try:
            ps.verify(bkg)
        except pyhf.exceptions.PatchSetVerificationError as err:
            raise InvalidInputError(
                f"pyhf_workspace: PatchSet {str(patchset)!r} was made for another workspace than {str(workspace)!r} "
                f"(digest mismatch); pass the background-only workspace it was built from"
            ) from err
        all_names = [p.name for p in ps.patches]
        if patches is None:
            chosen = list(ps.patches)
        else:
            if isinstance(patches, str) or not all(isinstance(p, str) for p in patches) or not patches:
                raise InvalidInputError(f"pyhf_workspace: patches={patches!r} must be a non-empty list of patch names")
            unknown = [p for p in patches if p not in all_names]
            if unknown:
                raise InvalidInputError(
                    f"pyhf_workspace: patch {unknown[0]!r} is not in {str(patchset)!r}; valid names look like "
                    f"{', '.join(all_names[:3])} ({len(all_names)} patches)"
                )
            chosen = [ps[p] for p in patches]
        self.labels = tuple(ps.labels)
        self.patch_names = tuple(p.name for p in chosen)
        self.candidates = np.array([p.values for p in chosen], dtype=float).reshape(len(chosen), len(self.labels))
        if len(np.unique(self.candidates, axis=0)) != len(self.candidates):
            raise InvalidInputError(f"pyhf_workspace: two patches of {str(patchset)!r} share the same {self.labels} values")
        self._patches = {p.name: p for p in chosen}
        self._bkg_spec = bkg_spec
        self._bkg = bkg
        self._models: dict[int, Any] = {}
        # the first patch's model: checks that patches apply and the names of the fixed parameters, up front
        model, _ = self.model_and_data(0)
        self.fixed_parameters = {str(k): float(v) for k, v in dict(fixed_parameters or {}).items()}
        for pname in self.fixed_parameters:
            if pname not in model.config.par_map:
                raise InvalidInputError(
                    f"pyhf_workspace: fixed parameter {pname!r} is not in the workspace's model; check the name "
                    f"(the model has {len(model.config.par_map)} parameters, e.g. {', '.join(list(model.config.par_map)[:3])})"
                )
        stalling = [n for n in tiny_uncertainty_parameters(bkg_spec) if n not in self.fixed_parameters]
        if stalling:
            logger.warning(
                "pyhf_workspace: %s has a relative uncertainty < %g: minimisers may stall (CLs ~ 1); fix it with "
                "fixed_parameters={%r: 1.0}", stalling[0], _TINY_UNCERTAINTY, stalling[0],
            )  # fmt: skip
        self.poi_value = float(poi_value)
        self.calctype = calctype
        self.ntoys = ntoys
        self.optimizer = optimizer
        lo, hi = self.candidates.min(axis=0), self.candidates.max(axis=0)
        hi = np.where(hi > lo, hi, lo + 1.0)  # a label with one value still needs a non-empty range
        self.space = ParameterSpace(
            {lab: (float(a), float(b)) for lab, a, b in zip(self.labels, lo, hi)}, constraint=constraint, coordinates=coordinates
        )
        if not np.all(self.space.contains(self.candidates)):
            bad = self.candidates[~self.space.contains(self.candidates)][0]
            raise InvalidInputError(f"pyhf_workspace: patch point {bad.tolist()} violates constraint={constraint!r}; fix the constraint")
        self.options = {
            "workspace": os.fspath(workspace), "patchset": os.fspath(patchset),
            "patches": None if patches is None else list(patches), "fixed_parameters": dict(self.fixed_parameters),
            "poi_value": self.poi_value, "calctype": calctype, "ntoys": ntoys, "optimizer": optimizer,
            "constraint": constraint if constraint is None or isinstance(constraint, str) else list(constraint),
            "coordinates": None if coordinates is None else dict(coordinates),
        }  # fmt: skip

    def __getstate__(self) -> dict[str, Any]:
        # Ray ships the simulator to its workers: send the specs, not the models built here (rebuilt on demand)
        state = dict(self.__dict__)
        state["_models"] = {}
        return state

    # ------------------------------------------------------------------------------------------------ points
    def patch_index(self, theta: np.ndarray) -> int:
        """Index of the patch at ``theta`` `(d,)`; SimulationError if no patch sits there."""
        theta = np.asarray(theta, dtype=float).reshape(-1)
        if theta.shape != (len(self.labels),):
            raise SimulationError(f"pyhf_workspace: theta has shape {theta.shape}; pass ({', '.join(self.labels)})")
        scale = np.maximum(np.abs(self.candidates).max(axis=0), 1.0)
        dist = np.abs((self.candidates - theta) / scale).max(axis=1)
        i = int(np.argmin(dist))
        if dist[i] > 1e-9:
            raise SimulationError(
                f"pyhf_workspace: no patch at {dict(zip(self.labels, theta.tolist()))}; only the PatchSet's points can be "
                f"evaluated: scan with candidates=simulator.candidates"
            )
        return i

    def model_and_data(self, index: int) -> tuple[Any, Any]:
        """The pyhf model and observed data (main + auxiliary) of patch ``index`` (cached per process)."""
        import pyhf

        if index not in self._models:
            try:
                ws = pyhf.Workspace(self._patches[self.patch_names[index]].apply(self._bkg_spec))
                model = ws.model()
            except _pyhf_errors() as err:
                raise InvalidInputError(f"pyhf_workspace: patch {self.patch_names[index]!r} gives an invalid workspace: {_one_line(err)}") from err
            self._models[index] = (model, ws.data(model))
        return self._models[index]

    def fit_settings(self, model: Any) -> tuple[list[float], list[bool]]:
        """Initial values and the fixed-parameter mask of ``model``, with ``fixed_parameters`` applied."""
        init = list(model.config.suggested_init())
        fixed = list(model.config.suggested_fixed())
        for pname, value in self.fixed_parameters.items():
            sl = model.config.par_slice(pname)
            for i in range(sl.start, sl.stop):
                init[i], fixed[i] = value, True
        return init, fixed

    # ------------------------------------------------------------------------------------------------ simulator
    def simulate(
        self,
        theta: np.ndarray,
        *,
        seed: int,
        num_events: int | None = None,
        design: np.ndarray | None = None,
        gold: bool = False,
        theta_refs: np.ndarray | None = None,
    ) -> Simulation:
        """The observed main-channel counts of the patch at ``theta``, `(1, n_bins)` (the hypotest is the statistic)."""
        if design is not None or gold or theta_refs is not None or num_events is not None:
            raise InvalidInputError("pyhf_workspace has no design, gold or event count; call simulate(theta, seed=...)")
        index = self.patch_index(theta)
        model, data = self.model_and_data(index)
        main = np.asarray(data[: model.config.nmaindata], dtype=float)[None, :]
        theta = np.asarray(theta, dtype=float).reshape(1, -1)
        return Simulation(x=main, theta=theta, meta={"patch_index": index, "seed": int(seed) % 2**32})

    def default_statistic(self) -> PyhfHypotest:
        return PyhfHypotest(self)

    def hypotest(self, index: int, *, seed: int = 0) -> Observation:
        """Run the hypotest of patch ``index`` and return ``Observation(CLs_obs, variance, extras)``."""
        import pyhf

        model, data = self.model_and_data(index)
        init, fixed = self.fit_settings(model)
        pyhf.set_backend("numpy", self.optimizer)
        name = self.patch_names[index]
        try:
            if self.calctype == "asymptotics":
                cls_obs, tails, cls_exp = pyhf.infer.hypotest(
                    self.poi_value, data, model, init_pars=init, fixed_params=fixed, test_stat="qtilde",
                    return_tail_probs=True, return_expected_set=True,
                )  # fmt: skip
                values = [float(cls_obs), float(tails[0]), float(tails[1]), *[float(c) for c in cls_exp]]
                variances = [0.0] * 8
            else:
                from active_science.simulators.pyhf_toys import toy_cls

                values, variances = toy_cls(self.poi_value, data, model, init, fixed, ntoys=self.ntoys, seed=seed)
        except Exception as err:  # any failure inside pyhf/the minimiser is this point's failed evaluation, with its reason
            raise SimulationError(f"pyhf_workspace: fit failed for patch {name!r}: {type(err).__name__}: {_one_line(err)}") from err
        if not all(math.isfinite(v) for v in values):
            raise SimulationError(f"pyhf_workspace: hypotest for patch {name!r} returned non-finite CLs {values[0]} (expected {values[3:]})")
        extras = {"clsb": values[1], "clb": values[2], "fit_ok": 1.0, "patch_index": float(index)}
        for k, n in enumerate(EXPECTED_NAMES):
            extras[n] = min(max(values[3 + k], 0.0), 1.0)
            if self.calctype == "toybased":
                extras[f"{n}_variance"] = variances[3 + k]
        return Observation(min(max(values[0], 0.0), 1.0), variances[0], extras)
