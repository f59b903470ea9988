"""The shop example end to end: values checked against the CSV exports computed directly."""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from shop import definitions
from shop.definitions import defs
from shop.ml import fit, predict
from shop.resources import DATA_DIR, ReportSink, ShopData

import headwater as hw
from headwater.events import EventType

ALL_ASSETS = {
    "raw_orders",
    "raw_customers",
    "raw_products",
    "orders",
    "customers",
    "products",
    "daily_revenue",
    "revenue_by_product",
    "customer_lifetime_value",
    "top_customers",
    "order_stats",
    "day_of_week_profile",
    "features",
    "revenue_model",
    "revenue_forecast",
    "weekly_report",
}
METRICS = {
    "daily_revenue",
    "revenue_by_product",
    "customer_lifetime_value",
    "top_customers",
    "order_stats",
    "day_of_week_profile",
}
SHOP_DIR = Path(__file__).resolve().parents[2] / "examples" / "shop"


# independent computations from the CSV files -------------------------------------------------------


def read_csv(name: str, data_dir: Path = DATA_DIR) -> list[dict[str, str]]:
    with (data_dir / f"{name}.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def clean_order_rows() -> list[dict[str, str]]:
    """Raw order rows minus verbatim repeats, blank prices and cancellations."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for row in read_csv("orders"):
        identity = tuple(row.values())
        if identity in seen:
            continue
        seen.add(identity)
        if row["unit_price"] and row["status"].strip().lower() != "cancelled":
            out.append(row)
    return out


def revenue(row: dict[str, str]) -> float:
    return int(row["quantity"]) * float(row["unit_price"])


def keys(names: Any) -> set[str]:
    return {str(k) for k in names}


# fixtures ----------------------------------------------------------------------------------------


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[hw.Instance]:
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path / "home"))) as inst:
        yield inst


@pytest.fixture
def report_dir(tmp_path: Path) -> Path:
    return tmp_path / "reports"


@pytest.fixture
def full_run(instance: hw.Instance, report_dir: Path) -> hw.RunResult:
    return hw.materialize(defs, instance=instance, resources={"report_sink": ReportSink(out_dir=str(report_dir))})


# the project ---------------------------------------------------------------------------------------


def test_definitions_declare_16_assets_in_five_groups_with_descriptions() -> None:
    specs = {str(s.key): s for s in defs.asset_specs}
    assert set(specs) == ALL_ASSETS
    groups: dict[str, set[str]] = defaultdict(set)
    for name, spec in specs.items():
        groups[spec.group].add(name)
        assert spec.description, f"{name} has no description"
    assert groups["metrics"] == METRICS
    assert groups["raw"] == {"raw_orders", "raw_customers", "raw_products"}
    assert set(groups) == {"raw", "clean", "metrics", "ml", "reports"}
    assert specs["raw_orders"].kinds == {"csv"}
    assert specs["weekly_report"].tags == {"tier": "gold"}
    assert "team:analytics" in specs["top_customers"].owners
    assert {c.name: c.blocking for c in defs.checks} == {
        "orders_unique_order_id": True,
        "orders_non_negative_quantities": False,
    }


def test_pyproject_points_the_loader_at_the_definitions() -> None:
    location = hw.find_location(project_dir=SHOP_DIR)
    assert location.module == "shop.definitions"
    loaded = hw.load_definitions(location)
    assert keys(s.key for s in loaded.asset_specs) == ALL_ASSETS


def test_ephemeral_materialize_succeeds(report_dir: Path) -> None:
    result = hw.materialize(defs, resources={"report_sink": ReportSink(out_dir=str(report_dir))})
    assert result.success, result.run.error
    assert Path(result.value_of("weekly_report")).is_file()


# a full run --------------------------------------------------------------------------------------------


def test_full_run_materializes_every_asset_and_passes_checks(full_run: hw.RunResult) -> None:
    assert full_run.success, full_run.run.error
    assert keys(full_run.materialized) == ALL_ASSETS
    assert len(full_run.materialized) == len(ALL_ASSETS)
    checks = {e.data["check"]: e.data["passed"] for e in full_run.of_type(EventType.CHECK_EVALUATED)}
    assert checks == {"orders_unique_order_id": True, "orders_non_negative_quantities": True}


def test_raw_assets_record_row_counts(full_run: hw.RunResult) -> None:
    for table in ("orders", "customers", "products"):
        assert full_run.metadata_of(f"raw_{table}")["rows"] == len(read_csv(table))
        assert full_run.value_of(f"raw_{table}") == read_csv(table)


def test_cleaning_drops_the_dirty_rows(full_run: hw.RunResult) -> None:
    raw = read_csv("orders")
    raw_ids = [r["order_id"] for r in raw]
    repeated = {i for i in raw_ids if raw_ids.count(i) > 1}
    assert repeated, "the shipped data should contain a re-sent order row"
    orders = full_run.value_of("orders")
    ids = [o["order_id"] for o in orders]
    assert len(ids) == len(set(ids))
    assert repeated <= set(ids)
    kept = set(ids)
    assert not any(r["status"].strip().lower() == "cancelled" and r["order_id"] in kept for r in raw)
    assert not any(not r["unit_price"] and r["order_id"] in kept for r in raw)
    expected = clean_order_rows()
    assert len(orders) == len(expected)
    meta = full_run.metadata_of("orders")
    assert meta["dropped_duplicates"] == len(raw) - len(set(raw_ids)) == len(repeated)
    assert meta["dropped_blank_price"] == sum(1 for r in raw if not r["unit_price"])
    dropped = meta["dropped_duplicates"] + meta["dropped_blank_price"] + meta["dropped_cancelled"]
    assert meta["rows"] + dropped == len(raw)

    customers = full_run.value_of("customers")
    assert len(customers) == len({r["customer_id"] for r in read_csv("customers")}) < len(read_csv("customers"))
    assert all(c["country"] for c in customers)


def test_revenue_matches_the_csv(full_run: hw.RunResult) -> None:
    rows = clean_order_rows()
    total = sum(revenue(r) for r in rows)
    daily = full_run.value_of("daily_revenue")
    assert sum(daily.values()) == pytest.approx(total, abs=0.05)
    assert full_run.metadata_of("daily_revenue")["total"] == pytest.approx(total, abs=0.05)
    assert full_run.value_of("order_stats")["revenue"] == pytest.approx(total, abs=0.05)

    by_day: dict[str, float] = defaultdict(float)
    for r in rows:
        by_day[r["day"]] += revenue(r)
    first, last = min(by_day), max(by_day)
    assert list(daily) == sorted(daily)
    assert min(daily) == first and max(daily) == last
    assert len(daily) == (date.fromisoformat(last) - date.fromisoformat(first)).days + 1
    for day, value in by_day.items():
        assert daily[day] == pytest.approx(value, abs=0.01)

    by_product = full_run.value_of("revenue_by_product")
    assert sum(p["revenue"] for p in by_product) == pytest.approx(total, abs=0.05)
    assert sum(p["units"] for p in by_product) == sum(int(r["quantity"]) for r in rows)
    assert by_product == sorted(by_product, key=lambda p: -p["revenue"])


def test_top_customers_and_lifetime_value(full_run: hw.RunResult) -> None:
    spent: dict[str, float] = defaultdict(float)
    for r in clean_order_rows():
        spent[r["customer_id"]] += revenue(r)
    ranking = sorted(spent, key=lambda c: -spent[c])
    clv = {c["customer_id"]: c for c in full_run.value_of("customer_lifetime_value")}
    assert set(clv) == set(spent)
    for customer_id, value in spent.items():
        assert clv[customer_id]["revenue"] == pytest.approx(value, abs=0.01)
    top = full_run.value_of("top_customers")
    assert [c["customer_id"] for c in top] == ranking[:10]


def test_multi_asset_outputs(full_run: hw.RunResult) -> None:
    rows = clean_order_rows()
    stats = full_run.value_of("order_stats")
    assert stats["orders"] == len(rows)
    assert stats["customers"] == len({r["customer_id"] for r in rows})
    profile = full_run.value_of("day_of_week_profile")
    assert list(profile) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert sum(p["days"] for p in profile.values()) == len(full_run.value_of("daily_revenue"))
    busiest = full_run.metadata_of("day_of_week_profile")["busiest_day"]
    assert busiest in {"Sat", "Sun"}  # the generator makes weekends busiest


def test_model_records_numeric_quality_metadata(full_run: hw.RunResult) -> None:
    meta = full_run.metadata_of("revenue_model")
    assert isinstance(meta["mae"], float) and meta["mae"] > 0
    assert isinstance(meta["r2"], float) and 0 < meta["r2"] <= 1
    assert meta["holdout_rows"] == 7
    assert meta["train_rows"] == len(full_run.value_of("daily_revenue")) - 7
    model = full_run.value_of("revenue_model")
    assert model["mae"] == meta["mae"]
    assert len(model["coefficients"]) == len(model["feature_names"])

    forecast = full_run.value_of("revenue_forecast")
    last = date.fromisoformat(max(full_run.value_of("daily_revenue")))
    assert [f["day"] for f in forecast] == [(last + timedelta(days=n)).isoformat() for n in range(1, 8)]
    assert all(f["predicted_revenue"] > 0 for f in forecast)


def test_report_is_written_and_names_the_top_customer(full_run: hw.RunResult, report_dir: Path) -> None:
    spent: dict[str, float] = defaultdict(float)
    for r in clean_order_rows():
        spent[r["customer_id"]] += revenue(r)
    best = max(spent, key=lambda c: spent[c])
    name = next(c["name"] for c in read_csv("customers") if c["customer_id"] == best)

    path = Path(full_run.value_of("weekly_report"))
    assert path.parent == report_dir
    assert path.is_file()
    text = path.read_text()
    assert f"| 1 | {name} ({best}) |" in text
    assert full_run.metadata_of("weekly_report")["path"] == str(path)
    assert full_run.metadata_of("weekly_report")["bytes"] == len(text.encode())


def test_fit_recovers_known_coefficients() -> None:
    truth = [100.0, 2.5, 10.0, 20.0, 30.0, 80.0, 150.0, 120.0]
    rows: list[Any] = []
    start = date(2026, 1, 5)
    for t in range(28):
        day = start + timedelta(days=t)
        value = predict(truth, t, day.weekday())
        rows.append({"day": day.isoformat(), "t": t, "weekday": day.weekday(), "revenue": value})
    assert fit(rows, 0.0) == pytest.approx(truth, abs=1e-6)
    shrunk = fit(rows, 1000.0)
    assert abs(shrunk[6]) < abs(truth[6])  # ridge pulls the weekday effects towards zero


# selections and later runs ---------------------------------------------------------------------------


def test_upstream_of_weekly_report_plans_the_right_subset(instance: hw.Instance, report_dir: Path) -> None:
    planned = keys(instance.plan(defs, "+weekly_report").asset_keys)
    assert planned == ALL_ASSETS - {"revenue_by_product", "products", "raw_products"}
    result = hw.materialize(
        defs,
        "+weekly_report",
        instance=instance,
        resources={"report_sink": ReportSink(out_dir=str(report_dir))},
    )
    assert result.success
    assert keys(result.materialized) == planned


def test_metrics_group_rerun_loads_upstream_from_the_first_run(
    instance: hw.Instance, full_run: hw.RunResult, report_dir: Path
) -> None:
    second = hw.materialize(defs, "group:metrics", instance=instance)
    assert second.success, second.run.error
    assert second.run_id != full_run.run_id
    assert keys(second.materialized) == METRICS
    for name in METRICS:
        assert second.value_of(name) == full_run.value_of(name)
    latest = instance.latest_materializations([hw.AssetKey("orders"), hw.AssetKey("daily_revenue")])
    assert latest[hw.AssetKey("orders")].event.run_id == full_run.run_id
    assert latest[hw.AssetKey("daily_revenue")].event.run_id == second.run_id


def test_metrics_group_alone_needs_the_clean_tables(instance: hw.Instance) -> None:
    with pytest.raises(hw.SelectionError) as info:
        hw.materialize(defs, "group:metrics", instance=instance)
    message = str(info.value)
    assert "3 upstream asset(s) outside the selection have no stored value" in message
    assert all(f"'{name}' (needed by" in message for name in ("customers", "orders", "products"))


def test_holdout_days_in_run_config_changes_the_model(full_run: hw.RunResult, instance: hw.Instance) -> None:
    result = hw.materialize(
        defs, "revenue_model", instance=instance, config={"revenue_model": {"holdout_days": 14, "ridge": 5.0}}
    )
    assert result.success, result.run.error
    meta, before = result.metadata_of("revenue_model"), full_run.metadata_of("revenue_model")
    assert meta["holdout_rows"] == 14
    assert meta["train_rows"] == before["train_rows"] - 7
    assert meta["ridge"] == 5.0
    assert meta["mae"] != before["mae"]
    assert instance.storage.get_run(result.run_id) is not None


def test_invalid_model_config_is_refused(instance: hw.Instance) -> None:
    with pytest.raises(hw.ConfigError, match="holdout_days"):
        hw.materialize(defs, instance=instance, config={"revenue_model": {"holdout_days": 0}})


# resources --------------------------------------------------------------------------------------------


def test_report_dir_comes_from_the_environment_at_run_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, instance: hw.Instance
) -> None:
    monkeypatch.setenv("SHOP_REPORT_DIR", str(tmp_path / "declared"))
    sink = definitions.report_sink()
    assert sink.env_vars == {"out_dir": "SHOP_REPORT_DIR"}
    monkeypatch.setenv("SHOP_REPORT_DIR", str(tmp_path / "at-run"))
    result = hw.materialize(defs, "+weekly_report", instance=instance, resources={"report_sink": sink})
    assert result.success, result.run.error
    assert Path(result.value_of("weekly_report")).parent == tmp_path / "at-run"
    assert not (tmp_path / "declared").exists()


def test_report_dir_defaults_under_the_headwater_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SHOP_REPORT_DIR", raising=False)
    monkeypatch.setenv("HEADWATER_HOME", str(tmp_path / "hw"))
    sink = definitions.report_sink()
    assert sink.env_vars == {}
    assert Path(sink.out_dir) == tmp_path / "hw" / "reports"


def test_blocking_check_stops_downstream_on_conflicting_order_rows(
    tmp_path: Path, instance: hw.Instance, report_dir: Path
) -> None:
    dirty = tmp_path / "dirty"
    shutil.copytree(DATA_DIR, dirty)
    rows = read_csv("orders", dirty)
    victim = next(r for r in rows if r["status"] == "completed" and r["unit_price"])
    conflicting = {**victim, "quantity": str(int(victim["quantity"]) + 5)}
    with (dirty / "orders.csv").open("a", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(victim)).writerow(conflicting)

    result = hw.materialize(
        defs,
        instance=instance,
        resources={"shop_data": ShopData(data_dir=str(dirty)), "report_sink": ReportSink(out_dir=str(report_dir))},
    )
    assert not result.success
    assert result.run.status is hw.RunStatus.FAILED

    checks = {e.data["check"]: e.data for e in result.of_type(EventType.CHECK_EVALUATED)}
    assert checks["orders_unique_order_id"]["passed"] is False
    assert checks["orders_unique_order_id"]["metadata"]["duplicated_ids"] == 1
    assert victim["order_id"] in checks["orders_unique_order_id"]["metadata"]["examples"]
    assert checks["orders_non_negative_quantities"]["passed"] is True
    stored = [
        r.event.data
        for r in instance.run_events(result.run_id)
        if r.event.type is EventType.CHECK_EVALUATED and r.event.data["check"] == "orders_unique_order_id"
    ]
    assert [d["passed"] for d in stored] == [False]

    skipped = {e.step_key for e in result.of_type(EventType.STEP_SKIPPED)}
    assert skipped == {
        "daily_revenue",
        "revenue_by_product",
        "customer_lifetime_value",
        "top_customers",
        "order_summaries",
        "features",
        "revenue_model",
        "revenue_forecast",
        "weekly_report",
    }
    assert keys(result.materialized) == {
        "raw_orders",
        "raw_customers",
        "raw_products",
        "orders",
        "customers",
        "products",
    }
    assert not report_dir.exists()
