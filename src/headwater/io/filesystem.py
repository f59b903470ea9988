"""The default IO manager: one pickle file per asset and partition under a folder.

A value is staged under a private name and renamed into place when published (after its
materialization is recorded), so a crash never leaves a half-written or unrecorded value where a
reader would find it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from headwater.errors import IOManagerError
from headwater.io.base import IOManager, Staged, no_value
from headwater.io.staging import StagedFile, remove_stale, stage_file
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
        stored, staged = self.stage(key, partition, value)
        staged.publish()
        return stored

    def stage(
        self, key: AssetKey, partition: str | None, value: Any, *, owner: str = "", inputs: Sequence[Staged] = ()
    ) -> tuple[Mapping[str, Any], StagedFile]:
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            raise IOManagerError(
                f"asset '{key}': its value of type {type(value).__name__} cannot be pickled ({exc}); "
                "return a picklable value, or give the asset an io_manager= that can store this type"
            ) from exc
        path = self._file(key, partition)
        try:
            staged = stage_file(key, partition, path, data, owner, self._made)
        except OSError as exc:
            raise IOManagerError(f"asset '{key}': cannot write {path}: {exc.strerror or exc}") from exc
        # A short content hash of bytes already in memory: the default data version of the value.
        return {"bytes": len(data), "hash": hashlib.blake2b(data, digest_size=8).hexdigest()}, staged

    def load_staged(self, staged: Staged) -> Any:
        if isinstance(staged, StagedFile):
            try:
                return self._read(staged.key, staged.staging)
            except FileNotFoundError:  # published since: the stored value is the staged one (or newer)
                pass
        return self.load(staged.key, staged.partition)

    def remove_stale(self) -> int:
        """Remove staging files that ended processes left anywhere under ``base_dir``; returns how many."""
        removed = 0
        for folder, _, _ in os.walk(self.base_dir):
            removed += remove_stale(folder)
        return removed

    def load(self, key: AssetKey, partition: str | None) -> Any:
        path = self._file(key, partition)
        try:
            return self._read(key, path)
        except FileNotFoundError:
            raise no_value(key, partition, f"stored value at {path}") from None

    @staticmethod
    def _read(key: AssetKey, path: str) -> Any:
        with open(path, "rb") as handle:
            data = handle.read()
        try:
            return pickle.loads(data)
        except Exception as exc:
            raise IOManagerError(
                f"asset '{key}': cannot unpickle {path}: {exc}; the file is damaged or was written by other "
                "code: materialize the asset again"
            ) from exc

    def exists(self, key: AssetKey, partition: str | None) -> bool:
        return os.path.isfile(self._file(key, partition))
