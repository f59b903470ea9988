"""SQL assets and the DuckDB resource against a real DuckDB file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import headwater as hw
from headwater.events import EventType
from headwater.graph import AssetGraph
from headwater.state.diff import diff
from headwater.storage import Storage


@hw.asset(io_manager="warehouse")
def orders() -> pd.DataFrame:
    return pd.DataFrame({"order_id": [1, 2, 3], "customer_id": [10, 11, 10], "amount": [5.0, 7.5, 2.5]})


@hw.asset(io_manager="warehouse")
def customers() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [10, 11], "name": ["ann", "bob"]})


revenue = hw.sql_asset(
    "revenue_by_customer",
    """
    SELECT c.name, sum(o.amount) AS revenue
    FROM {{ orders }} AS o JOIN {{ customers }} AS c USING (customer_id)
    GROUP BY c.name ORDER BY c.name
    """,
    io_manager="warehouse",
    key_prefix="mart",
    group="finance",
)


class Warehouse(hw.DuckDBResource):
    """The warehouse file, read by a Python asset."""


@hw.asset(io_manager="warehouse")
def top_customer(warehouse: Warehouse, revenue_by_customer: pd.DataFrame) -> pd.DataFrame:
    del revenue_by_customer  # read through the resource instead, to show both ways
    with warehouse.connect() as con:
        return con.sql("SELECT name FROM mart.revenue_by_customer ORDER BY revenue DESC LIMIT 1").df()


def project(tmp_path: Path) -> hw.Definitions:
    db = tmp_path / "warehouse.duckdb"
    return hw.Definitions(
        assets=[orders, customers, revenue, top_customer],
        io_managers={"warehouse": hw.DuckDBIOManager(db)},
        resources={"warehouse": Warehouse(str(db))},
    )


def test_sql_asset_lineage_comes_from_the_sql(tmp_path: Path) -> None:
    warehouse = {"warehouse": hw.DuckDBIOManager(tmp_path / "warehouse.duckdb")}
    graph = AssetGraph.from_definitions(hw.Definitions(assets=[orders, customers, revenue], io_managers=warehouse))
    node = graph.node("mart/revenue_by_customer")
    assert node.parents == frozenset({hw.AssetKey("orders"), hw.AssetKey("customers")})
    assert node.spec.kinds == frozenset({"sql", "duckdb"})
    assert node.spec.group == "finance"
    assert node.spec.description is not None and node.spec.description.startswith("SQL: SELECT c.name")
    assert node.spec.code_version is not None
    assert node.spec.site.rsplit(":", 1)[0] == __file__  # errors point at the user's file, not Headwater's
    changed = hw.sql_asset("revenue_by_customer", "SELECT 1 AS x FROM {{ orders }}", io_manager="warehouse")
    assert changed.code_version != node.spec.code_version  # the SQL changed: the code version did


def test_sql_assets_run_in_duckdb_and_store_tables(tmp_path: Path) -> None:
    defs = project(tmp_path)
    with hw.Instance.ephemeral() as instance:
        result = instance.materialize(defs)
        assert result.success, instance.failed_step_errors(result.run_id)
        metadata = result.metadata_of("mart/revenue_by_customer")
        assert metadata["rows"] == 2
        assert metadata["schema"] == {"name": "VARCHAR", "revenue": "DOUBLE"}
        assert metadata["preview"] == [{"name": "ann", "revenue": 7.5}, {"name": "bob", "revenue": 7.5}]
        assert metadata["table"] == "mart.revenue_by_customer"
        assert result.value_of("top_customer")["name"].tolist() in (["ann"], ["bob"])
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.sql("SELECT * FROM mart.revenue_by_customer ORDER BY name").fetchall() == [
            ("ann", 7.5),
            ("bob", 7.5),
        ]


def test_sql_asset_errors_name_the_asset(tmp_path: Path) -> None:
    with pytest.raises(
        hw.DefinitionError, match=r"sql asset 'x' \(.*\): \{\{ not a key \}\} in the SQL is not an asset key"
    ):
        hw.sql_asset("x", "SELECT * FROM {{ not a key }}", io_manager="warehouse")
    with pytest.raises(hw.DefinitionError, match="sql asset 'x' .*: the SQL is empty"):
        hw.sql_asset("x", "  ", io_manager="warehouse")
    with pytest.raises(hw.DefinitionError, match="io_manager= must name a hw.DuckDBIOManager"):
        hw.sql_asset("x", "SELECT 1", io_manager="")
    broken = hw.sql_asset("broken", "SELEC amount FROM {{ orders }}", io_manager="warehouse")
    early = hw.sql_asset("early", "SELECT * FROM {{ customers }}", io_manager="warehouse")
    defs = hw.Definitions(
        assets=[orders, customers, broken, early], io_managers={"warehouse": hw.DuckDBIOManager(tmp_path / "w.duckdb")}
    )
    with hw.Instance.ephemeral() as instance:
        result = instance.materialize(defs, "orders broken")
        [failure] = result.of_type(EventType.STEP_FAILED)
        assert "sql asset 'broken': the query failed in" in failure.data["error"]
        assert "fix the SQL" in failure.data["error"]
        result = instance.materialize(defs, "early")
        [failure] = result.of_type(EventType.STEP_FAILED)
    assert failure.data["error"].startswith(
        "sql asset 'early' reads {{ customers }}, but 'customers' has no table \"main\".\"customers\" in"
    )


def test_sql_asset_needs_a_duckdb_io_manager(tmp_path: Path) -> None:
    query = hw.sql_asset("query", "SELECT 1 AS x", io_manager="io_manager")
    with hw.Instance(Storage.in_memory(), hw.FilesystemIOManager(tmp_path)) as instance:
        result = instance.materialize(hw.Definitions(assets=[query]))
    [failure] = result.of_type(EventType.STEP_FAILED)
    assert "sql asset 'query' must be stored by a DuckDBIOManager: give it io_manager='<name>'" in failure.data["error"]
    assert list(tmp_path.iterdir()) == []


def test_resource_and_missing_library(tmp_path: Path) -> None:
    resource = hw.DuckDBResource(path=str(tmp_path / "r.duckdb"))
    with resource.connect() as con:
        con.execute("CREATE TABLE t AS SELECT 42 AS answer")
    with hw.DuckDBResource(str(tmp_path / "r.duckdb"), read_only=True).connect() as con:
        assert con.sql("SELECT answer FROM t").fetchall() == [(42,)]
    script = (
        "import sys; sys.modules['duckdb'] = None\n"
        "import headwater as hw\n"
        "try:\n"
        "    with hw.DuckDBResource('x.duckdb').connect():\n"
        "        pass\n"
        "except hw.ConfigError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert done.stdout.strip() == "DuckDBResource needs duckdb, which is not installed: pip install 'headwater[duckdb]'"


def test_diff_of_a_sql_asset_reads_its_table_metadata(tmp_path: Path) -> None:
    wide = {"yes": False}

    @hw.asset(io_manager="warehouse", name="orders")
    def changing_orders() -> pd.DataFrame:
        frame = pd.DataFrame({"order_id": [1, 2], "amount": [5.0, 7.5]})
        return frame.assign(vat=frame["amount"] * 0.2, extra=[3, 4]) if wide["yes"] else frame

    copy = hw.sql_asset("copy", "SELECT * FROM {{ orders }}", io_manager="warehouse")
    defs = hw.Definitions(
        assets=[changing_orders, copy], io_managers={"warehouse": hw.DuckDBIOManager(tmp_path / "w.duckdb")}
    )
    with hw.Instance.ephemeral() as instance:
        instance.materialize(defs).raise_on_failure()
        wide["yes"] = True
        instance.materialize(defs).raise_on_failure()
        found = diff(instance.storage, hw.AssetKey("copy"))
    assert found["schema"]["added"] == {"vat": "DOUBLE", "extra": "BIGINT"}
    assert found["rows"] == {"a": 2, "b": 2, "delta": 0}
    assert found["data_version_changed"]
