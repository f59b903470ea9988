"""Check verdicts: the one definition of "a check failed", used by status, automation, the API and the UI.

A check's verdict is its latest evaluation on the asset's current value (recorded after the asset's
latest materialization or observation, at the same partition). It *failed* when the check did not pass
and its severity is ``error``; a failed ``warn`` check *warned*. Only checks the graph declares count.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import cached_property

from headwater.events import EventRecord
from headwater.graph import AssetGraph
from headwater.keys import AssetKey
from headwater.storage import CheckVerdict, Storage


class CheckVerdicts:
    """The verdict of every declared check of ``graph`` (or of ``keys``), at ``partition`` for partitioned assets.

    Unpartitioned assets are read unpartitioned whatever ``partition`` is; at most two queries in all.
    ``with_payload`` also reads each evaluation's data (metadata, description, error), for pages of one asset.
    """

    def __init__(
        self,
        storage: Storage,
        graph: AssetGraph,
        partition: str | None = None,
        *,
        keys: Collection[AssetKey] | None = None,
        with_payload: bool = False,
    ) -> None:
        self.storage = storage
        self.graph = graph
        self.partition = partition
        self.keys = keys
        self.with_payload = with_payload
        self.held_failed: dict[AssetKey, list[str]] = {}
        """Asset -> the failed checks of its value held back (filled with ``by_asset``)."""

    @cached_property
    def by_asset(self) -> Mapping[AssetKey, Mapping[str, CheckVerdict]]:
        """Asset -> check name -> verdict, for checks with a verdict on the current value."""
        checks = self.graph.checks
        wanted = checks.keys() if self.keys is None else [k for k in self.keys if k in checks]
        declared = {key: {c.name for c in checks[key]} for key in wanted if checks[key]}
        if not declared:
            return {}
        out: dict[AssetKey, dict[str, CheckVerdict]] = {}
        held = self.held
        for verdict in self._read(declared.keys()):
            names = declared.get(verdict.asset_key)
            staged = held.get(verdict.asset_key)
            if staged is not None and verdict.run_id == staged.event.run_id and verdict.event_id > staged.id:
                if verdict.failed and names is not None and verdict.check in names:
                    self.held_failed.setdefault(verdict.asset_key, []).append(verdict.check)
                continue  # a verdict on a value held back, not on the current one
            if names is not None and verdict.check in names:
                found = out.get(verdict.asset_key)
                if found is None:
                    found = out[verdict.asset_key] = {}
                found[verdict.check] = verdict
        return {key: dict(sorted(checks.items())) if len(checks) > 1 else checks for key, checks in out.items()}

    @cached_property
    def held(self) -> Mapping[AssetKey, EventRecord]:
        """Asset -> its staged value still held back (``publish="after_checks"``), at the partition read:
        two queries, and none when no asset is published after its checks."""
        keys = self.graph.publishing.after_checks
        if self.keys is not None:
            keys = keys & frozenset(self.keys)
        if not keys:
            return {}
        out: dict[AssetKey, EventRecord] = {}
        for partition in {None, self.partition}:
            wanted = [k for k in keys if (self.graph.nodes[k].spec.partitions is None) == (partition is None)]
            if not wanted:
                continue
            staged = self.storage.latest("staged", wanted, partition)
            settled = self.storage.latest("settled", list(staged), partition) if staged else {}
            for key, record in staged.items():
                done = settled.get(key)
                if done is None or done.id < record.id:
                    out[key] = record
        return out

    def _read(self, keys: Collection[AssetKey]) -> list[CheckVerdict]:
        read, payload = self.storage.check_verdicts, self.with_payload
        every = self.keys is None  # the whole graph: one query, without an IN list
        if self.partition is None:
            return read(None if every else keys, with_payload=payload)
        nodes = self.graph.nodes
        partitioned = {k for k in keys if nodes[k].spec.partitions is not None}
        plain = read(None if every else keys, with_payload=payload) if len(partitioned) < len(keys) else []
        found = [v for v in plain if v.asset_key not in partitioned]
        if partitioned:
            found += read(partitioned, self.partition, with_payload=payload)
        return found

    @cached_property
    def failed(self) -> Mapping[AssetKey, tuple[CheckVerdict, ...]]:
        """Asset -> its failed checks (error severity, latest evaluation on the current value): blocking
        ones first, then by name."""
        out: dict[AssetKey, tuple[CheckVerdict, ...]] = {}
        for key, checks in self.by_asset.items():
            failed = tuple(sorted((v for v in checks.values() if v.failed), key=lambda v: (not v.blocking, v.check)))
            if failed:
                out[key] = failed
        return out

    @cached_property
    def failed_keys(self) -> frozenset[AssetKey]:
        """Assets with at least one failed check."""
        return frozenset(self.failed)

    def of(self, key: AssetKey) -> Mapping[str, CheckVerdict]:
        """The verdicts of ``key``'s checks, by check name (checks without one are left out)."""
        return self.by_asset.get(key, {})
