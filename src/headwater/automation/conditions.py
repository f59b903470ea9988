"""Evaluate every asset's automation condition in one pass over facts loaded in a few batched queries.

Each tick loads, for all assets at once: latest materializations and observations, runs in
progress, failed checks and when each asset was last requested (plus staleness, only when a
condition uses it). Assets are then evaluated in topological order, so "upstream missing" knows
which parents are requested in the same tick. Every node's value is kept, so a user can see why an
asset was or was not requested.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

from headwater.definitions.conditions import AutomationCondition
from headwater.definitions.cron import latest_tick
from headwater.graph import AssetGraph
from headwater.keys import AssetKey
from headwater.storage import Storage
from headwater.storage.automation import AssetAutomationState, AutomationStore
from headwater.storage.run_queue import RunQueueStore

StaleKeys = Callable[[], frozenset[AssetKey]]


@dataclass(kw_only=True)
class Facts:
    """What conditions are evaluated against; loaded once per tick."""

    now: float
    updated: Mapping[AssetKey, float]  # latest materialization (or observation) time per asset
    in_progress: frozenset[AssetKey]
    failed_checks: frozenset[AssetKey]
    last_requested: Mapping[AssetKey, float]
    stale_keys: StaleKeys | None = None
    _ticks: dict[tuple[str, str], float] = field(default_factory=dict)

    @classmethod
    def load(cls, storage: Storage, now: float, previous: Mapping[AssetKey, AssetAutomationState]) -> Facts:
        """Facts for every asset from five batched queries."""
        updated = {key: rec.event.timestamp for key, rec in storage.latest("observation").items()}
        for key, rec in storage.latest("materialization").items():
            updated[key] = max(updated.get(key, 0.0), rec.event.timestamp)
        return cls(
            now=now,
            updated=updated,
            in_progress=RunQueueStore(storage).in_progress_keys(),
            failed_checks=AutomationStore(storage).failed_check_keys(),
            last_requested={k: s.last_requested_at for k, s in previous.items() if s.last_requested_at is not None},
        )

    def cron_tick(self, cron: str, timezone: str) -> float:
        """The latest tick of ``cron`` at or before now (cached for the tick)."""
        found = self._ticks.get((cron, timezone))
        if found is None:
            found = self._ticks[(cron, timezone)] = latest_tick(cron, timezone, self.now)
        return found

    @cached_property
    def stale(self) -> frozenset[AssetKey]:
        """Stale assets, from the injected status query (asked once, only if a condition uses it)."""
        return self.stale_keys() if self.stale_keys is not None else frozenset()


@dataclass(frozen=True, kw_only=True, slots=True)
class AssetEvaluation:
    """One asset's result: whether it is requested, and the value of every node of its condition."""

    key: AssetKey
    requested: bool
    detail: dict[str, Any]


class _Program:
    """A condition flattened in pre-order with each node's children positions, evaluated bottom-up."""

    def __init__(self, condition: AutomationCondition) -> None:
        self.nodes = condition.nodes()
        position = {id(node): i for i, node in enumerate(self.nodes)}
        self.children = [[position[id(child)] for child in node.children] for node in self.nodes]
        self.labels = [node.describe() if node.label or not node.children else node.op for node in self.nodes]
        self.steps = [(i, node.op, self.children[i], node) for i, node in reversed(list(enumerate(self.nodes)))]

    def run(self, leaf: Callable[[AutomationCondition], bool]) -> list[bool]:
        values = [False] * len(self.nodes)
        for i, op, kids, node in self.steps:
            if op == "and":
                values[i] = all(values[k] for k in kids)
            elif op == "or":
                values[i] = any(values[k] for k in kids)
            elif op == "not":
                values[i] = not values[kids[0]]
            else:
                values[i] = leaf(node)
        return values

    def detail(self, values: list[bool]) -> dict[str, Any]:
        """The stored record: node labels and children (shared per condition) and each node's value."""
        return {"condition": self.labels[0], "nodes": self.labels, "children": self.children, "true": values}


def detail_tree(detail: Mapping[str, Any]) -> dict[str, Any]:
    """A stored evaluation as a nested tree ``{"condition", "true", "children": [...]}`` for display."""
    labels, children, values = detail["nodes"], detail["children"], detail["true"]
    trees: list[dict[str, Any]] = [{} for _ in labels]
    for i in range(len(labels) - 1, -1, -1):
        trees[i] = {"condition": labels[i], "true": values[i]}
        if children[i]:
            trees[i]["children"] = [trees[k] for k in children[i]]
    return trees[0]


def evaluate(graph: AssetGraph, facts: Facts) -> list[AssetEvaluation]:
    """Evaluate the condition of every asset that has one, parents before children."""
    by_id: dict[int, _Program] = {}
    by_value: dict[AutomationCondition, _Program] = {}
    requested: set[AssetKey] = set()
    results: list[AssetEvaluation] = []
    for key in graph.sort(graph.nodes):
        node = graph.nodes[key]
        condition = node.spec.automation
        if condition is None or node.spec.is_source:
            continue
        program = by_id.get(id(condition))
        if program is None:
            program = by_value.get(condition)
            if program is None:
                program = by_value[condition] = _Program(condition)
            by_id[id(condition)] = program
        parents = node.parents
        sources = {p for p in parents if graph.nodes[p].spec.is_source} if parents else set()
        leaf = partial(_leaf, key=key, parents=parents, sources=sources, facts=facts, requested=requested)
        values = program.run(leaf)
        if values[0]:
            requested.add(key)
        results.append(AssetEvaluation(key=key, requested=values[0], detail=program.detail(values)))
    return results


def _leaf(
    cond: AutomationCondition,
    *,
    key: AssetKey,
    parents: frozenset[AssetKey],
    sources: set[AssetKey],
    facts: Facts,
    requested: set[AssetKey],
) -> bool:
    op = cond.op
    own = facts.updated.get(key)
    if op == "missing":
        return own is None
    if op == "in_progress":
        return key in facts.in_progress
    if op == "check_failed":
        return key in facts.failed_checks
    if op == "stale":
        if facts.stale_keys is None:  # no status query given: a parent changed after the asset
            return own is not None and any(facts.updated.get(p, 0.0) > own for p in parents)
        return key in facts.stale
    if op == "upstream_in_progress":
        return any(p in facts.in_progress for p in parents)
    if op == "upstream_missing":
        return any(p not in facts.updated and p not in requested and p not in sources for p in parents)
    since = max(own or 0.0, facts.last_requested.get(key, 0.0))
    if op == "upstream_updated_since_last":
        return any(facts.updated.get(p, 0.0) > since for p in parents)
    if op == "cron_tick_passed":
        return facts.cron_tick(cond.cron or "", cond.timezone) > since
    if op == "upstream_updated_since_cron":
        tick = facts.cron_tick(cond.cron or "", cond.timezone)
        return all(facts.updated.get(p, 0.0) >= tick for p in parents)
    raise ValueError(f"unknown automation condition {op!r}")
