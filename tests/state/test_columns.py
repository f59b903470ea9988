"""Column-level lineage over the schemas recorded in the event log."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import headwater as hw


def project(lake: Path) -> hw.Definitions:
    @hw.asset
    def orders() -> list[dict]:
        return [{"order_id": 1, "customer_id": 10, "amount": 5.0}, {"order_id": 2, "customer_id": 11, "amount": 2.5}]

    @hw.asset(io_manager="lake")
    def customers() -> pd.DataFrame:
        return pd.DataFrame({"customer_id": [10, 11], "name": ["ann", "bob"]})

    @hw.asset(io_manager="lake")
    def enriched(orders: list[dict], customers: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(orders).merge(customers, on="customer_id")

    @hw.asset(io_manager="lake")
    def revenue(enriched: pd.DataFrame) -> pd.DataFrame:
        return (
            enriched.groupby(["customer_id", "name"], as_index=False)["amount"]
            .sum()
            .rename(columns={"amount": "revenue"})
        )

    @hw.asset
    def report(revenue: pd.DataFrame) -> str:
        return f"{len(revenue)} customers"

    return hw.Definitions(
        assets=[orders, customers, enriched, revenue, report], io_managers={"lake": hw.ParquetIOManager(lake)}
    )


def test_columns_link_by_name_up_and_down(tmp_path: Path) -> None:
    defs = project(tmp_path)
    with hw.Instance.ephemeral() as instance:
        run = instance.materialize(defs)
        found = hw.column_lineage(instance, defs, "enriched")
        by_name = {c.name: c for c in found.columns}
        assert list(by_name) == ["order_id", "customer_id", "amount", "name"]
        assert by_name["customer_id"].type == "int64"
        assert [(r.asset, r.column, r.type, r.distance) for r in by_name["customer_id"].upstream] == [
            ("customers", "customer_id", "int64", 1),
            ("orders", "customer_id", "int", 1),
        ]
        assert [(r.asset, r.distance) for r in by_name["customer_id"].downstream] == [("revenue", 1)]
        assert by_name["order_id"].downstream == ()
        assert [r.asset for r in by_name["name"].upstream] == ["customers"]
        assert found.run_id == run.run_id
        assert found.without_schema == ("report",)  # reached through revenue, never recorded columns

        deep = hw.column_lineage(instance, defs, "revenue", column="customer_id")
        assert [(r.asset, r.distance) for r in deep.columns[0].upstream] == [
            ("enriched", 1),
            ("customers", 2),
            ("orders", 2),
        ]
        assert deep.without_schema == ("report",)
        near = hw.column_lineage(instance.storage, defs, "revenue", column="customer_id", depth=1)
        assert [r.asset for r in near.columns[0].upstream] == ["enriched"]
        # "revenue" is a new name: nothing upstream keeps it
        assert hw.column_lineage(instance, defs, "revenue", column="revenue").columns[0].upstream == ()

        payload = found.to_json()
        assert json.loads(json.dumps(payload)) == payload
        assert payload["schema_recorded"] is True
        assert payload["columns"][1]["upstream"][0] == {
            "asset": "customers",
            "column": "customer_id",
            "type": "int64",
            "distance": 1,
        }

        plain = hw.column_lineage(instance, defs, "report")
        assert not plain.schema_recorded
        assert plain.columns == ()


def test_unknown_columns_and_assets(tmp_path: Path) -> None:
    defs = project(tmp_path)
    with hw.Instance.ephemeral() as instance:
        with pytest.raises(hw.SelectionError, match="asset 'enriched' has no recorded columns: materialize it"):
            hw.column_lineage(instance, defs, "enriched", column="name")
        instance.materialize(defs)
        with pytest.raises(
            hw.SelectionError, match=r"asset 'enriched' has no column 'nme' \(did you mean 'name'\?\); its columns: "
        ):
            hw.column_lineage(instance, defs, "enriched", column="nme")
        with pytest.raises(hw.SelectionError, match="enrich"):
            hw.column_lineage(instance, defs, "enrichd")


def test_declared_schemas_link_assets_never_materialized() -> None:
    shop = hw.SourceAsset("shop_orders", metadata={"schema": {"order_id": "integer", "amount": "numeric"}})

    @hw.asset(deps=["shop_orders"], metadata={"schema": {"order_id": "BIGINT", "total": "DOUBLE"}})
    def totals() -> None:
        return None

    defs = hw.Definitions(assets=[shop, totals])
    with hw.Instance.ephemeral() as instance:
        found = hw.column_lineage(instance, defs, "totals")
    assert found.run_id is None
    assert found.schema_recorded
    [order_id, total] = found.columns
    assert (order_id.name, order_id.type) == ("order_id", "BIGINT")
    assert [(r.asset, r.column, r.type) for r in order_id.upstream] == [("shop_orders", "order_id", "integer")]
    assert total.upstream == ()


def test_sql_assets_link_renamed_columns(tmp_path: Path) -> None:
    @hw.asset(io_manager="warehouse")
    def sales() -> pd.DataFrame:
        return pd.DataFrame({"region": ["eu", "us", "eu"], "amount": [1.0, 2.0, 3.0]})

    by_region = hw.sql_asset(
        "by_region",
        "SELECT region AS area, sum(amount) AS revenue FROM {{ sales }} GROUP BY ALL",
        io_manager="warehouse",
    )

    @hw.asset(io_manager="lake")
    def ranked(by_region: pd.DataFrame) -> pd.DataFrame:
        return by_region.sort_values("revenue", ascending=False)

    defs = hw.Definitions(
        assets=[sales, by_region, ranked],
        io_managers={"warehouse": hw.DuckDBIOManager(tmp_path / "w.duckdb"), "lake": hw.ParquetIOManager(tmp_path)},
    )
    with hw.Instance.ephemeral() as instance:
        instance.materialize(defs).raise_on_failure()
        amount = hw.column_lineage(instance, defs, "sales", column="amount").columns[0]
        revenue = hw.column_lineage(instance, defs, "ranked", column="revenue").columns[0]
        region = hw.column_lineage(instance, defs, "sales", column="region").columns[0]
    assert [(r.asset, r.column, r.distance) for r in amount.downstream] == [
        ("by_region", "revenue", 1),
        ("ranked", "revenue", 2),
    ]
    assert [(r.asset, r.column, r.type) for r in revenue.upstream] == [
        ("by_region", "revenue", "DOUBLE"),
        ("sales", "amount", "DOUBLE"),
    ]
    # renamed to "area": the same-named rule no longer applies once SQL says where columns come from
    assert [(r.asset, r.column) for r in region.downstream] == [("by_region", "area"), ("ranked", "area")]


def test_declared_links_decide_for_their_asset() -> None:
    raw = hw.SourceAsset("raw_users", metadata={"schema": {"id": "int", "email": "text"}})

    @hw.asset(
        deps=["raw_users"],
        metadata={
            "schema": {"user_id": "int", "email": "text"},
            "column_lineage": {"user_id": [{"asset": "raw_users", "column": "id"}], "email": []},
        },
    )
    def users() -> None:
        return None

    with hw.Instance.ephemeral() as instance:
        found = hw.column_lineage(instance, hw.Definitions(assets=[raw, users]), "users")
    by_name = {c.name: c for c in found.columns}
    assert [(r.asset, r.column) for r in by_name["user_id"].upstream] == [("raw_users", "id")]
    assert by_name["email"].upstream == ()  # declared as computed from nothing upstream
