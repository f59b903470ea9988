"""Group ``metrics``: business numbers computed from the clean tables."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import headwater as hw
from shop.rows import Customer, CustomerValue, Order, Product, ProductRevenue

GROUP = "metrics"
OWNERS = ["team:analytics"]
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
TOP_N = 10


@hw.asset(group=GROUP, owners=OWNERS, code_version="1", tags={"tier": "gold"})
def daily_revenue(orders: list[Order]) -> hw.Output[dict[str, float]]:
    """Revenue per day (ISO date -> revenue), every day between the first and last order."""
    totals: dict[str, float] = defaultdict(float)
    for order in orders:
        totals[order["day"]] += order["revenue"]
    first, last = date.fromisoformat(min(totals)), date.fromisoformat(max(totals))
    days = [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    revenue = {day: round(totals.get(day, 0.0), 2) for day in days}
    return hw.Output(
        revenue,
        metadata={"rows": len(revenue), "total": round(sum(revenue.values()), 2)},
    )


@hw.asset(group=GROUP, owners=OWNERS)
def revenue_by_product(orders: list[Order], products: list[Product]) -> list[ProductRevenue]:
    """Units sold and revenue per product, best sellers first."""
    units: dict[str, int] = defaultdict(int)
    revenue: dict[str, float] = defaultdict(float)
    for order in orders:
        units[order["product_id"]] += order["quantity"]
        revenue[order["product_id"]] += order["revenue"]
    rows = [
        ProductRevenue(
            product_id=p["product_id"],
            name=p["name"],
            category=p["category"],
            units=units[p["product_id"]],
            revenue=round(revenue[p["product_id"]], 2),
        )
        for p in products
    ]
    return sorted(rows, key=lambda r: (-r["revenue"], r["product_id"]))


@hw.asset(group=GROUP, owners=OWNERS)
def customer_lifetime_value(orders: list[Order], customers: list[Customer]) -> list[CustomerValue]:
    """What each customer who ordered has spent over the period, highest first."""
    by_customer: dict[str, list[Order]] = defaultdict(list)
    for order in orders:
        by_customer[order["customer_id"]].append(order)
    names = {c["customer_id"]: c for c in customers}
    rows: list[CustomerValue] = []
    for customer_id, placed in by_customer.items():
        known = names.get(customer_id)
        revenue = round(sum(o["revenue"] for o in placed), 2)
        days = sorted(o["day"] for o in placed)
        rows.append(
            CustomerValue(
                customer_id=customer_id,
                name=known["name"] if known else "(unknown)",
                country=known["country"] if known else "unknown",
                orders=len(placed),
                revenue=revenue,
                avg_order_value=round(revenue / len(placed), 2),
                first_day=days[0],
                last_day=days[-1],
            )
        )
    return sorted(rows, key=lambda r: (-r["revenue"], r["customer_id"]))


@hw.asset(group=GROUP, owners=OWNERS, tags={"tier": "gold"})
def top_customers(customer_lifetime_value: list[CustomerValue]) -> hw.Output[list[CustomerValue]]:
    """The ten customers with the highest revenue, and their share of the total."""
    top = customer_lifetime_value[:TOP_N]
    total = sum(c["revenue"] for c in customer_lifetime_value)
    share = sum(c["revenue"] for c in top) / total if total else 0.0
    return hw.Output(top, metadata={"rows": len(top), "revenue_share": round(share, 4)})


@hw.multi_asset(
    outs={
        "order_stats": hw.AssetOut(description="Headline numbers: orders, customers, units, order values."),
        "day_of_week_profile": hw.AssetOut(description="Average orders and revenue per weekday (Mon..Sun)."),
    },
    group=GROUP,
    owners=OWNERS,
)
def order_summaries(orders: list[Order]) -> dict[str, hw.Output[dict[str, Any]]]:
    """Summary statistics of the clean orders, computed in one pass."""
    values = [o["revenue"] for o in orders]
    stats: dict[str, Any] = {
        "orders": len(orders),
        "customers": len({o["customer_id"] for o in orders}),
        "units": sum(o["quantity"] for o in orders),
        "revenue": round(sum(values), 2),
        "avg_order_value": round(statistics.fmean(values), 2),
        "median_order_value": round(statistics.median(values), 2),
        "first_day": min(o["day"] for o in orders),
        "last_day": max(o["day"] for o in orders),
    }
    days_seen: dict[int, set[str]] = defaultdict(set)
    counts: dict[int, int] = defaultdict(int)
    revenue: dict[int, float] = defaultdict(float)
    for order in orders:
        weekday = date.fromisoformat(order["day"]).weekday()
        days_seen[weekday].add(order["day"])
        counts[weekday] += 1
        revenue[weekday] += order["revenue"]
    profile: dict[str, Any] = {
        WEEKDAYS[w]: {
            "days": len(days_seen[w]),
            "avg_orders": round(counts[w] / len(days_seen[w]), 2),
            "avg_revenue": round(revenue[w] / len(days_seen[w]), 2),
        }
        for w in sorted(days_seen)
    }
    busiest = max(profile, key=lambda name: profile[name]["avg_revenue"])
    return {
        "order_stats": hw.Output(stats, metadata={k: v for k, v in stats.items() if not isinstance(v, str)}),
        "day_of_week_profile": hw.Output(profile, metadata={"busiest_day": busiest}),
    }
