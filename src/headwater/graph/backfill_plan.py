"""Planning a backfill: split the selection into groups that run together, and the groups'
partitions into runs ("units") in dependency order across partitions.

Assets share a group when they have the same partitions and backfill policy and every edge
between them maps a partition to itself; a run of a group for partition ``k`` then waits
only for the runs, in earlier groups, that produce the upstream partitions ``k`` reads.
Groups are ordered by stage, so the unit order is topological. Pure and without recursion.

A coarser time window downstream of a finer one (monthly over daily) is planned only when all the
upstream windows it reads are in the backfill; the others are left out with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from headwater.definitions.partitions import (
    RANGE_SEPARATOR,
    IdentityMapping,
    KeyContext,
    PartitionMapping,
    PartitionsDefinition,
    TimeWindowMapping,
    TimeWindowPartitions,
)
from headwater.errors import SelectionError
from headwater.graph.asset_graph import AssetGraph
from headwater.graph.plan import Plan, plan
from headwater.keys import AssetKey

KeysFor = Callable[[tuple[AssetKey, ...], PartitionsDefinition], Sequence[str]]
"""The partition keys to backfill for a group's assets and their partitions definition."""


@dataclass(frozen=True, kw_only=True, slots=True)
class BackfillGroup:
    """Assets run together, with their partitions, policy and the plan each of their runs follows."""

    index: int
    keys: tuple[AssetKey, ...]
    partitions: PartitionsDefinition | None
    single_run: bool
    plan: Plan
    partition_keys: Sequence[str]


@dataclass(frozen=True, kw_only=True, slots=True)
class BackfillUnit:
    """One run of a backfill: a group over one partition, a range, or unpartitioned (``()``)."""

    index: int
    group: int
    partitions: tuple[str, ...]
    upstream: tuple[int, ...]

    @property
    def label(self) -> str | None:
        """The partition as recorded on the run: a key, ``START...END``, or None."""
        if not self.partitions:
            return None
        if len(self.partitions) == 1:
            return self.partitions[0]
        return f"{self.partitions[0]}...{self.partitions[-1]}"


@dataclass(frozen=True, kw_only=True, slots=True)
class LeftOut:
    """Partitions of a group that the backfill does not run, and why."""

    assets: tuple[AssetKey, ...]
    partitions: tuple[str, ...]
    reason: str

    def describe(self) -> str:
        """``asset 'monthly': 2026-03-01 left out: ...`` (a range when there are many keys)."""
        keys = self.partitions
        shown = keys[0] if len(keys) == 1 else f"{keys[0]}{RANGE_SEPARATOR}{keys[-1]} ({len(keys)} partitions)"
        return f"asset '{self.assets[0]}': {shown} left out: {self.reason}"


@dataclass(frozen=True, kw_only=True, slots=True)
class BackfillPlan:
    """Groups and units; units are in an order where every upstream unit comes first."""

    groups: tuple[BackfillGroup, ...]
    units: tuple[BackfillUnit, ...]
    left_out: tuple[LeftOut, ...] = ()

    @property
    def step_count(self) -> int:
        """Steps over all runs."""
        return sum(len(self.groups[u.group].plan.steps) for u in self.units)


def plan_backfill(
    graph: AssetGraph,
    selected: Sequence[AssetKey],
    keys_for: KeysFor,
    ctx: KeyContext,
    *,
    whole_windows: bool = False,
) -> BackfillPlan:
    """Plan a backfill of ``selected`` over the partitions ``keys_for`` gives each group.

    With ``whole_windows`` (a backfill of a requested range), a coarser time window reading a finer
    upstream group keeps only the windows whose upstream windows are all in that group's keys.
    """
    parts = graph.partitions
    wanted = set(selected)
    ordered = [k for k in graph.sort(wanted) if graph.nodes[k].spec.op is not None]
    op_of = {key: graph.nodes[key].spec.op.name for key in ordered}  # type: ignore[union-attr]
    stage: dict[str, int] = {}
    group_of: dict[str, tuple[int, PartitionsDefinition | None, bool]] = {}
    for key in ordered:
        name = op_of[key]
        if name in stage:
            continue
        spec = graph.nodes[key].spec
        single = spec.backfill_policy == "single_run"
        mappings = {e.upstream: e.mapping for e in parts.edges.get(name, ())}
        level = 0
        for out in graph.ops[name].keys:
            for parent in graph.nodes[out].parents:
                up = op_of.get(parent)
                if up is None or up == name:
                    continue
                _, up_def, up_single = group_of[up]
                together = up_def == spec.partitions and up_single == single and _identity(mappings.get(parent))
                level = max(level, stage[up] if together else stage[up] + 1)
        stage[name] = level
        group_of[name] = (level, spec.partitions, single)
    members: dict[tuple[int, PartitionsDefinition | None, bool], list[AssetKey]] = {}
    for key in ordered:
        members.setdefault(group_of[op_of[key]], []).append(key)
    group_index = {g: i for i, g in enumerate(sorted(members, key=lambda g: g[0]))}
    groups: list[BackfillGroup] = []
    for signature, index in sorted(group_index.items(), key=lambda item: item[1]):
        keys = tuple(members[signature])
        definition = signature[1]
        chosen: Sequence[str] = keys_for(keys, definition) if definition is not None else ()
        groups.append(
            BackfillGroup(
                index=index,
                keys=keys,
                partitions=definition,
                single_run=signature[2],
                plan=plan(graph, keys),
                partition_keys=chosen,
            )
        )
    left_out: list[LeftOut] = []
    if whole_windows:
        groups, left_out = _whole_windows(graph, groups, op_of, ctx)
    return BackfillPlan(groups=tuple(groups), units=_units(graph, groups, op_of, ctx), left_out=tuple(left_out))


