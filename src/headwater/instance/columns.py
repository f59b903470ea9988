"""Column-level lineage from the schemas recorded with materializations.

A column of an upstream asset that keeps its name in a downstream asset is linked to it. The
schema of an asset is the one recorded by its latest materialization (an IO manager's
``schema`` metadata, else the ``shape`` execution records for tables), else one declared with
the asset as ``metadata={"schema": {...}}``; values are never loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from headwater.errors import SelectionError, did_you_mean
from headwater.events import EventRecord
from headwater.graph import AssetGraph
from headwater.keys import AssetKey, CoercibleToKey, to_key
from headwater.storage import Storage

if TYPE_CHECKING:
    from headwater.definitions import Definitions
    from headwater.instance.instance import Instance


def recorded_shape(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """``{"rows": n, "columns": {name: type}}`` of a materialization's data, from its shape or schema metadata."""
    shape = data.get("shape")
    if isinstance(shape, dict) and isinstance(shape.get("columns"), dict):
        return shape
    metadata = data.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("schema"), dict):
        return {"rows": metadata.get("rows"), "columns": metadata["schema"]}
    return None


def recorded_schema(data: Mapping[str, Any]) -> dict[str, str] | None:
    """Column name -> type of a materialization's data; the IO manager's full schema when it gave one."""
    metadata = data.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("schema"), dict):
        return {str(k): str(v) for k, v in metadata["schema"].items()}
    shape = recorded_shape(data)
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


class _Schemas:
    """Latest recorded schema per asset: unpartitioned assets read in one batch, partitioned ones one by one."""

    def __init__(self, storage: Storage, graph: AssetGraph, keys: Collection[AssetKey]) -> None:
        self.storage = storage
        self.graph = graph
        self.batched = frozenset(keys)
        latest = storage.latest("materialization", keys)
        self.found: dict[AssetKey, tuple[dict[str, str] | None, EventRecord | None]] = {
            key: (self._schema(key, record), record) for key, record in latest.items()
        }

    def _schema(self, key: AssetKey, record: EventRecord | None) -> dict[str, str] | None:
        """The recorded schema, else one declared with the asset (``metadata={"schema": {...}}``, as dbt does)."""
        found = recorded_schema(record.event.data) if record is not None else None
        if found is None:
            declared = self.graph.nodes[key].spec.metadata.get("schema")
            if isinstance(declared, Mapping):
                found = {str(k): str(v) for k, v in declared.items()}
        return found

    def get(self, key: AssetKey) -> dict[str, str] | None:
        return self.record(key)[0]

    def record(self, key: AssetKey) -> tuple[dict[str, str] | None, EventRecord | None]:
        found = self.found.get(key)
        if found is None:
            record: EventRecord | None = None
            if key not in self.batched or self.graph.nodes[key].spec.partitions is not None:  # any partition
                latest = self.storage.asset_events(key, limit=1)
                record = latest[0] if latest else None
            found = (self._schema(key, record), record)
            self.found[key] = found
        return found


def _walk(
    schemas: _Schemas,
    start: AssetKey,
    column: str,
    step: Callable[[AssetKey], frozenset[AssetKey]],
    depth: int | None,
    missing: set[AssetKey],
) -> tuple[ColumnRef, ...]:
    """Assets reachable through ``step`` whose schema keeps ``column``, breadth first."""
    out: list[ColumnRef] = []
    seen = {start}
    frontier = [start]
    distance = 0
    while frontier and (depth is None or distance < depth):
        distance += 1
        nxt: list[AssetKey] = []
        for key in frontier:
            for other in step(key) - seen:
                seen.add(other)
                schema = schemas.get(other)
                if schema is None:
                    missing.add(other)
                elif column in schema:
                    out.append(
                        ColumnRef(asset=other.to_string(), column=column, type=schema[column], distance=distance)
                    )
                    nxt.append(other)
        frontier = nxt
    return tuple(sorted(out, key=lambda ref: (ref.distance, ref.asset)))


def column_lineage(
    instance: Instance | Storage,
    defs: Definitions | AssetGraph,
    key: CoercibleToKey,
    column: str | None = None,
    *,
    depth: int | None = None,
) -> AssetColumns:
    """The columns of ``key`` (or only ``column``) with upstream and downstream columns of the same name.

    ``depth`` limits how many levels are followed each way (None: as far as the name is kept).
    Schemas are those of each asset's latest materialization; an asset never materialized with
    a table value has none and is listed in ``without_schema``.
    """
    storage: Storage = instance if isinstance(instance, Storage) else instance.storage
    graph = defs if isinstance(defs, AssetGraph) else AssetGraph.from_definitions(defs)
    node = graph.node(key if isinstance(key, str) else to_key(key))
    reach = {node.key} | graph.upstream([node.key], depth) | graph.downstream([node.key], depth)
    schemas = _Schemas(storage, graph, reach)
    schema, record = schemas.record(node.key)
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
            upstream=_walk(schemas, node.key, name, lambda k: graph.nodes[k].parents, depth, missing),
            downstream=_walk(schemas, node.key, name, lambda k: graph.nodes[k].children, depth, missing),
        )
        for name in names
    )
    if not columns:  # no schema: still say which neighbours lack one
        missing.update(
            k for k in graph.nodes[node.key].parents | graph.nodes[node.key].children if schemas.get(k) is None
        )
    return AssetColumns(
        key=node.key.to_string(),
        run_id=record.event.run_id if record is not None else None,
        timestamp=record.event.timestamp if record is not None else None,
        columns=columns,
        without_schema=tuple(sorted(k.to_string() for k in missing)),
    )
