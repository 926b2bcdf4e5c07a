"""A full disk in the middle of a scan: the CLI stops with a one-line error (exit 2, no crash), the study file keeps
every evaluation recorded before, and ``resume`` (with space again) ends exactly where an uninterrupted run ends.

The disk is "filled" with ``RLIMIT_FSIZE`` in the child process: writes past the limit fail with EFBIG as they fail
with ENOSPC on a full disk, so the test needs no special file system. Two paths are tested: the store's own check of
the room left (it stops while the file can still be closed cleanly), and, with that reserve set to 0, HDF5's own
failed write (the handle is then broken and the CLI exits without finalising it; HDF5 would crash doing so).
"""

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from active_science.cli import main
from active_science.disk_space import RESERVE_ENV
from active_science.store import Store

pytestmark = pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="needs POSIX RLIMIT_FSIZE")

#: HDF5's metadata flushes of these small study files measured < 130 kB: the reserve must cover one
RESERVE = 192 * 1024


def write_config(d: Path, name: str) -> Path:
    cfg = d / f"{name}.toml"
    cfg.write_text(
        f'[study]\nstore = "{name}.h5"\nseed = 3\n'
        '[objective]\nsimulator = "mass_plane"\noptions = { num_events = 200 }\n'
        '[scan]\nbatch_size = 4\nmax_evaluations = 8\nstrategy = "random"\n[execution]\nexecutor = "serial"\n'
    )
    return cfg


def run_with_file_size_limit(cfg: Path, limit: int, reserve: int) -> subprocess.CompletedProcess:
    def limit_file_size() -> None:  # runs in the child before exec
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write with EFBIG instead of killing the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "active_science.cli", "run", str(cfg), "--no-progress"],
        cwd=cfg.parent, capture_output=True, timeout=300, preexec_fn=limit_file_size,
        env={**os.environ, RESERVE_ENV: str(reserve)},
    )  # fmt: skip


def by_id(rows: np.ndarray) -> np.ndarray:
    return rows[np.argsort(rows["id"])]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    d = tmp_path_factory.mktemp("reference")
    assert main(["run", str(write_config(d, "ref")), "--no-progress"]) == 0
    with Store.open(d / "ref.h5") as st:
        return by_id(st.evaluations()), st.get_arrays("labels"), (d / "ref.h5").stat().st_size


def fill_disk_then_resume(tmp_path: Path, reference, name: str, limit: int, reserve: int) -> tuple[int, str]:
    ref_evals, ref_labels, _ = reference
    proc = run_with_file_size_limit(write_config(tmp_path, name), limit, reserve)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err[-2000:]  # a clean error exit (a segfault, -11, before the fix)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err[-2000:]
    with Store.open(tmp_path / f"{name}.h5") as st:  # the cut-short file opens read-only
        evals = by_id(st.evaluations())
    for row in evals:  # every record kept is the uninterrupted run's record of the same id
        ref = ref_evals[ref_evals["id"] == row["id"]][0]
        assert row["value"] == ref["value"] and row["status"] == ref["status"]
    assert main(["resume", str(tmp_path / f"{name}.h5"), "--no-progress"]) == 0
    with Store.open(tmp_path / f"{name}.h5") as st:
        np.testing.assert_array_equal(by_id(st.evaluations())["value"], ref_evals["value"])
        np.testing.assert_array_equal(st.get_arrays("labels")["excluded"], ref_labels["excluded"])
    return len(evals), err


def test_store_stops_before_the_disk_is_full_and_resume_completes_the_scan(tmp_path, reference):
    size = reference[2]
    kept, err = fill_disk_then_resume(tmp_path, reference, "guard", RESERVE + int(0.7 * size), RESERVE)
    assert "disk space (or file-size limit) left" in err and "resume" in err
    assert kept > 0  # the limit landed after some evaluations were recorded: they were kept


def test_a_failed_hdf5_write_exits_cleanly_and_loses_nothing(tmp_path, reference):
    kept, err = fill_disk_then_resume(tmp_path, reference, "hdf5", int(0.6 * reference[2]), 0)
    assert "cannot write to study file" in err and "File too large (disk full or quota?)" in err
