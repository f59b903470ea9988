"""Headwater definitions for the dbt_shop example: a dbt project between two Python assets.

raw/customers (Python) writes the table dbt reads as source shop.customers; dbt builds the seeds,
staging views and marts; top_customers (Python) reads the customer_orders model dbt built.
`headwater materialize -f defs.py` runs it all; the DuckDB file is DBT_SHOP_DUCKDB or
.headwater/dbt_shop.duckdb beside this file.
"""

from __future__ import annotations

import os
from pathlib import Path

import headwater as hw

HERE = Path(__file__).resolve().parent

shop = hw.dbt_assets(HERE)


def warehouse_path() -> str:
    """The DuckDB file dbt writes (profiles.yml reads the same variable)."""
    return os.environ.get("DBT_SHOP_DUCKDB", str(HERE / ".headwater" / "dbt_shop.duckdb"))


CUSTOMERS = [(1, "Ada", "FR"), (2, "Bo", "DE"), (3, "Cy", "US")]


@hw.asset(key="raw/customers", group="raw", kinds=["duckdb"])
def customers() -> hw.Output[int]:
    """Customers from the CRM, written to the warehouse table dbt reads as source shop.customers."""
    import duckdb

    path = warehouse_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with duckdb.connect(path) as con:
        con.execute("create or replace table main.customers (customer_id integer, name varchar, country varchar)")
        con.executemany("insert into main.customers values (?, ?, ?)", CUSTOMERS)
    schema = {"customer_id": "integer", "name": "varchar", "country": "varchar"}  # for column lineage
    return hw.Output(len(CUSTOMERS), metadata={"rows": len(CUSTOMERS), "schema": schema})


@hw.asset(group="finance", deps=[shop.key_of("customer_orders")])
def top_customers() -> list[dict[str, object]]:
    """The two customers who paid the most, read from the model dbt built."""
    import duckdb

    with duckdb.connect(warehouse_path(), read_only=True) as con:
        rows = con.execute(
            "select name, amount from main.customer_orders order by amount desc, name limit 2"
        ).fetchall()
    return [{"name": name, "amount": float(amount)} for name, amount in rows]


defs = hw.Definitions(assets=[*shop.assets, customers, top_customers], checks=[*shop.checks])
