"""ValueHistory: the newest value events of many assets in one query, on SQLite and PostgreSQL."""

from __future__ import annotations

from headwater.events import Event, EventType
from headwater.keys import AssetKey
from headwater.storage import Storage
from headwater.storage.value_history import ValueHistory

A = AssetKey("mart", "revenue")
B = AssetKey("raw", "orders")
C = AssetKey("raw", "never")


def _event(kind: EventType, key: AssetKey, version: str) -> Event:
    return Event(run_id="r1", type=kind, asset_key=key, data={"data_version": version})


def test_recent_keeps_the_newest_per_key_across_types(storage: Storage) -> None:
    storage.store_events(
        [
            _event(EventType.ASSET_MATERIALIZED, A, "a1"),
            _event(EventType.ASSET_OBSERVED, B, "b1"),
            _event(EventType.ASSET_MATERIALIZED, A, "a2"),
            _event(EventType.CHECK_EVALUATED, A, "not a value"),
            _event(EventType.ASSET_MATERIALIZED, B, "b2"),
            _event(EventType.ASSET_MATERIALIZED, A, "a3"),
        ]
    )
    history = ValueHistory(storage)
    both = (EventType.ASSET_MATERIALIZED, EventType.ASSET_OBSERVED)
    found = history.recent([A, B, C], both, 2)
    versions = {key.to_string(): [r.event.data["data_version"] for r in records] for key, records in found.items()}
    assert versions == {"mart/revenue": ["a3", "a2"], "raw/orders": ["b2", "b1"], "raw/never": []}
    only_materialized = history.recent([B], (EventType.ASSET_MATERIALIZED,), 5)
    assert [r.event.data["data_version"] for r in only_materialized[B]] == ["b2"]
    assert history.recent([], both, 3) == {}
