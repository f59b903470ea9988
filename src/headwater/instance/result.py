"""What a materialization returns: the run, its events, and access to values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from headwater.errors import RunFailed
from headwater.events import AssetMaterialized, Event, EventType, RunRecord, RunStatus, StepFailedPayload, StepSkipped
from headwater.io import IOManager
from headwater.keys import AssetKey, CoercibleToKey, to_key


@dataclass(frozen=True, kw_only=True)
class RunResult:
    """The outcome of ``materialize``: ``success``, ``events`` and ``value_of(key)``."""

    run: RunRecord
    events: tuple[Event, ...]
    io_managers: Mapping[AssetKey, IOManager]

    @property
    def run_id(self) -> str:
        """The run's id."""
        return self.run.run_id

    @property
    def success(self) -> bool:
        """Whether every step succeeded."""
        return self.run.status is RunStatus.SUCCEEDED

    def of_type(self, kind: EventType) -> list[Event]:
        """Events of one type, in order."""
        return [e for e in self.events if e.type is kind]

    @property
    def materialized(self) -> list[AssetKey]:
        """Keys materialized by the run, in order."""
        return [e.asset_key for e in self.of_type(EventType.ASSET_MATERIALIZED) if e.asset_key is not None]

    @property
    def reused(self) -> list[AssetKey]:
        """Assets whose stored value this run reused as unchanged (memoization) instead of running them."""
        out: list[AssetKey] = []
        for event in self.of_type(EventType.STEP_SKIPPED):
            payload = StepSkipped.from_data(event.data)
            out.extend(value.asset_key for value in payload.reused if payload.unchanged)
        return out

    def value_of(self, key: CoercibleToKey, partition: str | None = None) -> Any:
        """Load the value the run stored for ``key`` (or reused as unchanged)."""
        asset_key = to_key(key)
        manager = self.io_managers.get(asset_key)
        if manager is None or (asset_key not in self.materialized and asset_key not in self.reused):
            raise KeyError(
                f"asset '{asset_key}' was not materialized by run {self.run_id}; "
                f"materialized: {', '.join(str(k) for k in self.materialized) or '(none)'}"
            )
        if partition is None:  # the partition it was stored under: None for an unpartitioned asset
            stored = [
                e.partition for e in self.events if e.type is EventType.ASSET_MATERIALIZED and e.asset_key == asset_key
            ]
            partition = stored[-1] if stored else self.run.partition
        return manager.load(asset_key, partition)

    def metadata_of(self, key: CoercibleToKey) -> dict[str, Any]:
        """Metadata recorded with ``key``'s materialization."""
        asset_key = to_key(key)
        for event in self.of_type(EventType.ASSET_MATERIALIZED):
            if event.asset_key == asset_key:
                return dict(AssetMaterialized.from_data(event.data).metadata)
        raise KeyError(f"asset '{asset_key}' was not materialized by run {self.run_id}")

    def raise_on_failure(self) -> RunResult:
        """Raise RunFailed with the first step error unless the run succeeded."""
        if self.success:
            return self
        errors = [StepFailedPayload.from_data(e.data).error for e in self.of_type(EventType.STEP_FAILED)]
        detail = errors[0] if errors else (self.run.error or self.run.status.value)
        raise RunFailed(f"run {self.run_id} {self.run.status.value}: {detail}")
