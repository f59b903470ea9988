"""A small ledger: seeds -> staging views -> marts (dbt); Python assets read a mart as a DataFrame, and one
writes the table the risk_report model reads (dbt -> Python -> dbt in one run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import headwater as hw

ledger = hw.dbt_assets(Path(__file__).resolve().parent, io_manager="dbt")


@hw.asset(group="reports")
def largest_balances(account_balances: Any) -> list[dict[str, Any]]:
    """The two largest balances, from the account_balances model dbt built (a pandas DataFrame)."""
    top = account_balances.sort_values("balance", ascending=False).head(2)
    return [
        {"holder": row.holder, "balance": float(row.balance), "type": type(account_balances).__name__}
        for row in top.itertuples()
    ]


@hw.asset(group="risk", kinds=["duckdb"])
def risk_scores(account_balances: Any) -> int:
    """A score per account, written to the warehouse table dbt reads as source app.risk_scores."""
    import duckdb

    scores = account_balances.assign(score=(account_balances["balance"] < 60).astype(int))[["account_id", "score"]]
    with duckdb.connect(ledger.io_manager.warehouse()) as con:
        con.register("scores", scores)
        con.execute("create or replace table main.risk_scores as select * from scores")
    return len(scores)


defs = hw.Definitions(
    assets=[*ledger.assets, largest_balances, risk_scores],
    checks=[*ledger.checks],
    io_managers={"dbt": ledger.io_manager},
)
