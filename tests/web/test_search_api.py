"""GET /api/search, what the Ctrl-K search of every page asks: assets ranked by where the text is,
runs by id prefix or selection, and a missing text refused saying which parameter."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_search_ranks_assets_and_finds_runs(client: TestClient) -> None:
    found = client.get("/api/search", params={"q": "or"}).json()
    assert found["assets"] == ["orders", "report"]  # a name starting with it, then one containing it
    assert found["asset_count"] == 2
    assert found["jobs"] == [] and found["schedules"] == [] and found["sensors"] == []
    runs = client.get("/api/runs").json()["runs"]
    run_id = runs[0]["run_id"]
    by_id = client.get("/api/search", params={"q": run_id[:6]}).json()
    assert [r["run_id"] for r in by_id["runs"]] == [run_id]
    by_selection = client.get("/api/search", params={"q": "broken"}).json()
    assert by_selection["assets"] == ["broken"]
    assert {r["selection"] for r in by_selection["runs"]} == {"broken"}
    limited = client.get("/api/search", params={"q": "r", "limit": 1}).json()
    assert len(limited["assets"]) == 1 and limited["asset_count"] == 4


def test_search_without_text_is_refused(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": ""})
    assert response.status_code == 422
    assert response.json()["error"] == "invalid request: query.q: String should have at least 1 character"
