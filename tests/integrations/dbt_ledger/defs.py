"""A small ledger: seeds -> staging views -> marts (dbt), and a Python asset reading a mart as a DataFrame."""

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


defs = hw.Definitions(
    assets=[*ledger.assets, largest_balances],
    checks=[*ledger.checks],
    io_managers={"dbt": ledger.io_manager},
)
