"""DuckDBIOManager column types (UUID, lists as numpy arrays) and where keys' tables live."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

import headwater as hw
from headwater.io.duckdb import SQLQuery


def table_rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_uuid_and_array_columns_round_trip(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    io = hw.DuckDBIOManager(db)
    ids = [uuid.UUID(int=1), None, uuid.UUID(int=3)]
    # what ParquetIOManager loads back for list columns: one numpy array per cell
    tags = [np.array(["a", "b"], dtype=object), np.array([], dtype=object), None]
    scores = [np.array([1, 2]), np.array([3]), np.array([], dtype=np.int64)]
    stored = io.save(hw.AssetKey("users"), None, pd.DataFrame({"id": ids, "tags": tags, "scores": scores}))
    assert stored["metadata"]["schema"] == {"id": "UUID", "tags": "VARCHAR[]", "scores": "BIGINT[]"}
    assert stored["metadata"]["preview"][0] == {"id": str(uuid.UUID(int=1)), "tags": ["a", "b"], "scores": [1, 2]}
    assert table_rows(db, "SELECT typeof(id), tags[1], len(scores) FROM main.users ORDER BY id NULLS LAST") == [
        ("UUID", "a", 2),
        ("UUID", None, 0),
        ("UUID", None, 1),
    ]
    loaded = io.load(hw.AssetKey("users"), None)
    assert loaded["id"].tolist() == ids
    assert [None if t is None else list(t) for t in loaded["tags"]] == [["a", "b"], [], None]
    assert [list(s) for s in loaded["scores"]] == [[1, 2], [3], []]
    # unicode numpy arrays (np.array(["a"])) are lists too, and a partition appends to the same table
    days = np.array(["2026-01-01"], dtype="datetime64[ns]")
    io.save(hw.AssetKey("tagged"), "p1", pd.DataFrame({"tags": [np.array(["x", "y"])], "days": [days]}))
    assert table_rows(db, "SELECT tags, typeof(days) FROM main.tagged") == [(["x", "y"], "TIMESTAMP[]")]


def test_uuid_values_materialize_and_still_refuse_other_objects(tmp_path: Path) -> None:
    @hw.asset(io_manager="warehouse")
    def accounts() -> pd.DataFrame:
        return pd.DataFrame({"id": [uuid.UUID(int=7)], "roles": [np.array(["admin"], dtype=object)]})

    @hw.asset(io_manager="warehouse")
    def account_ids(accounts: pd.DataFrame) -> pd.DataFrame:
        assert isinstance(accounts["id"].iloc[0], uuid.UUID)
        return pd.DataFrame({"id": accounts["id"], "n_roles": [len(r) for r in accounts["roles"]]})

    defs = hw.Definitions(
        assets=[accounts, account_ids], io_managers={"warehouse": hw.DuckDBIOManager(tmp_path / "w.duckdb")}
    )
    with hw.Instance.ephemeral() as instance:
        result = instance.materialize(defs)
        assert result.success
        assert result.value_of("account_ids")["id"].tolist() == [uuid.UUID(int=7)]
        assert result.metadata_of("accounts")["preview"] == [{"id": str(uuid.UUID(int=7)), "roles": ["admin"]}]
    io = hw.DuckDBIOManager(tmp_path / "w.duckdb")
    mixed = pd.DataFrame({"id": [uuid.UUID(int=1), object()]})
    with pytest.raises(hw.IOManagerError, match="column 'id' holds .* values, which DuckDB cannot store"):
        io.save(hw.AssetKey("mixed"), None, mixed)


def test_schema_is_the_last_prefix_part_or_set_per_asset(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    io = hw.DuckDBIOManager(db, schema="raw", schemas={"orders": "sales", "lake/mart/kpis": "reports"})
    stored = io.save(hw.AssetKey("lake", "mart", "revenue"), None, pd.DataFrame({"x": [1]}))
    io.save(hw.AssetKey("orders"), None, pd.DataFrame({"x": [2]}))
    io.save(hw.AssetKey("lake", "mart", "kpis"), None, pd.DataFrame({"x": [3]}))
    io.save(hw.AssetKey("events"), None, pd.DataFrame({"x": [4]}))
    assert stored["metadata"]["table"] == "mart.revenue"
    assert table_rows(db, "SELECT x FROM mart.revenue") == [(1,)]
    assert table_rows(db, "SELECT x FROM sales.orders") == [(2,)]
    assert table_rows(db, "SELECT x FROM reports.kpis") == [(3,)]
    assert table_rows(db, "SELECT x FROM raw.events") == [(4,)]
    assert io.table_for(hw.AssetKey("lake", "mart", "revenue")) == ("mart", "revenue")
    assert io.load(hw.AssetKey("orders"), None)["x"].tolist() == [2]
    refused = (
        "DuckDBIOManager(schemas={'orders': ''}): each asset key needs a schema: "
        "give a schema name such as 'raw', or leave the asset out"
    )
    with pytest.raises(hw.ConfigError, match=re.escape(refused)):
        hw.DuckDBIOManager(db, schemas={"orders": ""})


def test_tables_under_the_old_names_still_load(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(db)) as con:  # a file written when a/b/c was stored as a_b.c
        con.execute("CREATE SCHEMA lake_mart")
        con.execute("CREATE TABLE lake_mart.revenue AS SELECT 1 AS x")
        con.execute("CREATE TABLE lake_mart.daily AS SELECT 5 AS x, 'p1' AS _partition")
    io = hw.DuckDBIOManager(db)
    revenue, daily = hw.AssetKey("lake", "mart", "revenue"), hw.AssetKey("lake", "mart", "daily")
    assert io.exists(revenue, None)
    assert io.load(revenue, None)["x"].tolist() == [1]
    assert io.exists_many(daily, ["p1", "p2"]) == {"p1"}
    # a partitioned asset keeps adding to its old table, so its partitions stay together
    io.save(daily, "p2", pd.DataFrame({"x": [6]}))
    assert table_rows(db, "SELECT _partition, x FROM lake_mart.daily ORDER BY x") == [("p1", 5), ("p2", 6)]
    assert io.load(daily, "p1")["x"].tolist() == [5]
    # an unpartitioned save writes the new table, which is read from then on
    io.save(revenue, None, pd.DataFrame({"x": [2]}))
    assert table_rows(db, "SELECT x FROM mart.revenue") == [(2,)]
    assert io.load(revenue, None)["x"].tolist() == [2]
    # a SQL asset reads an upstream from wherever its table is
    query = SQLQuery(asset="total", sql="SELECT sum(x) AS s FROM {{ daily }}", refs={"daily": daily})
    io.save(hw.AssetKey("total"), None, query)
    assert table_rows(db, "SELECT s FROM main.total") == [(11,)]
