"""The shop project's definitions: ``headwater`` loads ``defs`` from here.

Reports go to ``reports/`` in the Headwater home by default; export
``SHOP_REPORT_DIR=/some/folder`` to send them elsewhere (the resource then keeps
``hw.EnvVar("SHOP_REPORT_DIR")``, read again when each run starts).
"""

from __future__ import annotations

import os

import headwater as hw
from shop.clean import customers, orders, orders_non_negative_quantities, orders_unique_order_id, products
from shop.metrics import customer_lifetime_value, daily_revenue, order_summaries, revenue_by_product, top_customers
from shop.ml import features, revenue_forecast, revenue_model
from shop.raw import raw_customers, raw_orders, raw_products
from shop.report import weekly_report
from shop.resources import ReportSink, ShopData

REPORT_DIR_VAR = "SHOP_REPORT_DIR"


def report_sink() -> ReportSink:
    """The report folder: ``$SHOP_REPORT_DIR`` when set, else ``reports/`` in the Headwater home."""
    if os.environ.get(REPORT_DIR_VAR):
        return ReportSink(out_dir=hw.EnvVar(REPORT_DIR_VAR))
    return ReportSink()


defs = hw.Definitions(
    assets=[
        raw_orders,
        raw_customers,
        raw_products,
        orders,
        customers,
        products,
        daily_revenue,
        revenue_by_product,
        customer_lifetime_value,
        top_customers,
        order_summaries,
        features,
        revenue_model,
        revenue_forecast,
        weekly_report,
    ],
    checks=[orders_unique_order_id, orders_non_negative_quantities],
    resources={"shop_data": ShopData(), "report_sink": report_sink()},
    # `headwater daemon` (or `headwater dev`) refreshes everything each night at 02:00 UTC.
    schedules=[hw.Schedule("nightly_refresh", cron="0 2 * * *", select="*")],
)
