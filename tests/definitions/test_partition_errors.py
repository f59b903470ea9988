"""What partition definitions and mappings say when they are declared wrong."""

from __future__ import annotations

from typing import Any

import pytest

import headwater as hw

REGIONS = hw.StaticPartitions(["us", "eu"])


def test_static_partition_keys_must_be_plain_and_unique() -> None:
    with pytest.raises(
        hw.DefinitionError,
        match=r"^StaticPartitions: partition key ' us' must be a non-empty string without surrounding spaces$",
    ):
        hw.StaticPartitions([" us"])
    with pytest.raises(
        hw.DefinitionError,
        match=r"partition key 'us\|eu' contains '\|', which Headwater uses to join or range keys; use another "
        "character such as '-' or '_'",
    ):
        hw.StaticPartitions(["us|eu"])
    with pytest.raises(hw.DefinitionError, match=r"^StaticPartitions lists 'us' twice; keys must be unique$"):
        hw.StaticPartitions(["us", "us"])


def test_time_window_bounds_and_formats() -> None:
    with pytest.raises(
        hw.DefinitionError,
        match=r"^DailyPartitions: start='soon' is not a date or time; write it like '2026-01-01' or "
        "'2026-01-01 06:00'$",
    ):
        hw.DailyPartitions(start="soon")
    start: Any = 3
    with pytest.raises(
        hw.DefinitionError, match=r"^DailyPartitions: start must be a date, a datetime or a string like '2026-01-01'$"
    ):
        hw.DailyPartitions(start=start)
    with pytest.raises(
        hw.DefinitionError,
        match=r"^DailyPartitions: start 2026-02-01 00:00 is after end 2026-01-01 00:00; give an end later than the "
        "start, or no end to run up to now$",
    ):
        hw.DailyPartitions(start="2026-02-01", end="2026-01-01")
    with pytest.raises(
        hw.DefinitionError, match=r"^DailyPartitions: fmt='day' has no date fields; use e.g. '%Y-%m-%d'$"
    ):
        hw.DailyPartitions(start="2026-01-01", fmt="day")
    with pytest.raises(
        hw.DefinitionError,
        match=r"^HourlyPartitions: fmt='%Y-%m-%d' does not keep enough of the date to read a key back \(it prints "
        r"'2026-01-01'\); add the missing fields$",
    ):
        hw.HourlyPartitions(start="2026-01-01 06:00", fmt="%Y-%m-%d")


def test_multi_partition_dimensions_are_named_by_identifiers() -> None:
    with pytest.raises(
        hw.DefinitionError, match=r"^MultiPartitions dimension name '1d' must be an identifier such as 'date'$"
    ):
        hw.MultiPartitions({"1d": hw.DailyPartitions(start="2026-01-01"), "region": REGIONS})
    multi = hw.MultiPartitions({"date": hw.DailyPartitions(start="2026-01-01"), "region": REGIONS})
    with pytest.raises(
        hw.DefinitionError, match=r"^MultiPartitions has no dimension 'regoin'; dimensions: date, region$"
    ):
        multi.dimension("regoin")


def test_static_mapping_shows_a_mapping() -> None:
    with pytest.raises(
        hw.DefinitionError,
        match=r"^StaticMapping needs a dict of upstream key -> downstream key\(s\), e.g. hw.StaticMapping\(\{'us': "
        r"'americas', 'eu': \['europe', 'emea'\]\}\)$",
    ):
        hw.StaticMapping({})


def test_dimension_mapping_between_single_partitioned_assets() -> None:
    @hw.asset(partitions=REGIONS)
    def sales() -> int:
        return 1

    @hw.asset(partitions=REGIONS, partition_mappings={"sales": hw.DimensionMapping("region")})
    def by_region(sales: int) -> int:
        return sales

    with pytest.raises(
        hw.DefinitionError,
        match=r"asset 'by_region' \(.*\) input 'sales' from 'sales': DimensionMapping needs a multi-partitioned "
        r"asset on one side; give one of the assets hw.MultiPartitions\(\.\.\.\), or use a mapping for single "
        r"partitions such as hw.IdentityMapping\(\)",
    ):
        hw.AssetGraph.from_definitions(hw.Definitions(assets=[sales, by_region]))


def test_a_mapping_from_an_unpartitioned_asset_is_refused() -> None:
    @hw.asset
    def plain() -> int:
        return 1

    @hw.asset(partitions=REGIONS, partition_mappings={"plain": hw.IdentityMapping()})
    def regional(plain: int) -> int:
        return plain

    with pytest.raises(
        hw.DefinitionError,
        match=r"asset 'regional' \(.*\) input 'plain' from 'plain': has a partition mapping, but the upstream asset "
        "is not partitioned; remove the mapping",
    ):
        hw.AssetGraph.from_definitions(hw.Definitions(assets=[plain, regional]))
