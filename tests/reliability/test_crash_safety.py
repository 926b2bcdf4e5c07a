"""Crash safety of a CLI scan: ``kill -9`` of the driver at random moments, and Ctrl-C (SIGINT).

Each trial runs ``python -m active_science.cli run CONFIG`` in a subprocess. The simulator journals every finished
simulation (its seed) to a side file, an independent record of what finished before the kill. After the kill the
study file must open, hold every journaled simulation (the serial executor has at most one in flight: it may have
finished simulating but not been recorded yet), and ``resume`` must end exactly where an uninterrupted run with the
same seed ends (same proposals, values and final labels).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from active_science.cli import main
from active_science.store import Store

SIMULATOR = "active_science.simulators.faulty:JournaledMassPlane"


# default runs: a model-free strategy and 2 rounds (the GP is still fitted and summarised every round); the slow
# run uses the GP straddle strategy, whose proposals depend on every stored result
FAST = {"strategy": "random", "budget": 8}
FULL = {"strategy": "straddle", "budget": 12}


def write_config(directory: Path, name: str, strategy: str, budget: int) -> Path:
    cfg = directory / f"{name}.toml"
    cfg.write_text(
        f'[study]\nstore = "{name}.h5"\nseed = 4\n'
        f'[objective]\nsimulator = "{SIMULATOR}"\noptions = {{ journal = "{directory / (name + ".journal")}", num_events = 500 }}\n'
        f'[scan]\nbatch_size = 4\nmax_evaluations = {budget}\nstrategy = "{strategy}"\n'
        '[execution]\nexecutor = "serial"\n'
    )
    return cfg


def journal(directory: Path, name: str) -> list[int]:
    path = directory / f"{name}.journal"
    return [int(s) for s in path.read_text().split()] if path.exists() else []


def snapshot(path: Path) -> dict:
    with Store.open(path) as st:
        props, evals = st.proposals(), st.evaluations()
        labels = st.get_arrays("labels") if "labels" in st.array_keys() else {}
        kinds = [k.decode() for k in st.events()["kind"]]
    return {"props": props, "evals": evals[np.argsort(evals["id"])], "labels": labels, "events": kinds}


_REFERENCES: dict = {}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Uninterrupted runs with the same seed, made once per setting."""

    def get(setting: dict) -> dict:
        key = tuple(sorted(setting.items()))
        if key not in _REFERENCES:
            d = tmp_path_factory.mktemp("reference")
            assert main(["run", str(write_config(d, "ref", **setting)), "--no-progress"]) == 0
            _REFERENCES[key] = snapshot(d / "ref.h5")
        return _REFERENCES[key]

    return get


def start(cfg: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "active_science.cli", "run", str(cfg), "--no-progress"],
        cwd=cfg.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def wait_for_journal(d: Path, name: str, n: int, proc: subprocess.Popen, limit: float = 240.0) -> None:
    t0 = time.monotonic()
    while len(journal(d, name)) < n:
        assert proc.poll() is None, f"the scan ended before {n} simulations: {proc.stderr.read().decode()[-2000:]}"
        assert time.monotonic() - t0 < limit, "scan too slow"
        time.sleep(0.05)


def check_recovered_and_resumed(d: Path, name: str, reference: dict, budget: int) -> int:
    """The killed file opens, holds every journaled simulation, and resumes to the reference result."""
    done = journal(d, name)
    with Store.open(d / f"{name}.h5") as st:  # opens read-only, with no recovery step
        props, evals = st.proposals(), st.evaluations()
    seed_of = dict(zip(props["id"].tolist(), props["seed"].tolist()))
    recorded = [seed_of[i] for i in evals["id"].tolist()]
    assert len(set(evals["id"].tolist())) == len(evals)  # no duplicated record
    missing = [s for s in done if s not in recorded]
    assert missing in ([], done[-1:]), (missing, done)  # at most the one in flight at the kill
    # every stored record equals the uninterrupted run's record of the same id (nothing half-written)
    ref = reference["evals"]
    for row in evals:
        r = ref[ref["id"] == row["id"]][0]
        assert row["status"] == r["status"] and (row["value"] == r["value"] or np.isnan(r["value"])), (row, r)
    assert main(["resume", str(d / f"{name}.h5"), "--no-progress"]) == 0
    got = snapshot(d / f"{name}.h5")
    np.testing.assert_array_equal(got["props"]["theta"], reference["props"]["theta"])
    np.testing.assert_array_equal(got["evals"]["id"], reference["evals"]["id"])
    np.testing.assert_array_equal(got["evals"]["value"], reference["evals"]["value"])
    np.testing.assert_array_equal(got["labels"]["excluded"], reference["labels"]["excluded"])
    np.testing.assert_allclose(got["labels"]["p_excluded"], reference["labels"]["p_excluded"], atol=1e-6)  # float32
    # no simulation was run twice: the journal of the resumed study holds each of the budget's seeds once
    assert sorted(journal(d, name)) == sorted(set(journal(d, name))) or len(missing) == 1
    assert len(set(journal(d, name))) == budget
    return len(evals)


