"""What the IO managers say when a value cannot be stored or read back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import headwater as hw

KEY = hw.AssetKey("orders")


class Opaque:
    """A Python object no table format can hold."""


def test_filesystem_values_that_cannot_be_pickled_or_unpickled(tmp_path: Path) -> None:
    io = hw.FilesystemIOManager(tmp_path)
    with pytest.raises(
        hw.IOManagerError,
        match=r"^asset 'orders' has no stored value at .*orders.pkl: materialize it first "
        r"\(e.g. `headwater materialize --select orders`\)$",
    ):
        io.load(KEY, None)
    with pytest.raises(
        hw.IOManagerError,
        match=r"^asset 'orders': its value of type function cannot be pickled .*; return a picklable value, or give "
        "the asset an io_manager= that can store this type$",
    ):
        io.save(KEY, None, lambda: 1)
    io.path_for(KEY, None).write_bytes(b"not a pickle")
    with pytest.raises(
        hw.IOManagerError,
        match=r"^asset 'orders': cannot unpickle .*orders.pkl: .*; the file is damaged or was written by other code: "
        "materialize the asset again$",
    ):
        io.load(KEY, None)


def test_duckdb_refuses_what_it_cannot_store(tmp_path: Path) -> None:
    io = hw.DuckDBIOManager(tmp_path / "warehouse.duckdb")
    with pytest.raises(
        hw.IOManagerError,
        match=r"^asset 'orders': column 'thing' holds Opaque values, which DuckDB cannot store; convert the column to "
        r"strings, numbers, dates or lists \(e.g. df\[col\].astype\(str\)\), or store this asset with the default "
        "pickling io_manager$",
    ):
        io.save(KEY, None, pd.DataFrame({"thing": [Opaque()]}))
    with pytest.raises(
        hw.IOManagerError,
        match=r"^asset 'orders' has a column named _partition, which DuckDBIOManager uses for partition keys: rename "
        "the column$",
    ):
        io.save(KEY, "2026-01-01", pd.DataFrame({"_partition": ["x"]}))
    query = hw.sql_asset("totals", "SELECT 1 AS n", io_manager="warehouse")()
    with pytest.raises(
        hw.IOManagerError, match=r"^sql asset 'totals' cannot be partitioned: declare it without partitions$"
    ):
        io.save(hw.AssetKey("totals"), "2026-01-01", query)


def test_sql_asset_with_no_sql() -> None:
    with pytest.raises(
        hw.DefinitionError,
        match=r"^sql asset 'totals' \(.*test_io_errors.py:\d+\): the SQL is empty; give a SELECT statement as the "
        "second argument$",
    ):
        hw.sql_asset("totals", "  ", io_manager="warehouse")


def test_parquet_on_a_protocol_without_a_filesystem(tmp_path: Path) -> None:
    io = hw.ParquetIOManager("nosuchprotocol://bucket/lake")
    with pytest.raises(
        hw.IOManagerError,
        match=r"^ParquetIOManager cannot open nosuchprotocol://bucket/lake: .*; install the fsspec implementation for "
        r"this protocol \(e.g. pip install s3fs\) or check storage_options$",
    ):
        io.save(KEY, None, pd.DataFrame({"n": [1]}))
