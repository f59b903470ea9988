"""Partitions of a run over the graph: which partitioned assets a run covers and the upstream
partitions each of its steps reads (the checked mappings are ``AssetGraph.partitions``).

Pure: dynamic partition keys and the clock come in a ``KeyContext``. Nothing here recurses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from headwater.definitions.partitions import KeyContext, PartitionsDefinition
from headwater.errors import SelectionError
from headwater.graph.asset_graph import AssetGraph
from headwater.graph.plan import Plan
from headwater.keys import AssetKey

InputKeys = str | tuple[str, ...] | None


def check_run_partitions(
    graph: AssetGraph, plan: Plan, keys: Sequence[str], ctx: KeyContext
) -> dict[PartitionsDefinition, list[AssetKey]]:
    """Check that ``keys`` are partitions of every partitioned asset the plan runs.

    Returns the plan's partitioned assets grouped by partitions definition. Raises
    SelectionError when a key is unknown, when no partition is given for partitioned
    assets, or when one is given and nothing selected is partitioned.
    """
    parts = graph.partitions
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
    parts = graph.partitions
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


UpstreamReads = dict[str, dict[AssetKey, tuple[str, ...]]]
"""Op name -> partitioned upstream asset -> the partitions of it the op's step reads."""


def upstream_reads(
    graph: AssetGraph, plan: Plan, keys: Sequence[str], ctx: KeyContext, inputs: Mapping[str, Mapping[str, InputKeys]]
) -> UpstreamReads:
    """The partitions each step reads of each partitioned upstream asset, through its mappings:
    the (narrowed) ``inputs`` for inputs, the mapping itself for ``deps=`` entries. What provenance
    records as the versions a value was made from, and memoization compares."""
    parts = graph.partitions
    out: UpstreamReads = {}
    for name in plan.steps:
        op = graph.ops.get(name)
        if op is None:
            continue
        down = parts.of(op.keys[0])
        down_keys: Sequence[str] = keys if down is not None else ()
        given = inputs.get(name, {})
        mapped: dict[AssetKey, dict[str, None]] = {}  # keys in order, once (two inputs may read one asset)
        for edge in parts.edges.get(name, ()):
            if edge.mapping is None:
                continue
            wanted: InputKeys
            if edge.param is not None and edge.param in given:
                wanted = given[edge.param]
            else:
                try:
                    wanted = edge.mapping.upstream(down, down_keys, parts.by_key[edge.upstream], ctx)
                except SelectionError:
                    wanted = ()  # e.g. a window before the first upstream partition: reads none
            read = () if wanted is None else (wanted,) if isinstance(wanted, str) else tuple(wanted)
            mapped.setdefault(edge.upstream, {}).update(dict.fromkeys(read))
        if mapped:
            out[name] = {key: tuple(found) for key, found in mapped.items()}
    return out


def describe_inputs(inputs: Mapping[str, Mapping[str, Any]]) -> int:
    """How many upstream partitions the inputs read in all (for summaries and benchmarks)."""
    total = 0
    for mapped in inputs.values():
        for value in mapped.values():
            total += 1 if value is None or isinstance(value, str) else len(value)
    return total
