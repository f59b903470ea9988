"""What is wrong now, per alert kind: the subjects (an asset, a check, a partition, automation) whose
incident should be open, each with its summary and the UI page it links to.

Reads the one definition of each concept: check verdicts (``state.checks``), freshness
(``state.status``), condition facts (``automation.conditions``). The queries of one tick are shared
by every alert through ``TickView``, and asked only when an alert needs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Final
from urllib.parse import quote

from headwater.automation.conditions import Evaluator, Facts
from headwater.definitions.alert import Alert
from headwater.definitions.partitions import TimeWindow
from headwater.definitions.partitions.time_window import TimeWindowPartitions
from headwater.events import CheckOutcome
from headwater.graph import AssetGraph
from headwater.keys import AssetKey
from headwater.state import CheckVerdicts
from headwater.state.status import AssetStatus
from headwater.storage import Storage
from headwater.storage.automation import AutomationStore

MAX_PARTITIONS: Final = 1000
"""Overdue partitions watched per asset at most (the newest), so a long outage stays one bounded state."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Finding:
    """A subject in the alert's condition now."""

    summary: str
    path: str
    """The UI page, from the web UI's root (``/assets/orders``)."""


def asset_path(key: AssetKey) -> str:
    """The asset's page."""
    return "/assets/" + "/".join(quote(part, safe="") for part in key.path)


class TickView:
    """The queries alerts read in one daemon tick, each made once and only when asked."""

    def __init__(self, storage: Storage, graph: AssetGraph, evaluator: Evaluator, now: float) -> None:
        self.storage = storage
        self.graph = graph
        self.evaluator = evaluator
        self.now = now

    @cached_property
    def checks(self) -> CheckVerdicts:
        """Every declared check's verdict on the current value."""
        return CheckVerdicts(self.storage, self.graph)

    @cached_property
    def status(self) -> AssetStatus:
        """Freshness of every asset with a policy."""
        return AssetStatus(self.storage, self.graph, now=self.now)

    @cached_property
    def facts(self) -> Facts:
        """What conditions are judged by."""
        return Facts.load(self.storage, self.now, self.evaluator.keys_by_name, self.graph)

    def findings(self, alert: Alert, keys: frozenset[AssetKey]) -> dict[str, Finding]:
        """Subject -> finding for the state-based kinds (every kind but ``run_failed`` and ``automation_idle``)."""
        if alert.on in ("check_failed", "check_warned"):
            return self._checks(alert, keys)
        if alert.on == "asset_overdue":
            freshness = self.status.freshness
            return {
                key.to_string(): Finding(summary=f"{key.to_string()} is {found['text']}", path=asset_path(key))
                for key, found in sorted(freshness.items())
                if key in keys and found["status"] == "overdue"
            }
        if alert.on == "partition_overdue":
            return self._partitions(alert, keys)
        if alert.on == "condition" and alert.condition is not None:
            true = self.evaluator.holds(alert.condition, keys, self.facts)
            text = alert.condition.describe()
            return {
                key.to_string(): Finding(
                    summary=f"{key.to_string()}: {text} {self._last_update(key)}", path=asset_path(key)
                )
                for key in sorted(true)
            }
        raise ValueError(f"alert kind {alert.on!r} has no findings")

    def _checks(self, alert: Alert, keys: frozenset[AssetKey]) -> dict[str, Finding]:
        out: dict[str, Finding] = {}
        for key, verdicts in sorted(self.checks.by_asset.items()):
            if key not in keys:
                continue
            for name, verdict in verdicts.items():
                if alert.on == "check_failed" and verdict.failed and verdict.blocking:
                    summary = f"blocking check '{name}' failed on {key.to_string()} (run {verdict.run_id[:8]})"
                elif alert.on == "check_warned" and verdict.outcome is CheckOutcome.WARNED:
                    summary = f"check '{name}' warned on {key.to_string()} (run {verdict.run_id[:8]})"
                else:
                    continue
                out[f"{key.to_string()}:{name}"] = Finding(summary=summary, path=asset_path(key))
        return out

    def _partitions(self, alert: Alert, keys: frozenset[AssetKey]) -> dict[str, Finding]:
        after = alert.after or timedelta(0)
        due_by = self.now - after.total_seconds()
        watched_from = due_by - alert.lookback.total_seconds()
        closed: dict[AssetKey, list[str]] = {}
        for key in sorted(keys):
            partitions = self.graph.nodes[key].spec.partitions
            if not isinstance(partitions, TimeWindowPartitions):
                continue
            window = TimeWindow(_moment(watched_from), _moment(due_by))
            positions = partitions.overlapping(window)
            last = partitions.count()
            found = []
            for index in positions[-MAX_PARTITIONS:]:
                if 0 <= index < last:
                    ends = partitions.window_at(index).end.timestamp()
                    if watched_from < ends <= due_by:
                        found.append(partitions.key_at(index))
            if found:
                closed[key] = found
        if not closed:
            return {}
        names = {key.to_string(): key for key in closed}
        made = AutomationStore(self.storage).partition_update_times(
            list(names), partitions={p for found in closed.values() for p in found}
        )
        out: dict[str, Finding] = {}
        for name, key in names.items():
            there = made.get(name, {})
            for partition in closed[key]:
                if partition not in there:
                    summary = f"partition {partition} of {name} is not materialized {after} after its window closed"
                    out[f"{name}[{partition}]"] = Finding(summary=summary, path=asset_path(key))
        return out

    def _last_update(self, key: AssetKey) -> str:
        parents = self.graph.nodes[key].parents or {key}
        updated = self.facts.updated
        parts = []
        for parent in sorted(parents):
            when = updated.get(parent)
            seen = "never" if when is None else f"{timedelta(seconds=round(self.now - when))} ago"
            parts.append(f"{parent.to_string()} updated {seen}")
        return f"({', '.join(parts)})"


def _moment(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
