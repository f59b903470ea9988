"""The state of every asset shown on the graph and in the catalog, from the event log.

fresh, stale, missing and failed come from ``AssetStatus``; ``running`` from runs in progress (their
ending events read in one query); ``check_failed`` from the check verdicts (``headwater.state.checks``).
A fixed number of queries, whatever the number of assets, checks and runs in progress.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from headwater.events import AssetStateKind, EventType, RunStatus, StepFailedPayload, StepSkipped
from headwater.graph import AssetGraph
from headwater.keys import AssetKey
from headwater.state import CheckVerdicts
from headwater.state.status import AssetStatus, ReasonKind
from headwater.storage import CheckVerdict, Storage

STATE_CODES: Mapping[str, str] = {
    AssetStateKind.FRESH: "f",
    AssetStateKind.STALE: "s",
    AssetStateKind.MISSING: "m",
    AssetStateKind.FAILED: "x",
    AssetStateKind.RUNNING: "r",
    AssetStateKind.CHECK_FAILED: "c",
}
"""One letter per state, so the graph's states for 10,000 assets are a 10,000-character string."""

_ENDS = (
    EventType.ASSET_MATERIALIZED,
    EventType.ASSET_OBSERVED,
    EventType.STEP_FAILED,
    EventType.STEP_SKIPPED,
    EventType.STEP_SUCCEEDED,
)


class AssetStates:
    """States of every asset of ``graph``; build one per request."""

    def __init__(self, storage: Storage, graph: AssetGraph) -> None:
        self.storage = storage
        self.graph = graph
        self.status = AssetStatus(storage, graph)

    def running(self) -> dict[AssetKey, str]:
        """Assets planned in a run in progress that the run has not finished yet -> run id."""
        out: dict[AssetKey, str] = {}
        runs = self.storage.list_runs(limit=100, statuses=[RunStatus.STARTED, RunStatus.QUEUED])
        ended = self.storage.events_of_runs([run.run_id for run in runs], types=_ENDS) if runs else {}
        for run in runs:
            done: set[str] = set()
            for record in ended.get(run.run_id, ()):
                event = record.event
                if event.asset_key is not None:
                    done.add(event.asset_key.to_string())
                payload = event.payload()
                if isinstance(payload, (StepFailedPayload, StepSkipped)):
                    done.update(k.to_string() for k in payload.asset_keys)
            for key in run.asset_keys:
                if key.to_string() not in done and key in self.graph.nodes:
                    out.setdefault(key, run.run_id)
        return out

    def checks(self, key: AssetKey) -> list[CheckVerdict]:
        """The verdict of each declared check of ``key`` on its current value, with its data, by name
        (see ``state.checks``)."""
        verdicts = CheckVerdicts(self.storage, self.graph, self.status.partition, keys=[key], with_payload=True)
        return list(verdicts.of(key).values())

    def check_failed(self) -> frozenset[AssetKey]:
        """Assets with a failed check: the definition status and automation use too."""
        return self.status.checks.failed_keys

    def states(self) -> dict[AssetKey, AssetStateKind]:
        """Asset -> one of ``STATE_CODES``' names; running wins, then failed, failed checks, missing, stale."""
        status = self.status
        out = dict.fromkeys(self.graph.nodes, AssetStateKind.FRESH)
        for key in status.stale:
            out[key] = AssetStateKind.STALE
        for key in status.missing:
            out[key] = AssetStateKind.MISSING
        for key in self.check_failed():
            out[key] = AssetStateKind.CHECK_FAILED
        for key in status.failed:
            out[key] = AssetStateKind.FAILED
        for key in self.running():
            out[key] = AssetStateKind.RUNNING
        return out

    def codes(self, keys: tuple[AssetKey, ...]) -> str:
        """The states of ``keys`` as one letter each, in that order."""
        states = self.states()
        return "".join(STATE_CODES[states[key]] for key in keys)

    def details(self, keys: tuple[AssetKey, ...]) -> dict[str, Any]:
        """What the graph's nodes show besides their state, by position in ``keys``, only for the
        assets it applies to: ``parts`` (materialized, total, failed, from older code) of partitioned
        assets, ``checks`` (passed, failed, declared) of assets with checks and the ``overdue`` ones.
        No query beyond those of the states."""
        status = self.status
        position = {key: i for i, key in enumerate(keys)}
        parts: dict[str, list[int]] = {}
        if status.rollup is not None:
            for key, seen in status.rollup.seen.items():
                if key in position:
                    parts[str(position[key])] = [seen.materialized, seen.total, seen.failed, seen.older_code]
        checks: dict[str, list[int]] = {}
        for key, declared in self.graph.checks.items():
            if key in position and declared:
                verdicts = status.checks.of(key).values()
                passed = sum(v.passed for v in verdicts)
                checks[str(position[key])] = [passed, sum(v.failed for v in verdicts), len(declared)]
        overdue = sorted(position[key] for key in status.overdue if key in position)
        return {"parts": parts, "checks": checks, "overdue": overdue}

    def stale_reasons(self, key: AssetKey) -> list[dict[str, Any]]:
        """Why ``key`` is not fresh: every reason of ``AssetStatus`` when it is stale; otherwise only an
        unmet freshness policy (``overdue``), which does not make an asset stale but is worth showing."""
        reasons = self.status.state(key).reasons
        if key not in self.status.stale:
            reasons = tuple(reason for reason in reasons if reason.kind == ReasonKind.OVERDUE)
        return [dict(reason.to_json()) for reason in reasons]
