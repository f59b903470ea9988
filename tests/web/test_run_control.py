"""The run API's log following (``after=``) and the refusals of cancel and terminate."""

from __future__ import annotations

from fastapi.testclient import TestClient

from headwater.loader import load_definitions

from .conftest import Project, csrf, make_app


def _runs(client: TestClient) -> list[dict[str, object]]:
    runs: list[dict[str, object]] = client.get("/api/runs").json()["runs"]
    return runs


def test_logs_follow_after_the_last_chunk_seen(client: TestClient) -> None:
    succeeded = next(run for run in _runs(client) if run["status"] == "succeeded")
    first = client.get(f"/api/runs/{succeeded['run_id']}/logs").json()
    assert first["finished"] is True
    texts = [chunk["text"] for chunk in first["logs"]]
    assert any("loading orders" in text for text in texts)
    ids = [chunk["id"] for chunk in first["logs"]]
    assert ids == sorted(ids) and first["next_after"] == ids[-1]
    rest = client.get(f"/api/runs/{succeeded['run_id']}/logs", params={"after": ids[0]}).json()
    assert [chunk["id"] for chunk in rest["logs"]] == ids[1:]
    assert client.get(f"/api/runs/{succeeded['run_id']}/logs", params={"after": ids[-1]}).json()["logs"] == []


def test_cancel_and_terminate_refuse_a_finished_run(client: TestClient) -> None:
    failed = next(run for run in _runs(client) if run["status"] == "failed")
    for verb in ("cancel", "terminate"):
        answer = client.post(f"/api/runs/{failed['run_id']}/{verb}", headers=csrf(client))
        assert answer.status_code == 400
        assert answer.json()["error"] == (
            f"run '{failed['run_id']}' already failed: only queued or running runs can be {verb}d; "
            f"re-execute it from its page or with `headwater runs reexecute {failed['run_id']}`"
        )


def test_terminate_names_a_run_that_does_not_exist(client: TestClient) -> None:
    answer = client.post("/api/runs/nope/terminate", headers=csrf(client))
    assert answer.status_code == 404
    assert "no run with id 'nope'" in answer.json()["error"]


def test_terminate_cancels_a_queued_run_without_a_process(project: Project) -> None:
    client = TestClient(make_app(project))  # outside `with`: no lifespan, so no launcher starts the run
    client.get("/api/csrf")
    with project.instance() as instance:
        queued = instance.submit_run(load_definitions(project.location), "orders")
    answer = client.post(f"/api/runs/{queued.run_id}/terminate", headers=csrf(client))
    assert answer.status_code == 200
    assert answer.json() == {"run_id": queued.run_id, "status": "canceled", "worker": None}
