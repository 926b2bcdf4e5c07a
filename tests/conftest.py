"""Shared fixtures: temporary study paths and one local Ray instance per test module that asks for it."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("RAY_DEDUP_LOGS", "0")

#: test folders whose tests do GP or small-network torch work: run it single-threaded, as the loop's runner does
#: (thread hand-offs cost more than they save on tiny problems, and far more on the shared 2-core machines)
SINGLE_THREAD_DIRS = {"acquisition", "strategies", "surrogates", "ratio", "benchmarks"}


@pytest.fixture(autouse=True)
def _single_torch_thread_for_gp_tests(request):
    if SINGLE_THREAD_DIRS.isdisjoint(request.node.path.parts):
        yield
        return
    from active_science.threads import torch_threads

    with torch_threads(1):
        yield


@pytest.fixture
def study_path(tmp_path):
    return tmp_path / "study.h5"


@pytest.fixture(scope="module")
def ray_local():
    """A 2-CPU local Ray for the module (starting Ray costs ~5 s: once per module, not per test)."""
    ray = pytest.importorskip("ray")
    from active_science.execution.ray import ensure_ray

    info = ensure_ray(num_cpus=2)
    yield info
    ray.shutdown()


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
