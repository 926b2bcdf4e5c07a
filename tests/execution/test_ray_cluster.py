"""A real two-node Ray cluster on this machine (``ray start --head`` + ``ray start --address=...``, both on
127.0.0.1): a scan runs through ``address=``; killing the second node mid-scan loses no evaluation.

Both nodes run ``ray start --block`` in their own process group, so this test stops exactly the processes it
started (never ``ray stop``, which would stop every Ray instance of the user, including other jobs' clusters).
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import active_science as asci
from active_science import ExclusionScan, ParameterSpace, RetryPolicy, Store

pytestmark = [pytest.mark.ray, pytest.mark.slow]

RAY = str(Path(sys.executable).with_name("ray"))
# a throw-away cluster on the loopback interface: Ray's token authentication off for it (and its driver)
ENV = {**os.environ, "RAY_AUTH_MODE": "disabled"}
BUDGET = 12


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_node(*args: str, tmp: Path, name: str) -> subprocess.Popen:
    ports = [
        f"--dashboard-agent-listen-port={free_port()}", f"--dashboard-agent-grpc-port={free_port()}",
        f"--runtime-env-agent-port={free_port()}", f"--metrics-export-port={free_port()}",
        f"--node-manager-port={free_port()}", f"--object-manager-port={free_port()}",
    ]  # fmt: skip
    with open(tmp / f"{name}.log", "wb") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [RAY, "start", "--block", "--node-ip-address=127.0.0.1", "--num-cpus=1", "--object-store-memory=80000000",
             "--disable-usage-stats", *ports, *args],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=ENV,
        )  # fmt: skip


def kill_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)  # the group this test created with start_new_session
    except ProcessLookupError:
        pass


def descendants(pid: int) -> list:
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def kill_node(proc: subprocess.Popen) -> None:
    """kill -9 a node: its ``ray start`` process, its raylet and every worker it spawned."""
    import psutil

    victims = [psutil.Process(proc.pid), *descendants(proc.pid)]
    kill_group(proc, signal.SIGKILL)
    for p in victims:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    proc.wait(timeout=30)


class Sleepy:
    """A CLs function taking ~1 s per call, journaling (node id, seed) when each call starts."""

    def __init__(self, journal: str) -> None:
        self.journal = journal

    def evaluate(self, theta, seed):
        import ray

        with open(self.journal, "a") as fh:
            fh.write(f"{ray.get_runtime_context().get_node_id()} {seed}\n")
        time.sleep(1.0)
        return asci.Observation(float(np.clip(0.05 * np.exp(3 * (theta[0] - 0.5)), 1e-6, 1.0)), 1e-6)


def test_scan_on_a_two_node_cluster_survives_losing_a_node(tmp_path, monkeypatch):
    import ray

    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    if ray.is_initialized():
        ray.shutdown()
    port = free_port()
    address = f"127.0.0.1:{port}"
    head = start_node("--head", f"--port={port}", "--include-dashboard=false", tmp=tmp_path, name="head")
    second = None
    try:
        deadline = time.monotonic() + 120
        while subprocess.run([RAY, "status", f"--address={address}"], capture_output=True, env=ENV).returncode != 0:
            assert head.poll() is None and time.monotonic() < deadline, (tmp_path / "head.log").read_text()[-3000:]
            time.sleep(1)
        second = start_node(f"--address={address}", tmp=tmp_path, name="second")
        journal = tmp_path / "journal.txt"
        scan = ExclusionScan(
            Sleepy(str(journal)), ParameterSpace({"x": (0.0, 1.0)}), seed=0, batch_size=2, executor="ray",
            address=address, store=tmp_path / "scan.h5", stopping=asci.Never(), retry=RetryPolicy(max_retries=2),
        )  # fmt: skip
        # the cluster must have both nodes before the scan starts
        ray.init(address=address, include_dashboard=False, logging_level="WARNING")
        while sum(n["Alive"] for n in ray.nodes()) < 2:
            assert second.poll() is None and time.monotonic() < deadline, (tmp_path / "second.log").read_text()[-3000:]
            time.sleep(1)
        head_id = ray.get_runtime_context().get_node_id()  # the driver attaches to the head's raylet
        second_id = next(n["NodeID"] for n in ray.nodes() if n["Alive"] and n["NodeID"] != head_id)
        killed = threading.Event()

        def killer():  # kill node 2 while it runs a task of the scan, after a few evaluations
            while not killed.is_set():
                lines = journal.read_text().split("\n") if journal.exists() else []
                if len(lines) > 4 and lines[-2].startswith(second_id):
                    time.sleep(0.3)
                    kill_node(second)
                    killed.set()
                time.sleep(0.05)

        t = threading.Thread(target=killer, daemon=True)
        t.start()
        result = scan.run(BUDGET)
        killed.set()
        t.join(timeout=10)
        with Store.open(tmp_path / "scan.h5") as st:
            evals = st.evaluations()
        assert second.poll() is not None  # node 2 really died during the scan
        nodes = [line.split()[0] for line in journal.read_text().split("\n") if line]
        assert second_id in nodes and head_id in nodes  # both nodes ran evaluations
        # no evaluation lost: every proposal has exactly one successful record; the one running on the killed node
        # was retried (attempts > 1) on the surviving node
        assert result.n_evaluations == BUDGET and result.n_failed == 0
        assert sorted(evals["id"].tolist()) == list(range(BUDGET)) and np.all(evals["status"] == 1)
        assert evals["attempts"].max() >= 2
    finally:
        if ray.is_initialized():
            ray.shutdown()
        for proc in (second, head):
            if proc is not None and proc.poll() is None:
                kids = descendants(proc.pid)
                kill_group(proc, signal.SIGTERM)  # `ray start --block` stops its node's processes on SIGTERM
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    kill_group(proc, signal.SIGKILL)
                for p in kids:
                    try:
                        p.kill()
                    except Exception:  # noqa: BLE001 - already gone
                        pass
