"""Group ``raw``: the CSV exports as they arrive, one asset per file, untouched."""

from __future__ import annotations

import headwater as hw
from shop.resources import ShopData
from shop.rows import RawRow

GROUP = "raw"
OWNERS = ["team:data-platform"]


def _read(shop_data: ShopData, table: str) -> hw.Output[list[RawRow]]:
    rows = shop_data.read(table)
    return hw.Output(rows, metadata={"rows": len(rows), "path": str(shop_data.path(table))})


@hw.asset(group=GROUP, kinds={"csv"}, owners=OWNERS)
def raw_orders(shop_data: ShopData) -> hw.Output[list[RawRow]]:
    """Order lines exported nightly from the web shop: one row per order, all values as text."""
    return _read(shop_data, "orders")


@hw.asset(group=GROUP, kinds={"csv"}, owners=OWNERS)
def raw_customers(shop_data: ShopData) -> hw.Output[list[RawRow]]:
    """Customers exported from the CRM, as text."""
    return _read(shop_data, "customers")


@hw.asset(group=GROUP, kinds={"csv"}, owners=OWNERS)
def raw_products(shop_data: ShopData) -> hw.Output[list[RawRow]]:
    """The product catalogue with list prices, as text."""
    return _read(shop_data, "products")
