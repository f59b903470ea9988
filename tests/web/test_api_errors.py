"""What the JSON API answers for run ids, launch ids and selections that name nothing."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from .conftest import Project, csrf, make_app, write_project


def test_an_unknown_run_id_is_a_404_pointing_at_the_runs_page(client: TestClient, project: Project) -> None:
    url = project.instance().storage.url
    expected = f"no run with id 'nope' in {url}: the runs page lists run ids"
    for response in (
        client.get("/api/runs/nope"),
        client.get("/api/runs/nope/events/stream"),
        client.post("/api/runs/nope/reexecute", headers=csrf(client)),
    ):
        assert response.status_code == 404
        assert response.json()["error"] == expected


def test_an_unknown_launch_id_says_what_a_launch_id_is(client: TestClient) -> None:
    response = client.get("/api/launches/nope")
    assert response.status_code == 404
    assert response.json()["error"] == (
        "no launch 'nope': a launch id is the id of the run or backfill the launch recorded; "
        "the runs and backfills pages list them"
    )


def test_a_launch_that_selects_nothing_is_refused(client: TestClient) -> None:
    response = client.post("/api/launch", json={"select": "orders and report"}, headers=csrf(client))
    assert response.status_code == 400
    assert response.json()["error"] == "the selection 'orders and report' selects no assets: nothing to materialize"


def test_definitions_failing_without_a_message_still_say_where(tmp_path: Path) -> None:
    project = write_project(tmp_path, "import headwater as hw\nraise hw.DefinitionError()\n")
    with TestClient(make_app(project)) as client:
        response = client.get("/api/assets")
    assert response.status_code == 503
    assert response.json()["error"] == (
        f"cannot load definitions from {project.location.describe()}: importing them raised an error without a "
        "message; import the module in Python to see its traceback"
    )
