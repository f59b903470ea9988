"""What conditions on partitioned assets are evaluated against: the partitions each asset may
request (its latest time window, each key of other partitions, and the windows whose upstream
partitions changed since it was last updated or requested), what each of them reads upstream, and
when each of those partitions was last updated.

Loaded in a fixed number of queries per tick, and only for the partitions named above: an hourly
asset with years of partitions costs its latest window, not every partition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import product

from headwater.definitions.partitions import (
    MULTI_SEPARATOR,
    IdentityMapping,
    KeyContext,
    MultiPartitions,
    PartitionMapping,
    PartitionsDefinition,
    TimeWindowMapping,
    TimeWindowPartitions,
)
from headwater.errors import HeadwaterError
from headwater.graph import AssetGraph
from headwater.keys import AssetKey
from headwater.storage import Storage
from headwater.storage.automation import AutomationStore

Unit = tuple[AssetKey, str | None]
"""An asset partition: the key and its partition (None for an unpartitioned asset)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PartitionFacts:
    """Candidate partitions of the partitioned assets that carry a condition, and their upstream."""

    candidates: Mapping[AssetKey, tuple[str, ...]]
    """Per asset, the partitions it may request this tick (the latest window last for time windows)."""
    upstream: Mapping[Unit, tuple[Unit, ...] | None]
    """What each candidate reads; None when its mapping finds no upstream partitions (it cannot run)."""
    updated: Mapping[AssetKey, Mapping[str, float]]
    """When each partition named above was last materialized or observed."""

    @classmethod
    def load(
        cls,
        storage: Storage,
        graph: AssetGraph,
        keys: Sequence[AssetKey],
        *,
        now: float,
        since: Mapping[AssetKey, float],
    ) -> PartitionFacts:
        """Facts for ``keys`` (partitioned assets with a condition); ``since`` is when each asset was
        last updated or requested (any partition)."""
        parts = graph.partitions
        ctx = KeyContext(
            now=datetime.fromtimestamp(now, UTC), dynamic=storage.dynamic_partitions() if parts.dynamic else {}
        )
        store = AutomationStore(storage)
        candidates = {key: _base_candidates(parts.by_key[key], ctx) for key in keys}
        _add_changed(store, graph, candidates, since, ctx)
        upstream: dict[Unit, tuple[Unit, ...] | None] = {}
        for key, found in candidates.items():
            for partition in found:
                upstream[(key, partition)] = _upstream(graph, key, partition, ctx)
        wanted: dict[AssetKey, set[str]] = {}
        for unit, ups in upstream.items():
            for up_key, up_partition in (unit,) if ups is None else (unit, *ups):
                if up_partition is not None:
                    wanted.setdefault(up_key, set()).add(up_partition)
        return cls(candidates=candidates, upstream=upstream, updated=_load_updated(store, graph, wanted))


def _base_candidates(definition: PartitionsDefinition, ctx: KeyContext) -> tuple[str, ...]:
    """The latest complete window of time windows; every key of other partitions; of multi-partitions,
    every combination of the latest window of a time dimension with the keys of the others."""
    if isinstance(definition, MultiPartitions):
        per_dimension = [_base_candidates(d, ctx) for _, d in definition.dimensions]
        return tuple(MULTI_SEPARATOR.join(parts) for parts in product(*per_dimension))
    found = definition.keys(ctx)
    if isinstance(definition, TimeWindowPartitions):
        return tuple(found[-1:])
    return tuple(found)


