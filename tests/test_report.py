"""`active-science report`: a self-contained HTML page whose numbers match the study file and whose figures decode."""

from __future__ import annotations

import base64
import io
import json
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


@pytest.fixture(scope="module")
def scan_page(study, tmp_path_factory):
    """The page, written once through the CLI (each report refits the scan's GP: seconds on a loaded machine)."""
    out = tmp_path_factory.mktemp("page")
    assert main(["report", str(study), "--out", str(out)]) == 0
    return out / "study_report.html"


@pytest.fixture(scope="module")
def design_run(tmp_path_factory):
    from active_science.design import DesignStudy
    from active_science.design_eig import EIGSettings
    from active_science.experiment import FixedEvents
    from active_science.priors import UniformPrior

    path = tmp_path_factory.mktemp("design") / "design.h5"
    result = DesignStudy(
        "weinberg", prior=UniformPrior({"sin2w": (0.21, 0.25)}), cost=FixedEvents(500), eig=EIGSettings("nested", num_outer=20, num_inner=50),
        evaluations_per_experiment=3, num_experiments=2, strategy_options={"num_initial": 3}, true_theta=[0.2312], seed=0, store=path,
    ).run()  # fmt: skip
    return path, result


@pytest.fixture(scope="module")
def ratio_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("ratio")
    cfg = d / "r.toml"
    cfg.write_text('[study]\nkind = "ratio_scan"\ntask = "galton"\nmax_rounds = 2\nstore = "ratio.h5"\nensemble_size = 2\nmax_epochs = 5\ngrid_size = 61\n')
    assert main(["run", str(cfg)]) == 0
    return d / "ratio.h5"


def _parse(path):
    page = _Page()
    page.feed(path.read_text())
    return page


def _decode(src):
    import matplotlib.image as mpimg

    assert src.startswith("data:image/png;base64,")  # inline: the page is self-contained
    return mpimg.imread(io.BytesIO(base64.b64decode(src.split(",", 1)[1])), format="png")


def test_report_numbers_match_the_study_file_and_figures_are_pngs(study, scan_page):
    page = _parse(scan_page)
    with Store.open(study) as st:
        ev = st.evaluations()
    # sobol points with x > 0.9: the failures the objective raised (independent count from the study's own points)
    assert int(page.cells["num_evaluations"]) == len(ev) == 24
    assert int(page.cells["num_failed"]) == int(np.sum(ev["status"] == 0)) > 0
    assert int(page.cells["num_ok"]) == int(np.sum(ev["status"] == 1))
    # share of the unit square excluded: exp(-4 r^2) + 1e-3 < 0.05 outside r = 0.874, i.e. 1 - pi 0.874^2 / 4 = 0.40;
    # the GP learnt it from 24 points (some failed), so +-0.1
    assert abs(float(page.cells["excluded_fraction"]) - (1 - np.pi * np.log(1 / 0.049) / 4 / 4)) < 0.1
    assert len(page.images) >= 2
    for src in page.images:
        img = _decode(src)
        assert img.shape[0] > 100 and img.shape[1] > 100 and img.std() > 0.01  # a real picture, not a blank


