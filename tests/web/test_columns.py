"""Column lineage on the asset page's JSON twin, in-process against runs that stored pandas
DataFrames in Parquet and DuckDB (with a SQL asset that records where its columns come from)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from headwater.loader import load_definitions

from .conftest import Project, make_app, write_project

FRAMES = """
import pandas as pd
import headwater as hw


@hw.asset(io_manager="warehouse")
def orders() -> pd.DataFrame:
    return pd.DataFrame({{"order_id": [1, 2, 3], "customer_id": [10, 11, 10], "amount": [5.0, 7.5, 2.5]}})


@hw.asset(io_manager="warehouse")
def customers() -> pd.DataFrame:
    return pd.DataFrame({{"customer_id": [10, 11], "name": ["ann", "bob"]}})


revenue = hw.sql_asset(
    "revenue",
    "SELECT c.customer_id, c.name, sum(o.amount) AS revenue "
    "FROM {{{{ orders }}}} o JOIN {{{{ customers }}}} c USING (customer_id) GROUP BY ALL",
    io_manager="warehouse",
)


@hw.asset(io_manager="lake")
def big_spenders(revenue: pd.DataFrame) -> pd.DataFrame:
    return revenue[revenue["revenue"] > 5]


@hw.asset
def summary(big_spenders: pd.DataFrame) -> int:
    return len(big_spenders)


defs = hw.Definitions(
    assets=[orders, customers, revenue, big_spenders, summary],
    io_managers={{"warehouse": hw.DuckDBIOManager({warehouse!r}), "lake": hw.ParquetIOManager({lake!r})}},
)
"""


def frames_project(folder: Path) -> Project:
    """The DataFrame project of ``FRAMES`` in ``folder``, materialized once."""
    source = FRAMES.format(warehouse=str(folder / "warehouse.duckdb"), lake=str(folder / "lake"))
    made = write_project(folder, source)
    with made.instance() as instance:
        assert instance.materialize(load_definitions(made.location)).success
    return made


@pytest.fixture
def frames(tmp_path: Path) -> Project:
    """The DataFrame project, materialized once."""
    return frames_project(tmp_path)


def pairs(refs: list[dict[str, object]]) -> list[tuple[object, object, object]]:
    return [(r["asset"], r["column"], r["distance"]) for r in refs]


def test_columns_of_a_sql_asset_link_up_and_down(frames: Project) -> None:
    with TestClient(make_app(frames)) as client:
        found = client.get("/api/assets/revenue/columns").json()
        latest = client.get("/api/assets/revenue").json()["latest"]
    assert found["key"] == "revenue" and found["schema_recorded"] is True
    assert found["run_id"] == latest["run_id"]
    by_name = {c["name"]: c for c in found["columns"]}
    assert list(by_name) == ["customer_id", "name", "revenue"]
    assert [c["type"] for c in found["columns"]] == ["BIGINT", "VARCHAR", "DOUBLE"]
    # the SQL says where each column comes from, also under a new name (amount -> revenue)
    assert pairs(by_name["customer_id"]["upstream"]) == [("customers", "customer_id", 1)]
    assert pairs(by_name["revenue"]["upstream"]) == [("orders", "amount", 1)]
    assert by_name["revenue"]["upstream"][0]["type"] == "DOUBLE"
    # big_spenders keeps the names, so it is linked by name; summary never recorded columns
    assert pairs(by_name["revenue"]["downstream"]) == [("big_spenders", "revenue", 1)]
    assert found["without_schema"] == ["summary"]


def test_one_column_and_depth(frames: Project) -> None:
    with TestClient(make_app(frames)) as client:
        deep = client.get("/api/assets/big_spenders/columns", params={"column": "name"}).json()
        near = client.get("/api/assets/big_spenders/columns", params={"column": "name", "depth": 1}).json()
        bad_depth = client.get("/api/assets/big_spenders/columns", params={"depth": 0})
    assert [c["name"] for c in deep["columns"]] == ["name"]
    assert pairs(deep["columns"][0]["upstream"]) == [("revenue", "name", 1), ("customers", "name", 2)]
    assert pairs(near["columns"][0]["upstream"]) == [("revenue", "name", 1)]
    assert bad_depth.status_code == 422 and "depth" in bad_depth.json()["error"]


def test_unknown_column_asset_and_no_schema_say_how_to_fix(frames: Project) -> None:
    with TestClient(make_app(frames)) as client:
        typo = client.get("/api/assets/revenue/columns", params={"column": "revnue"})
        unknown = client.get("/api/assets/revenu/columns")
        bare = client.get("/api/assets/summary/columns")
        bare_column = client.get("/api/assets/summary/columns", params={"column": "x"})
    assert typo.status_code == 404
    assert typo.json()["error"] == (
        "asset 'revenue' has no column 'revnue' (did you mean 'revenue'?); its columns: customer_id, name, revenue"
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"].startswith("no asset 'revenu' (did you mean 'revenue'?)")
    assert bare.status_code == 200
    assert bare.json()["schema_recorded"] is False and bare.json()["columns"] == []
    assert bare_column.status_code == 404
    assert bare_column.json()["error"].startswith("asset 'summary' has no recorded columns: materialize it")


NESTED = """
import headwater as hw


@hw.asset(key_prefix="shop")
def columns() -> list[dict]:
    return [{"id": 1}]


defs = hw.Definitions(assets=[columns])
"""


def test_an_asset_named_columns_still_has_its_page(tmp_path: Path) -> None:
    project = write_project(tmp_path, NESTED)
    with TestClient(make_app(project)) as client:
        page = client.get("/api/assets/shop/columns")
        cols = client.get("/api/assets/shop/columns/columns")
    assert page.status_code == 200 and page.json()["key"] == "shop/columns"
    assert cols.status_code == 200 and cols.json()["key"] == "shop/columns"
