"""Staged files: a value written under a private name beside its final path and renamed over it
only when published, flushed to disk first; and the removal of staging files left by killed runs.

A staging name carries the process that will publish it (``host~pid``), so a later save can tell
a leftover of a dead process from a value another live run is about to publish.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote

from headwater.errors import IOManagerError
from headwater.io.base import Staged
from headwater.keys import AssetKey

SUFFIX = ".staged"
_FLUSHERS = 8
_LEGACY_SUFFIX = ".tmp"  # the temporary files of the writes before staging: '<file>.<pid>-<thread>.tmp'


@cache
def _host() -> str:
    return quote(socket.gethostname(), safe="-_")  # no '.' or '~', so a staging name splits back


def this_process() -> str:
    """The owner token of this process: ``host~pid``."""
    return f"{_host()}~{os.getpid()}"


def staging_name(path: str, owner: str) -> str:
    """A fresh staging name beside ``path`` for ``owner`` (this process when empty)."""
    return f"{path}.{owner or this_process()}.{secrets.token_hex(4)}{SUFFIX}"


def owner_is_gone(owner: str) -> bool:
    """Whether the process ``host~pid`` is known to have ended (only processes of this host can be known)."""
    host, _, pid = owner.rpartition("~")
    return host == _host() and pid.isdigit() and not _alive(int(pid))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process
        return True
    return True


def is_stale(name: str) -> bool:
    """Whether the file ``name`` is a staging (or older temporary) file whose process has ended."""
    if name.endswith(SUFFIX):
        parts = name.rsplit(".", 3)
        return len(parts) == 4 and owner_is_gone(parts[1])
    if name.endswith(_LEGACY_SUFFIX):
        parts = name.rsplit(".", 2)
        pid = parts[1].split("-")[0] if len(parts) == 3 else ""
        return pid.isdigit() and not _alive(int(pid))
    return False


def remove_stale(folder: str) -> int:
    """Remove the staging files of ended processes in ``folder``; returns how many were removed."""
    removed = 0
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(folder):
            if entry.is_file(follow_symlinks=False) and is_stale(entry.name):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed += 1
    return removed


def stage_file(
    key: AssetKey, partition: str | None, path: str, data: bytes, owner: str, made_folders: set[str] | None = None
) -> StagedFile:
    """Write ``data`` (``key``'s value) under a staging name beside ``path``; nothing is left when it fails.

    The first write into a folder (per ``made_folders``) creates it and removes stale staging files there.
    """
    folder = os.path.dirname(path)
    if made_folders is None or folder not in made_folders:
        os.makedirs(folder, exist_ok=True)
        remove_stale(folder)
        if made_folders is not None:
            made_folders.add(folder)
    staging = staging_name(path, owner)
    try:
        try:
            handle = open(staging, "xb")  # noqa: SIM115 - closed below
        except FileNotFoundError:  # the folder was removed since it was made
            os.makedirs(folder, exist_ok=True)
            handle = open(staging, "xb")  # noqa: SIM115
        with handle:
            handle.write(data)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(staging)
        raise
    return StagedFile(key=key, partition=partition, path=path, staging=staging)


@dataclass(frozen=True, kw_only=True)
class StagedFile(Staged):
    """A value in a file of its own under a staging name; publishing renames it over ``path``."""

    path: str
    staging: str

    def publish(self) -> None:
        self.publish_many([self])

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.staging)

    @classmethod
    def publish_many(cls, items: Sequence[Staged]) -> None:
        """Flush each file, then its folder, to disk; rename each into place; flush the folders again,
        so the renames are on disk too. A folder is flushed once for all its files in ``items``."""
        files = [item for item in items if isinstance(item, StagedFile)]
        folders = list(dict.fromkeys(os.path.dirname(item.path) for item in files))
        missing: list[StagedFile] = []
        present: list[StagedFile] = []
        # Concurrent fsyncs share the file system's journal commits: far fewer disk flushes than one by one.
        for item, found in zip(files, _flusher().map(_fsync_file, [item.staging for item in files]), strict=True):
            (present if found else missing).append(item)
        for folder in folders:
            _fsync_folder(folder)
        for item in present:
            try:
                os.replace(item.staging, item.path)
            except FileNotFoundError:
                missing.append(item)
        for folder in folders:
            _fsync_folder(folder)
        if missing:
            item = missing[0]
            where = f" partition '{item.partition}'" if item.partition is not None else ""
            raise IOManagerError(
                f"asset '{item.key}'{where}: its staged value {item.staging} was removed before it could "
                f"replace {item.path}, so the stored value is not the one just recorded: materialize it again"
            )


@cache
def _flusher() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=_FLUSHERS, thread_name_prefix="headwater-fsync")


def _fsync_file(path: str) -> bool:
    """Flush the file at ``path`` to disk; False when it is not there."""
    try:
        _fsync(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    return True


def _fsync(path: str, flags: int) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: str) -> None:
    if os.name != "posix":  # folders cannot be opened for fsync elsewhere
        return
    with contextlib.suppress(FileNotFoundError):
        _fsync(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
