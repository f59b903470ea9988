"""Preparing a partitioned run: check the partition key(s), work out which upstream partitions
every step reads, and check that those outside the run are stored (or, for an input reading
every partition, read only the stored ones and say which are not).

Costs nothing for graphs without partitions: the unpartitioned path stays as it was.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from headwater.definitions.context import StepLogger
from headwater.definitions.partitions import RANGE_SEPARATOR, AllPartitions, KeyContext
from headwater.errors import SelectionError
from headwater.graph import AssetGraph
from headwater.graph.partition_plan import InputKeys, UpstreamReads, check_run_partitions, run_inputs, upstream_reads
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
    notes: dict[str, list[str]] = field(default_factory=dict)
    """Step -> what its inputs leave out (partitions not stored), for the step's log."""
    reads: UpstreamReads = field(default_factory=dict)
    """Step -> partitioned upstream asset -> the partitions it reads (for provenance and memoization)."""

    def log_notes(self, storage: Storage, run_id: str) -> None:
        """Write the notes to the run's step logs, as warnings, before the steps run."""
        for step_key, lines in self.notes.items():
            buffer = io.StringIO()
            log = StepLogger(step_key, buffer.write)
            for line in lines:
                log.warning("%s", line)
            storage.store_logs(run_id, step_key, buffer.getvalue())

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
    inputs, notes = _read_stored(graph, plan, inputs, io_for, set(keys))
    ranged = tuple(partition_keys) if partition_keys and len(partition_keys) > 1 else None
    single = keys[0] if keys and ranged is None else None
    reads = upstream_reads(graph, plan, keys, ctx, inputs)
    return PartitionedRun(partition=single, partition_keys=ranged, inputs=inputs, notes=notes, reads=reads)


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


def _read_stored(
    graph: AssetGraph,
    plan: Plan,
    inputs: dict[str, dict[str, InputKeys]],
    io_for: Callable[[AssetKey], IOManager],
    run_keys: set[str],
) -> tuple[dict[str, dict[str, InputKeys]], dict[str, list[str]]]:
    """The inputs narrowed to stored partitions, and per step what it will not read.

    An upstream asset the run materializes makes only the run's partitions (or its one value when
    unpartitioned); other partitions it is read for must be stored already. An input reading every
    partition (``hw.AllPartitions``, the default of an unpartitioned asset) reads those that exist,
    since a time-partitioned upstream always has partitions not made yet; any other input missing a
    partition, or one that finds none at all, is refused with a SelectionError naming them.
    Existence is asked once per upstream asset (``IOManager.exists_many``), not per partition.
    """
    produced = set(plan.asset_keys)
    missing: dict[str, list[str]] = {}
    narrowed = {name: dict(mapped) for name, mapped in inputs.items()}
    notes: dict[str, list[str]] = {}
    for name, mapped in inputs.items():
        binding = graph.bindings[name]
        reads_all = {
            edge.param for edge in graph.partitions.edges.get(name, ()) if isinstance(edge.mapping, AllPartitions)
        }
        for param, wanted in mapped.items():
            key = binding.inputs[param]
            if graph.nodes[key].spec.is_source:
                continue
            partitions: tuple[Any, ...] = (wanted,) if wanted is None or isinstance(wanted, str) else wanted
            made: set[Any] = set()
            if key in produced:
                if graph.nodes[key].spec.partitions is None:
                    continue
                made = {p for p in partitions if p in run_keys}
            outside = [p for p in partitions if p not in made]
            if not outside:
                continue
            stored = io_for(key).exists_many(key, outside)
            absent = [p for p in outside if p not in stored]
            if not absent:
                continue
            if param in reads_all and isinstance(wanted, tuple) and (made or stored):
                narrowed[name][param] = tuple(p for p in wanted if p in made or p in stored)
                read = len(wanted) - len(absent)
                notes.setdefault(name, []).append(
                    f"input '{param}' reads the {read:,} of {len(wanted):,} partitions of '{key}' that are "
                    f"stored; {len(absent):,} {'has' if len(absent) == 1 else 'have'} no stored value ({_some(absent)})"
                )
                continue
            missing.setdefault(f"'{key}' partition(s) {_some(absent)}", []).append(name)
    if missing:
        lines = "; ".join(f"{what} (needed by {', '.join(steps)})" for what, steps in missing.items())
        first = next(iter(missing.values()))[0]
        raise SelectionError(
            f"upstream partitions outside the selection have no stored value: {lines}; add the upstream "
            f"assets to the selection (e.g. --select '+{first}') or materialize those partitions first"
        )
    return narrowed, notes


def _some(partitions: Sequence[str | None]) -> str:
    """The first five partitions and how many more."""
    shown = ", ".join("(unpartitioned)" if p is None else p for p in partitions[:5])
    return shown + (f" and {len(partitions) - 5:,} more" if len(partitions) > 5 else "")
