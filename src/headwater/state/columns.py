"""Column-level lineage from the schemas recorded with materializations.

A column of an upstream asset that keeps its name in a downstream asset is linked to it, unless
the downstream asset records which columns each of its columns comes from (``column_lineage``
metadata, as SQL assets and dbt models do). The schema of an asset is the one recorded by its
latest materialization (an IO manager's ``schema`` metadata, else the ``shape`` execution records
for tables), else one declared with the asset as ``metadata={"schema": {...}}``; values are never
loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from headwater.errors import DefinitionError, SelectionError, did_you_mean
from headwater.events import AssetMaterialized, AssetObserved, EventRecord
from headwater.graph import AssetGraph
from headwater.keys import AssetKey, CoercibleToKey, to_key
from headwater.storage import Storage

if TYPE_CHECKING:
    from headwater.definitions import Definitions


class HasStorage(Protocol):
    """Anything that holds an event log, such as an ``Instance``."""

    @property
    def storage(self) -> Storage:
        """The event log."""
        ...


def recorded_shape(made: AssetMaterialized | AssetObserved) -> dict[str, Any] | None:
    """``{"rows": n, "columns": {name: type}}`` of a materialization, from its shape or schema metadata."""
    shape = made.shape if isinstance(made, AssetMaterialized) else None
    if shape is not None and isinstance(shape.get("columns"), dict):
        return dict(shape)
    metadata = made.metadata
    if isinstance(metadata.get("schema"), dict):
        return {"rows": metadata.get("rows"), "columns": metadata["schema"]}
    return None


def recorded_schema(made: AssetMaterialized | AssetObserved) -> dict[str, str] | None:
    """Column name -> type of a materialization's value; the IO manager's full schema when it gave one."""
    schema = made.metadata.get("schema")
    if isinstance(schema, dict):
        return {str(k): str(v) for k, v in schema.items()}
    shape = recorded_shape(made)
    return {str(k): str(v) for k, v in shape["columns"].items()} if shape is not None else None


@dataclass(frozen=True, kw_only=True)
class ColumnRef:
    """One column of one asset, ``distance`` levels up or down from the asset asked about."""

    asset: str
    column: str
    type: str | None
    distance: int

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {"asset": self.asset, "column": self.column, "type": self.type, "distance": self.distance}


@dataclass(frozen=True, kw_only=True)
class ColumnLineage:
    """A column of the asset with the columns it comes from and the columns made from it."""

    name: str
    type: str
    upstream: tuple[ColumnRef, ...]
    downstream: tuple[ColumnRef, ...]

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {
            "name": self.name,
            "type": self.type,
            "upstream": [r.to_json() for r in self.upstream],
            "downstream": [r.to_json() for r in self.downstream],
        }


@dataclass(frozen=True, kw_only=True)
class AssetColumns:
    """The columns of an asset's latest materialization and their lineage (``to_json()`` for UIs)."""

    key: str
    run_id: str | None
    timestamp: float | None
    columns: tuple[ColumnLineage, ...]
    without_schema: tuple[str, ...]
    """Neighbouring assets with no recorded schema, whose columns cannot be linked."""

    @property
    def schema_recorded(self) -> bool:
        """Whether the asset's columns are known (recorded by a materialization, or declared)."""
        return bool(self.columns)

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {
            "key": self.key,
            "run_id": self.run_id,
            "timestamp": self.timestamp,
            "schema_recorded": self.schema_recorded,
            "columns": [c.to_json() for c in self.columns],
            "without_schema": list(self.without_schema),
        }


Pair = tuple[AssetKey, str]
_UNREAD = object()  # a cache entry not read yet (None is a valid "nothing recorded")


def recorded_links(metadata: Any) -> dict[str, list[Pair]] | None:
    """``column_lineage`` metadata ({column: [{"asset": key, "column": name}]}, from SQL assets and dbt) as pairs."""
    raw = metadata.get("column_lineage") if isinstance(metadata, Mapping) else None
    if not isinstance(raw, Mapping):
        return None
    links: dict[str, list[Pair]] = {}
    for column, sources in raw.items():
        pairs = links.setdefault(str(column), [])
        for source in sources if isinstance(sources, list) else ():
            try:
                pairs.append((AssetKey.parse(str(source["asset"])), str(source["column"])))
            except (KeyError, TypeError, DefinitionError):
                continue  # a malformed entry links nothing
    return links


