"""Group ``reports``: the weekly Markdown report sent to the shop's managers."""

from __future__ import annotations

from typing import Any

import headwater as hw
from shop.resources import ReportSink
from shop.rows import CustomerValue, Forecast, RevenueModel

GROUP = "reports"


def _change(current: float, previous: float) -> str:
    if not previous:
        return "n/a"
    return f"{(current - previous) / previous:+.1%}"


def render(
    daily_revenue: dict[str, float],
    top_customers: list[CustomerValue],
    order_stats: dict[str, Any],
    day_of_week_profile: dict[str, Any],
    revenue_model: RevenueModel,
    revenue_forecast: list[Forecast],
) -> str:
    """The report's Markdown text."""
    days = sorted(daily_revenue)
    week, previous = days[-7:], days[-14:-7]
    week_revenue = sum(daily_revenue[d] for d in week)
    previous_revenue = sum(daily_revenue[d] for d in previous)
    busiest = max(day_of_week_profile, key=lambda name: day_of_week_profile[name]["avg_revenue"])
    lines = [
        f"# Weekly report: {week[0]} to {week[-1]}",
        "",
        f"- Revenue this week: **{week_revenue:,.2f}** ({_change(week_revenue, previous_revenue)} on the week before)",
        f"- Period {order_stats['first_day']} to {order_stats['last_day']}: {order_stats['orders']} orders "
        f"from {order_stats['customers']} customers, revenue {order_stats['revenue']:,.2f}",
        f"- Average order value {order_stats['avg_order_value']:.2f} (median {order_stats['median_order_value']:.2f})",
        f"- Busiest weekday: {busiest} ({day_of_week_profile[busiest]['avg_revenue']:,.2f} on average)",
        "",
        "## Revenue by day",
        "",
        "| Day | Revenue |",
        "|---|---:|",
        *(f"| {d} | {daily_revenue[d]:,.2f} |" for d in week),
        "",
        "## Top customers",
        "",
        "| # | Customer | Country | Orders | Revenue |",
        "|---:|---|---|---:|---:|",
        *(
            f"| {n} | {c['name']} ({c['customer_id']}) | {c['country']} | {c['orders']} | {c['revenue']:,.2f} |"
            for n, c in enumerate(top_customers, start=1)
        ),
        "",
        "## Forecast for the next 7 days",
        "",
        f"Model: trend + weekday, holdout MAE {revenue_model['mae']:.2f}, R² {revenue_model['r2']:.3f}.",
        "",
        "| Day | Predicted revenue |",
        "|---|---:|",
        *(f"| {f['day']} | {f['predicted_revenue']:,.2f} |" for f in revenue_forecast),
        "",
    ]
    return "\n".join(lines)


@hw.asset(group=GROUP, owners=["team:analytics"], tags={"tier": "gold"}, kinds={"markdown"}, code_version="1")
def weekly_report(
    context: hw.Context,
    report_sink: ReportSink,
    daily_revenue: dict[str, float],
    top_customers: list[CustomerValue],
    order_stats: dict[str, Any],
    day_of_week_profile: dict[str, Any],
    revenue_model: RevenueModel,
    revenue_forecast: list[Forecast],
) -> str:
    """The weekly Markdown report (last week's revenue, top customers, forecast), written to the report sink.

    The value is the report file's path.
    """
    text = render(daily_revenue, top_customers, order_stats, day_of_week_profile, revenue_model, revenue_forecast)
    last_day = max(daily_revenue)
    path = report_sink.write(f"weekly_report_{last_day}.md", text)
    context.log.info("wrote the weekly report for the week ending %s to %s", last_day, path)
    context.add_metadata({"path": str(path), "bytes": len(text.encode()), "week_ending": last_day})
    return str(path)
