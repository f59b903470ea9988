"""UI launches go through the run queue: they wait under ``[runs] max_concurrent`` and ``tag_limits``,
a backfill is stored and handed to the daemon, and the web server launches queued runs itself only
while no daemon holds the lease."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from headwater.events import Event, EventType, RunRecord, RunStatus
from headwater.instance.backfill import driven_by_daemon
from headwater.instance.daemon import build_daemon
from headwater.loader import load_definitions
from headwater.storage.run_queue import RunQueueStore
from headwater.web.state import WebState

from .conftest import PROJECT, Project, csrf, make_app, write_project


def _until(what: str, done: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = done()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen")


def _serve(project: Project) -> Iterator[tuple[TestClient, WebState]]:
    app = make_app(project)
    with TestClient(app) as test_client:
        test_client.get("/api/csrf")
        yield test_client, app.state.web


def _start_blocker(project: Project, tags: dict[str, str] | None = None) -> str:
    """A run started by another process (its RUN_STARTED stored), still in progress."""
    with project.instance() as instance:
        instance.storage.add_run(RunRecord(run_id="blocker", selection="orders", tags=tags or {}))
        instance.storage.store_events([Event(run_id="blocker", type=EventType.RUN_STARTED)])
    return "blocker"


def _end(project: Project, run_id: str) -> None:
    with project.instance() as instance:
        instance.storage.store_events([Event(run_id=run_id, type=EventType.RUN_SUCCEEDED)])


def _finished(client: TestClient, run_id: str) -> dict[str, Any]:
    run: dict[str, Any] = _until(
        f"run {run_id} ending", lambda: (r := client.get(f"/api/runs/{run_id}").json())["finished"] and r
    )
    return run


def _waiting(state: WebState) -> list[str]:
    return [q.run.run_id for q in RunQueueStore(state.storage).queue(launched=False)]


def _started_events(state: WebState, run_id: str) -> int:
    return len(state.storage.get_events(run_id, types=[EventType.RUN_STARTED]))


@pytest.fixture
def one_at_a_time(project: Project) -> Iterator[tuple[TestClient, WebState]]:
    project.config.runs.max_concurrent = 1
    yield from _serve(project)


def test_a_ui_launch_waits_for_max_concurrent(project: Project, one_at_a_time: tuple[TestClient, WebState]) -> None:
    client, state = one_at_a_time
    blocker = _start_blocker(project)
    launched = client.post("/api/launch", json={"select": "orders"}, headers=csrf(client)).json()
    run_id = launched["run_id"]
    assert launched["launch_id"] == run_id and launched["status"] == "pending" and launched["run_status"] == "queued"
    assert state.storage.get_run(run_id).status is RunStatus.QUEUED  # type: ignore[union-attr]
    assert state.queue_launcher.run_pass() == []  # the blocker takes the one slot
    assert _waiting(state) == [run_id]
    assert client.get(f"/api/launches/{run_id}").json()["status"] == "pending"
    _end(project, blocker)
    assert _finished(client, run_id)["status"] == "succeeded"
    assert client.get(f"/api/launches/{run_id}").json()["status"] == "started"
    assert state.queue_launcher.launched == [run_id] and _started_events(state, run_id) == 1


@pytest.fixture
def finance_limited(project: Project) -> Iterator[tuple[TestClient, WebState]]:
    project.config.runs.tag_limits = {"team=finance": 1}
    yield from _serve(project)


def test_a_ui_launch_carries_tags_held_by_tag_limits(
    project: Project, finance_limited: tuple[TestClient, WebState]
) -> None:
    client, state = finance_limited
    blocker = _start_blocker(project, {"team": "finance"})
    headers = csrf(client)
    held = client.post("/api/launch", json={"select": "orders", "tags": {"team": "finance"}}, headers=headers).json()
    other = client.post("/api/launch", json={"select": "orders", "tags": {"team": "ops"}}, headers=headers).json()
    assert _finished(client, other["run_id"])["status"] == "succeeded"  # not held: its tag has no limit
    state.queue_launcher.run_pass()
    assert _waiting(state) == [held["run_id"]]
    run = client.get(f"/api/runs/{held['run_id']}").json()
    assert run["status"] == "queued" and run["tags"] == {"team": "finance", "headwater/launch": held["run_id"]}
    _end(project, blocker)
    assert _finished(client, held["run_id"])["status"] == "succeeded"
    assert state.queue_launcher.launched == [other["run_id"], held["run_id"]]


def test_bad_launch_tags_are_refused(client: TestClient) -> None:
    headers = csrf(client)
    blank = client.post("/api/launch", json={"select": "orders", "tags": {" ": "x"}}, headers=headers)
    assert blank.status_code == 400
    assert blank.json()["error"] == 'a run tag has an empty name: give each tag as "name": "value"'
    body = {"select": "orders", "tags": {"headwater.priority": "high"}}
    priority = client.post("/api/launch", json=body, headers=headers)
    assert priority.status_code == 400
    assert priority.json()["error"] == (
        "queued run: tag headwater.priority='high' must be a whole number (higher runs first), e.g. 10"
    )


def test_backfill_launch_tags_are_refused(partitioned: Project) -> None:
    with TestClient(make_app(partitioned)) as client:
        client.get("/api/csrf")
        body = {"select": "daily", "partition": "p1...p2", "tags": {"team": "finance"}}
        refused = client.post("/api/launch", json=body, headers=csrf(client))
        assert refused.status_code == 400
        assert refused.json()["error"] == (
            "run tags are not passed to backfills (their runs are tagged headwater/backfill=ID): "
            "leave them empty, or launch one partition at a time"
        )


def test_a_ui_backfill_comes_back_with_its_stored_id(partitioned: Project) -> None:
    with TestClient(make_app(partitioned)) as client:
        client.get("/api/csrf")
        body = {"select": "daily", "partition": "p1...p2"}
        launched = client.post("/api/launch", json=body, headers=csrf(client)).json()
        backfill_id = launched["backfill_id"]
        assert launched["launch_id"] == backfill_id and launched["status"] == "started"
        record = client.app.state.web.storage.get_backfill(backfill_id)  # type: ignore[attr-defined]
        assert record is not None and record.backfill_id == backfill_id and driven_by_daemon(record)
        assert record.request["partitions"] == "p1...p2" and record.total == 2


def test_the_web_server_alone_launches_a_ui_run(project: Project, client: TestClient) -> None:
    state: WebState = client.app.state.web  # type: ignore[attr-defined]
    launched = client.post("/api/launch", json={"select": "+report"}, headers=csrf(client)).json()
    run_id = launched["run_id"]
    assert state.storage.get_run(run_id) is not None  # recorded before the answer
    assert _finished(client, run_id)["status"] == "succeeded"
    assert state.queue_launcher.launched == [run_id] and _started_events(state, run_id) == 1


def test_beside_a_daemon_the_daemon_launches_a_ui_run_once(project: Project, client: TestClient) -> None:
    state: WebState = client.app.state.web  # type: ignore[attr-defined]
    project.config.daemon.interval = 3600  # one tick, then it only watches the queue
    with project.instance() as instance:
        daemon = build_daemon(instance, load_definitions(project.location))
        stop = threading.Event()
        thread = threading.Thread(target=daemon.run, args=(stop,), daemon=True)
        thread.start()
        try:
            _until(
                "the daemon taking the lease",
                lambda: (RunQueueStore(state.storage).lease_owner("daemon") or ("",))[0] == daemon.owner,
            )
            launched = client.post("/api/launch", json={"select": "+report"}, headers=csrf(client)).json()
            run_id = launched["run_id"]
            assert _finished(client, run_id)["status"] == "succeeded"
            assert run_id in daemon.launcher.processes
        finally:
            stop.set()
            thread.join(30)
            daemon.launcher.wait(30)
    assert state.queue_launcher.launched == [] and _started_events(state, run_id) == 1


def test_a_missing_upstream_value_fails_the_queued_run_with_why(tmp_path: Path) -> None:
    fresh = write_project(tmp_path, PROJECT)  # nothing materialized yet
    with TestClient(make_app(fresh)) as client:
        client.get("/api/csrf")
        launched = client.post("/api/launch", json={"select": "revenue"}, headers=csrf(client)).json()
        status = _until(
            "the launch failing",
            lambda: (s := client.get(f"/api/launches/{launched['launch_id']}").json())["status"] != "pending" and s,
        )
        expected = (
            "1 upstream asset(s) outside the selection have no stored value: 'orders' (needed by revenue); "
            "add them to the selection (e.g. --select '+revenue') or materialize them first"
        )
        assert status["status"] == "failed" and status["error"] == expected
        run = client.get(f"/api/runs/{launched['run_id']}").json()
        assert run["status"] == "failed" and run["error"] == expected and run["started_at"] is None
