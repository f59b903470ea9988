"""Jobs in the web API: listed with their selection, tags, asset count and latest run, and launched
through the run queue with their selection, config and tags (and ``headwater/job``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import Project, csrf, make_app, write_project

JOBS = """
import headwater as hw


class Scale(hw.Config):
    factor: int = 2


@hw.asset(group="raw")
def orders() -> list[int]:
    return [1, 2, 3]


@hw.asset(group="mart")
def revenue(config: Scale, orders: list[int]) -> int:
    return sum(orders) * config.factor


@hw.asset(partitions=hw.StaticPartitions(["p1", "p2"]))
def daily(context: hw.Context) -> str:
    return f"value {context.partition_key}"


defs = hw.Definitions(
    assets=[orders, revenue, daily],
    jobs=[
        hw.Job(
            "nightly",
            select="+revenue",
            tags={"team": "finance"},
            config={"revenue": {"factor": 10}},
            description="Revenue every night",
        ),
        hw.Job("parts", select="daily"),
        hw.Job("stale", select="status:stale"),
    ],
)
"""


@pytest.fixture
def jobs_project(tmp_path: Any) -> Project:
    """A project with three jobs (one selecting by status) and no runs."""
    return write_project(tmp_path, JOBS)


@pytest.fixture
def jclient(jobs_project: Project) -> Iterator[TestClient]:
    with TestClient(make_app(jobs_project)) as test_client:
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


def test_jobs_are_listed_with_selection_tags_and_asset_count(jclient: TestClient) -> None:
    listed = jclient.get("/api/jobs").json()
    assert listed["load_error"] is None
    rows = {row["name"]: row for row in listed["jobs"]}
    assert list(rows) == ["nightly", "parts", "stale"]
    assert rows["nightly"] == {
        "name": "nightly",
        "description": "Revenue every night",
        "select": "+revenue",
        "tags": {"team": "finance"},
        "has_config": True,
        "assets": 2,
        "latest_run": None,
    }
    assert (rows["parts"]["assets"], rows["parts"]["has_config"]) == (1, False)
    assert rows["stale"]["assets"] == 0  # nothing materialized yet, so nothing is stale


def test_a_job_launched_runs_with_its_selection_config_and_tags(jclient: TestClient) -> None:
    launched = jclient.post("/api/launch", json={"job": "nightly"}, headers=csrf(jclient))
    assert launched.status_code == 202, launched.text
    assert launched.json()["assets"] == 2
    status = _until(jclient, f"/api/launches/{launched.json()['launch_id']}", lambda s: s["status"] != "pending")
    run = _until(jclient, f"/api/runs/{status['run_id']}", lambda r: r["finished"])
    assert run["status"] == "succeeded", run
    assert run["selection"] == "+revenue" and sorted(run["asset_keys"]) == ["orders", "revenue"]
    assert run["config"] == {"revenue": {"factor": 10}}
    assert run["tags"] == {"team": "finance", "headwater/job": "nightly", "headwater/launch": run["run_id"]}
    rows = {row["name"]: row for row in jclient.get("/api/jobs").json()["jobs"]}
    assert rows["nightly"]["latest_run"]["run_id"] == run["run_id"]
    assert rows["nightly"]["latest_run"]["status"] == "succeeded"
    assert rows["parts"]["latest_run"] is None
    # Tags and config given with the job win over the job's own.
    body = {"job": "nightly", "tags": {"team": "ops"}, "config": {"revenue": {"factor": 1}}}
    again = jclient.post("/api/launch", json=body, headers=csrf(jclient)).json()
    second = _until(jclient, f"/api/runs/{again['launch_id']}", lambda r: r["finished"])
    assert (second["tags"]["team"], second["tags"]["headwater/job"], second["config"]) == (
        "ops",
        "nightly",
        {"revenue": {"factor": 1}},
    )


def test_a_partitioned_job_launches_one_partition(jclient: TestClient) -> None:
    headers = csrf(jclient)
    checked = jclient.post("/api/launch/check", json={"job": "parts", "partition": "p1"}, headers=headers).json()
    assert (checked["job"], checked["select"], checked["problems"]) == ("parts", "daily", [])
    ranged = jclient.post("/api/launch/check", json={"job": "parts", "partition": "p1...p2"}, headers=headers)
    assert ranged.json()["problems"] == [
        "job 'parts' runs one partition at a time: give one partition key, or launch a backfill of its "
        "selection without job"
    ]
    launched = jclient.post("/api/launch", json={"job": "parts", "partition": "p2"}, headers=headers).json()
    run = _until(jclient, f"/api/runs/{launched['launch_id']}", lambda r: r["finished"])
    assert (run["status"], run["partition"], run["tags"]["headwater/job"]) == ("succeeded", "p2", "parts")


def test_an_unknown_job_or_a_job_with_a_selection_is_refused(jclient: TestClient) -> None:
    headers = csrf(jclient)
    unknown = jclient.post("/api/launch", json={"job": "nighty"}, headers=headers)
    assert unknown.status_code == 400
    assert unknown.json()["error"] == (
        "launch: job='nighty' is not a job of these definitions (did you mean 'nightly'?); known jobs: "
        "nightly, parts, stale; declare it with Definitions(jobs=[hw.Job('nighty', select=...)])"
    )
    both = jclient.post("/api/launch", json={"job": "nightly", "select": "orders"}, headers=headers)
    assert both.status_code == 400
    assert both.json()["error"] == (
        "launch: give job or select, not both: job 'nightly' has its own selection; leave select out"
    )
    assert jclient.get("/api/runs").json()["runs"] == []


def test_the_jobs_page_is_served_with_its_json_twin(jclient: TestClient) -> None:
    page = jclient.get("/jobs")
    assert page.status_code == 200
    assert 'data-api="/api/jobs"' in page.text and "/static/jobs.js" in page.text
    assert '<a href="/jobs" class=active>Jobs</a>' in page.text
    assert jclient.get("/static/jobs.js").status_code == 200
