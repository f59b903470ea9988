"""Staleness follows partition mappings: each partition is compared with the upstream partitions it reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import headwater as hw
from headwater.graph import AssetGraph
from headwater.state.status import AssetStatus

DAYS = ("2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04")
VALUES: dict[str, int] = {}


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[hw.Instance]:
    VALUES.clear()
    inst = hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path)))
    yield inst
    inst.close()


def project() -> hw.Definitions:
    daily = hw.DailyPartitions(start="2026-01-01", end="2026-01-05")

    @hw.asset
    def settings() -> int:
        return VALUES.get("settings", 1)

    @hw.asset(partitions=daily)
    def events(context: hw.Context) -> int:
        return VALUES.get(context.partition_key, 0)

    @hw.asset(partitions=daily)
    def per_day(events: int, settings: int) -> int:
        return events * settings

    @hw.asset(
        partitions=daily, partition_mappings={"events": hw.TimeWindowMapping(start_offset=-1, allow_missing=True)}
    )
    def two_days(events: dict[str, int] | int) -> int:
        return sum(events.values()) if isinstance(events, dict) else events

    @hw.asset
    def summary(events: dict[str, int]) -> int:
        return sum(events.values())

    return hw.Definitions(assets=[settings, events, per_day, two_days, summary])


def statuses(instance: hw.Instance, partition: str | None) -> dict[str, tuple[str, list[str]]]:
    status = AssetStatus(instance.storage, AssetGraph.from_definitions(project()), partition)
    return {k.to_string(): (s.status, [r.text for r in s.reasons]) for k, s in status.states.items()}


def build_everything(instance: hw.Instance) -> None:
    defs = project()
    assert instance.materialize(defs, "settings").success
    for day in DAYS:
        assert instance.materialize(defs, "events per_day two_days", partition=day).success
    assert instance.materialize(defs, "summary").success


def test_every_partition_fresh_after_a_full_build(instance: hw.Instance) -> None:
    build_everything(instance)
    for day in DAYS:
        found = statuses(instance, day)
        assert {k: v[0] for k, v in found.items()} == dict.fromkeys(found, "fresh"), (day, found)
    assert statuses(instance, None)["summary"] == ("fresh", [])


def test_a_changed_partition_makes_only_the_partitions_that_read_it_stale(instance: hw.Instance) -> None:
    build_everything(instance)
    VALUES["2026-01-02"] = 5
    assert instance.materialize(project(), "events", partition="2026-01-02").success

    second = statuses(instance, "2026-01-02")
    assert second["per_day"][0] == "stale"
    assert second["per_day"][1][0].startswith(
        "upstream 'events' (1 level up) partition 2026-01-02 has a newer data version ("
    )
    assert second["two_days"][0] == "stale"  # it reads 01-01 and 01-02
    assert second["two_days"][1] == [
        "upstream 'events' (1 level up) has newer partition(s) than the ones consumed: '2026-01-02'"
    ]
    third = statuses(instance, "2026-01-03")
    assert third["per_day"] == ("fresh", [])
    assert third["two_days"][0] == "stale"  # it reads 01-02 and 01-03
    assert statuses(instance, "2026-01-04")["two_days"] == ("fresh", [])
    assert statuses(instance, "2026-01-01")["per_day"] == ("fresh", [])

    summary = statuses(instance, None)["summary"]
    assert summary == (
        "stale",
        ["upstream 'events' (1 level up) has newer partition(s) than the ones consumed: '2026-01-02'"],
    )


def test_an_unpartitioned_upstream_counts_for_every_partition(instance: hw.Instance) -> None:
    build_everything(instance)
    VALUES["settings"] = 3
    assert instance.materialize(project(), "settings").success
    for day in ("2026-01-01", "2026-01-04"):
        status, reasons = statuses(instance, day)["per_day"]
        assert status == "stale"
        assert reasons[0].startswith("upstream 'settings' (1 level up) has a newer data version (")
        assert "than the one consumed (" in reasons[0]  # the partitioned run recorded the version it read
    assert instance.materialize(project(), "per_day", partition="2026-01-04").success
    assert statuses(instance, "2026-01-04")["per_day"] == ("fresh", [])
    assert statuses(instance, "2026-01-01")["per_day"][0] == "stale"


def test_missing_upstream_partitions_are_named(instance: hw.Instance) -> None:
    defs = project()
    for day in DAYS[:2]:
        assert instance.materialize(defs, "events", partition=day).success
    assert instance.report("summary", data_version="made-elsewhere", defs=defs).success
    status, reasons = statuses(instance, None)["summary"]
    assert status == "stale"
    assert reasons == [
        "upstream 'events' (1 level up) has no value for partition(s) '2026-01-03', '2026-01-04' that it reads"
    ]
    assert statuses(instance, "2026-01-02")["per_day"] == ("missing", ["never materialized"])


def test_unpartitioned_view_judges_partitioned_assets_by_their_partitions(instance: hw.Instance) -> None:
    assert statuses(instance, None)["per_day"] == ("missing", ["none of its 4 partitions materialized"])
    build_everything(instance)
    assert statuses(instance, None)["per_day"] == ("fresh", [])
