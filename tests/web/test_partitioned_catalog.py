"""The catalog and the graph give a partitioned asset the state its partitions give it: a fully
materialized daily asset is fresh, not missing."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from headwater.loader import load_definitions

from .conftest import make_app, write_project

DAILY = """
import headwater as hw


@hw.asset(partitions=hw.DailyPartitions(start="2026-01-01", end="2026-01-04"))
def daily(context: hw.Context) -> int:
    return len(context.partition_key)


@hw.asset
def never() -> int:
    return 1


defs = hw.Definitions(assets=[daily, never])
"""


def test_a_fully_materialized_daily_asset_is_fresh_in_the_catalog_and_the_graph(tmp_path: Path) -> None:
    project = write_project(tmp_path, DAILY)
    defs = load_definitions(project.location)
    with project.instance() as instance:
        for day in ("2026-01-01", "2026-01-02", "2026-01-03"):
            assert instance.materialize(defs, "daily", partition=day).success
    with TestClient(make_app(project)) as client:
        rows = {row["key"]: row for row in client.get("/api/assets").json()["assets"]}
        graph = client.get("/api/graph").json()
        missing = client.get("/api/assets", params={"select": "status:missing"}).json()
    assert rows["daily"]["state"] == "fresh" and rows["never"]["state"] == "missing"
    assert rows["daily"]["last_materialized"] is not None
    states = dict(zip(graph["layout"]["keys"], graph["states"], strict=True))
    assert states == {"daily": "f", "never": "m"}
    assert [row["key"] for row in missing["assets"]] == ["never"]
