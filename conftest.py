"""Repository-wide test setup, doctests included (tests/conftest.py holds the tests' own fixtures)."""

from __future__ import annotations

import tempfile

import pytest


@pytest.fixture(autouse=True)
def _temporary_files_in_tmp_path(tmp_path, monkeypatch):
    """The docstring examples write where a user would, into ``tempfile.mkdtemp()``; during tests that folder is made
    inside the test's own ``tmp_path``, which pytest prunes (it keeps the last 3 runs), instead of ~100 folders of
    HDF5 stores, TOML files and fault journals piling up in /tmp with every run of the suite. Ray is unaffected: on
    Linux it reads ``TMPDIR``/``RAY_TMPDIR``, not ``tempfile.tempdir``."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
