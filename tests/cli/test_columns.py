"""``headwater assets columns``: column lineage from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import flat, invoke, run, write

FRAMES = """
import pandas as pd
import headwater as hw


@hw.asset(io_manager="lake")
def customers() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [10, 11], "name": ["ann", "bob"]})


@hw.asset(io_manager="lake")
def orders() -> pd.DataFrame:
    return pd.DataFrame({"order_id": [1, 2], "customer_id": [10, 11], "amount": [5.0, 2.5]})


@hw.asset(io_manager="lake")
def enriched(orders: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    return orders.merge(customers, on="customer_id")


@hw.asset
def summary(enriched: pd.DataFrame) -> int:
    return len(enriched)


defs = hw.Definitions(assets=[customers, orders, enriched, summary], io_managers={"lake": hw.ParquetIOManager("lake")})
"""


def test_columns_table_and_json(tmp_path: Path, home: Path) -> None:
    project = write(tmp_path, "frames.py", FRAMES)
    text = flat(run("assets", "columns", "enriched", "-f", str(project), ok=True).stdout)
    assert "enriched has no recorded columns: materialize it" in text
    run("materialize", "-f", str(project), ok=True)
    text = flat(run("assets", "columns", "enriched", "-f", str(project), ok=True).stdout)
    assert "customer_id │ int64 │ customers.customer_id (int64), orders.customer_id (int64) │ -" in text
    assert "name │ str │ customers.name (str) │ -" in text
    assert "no recorded columns, not linked: summary" in text
    found = json.loads(
        run("assets", "columns", "orders", "-f", str(project), "--column", "customer_id", "--json").stdout
    )
    assert found["key"] == "orders"
    assert [c["name"] for c in found["columns"]] == ["customer_id"]
    assert found["columns"][0]["downstream"] == [
        {"asset": "enriched", "column": "customer_id", "type": "int64", "distance": 1}
    ]


def test_unknown_column_is_a_usage_error(tmp_path: Path, home: Path) -> None:
    project = write(tmp_path, "frames.py", FRAMES)
    run("materialize", "-f", str(project), ok=True)
    result = invoke(["assets", "columns", "orders", "-f", str(project), "--column", "amont"])
    assert result.exit_code == 2
    assert "error: asset 'orders' has no column 'amont' (did you mean 'amount'?)" in flat(result.output)


DECLARED = """
import headwater as hw

shop_orders = hw.SourceAsset("shop_orders", metadata={"schema": {"order_id": "integer"}})


@hw.asset(deps=["shop_orders"], metadata={"schema": {"order_id": "BIGINT"}})
def totals() -> None:
    return None


defs = hw.Definitions(assets=[shop_orders, totals])
"""


def test_declared_columns_before_any_run(tmp_path: Path, home: Path) -> None:
    project = write(tmp_path, "declared.py", DECLARED)
    text = flat(run("assets", "columns", "totals", "-f", str(project), ok=True).stdout)
    assert "totals (declared)" in text
    assert "order_id │ BIGINT │ shop_orders.order_id (integer) │ -" in text
