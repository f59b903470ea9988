"""Staleness across partition mappings: is a partition (or an unpartitioned asset) older than
the upstream partitions it reads?

``AssetStatus`` asks this for every input whose upstream asset is partitioned; the upstream
partitions come from the input's partition mapping (``definitions.partitions.mapping``), so a
daily partition is compared with the same day upstream, a rolling week with its seven days and
an unpartitioned report with every partition it read. Costs nothing for graphs without
partitions; otherwise at most one indexed query per partitioned upstream asset, cached.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import NamedTuple

from headwater.definitions.partitions import KeyContext, PartitionMapping, PartitionsDefinition
from headwater.definitions.partitions.base import describe_keys
from headwater.errors import SelectionError
from headwater.events import EventRecord
from headwater.graph import AssetGraph
from headwater.graph.partition_plan import graph_partitions
from headwater.instance.partitioned import key_context
from headwater.instance.provenance import newest, short_version, version_of
from headwater.keys import AssetKey
from headwater.storage import Storage


class Change(NamedTuple):
    """Why one input makes its downstream stale: ``kind`` is ``upstream_changed`` or ``upstream_missing``."""

    kind: str
    detail: str


class MappedInputs:
    """Compares values with the upstream partitions their inputs map to, for one status question.

    ``partition`` is the partition the status is asked for (None: unpartitioned assets only).
    """

    def __init__(self, storage: Storage, graph: AssetGraph, partition: str | None) -> None:
        self.storage = storage
        self.graph = graph
        self.partition = partition
        self._ids: dict[AssetKey, dict[str, int]] = {}
        self._records: dict[tuple[AssetKey, str], EventRecord | None] = {}

    @cached_property
    def mappings(self) -> dict[tuple[AssetKey, AssetKey], PartitionMapping]:
        """(downstream, partitioned upstream) -> the mapping of that input; empty without partitions."""
        parts = graph_partitions(self.graph)
        out: dict[tuple[AssetKey, AssetKey], PartitionMapping] = {}
        for name, edges in parts.edges.items():
            for edge in edges:
                if edge.mapping is None:
                    continue
                for key in self.graph.ops[name].keys:
                    out.setdefault((key, edge.upstream), edge.mapping)
        return out

    @cached_property
    def partitioned(self) -> frozenset[AssetKey]:
        """The partitioned assets of the graph."""
        return frozenset(graph_partitions(self.graph).by_key)

    @cached_property
    def context(self) -> KeyContext:
        """Dynamic partition keys (read once, only if the graph has dynamic partitions)."""
        return key_context(self.storage, self.graph)

    def upstream_keys(self, key: AssetKey, parent: AssetKey) -> tuple[str, ...] | None:
        """The partitions of ``parent`` that ``key`` (at the asked partition, if partitioned) reads.

        None when the input is not mapped (``parent`` is unpartitioned) or the mapping has no
        answer for this partition (e.g. a window before the first upstream partition).
        """
        mapping = self.mappings.get((key, parent))
        if mapping is None:
            return None
        parts = graph_partitions(self.graph)
        down: PartitionsDefinition | None = parts.of(key)
        up = parts.by_key[parent]
        own = self.partition if down is not None else None
        if down is not None and own is None:
            return None
        try:
            found = mapping.for_key(down, own, up, self.context)
        except SelectionError:
            return None
        return (found,) if isinstance(found, str) else tuple(found)

    def change(self, key: AssetKey, parent: AssetKey, record: EventRecord, consumed: str | None) -> Change | None:
        """Whether ``record`` (a value of ``key``) is older than the partitions of ``parent`` it maps to."""
        wanted = self.upstream_keys(key, parent)
        if not wanted:
            return None
        ids = self._event_ids(parent)
        missing = [p for p in wanted if p not in ids]
        if len(wanted) == 1 and not missing:
            return self._one(parent, wanted[0], record, consumed if wanted[0] == self._own(key) else None)
        newer = [p for p in wanted if ids.get(p, 0) > record.id]
        if newer:
            return Change(
                "upstream_changed",
                f"has newer partition(s) than the ones consumed: {_keys(newer)}",
            )
        if missing:
            return Change("upstream_missing", f"has no value for partition(s) {_keys(missing)} that it reads")
        return None

    def _own(self, key: AssetKey) -> str | None:
        return self.partition if key in self.partitioned else None

    def _one(self, parent: AssetKey, partition: str, record: EventRecord, consumed: str | None) -> Change | None:
        """One upstream partition: compare data versions when the consumed one is known, else event order."""
        upstream = self._record(parent, partition)
        if upstream is None:
            return None
        now = version_of(upstream)
        if consumed is not None and now is not None:
            if short_version(now) == consumed:
                return None
            newer = short_version(now)
            return Change(
                "upstream_changed",
                f"partition {partition} has a newer data version ({newer}) than the one consumed ({consumed})",
            )
        if upstream.id > record.id:
            return Change("upstream_changed", f"partition {partition} was updated after it")
        return None

    def _event_ids(self, parent: AssetKey) -> dict[str, int]:
        """Partition -> id of its latest materialization or observation (one query per asset, cached)."""
        found = self._ids.get(parent)
        if found is None:
            by_kind = self.storage.partition_event_ids(parent)
            found = dict(by_kind.get("materialization", {}))
            for partition, event_id in by_kind.get("observation", {}).items():
                found[partition] = max(event_id, found.get(partition, 0))
            self._ids[parent] = found
        return found

    def _record(self, parent: AssetKey, partition: str) -> EventRecord | None:
        cached = (parent, partition)
        if cached not in self._records:
            records = [
                self.storage.latest(kind, [parent], partition).get(parent)
                for kind in ("materialization", "observation")
            ]
            self._records[cached] = newest(*records)
        return self._records[cached]


def _keys(keys: Sequence[str]) -> str:
    return describe_keys(keys, limit=3)
