"""Evaluate every asset's automation condition over sets of assets, from facts loaded in a few
batched queries.

Each tick loads, for all assets at once: when each asset was last updated (materialized or
observed), the assets of queued and running runs, failed checks and when each asset was last
requested (plus staleness, only when a condition uses it). Each building block is then a set of
assets, and a condition is evaluated for all assets that share it with set operations (``&`` is an
intersection, ``|`` a union, ``~`` a difference). Only "upstream missing" depends on what the same
tick requests, so the assets with a missing parent are evaluated in generations, parents first.
Every node's value is kept per asset, so a user can see why an asset was or was not requested.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from headwater.automation.absence import absent
from headwater.automation.partition_conditions import UnitLeaves
from headwater.automation.partition_facts import PartitionFacts, Unit
from headwater.definitions.conditions import AutomationCondition
from headwater.definitions.cron import latest_tick
from headwater.graph import AssetGraph
from headwater.keys import AssetKey
from headwater.state import CheckVerdicts
from headwater.state.status import AssetStatus
from headwater.storage import Storage
from headwater.storage.automation import AutomationStore
from headwater.storage.run_queue import RunQueueStore

Keys = set[AssetKey]
T = TypeVar("T")


@dataclass(kw_only=True)
class Facts:
    """What conditions are evaluated against; loaded once per tick."""

    now: float
    updated: Mapping[AssetKey, float]  # latest materialization (or observation) time per asset
    in_progress: frozenset[AssetKey]
    failed_checks: frozenset[AssetKey]
    last_requested: Mapping[AssetKey, float]
    status: AssetStatus | None = None
    """The status query ``stale`` reads (asked once, only if a condition uses it)."""
    partitions: PartitionFacts | None = None
    """Candidate partitions of the partitioned assets with a condition (loaded only when there are some)."""
    _ticks: dict[tuple[str, str], float] = field(default_factory=dict)

    @classmethod
    def load(cls, storage: Storage, now: float, keys: Mapping[str, AssetKey], graph: AssetGraph) -> Facts:
        """Facts for every asset from four batched queries; ``keys`` maps printed keys to the graph's."""
        store = AutomationStore(storage)
        updated = _by_key(store.latest_update_times(), keys)
        last_requested = _by_key(store.last_requested_times(), keys)
        partitioned = partitioned_with_conditions(graph)
        since = {k: max(updated.get(k, 0.0), last_requested.get(k, 0.0)) for k in partitioned}
        return cls(
            now=now,
            updated=updated,
            in_progress=RunQueueStore(storage).in_progress_keys(),
            failed_checks=CheckVerdicts(storage, graph).failed_keys,
            last_requested=last_requested,
            status=AssetStatus(storage, graph, now=now),
            partitions=PartitionFacts.load(storage, graph, partitioned, now=now, since=since) if partitioned else None,
        )

    def cron_tick(self, cron: str, timezone: str) -> float:
        """The latest tick of ``cron`` at or before now (cached for the tick)."""
        found = self._ticks.get((cron, timezone))
        if found is None:
            found = self._ticks[(cron, timezone)] = latest_tick(cron, timezone, self.now)
        return found

    def tick_before_latest(self, cron: str, timezone: str) -> float:
        """The tick of ``cron`` before its latest one (cached for the tick)."""
        key = (cron, f"{timezone} previous")
        if key not in self._ticks:
            self._ticks[key] = latest_tick(cron, timezone, self.cron_tick(cron, timezone) - 1)
        return self._ticks[key]

    @cached_property
    def stale(self) -> frozenset[AssetKey]:
        """Stale assets, from the status query (asked once, only if a condition uses it)."""
        return self.status.stale if self.status is not None else frozenset()


def partitioned_with_conditions(graph: AssetGraph) -> list[AssetKey]:
    """The partitioned assets that carry a condition, in topological order."""
    by_key = graph.partitions.by_key if any(n.spec.partitions is not None for n in graph.nodes.values()) else {}
    return [k for k in graph.keys if k in by_key and graph.nodes[k].spec.automation is not None]


def _by_key(found: Mapping[str, float], keys: Mapping[str, AssetKey]) -> dict[AssetKey, float]:
    out: dict[AssetKey, float] = {}
    for name, value in found.items():
        key = keys.get(name)
        out[key if key is not None else AssetKey.parse(name)] = value
    return out


