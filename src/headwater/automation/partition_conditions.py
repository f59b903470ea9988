"""Conditions of partitioned assets, evaluated per asset partition: each building block is the set of
an asset's candidate partitions (``PartitionFacts``) for which it holds, so ``eager()`` on a daily
asset requests the day that just ended and ``on_missing()`` on a static asset each missing key.

Whether an asset (or an upstream asset) is in progress and whether a check failed stay per asset.
Partitions requested in one tick run one run per partition, with the other assets of the same
partitions and key; so an upstream partition counts as there only when it is stored or requested
in this tick for the same run.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cached_property
from typing import TYPE_CHECKING

from headwater.automation.absence import absent
from headwater.automation.partition_facts import PartitionFacts, Unit
from headwater.definitions.conditions import AutomationCondition
from headwater.graph import AssetGraph
from headwater.keys import AssetKey

if TYPE_CHECKING:
    from headwater.automation.conditions import Facts

Units = set[Unit]


class UnitLeaves:
    """Each building block as the set of a batch's asset partitions for which it is true."""

    def __init__(self, graph: AssetGraph, sources: Collection[AssetKey], facts: Facts, found: PartitionFacts) -> None:
        self.graph = graph
        self.sources = sources
        self.facts = facts
        self.found = found
        self.requested: Units = set()
        """Asset partitions requested so far in this tick (parents are evaluated first)."""

    def updated(self, unit: Unit) -> float | None:
        """When the asset partition was last materialized or observed (None: never)."""
        key, partition = unit
        if partition is None:
            return self.facts.updated.get(key)
        return self.found.updated.get(key, {}).get(partition)

    def since(self, unit: Unit) -> float:
        """When the asset partition was last updated, or its asset last requested."""
        return max(self.updated(unit) or 0.0, self.facts.last_requested.get(unit[0], 0.0))

    def leaf(self, cond: AutomationCondition, batch: Units) -> Units:
        facts, op = self.facts, cond.op
        if op == "missing":
            return {u for u in batch if self.updated(u) is None}
        if op == "in_progress":
            return {u for u in batch if u[0] in facts.in_progress}
        if op == "check_failed":
            return {u for u in batch if u[0] in facts.failed_checks}
        if op == "upstream_in_progress":
            return {u for u in batch if not facts.in_progress.isdisjoint(self.graph.nodes[u[0]].parents)}
        if op == "stale":
            return {u for u in batch if (when := self.updated(u)) is not None and self._newest.get(u, 0.0) > when}
        if op == "upstream_updated_since_last":
            return {u for u in batch if self._newest.get(u, 0.0) > self.since(u)}
        if op == "upstream_missing":
            return {u for u in batch if self._upstream_missing(u)}
        if op == "cron_tick_passed":
            tick = facts.cron_tick(cond.cron or "", cond.timezone)
            return {u for u in batch if tick > self.since(u)}
        if op == "upstream_updated_since_cron":
            tick = facts.cron_tick(cond.cron or "", cond.timezone)
            return {u for u in batch if self._oldest(u, tick) >= tick}
        if op in ("not_updated_within", "expected_by"):  # judged per asset: an upstream update is awaited
            return {u for u in batch if absent(facts, cond, self.graph, u[0])}
        raise ValueError(f"unknown automation condition {op!r}")

    def _parents(self, unit: Unit) -> tuple[Unit, ...]:
        return self.found.upstream.get(unit) or ()

    @cached_property
    def _newest(self) -> dict[Unit, float]:
        """Per candidate, the latest update among the parent partitions it reads."""
        out: dict[Unit, float] = {}
        for unit, parents in self.found.upstream.items():
            times = [t for p in parents or () if (t := self.updated(p)) is not None]
            if times:
                out[unit] = max(times)
        return out

    def _oldest(self, unit: Unit, tick: float) -> float:
        parents = self._parents(unit)
        if not parents:
            return tick
        return min(self.updated(p) or 0.0 for p in parents)

    def _upstream_missing(self, unit: Unit) -> bool:
        parents = self.found.upstream.get(unit)
        if parents is None:
            return True  # its mapping reads upstream partitions that do not exist
        own = self.graph.partitions.by_key.get(unit[0])
        for parent in parents:
            key, partition = parent
            if key in self.sources or self.updated(parent) is not None:
                continue
            same_run = partition == unit[1] and self.graph.partitions.by_key.get(key) == own
            if not (same_run and parent in self.requested):
                return True
        return False
