"""The IO manager interface: where asset values live, apart from their metadata.

An IO manager saves and loads one value per (asset key, partition). It never
writes events; execution records what it returns as metadata. A run stages each
value where readers do not look, records its materialization, then publishes it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from headwater.errors import IOManagerError
from headwater.keys import AssetKey


@dataclass(frozen=True, kw_only=True)
class Staged(ABC):
    """A value written where readers do not look yet; :meth:`publish` makes it the stored value.

    Picklable and self-contained: a worker process stages, the run's own process publishes
    (after the materialization is committed) or discards it.
    """

    key: AssetKey
    partition: str | None

    @abstractmethod
    def publish(self) -> None:
        """Replace the stored value with the staged one, atomically for readers."""

    @abstractmethod
    def discard(self) -> None:
        """Remove the staged value; the stored one stays as it was."""

    @classmethod
    def publish_many(cls, items: Sequence[Staged]) -> None:
        """Publish ``items`` (all of this class) in order; subclasses share work between them (fsyncs)."""
        for item in items:
            item.publish()


def publish_all(items: Sequence[Staged]) -> None:
    """Publish staged values in order, each run of one kind through its ``publish_many``.

    One that cannot be published does not stop the others; the first error is raised after them.
    """
    error: BaseException | None = None
    start = 0
    while start < len(items):
        kind = type(items[start])
        end = start
        while end < len(items) and type(items[end]) is kind:
            end += 1
        try:
            kind.publish_many(items[start:end])
        except Exception as exc:
            error = error or exc
        start = end
    if error is not None:
        raise error


def discard_all(items: Sequence[Staged]) -> None:
    """Discard staged values, keeping on past one that cannot be removed (a later save cleans it)."""
    for item in items:
        try:
            item.discard()
        except Exception:
            continue


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

    def stage(
        self, key: AssetKey, partition: str | None, value: Any, *, owner: str = "", inputs: Sequence[Staged] = ()
    ) -> tuple[Mapping[str, Any], Staged | None]:
        """Write ``value`` where loads do not see it yet; return what :meth:`save` returns and the staging.

        ``owner`` names the process that will publish or discard it (``host~pid``), so a later save
        can tell a leftover of a killed run from a value still waiting; ``inputs`` are upstream values
        of the run staged and not yet published (for values computed inside the store, like SQL).
        By default the value is saved at once (None: nothing to publish); the built-in managers stage.
        """
        return self.save(key, partition, value), None

    def load_staged(self, staged: Staged) -> Any:
        """The value ``staged`` holds (or, once it is published, the stored value)."""
        return self.load(staged.key, staged.partition)

    @abstractmethod
    def load(self, key: AssetKey, partition: str | None) -> Any:
        """Return the stored value; raise IOManagerError when there is none."""

    @abstractmethod
    def exists(self, key: AssetKey, partition: str | None) -> bool:
        """Whether a value is stored."""


def no_value(key: AssetKey, partition: str | None, found_at: str) -> IOManagerError:
    """The error for a load of a value that was never stored: where it was looked for, how to make it."""
    where = f" partition '{partition}'" if partition is not None else ""
    return IOManagerError(
        f"asset '{key}'{where} has no {found_at}: materialize it first (e.g. `headwater materialize --select {key}`)"
    )
