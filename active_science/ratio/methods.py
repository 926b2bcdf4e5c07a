"""The ratio-estimation methods (SCIENCE.md section 3): which loss and which gold each one needs.

| method | loss                                     | gold needed        |
|--------|------------------------------------------|--------------------|
| carl   | cross-entropy on labels                  | none               |
| rolr   | ratio regression (r for y=1, 1/r for y=0) | log_r_xz           |
| alice  | cross-entropy on soft labels 1/(1+r_xz)   | log_r_xz           |
| cascal | carl  + alpha * score regression          | t_xz               |
| rascal | rolr  + alpha * score regression          | log_r_xz, t_xz     |
| alices | alice + alpha * score regression          | log_r_xz, t_xz     |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from active_science.exceptions import InvalidInputError

__all__ = ["MethodName", "MethodSpec", "METHODS", "method_spec"]

MethodName = Literal["carl", "rolr", "cascal", "rascal", "alice", "alices"]


@dataclass(frozen=True)
class MethodSpec:
    """One method: its base loss and whether it adds the score term."""

    name: str
    base: Literal["carl", "rolr", "alice"]
    uses_score: bool

    @property
    def needs_log_r(self) -> bool:
        return self.base != "carl"

    @property
    def needs_gold(self) -> bool:
        return self.needs_log_r or self.uses_score


METHODS: dict[str, MethodSpec] = {
    "carl": MethodSpec("carl", "carl", False),
    "rolr": MethodSpec("rolr", "rolr", False),
    "alice": MethodSpec("alice", "alice", False),
    "cascal": MethodSpec("cascal", "carl", True),
    "rascal": MethodSpec("rascal", "rolr", True),
    "alices": MethodSpec("alices", "alice", True),
}


def method_spec(name: str) -> MethodSpec:
    """Look a method up by name.

    Example:
        >>> method_spec("rascal").needs_log_r, method_spec("rascal").uses_score
        (True, True)
    """
    if name not in METHODS:
        raise InvalidInputError(f"unknown ratio method {name!r}; valid methods: {', '.join(METHODS)} (sally/sallino: ScoreEstimator)")
    return METHODS[name]
