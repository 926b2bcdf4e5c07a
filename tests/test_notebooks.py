"""Every notebook in notebooks/ runs top to bottom with SMOKE_TEST=1 (small budgets); its cells assert its figures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
#: the published ATLAS likelihood lives outside the repository (override with ACTIVE_SCIENCE_ATLAS_DIR)
ATLAS_DIR = Path(os.environ.get("ACTIVE_SCIENCE_ATLAS_DIR", Path(__file__).resolve().parents[2] / "shared/data/atlas_susy_2018_06_3L_eRJR"))
#: notebook -> (file it needs, why the test skips without it)
NEEDS = {"02_atlas_erjr_scan": (ATLAS_DIR / "pyhf_cls_vs_official_ul.json", f"ATLAS data not found in {ATLAS_DIR}")}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    needed, reason = NEEDS.get(path.stem, (None, ""))
    if needed is not None and not needed.is_file():
        pytest.skip(reason)
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("SMOKE_TEST", "1")
    # the notebooks' own tempfile.mkdtemp() folders go to tmp_path (pruned by pytest) instead of /tmp; Ray's session
    # folder stays in /tmp (it would take TMPDIR, and its socket paths must stay under 108 characters)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("RAY_TMPDIR", "/tmp")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    # the last figure cell produced an image
    assert any("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 2, os.listdir(NOTEBOOKS[0].parent if NOTEBOOKS else ".")