@dataclass(frozen=True, kw_only=True, slots=True)
class AssetEvaluation:
    """One asset's result: whether it is requested, and the value of every node of its condition.

    Assets whose condition and node values are equal share one ``detail`` object, so it is encoded
    once when the evaluations are recorded.
    """

    key: AssetKey
    requested: bool
    values: tuple[bool, ...]
    detail: dict[str, Any]
    partitions: tuple[str, ...] = ()
    """The partitions requested (partitioned assets); their values are those of the first one shown."""


class _Program:
    """A condition flattened in pre-order with each node's children positions, evaluated bottom-up."""

    def __init__(self, condition: AutomationCondition) -> None:
        self.nodes = condition.nodes()
        position = {id(node): i for i, node in enumerate(self.nodes)}
        self.children = [[position[id(child)] for child in node.children] for node in self.nodes]
        self.labels = [node.describe() if node.label or not node.children else node.op for node in self.nodes]
        self.labels[0] = condition.describe()  # the whole condition names the record
        self.steps = [(i, node.op, self.children[i], node) for i, node in reversed(list(enumerate(self.nodes)))]
        self._details: dict[tuple[bool, ...], dict[str, Any]] = {}

    def run(self, batch: set[T], leaf: Callable[[AutomationCondition, set[T]], set[T]]) -> list[set[T]]:
        """The set of members of ``batch`` (assets, or asset partitions) for which each node is true."""
        values: list[set[T]] = [batch] * len(self.nodes)
        for i, op, kids, node in self.steps:
            if op == "and":
                found = values[kids[0]]
                for k in kids[1:]:
                    found = found & values[k]
                values[i] = found
            elif op == "or":
                values[i] = set().union(*(values[k] for k in kids))
            elif op == "not":
                values[i] = batch - values[kids[0]]
            else:
                values[i] = leaf(node, batch)
        return values

    def detail(self, values: tuple[bool, ...]) -> dict[str, Any]:
        """The stored record: node labels and children (shared per condition) and each node's value."""
        found = self._details.get(values)
        if found is None:
            found = self._details[values] = {
                "condition": self.labels[0],
                "nodes": self.labels,
                "children": self.children,
                "true": list(values),
            }
        return found


def condition_runs(graph: AssetGraph, results: Sequence[AssetEvaluation]) -> list[tuple[list[AssetKey], str | None]]:
    """The runs one tick requests: one of every requested unpartitioned asset, then one per partition
    key of assets sharing one partitions definition (a run has one partition)."""
    whole: list[AssetKey] = []
    groups: dict[tuple[object, str], list[AssetKey]] = {}
    by_key = graph.partitions.by_key if any(r.partitions for r in results) else {}
    for result in results:
        if not result.requested:
            continue
        if not result.partitions:
            whole.append(result.key)
        for partition in result.partitions:
            groups.setdefault((by_key[result.key], partition), []).append(result.key)
    runs: list[tuple[list[AssetKey], str | None]] = [(whole, None)] if whole else []
    return runs + [(keys, partition) for (_, partition), keys in groups.items()]


def detail_tree(detail: Mapping[str, Any]) -> dict[str, Any]:
    """A stored evaluation as a nested tree ``{"condition", "true", "children": [...]}`` for display."""
    labels, children, values = detail["nodes"], detail["children"], detail["true"]
    trees: list[dict[str, Any]] = [{} for _ in labels]
    for i in range(len(labels) - 1, -1, -1):
        trees[i] = {"condition": labels[i], "true": values[i]}
        if children[i]:
            trees[i]["children"] = [trees[k] for k in children[i]]
    return trees[0]


