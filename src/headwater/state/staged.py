"""Values held back: the staged values of assets published after their checks that were neither
published nor discarded, with the checks that held them back, read from the latest-event index."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from headwater.events import AssetMaterialized, CheckEvaluated, EventRecord, EventType
from headwater.keys import AssetKey
from headwater.storage import Storage


@dataclass(frozen=True, kw_only=True)
class HeldValue:
    """One staged value still held back: which run staged it, when, its version and why it waits."""

    key: AssetKey
    partition: str | None
    run_id: str
    timestamp: float
    data_version: str | None
    value_hash: str | None
    failed_checks: tuple[str, ...]
    """The checks of the staged value that failed (empty when it waits for its publish group)."""
    event: EventRecord

    @property
    def reason(self) -> str:
        """Why the value is held back, in words (as status and why-stale say it)."""
        if self.failed_checks:
            return f"new value held back: check {', '.join(self.failed_checks)} failed"
        return "new value held back: its publish group did not pass"

    def to_json(self) -> dict[str, object]:
        """The JSON form (CLI ``--json`` and the HTTP API)."""
        return {
            "asset_key": self.key.to_string(),
            "partition": self.partition,
            "run_id": self.run_id,
            "timestamp": self.timestamp,
            "data_version": self.data_version,
            "failed_checks": list(self.failed_checks),
            "reason": self.reason,
        }


def held_values(storage: Storage, keys: Iterable[AssetKey]) -> list[HeldValue]:
    """The values of ``keys`` held back, per partition, newest first."""
    out: list[HeldValue] = []
    for key in keys:
        staged = storage.latest_all_partitions(key, "staged")
        if not staged:
            continue
        settled = storage.latest_all_partitions(key, "settled")
        for place, record in staged.items():
            done = settled.get(place)
            if done is not None and done.id > record.id:
                continue
            out.append(_held(storage, key, record))
    return sorted(out, key=lambda held: -held.timestamp)


def _held(storage: Storage, key: AssetKey, record: EventRecord) -> HeldValue:
    event = record.event
    made = AssetMaterialized.from_data(event.data)
    checks = storage.get_events(event.run_id, types=[EventType.CHECK_EVALUATED])
    failed = tuple(
        verdict.check or "?"
        for found in checks
        if found.event.asset_key == event.asset_key and found.event.partition == event.partition
        for verdict in [CheckEvaluated.from_data(found.event.data)]
        if verdict.blocks_downstream
    )
    return HeldValue(
        key=key,
        partition=event.partition,
        run_id=event.run_id,
        timestamp=event.timestamp,
        data_version=made.data_version,
        value_hash=made.value_hash,
        failed_checks=failed,
        event=record,
    )