def _add_changed(
    store: AutomationStore,
    graph: AssetGraph,
    candidates: dict[AssetKey, tuple[str, ...]],
    since: Mapping[AssetKey, float],
    ctx: KeyContext,
) -> None:
    """Add the time windows of each asset whose upstream partitions changed after it was last updated
    or requested, where the mapping tells cheaply which windows read a changed partition (identity and
    time-window mappings). An asset never updated nor requested only asks for its latest window."""
    parts = graph.partitions
    edges: dict[AssetKey, list[tuple[AssetKey, PartitionMapping, PartitionsDefinition]]] = {}
    for key in candidates:
        down = parts.by_key[key]
        op = graph.op_of(key)
        if since.get(key, 0.0) <= 0.0 or op is None or not isinstance(down, TimeWindowPartitions):
            continue
        for edge in parts.edges.get(op.name, ()):
            up = parts.by_key.get(edge.upstream)
            if up is not None and isinstance(edge.mapping, (IdentityMapping, TimeWindowMapping)):
                edges.setdefault(key, []).append((edge.upstream, edge.mapping, up))
    if not edges:
        return
    parents = {up_key for found in edges.values() for up_key, _, _ in found}
    changed = store.partition_update_times([p.to_string() for p in parents], since=min(since[k] for k in edges))
    for key, found in edges.items():
        down = parts.by_key[key]
        assert isinstance(down, TimeWindowPartitions)  # kept above
        count = down.count(ctx)
        extra: set[int] = set()
        for up_key, mapping, up in found:
            for up_partition, when in changed.get(up_key.to_string(), {}).items():
                if when > since[key]:
                    extra.update(i for i in _readers(down, mapping, up, up_partition) if 0 <= i < count)
        if extra:
            latest = candidates[key]
            older = tuple(down.key_at(i) for i in sorted(extra) if down.key_at(i) not in latest)
            candidates[key] = (*older, *latest)


def _readers(
    down: TimeWindowPartitions, mapping: PartitionMapping, up: PartitionsDefinition, up_partition: str
) -> range:
    """Positions of the windows of ``down`` that read ``up_partition`` through ``mapping``."""
    if isinstance(mapping, IdentityMapping):
        index = down.position(up_partition)
        return range(index, index + 1) if index is not None else range(0)
    assert isinstance(mapping, TimeWindowMapping) and isinstance(up, TimeWindowPartitions)
    window = up.time_window(up_partition)
    if window is None:
        return range(0)
    overlapped = down.overlapping(window)
    if not overlapped:
        return range(0)
    # Window i reads windows i + start_offset .. i + end_offset: shift back by the offsets.
    return range(overlapped.start - mapping.end_offset, overlapped.stop - mapping.start_offset)


def _upstream(graph: AssetGraph, key: AssetKey, partition: str, ctx: KeyContext) -> tuple[Unit, ...] | None:
    """The parent partitions that ``partition`` of ``key`` reads (unpartitioned parents with None)."""
    parts = graph.partitions
    op = graph.op_of(key)
    if op is None:
        return ()
    down = parts.by_key[key]
    out: list[Unit] = []
    for edge in parts.edges.get(op.name, ()):
        up = parts.by_key.get(edge.upstream)
        if up is None or edge.mapping is None:
            out.append((edge.upstream, None))
            continue
        try:
            found = edge.mapping.for_key(down, partition, up, ctx)
        except HeadwaterError:  # e.g. the window reads upstream windows that do not exist yet
            return None
        out.extend((edge.upstream, p) for p in ((found,) if isinstance(found, str) else found))
    return tuple(out)


def _load_updated(
    store: AutomationStore, graph: AssetGraph, wanted: Mapping[AssetKey, set[str]]
) -> dict[AssetKey, dict[str, float]]:
    """Update times of the wanted partitions: every partition of assets with few keys, only the
    wanted ones of time-partitioned assets (two queries)."""
    parts = graph.partitions
    windows = [k for k in wanted if isinstance(parts.by_key.get(k), TimeWindowPartitions)]
    others = [k for k in wanted if k not in set(windows)]
    found = store.partition_update_times([k.to_string() for k in others]) if others else {}
    if windows:
        keys = {p for k in windows for p in wanted[k]}
        found.update(store.partition_update_times([k.to_string() for k in windows], partitions=keys))
    by_name = {k.to_string(): k for k in wanted}
    return {by_name[name]: times for name, times in found.items() if name in by_name}
