"""Shared small training budgets for the ratio tests (CPU seconds each, on the Gaussian toy; single-threaded by
``tests/conftest.py``)."""

import pytest

from active_science.ratio import NetworkConfig, TrainingConfig, ratio_task

SMALL_NET = NetworkConfig(hidden=(32,))
SHORT = TrainingConfig(max_epochs=40, batch_size=200, learning_rate=0.01, final_learning_rate=1e-3)


@pytest.fixture(scope="session")
def gaussian_task():
    return ratio_task("gaussian")


@pytest.fixture(scope="session")
def gaussian_sims(gaussian_task):
    return {gold: gaussian_task.training_set(2000, seed=0, gold=gold) for gold in (True, False)}
