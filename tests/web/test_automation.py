"""The automation API in-process: schedules and sensors with switches, ticks and condition
evaluations recorded by a real daemon tick (launching nothing)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from headwater.automation import Daemon
from headwater.loader import load_definitions

from .conftest import Project, csrf, make_app, write_project


@pytest.fixture
def aclient(automated: Project) -> Iterator[TestClient]:
    with TestClient(make_app(automated)) as test_client:
        test_client.get("/api/csrf")
        yield test_client


def test_schedules_sensors_conditions_and_ticks(aclient: TestClient) -> None:
    data = aclient.get("/api/automation").json()
    nightly = data["schedules"][0]
    assert nightly["name"] == "nightly" and nightly["on"] is False
    assert 0 < nightly["next_tick_at"] - time.time() <= 86400  # the next tick, not the last one of the year
    assert data["sensors"][0]["name"] == "watcher" and data["sensors"][0]["on"] is True
    conditions = {c["key"]: c for c in data["conditions"]["assets"]}
    assert data["conditions"]["on"] is True and set(conditions) == {"seed", "grown"}
    assert conditions["seed"]["requested"] is True  # missing, so on_missing asks for it
    instigators = {t["instigator"] for t in data["ticks"]}
    assert {"watcher", "asset_automation"} <= instigators
    why = aclient.get("/api/automation/why/seed").json()
    assert why["evaluations"][0]["requested"] is True
    assert why["evaluations"][0]["tree"]["true"] is True and why["evaluations"][0]["tree"]["condition"]
    only = aclient.get("/api/automation/ticks", params={"name": "watcher"}).json()["ticks"]
    assert [t["instigator"] for t in only] == ["watcher"]
    unknown = aclient.get("/api/automation/why/sed")
    assert unknown.status_code == 404 and "did you mean 'seed'" in unknown.json()["error"]


def test_switching_on_and_off(aclient: TestClient) -> None:
    url = "/api/automation/instigators/nightly"
    assert aclient.post(url, json={"enabled": True}).status_code == 403  # no CSRF token
    switched = aclient.post(url, json={"enabled": True}, headers=csrf(aclient))
    assert switched.json() == {"name": "nightly", "kind": "schedule", "on": True}
    assert aclient.get("/api/automation").json()["schedules"][0]["on"] is True
    off = aclient.post("/api/automation/instigators/asset_automation", json={"enabled": False}, headers=csrf(aclient))
    assert off.json()["on"] is False and aclient.get("/api/automation").json()["conditions"]["on"] is False
    wrong = aclient.post("/api/automation/instigators/nighty", json={"enabled": True}, headers=csrf(aclient))
    assert wrong.status_code == 404
    assert wrong.json()["error"].startswith("no schedule or sensor named 'nighty' in these definitions")
    assert "did you mean 'nightly'" in wrong.json()["error"]


def test_sensors_show_their_last_evaluation_duration_and_lag(aclient: TestClient) -> None:
    [watcher] = aclient.get("/api/automation").json()["sensors"]
    assert watcher["last_evaluated_at"] == watcher["last_tick_at"] is not None
    assert watcher["last_duration"] >= 0 and watcher["lag"] >= watcher["last_lag"] >= 0


ALERTED = """
from datetime import timedelta

import headwater as hw


@hw.asset(freshness=hw.Freshness(max_lag=timedelta(hours=1)))
def feed() -> int:
    return 1


hook = hw.AlertTarget.webhook("http://127.0.0.1:{port}/down", name="hook")
defs = hw.Definitions(assets=[feed], alerts=[hw.Alert("late", on="asset_overdue", targets=[hook, "log"])])
"""


def test_alerts_show_open_incidents_and_owed_notices(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on: the webhook delivery fails
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    made = write_project(tmp_path, ALERTED.format(port=port))
    with made.instance() as instance:
        Daemon(instance.storage, load_definitions(made.location), launch=False).tick()
    with TestClient(make_app(made)) as test_client:
        [late] = test_client.get("/api/automation").json()["alerts"]
    assert (late["name"], late["on"], late["targets"]) == ("late", "asset_overdue", ["hook", "log"])
    [incident] = late["open"]
    assert incident["id"] == "late#1" and incident["subject"] == "feed"
    assert incident["summary"].startswith("feed is overdue: never materialized")
    assert incident["url"] == "http://127.0.0.1:3000/assets/feed"
    [owed] = late["owed"]
    assert (owed["delivery"], owed["target"], owed["attempts"]) == ("late#1:firing", "hook", 1)
    assert f"target 'hook' (http://127.0.0.1:{port}/down): URLError" in owed["error"]
