import pytest

from active_science.threads import torch_threads


@pytest.fixture(autouse=True)
def _single_torch_thread():
    """GP work single-threaded, as the loop's runner does (much faster on the shared 2-core machines)."""
    with torch_threads(1):
        yield
