"""What the partitions of each partitioned asset say about it as a whole, for ``AssetStatus`` asked
without a partition: its newest partition, the partitions never materialized, those made with another
code version and those whose last attempt failed.

Two queries (latest materializations and failures per partition) per thousand partitioned assets,
whatever the number of partitions; the unpartitioned value a partitioned asset may have from before
it was partitioned is not read. It judges nothing: ``AssetStatus`` turns these into states and reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from headwater.definitions.partitions import KeyContext
from headwater.definitions.partitions.base import describe_keys
from headwater.events import AssetMaterialized, EventRecord
from headwater.graph import AssetGraph
from headwater.keys import AssetKey
from headwater.storage import Storage


@dataclass(frozen=True, kw_only=True, slots=True)
class PartitionsSeen:
    """The partitions of one partitioned asset, as its latest events per partition give them."""

    total: int
    newest: EventRecord | None
    """The newest materialization of a current partition (None: no partition is materialized)."""
    missing: tuple[str, ...]
    """Current partitions never materialized, in partition order."""
    older_code: int
    """Materialized partitions whose latest materialization recorded another code version than declared."""
    failed: int
    """Partitions whose latest attempt failed after their latest materialization (or with none)."""
    last_failure: EventRecord | None
    """The newest of those failures."""

    @property
    def materialized(self) -> int:
        """How many current partitions are materialized."""
        return self.total - len(self.missing)

    def missing_text(self) -> str:
        """``2 of 3 partitions never materialized: '2026-01-02', '2026-01-03'``."""
        return (
            f"{len(self.missing):,} of {self.total:,} partitions never materialized: {describe_keys(self.missing, 3)}"
        )


class PartitionRollup:
    """The partitions of every partitioned asset of ``graph``, read once for one status question."""

    def __init__(self, storage: Storage, graph: AssetGraph, ctx: KeyContext) -> None:
        self.storage = storage
        self.graph = graph
        self.ctx = ctx

    @cached_property
    def _keys(self) -> list[AssetKey]:
        return sorted(self.graph.partitions.by_key)

    @cached_property
    def _made(self) -> dict[AssetKey, dict[str, EventRecord]]:
        return self.storage.latest_of_partitions(self._keys, "materialization")

    @cached_property
    def _failures(self) -> dict[AssetKey, dict[str, EventRecord]]:
        return self.storage.latest_of_partitions(self._keys, "failure")

    @cached_property
    def seen(self) -> dict[AssetKey, PartitionsSeen]:
        """Partitioned asset -> what its partitions say."""
        return {key: self._seen(key) for key in self._keys}

    def _seen(self, key: AssetKey) -> PartitionsSeen:
        spec = self.graph.nodes[key].spec
        keys: Sequence[str] = self.graph.partitions.by_key[key].keys(self.ctx)
        made = self._made.get(key, {})
        current = {p: r for p, r in made.items() if p in keys}  # not partitions since removed
        missing = tuple(p for p in keys if p not in current) if len(current) < len(keys) else ()
        newest = max(current.values(), key=lambda r: r.id, default=None)
        older = sum(
            1 for r in current.values() if AssetMaterialized.from_data(r.event.data).code_version != spec.code_version
        )
        failures = [
            r
            for p, r in self._failures.get(key, {}).items()
            if p in keys and r.id > (current[p].id if p in current else 0)
        ]
        return PartitionsSeen(
            total=len(keys),
            newest=newest,
            missing=missing,
            older_code=older,
            failed=len(failures),
            last_failure=max(failures, key=lambda r: r.id, default=None),
        )
