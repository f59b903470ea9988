"""Partition definitions: keys computed lazily, validation with messages that name valid keys."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

import headwater as hw
from headwater.definitions.partitions import KeyContext, parse_partition_selection
from headwater.errors import DefinitionError, SelectionError

NOW = KeyContext(now=datetime(2026, 1, 3, 5, tzinfo=UTC))


def test_static_keys_and_errors() -> None:
    regions = hw.StaticPartitions(["us", "eu", "apac"])
    assert list(regions.keys()) == ["us", "eu", "apac"]
    assert regions.validate_key("eu") == 1
    with pytest.raises(
        SelectionError, match=r"partition 'ue' is not a partition of asset 'sales' .*valid keys: 'us', 'eu', 'apac'"
    ):
        regions.validate_key("ue", owner="asset 'sales'")
    with pytest.raises(DefinitionError, match="lists 'us' twice"):
        hw.StaticPartitions(["us", "us"])
    with pytest.raises(DefinitionError, match=r"contains '\|'"):
        hw.StaticPartitions(["a|b"])
    with pytest.raises(DefinitionError, match="needs a list of keys"):
        hw.StaticPartitions("us")  # type: ignore[arg-type]


def test_daily_keys_are_lazy_and_cheap() -> None:
    daily = hw.DailyPartitions(start="2023-01-01", end="2026-01-01")
    start = time.perf_counter()
    keys = daily.keys()
    assert len(keys) == 1096
    assert (keys[0], keys[-1]) == ("2023-01-01", "2025-12-31")
    assert "2024-02-29" in keys and "2026-01-01" not in keys
    assert keys.index("2024-01-01") == 365
    assert list(keys[1:3]) == ["2023-01-02", "2023-01-03"]
    assert time.perf_counter() - start < 0.05
    window = daily.time_window("2024-02-29")
    assert window is not None and window.end - window.start == (window.end - window.start).__class__(days=1)


def test_end_at_now_and_end_offset() -> None:
    assert list(hw.DailyPartitions(start="2026-01-01").keys(NOW)) == ["2026-01-01", "2026-01-02"]
    assert list(hw.DailyPartitions(start="2026-01-01", end_offset=1).keys(NOW))[-1] == "2026-01-03"
    assert list(hw.MonthlyPartitions(start="2025-11-15").keys(NOW)) == ["2025-12-01"]
    assert hw.WeeklyPartitions(start="2026-01-01").keys(KeyContext(now=datetime(2026, 1, 20, tzinfo=UTC)))[0] == (
        "2026-01-05"
    )


def test_hourly_in_a_timezone_skips_the_missing_dst_hour() -> None:
    hourly = hw.HourlyPartitions(start="2026-03-29", timezone="Europe/Paris")
    spring = KeyContext(now=datetime(2026, 3, 29, 4, tzinfo=UTC))
    keys = [k[11:] for k in hourly.keys(spring)]
    assert keys == ["00:00+0100", "01:00+0100", "03:00+0200", "04:00+0200", "05:00+0200"]
    assert hourly.validate_key("2026-03-29-03:00+0200", spring) == 2
    autumn = hw.HourlyPartitions(start="2026-10-25", timezone="Europe/Paris")
    keys = [k[11:] for k in autumn.keys(KeyContext(now=datetime(2026, 10, 25, 3, tzinfo=UTC)))]
    assert keys == ["00:00+0200", "01:00+0200", "02:00+0200", "02:00+0100", "03:00+0100"]  # the repeated hour
    assert list(
        hw.HourlyPartitions(start="2026-10-25").keys(KeyContext(now=datetime(2026, 10, 25, 2, tzinfo=UTC)))
    ) == [
        "2026-10-25-00:00",
        "2026-10-25-01:00",
    ]


def test_time_window_errors_say_what_is_valid() -> None:
    daily = hw.DailyPartitions(start="2026-01-01", end="2026-04-01")
    with pytest.raises(
        SelectionError, match=r"'2026-13-01' .*keys are written like '2026-01-01' \(format '%Y-%m-%d'\)"
    ):
        daily.validate_key("2026-13-01")
    with pytest.raises(SelectionError, match=r"'2025-12-31' .*before the first partition '2026-01-01'"):
        daily.validate_key("2025-12-31")
    with pytest.raises(
        SelectionError, match=r"'2026-05-01' .*after the last partition.*'2026-01-01' \.\.\. '2026-03-31'"
    ):
        daily.validate_key("2026-05-01")
    with pytest.raises(SelectionError, match=r"2026-03-01\.\.\.2026-01-01 starts after it ends: write the earlier"):
        daily.key_range("2026-03-01", "2026-01-01")
    with pytest.raises(DefinitionError, match="start 2026-02-01 00:00 is after end 2026-01-01 00:00"):
        hw.DailyPartitions(start="2026-02-01", end="2026-01-01")
    with pytest.raises(DefinitionError, match="timezone 'Mars/Base' is not a known IANA timezone"):
        hw.DailyPartitions(start="2026-01-01", timezone="Mars/Base")
    with pytest.raises(DefinitionError, match=r"start='yesterday' is not a date"):
        hw.DailyPartitions(start="yesterday")


def test_partition_selection_text() -> None:
    daily = hw.DailyPartitions(start="2026-01-01", end="2026-04-01")
    assert len(parse_partition_selection("2026-01-01...2026-03-31", daily)) == 90
    assert list(parse_partition_selection("2026-01-02,2026-01-01", daily)) == ["2026-01-01", "2026-01-02"]


def test_dynamic_keys_come_from_the_context() -> None:
    customers = hw.DynamicPartitions("customers")
    assert list(customers.keys()) == []
    ctx = KeyContext(dynamic={"customers": ["acme", "globex"]})
    assert customers.validate_key("globex", ctx) == 1
    with pytest.raises(SelectionError, match="add it with `headwater partitions add customers initech`"):
        customers.validate_key("initech", ctx)


def test_multi_partitions_of_three_dimensions() -> None:
    multi = hw.MultiPartitions(
        {
            "date": hw.DailyPartitions(start="2026-01-01", end="2026-01-03"),
            "region": hw.StaticPartitions(["us", "eu"]),
            "tier": hw.StaticPartitions(["a", "b"]),
        }
    )
    keys = multi.keys()
    assert len(keys) == 8
    assert keys[0] == "2026-01-01|us|a" and keys[-1] == "2026-01-02|eu|b"
    assert multi.validate_key("2026-01-02|us|b") == 5
    with pytest.raises(SelectionError, match=r"needs one part per dimension joined by '\|': <date>\|<region>\|<tier>"):
        multi.validate_key("2026-01-01|us")
    with pytest.raises(SelectionError, match=r"'xx' is not a partition of dimension 'region'.*valid keys: 'us', 'eu'"):
        multi.validate_key("2026-01-01|xx|a")
    with pytest.raises(DefinitionError, match="at least two named dimensions"):
        hw.MultiPartitions({"date": hw.DailyPartitions(start="2026-01-01")})


def test_asset_declares_partitions_and_mappings() -> None:
    daily = hw.DailyPartitions(start="2026-01-01")

    @hw.asset(partitions=daily)
    def orders() -> int:
        return 1

    @hw.asset(partitions=daily, partition_mappings={"orders": hw.TimeWindowMapping(start_offset=-1)})
    def rolling(orders: dict[str, int]) -> int:
        return sum(orders.values())

    assert rolling.partitions == daily
    assert isinstance(rolling.partition_mappings["orders"], hw.TimeWindowMapping)
    with pytest.raises(DefinitionError, match=r"partition_mappings= names 'order', which is not an input.*'orders'"):

        @hw.asset(partitions=daily, partition_mappings={"order": hw.AllPartitions()})
        def bad(orders: int) -> int:
            return orders

    def plain() -> int:
        return 1

    with pytest.raises(DefinitionError, match="partitions= must be a partitions definition"):
        hw.asset(partitions="daily")(plain)  # type: ignore[arg-type]
    with pytest.raises(DefinitionError, match="backfill_policy= needs partitions="):
        hw.asset(backfill_policy="single_run")(plain)
    with pytest.raises(DefinitionError, match="backfill_policy='weekly' is not one of 'per_partition', 'single_run'"):
        hw.asset(partitions=daily, backfill_policy="weekly")(plain)
