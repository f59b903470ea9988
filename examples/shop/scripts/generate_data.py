"""Generate the shop's raw CSV exports (run once; the output is committed).

    python scripts/generate_data.py        # from examples/shop

The data is synthetic and reproducible (fixed seed): 20 products, 80 customers and
about 600 orders over 60 days starting 2026-01-05, with weekly seasonality and a
slight upward trend, plus a few deliberately dirty rows that the cleaning assets
handle: exact duplicate order rows, blank prices, cancelled orders (in mixed case),
a duplicated customer row and a customer with no country.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

SEED = 20260105
START = date(2026, 1, 5)
DAYS = 60
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

CATEGORIES = {
    "coffee": ["Espresso beans", "Filter roast", "Decaf blend", "Single origin", "Cold brew pack"],
    "tea": ["Green tea", "Earl grey", "Chai", "Rooibos"],
    "equipment": ["Pour-over kit", "Grinder", "Kettle", "French press", "Scale"],
    "accessories": ["Mug", "Travel cup", "Filters", "Tote bag", "Gift card", "Cleaning tablets"],
}
COUNTRIES = ["DE", "FR", "NL", "BE", "AT", "DK", "SE", "IT", "ES", "PL"]
FIRST = ["Ada", "Ben", "Chloe", "Dan", "Eva", "Finn", "Greta", "Hugo", "Ines", "Jon", "Kai", "Lena", "Mila", "Noah"]
LAST = ["Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Jansen", "Kowalski", "Laurent"]
# orders per day by weekday (Mon..Sun): weekends are busier
WEEKDAY_ORDERS = [5, 5, 6, 7, 10, 14, 12]


def main() -> None:
    rng = random.Random(SEED)
    DATA_DIR.mkdir(parents=True, exist_ok=True)

    products = []
    number = 0
    for category, names in CATEGORIES.items():
        for name in names:
            number += 1
            base = {"coffee": 14, "tea": 9, "equipment": 45, "accessories": 12}[category]
            price = round(base * rng.uniform(0.6, 1.8), 2)
            products.append({"product_id": f"P{number:02d}", "name": name, "category": category, "list_price": price})

    customers = []
    for number in range(1, 81):
        signup = START - timedelta(days=rng.randint(0, 400))
        customers.append(
            {
                "customer_id": f"C{number:03d}",
                "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "country": rng.choice(COUNTRIES),
                "signup_day": signup.isoformat(),
            }
        )
    customers[41]["country"] = ""  # dirty: missing country
    customer_rows = [*customers, dict(customers[17])]  # dirty: the CRM exported one customer twice

    # a few loyal customers order much more often than the rest
    weights = [6.0 if i < 8 else 2.0 if i < 24 else 1.0 for i in range(len(customers))]
    orders = []
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        expected = WEEKDAY_ORDERS[day.weekday()] * (1 + offset / 200)
        count = max(3, round(rng.gauss(expected, 1.5)))
        for _ in range(count):
            product = rng.choice(products)
            customer = rng.choices(customers, weights=weights)[0]
            discount = rng.choice([1.0, 1.0, 1.0, 0.9, 0.8])
            orders.append(
                {
                    "order_id": "",
                    "customer_id": customer["customer_id"],
                    "day": day.isoformat(),
                    "product_id": product["product_id"],
                    "quantity": rng.choices([1, 2, 3, 4], weights=[6, 3, 1, 0.5])[0],
                    "unit_price": f"{float(product['list_price']) * discount:.2f}",
                    "status": "cancelled" if rng.random() < 0.03 else "completed",
                }
            )
    for number, order in enumerate(orders, start=1):
        order["order_id"] = f"O{number:04d}"
    for index in (57, 233, 410):  # dirty: blank price
        orders[index]["unit_price"] = ""
    for index in (120, 388):  # dirty: inconsistent casing and whitespace
        orders[index]["status"] = " Cancelled "
    rows = list(orders)
    for index in (99, 301):  # dirty: the export re-sent a row
        rows.insert(index + 1, dict(orders[index]))

    write(DATA_DIR / "products.csv", products)
    write(DATA_DIR / "customers.csv", customer_rows)
    write(DATA_DIR / "orders.csv", rows)
    print(f"{len(products)} products, {len(customer_rows)} customers, {len(rows)} order rows -> {DATA_DIR}")


def write(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