class Evaluator:
    """The assets of one graph that carry a condition, grouped by condition (built once per graph)."""

    def __init__(self, graph: AssetGraph) -> None:
        self.graph = graph
        programs: dict[AutomationCondition, _Program] = {}
        by_id: dict[int, _Program] = {}
        self.program_of: dict[AssetKey, _Program] = {}
        for key in graph.keys:
            node = graph.nodes[key]
            condition = node.spec.automation
            if condition is None or node.spec.is_source:
                continue
            program = by_id.get(id(condition))
            if program is None:
                program = programs.get(condition)
                if program is None:
                    program = programs[condition] = _Program(condition)
                by_id[id(condition)] = program
            self.program_of[key] = program
        self.sources = frozenset(k for k, node in graph.nodes.items() if node.spec.is_source)
        self.keys_by_name = {k.to_string(): k for k in graph.nodes}
        # Partitioned assets are evaluated per partition, after the others (partitioned_with_conditions).
        self.partitioned = [k for k in partitioned_with_conditions(graph) if k in self.program_of]
        partitioned = set(self.partitioned)
        self.whole_of = {k: p for k, p in self.program_of.items() if k not in partitioned}

    def evaluate(self, facts: Facts) -> list[AssetEvaluation]:
        """Every condition's value for every asset that has one, in topological order."""
        leaves = _Leaves(self, facts)
        missing = {k for k in self.graph.nodes if k not in facts.updated and k not in self.sources}
        # Only an asset with a missing parent depends on what this tick requests (upstream_missing).
        waiting = {k for k in self._children_of(missing) if k in self.whole_of}
        results: dict[AssetKey, tuple[_Program, tuple[bool, ...]]] = {}
        leaves.unrequested = missing
        first = [k for k in self.whole_of if k not in waiting]
        rounds = [(first, leaves.leaf), *((g, leaves.upstream_aware) for g in self._generations(waiting))]
        for generation, leaf in rounds:
            for batch in _batches(generation, self.whole_of):
                program = self.whole_of[next(iter(batch))]
                sets = program.run(batch, leaf)
                for members, values in _signatures(batch, sets):
                    results.update(dict.fromkeys(members, (program, values)))
                missing -= sets[0]  # requested in this tick: no longer missing for its children
        by_partition = self._evaluate_partitioned(facts)
        out = []
        for key in self.graph.keys:
            found = results.get(key)
            if found is not None:
                program, values = found
                out.append(AssetEvaluation(key=key, requested=values[0], values=values, detail=program.detail(values)))
            elif key in by_partition:
                values, partitions = by_partition[key]
                detail = self.program_of[key].detail(values)
                out.append(
                    AssetEvaluation(
                        key=key, requested=bool(partitions), values=values, detail=detail, partitions=partitions
                    )
                )
        return out

    def _evaluate_partitioned(self, facts: Facts) -> dict[AssetKey, tuple[tuple[bool, ...], tuple[str, ...]]]:
        """Per partitioned asset (parents first): the node values of its first requested partition (else
        of its latest candidate) and the partitions it requests."""
        if not self.partitioned or facts.partitions is None:
            return {}
        leaves = UnitLeaves(self.graph, self.sources, facts, facts.partitions)
        out: dict[AssetKey, tuple[tuple[bool, ...], tuple[str, ...]]] = {}
        for key in self.partitioned:
            program = self.program_of[key]
            candidates = facts.partitions.candidates.get(key, ())
            if not candidates:  # e.g. no time window has ended yet
                out[key] = (tuple(False for _ in program.nodes), ())
                continue
            batch: set[Unit] = {(key, p) for p in candidates}
            sets = program.run(batch, leaves.leaf)
            requested = tuple(p for p in candidates if (key, p) in sets[0])
            leaves.requested.update((key, p) for p in requested)
            shown = (key, requested[0] if requested else candidates[-1])
            out[key] = (tuple(shown in found for found in sets), requested)
        return out

    def holds(self, condition: AutomationCondition, keys: Collection[AssetKey], facts: Facts) -> Keys:
        """The assets of ``keys`` for which ``condition`` is true now, judged as whole assets (sources
        included), e.g. for an alert on ``not_updated_within``."""
        leaves = _Leaves(self, facts)
        leaves.unrequested = {k for k in self.graph.nodes if k not in facts.updated and k not in self.sources}
        return _Program(condition).run(set(keys), leaves.upstream_aware)[0]

    def _children_of(self, keys: Iterable[AssetKey]) -> Keys:
        nodes = self.graph.nodes
        return {child for key in keys for child in nodes[key].children}

    def _generations(self, waiting: Collection[AssetKey]) -> list[list[AssetKey]]:
        """``waiting`` in generations: each asset comes after its waiting parents."""
        if not waiting:
            return []
        depth: dict[AssetKey, int] = {}
        out: list[list[AssetKey]] = []
        nodes = self.graph.nodes
        for key in self.graph.sort(waiting):
            level = max((depth[p] + 1 for p in nodes[key].parents if p in depth), default=0)
            depth[key] = level
            if level == len(out):
                out.append([])
            out[level].append(key)
        return out


