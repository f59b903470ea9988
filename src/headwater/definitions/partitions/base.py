"""The partitions interface: a definition lists its keys (lazily), validates keys and ranges.

Pure: keys of dynamic partitions and the current time come in a ``KeyContext`` that
the caller fills from storage and the clock. Never touches storage itself.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import overload

from headwater.errors import SelectionError, did_you_mean

RANGE_SEPARATOR = "..."
"""Separates the ends of a partition range: ``2026-01-01...2026-03-31``."""

MULTI_SEPARATOR = "|"
"""Joins the dimension keys of a multi-partition: ``2026-01-01|us``."""


@dataclass(frozen=True, kw_only=True, slots=True)
class KeyContext:
    """What key lists may depend on besides the definition: the clock and dynamic partitions.

    ``dynamic`` maps a ``DynamicPartitions`` name to its keys, as read from storage.
    """

    now: datetime | None = None
    dynamic: Mapping[str, Sequence[str]] = field(default_factory=dict)


EMPTY_CONTEXT = KeyContext()


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A half-open time interval ``[start, end)`` with timezone-aware ends."""

    start: datetime
    end: datetime


class IndexedKeys(Sequence[str]):
    """A lazy sequence of keys computed from their positions: no list is ever built."""

    __slots__ = ("_index_of", "_iterate", "_key_at", "_length", "_offset")

    def __init__(
        self,
        key_at: Callable[[int], str],
        index_of: Callable[[str], int | None],
        length: int,
        offset: int = 0,
        iterate: Callable[[int, int], Iterator[str]] | None = None,
    ) -> None:
        self._key_at = key_at
        self._index_of = index_of
        self._length = max(length, 0)
        self._offset = offset
        self._iterate = iterate

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> IndexedKeys: ...

    def __getitem__(self, index: int | slice) -> str | IndexedKeys:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._length)
            if step != 1:
                raise ValueError("partition key sequences only slice with step 1")
            return IndexedKeys(self._key_at, self._index_of, stop - start, self._offset + start, self._iterate)
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(index)
        return self._key_at(self._offset + index)

    def __iter__(self) -> Iterator[str]:
        if self._iterate is not None:
            yield from self._iterate(self._offset, self._offset + self._length)
            return
        key_at, offset = self._key_at, self._offset
        for i in range(self._length):
            yield key_at(offset + i)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.position(key) is not None

    def position(self, key: str) -> int | None:
        """The position of ``key`` in this sequence, or None (without scanning)."""
        found = self._index_of(key)
        if found is None or not self._offset <= found < self._offset + self._length:
            return None
        return found - self._offset

    def index(self, key: object, start: int = 0, stop: int | None = None) -> int:
        found = self.position(key) if isinstance(key, str) else None
        if found is None:
            raise ValueError(f"{key!r} is not a partition key here")
        return found

    def __repr__(self) -> str:
        if not self._length:
            return "IndexedKeys([])"
        return f"IndexedKeys({self[0]!r}...{self[-1]!r}, {self._length} keys)"


def key_position(keys: Sequence[str], key: str) -> int | None:
    """The position of ``key`` in ``keys`` without a linear scan when the sequence allows it."""
    if isinstance(keys, IndexedKeys):
        return keys.position(key)
    try:
        return keys.index(key)
    except ValueError:
        return None


def describe_keys(keys: Sequence[str], limit: int = 8) -> str:
    """``'a', 'b', 'c'`` for a few keys, ``'first' ... 'last' (N keys)`` for many."""
    if not keys:
        return "(no keys yet)"
    if len(keys) <= limit:
        return ", ".join(repr(k) for k in keys)
    return f"{keys[0]!r} ... {keys[-1]!r} ({len(keys)} keys)"


class PartitionsDefinition(ABC):
    """How an asset is split into partitions; subclasses are frozen dataclasses."""

    @abstractmethod
    def keys(self, ctx: KeyContext | None = None) -> Sequence[str]:
        """Every partition key in order (a lazy sequence for time windows and products)."""

    @abstractmethod
    def describe(self) -> str:
        """A short description for messages, e.g. ``DailyPartitions from 2026-01-01 (UTC)``."""

    def time_window(self, key: str) -> TimeWindow | None:
        """The time window of ``key`` for time-based partitions, else None."""
        return None

    def suggest(self, key: str, keys: Sequence[str]) -> str:
        """`` (did you mean ...?)`` for a key close to valid ones."""
        return did_you_mean(key, keys) if len(keys) <= 10_000 else ""

    def key_hint(self, key: str) -> str:
        """Extra advice when ``key`` is not valid (e.g. the expected format)."""
        return ""

    def position(self, key: str, ctx: KeyContext | None = None) -> int | None:
        """The position of ``key`` among the keys, or None when it is not one."""
        return key_position(self.keys(ctx), key)

    def validate_key(self, key: str, ctx: KeyContext | None = None, *, owner: str = "") -> int:
        """The position of ``key``; raises SelectionError naming valid keys when it is not one."""
        found = self.position(key, ctx) if isinstance(key, str) else None
        if found is not None:
            return found
        keys = self.keys(ctx)
        where = f" of {owner}" if owner else ""
        suggestions = self.suggest(str(key), keys)
        raise SelectionError(
            f"partition {key!r} is not a partition{where} ({self.describe()}){suggestions}{self.key_hint(str(key))}; "
            f"valid keys: {describe_keys(keys)}"
        )

    def key_range(self, start: str, end: str, ctx: KeyContext | None = None, *, owner: str = "") -> Sequence[str]:
        """The keys from ``start`` to ``end``, both included; raises SelectionError for a bad range."""
        first = self.validate_key(start, ctx, owner=owner)
        last = self.validate_key(end, ctx, owner=owner)
        if first > last:
            raise SelectionError(
                f"partition range {start}{RANGE_SEPARATOR}{end} starts after it ends: "
                f"write the earlier key first ({end}{RANGE_SEPARATOR}{start})"
            )
        return self.keys(ctx)[first : last + 1]


def parse_partition_selection(
    text: str, definition: PartitionsDefinition, ctx: KeyContext | None = None, *, owner: str = ""
) -> Sequence[str]:
    """Keys for ``KEY``, ``START...END`` or a comma-separated list of these."""
    keys = definition.keys(ctx)
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise SelectionError(f"no partitions given in {text!r}: write KEY, START{RANGE_SEPARATOR}END or a list")
    if len(parts) == 1 and RANGE_SEPARATOR in parts[0]:
        start, _, end = parts[0].partition(RANGE_SEPARATOR)
        return definition.key_range(start.strip(), end.strip(), ctx, owner=owner)
    positions: set[int] = set()
    for part in parts:
        if RANGE_SEPARATOR in part:
            start, _, end = part.partition(RANGE_SEPARATOR)
            first = definition.validate_key(start.strip(), ctx, owner=owner)
            definition.key_range(start.strip(), end.strip(), ctx, owner=owner)
            positions.update(range(first, definition.validate_key(end.strip(), ctx, owner=owner) + 1))
        else:
            positions.add(definition.validate_key(part, ctx, owner=owner))
    return tuple(keys[i] for i in sorted(positions))