def test_report_cli_writes_the_page(design_run, tmp_path, capsys):
    assert main(["report", str(design_run[0]), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "design_report.html").exists()
    assert main(["report", str(design_run[0]), "--out", str(tmp_path)]) == 0  # rewriting an existing page is fine
    assert "report written to" in capsys.readouterr().out


def test_design_report_shows_the_experiments_the_study_ran(design_run, tmp_path):
    path, result = design_run
    page = _parse(write_report(path, out=tmp_path))
    assert page.cells["kind"] == "design_study" and "uncertain_fraction" not in page.cells
    assert int(page.cells["num_experiments"]) == 2
    # the designs and the final posterior the study returned (not read back through the report's own path)
    assert json.loads(page.cells["chosen_designs"]) == pytest.approx(result.designs[:, 0].tolist(), abs=1e-6)
    assert json.loads(page.cells["posterior_sd"]) == pytest.approx(result.posterior_sd[-1].tolist(), abs=1e-6)
    assert len(page.images) == 3  # EIG curves, posteriors, chosen designs (design_plots.design_study_figures)
    assert all(_decode(src).std() > 0.01 for src in page.images)


def test_ratio_scan_report_scores_the_scan_against_the_exact_likelihood(ratio_run, tmp_path):
    from active_science.ratio.estimator import RatioEstimator
    from active_science.ratio_scan import balanced_accuracy
    from active_science.ratio_scan_tasks import ratio_task
    from active_science.report_sections import SECTIONS

    page = _parse(write_report(ratio_run, out=tmp_path))
    task = ratio_task("galton", grid_size=61)
    with Store.open(ratio_run) as st:
        excluded = st.get_arrays("state")["excluded"].astype(bool)
        section = SECTIONS["ratio_scan"](st)
        est = RatioEstimator.load(st, "estimator")
    assert float(page.cells["balanced_accuracy"]) == pytest.approx(balanced_accuracy(excluded, task.excluded))
    assert int(page.cells["num_events"]) == 2 * 100 * (3 + 1)  # 3 initial points + 1 per later round, x2 with theta_ref
    assert len(page.images) == 3
    # the diagnostics scatter: exact log r from the board's forward recursion, estimate from the stored weights
    theta = np.array(json.loads(page.cells["diagnostic_theta"]))
    offsets = section.figures[-1][1].axes[0].collections[0].get_offsets()
    x = offsets[:, 0]
    board = task.simulator
    positions = np.unique(np.round(x, 12))
    assert len(positions) <= board.n_nails  # one value of log r per final position
    p_theta, p_ref = board.probabilities(theta[None, :])[0], board.probabilities(est.theta_ref[None, :])[0]
    exact_values = np.log(p_theta[p_ref > 0]) - np.log(p_ref[p_ref > 0])
    assert np.all(np.min(np.abs(x[:, None] - exact_values[None, :]), axis=1) < 1e-9)
    assert float(page.cells["mse_log_r"]) == pytest.approx(np.mean((offsets[:, 1] - offsets[:, 0]) ** 2))


@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless Chromium not installed (apt-get install chromium)")
def test_reports_render_in_headless_chromium(scan_page, design_run, ratio_run, tmp_path):
    import matplotlib.image as mpimg

    pages = [(scan_page, 2, "num_evaluations", "24"), (write_report(design_run[0], out=tmp_path), 3, "num_experiments", "2"),
             (write_report(ratio_run, out=tmp_path), 3, "task", "galton")]  # fmt: skip
    for k, (page_path, n_images, cell, value) in enumerate(pages):
        dom = subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page_path.as_uri()],
            capture_output=True, text=True, timeout=120, check=True,
        ).stdout  # fmt: skip
        page = _Page()
        page.feed(dom)
        assert page.cells[cell] == value and len(page.images) >= n_images
        shot = tmp_path / f"shot{k}.png"
        subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}", "--window-size=1000,1400", page_path.as_uri()],
            capture_output=True, timeout=120, check=True,
        )  # fmt: skip
        assert mpimg.imread(shot).std() > 0.02  # the rendered page shows figures and tables, not a blank or error page


def test_a_study_whose_figures_fail_still_gets_a_page_naming_the_error(tmp_path):
    path = tmp_path / "odd.h5"
    # a ratio scan whose file names a task that does not exist: the numbers and tables are still reported
    with Store.create(path, kind="ratio_scan", config={"study": {"task": "nonexistent"}}, param_names=["theta"]) as st:
        st.put_arrays("estimator", 0, {"w": np.zeros(1)})
        st.put_arrays("state", 0, {"n_events": np.array(10), "changed": np.array(1.0), "excluded": np.zeros(3)})
    page = _parse(write_report(path, out=tmp_path))
    assert "nonexistent" in page.cells["figures_error"] and page.cells["kind"] == "ratio_scan"
    assert not page.images
    other = tmp_path / "other.h5"
    Store.create(other, kind="some_future_kind", config={}, param_names=["x"]).close()
    assert _parse(write_report(other, out=tmp_path)).cells["kind"] == "some_future_kind"
