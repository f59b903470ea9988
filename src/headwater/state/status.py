"""Asset status: fresh, stale or missing, with the reasons, from the event log.

Answers the selection language's ``status:`` and ``changed:code`` and "why is this stale?".
Every answer comes from a handful of batched queries over the index tables (latest
materialization, observation and failure per asset, checks since the latest
materialization), never one query per asset; the graph is then walked once in
topological order so upstream changes propagate with their distance. Inputs from partitioned
assets are compared with the upstream partitions their mapping reads (``mapped_status``);
changes further up are passed down by asset, at the asked partition. Asked without a partition, a
partitioned asset is judged by its partitions (``partition_rollup``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import cached_property
from typing import Any, Final

from headwater.events import ASSET_STATUSES, AssetMaterialized, AssetStateKind, EventRecord
from headwater.graph import AssetGraph
from headwater.graph.derived import GraphIndex
from headwater.keys import AssetKey
from headwater.state import CheckVerdicts
from headwater.state.asset_state import UPSTREAM_REASON_KINDS, AssetState, Cause, Reason, ReasonKind
from headwater.state.mapped_status import MappedInputs
from headwater.state.partition_rollup import PartitionRollup, PartitionsSeen
from headwater.state.partition_status import PartitionStatus, partition_status
from headwater.state.versions import short_version, version_of
from headwater.storage import CheckVerdict, Storage

MAX_CAUSES: Final = 5
"""Upstream causes kept per asset (the nearest ones), so wide graphs stay linear."""

STATUSES: Final = ASSET_STATUSES

# Reason, ReasonKind and AssetState live in asset_state and are still imported from here.
__all__ = [
    "MAX_CAUSES",
    "STATUSES",
    "UPSTREAM_REASON_KINDS",
    "AssetState",
    "AssetStatus",
    "Reason",
    "ReasonKind",
    "partition_summary",
]


class AssetStatus:
    """Status of every asset of ``graph``; build one per question (it caches its queries)."""

    def __init__(
        self, storage: Storage, graph: AssetGraph, partition: str | None = None, *, now: float | None = None
    ) -> None:
        self.storage = storage
        self.graph = graph
        self.partition = partition
        self.now = now if now is not None else time.time()

    @cached_property
    def mapped(self) -> MappedInputs:
        """Comparisons with the upstream partitions each input maps to (unused without partitions)."""
        return MappedInputs(self.storage, self.graph, self.partition)

    def _records(self, kind: str) -> dict[AssetKey, EventRecord]:
        """Latest events of ``kind``: for a partition, partitioned assets' at it and the others' unpartitioned."""
        if self.partition is None:
            found = self.storage.latest_records(kind, None)
            if self.rollup is None:
                return found
            # A partitioned asset's value is its partitions': its newest one, never an unpartitioned value.
            out = {k: r for k, r in found.items() if k not in self.mapped.partitioned}
            if kind == "materialization":
                out.update((k, seen.newest) for k, seen in self.rollup.seen.items() if seen.newest is not None)
            return out
        partitioned = self.mapped.partitioned
        out = {k: r for k, r in self.storage.latest_records(kind, None).items() if k not in partitioned}
        out.update((k, r) for k, r in self.storage.latest_records(kind, self.partition).items() if k in partitioned)
        return out

    @cached_property
    def rollup(self) -> PartitionRollup | None:
        """What the partitions of each partitioned asset say, when the status is asked without a partition."""
        if self.partition is not None or not self.mapped.partitioned:
            return None
        return PartitionRollup(self.storage, self.graph, self.mapped.context)

    @cached_property
    def _materialized(self) -> dict[AssetKey, EventRecord]:
        return self._records("materialization")

    @cached_property
    def _observed(self) -> dict[AssetKey, EventRecord]:
        return self._records("observation")

    @cached_property
    def _failed(self) -> dict[AssetKey, EventRecord]:
        return self._records("failure")

    @cached_property
    def checks(self) -> CheckVerdicts:
        """The verdicts of every declared check on the current values (see ``headwater.state.checks``)."""
        return CheckVerdicts(self.storage, self.graph, self.partition)

    @cached_property
    def failed_checks(self) -> dict[AssetKey, list[str]]:
        """Asset -> names of its failed checks: error severity, latest evaluation on the current value.

        A failed ``severity="warn"`` check only warned, so it makes nothing stale.
        """
        return {key: [v.check for v in failed] for key, failed in sorted(self.checks.failed.items())}

    @cached_property
    def _latest(self) -> dict[AssetKey, EventRecord]:
        out = dict(self._materialized)
        for key, record in self._observed.items():
            if key not in out or record.id > out[key].id:
                out[key] = record
        return out

    def latest(self, key: AssetKey) -> EventRecord | None:
        """The newest materialization or observation of ``key``."""
        return self._latest.get(key)

    def _by_position(self, records: dict[AssetKey, EventRecord]) -> list[EventRecord | None]:
        index = self.graph.index
        out: list[EventRecord | None] = [None] * len(index.keys)
        position = index.position
        for key, record in records.items():
            found = position.get(key.to_string())  # str keys: their hash is cached, AssetKey's is a call
            if found is not None:
                out[found] = record
        return out

    @cached_property
    def states(self) -> dict[AssetKey, AssetState]:
        """Every asset's state, computed in one walk of the graph in topological order.

        The walk works on positions in the graph's order: upstream causes are (depth, position,
        kind) tuples, so sorting and comparing them stays in C, which keeps 10,000 assets fast.
        """
        index = self.graph.index
        latest = self._by_position(self._latest)
        failures = self._by_position(self._failed)
        code_changed = {index.position[k.to_string()] for k in self.code_changed}
        failed_checks = {index.position[k.to_string()]: failed for k, failed in self.checks.failed.items()}
        causes: list[list[Cause] | None] = [None] * len(index.keys)
        mapped: dict[int, dict[int, tuple[str, ...]]] = {}  # asset -> partitioned parent -> partitions read
        for down, up, mapping, down_partitions, up_partitions in index.mapped_edges:
            mapped.setdefault(down, {})[up] = self.mapped.read_at(mapping, down_partitions, up_partitions)
        out: dict[AssetKey, AssetState] = {}
        for pos, key in enumerate(index.keys):
            out[key] = self._state(pos, index, latest, failures, code_changed, failed_checks, causes, mapped)
        for key in self.overdue:
            state = out[key]
            state._own = (*state._own, Reason(ReasonKind.OVERDUE, key, 0, self.freshness[key]["text"]))
        return out

    def _state(
        self,
        pos: int,
        index: GraphIndex,
        latest: list[EventRecord | None],
        failures: list[EventRecord | None],
        code_changed: set[int],
        failed_checks: dict[int, tuple[CheckVerdict, ...]],
        causes: list[list[Cause] | None],
        mapped: dict[int, dict[int, tuple[str, ...]]],
    ) -> AssetState:
        """The state of the asset at ``pos``; ``causes`` holds earlier assets' upstream changes.

        ``mapped`` gives, per asset, the partitions each partitioned parent is read at (through the
        input's partition mapping): those are compared partition by partition, the others as whole assets.
        """
        key = index.keys[pos]
        record = latest[pos]
        parts = self.rollup.seen.get(key) if self.rollup is not None else None
        if parts is None:
            failure = failures[pos]
            failed = failure is not None and failure.id > (record.id if record is not None else 0)
            ran = f"the last run failed ({_run(failure)})"
        else:  # judged as a whole by its partitions: the last attempt at any of them failed
            failure, failed = parts.last_failure, parts.failed > 0
            ran = f"the last run of {parts.failed:,} of {parts.total:,} partitions failed ({_run(failure)})"
        if record is None:
            made = "observed or reported" if index.sources[pos] else "materialized"
            never = f"never {made}" if parts is None else f"none of its {parts.total:,} partitions materialized"
            missing = [Reason(ReasonKind.NEVER_MATERIALIZED, key, 0, never)]
            if failed:
                missing.append(Reason(ReasonKind.LAST_RUN_FAILED, key, 0, ran))
            return AssetState(key, AssetStateKind.MISSING, tuple(missing), None, failed)
        value = AssetMaterialized.from_data(record.event.data)
        reasons: list[Reason] = []
        found: list[Cause] = []  # changes that will reach this asset's downstream
        if parts is not None and parts.missing:
            reasons.append(Reason(ReasonKind.NEVER_MATERIALIZED, key, 0, parts.missing_text()))
        if pos in code_changed:
            reasons.append(Reason(ReasonKind.CODE_CHANGED, key, 0, self._code_change(key, value, parts)))
            found.append((0, pos, ReasonKind.UPSTREAM_CODE_CHANGED))
        consumed = value.inputs or {}
        parents = index.parents[pos]
        through = mapped.get(pos)
        for parent in parents:
            was = consumed.get(index.names[parent])
            if through is not None and parent in through:
                own = was if index.partitioned[pos] else None
                change = self.mapped.change(index.keys[parent], through[parent], record, own, latest[parent])
                if change is None:
                    continue
                kind, detail = ReasonKind(change.kind), change.detail
            else:
                upstream = latest[parent]
                if upstream is None:
                    continue
                now = version_of(upstream)
                if was is not None and now is not None:
                    if short_version(str(now)) == was:
                        continue
                    detail = f"has a newer data version ({short_version(str(now))}) than the one consumed ({was})"
                elif upstream.id > record.id:
                    detail = f"was updated after it ({_run(upstream)})"
                else:
                    continue
                kind = ReasonKind.UPSTREAM_CHANGED
            reasons.append(Reason(kind, index.keys[parent], 1, detail))
            found.append((1, parent, kind))
        inherited = [c for parent in parents for c in causes[parent] or ()]
        passed_down: list[Cause] = []
        if inherited:
            seen = {position for _, position, _ in found}
            seen.add(pos)
            inherited.sort()
            for depth, position, kind in inherited:
                if position not in seen:
                    seen.add(position)
                    passed_down.append((depth + 1, position, kind))
        for verdict in failed_checks.get(pos, ()):
            which = "blocking check" if verdict.blocking else "check"
            text = f"{which} '{verdict.check}' failed on the current value"
            reasons.append(Reason(ReasonKind.CHECK_FAILED, key, 0, text))
        held = self.checks.held_failed.get(key)
        if held:
            text = f"new value held back: check {', '.join(sorted(held))} failed (`headwater assets staged {key}`)"
            reasons.append(Reason(ReasonKind.CHECK_FAILED, key, 0, text))
        if failed:
            reasons.append(Reason(ReasonKind.LAST_RUN_FAILED, key, 0, ran))
        found.extend(passed_down)
        if found:
            causes[pos] = found[:MAX_CAUSES]
        status = AssetStateKind.STALE if reasons or passed_down else AssetStateKind.FRESH
        return AssetState(key, status, tuple(reasons), record, failed, tuple(passed_down), index.keys)

    def _code_change(self, key: AssetKey, value: AssetMaterialized, seen: PartitionsSeen | None) -> str:
        declared = self.graph.nodes[key].spec.code_version
        if seen is None or seen.older_code == 0:
            return f"code version changed: materialized with {value.code_version!r}, now {declared!r}"
        return (
            f"code version changed: {seen.older_code:,} of {seen.materialized:,} partitions materialized with "
            f"another code version than {declared!r}"
        )

    @cached_property
    def freshness(self) -> dict[AssetKey, dict[str, Any]]:
        """For assets with a ``hw.Freshness`` policy: ``{"status": "on_time" | "overdue", ...}``.

        Judged from the latest materialization (or observation) against the policy at ``now``;
        ``late_by`` is how many seconds older than allowed the value is (None when never made).
        """
        out: dict[AssetKey, dict[str, Any]] = {}
        for key, node in self.graph.nodes.items():
            policy = node.spec.freshness
            if policy is None:
                continue
            record = self._latest.get(key)
            deadline = policy.deadline(self.now)
            made = record.event.timestamp if record is not None else None
            on_time = made is not None and made >= deadline
            late_by = None if made is None or on_time else deadline - made
            if made is None:
                text = f"overdue: never materialized (policy: {policy.describe()})"
            else:
                lag = timedelta(seconds=round(self.now - made))
                late = f" (late by {timedelta(seconds=round(late_by))})" if late_by is not None else ""
                status = "on time" if on_time else "overdue"
                text = f"{status}: last materialized {lag} ago{late} (policy: {policy.describe()})"
            out[key] = {
                "status": "on_time" if on_time else "overdue",
                "policy": policy.describe(),
                "deadline": deadline,
                "last_materialized": made,
                "late_by": late_by,
                "text": text,
            }
        return out

    @cached_property
    def overdue(self) -> frozenset[AssetKey]:
        """Assets whose freshness policy is not met now (``status:overdue``)."""
        return frozenset(k for k, f in self.freshness.items() if f["status"] == "overdue")

    @cached_property
    def on_time(self) -> frozenset[AssetKey]:
        """Assets whose freshness policy is met now (``status:on_time``); assets without a policy are neither."""
        return frozenset(k for k, f in self.freshness.items() if f["status"] == "on_time")

    def state(self, key: AssetKey) -> AssetState:
        """The state of one asset (computing every state once)."""
        return self.states[key]

    def partitions(self, key: AssetKey) -> PartitionStatus | None:
        """How many partitions of ``key`` are materialized, failed, missing or in progress (None if unpartitioned)."""
        if key not in self.mapped.partitioned:
            return None
        return partition_status(self.storage, self.graph, key, self.mapped.context)

    def select(self, status: str) -> frozenset[AssetKey]:
        """Keys whose status is ``status`` (``fresh``, ``stale`` or ``missing``)."""
        return frozenset(k for k, s in self.states.items() if s.status == status)

    @cached_property
    def missing(self) -> frozenset[AssetKey]:
        """Never materialized (or, for source assets, never observed)."""
        return frozenset(k for k in self.graph.nodes if self.latest(k) is None)

    @cached_property
    def failed(self) -> frozenset[AssetKey]:
        """The last attempt to materialize failed."""
        return frozenset(k for k, s in self.states.items() if s.failed)

    @cached_property
    def code_changed(self) -> frozenset[AssetKey]:
        """The declared code version differs from the one last materialized (new assets included)."""
        out = set()
        for key, node in self.graph.nodes.items():
            if node.spec.op is None:
                continue
            record = self._materialized.get(key)
            seen = self.rollup.seen.get(key) if self.rollup is not None else None
            if seen is not None and seen.older_code:
                out.add(key)  # some partition, not only the newest, was made by other code
                continue
            recorded = AssetMaterialized.from_data(record.event.data).code_version if record is not None else None
            if node.spec.code_version != recorded or (record is None and node.spec.code_version is not None):
                out.add(key)
        return frozenset(out)

    @cached_property
    def stale(self) -> frozenset[AssetKey]:
        """Materialized, with at least one reason not to trust it."""
        return self.select(AssetStateKind.STALE)

    @cached_property
    def fresh(self) -> frozenset[AssetKey]:
        """Materialized, with no reason not to trust it."""
        return self.select(AssetStateKind.FRESH)

    def predicates(self) -> dict[str, Callable[[str], frozenset[AssetKey]]]:
        """Callbacks for ``select(..., predicates=...)``."""

        def status(value: str) -> frozenset[AssetKey]:
            result: frozenset[AssetKey] = getattr(self, value)
            return result

        return {"status": status, "changed": lambda value: self.code_changed}

    def counts(self, keys: Iterable[AssetKey] | None = None) -> dict[str, int]:
        """How many of ``keys`` (default: all) are fresh, stale and missing."""
        out: dict[str, int] = dict.fromkeys(STATUSES, 0)
        for key in keys if keys is not None else self.graph.nodes:
            out[self.states[key].status] += 1
        return out


def partition_summary(found: PartitionStatus) -> str:
    """``730/1095 materialized, 2 failed, 1 in progress``: the counts that are not zero, materialized first."""
    counts = found.counts
    parts = [f"{counts.get('materialized', 0)}/{found.total} materialized"]
    parts += [f"{counts[name]} {name.replace('_', ' ')}" for name in ("failed", "in_progress") if counts.get(name)]
    return ", ".join(parts)


def _run(record: EventRecord | None) -> str:
    return f"run {record.event.run_id[:8]}" if record is not None else "unknown run"
