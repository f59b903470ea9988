"""Partitions over the graph: each input's partition mapping, checked once per graph, and the
upstream partitions each step of a partitioned run reads.

Pure: dynamic partition keys and the clock come in a ``KeyContext``. Nothing here recurses.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from headwater.definitions.partitions import (
    DynamicPartitions,
    KeyContext,
    MultiPartitions,
    PartitionMapping,
    PartitionsDefinition,
    resolve_mapping,
)
from headwater.errors import SelectionError
from headwater.graph.asset_graph import AssetGraph
from headwater.graph.plan import Plan
from headwater.keys import AssetKey

InputKeys = str | tuple[str, ...] | None


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


_CACHE: weakref.WeakKeyDictionary[AssetGraph, GraphPartitions] = weakref.WeakKeyDictionary()


def graph_partitions(graph: AssetGraph) -> GraphPartitions:
    """Partitions and checked mappings of ``graph`` (computed once per graph).

    Raises DefinitionError naming the asset and input when a mapping cannot work.
    """
    cached = _CACHE.get(graph)
    if cached is not None:
        return cached
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
    result = GraphPartitions(by_key=by_key, edges=edges, dynamic=dynamic)
    _CACHE[graph] = result
    return result


def _is_dynamic(definition: PartitionsDefinition) -> bool:
    if isinstance(definition, MultiPartitions):
        return any(isinstance(d, DynamicPartitions) for _, d in definition.dimensions)
    return isinstance(definition, DynamicPartitions)


def check_run_partitions(
    graph: AssetGraph, plan: Plan, keys: Sequence[str], ctx: KeyContext
) -> dict[PartitionsDefinition, list[AssetKey]]:
    """Check that ``keys`` are partitions of every partitioned asset the plan runs.

    Returns the plan's partitioned assets grouped by partitions definition. Raises
    SelectionError when a key is unknown, when no partition is given for partitioned
    assets, or when one is given and nothing selected is partitioned.
    """
    parts = graph_partitions(graph)
    groups: dict[PartitionsDefinition, list[AssetKey]] = {}
    for key in plan.asset_keys:
        definition = parts.of(key)
        if definition is not None:
            groups.setdefault(definition, []).append(key)
    if not keys:
        if groups:
            names = ", ".join(str(k) for ks in groups.values() for k in ks[:3])
            first = next(iter(groups))
            example = first.keys(ctx)[-1] if len(first.keys(ctx)) else "KEY"
            raise SelectionError(
                f"the selection has partitioned assets ({names}), so a run needs a partition: pass "
                f"partition={example!r} (--partition {example}), or run `headwater backfill` for many"
            )
        return groups
    if not groups:
        raise SelectionError(
            f"partition {keys[0]!r} was given, but no selected asset is partitioned: drop the partition, "
            "or select partitioned assets"
        )
    for definition, assets in groups.items():
        for partition in (keys[0], keys[-1]) if len(keys) > 1 else keys:
            definition.validate_key(partition, ctx, owner=f"asset '{assets[0]}'")
    return groups


def run_inputs(graph: AssetGraph, plan: Plan, keys: Sequence[str], ctx: KeyContext) -> dict[str, dict[str, InputKeys]]:
    """Op name -> input name -> upstream partition(s) read, for a run of partition(s) ``keys``."""
    parts = graph_partitions(graph)
    out: dict[str, dict[str, InputKeys]] = {}
    for name in plan.steps:
        down = parts.of(graph.ops[name].keys[0])
        down_keys: Sequence[str] = keys if down is not None else ()
        mapped: dict[str, InputKeys] = {}
        for edge in parts.edges.get(name, ()):
            if edge.param is None:
                continue
            if edge.mapping is None:
                mapped[edge.param] = None
                continue
            up = parts.by_key[edge.upstream]
            mapped[edge.param] = edge.mapping.upstream(down, down_keys, up, ctx)
        out[name] = mapped
    return out


def describe_inputs(inputs: Mapping[str, Mapping[str, Any]]) -> int:
    """How many upstream partitions the inputs read in all (for summaries and benchmarks)."""
    total = 0
    for mapped in inputs.values():
        for value in mapped.values():
            total += 1 if value is None or isinstance(value, str) else len(value)
    return total
