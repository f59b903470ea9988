"""The health of a partitioned asset as a whole: how many of its partitions are materialized, failed,
in progress or built from older code, rolled up into one status word and a short text.

What ``headwater assets status`` and ``/api/assets/KEY`` show for a partitioned asset instead of its
(never made) unpartitioned value; one query beyond the partition status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from headwater.definitions.partitions import KeyContext
from headwater.events import AssetMaterialized
from headwater.graph import AssetGraph
from headwater.keys import AssetKey
from headwater.state.partition_rollup import PartitionsSeen
from headwater.state.partition_status import PartitionStatus
from headwater.storage import Storage


@dataclass(frozen=True, kw_only=True, slots=True)
class PartitionHealth:
    """Partition counts of one asset and their roll-up.

    ``status`` is ``materialized`` (every partition, none failed or from older code), ``stale`` (every
    partition, some materialized with another code version), ``partial`` (some partitions),
    ``failed`` (the latest attempt at some partition failed) or ``missing`` (no partition).
    """

    status: str
    total: int
    materialized: int
    failed: int
    in_progress: int
    code_changed: int
    last_materialized: float | None = None
    """When the newest partition was materialized (epoch seconds)."""

    @property
    def text(self) -> str:
        """``4/4 partitions`` or ``2/4 partitions, 1 failed, 1 stale (code changed)``."""
        parts = [f"{self.materialized:,}/{self.total:,} partitions"]
        if self.failed:
            parts.append(f"{self.failed:,} failed")
        if self.in_progress:
            parts.append(f"{self.in_progress:,} in progress")
        if self.code_changed:
            parts.append(f"{self.code_changed:,} stale (code changed)")
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, with ``text``."""
        return {
            "status": self.status,
            "total": self.total,
            "materialized": self.materialized,
            "failed": self.failed,
            "in_progress": self.in_progress,
            "code_changed": self.code_changed,
            "last_materialized": self.last_materialized,
            "text": self.text,
        }


def partition_health(
    storage: Storage, graph: AssetGraph, key: AssetKey, found: PartitionStatus, ctx: KeyContext
) -> PartitionHealth:
    """The health of partitioned asset ``key`` from its partition status ``found``."""
    counts = found.counts
    made, failed, running = (counts.get(name, 0) for name in ("materialized", "failed", "in_progress"))
    spec = graph.nodes[key].spec
    older, last = 0, None
    if made and spec.partitions is not None:
        current = set(found.keys_with("materialized", spec.partitions, ctx))
        latest = {p: r for p, r in storage.latest_all_partitions(key).items() if p in current}
        older = sum(
            1 for r in latest.values() if AssetMaterialized.from_data(r.event.data).code_version != spec.code_version
        )
        last = max((r.event.timestamp for r in latest.values()), default=None)
    return PartitionHealth(
        status=_rolled_up(made, failed, running, found.total, older),
        total=found.total,
        materialized=made,
        failed=failed,
        in_progress=running,
        code_changed=older,
        last_materialized=last,
    )


def health_of_seen(seen: PartitionsSeen) -> PartitionHealth:
    """The health of a partitioned asset from what ``PartitionRollup`` already read for its status
    (no further query; runs in progress are not counted): what the graph and the catalog show."""
    made, failed = seen.materialized, seen.failed
    last = seen.newest.event.timestamp if seen.newest is not None else None
    return PartitionHealth(
        status=_rolled_up(made, failed, 0, seen.total, seen.older_code),
        total=seen.total,
        materialized=made,
        failed=failed,
        in_progress=0,
        code_changed=seen.older_code,
        last_materialized=last,
    )


def _rolled_up(made: int, failed: int, running: int, total: int, older: int) -> str:
    if failed:
        return "failed"
    if not made:
        return "missing"
    if made + running < total:
        return "partial"
    return "stale" if older else "materialized"
