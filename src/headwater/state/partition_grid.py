"""The health grid of one partitioned asset: for each partition one status, with the reason, and for
a multi-partitioned asset the same rolled up along each dimension.

A partition is, in this order of precedence:

- ``in_progress``: a queued or started run is materializing it;
- ``failed``: its latest attempt failed after its latest materialization (or with none);
- ``check_failed``: a check's latest evaluation of its current value failed;
- ``overdue``: it is not materialized, its time window closed, and the asset's ``hw.Freshness``
  allows ``max_lag`` after the close, which has passed;
- ``stale``: materialized with another code version than the asset declares;
- ``materialized``, else ``missing``.

Consecutive partitions with the same status and reason form one range, so 10,000 partitions come
back as a handful of ranges. Reads: the latest materialization (its id and code version) and
failure per partition, the latest check evaluations per partition and the running runs (four
indexed queries).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from headwater.definitions.freshness import Freshness
from headwater.definitions.partitions import (
    KeyContext,
    MultiPartitions,
    PartitionsDefinition,
    TimeWindowPartitions,
)
from headwater.errors import SelectionError
from headwater.events import EventRecord, StepFailedPayload
from headwater.graph import AssetGraph
from headwater.keys import AssetKey
from headwater.state.partition_status import in_progress, runs_of
from headwater.storage import Storage

GRID_STATUSES: Final = ("in_progress", "failed", "check_failed", "overdue", "stale", "materialized", "missing")
"""Every status of a cell, worst first (a dimension value shows the worst of its partitions)."""

_REASON_LIMIT: Final = 160


@dataclass(frozen=True, kw_only=True, slots=True)
class GridRange:
    """Consecutive partitions with one status and reason: ``start`` to ``end`` (both included)."""

    status: str
    start: str
    end: str
    count: int
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"status": self.status, "start": self.start, "end": self.end, "count": self.count, "reason": self.reason}


@dataclass(frozen=True, kw_only=True, slots=True)
class DimensionValue:
    """One value of one dimension of a multi-partitioned asset: its partitions' status counts and
    the worst of them."""

    value: str
    status: str
    counts: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"value": self.value, "status": self.status, "counts": self.counts}


@dataclass(frozen=True, kw_only=True, slots=True)
class PartitionGrid:
    """The health grid of one asset (see the module's text)."""

    asset_key: AssetKey
    partitions: str
    total: int
    counts: dict[str, int] = field(default_factory=dict)
    ranges: tuple[GridRange, ...] = ()
    dimensions: tuple[tuple[str, tuple[DimensionValue, ...]], ...] = ()
    """For a multi-partitioned asset: each dimension's name and values, in key order."""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: counts per status, the ranges, and the dimensions."""
        return {
            "asset_key": self.asset_key.to_string(),
            "partitions": self.partitions,
            "total": self.total,
            "counts": self.counts,
            "ranges": [r.to_json() for r in self.ranges],
            "dimensions": [{"name": name, "values": [v.to_json() for v in values]} for name, values in self.dimensions],
        }


def partition_grid(
    storage: Storage, graph: AssetGraph, key: AssetKey | str, ctx: KeyContext, *, now: float
) -> PartitionGrid:
    """The health grid of ``key`` at ``now``; SelectionError if it is not partitioned."""
    node = graph.node(key)
    definition = node.spec.partitions
    if definition is None:
        raise SelectionError(
            f"asset '{node.key}' is not partitioned, so it has no partition grid; `headwater assets status "
            f"{node.key}` gives its status"
        )
    code_version = node.spec.code_version
    made = storage.partition_code_versions(node.key, versions=code_version is not None)
    failures = storage.latest_of_partitions([node.key], "failure").get(node.key, {})
    checks = storage.partition_failed_checks(node.key)
    running = in_progress(storage, node.key, definition, ctx)
    keys: Sequence[str] = definition.keys(ctx)
    judge = _Judge(
        made=made,
        failures=failures,
        checks=checks,
        running=running,
        code_version=code_version,
        overdue=_overdue_test(definition, node.spec.freshness, now, ctx),
    )
    counts = dict.fromkeys(GRID_STATUSES, 0)
    dims = _Dimensions(definition) if isinstance(definition, MultiPartitions) else None
    position = iter(range(len(keys)))

    def cell_of(partition: str) -> tuple[str, str]:
        cell = judge.cell(partition, next(position))
        if dims is not None:
            dims.add(partition, cell[0])
        return cell

    ranges: list[GridRange] = []
    for (status, reason), start, end, count in runs_of(keys, cell_of):
        ranges.append(GridRange(status=status, start=start, end=end, count=count, reason=reason))
        counts[status] += count
    return PartitionGrid(
        asset_key=node.key,
        partitions=definition.describe(),
        total=len(keys),
        counts=counts,
        ranges=tuple(ranges),
        dimensions=dims.values() if dims is not None else (),
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class _Judge:
    made: dict[str, tuple[int, str | None]]
    """Partition -> event id and code version of its latest materialization."""
    failures: dict[str, EventRecord]
    checks: dict[str, list[tuple[str, int]]]
    """Partition -> (name, event id) of the checks whose latest evaluation failed."""
    running: set[str]
    code_version: str | None
    overdue: Callable[[str, int], str]
    """(partition, its position) -> reason text when overdue, else "" (see ``_overdue_test``)."""

    def cell(self, partition: str, index: int) -> tuple[str, str]:
        """The status of ``partition`` (at ``index`` in key order) and its reason."""
        if self.running and partition in self.running:
            return "in_progress", "a queued or started run is materializing it"
        latest = self.made.get(partition)
        made_id = latest[0] if latest is not None else 0
        failure = self.failures.get(partition)
        if failure is not None and failure.id > made_id:
            return "failed", _failure_text(failure)
        if latest is None:
            late = self.overdue(partition, index)
            return ("overdue", late) if late else ("missing", "")
        evaluations = self.checks.get(partition)
        if evaluations:
            failed = sorted(name for name, event_id in evaluations if event_id > made_id)
            if failed:
                return "check_failed", f"check {', '.join(failed)} failed on its current value"
        if self.code_version is not None:
            recorded = latest[1]
            if recorded != self.code_version:
                return "stale", f"materialized with code version {recorded!r}; the asset declares {self.code_version!r}"
        return "materialized", ""


def _failure_text(failure: EventRecord) -> str:
    payload = failure.event.payload()
    error = payload.error if isinstance(payload, StepFailedPayload) else ""
    first = error.strip().splitlines()[0] if error.strip() else "no error recorded"
    text = f"latest attempt failed in run {failure.event.run_id[:8]}: {first}"
    return text if len(text) <= _REASON_LIMIT else text[: _REASON_LIMIT - 1] + "…"


def _overdue_test(
    definition: PartitionsDefinition, freshness: Freshness | None, now: float, ctx: KeyContext
) -> Callable[[str, int], str]:
    """A function: (partition, its position) -> why it is overdue ("" when it is not), for an asset
    whose time partitions must be materialized ``max_lag`` after their window closes."""
    if freshness is None:
        return _never
    lag = freshness.max_lag
    due_by = now - lag.total_seconds()
    reason = f"not materialized {lag} after its window closed (policy: {freshness.describe()})"
    if isinstance(definition, TimeWindowPartitions):
        closed = _closed_count(definition, due_by)
        return lambda _partition, index: reason if index < closed else ""
    if isinstance(definition, MultiPartitions):
        timed = [(at, d) for at, (_, d) in enumerate(definition.dimensions) if isinstance(d, TimeWindowPartitions)]
        if timed:
            at, dimension = timed[0]
            shut = _closed_count(dimension, due_by)
            positions = {key: i for i, key in enumerate(dimension.keys(ctx))}
            split = definition.split

            def late(partition: str, _index: int) -> str:
                spot = positions.get(split(partition)[at])
                return reason if spot is not None and spot < shut else ""

            return late
    return _never


def _never(_partition: str, _index: int) -> str:
    return ""


def _closed_count(definition: TimeWindowPartitions, due_by: float) -> int:
    """How many of the first windows of ``definition`` closed at or before ``due_by``."""
    total = definition.count()
    if total == 0:
        return 0
    moment = datetime.fromtimestamp(due_by, UTC)
    return bisect_right(range(total), moment, key=lambda i: definition.window_at(i).end)


class _Dimensions:
    """Status counts per value of each dimension of a multi-partitioned asset."""

    def __init__(self, definition: MultiPartitions) -> None:
        self.definition = definition
        self.names = definition.names
        self.counts: list[dict[str, dict[str, int]]] = [{} for _ in self.names]

    def add(self, partition: str, status: str) -> None:
        for index, part in enumerate(self.definition.split(partition)):
            by_status = self.counts[index].get(part)
            if by_status is None:
                by_status = self.counts[index][part] = {}
            by_status[status] = by_status.get(status, 0) + 1

    def values(self) -> tuple[tuple[str, tuple[DimensionValue, ...]], ...]:
        out = []
        for name, seen in zip(self.names, self.counts, strict=True):
            values = tuple(
                DimensionValue(
                    value=value,
                    status=next(s for s in GRID_STATUSES if s in counts),
                    counts={s: counts[s] for s in GRID_STATUSES if s in counts},
                )
                for value, counts in seen.items()
            )
            out.append((name, values))
        return tuple(out)
