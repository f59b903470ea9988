"""The default IO manager: one pickle file per asset and partition under a folder.

Writes are atomic (temporary file, then rename), so a crash never leaves a half-written
value where a reader would find it; a read checks the bytes against the hash the
event log recorded, so a value saved by a run killed before recording it is reported, not used.
Values published after their checks are staged beside their file (``headwater.io.staging``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from headwater.errors import IOManagerError
from headwater.io.base import IOManager, Staged, no_staged_value, no_value, unrecorded_value
from headwater.io.staging import content_hash, discard_file, publish_file, roll_forward, staged_path
from headwater.keys import AssetKey

_PARTS_SUFFIX = ".parts"
_MAX_PART = 120


def _safe(part: str) -> str:
    # '.' is escaped too, so no encoded part can end in the '.parts' suffix or be '..'.
    text = quote(part, safe="-_")
    if len(text) > _MAX_PART:
        digest = hashlib.sha256(part.encode()).hexdigest()[:16]
        text = f"{text[: _MAX_PART - 17]}~{digest}"
    return text


class FilesystemIOManager(IOManager):
    """Pickles values to ``base_dir/<key parts>.pkl``, partitions to ``<key parts>.parts/<partition>.pkl``."""

    supports_staging = True
    verifies_values = True

    def __init__(self, base_dir: str | os.PathLike[str]) -> None:
        self.base_dir = Path(base_dir)
        self._made: set[str] = set()
        self._stems: dict[AssetKey, str] = {}

    def _file(self, key: AssetKey, partition: str | None) -> str:
        stem = self._stems.get(key)
        if stem is None:
            stem = os.path.join(self.base_dir, *(_safe(p) for p in key.path))
            self._stems[key] = stem
        if partition is None:
            return stem + ".pkl"
        return os.path.join(stem + _PARTS_SUFFIX, _safe(partition) + ".pkl")

    def path_for(self, key: AssetKey, partition: str | None) -> Path:
        """The file holding ``key``'s value for ``partition``."""
        return Path(self._file(key, partition))

    def save(self, key: AssetKey, partition: str | None, value: Any) -> Mapping[str, Any]:
        return self._write(key, self._file(key, partition), value)

    def stage(self, key: AssetKey, partition: str | None, value: Any, token: str) -> Mapping[str, Any]:
        return self._write(key, staged_path(self._file(key, partition), token), value)

    def _write(self, key: AssetKey, path: str, value: Any) -> Mapping[str, Any]:
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            raise IOManagerError(
                f"asset '{key}': its value of type {type(value).__name__} cannot be pickled ({exc}); "
                "return a picklable value, or give the asset an io_manager= that can store this type"
            ) from exc
        try:
            write_atomic(path, data, self._made)
        except OSError as exc:
            raise IOManagerError(f"asset '{key}': cannot write {path}: {exc.strerror or exc}") from exc
        # A short content hash of bytes already in memory: the default data version of the value.
        return {"bytes": len(data), "hash": content_hash(data)}

    def load_staged(self, key: AssetKey, partition: str | None, token: str) -> Any:
        path = staged_path(self._file(key, partition), token)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            raise no_staged_value(key, partition, token, path) from None
        return self._unpickle(key, partition, data)

    def publish(self, staged: Sequence[Staged]) -> None:
        for item in staged:
            publish_file(self._file(item.key, item.partition), item)

    def discard(self, staged: Sequence[Staged]) -> None:
        for key, partition, token in staged:
            discard_file(self._file(key, partition), token)

    def load(self, key: AssetKey, partition: str | None) -> Any:
        return self._unpickle(key, partition, self._read(key, partition))

    def load_recorded(self, key: AssetKey, partition: str | None, value_hash: str) -> Any:
        path = self._file(key, partition)
        try:
            data = self._read(key, partition)
        except IOManagerError:
            rolled = roll_forward(path, value_hash)  # published in the log, not yet renamed
            if rolled is None:
                raise
            return self._unpickle(key, partition, rolled)
        found = content_hash(data)
        if found != value_hash:
            rolled = roll_forward(path, value_hash)
            if rolled is None:
                raise unrecorded_value(key, partition, path, found, value_hash)
            data = rolled
        return self._unpickle(key, partition, data)

    def _read(self, key: AssetKey, partition: str | None) -> bytes:
        path = self._file(key, partition)
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            raise no_value(key, partition, f"stored value at {path}") from None

    def _unpickle(self, key: AssetKey, partition: str | None, data: bytes) -> Any:
        path = self._file(key, partition)
        try:
            return pickle.loads(data)
        except Exception as exc:
            raise IOManagerError(
                f"asset '{key}': cannot unpickle {path}: {exc}; the file is damaged or was written by other "
                "code: materialize the asset again"
            ) from exc

    def exists(self, key: AssetKey, partition: str | None) -> bool:
        return os.path.isfile(self._file(key, partition))

    def exists_many(self, key: AssetKey, partitions: Iterable[str | None]) -> set[str | None]:
        wanted = list(partitions)
        found: set[str | None] = {None} if None in wanted and self.exists(key, None) else set()
        try:  # one listing of the partitions folder instead of a stat per partition
            names = set(os.listdir(os.path.dirname(self._file(key, "x"))))
        except (FileNotFoundError, NotADirectoryError):
            return found
        return found | {p for p in wanted if p is not None and _safe(p) + ".pkl" in names}


def write_atomic(path: str, data: bytes, made_folders: set[str] | None = None) -> None:
    """Write ``data`` under a private temporary name beside ``path`` and rename it over ``path``.

    Readers see the old value or the new one, never a partial file (the run syncs values to disk
    before it records them, see EventWriter.flush). A failed write leaves no temporary file, and
    the first write into a folder removes those of processes killed mid-write. ``made_folders``
    remembers folders already created (one ``makedirs`` and one clean-up each).
    """
    folder = os.path.dirname(path)
    tmp = f"{path}.{os.getpid()}-{threading.get_ident()}{_TMP_SUFFIX}"
    if made_folders is None or folder not in made_folders:
        os.makedirs(folder, exist_ok=True)
        remove_dead_temporaries(folder)
        if made_folders is not None:
            made_folders.add(folder)
    try:
        try:
            handle = open(tmp, "wb")  # noqa: SIM115 - closed below
        except FileNotFoundError:  # the folder was removed since it was made
            os.makedirs(folder, exist_ok=True)
            handle = open(tmp, "wb")  # noqa: SIM115
        with handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


_TMP_SUFFIX = ".tmp"


def remove_dead_temporaries(folder: str) -> list[str]:
    """Remove the temporary files in ``folder`` whose writing process is gone; returns their names.

    A temporary file is named ``<file>.<pid>-<thread>.tmp``; one whose pid runs no process was left
    by a kill between writing and renaming. Files of live processes are left alone.
    """
    removed: list[str] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        if not name.endswith(_TMP_SUFFIX):
            continue
        owner = name[: -len(_TMP_SUFFIX)].rpartition(".")[2].partition("-")[0]
        if not owner.isdigit() or _alive(int(owner)):
            continue
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(folder, name))
            removed.append(name)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
