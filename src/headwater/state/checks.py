"""Check verdicts: the one definition of "a check failed", used by status, automation, the API and the UI.

A check's verdict is its latest evaluation on the asset's current value (recorded after the asset's
latest materialization or observation, at the same partition). It *failed* when the check did not pass
and its severity is ``error``; a failed ``warn`` check *warned*. Only checks the graph declares count.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import cached_property

from headwater.graph import AssetGraph
from headwater.keys import AssetKey
from headwater.storage import CheckVerdict, Storage


class CheckVerdicts:
    """The verdict of every declared check of ``graph``, at ``partition`` for partitioned assets.

    Unpartitioned assets are read unpartitioned whatever ``partition`` is; at most two queries in all.
    """

    def __init__(self, storage: Storage, graph: AssetGraph, partition: str | None = None) -> None:
        self.storage = storage
        self.graph = graph
        self.partition = partition

    @cached_property
    def by_asset(self) -> Mapping[AssetKey, Mapping[str, CheckVerdict]]:
        """Asset -> check name -> verdict, for checks with a verdict on the current value."""
        declared = {key: {c.name for c in checks} for key, checks in self.graph.checks.items() if checks}
        if not declared:
            return {}
        found = self._read(declared.keys())
        out: dict[AssetKey, dict[str, CheckVerdict]] = {}
        for verdict in found:
            if verdict.check in declared.get(verdict.asset_key, ()):
                out.setdefault(verdict.asset_key, {})[verdict.check] = verdict
        return {key: dict(sorted(checks.items())) for key, checks in out.items()}

    def _read(self, keys: Collection[AssetKey]) -> list[CheckVerdict]:
        if self.partition is None:
            return self.storage.check_verdicts(None)
        nodes = self.graph.nodes
        partitioned = {k for k in keys if nodes[k].spec.partitions is not None}
        plain = self.storage.check_verdicts(None) if len(partitioned) < len(keys) else []
        found = [v for v in plain if v.asset_key not in partitioned]
        if partitioned:
            found += self.storage.check_verdicts(partitioned, self.partition)
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
