"""DuckDBIOManager against a real DuckDB file: tables, partitions, metadata and failed saves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest

import headwater as hw
from headwater.events import EventType


class Opaque:
    """A Python object no table format can hold."""


def table_rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_frames_become_tables_named_by_key(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    io = hw.DuckDBIOManager(db)
    stored = io.save(hw.AssetKey("mart", "revenue"), None, pd.DataFrame({"day": ["d1", "d2"], "total": [3.5, 4.0]}))
    io.save(hw.AssetKey("orders"), None, pl.DataFrame({"id": [1, 2, 3]}))
    assert table_rows(db, "SELECT day, total FROM mart.revenue ORDER BY day") == [("d1", 3.5), ("d2", 4.0)]
    assert table_rows(db, "SELECT count(*) FROM main.orders") == [(3,)]
    assert stored["metadata"] == {
        "rows": 2,
        "schema": {"day": "VARCHAR", "total": "DOUBLE"},
        "preview": [{"day": "d1", "total": 3.5}, {"day": "d2", "total": 4.0}],
        "table": "mart.revenue",
    }
    loaded = io.load(hw.AssetKey("mart", "revenue"), None)
    assert isinstance(loaded, pd.DataFrame)
    assert loaded["total"].tolist() == [3.5, 4.0]
    as_polars = hw.DuckDBIOManager(db, schema="main", frame="polars").load(hw.AssetKey("orders"), None)
    assert isinstance(as_polars, pl.DataFrame)
    assert as_polars["id"].to_list() == [1, 2, 3]
    again = io.save(hw.AssetKey("mart", "revenue"), None, pd.DataFrame({"day": ["d1", "d2"], "total": [3.5, 4.0]}))
    assert again["hash"] == stored["hash"]  # the same rows: the same data version


def test_partitions_replace_their_own_rows(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    io = hw.DuckDBIOManager(db, schema="raw")
    key = hw.AssetKey("events")
    io.save(key, "2026-01-01", pd.DataFrame({"n": [1, 2]}))
    io.save(key, "2026-01-02", pd.DataFrame({"n": [3]}))
    stored = io.save(key, "2026-01-01", pd.DataFrame({"n": [7]}))
    assert stored["metadata"]["rows"] == 1
    assert stored["metadata"]["schema"] == {"n": "BIGINT"}
    assert table_rows(db, "SELECT _partition, n FROM raw.events ORDER BY n") == [("2026-01-02", 3), ("2026-01-01", 7)]
    assert io.load(key, "2026-01-02")["n"].tolist() == [3]
    assert list(io.load(key, "2026-01-01").columns) == ["n"]
    assert io.exists(key, "2026-01-02")
    assert not io.exists(key, "2026-01-03")
    missing = r"asset 'events' partition '2026-01-03' has no table \"raw\".\"events\""
    with pytest.raises(hw.IOManagerError, match=missing):
        io.load(key, "2026-01-03")


def test_failed_save_rolls_back(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    io = hw.DuckDBIOManager(db)
    key = hw.AssetKey("events")
    io.save(key, "p1", pd.DataFrame({"n": [1]}))
    # a new column type that cannot be inserted into the partition table: DuckDB fails mid-transaction
    refused = "asset .events.: DuckDB cannot store the DataFrame in .*warehouse.duckdb: .*columns and types must match"
    with pytest.raises(hw.IOManagerError, match=refused):
        io.save(key, "p1", pd.DataFrame({"n": ["not a number"]}))
    assert table_rows(db, "SELECT _partition, n FROM main.events") == [("p1", 1)]
    with pytest.raises(hw.IOManagerError, match="column 'payload' holds Opaque values, which DuckDB cannot store"):
        io.save(key, "p1", pd.DataFrame({"n": [2], "payload": [Opaque()]}))
    with pytest.raises(hw.IOManagerError, match="column named _partition"):
        io.save(key, "p2", pd.DataFrame({"_partition": ["x"]}))
    assert table_rows(db, "SELECT _partition, n FROM main.events") == [("p1", 1)]


def test_materialize_with_duckdb_records_metadata(tmp_path: Path) -> None:
    @hw.asset(io_manager="warehouse")
    def orders() -> pd.DataFrame:
        return pd.DataFrame({"id": [1, 2, 3], "amount": [5.0, 6.0, 7.0]})

    @hw.asset(io_manager="warehouse")
    def big_orders(orders: pd.DataFrame) -> pd.DataFrame:
        return orders[orders["amount"] > 5.5]

    defs = hw.Definitions(
        assets=[orders, big_orders], io_managers={"warehouse": hw.DuckDBIOManager(tmp_path / "w.duckdb")}
    )
    with hw.Instance.ephemeral() as instance:
        result = instance.materialize(defs)
        assert result.success
        assert result.metadata_of("big_orders")["rows"] == 2
        assert result.metadata_of("big_orders")["table"] == "main.big_orders"
        assert result.value_of("big_orders")["id"].tolist() == [2, 3]
        [event] = [e for e in result.of_type(EventType.ASSET_MATERIALIZED) if e.asset_key == hw.AssetKey("orders")]
        assert event.data["metadata"]["schema"] == {"id": "BIGINT", "amount": "DOUBLE"}


def test_bad_settings_and_missing_library(tmp_path: Path) -> None:
    with pytest.raises(hw.ConfigError, match="frame must be one of pandas, polars"):
        hw.DuckDBIOManager(tmp_path / "w.duckdb", frame="arrow")
    with pytest.raises(hw.ConfigError, match="needs a database file, not ':memory:'"):
        hw.DuckDBIOManager(":memory:")
    script = (
        "import sys; sys.modules['duckdb'] = None\n"
        "import pandas as pd, headwater as hw\n"
        f"io = hw.DuckDBIOManager({str(tmp_path / 'w.duckdb')!r})\n"
        "try:\n"
        "    io.save(hw.AssetKey('a'), None, pd.DataFrame({'x': [1]}))\n"
        "except hw.ConfigError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    hint = "DuckDBIOManager needs duckdb, which is not installed: pip install 'headwater[duckdb]'"
    assert done.stdout.strip() == hint


def test_waits_for_another_process_then_names_the_file(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(db)!r}); print('ready', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        io = hw.DuckDBIOManager(db, lock_timeout=0.2)
        with pytest.raises(hw.IOManagerError, match="another process holds the file .* for over 0.2 s"):
            io.save(hw.AssetKey("a"), None, pd.DataFrame({"x": [1]}))
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
        assert holder.stdout is not None
        holder.stdout.close()
    io.save(hw.AssetKey("a"), None, pd.DataFrame({"x": [1]}))  # the file is free again
    assert table_rows(db, "SELECT x FROM main.a") == [(1,)]
