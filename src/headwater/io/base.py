"""The IO manager interface: where asset values live, apart from their metadata.

An IO manager saves and loads one value per (asset key, partition). It never
writes events; execution records what it returns as metadata.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from headwater.errors import IOManagerError
from headwater.keys import AssetKey


class Staged(NamedTuple):
    """One staged value: the asset, its partition (None: unpartitioned) and the token naming the
    staging place (the run that staged it)."""

    key: AssetKey
    partition: str | None
    token: str


class IOManager(ABC):
    """Stores and loads asset values.

    A manager that can hold a value back until its checks pass (``publish="after_checks"``) sets
    ``supports_staging`` and implements the staging contract: ``stage`` stores a value where
    readers do not see it, ``publish`` makes staged values the stored ones (all of a call together,
    as far as the store allows), ``discard`` drops them and ``load_staged`` reads one back.
    """

    #: Whether values saved in one process can be loaded in another.
    shared_between_processes: bool = True
    #: Whether ``stage``/``publish``/``discard``/``load_staged`` are implemented.
    supports_staging: bool = False
    #: Whether a stored value is known to be the one recorded (``save`` returns its content hash, or
    #: only this process writes it): what memoization needs to reuse a stored value.
    verifies_values: bool = False

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

    def stage(self, key: AssetKey, partition: str | None, value: Any, token: str) -> Mapping[str, Any]:
        """Store ``value`` in the staging place named by ``token``, leaving the stored value as it
        is; returns what ``save`` returns (its ``"hash"`` is the hash the value has once published)."""
        raise no_staging(self, key)

    def load_staged(self, key: AssetKey, partition: str | None, token: str) -> Any:
        """The value staged under ``token``; raise IOManagerError when there is none."""
        raise no_staging(self, key)

    def publish(self, staged: Sequence[Staged]) -> None:
        """Make the ``staged`` values the stored ones, replacing what readers saw before."""
        raise no_staging(self, staged[0].key if staged else None)

    def discard(self, staged: Sequence[Staged]) -> None:
        """Drop the ``staged`` values; the stored ones stay. Values already gone are ignored."""
        raise no_staging(self, staged[0].key if staged else None)

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


def no_staging(manager: IOManager, key: AssetKey | None) -> IOManagerError:
    """The error for staging on a manager that cannot hold a value back."""
    what = f"asset '{key}' is" if key is not None else "values are"
    return IOManagerError(
        f"{what} published after checks (publish='after_checks'), but its IO manager "
        f"{type(manager).__name__} cannot stage values: use a built-in IO manager (filesystem, Parquet, "
        "DuckDB, in-memory), implement stage/publish/discard/load_staged and set supports_staging = True, "
        "or drop publish='after_checks'"
    )


def no_staged_value(key: AssetKey, partition: str | None, token: str, where: object) -> IOManagerError:
    """The error for a staged value that is not (or no longer) there."""
    part = f" partition '{partition}'" if partition is not None else ""
    return IOManagerError(
        f"asset '{key}'{part} has no value staged by run {token} (looked for {where}): it was published or "
        f"discarded already; `headwater assets staged {key}` lists the values held back"
    )
