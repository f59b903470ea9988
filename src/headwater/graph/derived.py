"""Views derived from an ``AssetGraph`` once and kept on it (``graph.partitions``, ``graph.index``).

Each is a frozen object built from the graph alone, so the graph caches it as a property and no
module keeps a cache keyed by graphs. Pure: no storage, no clock, no user code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from headwater.definitions.partitions import (
    DynamicPartitions,
    MultiPartitions,
    PartitionMapping,
    PartitionsDefinition,
    resolve_mapping,
)
from headwater.keys import AssetKey

if TYPE_CHECKING:
    from headwater.graph.asset_graph import AssetGraph

MappedEdge = tuple[int, int, PartitionMapping, PartitionsDefinition | None, PartitionsDefinition]
"""An input from a partitioned asset by position: (asset, parent, mapping, asset's partitions, parent's)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Edge:
    """One upstream of an op: the input name (None for a ``deps=`` entry), its key and mapping."""

    param: str | None
    upstream: AssetKey
    mapping: PartitionMapping | None


@dataclass(frozen=True, kw_only=True, slots=True)
class GraphPartitions:
    """The partitioned assets of a graph and every op's upstream edges with their mappings."""

    by_key: Mapping[AssetKey, PartitionsDefinition]
    edges: Mapping[str, tuple[Edge, ...]]
    dynamic: bool = False
    """Whether some partitions (or a dimension of them) are dynamic: keys then come from storage."""

    def of(self, key: AssetKey) -> PartitionsDefinition | None:
        """The partitions of ``key`` (None if unpartitioned)."""
        return self.by_key.get(key)


@dataclass(frozen=True, slots=True)
class GraphIndex:
    """A graph by position in its topological order: what the status walk reads."""

    keys: tuple[AssetKey, ...]
    names: tuple[str, ...]
    position: dict[str, int]
    parents: tuple[tuple[int, ...], ...]
    sources: tuple[bool, ...]
    partitioned: tuple[bool, ...]
    mapped_edges: tuple[MappedEdge, ...]
    """Inputs from partitioned assets: (asset, parent, mapping, their partitions), by position."""


def partition_graph(graph: AssetGraph) -> GraphPartitions:
    """Partitions and checked mappings of ``graph``.

    Raises DefinitionError naming the asset and input when a mapping cannot work.
    """
    by_key = {key: node.spec.partitions for key, node in graph.nodes.items() if node.spec.partitions is not None}
    edges: dict[str, tuple[Edge, ...]] = {}
    if by_key:
        for name, op in graph.ops.items():
            spec = graph.nodes[op.keys[0]].spec
            down = spec.partitions
            found: list[Edge] = []
            for param, up_key in graph.bindings[name].inputs.items():
                where = f"asset '{spec.key}' ({op.site}) input '{param}' from '{up_key}'"
                given = spec.partition_mappings.get(param)
                found.append(
                    Edge(param=param, upstream=up_key, mapping=resolve_mapping(down, by_key.get(up_key), given, where))
                )
            for dep in spec.deps:
                where = f"asset '{spec.key}' ({op.site}) dep '{dep}'"
                given = spec.partition_mappings.get(dep.to_string())
                found.append(
                    Edge(param=None, upstream=dep, mapping=resolve_mapping(down, by_key.get(dep), given, where))
                )
            edges[name] = tuple(found)
    dynamic = any(_is_dynamic(d) for d in set(by_key.values()))
    return GraphPartitions(by_key=by_key, edges=edges, dynamic=dynamic)


def _is_dynamic(definition: PartitionsDefinition) -> bool:
    if isinstance(definition, MultiPartitions):
        return any(isinstance(d, DynamicPartitions) for _, d in definition.dimensions)
    return isinstance(definition, DynamicPartitions)


def index_graph(graph: AssetGraph) -> GraphIndex:
    """``graph`` by position in its topological order."""
    keys = tuple(graph.keys)
    names = tuple(k.to_string() for k in keys)
    position = {name: pos for pos, name in enumerate(names)}
    parents = tuple(tuple(sorted(position[p.to_string()] for p in graph.nodes[k].parents)) for k in keys)
    sources = tuple(graph.nodes[k].spec.is_source for k in keys)
    partitioned = tuple(graph.nodes[k].spec.partitions is not None for k in keys)
    edges = _mapped_edges(graph, position) if any(partitioned) else ()
    return GraphIndex(keys, names, position, parents, sources, partitioned, edges)


def _mapped_edges(graph: AssetGraph, position: dict[str, int]) -> tuple[MappedEdge, ...]:
    parts = graph.partitions
    found: dict[tuple[int, int], MappedEdge] = {}
    for name, edges in parts.edges.items():
        for edge in edges:
            if edge.mapping is None:
                continue
            up = position[edge.upstream.to_string()]
            for key in graph.ops[name].keys:
                down = position[key.to_string()]
                found.setdefault((down, up), (down, up, edge.mapping, parts.of(key), parts.by_key[edge.upstream]))
    return tuple(found.values())
