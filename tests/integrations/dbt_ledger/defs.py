"""A small ledger: seeds -> staging views -> marts, loaded as Headwater assets."""

from __future__ import annotations

from pathlib import Path

import headwater as hw

ledger = hw.dbt_assets(Path(__file__).resolve().parent)

defs = hw.Definitions(assets=[*ledger.assets], checks=[*ledger.checks])