def _signatures(batch: Keys, sets: list[Keys]) -> list[tuple[Keys, tuple[bool, ...]]]:
    """``batch`` split into groups of assets with the same value at every node, by set operations."""
    groups: list[tuple[Keys, tuple[bool, ...]]] = [(batch, ())]
    for found in sets:
        split = []
        for members, values in groups:
            inside = members & found
            if inside:
                split.append((inside, (*values, True)))
            if len(inside) < len(members):
                split.append((members - found, (*values, False)))
        groups = split
    return groups


def _batches(keys: Iterable[AssetKey], program_of: Mapping[AssetKey, _Program]) -> list[Keys]:
    groups: dict[int, Keys] = {}
    for key in keys:
        groups.setdefault(id(program_of[key]), set()).add(key)
    return list(groups.values())


class _Leaves:
    """Each building block as the set of a batch's assets for which it is true."""

    def __init__(self, evaluator: Evaluator, facts: Facts) -> None:
        self.graph = evaluator.graph
        self.sources = evaluator.sources
        self.facts = facts
        self.unrequested: Keys = set()

    def leaf(self, cond: AutomationCondition, batch: Keys) -> Keys:
        facts, op = self.facts, cond.op
        if op == "missing":
            return {k for k in batch if k not in facts.updated}
        if op == "in_progress":
            return batch & facts.in_progress
        if op == "check_failed":
            return batch & facts.failed_checks
        if op == "stale":
            if facts.status is None:  # no status query given: a parent changed after the asset
                newest = self._newest_parent
                return {k for k in batch if k in facts.updated and newest.get(k, 0.0) > facts.updated[k]}
            return batch & facts.stale
        if op == "upstream_in_progress":
            return batch & self._in_progress_children
        if op == "upstream_missing":
            return set()  # batches without a missing parent; see upstream_aware
        if op == "upstream_updated_since_last":
            newest, since = self._newest_parent, self._since
            return {k for k in batch if newest.get(k, 0.0) > since(k)}
        if op == "cron_tick_passed":
            tick = facts.cron_tick(cond.cron or "", cond.timezone)
            return {k for k in batch if tick > self._since(k)}
        if op == "upstream_updated_since_cron":
            tick = facts.cron_tick(cond.cron or "", cond.timezone)
            oldest = self._oldest_parent
            return {k for k in batch if oldest.get(k, tick) >= tick}
        if op in ("not_updated_within", "expected_by"):
            return {k for k in batch if absent(facts, cond, self.graph, k)}
        raise ValueError(f"unknown automation condition {op!r}")

    def upstream_aware(self, cond: AutomationCondition, batch: Keys) -> Keys:
        """``leaf`` for assets with a missing parent: that parent counts unless this tick requested it."""
        if cond.op != "upstream_missing":
            return self.leaf(cond, batch)
        nodes, unrequested = self.graph.nodes, self.unrequested
        return {k for k in batch if not unrequested.isdisjoint(nodes[k].parents)}

    def _since(self, key: AssetKey) -> float:
        return max(self.facts.updated.get(key, 0.0), self.facts.last_requested.get(key, 0.0))

    @cached_property
    def _in_progress_children(self) -> frozenset[AssetKey]:
        nodes = self.graph.nodes
        return frozenset(c for k in self.facts.in_progress if k in nodes for c in nodes[k].children)

    @cached_property
    def _newest_parent(self) -> dict[AssetKey, float]:
        """Per asset, the latest update of any parent (assets whose parents were never updated are left out)."""
        out: dict[AssetKey, float] = {}
        nodes = self.graph.nodes
        for parent, when in self.facts.updated.items():
            node = nodes.get(parent)
            if node is None:
                continue
            for child in node.children:
                if when > out.get(child, 0.0):
                    out[child] = when
        return out

    @cached_property
    def _oldest_parent(self) -> dict[AssetKey, float]:
        """Per asset with parents, the earliest update among its parents (0.0 when one is missing)."""
        updated = self.facts.updated
        return {
            key: min(updated.get(p, 0.0) for p in node.parents)
            for key, node in self.graph.nodes.items()
            if node.parents
        }
