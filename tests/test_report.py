"""`active-science report`: a self-contained HTML page whose numbers match the study file and whose figures decode."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest

from active_science import ExclusionScan, ParameterSpace
from active_science.cli import main
from active_science.report import write_report
from active_science.store import Store


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[str, str] = {}
        self.images: list[str] = []
        self._cell: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "td" and "id" in a:
            self._cell = a["id"]
        if tag == "img":
            self.images.append(a["src"])

    def handle_data(self, data):
        if self._cell is not None:
            self.cells[self._cell] = data
            self._cell = None


def _objective(theta, seed):
    x, y = theta
    if x > 0.9:  # a deterministic failure region: recorded as failed evaluations, listed in the report
        raise RuntimeError("simulator crashed at large x")
    return float(np.exp(-4 * (x**2 + y**2)) + 1e-3)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    path = tmp_path_factory.mktemp("rep") / "study.h5"
    space = ParameterSpace({"x": (0.0, 1.0), "y": (0.0, 1.0)})
    ExclusionScan(_objective, space, level=0.05, strategy="sobol", batch_size=4, store=path, seed=2).run(max_evaluations=24)
    return path


def test_report_numbers_match_the_study_file_and_figures_are_pngs(study, tmp_path):
    page_path = write_report(study, out=tmp_path)
    page = _Page()
    page.feed(page_path.read_text())
    with Store.open(study) as st:
        ev = st.evaluations()
    # sobol points with x > 0.9: the failures the objective raised (independent count from the study's own points)
    assert int(page.cells["num_evaluations"]) == len(ev) == 24
    assert int(page.cells["num_failed"]) == int(np.sum(ev["status"] == 0)) > 0
    assert int(page.cells["num_ok"]) == int(np.sum(ev["status"] == 1))
    assert len(page.images) >= 2
    import matplotlib.image as mpimg

    for src in page.images:
        assert src.startswith("data:image/png;base64,")  # inline: the page is self-contained
        img = mpimg.imread(io.BytesIO(base64.b64decode(src.split(",", 1)[1])), format="png")
        assert img.shape[0] > 100 and img.shape[1] > 100 and img.std() > 0.01  # a real picture, not a blank


def test_report_cli_writes_the_page(study, tmp_path, capsys):
    assert main(["report", str(study), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "study_report.html").exists()
    assert "report written to" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless Chromium not installed (apt-get install chromium)")
def test_report_renders_in_headless_chromium(study, tmp_path):
    page_path = write_report(study, out=tmp_path)
    dom = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page_path.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    page = _Page()
    page.feed(dom)
    assert int(page.cells["num_evaluations"]) == 24 and len(page.images) >= 2
    shot = tmp_path / "shot.png"
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}", "--window-size=1000,1400", page_path.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    import matplotlib.image as mpimg

    img = mpimg.imread(shot)
    assert img.std() > 0.02  # the rendered page shows figures and tables, not a blank or error page
