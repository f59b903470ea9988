"""Partition mappings checked with the graph: each mapping that cannot work is a DefinitionError
naming the asset, the input and what would be valid."""

from __future__ import annotations

from typing import Any

import pytest

import headwater as hw
from headwater.errors import DefinitionError
from headwater.graph import AssetGraph

REGIONS = hw.StaticPartitions(["us", "eu"])
DAILY = hw.DailyPartitions(start="2026-01-01", end="2026-02-01")
MULTI = hw.MultiPartitions({"date": DAILY, "region": REGIONS})


def _graph(*assets: Any) -> AssetGraph:
    return AssetGraph.from_definitions(hw.Definitions(assets=list(assets)))


@hw.asset(partitions=REGIONS)
def region() -> int:
    return 1


@hw.asset(partitions=MULTI)
def sales() -> int:
    return 1


def test_time_window_mapping_between_static_partitions() -> None:
    @hw.asset(partitions=REGIONS, partition_mappings={"region": hw.TimeWindowMapping(start_offset=-1)})
    def shifted(region: int) -> int:
        return region

    with pytest.raises(DefinitionError) as caught:
        _graph(region, shifted)
    message = str(caught.value)
    assert message.startswith("asset 'shifted' (")
    assert "input 'region' from 'region': TimeWindowMapping needs time-window partitions on both assets" in message
    assert "use hw.StaticMapping({...}), hw.AllPartitions() or hw.LastPartition()" in message


def test_static_mapping_naming_keys_that_do_not_exist() -> None:
    @hw.asset(
        partitions=hw.StaticPartitions(["america", "europe"]),
        partition_mappings={"region": hw.StaticMapping({"us": "america", "eu": "eurpoe"})},
    )
    def continent(region: int) -> int:
        return region

    with pytest.raises(
        DefinitionError,
        match=r"asset 'continent' .* input 'region' from 'region': StaticMapping names downstream partition "
        r"'eurpoe', which is not a partition of StaticPartitions \['america', 'europe'\] \(did you mean 'europe'\?\); "
        r"valid downstream keys: 'america', 'europe'",
    ):
        _graph(region, continent)


def test_dimension_that_does_not_exist() -> None:
    @hw.asset(partitions=REGIONS, partition_mappings={"sales": hw.DimensionMapping("regoin")})
    def by_region(sales: dict[str, int]) -> int:
        return len(sales)

    with pytest.raises(
        DefinitionError,
        match=r"asset 'by_region' .* input 'sales' from 'sales': DimensionMapping names dimension 'regoin', which "
        r"MultiPartitions\(.*\) does not have \(did you mean 'region'\?\); valid dimensions: date, region",
    ):
        _graph(sales, by_region)


def test_the_mapping_inside_a_dimension_is_checked() -> None:
    mapping = hw.DimensionMapping("region", hw.StaticMapping({"us": "america", "asia": "asia"}))

    @hw.asset(partitions=hw.StaticPartitions(["america", "asia"]), partition_mappings={"sales": mapping})
    def by_continent(sales: dict[str, int]) -> int:
        return len(sales)

    with pytest.raises(
        DefinitionError,
        match=r"input 'sales' from 'sales' \(dimension 'region'\): StaticMapping names upstream partition 'asia'",
    ):
        _graph(sales, by_continent)


def test_identity_between_different_partitions() -> None:
    @hw.asset(partitions=hw.StaticPartitions(["us", "eu", "apac"]), partition_mappings={"region": hw.IdentityMapping()})
    def wider(region: int) -> int:
        return region

    with pytest.raises(
        DefinitionError,
        match=r"asset 'wider' .* input 'region' from 'region': IdentityMapping maps each partition to the same key, "
        r"but downstream partitions 'apac' are not partitions upstream \(StaticPartitions \['us', 'eu'\]\); "
        r"map them with hw.StaticMapping",
    ):
        _graph(region, wider)

    @hw.asset(partitions=DAILY, partition_mappings={"region": hw.IdentityMapping()})
    def daily(region: int) -> int:
        return region

    with pytest.raises(DefinitionError, match=r"asset 'daily' .*use hw.TimeWindowMapping\(\) for time windows"):
        _graph(region, daily)

    @hw.asset(partitions=hw.StaticPartitions(["us"]), partition_mappings={"region": hw.IdentityMapping()})
    def narrower(region: int) -> int:
        return region

    assert len(_graph(region, narrower)) == 2  # every downstream key exists upstream: valid

    @hw.asset(partitions=hw.DailyPartitions(start="2026-01-10"), partition_mappings={"events": hw.IdentityMapping()})
    def later(events: int) -> int:
        return events

    @hw.asset(partitions=DAILY)
    def events() -> int:
        return 1

    assert len(_graph(events, later)) == 2  # the same days from a later start: keys match one to one


def test_offsets_in_the_wrong_order() -> None:
    @hw.asset(partitions=DAILY)
    def events() -> int:
        return 1

    @hw.asset(partitions=DAILY, partition_mappings={"events": hw.TimeWindowMapping(start_offset=0, end_offset=-2)})
    def backwards(events: int) -> int:
        return events

    with pytest.raises(
        DefinitionError,
        match=r"input 'events' from 'events': TimeWindowMapping start_offset=0 is after end_offset=-2; give a "
        "start_offset lower than or equal to the end_offset",
    ):
        _graph(events, backwards)
