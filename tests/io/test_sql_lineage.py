"""Column links of SQL queries, read from DuckDB's parse tree."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from headwater.io.sql_lineage import Links, query_links

KEYS = {("main", "orders"): "orders", ("raw", "customers"): "raw/customers"}


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect() as connection:
        connection.execute("CREATE TABLE main.orders (order_id INT, customer_id INT, amount DOUBLE)")
        connection.execute("CREATE SCHEMA raw")
        connection.execute("CREATE TABLE raw.customers (customer_id INT, name VARCHAR)")
        yield connection


def pairs(links: Links | None) -> dict[str, list[tuple[str, str]]] | None:
    return None if links is None else {k: [(s["asset"], s["column"]) for s in v] for k, v in links.items()}


def test_renamed_and_computed_columns(con: duckdb.DuckDBPyConnection) -> None:
    sql = (
        "SELECT c.name AS customer, sum(o.amount) AS revenue, customer_id, upper(name) AS shout, 1 AS one, "
        "count(*) FROM main.orders AS o JOIN raw.customers c USING (customer_id) GROUP BY ALL"
    )
    assert pairs(query_links(con, sql, KEYS)) == {
        "customer": [("raw/customers", "name")],
        "revenue": [("orders", "amount")],
        "customer_id": [("orders", "customer_id"), ("raw/customers", "customer_id")],  # unqualified: both have it
        "shout": [("raw/customers", "name")],  # unqualified, only customers has it
        "one": [],
    }


def test_stars(con: duckdb.DuckDBPyConnection) -> None:
    assert pairs(query_links(con, "SELECT * EXCLUDE (amount) FROM main.orders", KEYS)) == {
        "customer_id": [("orders", "customer_id")],
        "order_id": [("orders", "order_id")],
    }
    links = pairs(
        query_links(con, "SELECT c.*, o.amount FROM main.orders o JOIN raw.customers c USING (customer_id)", KEYS)
    )
    assert links == {
        "customer_id": [("raw/customers", "customer_id")],
        "name": [("raw/customers", "name")],
        "amount": [("orders", "amount")],
    }


@pytest.mark.parametrize(
    "sql",
    [
        "WITH x AS (SELECT * FROM main.orders) SELECT * FROM x",
        "SELECT amount FROM main.orders UNION ALL SELECT amount FROM main.orders",
        "SELECT (SELECT max(amount) FROM main.orders) AS top FROM main.orders",
        "SELECT * FROM (SELECT amount FROM main.orders)",
        "SELECT * FROM main.elsewhere",
        "SELECT * REPLACE (amount * 2 AS amount) FROM main.orders",
        "SELEC amount FROM main.orders",
    ],
)
def test_queries_it_does_not_follow(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    assert query_links(con, sql, KEYS) is None
