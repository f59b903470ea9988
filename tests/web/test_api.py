"""The JSON API in-process (TestClient) against a real SQLite instance populated by real runs."""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi.testclient import TestClient

from .conftest import Project, csrf, fix_broken


def _wait_run(client: TestClient, run_id: str, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.get(f"/api/runs/{run_id}").json()
        if run["finished"]:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish")


def _wait_launch(client: TestClient, launch_id: str, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/api/launches/{launch_id}").json()
        if status["status"] != "pending":
            return status
        time.sleep(0.1)
    raise AssertionError(f"launch {launch_id} never started")


def test_graph_layout_and_states(client: TestClient) -> None:
    data = client.get("/api/graph").json()
    layout = data["layout"]
    keys = layout["keys"]
    layer = dict(zip(keys, layout["layer"], strict=True))
    assert layer == {"orders": 0, "revenue": 1, "broken": 1, "report": 2}
    groups = [g["name"] for g in layout["groups"]]
    assert groups[0] == "raw" and sorted(groups) == ["mart", "ops", "raw"]
    edges = {(keys[layout["edges"][i]], keys[layout["edges"][i + 1]]) for i in range(0, len(layout["edges"]), 2)}
    assert edges == {("orders", "revenue"), ("orders", "broken"), ("revenue", "report")}
    states = dict(zip(keys, data["states"], strict=True))
    assert states == {"orders": "f", "revenue": "c", "report": "f", "broken": "x"}
    assert data["load_error"] is None
    live = client.get("/api/graph/states").json()
    assert live["version"] == layout["version"] and live["states"] == data["states"]


def test_catalog_and_selection(client: TestClient) -> None:
    catalog = client.get("/api/assets").json()
    rows = {row["key"]: row for row in catalog["assets"]}
    assert catalog["total"] == 4
    assert rows["orders"]["owners"] == ["team:data"] and rows["orders"]["kinds"] == ["csv"]
    assert rows["orders"]["description"] == "Orders <b>exported</b> from the shop."
    assert rows["revenue"]["checks"] == {"declared": 1, "passed": 0, "failed": 1}
    assert rows["broken"]["state"] == "failed" and rows["broken"]["last_materialized"] is None
    mart = client.get("/api/assets", params={"select": "group:mart"}).json()
    assert [row["key"] for row in mart["assets"]] == ["revenue", "report"]
    assert client.get("/api/select", params={"q": "+report"}).json()["keys"] == ["orders", "revenue", "report"]
    assert client.get("/api/select", params={"q": "status:failed"}).json()["keys"] == ["broken"]
    bad = client.get("/api/select", params={"q": "revenu"})
    assert bad.status_code == 400
    assert "no asset 'revenu' (did you mean 'revenue'?)" in bad.json()["error"]
    assert "^" in bad.json()["error"]
    assert client.get("/api/assets", params={"select": "group:nope"}).status_code == 400
    lineage = client.get("/api/lineage/revenue", params={"up": 1, "down": 0}).json()
    assert lineage["keys"] == ["orders", "revenue"] and lineage["edges"] == [["orders", "revenue"]]


def test_asset_detail(client: TestClient) -> None:
    asset = client.get("/api/assets/revenue").json()
    assert asset["upstream"] == ["orders"] and asset["downstream"] == ["report"]
    assert asset["state"] == "check_failed"
    assert asset["latest"]["data"]["metadata"] == {"rows": 3, "total": 6.0}
    assert [point[1] for point in asset["series"]["rows"]] == [3.0]
    assert asset["checks"][0]["name"] == "revenue_positive"
    assert asset["checks"][0]["latest"]["passed"] is False
    assert asset["check_history"][0]["level"] == "error"
    missing = client.get("/api/assets/revenu")
    assert missing.status_code == 404
    assert missing.json()["error"].startswith("no asset 'revenu' (did you mean 'revenue'?)")


def test_staleness_reasons_and_reload(project: Project, client: TestClient) -> None:
    before = client.get("/api/graph/states").json()["version"]
    source = project.path.read_text().replace('code_version="1"', 'code_version="2"')
    project.path.write_text(source)
    time.sleep(0.01)
    project.path.touch()
    assert client.get("/api/graph/states").json()["version"] == before + 1
    orders = client.get("/api/assets/orders").json()
    assert orders["state"] == "stale" and orders["code_version"] == "2"
    reason = orders["stale_reasons"][0]
    assert reason["asset"] == "orders"
    assert reason["text"].startswith("code version changed: materialized with '1', now")
    project.path.write_text(source + "\nthis is not python\n")
    graph = client.get("/api/graph").json()
    assert "error while loading definitions" in graph["load_error"]
    assert len(graph["layout"]["keys"]) == 4  # the last good version is still shown


def test_runs_events_and_logs(client: TestClient) -> None:
    runs = client.get("/api/runs").json()["runs"]
    assert [r["status"] for r in runs] == ["failed", "succeeded"]
    failed, ok = runs
    assert client.get("/api/runs", params={"status": "failed"}).json()["runs"][0]["run_id"] == failed["run_id"]
    page = client.get("/api/runs", params={"limit": 1}).json()
    assert len(page["runs"]) == 1 and page["next_offset"] == 1
    assert client.get("/api/runs", params={"limit": 1, "offset": 1}).json()["next_offset"] is None
    detail = client.get(f"/api/runs/{failed['run_id']}").json()
    assert detail["steps"][0]["status"] == "failed"
    assert "the warehouse is on fire" in detail["errors"][0]["error"]
    assert "ValueError: the warehouse is on fire" in detail["errors"][0]["traceback"]
    good = client.get(f"/api/runs/{ok['run_id']}").json()
    assert [s["status"] for s in good["steps"]] == ["succeeded"] * 3
    first = client.get(f"/api/runs/{ok['run_id']}/events", params={"limit": 2}).json()
    assert [e["type"] for e in first["events"]] == ["run_started", "step_started"]
    rest = client.get(f"/api/runs/{ok['run_id']}/events", params={"after": first["next_after"]}).json()
    assert rest["events"][-1]["type"] == "run_succeeded" and rest["finished"] is True
    assert len(first["events"]) + len(rest["events"]) == good["event_count"]
    logs = client.get(f"/api/runs/{ok['run_id']}/logs", params={"step": "orders"}).json()["logs"]
    assert "loading orders" in logs[0]["text"]
    unknown = client.get("/api/runs/nope")
    assert unknown.status_code == 404
    assert unknown.json()["error"].startswith("no run with id 'nope'")
    assert client.get("/api/runs", params={"status": "done"}).status_code == 422


def test_launch_materializes_in_a_subprocess(project: Project, client: TestClient) -> None:
    refused = client.post("/api/launch", json={"select": "report"})
    assert refused.status_code == 403
    assert refused.json()["error"].startswith("missing or wrong CSRF token")
    launched = client.post("/api/launch", json={"select": "+report"}, headers=csrf(client))
    assert launched.status_code == 202 and launched.json()["assets"] == 3
    status = _wait_launch(client, launched.json()["launch_id"])
    assert status["status"] == "started", status
    run = _wait_run(client, status["run_id"])
    assert run["status"] == "succeeded" and run["selection"] == "+report"
    assert run["tags"]["headwater/launch"] == launched.json()["launch_id"]
    bad = client.post("/api/launch", json={"select": "reprot"}, headers=csrf(client))
    assert bad.status_code == 400 and "did you mean 'report'" in bad.json()["error"]
    config = client.post("/api/launch", json={"select": "orders", "config": {"nope": {}}}, headers=csrf(client))
    assert config.status_code == 400
    assert config.json()["error"].startswith("run config names nope, which is not an asset")
    extra = client.post("/api/launch", json={"select": "orders", "colour": "red"}, headers=csrf(client))
    assert extra.status_code == 422 and "colour" in extra.json()["error"]
    project.path.write_text("import headwater as hw\nraise RuntimeError('definitions are broken')\n")
    failing = client.post("/api/launch", json={"select": "orders"}, headers=csrf(client)).json()
    status = _wait_launch(client, failing["launch_id"])
    assert status["status"] == "failed"
    assert "RuntimeError: definitions are broken" in status["error"]
    unknown = client.get("/api/launches/nope")
    assert unknown.status_code == 404 and unknown.json()["error"].startswith("no launch 'nope'")


def test_broken_project_still_shows_runs(project: Project) -> None:
    from .conftest import make_app

    project.path.write_text("import headwater as hw\nraise RuntimeError('definitions are broken')\n")
    with TestClient(make_app(project)) as client:
        graph = client.get("/api/graph")
        assert graph.status_code == 503
        assert "RuntimeError: definitions are broken" in graph.json()["error"]
        assert len(client.get("/api/runs").json()["runs"]) == 2


def _sse(client: TestClient, url: str, **headers: str) -> list[dict[str, Any]]:
    """The messages of an event stream until it ends: ``{"id", "event", "data"}`` each."""
    messages: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    with client.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if not line:
                if "data" in current:
                    messages.append(current)
                current = {}
            elif line.startswith(("id: ", "event: ", "data: ")):
                name, _, value = line.partition(": ")
                current[name] = json.loads(value) if name == "data" else value
    return messages


def test_event_stream_of_a_finished_run_resumes_after_last_event_id(client: TestClient) -> None:
    ok = client.get("/api/runs", params={"status": "succeeded"}).json()["runs"][0]
    messages = _sse(client, f"/api/runs/{ok['run_id']}/events/stream")
    assert messages[-1]["event"] == "end" and messages[-1]["data"]["status"] == "succeeded"
    events = [m["data"] for m in messages[:-1]]
    assert events[0]["type"] == "run_started" and events[-1]["type"] == "run_succeeded"
    assert [int(m["id"]) for m in messages[:-1]] == [e["id"] for e in events]
    resumed = _sse(client, f"/api/runs/{ok['run_id']}/events/stream", **{"Last-Event-ID": str(events[2]["id"])})
    assert [m["data"]["id"] for m in resumed[:-1]] == [e["id"] for e in events[3:]]
    missing = client.get("/api/runs/nope/events/stream")
    assert missing.status_code == 404 and missing.json()["error"].startswith("no run with id 'nope'")


def test_event_stream_follows_a_running_run(client: TestClient) -> None:
    launched = client.post("/api/launch", json={"select": "+report"}, headers=csrf(client)).json()
    status = _wait_launch(client, launched["launch_id"])
    messages = _sse(client, f"/api/runs/{status['run_id']}/events/stream")
    types = [m["data"].get("type") for m in messages[:-1]]
    assert types.count("asset_materialized") == 3 and types[-1] == "run_succeeded"
    assert messages[-1]["event"] == "end" and messages[-1]["data"]["status"] == "succeeded"


def test_changes_marker_and_runs_cursor(project: Project, client: TestClient) -> None:
    first = client.get("/api/changes").json()
    assert first["changed"] is True
    assert client.get("/api/changes", params={"since": first["marker"]}).json()["changed"] is False
    with project.instance() as instance:
        from headwater.loader import load_definitions

        assert instance.materialize(load_definitions(project.location), "orders").success
    assert client.get("/api/changes", params={"since": first["marker"]}).json()["changed"] is True
    page = client.get("/api/runs", params={"limit": 2}).json()
    rest = client.get("/api/runs", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [r["status"] for r in page["runs"] + rest["runs"]] == ["succeeded", "failed", "succeeded"]
    assert rest["next_cursor"] is None
    bad = client.get("/api/runs", params={"cursor": "yesterday"})
    assert bad.status_code == 400
    assert bad.json()["error"].startswith("the runs cursor 'yesterday' is not one this server handed out")


def test_events_page_matches_the_event_records(project: Project, client: TestClient) -> None:
    from headwater.web.serialize import event_json

    ok = client.get("/api/runs", params={"status": "succeeded"}).json()["runs"][0]["run_id"]
    with project.instance() as instance:
        expected = [event_json(r) for r in instance.storage.get_events(ok)]
    assert client.get(f"/api/runs/{ok}/events").json()["events"] == expected
    assert any(e["level"] == "error" and e["check"] == "revenue_positive" for e in expected)


def test_status_filter_over_many_runs(project: Project, client: TestClient) -> None:
    from sqlalchemy import insert

    from headwater.events import RunRecord, RunStatus
    from headwater.storage.rows import run_to_row
    from headwater.storage.schema import runs

    kinds = [RunStatus.SUCCEEDED, RunStatus.SUCCEEDED, RunStatus.FAILED]
    rows = [
        run_to_row(RunRecord(run_id=f"bulk{i:05d}", status=kinds[i % 3], created_at=1000.0 + i)) for i in range(3000)
    ]
    with project.instance() as instance:
        with instance.storage._write("add runs") as conn:
            conn.execute(insert(runs), rows)
        expected = [r.run_id for r in instance.storage.list_runs(limit=120, statuses=[RunStatus.FAILED])]
    first = client.get("/api/runs", params={"status": "failed", "limit": 60}).json()
    second = client.get("/api/runs", params={"status": "failed", "limit": 60, "cursor": first["next_cursor"]}).json()
    assert [r["run_id"] for r in first["runs"] + second["runs"]] == expected
    canceled = client.get("/api/runs", params={"status": "canceled"}).json()
    assert canceled["runs"] == [] and canceled["next_cursor"] is None


def test_reexecute_from_failure(project: Project, client: TestClient) -> None:
    failed, ok = (r["run_id"] for r in client.get("/api/runs").json()["runs"])
    assert client.post(f"/api/runs/{failed}/reexecute").status_code == 403  # no CSRF token
    refused = client.post(f"/api/runs/{ok}/reexecute", headers=csrf(client))
    assert refused.status_code == 400
    assert refused.json()["error"].startswith(f"run '{ok}' succeeded, so there is no failure to re-execute from")
    unknown = client.post("/api/runs/nope/reexecute", headers=csrf(client))
    assert unknown.status_code == 404 and unknown.json()["error"].startswith("no run with id 'nope'")
    fix_broken(project)
    launched = client.post(f"/api/runs/{failed}/reexecute", headers=csrf(client)).json()
    assert launched["kind"] == "reexecute" and launched["assets"] == 1
    status = _wait_launch(client, launched["launch_id"])
    assert status["status"] == "started", status
    run = _wait_run(client, status["run_id"])
    assert run["status"] == "succeeded" and run["parent_run_id"] == failed and run["asset_keys"] == ["broken"]


def test_cached_states_follow_new_runs(project: Project, client: TestClient) -> None:
    def states() -> dict[str, str]:
        data = client.get("/api/graph").json()
        return dict(zip(data["layout"]["keys"], data["states"], strict=True))

    assert states()["report"] == "f"
    assert client.get("/api/graph/states").json()["states"] == client.get("/api/graph").json()["states"]
    from headwater.loader import load_definitions

    with project.instance() as instance:
        instance.submit_run(load_definitions(project.location), "report")  # queued: no event yet
    assert states()["report"] == "r"


def test_a_reused_step_shows_as_unchanged_with_its_assets(project: Project, client: TestClient) -> None:
    from headwater.loader import load_definitions

    with project.instance() as instance:
        result = instance.materialize(load_definitions(project.location), "orders", memoize=True)
    assert result.success
    detail = client.get(f"/api/runs/{result.run_id}").json()
    [step] = detail["steps"]
    assert (step["step"], step["status"], step["assets"], step["error"]) == ("orders", "unchanged", ["orders"], None)
