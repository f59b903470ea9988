"""The asset page's data: partition status as ranges (also for 10,000+ partitions) and the diff of
two materializations, in-process against real runs."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from headwater.loader import load_definitions

from .conftest import Project, make_app, write_project

HOURLY = """
import headwater as hw


@hw.asset(partitions=hw.HourlyPartitions(start="2025-01-01-00:00"))
def hourly(context: hw.Context) -> int:
    return 1


defs = hw.Definitions(assets=[hourly])
"""


def test_partition_status_ranges(partitioned: Project) -> None:
    defs = load_definitions(partitioned.location)
    with partitioned.instance() as instance:
        for key in ("p1", "p2"):
            assert instance.materialize(defs, "daily", partition=key).success
    with TestClient(make_app(partitioned)) as client:
        status = client.get("/api/assets/daily").json()["partition_status"]
        assert status["total"] == 4 and status["counts"]["materialized"] == 2
        assert [(r["status"], r["start"], r["end"], r["count"]) for r in status["ranges"]] == [
            ("materialized", "p1", "p2", 2),
            ("missing", "p3", "p4", 2),
        ]
        assert client.get("/api/assets/scaled").json()["partition_status"] is None


def test_ten_thousand_partitions_come_back_as_a_few_ranges(tmp_path: Path) -> None:
    project = write_project(tmp_path, HOURLY)
    with TestClient(make_app(project)) as client:
        status = client.get("/api/assets/hourly").json()["partition_status"]
    assert status["total"] > 10_000
    assert status["ranges"] == [
        {"status": "missing", "start": "2025-01-01-00:00", "end": status["ranges"][0]["end"], "count": status["total"]}
    ]


def test_diff_of_two_materializations(project: Project, client: TestClient) -> None:
    defs = load_definitions(project.location)
    with project.instance() as instance:
        assert instance.materialize(defs, "revenue").success
    history = client.get("/api/assets/revenue").json()["history"]
    first, second = history[0]["run_id"], history[-1]["run_id"]
    diffed = client.get("/api/diff/revenue", params={"a": first, "b": second}).json()
    assert diffed["a"]["run_id"] == first and diffed["b"]["run_id"] == second
    rows = {m["name"]: m for m in diffed["metadata"]}
    assert rows["rows"] == {"name": "rows", "a": 3, "b": 3, "changed": False, "delta": 0, "percent": 0.0}
    assert client.get("/api/diff/revenue").json()["b"]["run_id"] == second  # the latest two by default
    orders_run = client.get("/api/runs", params={"status": "failed"}).json()["runs"][0]["run_id"]
    wrong = client.get("/api/diff/revenue", params={"a": orders_run})
    assert wrong.status_code == 404
    assert wrong.json()["error"].startswith(f"run {orders_run[:8]} did not materialize 'revenue'")


def test_diff_of_a_single_materialization_is_a_bad_request(client: TestClient) -> None:
    once = client.get("/api/diff/revenue")
    assert once.status_code == 400
    assert once.json()["error"].startswith("asset 'revenue' has 1 materialization(s); a diff needs two: materialize")
    never = client.get("/api/diff/broken")
    assert never.status_code == 400
    assert never.json()["error"].startswith("asset 'broken' has 0 materialization(s); a diff needs two")
    assert client.get("/api/diff/revenu").status_code == 404  # an unknown asset stays a 404


FRESHNESS = """
from datetime import timedelta

import headwater as hw


@hw.asset(freshness=hw.Freshness(max_lag=timedelta(microseconds=1)))
def ticker() -> int:
    return 1


@hw.asset(freshness=hw.Freshness(max_lag=timedelta(days=1)))
def daily() -> int:
    return 2


defs = hw.Definitions(assets=[ticker, daily])
"""


def test_overdue_is_listed_for_an_otherwise_fresh_asset(tmp_path: Path) -> None:
    project = write_project(tmp_path, FRESHNESS)
    with project.instance() as instance:
        assert instance.materialize(load_definitions(project.location)).success
    with TestClient(make_app(project)) as client:
        ticker = client.get("/api/assets/ticker").json()
        daily = client.get("/api/assets/daily").json()
    assert ticker["state"] == "fresh"
    [reason] = ticker["stale_reasons"]
    assert reason["kind"] == "overdue" and reason["asset"] == "ticker"
    assert reason["text"].startswith("overdue: last materialized")
    assert reason["text"].endswith("(policy: at most 0:00:00.000001 old)")
    assert ticker["freshness"]["status"] == "overdue"
    assert daily["state"] == "fresh" and daily["stale_reasons"] == []
    assert daily["freshness"]["status"] == "on_time"


TYPED_METADATA = """
import headwater as hw

MD = hw.MetadataValue
README = (
    "# Orders <script>alert(1)</script>\\n"
    "One row per **order**; see [docs](https://docs.example.com/orders).\\n\\n"
    "- paid\\n- open"
)
ROWS = [{"id": 1, "amount": 12.5}, {"id": 2, "amount": 3.0}]


@hw.asset
def orders() -> hw.Output[int]:
    return hw.Output(
        2,
        metadata={
            "readme": MD.markdown(README),
            "dashboard": MD.url("https://bi.example.com/orders"),
            "file": MD.path("/data/orders.parquet"),
            "preview": MD.table(ROWS, schema=MD.table_schema({"id": "int", "amount": "float"})),
            "columns": MD.table_schema([("id", "int"), ("amount", "float")]),
            "owners": {"team": {"name": "finance", "on_call": ["ana", "li"]}},
            "rows": 2,
        },
    )


defs = hw.Definitions(assets=[orders])
"""


def typed_metadata_project(folder: Path) -> Project:
    """A project whose one asset was materialized with every kind of typed metadata."""
    project = write_project(folder, TYPED_METADATA)
    with project.instance() as instance:
        assert instance.materialize(load_definitions(project.location)).success
    return project


def test_typed_metadata_reaches_the_page_with_its_type(tmp_path: Path) -> None:
    with TestClient(make_app(typed_metadata_project(tmp_path))) as client:
        page = client.get("/api/assets/orders").json()
    metadata = page["latest"]["data"]["metadata"]
    assert {name: value.get("@type") for name, value in metadata.items() if isinstance(value, dict)} == {
        "readme": "markdown",
        "dashboard": "url",
        "file": "path",
        "preview": "table",
        "columns": "table_schema",
        "owners": None,  # a plain nested dict, stored as JSON as it is
    }
    assert metadata["preview"]["value"]["rows"] == [[1, 12.5], [2, 3.0]]
    assert metadata["owners"] == {"team": {"name": "finance", "on_call": ["ana", "li"]}}
    assert page["series"] == {"rows": [[page["latest"]["timestamp"], 2.0]]}
