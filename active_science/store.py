"""The study file: one HDF5 file (h5py) per study, append-only, crash-safe and resumable.

Layout (every table is a chunked, resizable dataset of fixed-size records; config and provenance are JSON
attributes written once at creation):

    /attrs            format, format_version, kind, config (JSON), provenance (JSON), param_names (JSON)
    /proposals        id, round, seed, theta[d], time              every proposed point, when proposed
    /evaluations      id, status, value, variance, attempts, duration, time, worker, error, extras (JSON)
    /rounds           round, num_evaluations, num_failed, uncertain_fraction, contour_change, timings, expected_misclassified
    /events           time, kind, message                          started / resumed / interrupted / finished ...
    /array_index      key, round, name, offset, size, shape        named arrays (surrogate state, contours,
    /array_data       float64 values                               network weights, simulations ...)

Crash safety: the file is written in HDF5's single-writer/multiple-reader (SWMR) mode, whose metadata-flush
ordering keeps the file readable at every instant, even after ``kill -9`` of the writer; rows are marked valid only
when complete; every append is flushed at once. After a crash the file carries HDF5's "open for write" flag, which
h5py cannot clear in place: ``Store.open(path, "resume")`` then copies the content into a fresh file and atomically
replaces the old one (nothing is lost). Readers (reports, a second process) open with SWMR reading, also while a
study runs. No pickle anywhere: arrays are stored as float64 with their dtype and shape.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import platform
import socket
import sys
import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import h5py
import numpy as np

from active_science.disk_space import reserve_bytes, room_for
from active_science.evaluation import Evaluation, Proposal
from active_science.exceptions import InvalidInputError, StoreError, StoreWriteFailedError, StudyExistsError

__all__ = ["Store", "FORMAT", "FORMAT_VERSION"]

logger = logging.getLogger(__name__)

FORMAT = "active-science-study"
FORMAT_VERSION = 1
_CHUNK_ROWS = 64
_MAX_SHAPE_DIMS = 8


def _string(n: int) -> np.dtype:
    return np.dtype(f"S{n}")


def _encode(text: str, size: int) -> bytes:
    raw = str(text).encode("utf-8", errors="replace")
    if len(raw) <= size:
        return raw
    return raw[: size - 3].decode("utf-8", errors="ignore").encode() + b"..."


def _tables(dim: int) -> dict[str, np.dtype]:
    return {
        "proposals": np.dtype([("ok", "u1"), ("id", "i8"), ("round", "i4"), ("seed", "i8"), ("theta", "f8", (dim,)), ("time", "f8")]),
        "evaluations": np.dtype(
            [
                ("ok", "u1"), ("id", "i8"), ("status", "i1"), ("value", "f8"), ("variance", "f8"), ("attempts", "i4"),
                ("duration", "f8"), ("time", "f8"), ("worker", _string(64)), ("error", _string(384)), ("extras", _string(1024)),
            ]
        ),
        "rounds": np.dtype(
            [
                ("ok", "u1"), ("round", "i4"), ("num_evaluations", "i4"), ("num_failed", "i4"), ("uncertain_fraction", "f8"),
                ("contour_change", "f8"), ("fit_seconds", "f8"), ("propose_seconds", "f8"), ("time", "f8"),
                ("expected_misclassified", "f8"),
            ]
        ),
        "events": np.dtype([("ok", "u1"), ("time", "f8"), ("kind", _string(24)), ("message", _string(512))]),
        "array_index": np.dtype(
            [
                ("ok", "u1"), ("key", _string(64)), ("round", "i4"), ("name", _string(128)), ("offset", "i8"), ("size", "i8"),
                ("ndim", "i1"), ("shape", "i8", (_MAX_SHAPE_DIMS,)), ("dtype", _string(8)),
            ]
        ),
    }  # fmt: skip


def provenance() -> dict[str, Any]:
    """Versions, host and command line, recorded in every study file."""
    versions: dict[str, str] = {}
    for mod in ("active_science", "numpy", "torch", "gpytorch", "botorch", "h5py", "ray", "scipy", "pyhf"):
        m = sys.modules.get(mod)
        if m is not None:
            versions[mod] = str(getattr(m, "__version__", "?"))
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "?"
    return {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "host": socket.gethostname(),
        "user": user,
        "argv": list(sys.argv),
        "versions": versions,
    }


def _json(obj: Any, what: str) -> str:
    try:
        # keys keep their order: it can carry meaning (the order of a space's dimensions; sorting them swapped the
        # axes of a resumed mass-plane scan)
        return json.dumps(obj, allow_nan=True)
    except (TypeError, ValueError) as err:
        raise InvalidInputError(f"{what} is not JSON-serialisable ({err}); use numbers, strings, lists and dicts") from err


class Store:
    """An open study file. Use :meth:`create` or :meth:`open`; close with :meth:`close` or a ``with`` block.

    Example:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "s.h5")
        >>> with Store.create(path, kind="demo", config={"a": 1}, param_names=["x"]) as st:
        ...     st.add_proposal(Proposal(id=0, theta=np.array([0.5]), seed=7, round=0))
        >>> Store.open(path).proposals()["seed"].tolist()
        [7]
    """

    def __init__(self, f: h5py.File, path: Path, writable: bool) -> None:
        self._f = f
        self.path = path
        self.writable = writable
        self._write_failed = False  # set by a failed write (disk full): no later write may touch the file

    # ----------------------------------------------------------------------------------------------- opening
    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        *,
        kind: str,
        config: Mapping[str, Any],
        param_names: Iterable[str],
        force: bool = False,
        extra_tables: Mapping[str, np.dtype] | None = None,
    ) -> Store:
        """Create a new study file (refuses to overwrite an existing one unless ``force``)."""
        path = Path(path)
        if path.exists() and not force:
            raise StudyExistsError(
                f"study file {str(path)!r} already exists; resume it (active-science resume {path}) or pass --force / force=True to overwrite"
            )
        if path.exists() and path.is_dir():
            raise StoreError(f"study path {str(path)!r} is a directory; give a file name such as scan.h5")
        if not path.parent.exists():
            raise StoreError(f"directory {str(path.parent)!r} does not exist; create it first")
        names = list(param_names)
        config_json = _json(dict(config), "config")
        tmp = path.with_name(f".{path.name}.{os.getpid()}.creating")
        try:
            with h5py.File(tmp, "w", libver="latest") as f:
                f.attrs["format"] = FORMAT
                f.attrs["format_version"] = FORMAT_VERSION
                f.attrs["kind"] = kind
                f.attrs["config"] = config_json
                f.attrs["provenance"] = _json(provenance(), "provenance")
                f.attrs["param_names"] = json.dumps(names)
                for name, dtype in {**_tables(len(names)), **dict(extra_tables or {})}.items():
                    f.create_dataset(name, shape=(0,), maxshape=(None,), chunks=(_CHUNK_ROWS,), dtype=dtype)
                f.create_dataset("array_data", shape=(0,), maxshape=(None,), chunks=(1 << 14,), dtype="f8")
            os.replace(tmp, path)
        except OSError as err:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"cannot create study file {str(path)!r}: {err}") from err
        store = cls._open_writable(path)
        store.log_event("created", f"kind={kind}")
        return store

    @classmethod
    def _open_writable(cls, path: Path) -> Store:
        try:
            f = h5py.File(path, "r+", libver="latest")
        except OSError as err:
            msg = str(err)
            if "unable to lock" in msg.lower() or "file locking" in msg.lower():
                raise StoreError(f"study file {str(path)!r} is in use by another process; wait for it to finish") from err
            # left open by a crashed writer, or cut short by a full disk (a truncated file): copy what is valid
            if "already open" in msg or "consistency flags" in msg or "truncated file" in msg:
                cls._recover(path)
                f = h5py.File(path, "r+", libver="latest")
            else:
                raise StoreError(f"cannot open study file {str(path)!r} for writing: {err}") from err
        f.swmr_mode = True
        return cls(f, path, writable=True)

    @classmethod
    def _recover(cls, path: Path) -> None:
        """Copy a file left open by a crashed writer into a fresh file and swap it in atomically."""
        logger.warning("study file %s was not closed cleanly (crash or kill); recovering its content", path)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.recovering")
        try:
            with h5py.File(path, "r", libver="latest", swmr=True) as src, h5py.File(tmp, "w", libver="latest") as dst:
                for k, v in src.attrs.items():
                    dst.attrs[k] = v
                for name, ds in src.items():
                    data = ds[()]
                    if "ok" in (data.dtype.names or ()):
                        data = data[data["ok"] == 1]
                    dst.create_dataset(name, data=data, maxshape=(None,), chunks=ds.chunks, dtype=ds.dtype)
                dst.flush()
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as err:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"study file {str(path)!r} cannot be recovered: {err}") from err

    @classmethod
    def open(cls, path: str | os.PathLike[str], mode: Literal["r", "resume"] = "r") -> Store:
        """Open a study file read-only (``"r"``, also while another process writes it) or to continue it."""
        path = Path(path)
        if not path.is_file():
            raise StoreError(f"study file {str(path)!r} does not exist")
        if mode == "resume":
            store = cls._open_writable(path)
        elif mode == "r":
            try:
                f = h5py.File(path, "r", libver="latest")
            except OSError:
                try:
                    f = h5py.File(path, "r", libver="latest", swmr=True)
                except OSError as err:
                    raise StoreError(f"{str(path)!r} is not a readable HDF5 study file: {err}") from err
            store = cls(f, path, writable=False)
        else:
            raise InvalidInputError(f"mode={mode!r} must be 'r' or 'resume'")
        if store._f.attrs.get("format") != FORMAT:
            store.close()
            raise StoreError(f"{str(path)!r} is an HDF5 file but not an active-science study (no '{FORMAT}' marker)")
        if int(store._f.attrs.get("format_version", -1)) > FORMAT_VERSION:
            store.close()
            raise StoreError(f"{str(path)!r} was written by a newer active-science (format {store._f.attrs['format_version']}); upgrade")
        return store

    def close(self) -> None:
        if not self._f.id.valid:
            return
        try:
            self._f.close()
        except (OSError, RuntimeError) as err:
            if not self._write_failed:
                raise StoreError(f"cannot close study file {str(self.path)!r}: {_hdf5_reason(err)}") from err
            # the write that failed already raised; the on-disk file holds everything flushed before it
            logger.debug("study file %s closed after a failed write: %s", self.path, _hdf5_reason(err))

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------------------------------------- metadata
    @property
    def kind(self) -> str:
        return str(self._f.attrs["kind"])

    @property
    def config(self) -> dict[str, Any]:
        return json.loads(self._f.attrs["config"])

    @property
    def provenance(self) -> dict[str, Any]:
        return json.loads(self._f.attrs["provenance"])

    @property
    def param_names(self) -> list[str]:
        return json.loads(self._f.attrs["param_names"])

    # ----------------------------------------------------------------------------------------------- writing
    def _append(self, table: str, rows: np.ndarray) -> None:
        if not self.writable:
            raise StoreError(f"study file {str(self.path)!r} is open read-only")
        if table not in self._f:
            raise StoreError(f"study file {str(self.path)!r} has no table {table!r}")
        ds = self._f[table]
        self._extend(ds, np.asarray(rows, dtype=ds.dtype).reshape(-1))

    def _extend(self, ds: h5py.Dataset, values: np.ndarray) -> None:
        """Append ``values`` to the resizable dataset ``ds`` and flush; a failed write poisons the handle."""
        if self._write_failed:
            raise StoreError(f"study file {str(self.path)!r} had a failed write; close it and `active-science resume` it")
        room, needed = room_for(self.path), values.nbytes + reserve_bytes()
        if room < needed:  # stop while the file can still be closed cleanly (HDF5 cannot survive a failed flush)
            raise StoreError(
                f"study file {str(self.path)!r}: only {room} bytes of disk space (or file-size limit) left, "
                f"{needed} needed to write safely; the evaluations recorded so far are safe: free space, then "
                "`active-science resume` it"
            )
        n = ds.shape[0]
        try:
            ds.resize((n + len(values),))
            ds[n:] = values
            self._f.flush()
        except (OSError, RuntimeError) as err:  # disk full, quota, I/O error (h5py raises RuntimeError on flush)
            # what was flushed before stays valid; stop writing: a half-flushed HDF5 handle must not be written again
            self._write_failed = True
            raise StoreWriteFailedError(
                f"cannot write to study file {str(self.path)!r}: {_hdf5_reason(err)} (disk full or quota?); "
                "the evaluations recorded before are safe: free space, then `active-science resume` it"
            ) from err

    def _row(self, table: str, **values: Any) -> np.ndarray:
        dtype = self._f[table].dtype
        row = np.zeros(1, dtype=dtype)
        for k, v in values.items():
            field = dtype.fields[k][0]
            row[k] = _encode(v, field.itemsize) if field.kind == "S" else v
        row["ok"] = 1
        return row

    def add_proposal(self, p: Proposal) -> None:
        self._append("proposals", self._row("proposals", id=p.id, round=p.round, seed=p.seed, theta=p.theta, time=time.time()))

    def add_evaluation(self, e: Evaluation) -> None:
        extras = _json(e.extras, "evaluation extras") if e.extras else ""
        self._append(
            "evaluations",
            self._row(
                "evaluations", id=e.id, status=1 if e.ok else 0, value=e.value, variance=e.variance, attempts=e.attempts,
                duration=e.duration, time=time.time(), worker=e.worker, error=e.error, extras=extras,
            ),
        )  # fmt: skip

    def add_round(self, **summary: Any) -> None:
        # a study file written before the expected_misclassified column existed keeps its table as it is
        names = self._f["rounds"].dtype.names or ()
        if "expected_misclassified" not in names:
            summary.pop("expected_misclassified", None)
        self._append("rounds", self._row("rounds", time=time.time(), **summary))

    def log_event(self, kind: str, message: str = "") -> None:
        self._append("events", self._row("events", time=time.time(), kind=kind, message=message))

    def append_rows(self, table: str, rows: np.ndarray) -> None:
        """Append records to a study-specific table declared with ``extra_tables`` at creation."""
        self._append(table, rows)

    def put_arrays(self, key: str, round: int, arrays: Mapping[str, Any]) -> None:
        """Store named numeric arrays under ``key`` for ``round`` (data first, then the index rows)."""
        if not self.writable:
            raise StoreError(f"study file {str(self.path)!r} is open read-only")
        data = self._f["array_data"]
        rows = []
        chunks = []
        offset = data.shape[0]
        for name, value in arrays.items():
            arr = np.asarray(value)
            if arr.dtype.kind not in "biuf" or arr.ndim > _MAX_SHAPE_DIMS:
                raise InvalidInputError(f"array {key}/{name} has dtype {arr.dtype} and {arr.ndim} dims; store numeric arrays")
            shape = np.zeros(_MAX_SHAPE_DIMS, dtype="i8")
            shape[: arr.ndim] = arr.shape
            flat = arr.astype("f8").reshape(-1)
            rows.append(
                self._row("array_index", key=key, round=round, name=name, offset=offset, size=flat.size, ndim=arr.ndim, shape=shape, dtype=arr.dtype.str)
            )
            chunks.append(flat)
            offset += flat.size
        if chunks:
            flat_all = np.concatenate(chunks)
            self._extend(data, flat_all)
            self._append("array_index", np.concatenate(rows))

    # ----------------------------------------------------------------------------------------------- reading
    def _read(self, table: str) -> np.ndarray:
        ds = self._f[table]
        if self._f.swmr_mode and not self.writable:
            ds.refresh()
        rows = ds[()]
        return rows[rows["ok"] == 1] if len(rows) else rows

    def proposals(self) -> np.ndarray:
        rows = self._read("proposals")
        return rows[np.argsort(rows["id"], kind="stable")]

    def evaluations(self) -> np.ndarray:
        return self._read("evaluations")

    def rounds(self) -> np.ndarray:
        return self._read("rounds")

    def events(self) -> np.ndarray:
        return self._read("events")

    def table(self, name: str) -> np.ndarray:
        if name not in self._f:
            raise StoreError(f"study file {str(self.path)!r} has no table {name!r}")
        return self._read(name)

    def array_keys(self) -> list[str]:
        idx = self._read("array_index")
        return sorted({k.decode() for k in idx["key"]})

    def array_rounds(self, key: str) -> list[int]:
        idx = self._read("array_index")
        return sorted({int(r) for r in idx["round"][idx["key"] == key.encode()]})

    def get_arrays(self, key: str, round: int | None = None) -> dict[str, np.ndarray]:
        """Arrays stored under ``key`` at ``round`` (default: the latest round that has them)."""
        idx = self._read("array_index")
        sel = idx[idx["key"] == key.encode()]
        if len(sel) == 0:
            raise StoreError(f"study file {str(self.path)!r} holds no arrays under {key!r}")
        r = int(sel["round"].max()) if round is None else int(round)
        sel = sel[sel["round"] == r]
        if len(sel) == 0:
            raise StoreError(f"study file {str(self.path)!r} holds no arrays {key!r} for round {r}")
        data = self._f["array_data"]
        if self._f.swmr_mode and not self.writable:
            data.refresh()
        out: dict[str, np.ndarray] = {}
        for row in sel:
            flat = data[int(row["offset"]) : int(row["offset"]) + int(row["size"])]
            shape = tuple(int(s) for s in row["shape"][: int(row["ndim"])])
            out[row["name"].decode()] = flat.astype(np.dtype(row["dtype"].decode())).reshape(shape)
        return out


def _hdf5_reason(err: BaseException) -> str:
    """HDF5's error messages run over several lines; say the OS's reason if HDF5 quotes one, else the first line."""
    text = str(err).strip()
    if "error message = '" in text:  # e.g. "... errno = 28, error message = 'No space left on device', ..."
        return text.split("error message = '", 1)[1].split("'", 1)[0]
    return text.splitlines()[0] if text else type(err).__name__
