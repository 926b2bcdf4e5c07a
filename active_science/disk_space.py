"""Room left for a growing file: free space on its file system and the process's file-size limit.

The study store checks this before every append. HDF5 cannot recover from a write that fails half-way (after a
failed flush, closing or even garbage-collecting the file handle crashes the process inside the HDF5 library), so
the store refuses to write while enough room is still left for the file to stay valid and be closed cleanly; the
study then stops with a clear error and resumes once space is freed.
"""

from __future__ import annotations

import os
from pathlib import Path

try:  # POSIX only
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

#: room kept free beyond each write, for HDF5's metadata flush (measured flushes of a study file: < 130 kB)
DEFAULT_RESERVE_BYTES = 1 << 20
RESERVE_ENV = "ACTIVE_SCIENCE_STORE_RESERVE_BYTES"


def reserve_bytes() -> int:
    """The reserve: ``DEFAULT_RESERVE_BYTES`` unless the environment variable ``ACTIVE_SCIENCE_STORE_RESERVE_BYTES``
    sets another non-negative integer (ignored, with the default kept, when it is not one).

    Example:
        >>> reserve_bytes() >= 0
        True
    """
    raw = os.environ.get(RESERVE_ENV, "")
    return int(raw) if raw.strip().isdigit() else DEFAULT_RESERVE_BYTES


def room_for(path: Path) -> int:
    """Bytes the file at ``path`` may still grow by: the file system's free space for unprivileged users, capped
    by ``RLIMIT_FSIZE`` (the largest file this process may write) minus the file's size.

    Example:
        >>> import tempfile
        >>> room_for(Path(tempfile.mkdtemp()) / "new.h5") > 0
        True
    """
    st = os.statvfs(path.parent)
    room = st.f_bavail * st.f_frsize
    if resource is not None:
        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        if limit != resource.RLIM_INFINITY:
            size = path.stat().st_size if path.exists() else 0
            room = min(room, max(limit - size, 0))
    return int(room)
