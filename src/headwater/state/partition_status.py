"""Partition status per asset: materialized, failed, missing or in progress, as a query over
the event log's index, returned as ranges of consecutive partitions with the same status.

One indexed query for the latest events and one for the running runs, whatever the number
of partitions; 10,000 partitions come back as a handful of ranges.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from headwater.definitions.partitions import RANGE_SEPARATOR, KeyContext, PartitionsDefinition
from headwater.errors import SelectionError
from headwater.events import RunStatus
from headwater.graph import AssetGraph
from headwater.keys import AssetKey
from headwater.storage import Storage

T = TypeVar("T")

STATUSES: Final = ("materialized", "failed", "missing", "in_progress")


@dataclass(frozen=True, kw_only=True, slots=True)
class PartitionRange:
    """Consecutive partitions sharing a status: ``start`` to ``end`` (both included)."""

    status: str
    start: str
    end: str
    count: int

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"status": self.status, "start": self.start, "end": self.end, "count": self.count}


@dataclass(frozen=True, kw_only=True, slots=True)
class PartitionStatus:
    """The status of every partition of one asset, compactly."""

    asset_key: AssetKey
    partitions: str
    total: int
    counts: dict[str, int] = field(default_factory=dict)
    ranges: tuple[PartitionRange, ...] = ()

    def keys_with(self, status: str, definition: PartitionsDefinition, ctx: KeyContext) -> list[str]:
        """Every key with ``status``, expanded from the ranges."""
        out: list[str] = []
        for span in self.ranges:
            if span.status == status:
                out.extend(definition.key_range(span.start, span.end, ctx))
        return out

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: counts per status and the ranges."""
        return {
            "asset_key": self.asset_key.to_string(),
            "partitions": self.partitions,
            "total": self.total,
            "counts": self.counts,
            "ranges": [r.to_json() for r in self.ranges],
        }


def in_progress(storage: Storage, key: AssetKey, definition: PartitionsDefinition, ctx: KeyContext) -> set[str]:
    """Partitions of ``key`` that a queued or started run is materializing."""
    out: set[str] = set()
    for run in storage.list_runs(limit=1000, statuses=[RunStatus.STARTED, RunStatus.QUEUED]):
        if run.partition is None or key not in run.asset_keys:
            continue
        start, sep, end = run.partition.partition(RANGE_SEPARATOR)
        if not sep:
            out.add(start)
            continue
        try:
            out.update(definition.key_range(start, end, ctx))
        except SelectionError:
            continue  # the range no longer exists (e.g. dynamic keys removed): nothing to show
    return out


def partition_status(storage: Storage, graph: AssetGraph, key: AssetKey | str, ctx: KeyContext) -> PartitionStatus:
    """The status ranges of every partition of ``key``; raises SelectionError if it is not partitioned."""
    node = graph.node(key)
    definition = node.spec.partitions
    if definition is None:
        raise SelectionError(
            f"asset '{node.key}' is not partitioned, so it has no partition status; "
            "`headwater assets show` gives its latest materialization"
        )
    ids = storage.partition_event_ids(node.key)
    return summarise(node.key, definition, ctx, ids, in_progress(storage, node.key, definition, ctx))


def summarise(
    key: AssetKey,
    definition: PartitionsDefinition,
    ctx: KeyContext,
    ids: dict[str, dict[str, int]],
    running: set[str],
) -> PartitionStatus:
    """Ranges of statuses over ``definition``'s keys, from the latest event ids per partition."""
    materialized = ids.get("materialization", {})
    failed = ids.get("failure", {})
    keys: Sequence[str] = definition.keys(ctx)
    counts = dict.fromkeys(STATUSES, 0)
    # Only the few partitions whose latest event is a failure, or that are running, are looked up twice.
    failed_last = {p for p, event_id in failed.items() if event_id > materialized.get(p, 0)}

    def status_of(partition: str) -> str:
        if running and partition in running:
            return "in_progress"
        if partition in failed_last:
            return "failed"
        return "materialized" if partition in materialized else "missing"

    ranges: list[PartitionRange] = []
    for status, start, end, count in runs_of(keys, status_of):
        ranges.append(PartitionRange(status=status, start=start, end=end, count=count))
        counts[status] += count
    return PartitionStatus(
        asset_key=key, partitions=definition.describe(), total=len(keys), counts=counts, ranges=tuple(ranges)
    )


def runs_of(keys: Iterable[str], value_of: Callable[[str], T]) -> Iterator[tuple[T, str, str, int]]:
    """The runs of consecutive ``keys`` with one value: (value, first key, last key, how many)."""
    current: T | None = None
    start = previous = ""
    count = 0
    for key in keys:
        value = value_of(key)
        if count and value != current:
            yield current, start, previous, count  # type: ignore[misc]
            count = 0
        if not count:
            current, start = value, key
        previous = key
        count += 1
    if count:
        yield current, start, previous, count  # type: ignore[misc]


def key_context(storage: Storage, graph: AssetGraph) -> KeyContext:
    """Dynamic partition keys from storage (read only when the graph has dynamic partitions)."""
    if not graph.partitions.dynamic:
        return KeyContext()
    return KeyContext(dynamic=storage.dynamic_partitions())
