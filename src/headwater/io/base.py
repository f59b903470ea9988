"""The IO manager interface: where asset values live, apart from their metadata.

An IO manager saves and loads one value per (asset key, partition). It never
writes events; execution records what it returns as metadata.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from typing import Any

from headwater.errors import IOManagerError
from headwater.keys import AssetKey


class IOManager(ABC):
    """Stores and loads asset values."""

    #: Whether values saved in one process can be loaded in another.
    shared_between_processes: bool = True

    @abstractmethod
    def save(self, key: AssetKey, partition: str | None, value: Any) -> Mapping[str, Any]:
        """Store ``value``; return small metadata about it (e.g. bytes written).

        ``"hash"`` (a short content hash) becomes the default data version; a ``"metadata"``
        mapping is recorded with the materialization (user metadata wins on a name clash).
        Must not leave a half-written value behind when it fails.
        """

    @abstractmethod
    def load(self, key: AssetKey, partition: str | None) -> Any:
        """Return the stored value; raise IOManagerError when there is none."""

    def load_recorded(self, key: AssetKey, partition: str | None, value_hash: str) -> Any:
        """Return the stored value, which the event log says has the hash ``value_hash``.

        A manager that hashes what it stores overrides this to refuse a value whose hash differs: one
        saved by a run that stopped before recording it. The default loads without checking.
        """
        return self.load(key, partition)

    @abstractmethod
    def exists(self, key: AssetKey, partition: str | None) -> bool:
        """Whether a value is stored."""

    def exists_many(self, key: AssetKey, partitions: Iterable[str | None]) -> set[str | None]:
        """The partitions among ``partitions`` whose value is stored (None: the unpartitioned value).

        Asked before a run that reads many partitions; override it to answer in one query or
        one listing instead of one ``exists`` call per partition.
        """
        return {partition for partition in partitions if self.exists(key, partition)}


def unrecorded_value(key: AssetKey, partition: str | None, path: object, found: str, recorded: str) -> IOManagerError:
    """The error for a stored value that is not the one the event log recorded last."""
    where = f" partition '{partition}'" if partition is not None else ""
    return IOManagerError(
        f"asset '{key}'{where}: the value stored at {path} (hash {found}) is not the one its latest "
        f"materialization recorded (hash {recorded}); a run that stopped between saving and recording it "
        f"left it there, or another run replaced it after this run started: materialize it again "
        f"(e.g. `headwater materialize --select {key}`), or run this run again once the other has ended"
    )


def no_value(key: AssetKey, partition: str | None, found_at: str) -> IOManagerError:
    """The error for a load of a value that was never stored: where it was looked for, how to make it."""
    where = f" partition '{partition}'" if partition is not None else ""
    return IOManagerError(
        f"asset '{key}'{where} has no {found_at}: materialize it first (e.g. `headwater materialize --select {key}`)"
    )
