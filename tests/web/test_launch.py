"""The launch check, launching backfills and the backfills API, in-process against real runs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from headwater.instance import Instance
from headwater.instance.backfill import create_backfill
from headwater.loader import load_definitions

from .conftest import Project, csrf, make_app


@pytest.fixture
def pclient(partitioned: Project) -> Iterator[TestClient]:
    with TestClient(make_app(partitioned)) as test_client:
        test_client.get("/api/csrf")
        yield test_client


def _until(client: TestClient, url: str, done: Any, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data: dict[str, Any] = client.get(url).json()
        if done(data):
            return data
        time.sleep(0.1)
    raise AssertionError(f"{url} did not get there")


def test_check_counts_partitions_and_validates_config(pclient: TestClient) -> None:
    headers = csrf(pclient)
    checked = pclient.post("/api/launch/check", json={"select": "*"}, headers=headers).json()
    assert checked["assets"] == 2 and checked["keys"] == ["daily", "scaled"]
    assert checked["partitions"]["total"] == 4 and checked["partitions"]["assets"] == ["daily"]
    assert checked["config_schemas"]["scaled"]["required"] == ["label"]
    assert checked["problems"] == [
        "the selection has partitioned assets (daily), so a run needs a partition: give a key such as p4, "
        "or START...END for a backfill",
        "run config for 'scaled' is invalid (Scale): label: Field required; "
        'give it as {"scaled": {...}} in the run config',
    ]
    ranged = pclient.post("/api/launch/check", json={"select": "daily", "partition": "p2...p4"}, headers=headers)
    assert ranged.json()["kind"] == "backfill" and ranged.json()["partitions"]["selected"] == 3
    assert ranged.json()["problems"] == []
    wrong = pclient.post("/api/launch/check", json={"select": "daily", "partition": "p9"}, headers=headers).json()
    assert "p9" in wrong["problems"][0] and "daily" in wrong["problems"][0]
    bad = {"select": "scaled", "config": {"scaled": {"label": "x", "factor": "many"}}}
    typed = pclient.post("/api/launch/check", json=bad, headers=headers).json()
    assert typed["problems"][0].startswith("run config for 'scaled' is invalid (Scale): factor: Input should be")
    unpartitioned = pclient.post("/api/launch/check", json={"select": "scaled", "partition": "p1"}, headers=headers)
    assert unpartitioned.json()["problems"][0].startswith(
        "the selection 'scaled' has no partitioned asset, so partition 'p1' does not apply"
    )
    refused = pclient.post("/api/launch", json=bad, headers=headers)
    assert refused.status_code == 400 and "factor: Input should be" in refused.json()["error"]
    assert pclient.post("/api/launch/check", json={"select": "dialy"}, headers=headers).status_code == 400


def test_launch_with_valid_config_runs_it(pclient: TestClient) -> None:
    body = {"select": "scaled", "config": {"scaled": {"label": "x", "factor": 3}}}
    launched = pclient.post("/api/launch", json=body, headers=csrf(pclient)).json()
    assert launched["kind"] == "materialize"
    status = _until(pclient, f"/api/launches/{launched['launch_id']}", lambda s: s["status"] != "pending")
    run = _until(pclient, f"/api/runs/{status['run_id']}", lambda r: r["finished"])
    assert run["status"] == "succeeded" and run["config"] == {"scaled": {"label": "x", "factor": 3}}


def test_backfill_launch_progress_and_list(pclient: TestClient) -> None:
    body = {"select": "daily", "partition": "p1...p3"}
    launched = pclient.post("/api/launch", json=body, headers=csrf(pclient)).json()
    assert launched["kind"] == "backfill"
    status = _until(pclient, f"/api/launches/{launched['launch_id']}", lambda s: s["status"] != "pending")
    assert status["status"] == "started" and status["backfill_id"], status
    backfill = _until(pclient, f"/api/backfills/{status['backfill_id']}", lambda b: b["finished"])
    assert backfill["status"] == "succeeded" and backfill["progress"] == 1.0
    assert [(r["partition"], r["status"]) for r in backfill["runs"]] == [
        ("p1", "succeeded"),
        ("p2", "succeeded"),
        ("p3", "succeeded"),
    ]
    assert backfill["counts"] == {"succeeded": 3, "not_started": 0}
    listed = pclient.get("/api/backfills").json()["backfills"]
    assert [b["backfill_id"] for b in listed] == [status["backfill_id"]]
    assert listed[0]["partitions"] == "p1...p3"


def test_cancel_a_backfill(partitioned: Project, pclient: TestClient) -> None:
    with Instance.from_config(partitioned.config) as instance:
        record, _ = create_backfill(
            instance, load_definitions(partitioned.location), "daily", mode="partitions", partitions="p1...p4"
        )
    url = f"/api/backfills/{record.backfill_id}/cancel"
    assert pclient.post(url).status_code == 403  # no CSRF token
    canceled = pclient.post(url, headers=csrf(pclient))
    assert canceled.status_code == 200 and canceled.json()["status"] == "canceled"
    again = pclient.post(url, headers=csrf(pclient))
    assert again.status_code == 400
    assert again.json()["error"].startswith(f"backfill {record.backfill_id[:8]} already canceled")
    missing = pclient.get("/api/backfills/nope")
    assert missing.status_code == 404 and missing.json()["error"].startswith("no backfill 'nope'")
