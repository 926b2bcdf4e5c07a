"""StageStore: one experiment's design loop as a view of the study file, so every stage reuses LoopRunner as is.

A sequential design study runs one ActiveLoop per experiment (the EIG of the next experiment changes once the
posterior does, so old EIG values must not train the new GP). Each loop numbers its proposals and rounds from 0;
the view shifts them into a disjoint range of the one study file (proposal ids by ``stage * ID_STRIDE``, rounds by
``stage * ROUND_STRIDE``, array keys prefixed ``stage<k>/``), and reads back only its own stage, un-shifted. The
runner's resume logic therefore works per stage without change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from active_science.evaluation import Evaluation, Proposal
from active_science.exceptions import InvalidInputError
from active_science.store import Store

__all__ = ["StageStore", "ID_STRIDE", "ROUND_STRIDE"]

#: proposals per stage and rounds per stage the id/round offsets leave room for
ID_STRIDE = 1_000_000
ROUND_STRIDE = 100_000


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
