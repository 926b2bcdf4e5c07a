"""Where a study runs: the cluster line (address, CPUs, dashboard) is printed above the progress bar once per
cluster, and never for a local Ray instance."""

import logging

import pytest

from active_science.execution import ray as ray_executor
from active_science.execution.ray import announce_cluster, cluster_message


class _Executor:
    def __init__(self, **info):
        self.info = info


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    monkeypatch.setattr(ray_executor, "_ANNOUNCED", set())


def test_cluster_line_names_the_dashboard_or_how_to_start_it():
    info = {"address": "head:6379", "gcs_address": "10.1.2.3:6379", "num_cpus": 96, "dashboard_url": "http://10.1.2.3:8265"}
    assert cluster_message(info) == "running on the Ray cluster at 10.1.2.3:6379 (96 CPUs); dashboard: http://10.1.2.3:8265"
    assert "include-dashboard=true" in cluster_message({**info, "dashboard_url": None})
    assert cluster_message({"address": "local", "dashboard_url": "http://127.0.0.1:8265"}) is None
    assert cluster_message(None) is None


def test_printed_above_the_progress_bar_once_per_cluster(capsys, caplog):
    ex = _Executor(address="auto", gcs_address="10.0.0.9:6379", num_cpus=4, dashboard_url="http://10.0.0.9:8265")
    with caplog.at_level(logging.INFO, logger="active_science.execution.ray"):
        announce_cluster(ex, progress=True)
        announce_cluster(ex, progress=True)  # a design study's next experiment: same cluster, no repeat
    err = capsys.readouterr().err
    assert err.count("dashboard: http://10.0.0.9:8265") == 1
    assert [r.getMessage() for r in caplog.records] == [cluster_message(ex.info)]


def test_nothing_printed_without_a_progress_bar_or_on_local_ray(capsys):
    announce_cluster(_Executor(address="auto", gcs_address="h:1", num_cpus=1, dashboard_url=None), progress=False)
    announce_cluster(_Executor(address="local", gcs_address="h:2", num_cpus=2, dashboard_url=None), progress=True)
    announce_cluster(object(), progress=True)  # the serial executor has no info
    assert capsys.readouterr().err == ""
