"""StageStore: one experiment's design loop as a view of the study file, so every stage reuses LoopRunner as is.

A sequential design study runs one ActiveLoop per experiment (the EIG of the next experiment changes once the
posterior does, so old EIG values must not train the new GP). Each loop numbers its proposals and rounds from 0;
the view shifts them into a disjoint range of the one study file (proposal ids by ``stage * ID_STRIDE``, rounds by
``stage * ROUND_STRIDE``, array keys prefixed ``stage<k>/``), and reads back only its own stage, un-shifted. The
runner's resume logic therefore works per stage without change.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from active_science.design_result import DesignResult, EIGCurve
from active_science.evaluation import Evaluation, Proposal
from active_science.exceptions import InvalidInputError, StoreError
from active_science.experiment import ExperimentData, cost_model_from_config
from active_science.posterior import ParticlePosterior
from active_science.priors import prior_from_config
from active_science.store import Store

__all__ = ["StageStore", "ID_STRIDE", "ROUND_STRIDE", "KIND", "SeedKind", "stage_seed", "read_design_result"]

#: the ``kind`` of a design-study file
KIND = "design_study"

#: proposals per stage and rounds per stage the id/round offsets leave room for
ID_STRIDE = 1_000_000
ROUND_STRIDE = 100_000


class SeedKind:
    """What a derived seed is for (the second entry of the study's ``SeedSequence`` key)."""

    LOOP, EXPERIMENT, MOVE, BELIEF, PRIOR, CLASSIFIER, CALIBRATION = range(7)


def stage_seed(seed: int, kind: int, stage: int) -> int:
    """The seed of one random part (``SeedKind``) of one stage of a study with seed ``seed`` (a 63-bit integer).

    Example:
        >>> stage_seed(0, SeedKind.PRIOR, 0) == stage_seed(0, SeedKind.PRIOR, 0) != stage_seed(1, SeedKind.PRIOR, 0)
        True
    """
    return int(np.random.SeedSequence([int(seed), int(kind), int(stage)]).generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def read_design_result(store: Store | str | os.PathLike[str]) -> DesignResult:
    """The ``DesignResult`` of a (finished or partly run) design study, read from its study file.

    Needs neither the simulator nor the experiment function: the EIG curves, experiments and posteriors are in the
    file, and the prior particles are re-drawn from the stored prior and seed (as the study drew them).

    Args:
        store: an open ``Store`` or the path of the study file (opened read-only and closed again).

    Example:
        >>> import os, tempfile
        >>> from active_science.design import DesignStudy
        >>> from active_science.design_eig import EIGSettings
        >>> from active_science.experiment import FixedEvents
        >>> path = os.path.join(tempfile.mkdtemp(), "d.h5")
        >>> study = DesignStudy("weinberg", prior={"sin2w": [0.21, 0.25]}, cost=FixedEvents(200),
        ...                     eig=EIGSettings("nested", num_outer=20, num_inner=50), evaluations_per_experiment=3,
        ...                     num_experiments=1, true_theta=[0.2312], num_particles=500, store=path,
        ...                     strategy_options={"num_restarts": 1, "raw_samples": 32, "mc_samples": 32})
        >>> ran = study.run()
        >>> back = read_design_result(path)
        >>> bool(np.array_equal(back.designs, ran.designs) and np.array_equal(back.posterior_sd, ran.posterior_sd))
        True
    """
    if not isinstance(store, Store):
        with Store.open(store) as st:
            return read_design_result(st)
    if store.kind != KIND:
        raise StoreError(f"{store.path!r} holds a {store.kind!r} study, not a design study; read it with its own study class")
    cfg = store.config
    prior = prior_from_config(cfg["prior"])
    names = tuple(prior.names)
    start = ParticlePosterior.from_samples(prior.sample(int(cfg["num_particles"]), stage_seed(cfg["seed"], SeedKind.PRIOR, 0)), names=names)
    curves, experiments, beliefs = [], [], [start]
    keys = store.array_keys()
    for k in store.array_rounds("posterior") if "posterior" in keys else []:
        exp = store.get_arrays("experiment", k)
        experiments.append(ExperimentData(exp["design"], exp["x"] if exp["x"].ndim == 2 else exp["x"].reshape(-1, 1)))
        post = store.get_arrays("posterior", k)
        beliefs.append(ParticlePosterior(post["particles"], post["log_weights"], names))
        curves.append(EIGCurve.from_arrays(store.get_arrays("eig_curve", k)))
    true_theta = None if cfg.get("true_theta") is None else np.asarray(cfg["true_theta"], dtype=float)
    return DesignResult(names, tuple(store.param_names), cost_model_from_config(cfg["cost"]), tuple(curves), tuple(experiments),
                        tuple(beliefs), true_theta, sum(len(c.values) for c in curves), 0.0, getattr(store, "path", None))  # fmt: skip


class StageStore:
    """The part of a study file that belongs to stage (experiment) ``stage``; duck-types ``Store`` for LoopRunner.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "d.h5")
        >>> with Store.create(path, kind="demo", config={}, param_names=["sqrt_s"]) as st:
        ...     StageStore(st, 2).add_proposal(Proposal(id=0, theta=np.array([90.0]), seed=1, round=0))
        ...     (int(st.proposals()["id"][0]), len(StageStore(st, 2).proposals()), len(StageStore(st, 1).proposals()))
        (2000000, 1, 0)
    """

    def __init__(self, store: Store, stage: int) -> None:
        if isinstance(stage, bool) or not isinstance(stage, (int, np.integer)) or stage < 0:
            raise InvalidInputError(f"stage={stage!r} must be an integer >= 0")
        self.store = store
        self.stage = int(stage)
        self.id_offset = self.stage * ID_STRIDE
        self.round_offset = self.stage * ROUND_STRIDE

    def _check_id(self, pid: int) -> None:
        if not 0 <= pid < ID_STRIDE:
            raise InvalidInputError(f"proposal id {pid} does not fit in a stage (max {ID_STRIDE - 1})")

    # ----------------------------------------------------------------------------------------------- writing
    def add_proposal(self, p: Proposal) -> None:
        self._check_id(p.id)
        self.store.add_proposal(dataclasses.replace(p, id=p.id + self.id_offset, round=p.round + self.round_offset))

    def add_evaluation(self, e: Evaluation) -> None:
        self._check_id(e.id)
        self.store.add_evaluation(dataclasses.replace(e, id=e.id + self.id_offset))

    def add_round(self, **summary: Any) -> None:
        summary["round"] = int(summary.get("round", 0)) + self.round_offset
        self.store.add_round(**summary)

    def log_event(self, kind: str, message: str = "") -> None:
        self.store.log_event(kind, f"experiment {self.stage}: {message}")

    def put_arrays(self, key: str, round: int, arrays: Mapping[str, Any]) -> None:
        self.store.put_arrays(f"stage{self.stage}/{key}", round, arrays)

    # ----------------------------------------------------------------------------------------------- reading
    def _own(self, rows: np.ndarray, field: str, offset: int, stride: int) -> np.ndarray:
        sel = rows[(rows[field] >= offset) & (rows[field] < offset + stride)].copy()
        sel[field] -= offset
        return sel

    def proposals(self) -> np.ndarray:
        rows = self._own(self.store.proposals(), "id", self.id_offset, ID_STRIDE)
        rows["round"] -= self.round_offset
        return rows

    def evaluations(self) -> np.ndarray:
        return self._own(self.store.evaluations(), "id", self.id_offset, ID_STRIDE)

    def rounds(self) -> np.ndarray:
        return self._own(self.store.rounds(), "round", self.round_offset, ROUND_STRIDE)

    def get_arrays(self, key: str, round: int | None = None) -> dict[str, np.ndarray]:
        return self.store.get_arrays(f"stage{self.stage}/{key}", round)
