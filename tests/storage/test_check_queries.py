"""Storage queries over check evaluations, run on SQLite and PostgreSQL."""

from __future__ import annotations

from headwater.events import Event, EventType
from headwater.keys import AssetKey
from headwater.storage import Storage

A = AssetKey("mart", "revenue")
B = AssetKey("raw", "orders")


def _event(kind: EventType, key: AssetKey, partition: str | None = None, **data: object) -> Event:
    return Event(run_id="r1", type=kind, asset_key=key, partition=partition, data=data)


def test_checks_since_latest_materialization(storage: Storage) -> None:
    storage.store_events(
        [
            _event(EventType.ASSET_MATERIALIZED, A),
            _event(EventType.CHECK_EVALUATED, A, check="old", passed=False),
            _event(EventType.ASSET_MATERIALIZED, A),
            _event(EventType.CHECK_EVALUATED, A, check="new", passed=True),
            _event(EventType.CHECK_EVALUATED, A, "p1", check="partitioned", passed=True),
            _event(EventType.CHECK_EVALUATED, B, check="unmaterialized", passed=False),
        ]
    )
    found = storage.checks_since_latest()
    assert [r.event.data["check"] for r in found] == ["new"]
    assert storage.checks_since_latest([B]) == []
    assert [r.event.data["check"] for r in storage.checks_since_latest([A, B])] == ["new"]
    storage.store_events([_event(EventType.ASSET_MATERIALIZED, A, "p1")])
    storage.store_events([_event(EventType.CHECK_EVALUATED, A, "p1", check="later", passed=True)])
    assert [r.event.data["check"] for r in storage.checks_since_latest([A], "p1")] == ["later"]
