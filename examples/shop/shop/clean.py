"""Group ``clean``: typed, validated tables built from the raw exports.

Cleaning rules for orders: rows the export re-sent verbatim are dropped, rows
without a price or quantity are dropped, and cancelled orders are removed. Two
*different* rows sharing an order id are not guessed at: the blocking check
``orders_unique_order_id`` fails and stops everything downstream.
"""

from __future__ import annotations

from collections import Counter

import headwater as hw
from shop.rows import Customer, Order, Product, RawRow

GROUP = "clean"
OWNERS = ["team:data-platform"]


@hw.asset(group=GROUP, owners=OWNERS, code_version="2", tags={"tier": "silver"})
def orders(raw_orders: list[RawRow]) -> hw.Output[list[Order]]:
    """Completed order lines with typed quantity, price and revenue (quantity x unit price)."""
    seen: set[tuple[tuple[str, str], ...]] = set()
    kept: list[Order] = []
    duplicates = blanks = cancelled = 0
    for row in raw_orders:
        identity = tuple(sorted(row.items()))
        if identity in seen:
            duplicates += 1
            continue
        seen.add(identity)
        if not row["unit_price"].strip() or not row["quantity"].strip():
            blanks += 1
            continue
        if row["status"].strip().lower() == "cancelled":
            cancelled += 1
            continue
        quantity = int(row["quantity"])
        unit_price = float(row["unit_price"])
        kept.append(
            Order(
                order_id=row["order_id"].strip(),
                customer_id=row["customer_id"].strip(),
                day=row["day"].strip(),
                product_id=row["product_id"].strip(),
                quantity=quantity,
                unit_price=unit_price,
                revenue=round(quantity * unit_price, 2),
            )
        )
    return hw.Output(
        kept,
        metadata={
            "rows": len(kept),
            "dropped_duplicates": duplicates,
            "dropped_blank_price": blanks,
            "dropped_cancelled": cancelled,
        },
    )


@hw.check(asset=orders, blocking=True)
def orders_unique_order_id(orders: list[Order]) -> hw.CheckResult:
    """Each order id appears once: conflicting rows for one order must be fixed at the source."""
    counts = Counter(order["order_id"] for order in orders)
    duplicated = sorted(order_id for order_id, n in counts.items() if n > 1)
    return hw.CheckResult(
        passed=not duplicated,
        metadata={"duplicated_ids": len(duplicated), "examples": ", ".join(duplicated[:5])},
    )


@hw.check(asset=orders)
def orders_non_negative_quantities(orders: list[Order]) -> hw.CheckResult:
    """Quantities and prices are never negative (returns are handled elsewhere)."""
    bad = [o["order_id"] for o in orders if o["quantity"] < 0 or o["unit_price"] < 0]
    return hw.CheckResult(passed=not bad, metadata={"negative_rows": len(bad)})


@hw.asset(group=GROUP, owners=OWNERS, code_version="1")
def customers(raw_customers: list[RawRow]) -> hw.Output[list[Customer]]:
    """One row per customer; the CRM's repeated rows are dropped and a missing country becomes 'unknown'."""
    by_id: dict[str, Customer] = {}
    for row in raw_customers:
        customer_id = row["customer_id"].strip()
        if customer_id in by_id:
            continue
        by_id[customer_id] = Customer(
            customer_id=customer_id,
            name=row["name"].strip(),
            country=row["country"].strip() or "unknown",
            signup_day=row["signup_day"].strip(),
        )
    unknown = sum(1 for c in by_id.values() if c["country"] == "unknown")
    return hw.Output(
        list(by_id.values()),
        metadata={
            "rows": len(by_id),
            "dropped_duplicates": len(raw_customers) - len(by_id),
            "unknown_country": unknown,
        },
    )


@hw.asset(group=GROUP, owners=OWNERS)
def products(raw_products: list[RawRow]) -> hw.Output[list[Product]]:
    """The product catalogue with numeric list prices."""
    rows = [
        Product(
            product_id=row["product_id"].strip(),
            name=row["name"].strip(),
            category=row["category"].strip(),
            list_price=float(row["list_price"]),
        )
        for row in raw_products
    ]
    return hw.Output(rows, metadata={"rows": len(rows), "categories": len({p["category"] for p in rows})})
