"""Asset status for the selection language (``status:`` and ``changed:code``), as
queries over the event log's index tables: one query per kind, never one per asset.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from headwater.events import EventRecord
from headwater.graph import AssetGraph
from headwater.keys import AssetKey
from headwater.storage import Storage


class AssetStatus:
    """Missing, failed, stale and fresh keys, and keys whose code version changed."""

    def __init__(self, storage: Storage, graph: AssetGraph) -> None:
        self.storage = storage
        self.graph = graph

    @cached_property
    def _materialized(self) -> dict[AssetKey, EventRecord]:
        return self.storage.latest("materialization")

    @cached_property
    def _observed(self) -> dict[AssetKey, EventRecord]:
        return self.storage.latest("observation")

    @cached_property
    def _failed(self) -> dict[AssetKey, EventRecord]:
        return self.storage.latest("failure")

    def _last_id(self, key: AssetKey) -> int:
        records = [r.id for r in (self._materialized.get(key), self._observed.get(key)) if r is not None]
        return max(records, default=0)

    @cached_property
    def missing(self) -> frozenset[AssetKey]:
        """Never materialized (or, for source assets, never observed)."""
        return frozenset(k for k in self.graph.nodes if self._last_id(k) == 0)

    @cached_property
    def failed(self) -> frozenset[AssetKey]:
        """The last attempt to materialize failed."""
        return frozenset(k for k, rec in self._failed.items() if k in self.graph and rec.id > self._last_id(k))

    @cached_property
    def code_changed(self) -> frozenset[AssetKey]:
        """The declared code version differs from the one last materialized (new assets included)."""
        out = set()
        for key, node in self.graph.nodes.items():
            if node.spec.op is None:
                continue
            record = self._materialized.get(key)
            recorded = record.event.data.get("code_version") if record is not None else None
            if node.spec.code_version != recorded or (record is None and node.spec.code_version is not None):
                out.add(key)
        return frozenset(out)

    @cached_property
    def stale(self) -> frozenset[AssetKey]:
        """Materialized, but its code changed or an upstream asset was updated after it."""
        out = set(self.code_changed - self.missing)
        for key, node in self.graph.nodes.items():
            own = self._last_id(key)
            if own and any(self._last_id(parent) > own for parent in node.parents):
                out.add(key)
        return frozenset(out)

    @cached_property
    def fresh(self) -> frozenset[AssetKey]:
        """Materialized, not stale and not failed."""
        return frozenset(self.graph.nodes) - self.missing - self.stale - self.failed

    def predicates(self) -> dict[str, Callable[[str], frozenset[AssetKey]]]:
        """Callbacks for ``select(..., predicates=...)``."""

        def status(value: str) -> frozenset[AssetKey]:
            result: frozenset[AssetKey] = getattr(self, value)
            return result

        return {"status": status, "changed": lambda value: self.code_changed}
