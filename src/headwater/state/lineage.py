"""Lineage of one materialization: why an asset has its current value.

Follows the ``inputs`` each materialization recorded (see ``provenance``) up the graph:
for every input, the materialization or observation whose data version was consumed, with
its run and time, recursively up to a depth. One batched query per level of the tree (the
histories of all that level's inputs at once), so the query count is bounded by the depth.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from headwater.events import AssetMaterialized, EventRecord, EventType
from headwater.graph import AssetGraph
from headwater.keys import AssetKey
from headwater.state.versions import short_version, version_of
from headwater.storage import Storage
from headwater.storage.value_history import ValueHistory

_VALUE_EVENTS: Final = (EventType.ASSET_MATERIALIZED, EventType.ASSET_OBSERVED)
_SEARCH: Final = 200
"""Materializations of an input searched for the consumed version (newest first)."""


@dataclass(kw_only=True)
class Why:
    """One asset's value in the lineage tree: the event that produced it and its inputs' values."""

    key: AssetKey
    record: EventRecord | None
    consumed: str | None = None
    """The short data version the child recorded for this input (None at the root)."""
    current: bool = True
    """Whether this is still the asset's latest value."""
    latest_version: str | None = None
    inputs: list[Why] = field(default_factory=list)
    truncated: bool = False
    """Inputs exist beyond the depth asked for."""

    @property
    def data_version(self) -> str | None:
        """The data version of the value."""
        return version_of(self.record)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (inputs nested)."""
        event = self.record.event if self.record is not None else None
        made = event.asset_payload() if event is not None else None
        return {
            "key": self.key.to_string(),
            "found": event is not None,
            "kind": "observation"
            if event is not None and event.type is EventType.ASSET_OBSERVED
            else "materialization",
            "run_id": event.run_id if event is not None else None,
            "timestamp": event.timestamp if event is not None else None,
            "partition": event.partition if event is not None else None,
            "data_version": self.data_version,
            "code_version": made.code_version if isinstance(made, AssetMaterialized) else None,
            "consumed_version": self.consumed,
            "current": self.current,
            "latest_version": self.latest_version,
            "inputs": [child.to_json() for child in self.inputs],
            "truncated": self.truncated,
        }


def explain(storage: Storage, graph: AssetGraph, key: AssetKey, depth: int = 3) -> Why:
    """Why ``key`` has its current value, following recorded inputs up to ``depth`` levels.

    The tree is filled level by level: the histories of every input of one level come from one
    batched query, so the number of queries is bounded by ``depth`` + 1, whatever the fan-in.
    """
    history = ValueHistory(storage)
    latest = history.recent([key], _VALUE_EVENTS, 1)[key]
    root = Why(key=key, record=latest[0] if latest else None)
    root.latest_version = root.data_version
    level = [root]
    for remaining in range(depth, -1, -1):
        expanding = [(node, _parents(graph, node)) for node in level]
        expanding = [(node, parents) for node, parents in expanding if node.record is not None and parents]
        if remaining == 0:
            for node, _ in expanding:
                node.truncated = True
            break
        wanted = {parent for _, parents in expanding for parent in parents}
        histories = history.recent(wanted, _VALUE_EVENTS, _SEARCH) if wanted else {}
        level = [child for node, parents in expanding for child in _inputs(node, parents, histories)]
        if not level:
            break
    return root


def _parents(graph: AssetGraph, node: Why) -> list[AssetKey]:
    return sorted(graph.nodes[node.key].parents) if node.key in graph.nodes else []


def _inputs(node: Why, parents: list[AssetKey], histories: Mapping[AssetKey, list[EventRecord]]) -> list[Why]:
    """The children of ``node``: for each parent, the value it consumed, found in the parent's history."""
    record = node.record
    if record is None:  # nothing was consumed by a value that does not exist
        return []
    made = record.event.asset_payload()
    consumed = (made.inputs if isinstance(made, AssetMaterialized) else None) or {}
    for parent in parents:
        history = histories.get(parent, [])
        wanted = consumed.get(parent.to_string())
        if wanted is not None:
            match = next((r for r in history if _short(r) == wanted), None)
        else:  # recorded before provenance existed: the value that was newest at the time
            match = next((r for r in history if r.id < record.id), None)
        latest = history[0] if history else None
        child = Why(
            key=parent,
            record=match,
            consumed=wanted,
            current=match is not None and latest is not None and match.id == latest.id,
            latest_version=version_of(latest),
        )
        if match is not None and latest is not None and _short(latest) == _short(match):
            child.current = True
        node.inputs.append(child)
    return node.inputs


def _short(record: EventRecord) -> str | None:
    version = version_of(record)
    return short_version(version) if version is not None else None


def _kind(record: EventRecord | None) -> str | None:
    if record is None:
        return None
    return "observation" if record.event.type is EventType.ASSET_OBSERVED else "materialization"
