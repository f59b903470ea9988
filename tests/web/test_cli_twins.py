"""The CLI's ``--json`` and the web API give the same JSON for the same thing: schedules, sensors,
ticks, runs (listed and shown), the asset catalog and jobs, read from one event log by both."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from headwater.cli.main import cli

from .conftest import Project, csrf, make_app, write_project


def cli_json(project: Project, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    """``headwater ARGS --json`` run in-process on ``project``'s event log, parsed."""
    monkeypatch.setenv("HEADWATER_HOME", project.config.home)
    monkeypatch.delenv("HEADWATER_STORAGE_URL", raising=False)
    monkeypatch.chdir(project.path.parent)
    result = CliRunner().invoke(cli, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_schedules_sensors_and_ticks_are_the_same_json(automated: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    where = ("-f", str(automated.path))
    with TestClient(make_app(automated)) as client:
        page = client.get("/api/automation").json()
    schedules = cli_json(automated, monkeypatch, "automation", "schedules", *where)
    sensors = cli_json(automated, monkeypatch, "automation", "sensors", *where)
    assert schedules == page["schedules"] and sensors == page["sensors"]
    assert [(s["name"], s["on"]) for s in schedules] == [("nightly", False)]  # declared stopped
    assert [(s["name"], s["on"], s["kind"]) for s in sensors] == [("watcher", True, "function")]
    assert cli_json(automated, monkeypatch, "automation", "ticks", "--limit", "50") == page["ticks"] != []
    CliRunner().invoke(cli, ["automation", "on", "nightly", *where], catch_exceptions=False)
    with TestClient(make_app(automated)) as client:
        switched = client.get("/api/automation").json()["schedules"]
    assert switched == cli_json(automated, monkeypatch, "automation", "schedules", *where)
    assert switched[0]["on"] is True


def test_runs_listed_and_shown_are_the_same_json(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    with TestClient(make_app(project)) as client:
        listed = client.get("/api/runs").json()["runs"]
        shown = {run["run_id"]: client.get(f"/api/runs/{run['run_id']}").json() for run in listed}
    assert cli_json(project, monkeypatch, "runs", "list") == listed
    assert [run["status"] for run in listed] == ["failed", "succeeded"]
    for run_id, detail in shown.items():
        assert cli_json(project, monkeypatch, "runs", "show", run_id) == detail
    failed = shown[listed[0]["run_id"]]
    assert [(e["step"], e["error"]) for e in failed["errors"]] == [
        ("broken", "step 'broken' failed: ValueError: the warehouse is on fire")
    ]
    assert "ValueError" in failed["errors"][0]["traceback"]


def test_the_catalog_is_the_same_json(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    where = ("-f", str(project.path))
    with TestClient(make_app(project)) as client:
        catalog = client.get("/api/assets").json()["assets"]
        mart = client.get("/api/assets", params={"select": "group:mart"}).json()["assets"]
    assert cli_json(project, monkeypatch, "assets", "list", *where) == catalog
    assert cli_json(project, monkeypatch, "assets", "list", *where, "--select", "group:mart") == mart
    rows = {row["key"]: row for row in catalog}
    assert [row["key"] for row in mart] == ["revenue", "report"]
    assert (rows["broken"]["state"], rows["revenue"]["state"], rows["report"]["upstream"]) == (
        "failed",
        "check_failed",
        1,
    )
    assert rows["revenue"]["checks"] == {"declared": 1, "passed": 0, "failed": 1}


def test_a_partitioned_asset_shows_its_partition_health(partitioned: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    from headwater.loader import load_definitions

    defs = load_definitions(partitioned.location)
    with partitioned.instance() as instance:
        for key in ("p1", "p2", "p3", "p4"):
            assert instance.materialize(defs, "daily", partition=key).success
    where = ("-f", str(partitioned.path))
    status = cli_json(partitioned, monkeypatch, "assets", "status", *where)
    daily = next(row for row in status["assets"] if row["key"] == "daily")
    assert daily["status"] == "materialized"  # every partition is there: not "missing"
    assert daily["reasons"] == []
    health = daily["partition_health"]
    assert (health["text"], health["materialized"], health["total"], health["failed"]) == ("4/4 partitions", 4, 4, 0)
    assert status["counts"]["missing"] == 1 and status["counts"]["materialized"] == 1  # scaled was never run
    with TestClient(make_app(partitioned)) as client:
        page = client.get("/api/assets/daily").json()
    assert page["partition_health"] == health
    assert page["partition_status"]["counts"] == daily["partitions"]["counts"]
    listed = cli_json(partitioned, monkeypatch, "assets", "list", *where)
    assert next(row for row in listed if row["key"] == "daily")["last_materialized"] == health["last_materialized"]
    monkeypatch.setenv("COLUMNS", "200")
    text = CliRunner().invoke(cli, ["assets", "status", *where], catch_exceptions=False).stdout
    assert " ".join(text.split()).count("daily │ 4/4 partitions │") == 1


def test_jobs_are_the_same_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .test_jobs import JOBS

    jobs = write_project(tmp_path, JOBS)
    with TestClient(make_app(jobs)) as client:
        client.get("/api/csrf")
        launched = client.post("/api/launch", json={"job": "parts", "partition": "p1"}, headers=csrf(client)).json()
        for _ in range(600):
            if client.get(f"/api/runs/{launched['launch_id']}").json()["finished"]:
                break
            time.sleep(0.1)
        page = client.get("/api/jobs").json()["jobs"]
    assert cli_json(jobs, monkeypatch, "jobs", "-f", str(jobs.path)) == page
    assert [(row["name"], row["latest_run"] and row["latest_run"]["status"]) for row in page] == [
        ("nightly", None),
        ("parts", "succeeded"),
        ("stale", None),
    ]
