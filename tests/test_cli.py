"""The ``active-science`` command: bad input exits 2 with one line and writes nothing; run + resume; list."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from active_science.cli import main
from active_science.store import Store

GOOD = """
[study]
store = "scan.h5"
seed = 3

[objective]
simulator = "mass_plane"

[scan]
level = 0.05
strategy = "straddle"
batch_size = 3
max_evaluations = {budget}

[execution]
executor = "serial"
"""


def _write(tmp_path, text, name="c.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (GOOD.format(budget=9) + "\n[space]\ndims = { m_parent = [800, 100], m_lsp = [0, 600] }\n", "m_parent"),
        (GOOD.format(budget=9).replace('"straddle"', '"stradle"'), "stradle"),
        (GOOD.format(budget=9).replace('"mass_plane"', '"mass_plain"'), "mass_plain"),
        (GOOD.format(budget=9).replace("level = 0.05", "level = 1.5"), "level"),
        (GOOD.format(budget=9).replace("[scan]", "[scan"), "TOML"),
        (GOOD.format(budget=9).replace("seed = 3", "seed = 3\nsede = 4"), "sede"),
        (GOOD.format(budget=0), "max_evaluations"),
        ("", "[objective]"),
    ],
    ids=["inverted-bounds", "unknown-strategy", "unknown-simulator", "level-outside", "malformed-toml", "unknown-key", "zero-budget", "empty-file"],
)
def test_bad_config_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, text, fragment):
    cfg = _write(tmp_path, text)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["run", str(cfg), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert fragment.lower() in err.lower(), err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no study file (or anything else) was created


def test_run_then_resume_continues_without_repeating_and_refuses_to_overwrite(tmp_path, capsys):
    cfg = _write(tmp_path, GOOD.format(budget=9))
    assert main(["run", str(cfg), "--no-progress"]) == 0
    study = tmp_path / "scan.h5"
    with Store.open(study) as st:
        first_ids = np.sort(st.evaluations()["id"])
        first_values = st.evaluations()["value"][np.argsort(st.evaluations()["id"])]
    assert len(first_ids) == 9

    # an existing study is never overwritten without --force
    digest = _digest(study)
    capsys.readouterr()
    assert main(["run", str(cfg), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--force" in err and len(err.splitlines()) == 1
    assert _digest(study) == digest

    # resume with a bigger budget: the 9 finished simulations are kept, byte for byte, and not run again
    assert main(["resume", str(study), "--max-evaluations", "15", "--no-progress"]) == 0
    with Store.open(study) as st:
        ev = st.evaluations()
    ids = np.sort(ev["id"])
    assert len(ids) == len(set(ids.tolist())) == 15
    np.testing.assert_array_equal(ids[:9], first_ids)
    np.testing.assert_array_equal(ev["value"][np.argsort(ev["id"])][:9], first_values)


def test_resume_and_report_of_a_missing_or_foreign_file_exit_2(tmp_path, capsys):
    foreign = tmp_path / "notes.h5"
    foreign.write_bytes(b"not hdf5")
    digest = _digest(foreign)
    for argv in (["resume", str(tmp_path / "missing.h5")], ["resume", str(foreign)], ["report", str(foreign)]):
        assert main(argv) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert _digest(foreign) == digest


def test_demo_refuses_to_overwrite_and_bad_budget(tmp_path, capsys):
    (tmp_path / "scan.h5").write_bytes(b"precious")
    assert main(["demo", "--out", str(tmp_path), "--executor", "serial"]) == 2
    assert (tmp_path / "scan.h5").read_bytes() == b"precious"
    assert main(["demo", "--out", str(tmp_path / "new"), "--max-evaluations", "0", "--executor", "serial"]) == 2
    assert not (tmp_path / "new").exists()
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "mass_plane" in out and "band_entropy (default)" in out
