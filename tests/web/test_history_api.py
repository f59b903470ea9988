"""GET /api/assets/KEY/history: an asset's materializations newest first, in pages by event id."""

from __future__ import annotations

from fastapi.testclient import TestClient

from headwater.loader import load_definitions

from .conftest import Project, make_app


def test_history_pages_reach_the_oldest_materialization(project: Project) -> None:
    defs = load_definitions(project.location)
    with project.instance() as instance:
        for _ in range(6):
            assert instance.materialize(defs, "orders").success
    client = TestClient(make_app(project))
    seen: list[int] = []
    before = None
    pages = []
    while True:
        params = {"limit": 3} if before is None else {"limit": 3, "before": before}
        answer = client.get("/api/assets/orders/history", params=params).json()
        assert answer["key"] == "orders"
        pages.append(len(answer["history"]))
        seen += [e["id"] for e in answer["history"]]
        before = answer["next_before"]
        if before is None:
            break
    assert pages == [3, 3, 1]  # the fixture's run and six more
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 7
    assert all(e["type"] == "asset_materialized" for e in client.get("/api/assets/orders/history").json()["history"])


def test_history_of_an_unknown_asset_is_a_404_with_did_you_mean(project: Project) -> None:
    answer = TestClient(make_app(project)).get("/api/assets/order/history")
    assert answer.status_code == 404
    assert "no asset 'order'" in answer.json()["error"] and "orders" in answer.json()["error"]
