"""Row types shared by the assets (plain dicts, typed for readers and mypy)."""

from __future__ import annotations

from typing import TypedDict

RawRow = dict[str, str]
"""A row exactly as read from a CSV export: every value is text."""


class Order(TypedDict):
    """A completed order line."""

    order_id: str
    customer_id: str
    day: str
    product_id: str
    quantity: int
    unit_price: float
    revenue: float


class Customer(TypedDict):
    """A customer of the shop."""

    customer_id: str
    name: str
    country: str
    signup_day: str


class Product(TypedDict):
    """A product in the catalogue."""

    product_id: str
    name: str
    category: str
    list_price: float


class ProductRevenue(TypedDict):
    """Units and revenue of one product."""

    product_id: str
    name: str
    category: str
    units: int
    revenue: float


class CustomerValue(TypedDict):
    """What one customer bought over the whole period."""

    customer_id: str
    name: str
    country: str
    orders: int
    revenue: float
    avg_order_value: float
    first_day: str
    last_day: str


class DayFeatures(TypedDict):
    """Model features of one day (and its revenue, the target)."""

    day: str
    t: int
    weekday: int
    revenue: float


class RevenueModel(TypedDict):
    """A fitted linear model of daily revenue."""

    feature_names: list[str]
    coefficients: list[float]
    start_day: str
    ridge: float
    mae: float
    r2: float


class Forecast(TypedDict):
    """Predicted revenue of one future day."""

    day: str
    predicted_revenue: float
