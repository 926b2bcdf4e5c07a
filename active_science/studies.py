"""Study kinds: what ``active-science run CONFIG.toml`` does for each ``study.kind``.

Each entry maps a kind to ``"module:function"``; the function takes ``(config_path, force: bool, progress: bool)``
and returns the CLI exit code. Modules are imported only when their kind is run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from active_science.config import read_toml
from active_science.exceptions import ConfigError
from active_science.registry import resolve_entry_point

__all__ = ["STUDY_KINDS", "RESUMERS", "run_config", "resume_study"]

#: kind -> "module:function(config_path, *, force, progress) -> exit code"
STUDY_KINDS: dict[str, str] = {
    "exclusion_scan": "active_science.scan_cli:run_scan_config",
    "design_study": "active_science.design_cli:run_design_config",
    "ratio_scan": "active_science.ratio_scan_cli:run_ratio_config",
}

#: kind -> "module:function(study_path, *, max_evaluations, executor, address, progress) -> exit code"
RESUMERS: dict[str, str] = {
    "exclusion_scan": "active_science.scan_cli:resume_scan",
    "design_study": "active_science.design_cli:resume_design",
    "ratio_scan": "active_science.ratio_scan_cli:resume_ratio",
}


def run_config(path: str | Path, *, force: bool, progress: bool) -> int:
    data = read_toml(path)
    study = data.get("study", {})
    kind = study.get("kind", "exclusion_scan") if isinstance(study, Mapping) else None
    if not isinstance(kind, str) or kind not in STUDY_KINDS:  # e.g. kind = [] in the TOML
        raise ConfigError(f"study.kind = {kind!r} is unknown; valid kinds: {', '.join(sorted(STUDY_KINDS))}")
    runner: Any = resolve_entry_point(STUDY_KINDS[kind])
    return int(runner(Path(path), force=force, progress=progress))


def resume_study(path: str | Path, *, max_evaluations: int | None, executor: str | None, address: str | None, progress: bool) -> int:
    from active_science.store import Store

    with Store.open(path) as st:
        kind = st.kind
    if kind not in RESUMERS:
        raise ConfigError(f"{str(path)!r} holds a {kind!r} study, which cannot be resumed; resumable kinds: {', '.join(sorted(RESUMERS))}")
    resumer: Any = resolve_entry_point(RESUMERS[kind])
    return int(resumer(Path(path), max_evaluations=max_evaluations, executor=executor, address=address, progress=progress))
