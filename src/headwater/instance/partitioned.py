"""Preparing a partitioned run: check the partition key(s), work out which upstream partitions
every step reads, and check that those outside the run are stored.

Costs nothing for graphs without partitions: the unpartitioned path stays as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from headwater.definitions.partitions import RANGE_SEPARATOR, KeyContext
from headwater.errors import SelectionError
from headwater.graph import AssetGraph
from headwater.graph.partition_plan import InputKeys, check_run_partitions, run_inputs
from headwater.graph.plan import Plan
from headwater.io import IOManager
from headwater.keys import AssetKey
from headwater.state.partition_status import key_context
from headwater.storage import Storage


@dataclass(frozen=True, kw_only=True, slots=True)
class PartitionedRun:
    """What a partitioned run adds to its RunSpec and RunRecord."""

    partition: str | None
    partition_keys: tuple[str, ...] | None
    inputs: dict[str, dict[str, InputKeys]]

    @property
    def label(self) -> str | None:
        """The run's partition as recorded: the key, or ``START...END`` for a range."""
        if self.partition_keys:
            return f"{self.partition_keys[0]}{RANGE_SEPARATOR}{self.partition_keys[-1]}"
        return self.partition


def prepare(
    storage: Storage,
    graph: AssetGraph,
    plan: Plan,
    partition: str | None,
    partition_keys: Sequence[str] | None,
    io_for: Callable[[AssetKey], IOManager],
    ctx: KeyContext | None = None,
) -> PartitionedRun | None:
    """The partition part of a run, or None when neither the graph nor the call involves partitions."""
    parts = graph.partitions
    if not parts.by_key and partition is None and not partition_keys:
        return None
    if partition is not None and partition_keys:
        raise SelectionError("give either a partition or a range of partition keys, not both")
    ctx = ctx if ctx is not None else key_context(storage, graph)
    if partition is not None and RANGE_SEPARATOR in partition:
        partition_keys, partition = _expand(graph, plan, partition, ctx), None
    keys: tuple[str, ...] = tuple(partition_keys) if partition_keys else ((partition,) if partition else ())
    check_run_partitions(graph, plan, keys, ctx)
    inputs = run_inputs(graph, plan, keys, ctx)
    _check_stored(graph, plan, inputs, io_for, set(keys))
    ranged = tuple(partition_keys) if partition_keys and len(partition_keys) > 1 else None
    single = keys[0] if keys and ranged is None else None
    return PartitionedRun(partition=single, partition_keys=ranged, inputs=inputs)


def _expand(graph: AssetGraph, plan: Plan, label: str, ctx: KeyContext) -> Sequence[str]:
    """The keys of a range label ``START...END`` (as a queued backfill run records its range)."""
    parts = graph.partitions
    found = {key: parts.by_key[key] for key in plan.asset_keys if key in parts.by_key}
    definitions = set(found.values())
    start, _, end = label.partition(RANGE_SEPARATOR)
    if len(definitions) != 1:
        raise SelectionError(
            f"partition range {label!r} needs the selected partitioned assets to share one partitions "
            f"definition; they have {len(definitions)}: run them one partition at a time, or select fewer"
        )
    definition = definitions.pop()
    first = next(key for key, d in found.items() if d is definition)
    return definition.key_range(start.strip(), end.strip(), ctx, owner=f"asset '{first}'")


def _check_stored(
    graph: AssetGraph,
    plan: Plan,
    inputs: dict[str, dict[str, InputKeys]],
    io_for: Callable[[AssetKey], IOManager],
    run_keys: set[str],
) -> None:
    """Raise SelectionError naming every upstream partition the run reads but neither makes nor finds stored.

    An upstream asset the run materializes makes only the run's partitions (or its one value when
    unpartitioned); other partitions it is read for must be stored already.
    """
    produced = set(plan.asset_keys)
    missing: dict[str, list[str]] = {}
    for name, mapped in inputs.items():
        binding = graph.bindings[name]
        for param, wanted in mapped.items():
            key = binding.inputs[param]
            if graph.nodes[key].spec.is_source:
                continue
            partitions: tuple[Any, ...] = (wanted,) if wanted is None or isinstance(wanted, str) else wanted
            if key in produced:
                if graph.nodes[key].spec.partitions is None:
                    continue
                partitions = tuple(p for p in partitions if p not in run_keys)
            manager = io_for(key)
            absent = [p for p in partitions if not manager.exists(key, p)]
            if absent:
                shown = ", ".join("(unpartitioned)" if p is None else p for p in absent[:5])
                more = f" and {len(absent) - 5} more" if len(absent) > 5 else ""
                missing.setdefault(f"'{key}' partition(s) {shown}{more}", []).append(name)
    if missing:
        lines = "; ".join(f"{what} (needed by {', '.join(steps)})" for what, steps in missing.items())
        first = next(iter(missing.values()))[0]
        raise SelectionError(
            f"upstream partitions outside the selection have no stored value: {lines}; add the upstream "
            f"assets to the selection (e.g. --select '+{first}') or materialize those partitions first"
        )