def _identity(mapping: object) -> bool:
    return mapping is None or isinstance(mapping, IdentityMapping)


def _crossing(
    graph: AssetGraph, groups: Sequence[BackfillGroup], group: BackfillGroup, op_of: dict[AssetKey, str]
) -> list[tuple[int, AssetKey, PartitionMapping | None]]:
    """Edges from ``group``'s assets to assets of other groups: (upstream group, upstream key, mapping)."""
    parts = graph.partitions
    group_by_key = {key: g.index for g in groups for key in g.keys}
    found: list[tuple[int, AssetKey, PartitionMapping | None]] = []
    for key in group.keys:
        mappings = {e.upstream: e.mapping for e in parts.edges.get(op_of[key], ())}
        for parent in graph.nodes[key].parents:
            up_group = group_by_key.get(parent)
            if up_group is not None and up_group != group.index:
                found.append((up_group, parent, mappings.get(parent)))
    return found


_GRAIN_ORDER = {"hour": 0, "day": 1, "week": 2, "month": 3}


def _coarser(down: PartitionsDefinition | None, up: PartitionsDefinition | None) -> bool:
    return (
        isinstance(down, TimeWindowPartitions)
        and isinstance(up, TimeWindowPartitions)
        and _GRAIN_ORDER[down.grain] > _GRAIN_ORDER[up.grain]
    )


def _whole_windows(
    graph: AssetGraph, groups: list[BackfillGroup], op_of: dict[AssetKey, str], ctx: KeyContext
) -> tuple[list[BackfillGroup], list[LeftOut]]:
    """Groups whose coarser windows read only upstream windows in the backfill, and what was left out."""
    out = list(groups)
    left_out: list[LeftOut] = []
    chosen_sets: dict[int, frozenset[str]] = {}
    for group in groups:
        down = group.partitions
        edges: list[tuple[BackfillGroup, AssetKey, TimeWindowMapping, PartitionsDefinition]] = []
        for up, parent, mapping in _crossing(graph, out, group, op_of):
            up_def = out[up].partitions
            if isinstance(mapping, TimeWindowMapping) and up_def is not None and _coarser(down, up_def):
                edges.append((out[up], parent, mapping, up_def))
        if not edges:
            continue
        kept: list[str] = []
        dropped: dict[str, list[str]] = {}
        for key in group.partition_keys:
            reason = None
            for upstream, parent, mapping, up_def in edges:
                try:
                    found = mapping.upstream(down, (key,), up_def, ctx)
                except SelectionError as exc:
                    reason = str(exc)
                    break
                wanted = (found,) if isinstance(found, str) else found
                chosen = upstream.partition_keys
                inside = chosen_sets.get(upstream.index)
                if inside is None:
                    inside = chosen_sets[upstream.index] = frozenset(chosen)
                if not inside.issuperset(wanted):
                    span = f"{chosen[0]}{RANGE_SEPARATOR}{chosen[-1]}" if chosen else "none"
                    reason = (
                        f"it reads '{parent}' partitions {wanted[0]}{RANGE_SEPARATOR}{wanted[-1]}, not all in the "
                        f"backfilled range ({span}); widen --partitions to whole windows to include it"
                    )
                    break
            if reason is None:
                kept.append(key)
            else:
                dropped.setdefault(reason, []).append(key)
        if dropped:
            out[group.index] = replace(group, partition_keys=tuple(kept))
            chosen_sets.pop(group.index, None)
            left_out.extend(LeftOut(assets=group.keys, partitions=tuple(k), reason=r) for r, k in dropped.items())
    return out, left_out


def _units(
    graph: AssetGraph, groups: list[BackfillGroup], op_of: dict[AssetKey, str], ctx: KeyContext
) -> tuple[BackfillUnit, ...]:
    unit_ranges: list[range] = []
    by_partition: list[dict[str, int]] = []
    planned: list[tuple[int, tuple[str, ...]]] = []
    for group in groups:
        start = len(planned)
        if group.partitions is None:
            planned.append((group.index, ()))
        elif group.single_run:
            if group.partition_keys:
                planned.append((group.index, tuple(group.partition_keys)))
        else:
            planned.extend((group.index, (k,)) for k in group.partition_keys)
        unit_ranges.append(range(start, len(planned)))
        lookup: dict[str, int] = {}
        for position in unit_ranges[-1]:
            for partition in planned[position][1]:
                lookup[partition] = position
        by_partition.append(lookup)
    units: list[BackfillUnit] = []
    for group in groups:
        # Edges from this group's ops to ops of earlier groups, with their mappings.
        crossing = [(up, mapping) for up, _, mapping in _crossing(graph, groups, group, op_of)]
        for position in unit_ranges[group.index]:
            partitions = planned[position][1]
            upstream: set[int] = set()
            for up_group, mapping in crossing:
                up = groups[up_group]
                if up.partitions is None or group.partitions is None or mapping is None:
                    upstream.update(unit_ranges[up_group])
                    continue
                found = mapping.upstream(group.partitions, partitions, up.partitions, ctx)
                lookup = by_partition[up_group]
                for partition in (found,) if isinstance(found, str) else found:
                    hit = lookup.get(partition)
                    if hit is not None:
                        upstream.add(hit)
            units.append(
                BackfillUnit(index=position, group=group.index, partitions=partitions, upstream=tuple(sorted(upstream)))
            )
    return tuple(units)
