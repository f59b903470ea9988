"""Staged files for the file-based IO managers: a value held back until its checks pass lives
beside its published file as ``<file>.<token>.staged`` and is published by renaming it into place.

A run records a publication before it renames; one killed in between leaves the staged file,
which the next read that expects the recorded hash renames into place (the publication rolls
forward instead of being lost).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from headwater.io.base import Staged, no_staged_value
from headwater.keys import AssetKey

if TYPE_CHECKING:
    from headwater.io.base import IOManager

STAGED_SUFFIX = ".staged"


def staged_path(path: str, token: str) -> str:
    """Where the value for ``path`` staged under ``token`` lives."""
    return f"{path}.{token}{STAGED_SUFFIX}"


def content_hash(data: bytes) -> str:
    """The short hash file-based managers give of a stored value's bytes."""
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def publish_file(path: str, item: Staged) -> None:
    """Rename the file staged for ``item`` over ``path``, its published place."""
    staged = staged_path(path, item.token)
    try:
        os.replace(staged, path)
    except FileNotFoundError:
        raise no_staged_value(item.key, item.partition, item.token, staged) from None


def discard_file(path: str, token: str) -> None:
    """Remove the staged file of ``token`` (nothing when it is gone)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(staged_path(path, token))


def staged_files(path: str) -> list[str]:
    """The staged files of ``path``, whatever run staged them."""
    folder, name = os.path.split(path)
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return []
    prefix = name + "."
    return [os.path.join(folder, n) for n in names if n.startswith(prefix) and n.endswith(STAGED_SUFFIX)]


def roll_forward(path: str, value_hash: str) -> bytes | None:
    """Finish a publication cut short: the staged file of ``path`` whose bytes have ``value_hash``
    (the hash the event log recorded) is renamed into place and its bytes returned; None when none has it."""
    for candidate in staged_files(path):
        try:
            with open(candidate, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        if content_hash(data) == value_hash:
            os.replace(candidate, path)
            return data
    return None


def publish_staged(io_for: Callable[[AssetKey], IOManager], items: Sequence[Staged]) -> None:
    """Have each IO manager publish its share of ``items`` (one call per manager: one transaction
    for the tables of one warehouse)."""
    by_manager: dict[int, tuple[IOManager, list[Staged]]] = {}
    for item in items:
        manager = io_for(item.key)
        by_manager.setdefault(id(manager), (manager, []))[1].append(item)
    for manager, share in by_manager.values():
        manager.publish(share)
