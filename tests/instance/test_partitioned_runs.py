"""Partitioned runs: context, input loading through mappings, mixed selections and clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import headwater as hw
from headwater.errors import DefinitionError, SelectionError

DAILY = hw.DailyPartitions(start="2026-01-01", end="2026-02-01")
WEEKLY = hw.WeeklyPartitions(start="2026-01-01", end="2026-02-01")


@pytest.fixture
def instance(tmp_path: Path) -> Any:
    inst = hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path)))
    yield inst
    inst.close()


@hw.asset(partitions=DAILY)
def orders(context: hw.Context) -> list[str]:
    window = context.partition_time_window
    assert window is not None and window.start.strftime("%Y-%m-%d") == context.partition_key
    return [f"order-{context.partition_key}"]


@hw.asset
def rates() -> float:
    return 2.0


@hw.asset(partitions=DAILY)
def revenue(context: hw.Context, orders: list[str], rates: float) -> float:
    assert context.partition_keys == (context.partition_key,)
    return len(orders) * rates


@hw.asset(partitions=DAILY, partition_mappings={"orders": hw.TimeWindowMapping(start_offset=-1, allow_missing=True)})
def two_days(orders: Any) -> Any:
    return orders


@hw.asset(partitions=WEEKLY)
def weekly(orders: dict[str, list[str]]) -> int:
    return len(orders)


@hw.asset
def everything(orders: dict[str, list[str]]) -> int:
    return len(orders)


def test_one_partition_with_an_unpartitioned_upstream(instance: Any) -> None:
    defs = hw.Definitions(assets=[orders, rates, revenue])
    result = hw.materialize(defs, partition="2026-01-02", instance=instance)
    assert result.success, result.run.error
    assert result.value_of("revenue") == 2.0
    assert result.run.partition == "2026-01-02"
    by_key = {e.asset_key: e.partition for e in result.events if e.type is hw.EventType.ASSET_MATERIALIZED}
    assert by_key == {
        hw.AssetKey("orders"): "2026-01-02",
        hw.AssetKey("rates"): None,
        hw.AssetKey("revenue"): "2026-01-02",
    }
    # Step events follow their asset: the unpartitioned step's start carries no partition.
    starts = {e.step_key: e.partition for e in result.events if e.type is hw.EventType.STEP_STARTED}
    assert starts == {"orders": "2026-01-02", "rates": None, "revenue": "2026-01-02"}


def test_mappings_load_one_value_or_a_dict(instance: Any) -> None:
    defs = hw.Definitions(assets=[orders, two_days, weekly, everything])
    for day in ("2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09", "2026-01-10", "2026-01-11"):
        assert hw.materialize(defs, "orders", partition=day, instance=instance).success
    with pytest.raises(
        SelectionError, match=r"no stored value: 'orders' partition\(s\) 2026-01-04 \(needed by two_days\)"
    ):
        hw.materialize(defs, "two_days", partition="2026-01-05", instance=instance)
    result = hw.materialize(defs, "two_days", partition="2026-01-06", instance=instance)
    assert result.value_of("two_days") == {"2026-01-05": ["order-2026-01-05"], "2026-01-06": ["order-2026-01-06"]}
    result = hw.materialize(defs, "weekly", partition="2026-01-05", instance=instance)
    assert result.success and result.value_of("weekly") == 7


def test_unpartitioned_downstream_reads_all_partitions(instance: Any) -> None:
    small = hw.StaticPartitions(["us", "eu"])

    @hw.asset(partitions=small)
    def sales(context: hw.Context) -> str:
        return f"sales-{context.partition_key}"

    @hw.asset
    def total(sales: dict[str, str]) -> list[str]:
        return sorted(sales.values())

    defs = hw.Definitions(assets=[sales, total])
    # The run makes 'us' only and 'eu' is not stored: total reads what exists, and its log says what not.
    alone = hw.materialize(defs, partition="us", instance=instance)
    assert alone.value_of("total") == ["sales-us"]
    (log, *_) = instance.storage.get_logs(alone.run.run_id, "total")
    assert (
        "input 'sales' reads the 1 of 2 partitions of 'sales' that are stored; 1 has no stored value (eu)" in log.text
    )
    hw.materialize(defs, "sales", partition="eu", instance=instance)
    mixed = hw.materialize(defs, partition="us", instance=instance)  # partitioned and unpartitioned together
    assert mixed.value_of("total") == ["sales-eu", "sales-us"]
    assert hw.materialize(defs, "total", instance=instance).value_of("total") == ["sales-eu", "sales-us"]


def test_partition_errors(instance: Any) -> None:
    defs = hw.Definitions(assets=[orders, rates, revenue])
    with pytest.raises(SelectionError, match=r"partition '2026-02-30' is not a partition of asset 'orders'"):
        hw.materialize(defs, partition="2026-02-30", instance=instance)
    with pytest.raises(SelectionError, match=r"has partitioned assets \(orders, revenue\), so a run needs a partition"):
        hw.materialize(defs, instance=instance)
    with pytest.raises(SelectionError, match="no selected asset is partitioned: drop the partition"):
        hw.materialize(defs, "rates", partition="2026-01-01", instance=instance)
    with pytest.raises(SelectionError, match=r"'orders' partition\(s\) 2026-01-03 \(needed by revenue\); 'rates'"):
        hw.materialize(defs, "revenue", partition="2026-01-03", instance=instance)


def test_unsatisfiable_mapping_is_a_definition_error(instance: Any) -> None:
    @hw.asset(partitions=hw.StaticPartitions(["us"]))
    def region() -> int:
        return 1

    @hw.asset(partitions=DAILY)
    def daily_from_region(region: int) -> int:
        return region

    with pytest.raises(
        DefinitionError, match=r"asset 'daily_from_region' .*input 'region'.*cannot tell which partitions"
    ):
        hw.materialize([region, daily_from_region], partition="2026-01-01", instance=instance)

    @hw.asset(partitions=DAILY, partition_mappings={"region": hw.TimeWindowMapping()})
    def windowed(region: int) -> int:
        return region

    with pytest.raises(DefinitionError, match="TimeWindowMapping needs time-window partitions on both assets"):
        hw.materialize([region, windowed], partition="2026-01-01", instance=instance)


def test_a_run_over_a_range(instance: Any) -> None:
    @hw.asset(partitions=DAILY, backfill_policy="single_run")
    def bulk(context: hw.Context) -> dict[str, int]:
        assert context.partition_key is None
        window = context.partition_time_window
        assert window is not None and (window.end - window.start).days == 3
        return {key: i for i, key in enumerate(context.partition_keys)}

    keys = ["2026-01-01", "2026-01-02", "2026-01-03"]
    result = instance.materialize(hw.Definitions(assets=[bulk]), partition_keys=keys)
    assert result.success, result.run.error
    assert result.run.partition == "2026-01-01...2026-01-03"
    assert [e.partition for e in result.events if e.type is hw.EventType.ASSET_MATERIALIZED] == keys

    @hw.asset(partitions=DAILY)
    def not_a_dict() -> int:
        return 1

    failed = instance.materialize(hw.Definitions(assets=[not_a_dict]), partition_keys=keys)
    assert not failed.success
    assert (
        "must return a dict {partition_key: value} with exactly those keys"
        in instance.failed_step_errors(failed.run_id)[0]
    )


def test_multi_and_dynamic_partitions(instance: Any) -> None:
    customers = hw.DynamicPartitions("customers")
    both = hw.MultiPartitions({"date": DAILY, "customer": customers})

    @hw.asset(partitions=customers)
    def profile(context: hw.Context) -> str:
        return f"profile-{context.partition_key}"

    @hw.asset(partitions=both)
    def usage(context: hw.Context, profile: str) -> str:
        return f"{profile}@{context.partition_key}"

    defs = hw.Definitions(assets=[profile, usage])
    with pytest.raises(SelectionError, match="add it with `headwater partitions add customers acme`"):
        hw.materialize(defs, "profile", partition="acme", instance=instance)
    assert instance.add_dynamic_partitions("customers", ["acme", "globex"]) == ["acme", "globex"]
    assert hw.materialize(defs, "profile", partition="acme", instance=instance).success
    result = hw.materialize(defs, "usage", partition="2026-01-01|acme", instance=instance)
    assert result.value_of("usage") == "profile-acme@2026-01-01|acme"
    assert instance.delete_dynamic_partitions("customers", ["globex", "nope"]) == ["globex"]
