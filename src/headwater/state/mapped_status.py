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
from headwater.keys import AssetKey
from headwater.state.partition_status import key_context
from headwater.state.versions import newest, short_version, version_of
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
        self._read_at: dict[tuple[int, int, int], tuple[str, ...]] = {}

    @cached_property
    def partitioned(self) -> frozenset[AssetKey]:
        """The partitioned assets of the graph."""
        return frozenset(self.graph.partitions.by_key)

    @cached_property
    def context(self) -> KeyContext:
        """Dynamic partition keys (read once, only if the graph has dynamic partitions)."""
        return key_context(self.storage, self.graph)

    def read_at(
        self, mapping: PartitionMapping, down: PartitionsDefinition | None, up: PartitionsDefinition
    ) -> tuple[str, ...]:
        """The partitions of ``up`` an input with ``mapping`` reads, for the asked partition of ``down``.

        Empty when the mapping has no answer (e.g. a window before the first upstream partition) or a
        partitioned downstream is asked about without a partition. Inputs sharing the mapping and
        both definitions (most of a partitioned graph) are answered once.
        """
        memo = (id(mapping), id(down), id(up))
        found = self._read_at.get(memo)
        if found is None:
            own = self.partition if down is not None else None
            found = ()
            if down is None or own is not None:
                try:
                    keys = mapping.for_key(down, own, up, self.context)
                    found = (keys,) if isinstance(keys, str) else tuple(keys)
                except SelectionError:
                    found = ()
            self._read_at[memo] = found
        return found

    def change(
        self,
        parent: AssetKey,
        wanted: tuple[str, ...],
        record: EventRecord,
        consumed: str | None,
        same: EventRecord | None,
    ) -> Change | None:
        """Whether ``record`` is older than the partitions ``wanted`` of ``parent`` (from ``read_at``).

        ``same`` is the latest value of ``parent`` at the asked partition, already read by the caller,
        so inputs that map a partition to the same key upstream (the usual case) need no query;
        ``consumed`` is the version the value recorded for this input (used for that case only:
        for other partitions the recorded version is not the one read, so the order written decides).
        """
        if not wanted:
            return None
        if len(wanted) == 1 and wanted[0] == self.partition:
            if same is None:
                return Change("upstream_missing", f"has no value for partition(s) {_keys(wanted)} that it reads")
            return self._compare(same, wanted[0], record, consumed)
        ids = self._event_ids(parent)
        missing = [p for p in wanted if p not in ids]
        if len(wanted) == 1 and not missing:
            return self._one(parent, wanted[0], record)
        newer = [p for p in wanted if ids.get(p, 0) > record.id]
        if newer:
            return Change("upstream_changed", f"has newer partition(s) than the ones consumed: {_keys(newer)}")
        if missing:
            return Change("upstream_missing", f"has no value for partition(s) {_keys(missing)} that it reads")
        return None

    def _one(self, parent: AssetKey, partition: str, record: EventRecord) -> Change | None:
        """One upstream partition other than the asked one (one query, cached)."""
        upstream = self._record(parent, partition)
        return self._compare(upstream, partition, record, None) if upstream is not None else None

    @staticmethod
    def _compare(upstream: EventRecord, partition: str, record: EventRecord, consumed: str | None) -> Change | None:
        """Data versions when the consumed one is known, else which was written last."""
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
