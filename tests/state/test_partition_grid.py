"""The health grid of a partitioned asset: each partition materialized, stale, failed, check failed,
overdue, missing or in progress, with the reason, as ranges; a multi-partitioned asset also rolled up
per dimension. Through the core function, ``headwater assets status KEY --partitions`` and the
asset API."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

import headwater as hw
from headwater.cli.main import cli
from headwater.errors import SelectionError
from headwater.graph import AssetGraph
from headwater.state.partition_grid import GRID_STATUSES, partition_grid
from headwater.state.partition_status import key_context

DAILY = hw.AssetKey("daily")
# The windows of 2026-01-01 ... 2026-01-06 close at midnight UTC of the next day; "now" is noon on
# 2026-01-06, so with max_lag 6h every window up to 2026-01-05 (closed at 00:00 on 2026-01-06) is due.
NOW = datetime(2026, 1, 6, 12, tzinfo=UTC).timestamp()


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[hw.Instance]:
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path / "home"))) as inst:
        yield inst


def project(code_version: str = "1") -> hw.Definitions:
    @hw.asset(
        partitions=hw.DailyPartitions(start="2026-01-01", end="2026-01-07"),
        code_version=code_version,
        freshness=hw.Freshness(max_lag=timedelta(hours=6)),
    )
    def daily(context: hw.Context) -> int:
        if os.environ.get("HW_TEST_FAIL_DAY") == context.partition_key:
            raise ValueError("the export for that day is broken\nsecond line")
        return int(context.partition_key[-2:])

    @hw.check(asset="daily")
    def not_three(daily: int) -> hw.CheckResult:
        return hw.CheckResult(passed=daily != 3)

    return hw.Definitions(assets=[daily], checks=[not_three])


def grid(instance: hw.Instance, defs: hw.Definitions, key: hw.AssetKey = DAILY) -> list[tuple[str, str, str, str]]:
    graph = AssetGraph.from_definitions(defs)
    found = partition_grid(instance.storage, graph, key, key_context(instance.storage, graph), now=NOW)
    assert found.total == sum(found.counts.values())
    return [(r.status, r.start, r.end, r.reason) for r in found.ranges]


def test_each_partition_has_one_status_and_its_reason(instance: hw.Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    old = project("1")
    assert instance.materialize(old, partition="2026-01-01").success
    new = project("2")
    for day in ("2026-01-02", "2026-01-03"):
        assert instance.materialize(new, partition=day).success
    monkeypatch.setenv("HW_TEST_FAIL_DAY", "2026-01-04")
    failed = instance.materialize(new, partition="2026-01-04")
    assert not failed.success
    assert grid(instance, new) == [
        ("stale", "2026-01-01", "2026-01-01", "materialized with code version '1'; the asset declares '2'"),
        ("materialized", "2026-01-02", "2026-01-02", ""),
        ("check_failed", "2026-01-03", "2026-01-03", "check not_three failed on its current value"),
        (
            "failed",
            "2026-01-04",
            "2026-01-04",
            f"latest attempt failed in run {failed.run_id[:8]}: step 'daily' failed: ValueError: the export for that "
            "day is broken",
        ),
        (
            "overdue",
            "2026-01-05",
            "2026-01-05",
            "not materialized 6:00:00 after its window closed (policy: at most 6:00:00 old)",
        ),
        ("missing", "2026-01-06", "2026-01-06", ""),  # its window has not closed yet
    ]
    # materializing again fixes each: a new value is judged afresh, the failure is superseded
    monkeypatch.delenv("HW_TEST_FAIL_DAY")
    for day in ("2026-01-01", "2026-01-04", "2026-01-05"):
        assert instance.materialize(new, partition=day).success
    assert [r[0] for r in grid(instance, new)] == ["materialized", "check_failed", "materialized", "missing"]


def test_a_multi_partitioned_asset_is_rolled_up_per_dimension(instance: hw.Instance) -> None:
    @hw.asset(
        partitions=hw.MultiPartitions(
            {
                "date": hw.DailyPartitions(start="2026-01-04", end="2026-01-07"),
                "region": hw.StaticPartitions(["eu", "us"]),
            }
        ),
        freshness=hw.Freshness(max_lag=timedelta(hours=6)),
    )
    def sales(context: hw.Context) -> int:
        return 1

    defs = hw.Definitions(assets=[sales])
    assert instance.materialize(defs, partition="2026-01-04|eu").success
    assert instance.materialize(defs, partition="2026-01-05|us").success
    graph = AssetGraph.from_definitions(defs)
    found = partition_grid(instance.storage, graph, "sales", key_context(instance.storage, graph), now=NOW)
    assert [(r.status, r.start, r.end) for r in found.ranges] == [
        ("materialized", "2026-01-04|eu", "2026-01-04|eu"),
        ("overdue", "2026-01-04|us", "2026-01-05|eu"),
        ("materialized", "2026-01-05|us", "2026-01-05|us"),
        ("missing", "2026-01-06|eu", "2026-01-06|us"),
    ]
    dims = {name: [(v.value, v.status, v.counts) for v in values] for name, values in found.dimensions}
    assert dims == {
        "date": [
            ("2026-01-04", "overdue", {"overdue": 1, "materialized": 1}),
            ("2026-01-05", "overdue", {"overdue": 1, "materialized": 1}),
            ("2026-01-06", "missing", {"missing": 2}),
        ],
        "region": [
            ("eu", "overdue", {"overdue": 1, "materialized": 1, "missing": 1}),
            ("us", "overdue", {"overdue": 1, "materialized": 1, "missing": 1}),
        ],
    }
    assert found.to_json()["dimensions"][1]["values"][0] == {
        "value": "eu",
        "status": "overdue",
        "counts": {"overdue": 1, "materialized": 1, "missing": 1},
    }


def test_an_unpartitioned_asset_has_no_grid(instance: hw.Instance) -> None:
    @hw.asset
    def plain() -> int:
        return 1

    defs = hw.Definitions(assets=[plain])
    graph = AssetGraph.from_definitions(defs)
    with pytest.raises(SelectionError, match=r"^asset 'plain' is not partitioned, so it has no partition grid; "):
        partition_grid(instance.storage, graph, "plain", key_context(instance.storage, graph), now=NOW)


CLI_PROJECT = """
from datetime import timedelta
import headwater as hw


