"""Run pages over SQLite and PostgreSQL: keyset pages of runs with and without a status filter, the
change marker, a run's step timeline and its events as stored."""

from __future__ import annotations

import json

import pytest

from headwater.events import CheckEvaluated, Event, EventType, RunRecord, RunStatus
from headwater.keys import AssetKey
from headwater.storage import Storage, run_pages
from headwater.storage.run_pages import ChangeMarker, RunPages, RunPosition


def _add_runs(storage: Storage) -> None:
    statuses = [RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.QUEUED]
    for i in range(9):
        # Two runs per creation time, so paging must break ties by run id.
        storage.add_run(RunRecord(run_id=f"r{i}", status=statuses[i % 3], created_at=100.0 + i // 2))


def _all_pages(pages: RunPages, size: int, statuses: list[RunStatus] | None = None) -> list[list[str]]:
    found: list[list[str]] = []
    after = None
    while page := pages.runs_page(limit=size, after=after, statuses=statuses):
        found.append([r.run_id for r in page])
        after = RunPosition.of(page[-1])
    return found


def test_keyset_pages_walk_every_run_newest_first(storage: Storage) -> None:
    _add_runs(storage)
    pages = RunPages(storage)
    newest = [r.run_id for r in storage.list_runs(limit=100)]
    assert newest == ["r8", "r7", "r6", "r5", "r4", "r3", "r2", "r1", "r0"]
    assert _all_pages(pages, 4) == [newest[:4], newest[4:8], newest[8:]]
    assert pages.runs_page(limit=4, after=RunPosition(created_at=103.0, run_id="r7")) == storage.list_runs(
        limit=4, offset=2
    )


@pytest.mark.parametrize("scan_above", [1000, 0])
def test_a_status_filter_pages_the_same_runs_either_way(
    storage: Storage, monkeypatch: pytest.MonkeyPatch, scan_above: int
) -> None:
    # 0 makes SQLite walk the created_at index instead of the status index; the answer is the same.
    monkeypatch.setattr(run_pages, "_SCAN_ABOVE", scan_above)
    _add_runs(storage)
    statuses = [RunStatus.FAILED, RunStatus.QUEUED]
    expected = [r.run_id for r in storage.list_runs(limit=100, statuses=statuses)]
    assert expected == ["r8", "r7", "r5", "r4", "r2", "r1"]
    assert _all_pages(RunPages(storage), 4, statuses) == [expected[:4], expected[4:]]
    assert RunPages(storage).runs_page(limit=4, statuses=[RunStatus.CANCELED]) == []


def test_the_change_marker_moves_with_runs_and_events(storage: Storage) -> None:
    pages = RunPages(storage)
    assert pages.change_marker() == ChangeMarker(last_event_id=0, last_run_created_at=None)
    storage.add_run(RunRecord(run_id="r", created_at=42.5))
    assert pages.change_marker() == ChangeMarker(last_event_id=0, last_run_created_at=42.5)
    [event_id] = storage.store_events([Event(run_id="r", type=EventType.RUN_STARTED)])
    assert pages.change_marker() == ChangeMarker(last_event_id=event_id, last_run_created_at=42.5)


def _run_with_steps(storage: Storage) -> list[int]:
    storage.add_run(RunRecord(run_id="r"))
    key = AssetKey.parse("mart/revenue")
    check = CheckEvaluated(check="positive", passed=False).to_data()
    return storage.store_events(
        [
            Event(run_id="r", type=EventType.STEP_STARTED, step_key="mart/revenue", timestamp=1.0),
            Event(run_id="r", type=EventType.CHECK_EVALUATED, step_key="mart/revenue", asset_key=key, data=check),
            Event(run_id="r", type=EventType.STEP_FAILED, step_key="mart/revenue", data={"error": "boom"}),
            Event(run_id="other", type=EventType.STEP_STARTED, step_key="x"),
        ]
    )


def test_step_events_parse_data_only_for_the_types_asked_for(storage: Storage) -> None:
    _run_with_steps(storage)
    found = RunPages(storage).step_events("r", detailed=[EventType.CHECK_EVALUATED])
    assert [e.type for e in found] == [EventType.STEP_STARTED, EventType.CHECK_EVALUATED, EventType.STEP_FAILED]
    assert [e.asset_key for e in found] == [None, AssetKey.parse("mart/revenue"), None]
    assert found[0].timestamp == 1.0 and found[0].step_key == "mart/revenue"
    assert [dict(e.data) for e in found] == [{}, CheckEvaluated(check="positive", passed=False).to_data(), {}]
    assert RunPages(storage).step_events("nope") == []


def test_stored_events_are_the_rows_as_stored(storage: Storage) -> None:
    ids = _run_with_steps(storage)
    found = RunPages(storage).stored_events("r", after=ids[0], limit=1)
    assert [e.id for e in found] == [ids[1]]
    [check] = found
    assert (check.run_id, check.type, check.asset_key, check.partition) == (
        "r",
        EventType.CHECK_EVALUATED,
        "mart/revenue",
        None,
    )
    [record] = [r for r in storage.get_events("r") if r.id == ids[1]]
    assert json.loads(check.data) == dict(record.event.data) and " " not in check.data
    assert check.timestamp == record.event.timestamp
    assert [e.id for e in RunPages(storage).stored_events("r")] == ids[:3]