def kill_trials(reference, tmp_path, setting: dict, trials: int, seed: int) -> list[int]:
    ref = reference(setting)
    rng = np.random.default_rng(seed)
    recorded = []
    for k in range(trials):
        name = f"kill{k}"
        proc = start(write_config(tmp_path, name, **setting))
        # at least 4 evaluations still to run when the wait ends: a kill 0-0.8 s later lands mid-scan even on a quiet
        # machine (with up to 10 of 12 done and 1.5 s, half the kills came after the scan had finished)
        wait_for_journal(tmp_path, name, int(rng.integers(1, max(setting["budget"] - 4, 2))), proc)
        time.sleep(float(rng.uniform(0.0, 0.8)))  # a random moment: simulating, fitting, proposing or writing
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
        if proc.returncode != -signal.SIGKILL:  # finished before the kill landed: nothing to recover
            continue
        recorded.append(check_recovered_and_resumed(tmp_path, name, ref, setting["budget"]))
    return recorded


def test_kill_minus_9_at_random_moments_loses_nothing_and_resumes_identically(reference, tmp_path):
    recorded = kill_trials(reference, tmp_path, FAST, trials=2, seed=0)
    assert len(recorded) >= 1  # the kills really landed mid-scan


@pytest.mark.slow
def test_kill_minus_9_many_trials(reference, tmp_path):
    recorded = kill_trials(reference, tmp_path, FULL, trials=6, seed=1)
    assert len(recorded) >= 4


def test_ctrl_c_stops_cleanly_after_writing_what_finished(reference, tmp_path):
    ref = reference(FAST)
    proc = start(write_config(tmp_path, "sigint", **FAST))
    wait_for_journal(tmp_path, "sigint", 3, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err.decode()[-2000:]
    assert "interrupted: finished evaluations are saved" in err.decode() and "Traceback" not in err.decode()
    with h5py.File(tmp_path / "sigint.h5", "r"):  # closed cleanly: opens without SWMR and without recovery
        pass
    assert snapshot(tmp_path / "sigint.h5")["events"][-1] == "interrupted"
    check_recovered_and_resumed(tmp_path, "sigint", ref, FAST["budget"])


INTERRUPTING = '''
from active_science.simulators.mass_plane import MassPlane


class InterruptedInsideStringExec(MassPlane):
    """Sends itself SIGINT from code run by a string ``exec`` (as when Ctrl-C lands inside a namedtuple or
    dataclass definition during a lazy import), on the third simulation."""

    calls = 0

    def simulate(self, theta, *, seed, **kwargs):
        type(self).calls += 1
        if type(self).calls == 3:  # the SIGINT handler runs inside the exec'd code and raises there
            exec("import os, signal; os.kill(os.getpid(), signal.SIGINT); [0 for i in range(10**7)]", {})
        return super().simulate(theta, seed=seed, **kwargs)
'''


def test_ctrl_c_inside_a_string_exec_still_exits_130(tmp_path):
    # CPython remembers a KeyboardInterrupt that ended a string exec and, under `python -m`, re-raises SIGINT at
    # exit (status -2) even when the CLI handled it; the CLI's own SIGINT handler raises a subclass, which does not
    # set the flag (this failed once in CI, by timing)
    (tmp_path / "interrupting.py").write_text(INTERRUPTING)
    cfg = tmp_path / "x.toml"
    cfg.write_text(
        '[study]\nstore = "x.h5"\nseed = 1\n'
        '[objective]\nsimulator = "interrupting:InterruptedInsideStringExec"\noptions = { num_events = 200 }\n'
        '[scan]\nbatch_size = 2\nmax_evaluations = 6\nstrategy = "random"\n[execution]\nexecutor = "serial"\n'
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-m", "active_science.cli", "run", str(cfg), "--no-progress"],
        cwd=tmp_path, env=env, capture_output=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 130, proc.stderr.decode()[-2000:]
    assert "interrupted: finished evaluations are saved" in proc.stderr.decode()
    assert snapshot(tmp_path / "x.h5")["events"][-1] == "interrupted"