class _Known:
    """Per asset: its latest materialization, its columns and any explicit column links (read once each).

    Unpartitioned assets are read in one batch, partitioned ones by their latest event of any partition.
    Columns and links recorded by the materialization win over those declared with the asset
    (``metadata={"schema": {...}, "column_lineage": {...}}``, as dbt assets carry).
    """

    def __init__(self, storage: Storage, graph: AssetGraph, keys: Collection[AssetKey]) -> None:
        self.storage = storage
        self.graph = graph
        self.batched = frozenset(keys)
        # Keyed by the graph's own key objects: dict lookups then match by identity, not by __eq__.
        self.canonical = {key.to_string(): key for key in graph.nodes}
        self.records: dict[AssetKey, EventRecord | None] = {
            self.canonical[key.to_string()]: record
            for key, record in storage.latest("materialization", keys).items()
            if key.to_string() in self.canonical
        }
        self.schemas: dict[AssetKey, dict[str, str] | None] = {}
        self.links: dict[AssetKey, dict[str, list[Pair]] | None] = {}

    def record(self, key: AssetKey) -> EventRecord | None:
        cached = self.records.get(key, _UNREAD)
        if cached is not _UNREAD:
            return cast("EventRecord | None", cached)
        record: EventRecord | None = None
        if key not in self.batched or self.graph.nodes[key].spec.partitions is not None:
            latest = self.storage.asset_events(key, limit=1)
            record = latest[0] if latest else None
        self.records[key] = record
        return record

    def schema(self, key: AssetKey) -> dict[str, str] | None:
        cached = self.schemas.get(key, _UNREAD)
        if cached is not _UNREAD:
            return cast("dict[str, str] | None", cached)
        record = self.record(key)
        found = recorded_schema(record.event.asset_payload()) if record is not None else None
        declared = self.graph.nodes[key].spec.metadata.get("schema")
        if found is None and isinstance(declared, Mapping):
            found = {str(k): str(v) for k, v in declared.items()}
        self.schemas[key] = found
        return found

    def explicit(self, key: AssetKey) -> dict[str, list[Pair]] | None:
        """Column -> upstream (asset, column) pairs the asset says it is computed from; None: match by name."""
        cached = self.links.get(key, _UNREAD)
        if cached is not _UNREAD:
            return cast("dict[str, list[Pair]] | None", cached)
        record = self.record(key)
        found = recorded_links(record.event.asset_payload().metadata) if record is not None else None
        if found is None:
            found = recorded_links(self.graph.nodes[key].spec.metadata)
        self.links[key] = found
        return found

    def upstream(self, key: AssetKey, column: str, missing: set[AssetKey]) -> list[Pair]:
        links = self.explicit(key)
        if links is not None:
            found = ((self.canonical.get(k.to_string()), c) for k, c in links.get(column, ()))
            return [(k, c) for k, c in found if k is not None]
        return self._by_name(self.graph.nodes[key].parents, column, missing)

    def downstream(self, key: AssetKey, column: str, missing: set[AssetKey]) -> list[Pair]:
        out: list[Pair] = []
        by_name: list[AssetKey] = []
        for child in self.graph.nodes[key].children:
            links = self.explicit(child)
            if links is None:
                by_name.append(child)
            else:
                out.extend((child, name) for name, sources in links.items() if (key, column) in sources)
        return out + self._by_name(by_name, column, missing)

    def _by_name(self, keys: Iterable[AssetKey], column: str, missing: set[AssetKey]) -> list[Pair]:
        out: list[Pair] = []
        for other in keys:
            schema = self.schema(other)
            if schema is None:
                missing.add(other)
            elif column in schema:
                out.append((other, column))
        return out


def _walk(
    known: _Known,
    start: Pair,
    step: Callable[[AssetKey, str, set[AssetKey]], list[Pair]],
    depth: int | None,
    missing: set[AssetKey],
) -> tuple[ColumnRef, ...]:
    """(asset, column) pairs reachable through ``step``, breadth first, each at its shortest distance."""
    out: list[ColumnRef] = []
    seen = {start}
    frontier = [start]
    distance = 0
    while frontier and (depth is None or distance < depth):
        distance += 1
        nxt: list[Pair] = []
        for key, column in frontier:
            for pair in step(key, column, missing):
                if pair in seen:
                    continue
                seen.add(pair)
                kind = (known.schema(pair[0]) or {}).get(pair[1])
                out.append(ColumnRef(asset=pair[0].to_string(), column=pair[1], type=kind, distance=distance))
                nxt.append(pair)
        frontier = nxt
    return tuple(sorted(out, key=lambda ref: (ref.distance, ref.asset, ref.column)))


def column_lineage(
    instance: HasStorage | Storage,
    defs: Definitions | AssetGraph,
    key: CoercibleToKey,
    column: str | None = None,
    *,
    depth: int | None = None,
) -> AssetColumns:
    """The columns of ``key`` (or only ``column``) with the upstream and downstream columns linked to them.

    A column is linked to a same-named column of a parent, unless its asset records which columns
    it is computed from (``column_lineage`` metadata: SQL assets, dbt), which then decides.
    ``depth`` limits how many levels are followed each way (None: as far as links go). Schemas are
    those of each asset's latest materialization (else declared with the asset); assets with none
    reached on the way are listed in ``without_schema``.
    """
    storage: Storage = instance if isinstance(instance, Storage) else instance.storage
    graph = defs if isinstance(defs, AssetGraph) else AssetGraph.from_definitions(defs)
    node = graph.node(key if isinstance(key, str) else to_key(key))
    reach = {node.key} | graph.upstream([node.key], depth) | graph.downstream([node.key], depth)
    known = _Known(storage, graph, reach)
    schema, record = known.schema(node.key), known.record(node.key)
    names = list(schema or {})
    if column is not None:
        if column not in names:
            if schema is None:
                raise SelectionError(
                    f"asset '{node.key}' has no recorded columns: materialize it with a DataFrame value "
                    "(or a list of dicts) first"
                )
            raise SelectionError(
                f"asset '{node.key}' has no column '{column}'{did_you_mean(column, names)}; "
                f"its columns: {', '.join(names[:20])}"
            )
        names = [column]
    missing: set[AssetKey] = set()
    columns = tuple(
        ColumnLineage(
            name=name,
            type=(schema or {})[name],
            upstream=_walk(known, (node.key, name), known.upstream, depth, missing),
            downstream=_walk(known, (node.key, name), known.downstream, depth, missing),
        )
        for name in names
    )
    if not columns:  # no schema: still say which neighbours lack one
        missing.update(
            k for k in graph.nodes[node.key].parents | graph.nodes[node.key].children if known.schema(k) is None
        )
    return AssetColumns(
        key=node.key.to_string(),
        run_id=record.event.run_id if record is not None else None,
        timestamp=record.event.timestamp if record is not None else None,
        columns=columns,
        without_schema=tuple(sorted(k.to_string() for k in missing)),
    )
