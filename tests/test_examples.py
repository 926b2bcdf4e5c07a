"""The README's Python example is examples/quickstart.py, verbatim, and it runs and finds the right labels."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _readme_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_readme_example_is_the_quickstart_script():
    assert _readme_blocks()[0] == (ROOT / "examples" / "quickstart.py").read_text()


@pytest.mark.ray
def test_quickstart_runs_and_labels_two_points_correctly(ray_local, capsys):
    ns = runpy.run_path(str(ROOT / "examples" / "quickstart.py"), run_name="__main__")
    result = ns["result"]
    assert result.n_evaluations <= 120
    # Independent check of the two printed labels with the exact (noise-free) CLs of the example's own model:
    # (300, 50): s = 2e4 exp(-300/90) (1 - 1/36) = 694 events >> b, CLs ~ 0 -> excluded;
    # (700, 100): s = 2e4 exp(-700/90) = 8.4 events on b = 10 with 12 observed -> CLs well above 0.05 -> allowed.
    from active_science.stats.counting import counting_cls

    truth = [float(counting_cls(n=12, s=2e4 * np.exp(-m / 90) * (1 - (l / m) ** 2), b=10).cls) < 0.05 for m, l in [(300, 50), (700, 100)]]
    assert truth == [True, False]
    np.testing.assert_array_equal(result.excluded([[300, 50], [700, 100]]), truth)
    assert capsys.readouterr().out.strip()


def test_readme_loop_example_runs():
    ns: dict = {}
    code = _readme_blocks()[1]
    setup = (ROOT / "examples" / "quickstart.py").read_text().split("result =")[0]  # the function and the space
    exec(compile(setup + code, "README.md", "exec"), ns)  # noqa: S102 - our own README, the point of the test
    loop = ns["loop"]
    assert loop.num_told == 4 and not loop.pending
