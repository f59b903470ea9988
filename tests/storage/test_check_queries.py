"""Storage queries over check evaluations, run on SQLite and PostgreSQL."""

from __future__ import annotations

from headwater.events import Event, EventType
from headwater.keys import AssetKey
from headwater.storage import Storage

A = AssetKey("mart", "revenue")
B = AssetKey("raw", "orders")


def _event(kind: EventType, key: AssetKey, partition: str | None = None, **data: object) -> Event:
    return Event(run_id="r1", type=kind, asset_key=key, partition=partition, data=data)


def test_check_verdicts_judge_the_current_value(storage: Storage) -> None:
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
    # "old" judged a value replaced since; B has no materialization, so its check judges what it has.
    assert [(v.asset_key, v.check) for v in storage.check_verdicts()] == [(A, "new"), (B, "unmaterialized")]
    assert [v.check for v in storage.check_verdicts([A])] == ["new"]
    assert [v.failed for v in storage.check_verdicts([B])] == [True]
    assert storage.check_verdicts([A])[0].data == {}  # event data only when asked for
    assert storage.check_verdicts([A], with_payload=True)[0].data["check"] == "new"
    assert [v.check for v in storage.check_verdicts([A], "p1")] == ["partitioned"]
    storage.store_events([_event(EventType.ASSET_MATERIALIZED, A, "p1")])
    storage.store_events([_event(EventType.CHECK_EVALUATED, A, "p1", check="later", passed=True)])
    assert [v.check for v in storage.check_verdicts([A], "p1")] == ["later"]
