"""Parquet files for pandas and polars DataFrames, on a local folder or any fsspec URL.

One file per asset (``<base>/<key path>.parquet``) or per partition
(``<base>/<key path>/<partition>.parquet``). The library that made a frame is written in the
file's schema metadata so loading returns the same kind of frame. Files are written whole
under a temporary name and renamed into place: a failed save leaves the old value, or none.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Mapping
from typing import Any

from headwater.errors import IOManagerError
from headwater.io.base import IOManager, no_value, unrecorded_value
from headwater.io.filesystem import _safe, write_atomic
from headwater.io.frames import PREVIEW_ROWS, Frame, check_frame, frame_metadata, refuse_unstorable, require
from headwater.keys import AssetKey

FRAME_KEY = b"headwater.frame"
"""Schema metadata key naming the library (``pandas`` or ``polars``) that wrote the file."""

_NEEDED_BY = "ParquetIOManager"


def _pyarrow() -> tuple[Any, Any]:
    pa = require("pyarrow", extra="pandas", needed_by=_NEEDED_BY)
    pq = require("pyarrow.parquet", extra="pandas", needed_by=_NEEDED_BY)
    return pa, pq


class ParquetIOManager(IOManager):
    """Stores pandas and polars DataFrames as Parquet files under ``base_path``.

    ``base_path`` is a folder or an fsspec URL (``s3://bucket/prefix``, ``memory://x``,
    ``file:///data``); ``storage_options`` go to fsspec (credentials, endpoint, ...).
    Each save reports the row count, the column schema and the first rows as metadata.
    """

    def __init__(self, base_path: str | os.PathLike[str], *, storage_options: Mapping[str, Any] | None = None) -> None:
        text = os.fspath(base_path)
        self.is_url = "://" in text
        self.base_path = text.rstrip("/") if self.is_url else os.path.abspath(text)
        self.storage_options = dict(storage_options or {})
        self._fs: Any = None
        self._made: set[str] = set()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_fs"] = None  # a filesystem client is made again in each process
        return state

    def _filesystem(self) -> Any:
        if self._fs is None:
            fsspec = require("fsspec", extra="pandas", needed_by=f"{_NEEDED_BY}({self.base_path!r})")
            try:
                self._fs, _ = fsspec.core.url_to_fs(self.base_path, **self.storage_options)
            except (ImportError, ValueError) as exc:
                raise IOManagerError(
                    f"ParquetIOManager cannot open {self.base_path}: {exc}; install the fsspec "
                    "implementation for this protocol (e.g. pip install s3fs) or check storage_options"
                ) from exc
        return self._fs

    def path_for(self, key: AssetKey, partition: str | None) -> str:
        """Where ``key``'s value for ``partition`` is stored (a local path or a URL)."""
        parts = [_safe(p) for p in key.path]
        if partition is not None:
            parts.append(_safe(partition))
        return "/".join([self.base_path, *parts]) + ".parquet"

    def save(self, key: AssetKey, partition: str | None, value: Any) -> Mapping[str, Any]:
        library = check_frame(key, value, _NEEDED_BY)
        data, preview = self._encode(key, value, library)
        path = self.path_for(key, partition)
        try:
            if self.is_url:
                self._write_url(path, data)
            else:
                write_atomic(path, data, self._made)
        except OSError as exc:
            raise IOManagerError(f"asset '{key}': cannot write {path}: {exc.strerror or exc}") from exc
        metadata = {**frame_metadata(value, library, preview), "path": path}
        return {"bytes": len(data), "hash": hashlib.blake2b(data, digest_size=8).hexdigest(), "metadata": metadata}

    def _encode(self, key: AssetKey, value: Any, library: Frame) -> tuple[bytes, list[dict[str, Any]]]:
        """The whole Parquet file in memory (so nothing is written unless encoding succeeds) and its first rows."""
        refuse_unstorable(key, value, library, "Parquet")
        pa, pq = _pyarrow()
        try:
            table = pa.Table.from_pandas(value) if library == "pandas" else value.to_arrow()
            table = table.replace_schema_metadata({**(table.schema.metadata or {}), FRAME_KEY: library.encode()})
            sink = pa.BufferOutputStream()
            pq.write_table(table, sink)
        except (pa.ArrowException, TypeError, ValueError) as exc:
            column = _failing_column(value, library, pa)
            where = f"column '{column}'" if column is not None else "a column"
            raise IOManagerError(
                f"asset '{key}': {where} cannot be stored in Parquet ({type(exc).__name__}: {exc}); "
                "give the column one type (strings, numbers, dates or lists), or store this asset "
                "with the default pickling io_manager"
            ) from exc
        data: bytes = sink.getvalue().to_pybytes()
        head: list[dict[str, Any]] = table.slice(0, PREVIEW_ROWS).to_pylist()  # far cheaper than pandas' to_dict
        return data, head

    def _write_url(self, path: str, data: bytes) -> None:
        fs = self._filesystem()
        tmp = f"{path}.{os.getpid()}-{threading.get_ident()}.tmp"
        fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        try:
            fs.pipe_file(tmp, data)
            fs.mv(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError, FileNotFoundError):
                fs.rm(tmp)
            raise

    def load(self, key: AssetKey, partition: str | None) -> Any:
        return self._load(key, partition, None)

    def load_recorded(self, key: AssetKey, partition: str | None, value_hash: str) -> Any:
        return self._load(key, partition, None if self.is_url else value_hash)  # a URL is read as a stream

    def _load(self, key: AssetKey, partition: str | None, value_hash: str | None) -> Any:
        pa, pq = _pyarrow()
        path = self.path_for(key, partition)
        try:
            if self.is_url:
                with self._filesystem().open(path, "rb") as handle:
                    table = pq.read_table(handle)
            elif value_hash is not None:
                with open(path, "rb") as local:
                    data = local.read()
                found = hashlib.blake2b(data, digest_size=8).hexdigest()
                if found != value_hash:
                    raise unrecorded_value(key, partition, path, found, value_hash)
                table = pq.read_table(pa.BufferReader(data))
            else:
                table = pq.read_table(path)
        except FileNotFoundError:
            raise no_value(key, partition, f"Parquet file at {path}") from None
        except (OSError, pa.ArrowException) as exc:
            raise IOManagerError(f"asset '{key}': cannot read {path}: {exc}") from exc
        library = (table.schema.metadata or {}).get(FRAME_KEY, b"pandas").decode()
        if library == "polars":
            polars = require("polars", extra="polars", needed_by=f"loading asset '{key}' (stored from polars)")
            return polars.from_arrow(table)
        require("pandas", extra="pandas", needed_by=f"loading asset '{key}' (stored from pandas)")
        return table.to_pandas()

    def exists(self, key: AssetKey, partition: str | None) -> bool:
        path = self.path_for(key, partition)
        return bool(self._filesystem().exists(path)) if self.is_url else os.path.isfile(path)


def _failing_column(value: Any, library: Frame, pa: Any) -> str | None:
    """The first column that cannot be converted to Arrow on its own."""
    for name in value.columns:
        try:
            if library == "pandas":
                pa.Table.from_pandas(value[[name]])
            else:
                value.select(name).to_arrow()
        except Exception:
            return str(name)
    return None