@hw.asset(partitions=hw.DailyPartitions(start="2026-01-01", end="2026-01-05"), code_version="2",
          freshness=hw.Freshness(max_lag=timedelta(hours=6)))
def daily(context: hw.Context) -> int:
    return int(context.partition_key[-2:])


@hw.check(asset="daily")
def not_two(daily: int) -> hw.CheckResult:
    return hw.CheckResult(passed=daily != 2)


defs = hw.Definitions(assets=[daily], checks=[not_two])
"""


def test_assets_status_key_partitions_prints_the_grid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEADWATER_HOME", str(tmp_path / "home"))
    (tmp_path / "defs.py").write_text(CLI_PROJECT)
    runner = CliRunner()
    defs = str(tmp_path / "defs.py")
    for day in ("2026-01-01", "2026-01-02"):
        made = runner.invoke(cli, ["materialize", "-f", defs, "--partition", day])
        assert made.exit_code == 0, made.output
    queued = runner.invoke(cli, ["materialize", "-f", defs, "--partition", "2026-01-04", "--queue"])
    assert queued.exit_code == 0, queued.output
    args = ["assets", "status", "daily", "--partitions", "-f", defs]
    shown = runner.invoke(cli, [*args, "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["total"] == 4 and data["counts"]["materialized"] == 1 and data["counts"]["check_failed"] == 1
    assert [(r["status"], r["start"]) for r in data["ranges"]][:2] == [
        ("materialized", "2026-01-01"),
        ("check_failed", "2026-01-02"),
    ]
    # the day after is overdue now (its window closed long ago); the last is queued (no daemon runs it here)
    assert [(r["status"], r["start"], r["count"]) for r in data["ranges"][2:]] == [
        ("overdue", "2026-01-03", 1),
        ("in_progress", "2026-01-04", 1),
    ]
    assert data["ranges"][3]["reason"] == "a queued or started run is materializing it"
    table = runner.invoke(cli, args)
    assert table.exit_code == 0, table.output
    text = " ".join(table.output.split())
    summary = "daily: 4 partitions (DailyPartitions from 2026-01-01 to before 2026-01-05 00:00 (UTC)): 1 in progress"
    assert summary + ", 1 check failed, 1 overdue, 1 materialized" in text
    assert "check not_two failed on its current value" in text
    refused = runner.invoke(cli, ["assets", "status", "--partitions", "-f", defs])
    assert refused.exit_code == 2
    assert "--partitions shows the partitions of one asset: give its key" in " ".join(refused.output.split())
    # KEY without --partitions is the one asset's status row
    one = runner.invoke(cli, ["assets", "status", "daily", "-f", defs, "--json"])
    assert [row["key"] for row in json.loads(one.stdout)["assets"]] == ["daily"]


def test_the_readme_names_the_command_and_every_status() -> None:
    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text().split())
    assert "`headwater assets status KEY --partitions`" in readme
    start = readme.index("`headwater assets status KEY --partitions`")
    text = readme[start : start + 600]
    for status in GRID_STATUSES:
        assert status.replace("_", " ") in text, status
