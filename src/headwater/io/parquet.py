"""Parquet files for pandas and polars DataFrames, on a local folder or any fsspec URL.

One file per asset (``<base>/<key path>.parquet``) or per partition
(``<base>/<key path>/<partition>.parquet``). The library that made a frame is written in the
file's schema metadata so loading returns the same kind of frame. Files are written whole
under a temporary name and renamed into place: a failed save leaves the old value, or none.
Values published after their checks are staged beside their file (``headwater.io.staging``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from headwater.errors import IOManagerError
from headwater.io.base import IOManager, Staged, no_staged_value, no_value, unrecorded_value
from headwater.io.filesystem import _safe, write_atomic
from headwater.io.frames import PREVIEW_ROWS, Frame, check_frame, frame_metadata, refuse_unstorable, require
from headwater.io.staging import content_hash, discard_file, publish_file, roll_forward, staged_path
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

    supports_staging = True
    verifies_values = True

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
        return self._store(key, self.path_for(key, partition), value)

    def stage(self, key: AssetKey, partition: str | None, value: Any, token: str) -> Mapping[str, Any]:
        stored = self._store(key, staged_path(self.path_for(key, partition), token), value)
        # The metadata names where readers find the value once it is published.
        return {**stored, "metadata": {**stored["metadata"], "path": self.path_for(key, partition)}}

    def load_staged(self, key: AssetKey, partition: str | None, token: str) -> Any:
        path = staged_path(self.path_for(key, partition), token)
        if not (self._filesystem().exists(path) if self.is_url else os.path.isfile(path)):
            raise no_staged_value(key, partition, token, path)
        return self._read_table(key, path, None)

    def publish(self, staged: Sequence[Staged]) -> None:
        for item in staged:
            path = self.path_for(item.key, item.partition)
            if self.is_url:
                self._filesystem().mv(staged_path(path, item.token), path)
            else:
                publish_file(path, item)

    def discard(self, staged: Sequence[Staged]) -> None:
        for key, partition, token in staged:
            path = self.path_for(key, partition)
            if not self.is_url:
                discard_file(path, token)
            elif self._filesystem().exists(staged_path(path, token)):
                self._filesystem().rm(staged_path(path, token))

    def _store(self, key: AssetKey, path: str, value: Any) -> dict[str, Any]:
        library = check_frame(key, value, _NEEDED_BY)
        data, preview = self._encode(key, value, library)
        try:
            if self.is_url:
                self._write_url(path, data)
            else:
                write_atomic(path, data, self._made)
        except OSError as exc:
            raise IOManagerError(f"asset '{key}': cannot write {path}: {exc.strerror or exc}") from exc
        metadata = {**frame_metadata(value, library, preview), "path": path}
        return {"bytes": len(data), "hash": content_hash(data), "metadata": metadata}

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
        return self._read_table(key, self.path_for(key, partition), value_hash, partition)

    def _read_table(self, key: AssetKey, path: str, value_hash: str | None, partition: str | None = None) -> Any:
        pa, pq = _pyarrow()
        try:
            if self.is_url:
                with self._filesystem().open(path, "rb") as handle:
                    table = pq.read_table(handle)
            elif value_hash is not None:
                table = pq.read_table(pa.BufferReader(self._recorded_bytes(key, partition, path, value_hash)))
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

    @staticmethod
    def _recorded_bytes(key: AssetKey, partition: str | None, path: str, value_hash: str) -> bytes:
        """The file's bytes, which must have the recorded hash (a publication cut short rolls forward)."""
        try:
            with open(path, "rb") as local:
                data = local.read()
        except FileNotFoundError:
            rolled = roll_forward(path, value_hash)
            if rolled is None:
                raise
            return rolled
        found = content_hash(data)
        if found == value_hash:
            return data
        rolled = roll_forward(path, value_hash)
        if rolled is None:
            raise unrecorded_value(key, partition, path, found, value_hash)
        return rolled

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
