"""The default IO manager: one pickle file per asset and partition under a folder.

Writes are atomic (temporary file, then rename), so a crash never leaves a
half-written value where a reader would find it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from headwater.errors import IOManagerError
from headwater.io.base import IOManager
from headwater.keys import AssetKey

_UNPARTITIONED = "__value__"
_MAX_PART = 120


def _safe(part: str) -> str:
    text = quote(part, safe="-_.")
    if text.startswith("."):
        text = "%2E" + text[1:]
    if len(text) > _MAX_PART:
        digest = hashlib.sha256(part.encode()).hexdigest()[:16]
        text = f"{text[: _MAX_PART - 17]}~{digest}"
    return text


class FilesystemIOManager(IOManager):
    """Pickles values to ``base_dir/<key parts>/<partition>.pkl``."""

    def __init__(self, base_dir: str | os.PathLike[str]) -> None:
        self.base_dir = Path(base_dir)
        self._made: set[Path] = set()

    def path_for(self, key: AssetKey, partition: str | None) -> Path:
        """The file holding ``key``'s value for ``partition``."""
        leaf = _UNPARTITIONED if partition is None else _safe(partition)
        return self.base_dir.joinpath(*(_safe(p) for p in key.path), leaf + ".pkl")

    def save(self, key: AssetKey, partition: str | None, value: Any) -> Mapping[str, Any]:
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            raise IOManagerError(
                f"asset '{key}': its value of type {type(value).__name__} cannot be pickled ({exc}); "
                "return a picklable value, or give the asset an io_manager= that can store this type"
            ) from exc
        path = self.path_for(key, partition)
        # A private temporary name per process and thread, renamed over the target: readers see
        # the old value or the new one, never a partial file.
        tmp = f"{path}.{os.getpid()}-{threading.get_ident()}.tmp"
        try:
            if path.parent not in self._made:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._made.add(path.parent)
            try:
                try:
                    handle = open(tmp, "wb")  # noqa: SIM115 - closed below
                except FileNotFoundError:  # the folder was removed since we made it
                    path.parent.mkdir(parents=True, exist_ok=True)
                    handle = open(tmp, "wb")  # noqa: SIM115
                with handle:
                    handle.write(data)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise IOManagerError(f"asset '{key}': cannot write {path}: {exc.strerror or exc}") from exc
        return {"bytes": len(data)}

    def load(self, key: AssetKey, partition: str | None) -> Any:
        path = self.path_for(key, partition)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            where = f" partition '{partition}'" if partition is not None else ""
            raise IOManagerError(
                f"asset '{key}'{where} has no stored value at {path}: materialize it first "
                f"(e.g. `headwater materialize --select {key}`)"
            ) from None
        try:
            return pickle.loads(data)
        except Exception as exc:
            raise IOManagerError(f"asset '{key}': cannot unpickle {path}: {exc}") from exc

    def exists(self, key: AssetKey, partition: str | None) -> bool:
        return self.path_for(key, partition).is_file()
