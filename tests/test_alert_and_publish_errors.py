"""Mistakes in hw.Alert, Definitions(alerts=...), hw.PublishGroup and Definitions(publish_groups=...),
and the errors of settling held-back values, each refused with a message that names the thing and
says what to write instead; nothing is recorded or changed by a refused call."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

import headwater as hw
from headwater.automation import Daemon
from headwater.errors import DefinitionError, IOManagerError, SelectionError
from headwater.instance.config import load_config
from headwater.io.base import Staged

VALUES: dict[str, int] = {}


@hw.asset
def orders() -> int:
    return 1


@hw.asset
def items() -> int:
    return 2


def test_alert_arguments_are_checked_when_the_alert_is_made() -> None:
    with pytest.raises(DefinitionError, match=r"^hw.Alert: the first argument is the alert's name, got ''$"):
        hw.Alert("", on="run_failed")
    with pytest.raises(
        DefinitionError, match=r"^hw.Alert\('quiet'\): targets= is empty; give at least one, e.g. targets=\['log'\]$"
    ):
        hw.Alert("quiet", on="run_failed", targets=[])
    later = hw.AutomationCondition.not_updated_within(timedelta(hours=6))
    with pytest.raises(
        DefinitionError,
        match=r"^hw.Alert\('f'\): condition= is only read by on='condition'; remove it or set on='condition'$",
    ):
        hw.Alert("f", on="run_failed", condition=later)


def test_definitions_take_only_alerts() -> None:
    with pytest.raises(
        DefinitionError, match=r"^Definitions\(alerts=...\) item 1 is str 'failures': pass hw.Alert\('name', on=...\)$"
    ):
        hw.Definitions(assets=[orders], alerts=[hw.Alert("ok", on="run_failed"), "failures"])


def test_an_alert_named_in_the_code_and_in_the_config_is_refused_when_the_daemon_starts(tmp_path: Path) -> None:
    (tmp_path / "headwater.toml").write_text('[[alerts.rules]]\nname = "failures"\non = "run_failed"\n')
    config = load_config(tmp_path)
    defs = hw.Definitions(assets=[orders], alerts=[hw.Alert("failures", on="run_failed")])
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path / "home"))) as inst:
        with pytest.raises(
            DefinitionError,
            match=r"^hw.Alert\('failures'\): two alerts have this name \(in the code and in \[\[alerts.rules\]\] "
            r"of headwater.toml\); rename one$",
        ):
            Daemon(inst.storage, defs, launch=False, config=config)
        assert inst.storage.list_runs() == []


def test_publish_group_arguments() -> None:
    with pytest.raises(
        DefinitionError,
        match=r"^hw.PublishGroup\('orders'\): give a list of assets, e.g. hw.PublishGroup\(\['fact', 'dim'\]\)$",
    ):
        hw.PublishGroup("orders")
    with pytest.raises(DefinitionError, match=r"^hw.PublishGroup names 'orders' twice: list each asset once$"):
        hw.PublishGroup([orders, "orders", items])
    with pytest.raises(
        DefinitionError, match=r"^Definitions\(publish_groups=...\) takes a list of hw.PublishGroup\(\[...\]\)$"
    ):
        hw.Definitions(assets=[orders, items], publish_groups=hw.PublishGroup([orders, items]))
    with pytest.raises(
        DefinitionError,
        match=r"^Definitions\(publish_groups=...\) item 0 is list, not a hw.PublishGroup\(\[...\]\)$",
    ):
        hw.Definitions(assets=[orders, items], publish_groups=[["orders", "items"]])


def test_a_publish_group_cannot_hold_back_a_source_asset() -> None:
    feed = hw.SourceAsset("feed")
    defs = hw.Definitions(assets=[feed, orders], publish_groups=[hw.PublishGroup(["feed", "orders"], name="g")])
    with pytest.raises(
        DefinitionError,
        match=r"^publish group 'g' names the source asset 'feed': Headwater does not store source assets, "
        "so it cannot hold them back; take it out of the group$",
    ):
        hw.AssetGraph.from_definitions(defs)


@hw.asset(publish="after_checks", partitions=hw.StaticPartitions(["a", "b"]))
def counts(context: hw.Context) -> int:
    return VALUES[context.partition_key or ""]


@hw.check(asset="counts", blocking=True)
def positive(counts: int) -> hw.CheckResult:
    return hw.CheckResult(passed=counts > 0)


def test_settling_an_asset_with_several_held_values_needs_a_partition(tmp_path: Path) -> None:
    defs = hw.Definitions(assets=[counts], checks=[positive])
    VALUES.update(a=-1, b=-2)
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path / "home"))) as inst:
        for part in ("a", "b"):
            assert not inst.materialize(defs, partition=part).success
        with pytest.raises(
            SelectionError,
            match=r"^asset 'counts' has 2 values held back \(partitions a, b\): name one with --partition$",
        ):
            inst.settle_staged(defs, "counts", publish=True)
        assert len(inst.staged(defs)) == 2  # nothing was settled
        inst.settle_staged(defs, "counts", publish=False, partition="a")
        assert [h.partition for h in inst.staged(defs)] == ["b"]


def test_a_staged_partition_duckdb_cannot_insert_is_refused_and_the_table_is_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    io = hw.DuckDBIOManager(db)
    key = hw.AssetKey("events")
    io.save(key, "p1", pd.DataFrame({"n": [1]}))
    io.stage(key, "p2", pd.DataFrame({"n": ["not a number"]}), "run1")
    with pytest.raises(IOManagerError, match=r"^cannot publish staged tables in .*warehouse.duckdb: .*Conversion"):
        io.publish([Staged(key, "p2", "run1")])
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT _partition, n FROM main.events").fetchall() == [("p1", 1)]
    staged: Any = io.load_staged(key, "p2", "run1")  # the staged value is still there to fix or discard
    assert list(staged["n"]) == ["not a number"]
