"""Tiny pyhf workspaces with closed-form CLs (SCIENCE.md section 5), written to disk as workspace + PatchSet files.

A single-bin counting experiment: a background of ``background`` events (known, or with an uncorrelated
uncertainty ``background_uncertainty`` as in ``pyhf.simplemodels.uncorrelated_background``), ``observed`` events,
and one patch per signal yield adding a signal sample scaled by the POI ``mu``. They test the pyhf simulator against
the closed forms in milliseconds, and show how to build a PatchSet.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["counting_workspace", "counting_patchset", "write_counting_workspace"]


def counting_workspace(*, observed: float, background: float, background_uncertainty: float | None = None) -> dict[str, Any]:
    """Background-only single-bin workspace spec (POI ``mu``, added by the patches' signal sample).

    Example:
        >>> counting_workspace(observed=10, background=10.0)["observations"]
        [{'name': 'SR', 'data': [10.0]}]
    """
    modifiers: list[dict[str, Any]] = []
    if background_uncertainty is not None:
        modifiers.append({"name": "uncorr_bkguncrt", "type": "shapesys", "data": [float(background_uncertainty)]})
    return {
        "channels": [{"name": "SR", "samples": [{"name": "background", "data": [float(background)], "modifiers": modifiers}]}],
        "observations": [{"name": "SR", "data": [float(observed)]}],
        "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0",
    }


def counting_patchset(
    workspace: Mapping[str, Any],
    signals: Mapping[str, float],
    *,
    values: Mapping[str, Sequence[float]] | None = None,
    labels: Sequence[str] = ("signal",),
) -> dict[str, Any]:
    """A PatchSet spec adding a signal sample of yield ``signals[name]`` per patch.

    Args:
        workspace: the background-only spec (its digest is recorded).
        signals: patch name -> signal yield at ``mu = 1``.
        values: patch name -> its coordinates under ``labels`` (default: ``(signal yield,)``).
        labels: names of the coordinates.
    """
    import pyhf

    patches = []
    for name, s in signals.items():
        sample = {"name": "signal", "data": [float(s)], "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]}
        vals = list(values[name]) if values is not None else [float(s)]
        patches.append(
            {"metadata": {"name": name, "values": vals}, "patch": [{"op": "add", "path": "/channels/0/samples/0", "value": sample}]}
        )
    return {
        "metadata": {
            "name": "counting",
            "references": {"hepdata": "ins0000000"},
            "description": "single-bin counting experiment (active-science test fixture)",
            "digests": {"sha256": pyhf.utils.digest(dict(workspace))},
            "labels": list(labels),
        },
        "patches": patches,
        "version": "1.0.0",
    }


def write_counting_workspace(
    directory: str | os.PathLike[str],
    *,
    observed: float,
    background: float,
    signals: Mapping[str, float],
    background_uncertainty: float | None = None,
    values: Mapping[str, Sequence[float]] | None = None,
    labels: Sequence[str] = ("signal",),
) -> tuple[str, str]:
    """Write ``BkgOnly.json`` and ``patchset.json`` into ``directory``; returns their paths.

    Example:
        >>> import tempfile
        >>> ws, ps = write_counting_workspace(tempfile.mkdtemp(), observed=3, background=6.0, signals={"a": 4.0})
        >>> Path(ws).name, Path(ps).name
        ('BkgOnly.json', 'patchset.json')
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    ws = counting_workspace(observed=observed, background=background, background_uncertainty=background_uncertainty)
    ps = counting_patchset(ws, signals, values=values, labels=labels)
    (d / "BkgOnly.json").write_text(json.dumps(ws), encoding="utf-8")
    (d / "patchset.json").write_text(json.dumps(ps), encoding="utf-8")
    return str(d / "BkgOnly.json"), str(d / "patchset.json")
