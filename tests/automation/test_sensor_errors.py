"""What a sensor tick records when the sensor cannot run: a file sensor's folder that is not there."""

from __future__ import annotations

from pathlib import Path

import pytest

import headwater as hw
from headwater.automation import Daemon
from headwater.storage.automation import AutomationStore


@hw.asset
def orders() -> int:
    return 1


def test_a_file_sensor_on_a_missing_folder_fails_its_tick_saying_so(instance: hw.Instance, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    defs = hw.Definitions(
        assets=[orders], sensors=[hw.file_sensor("drops", folder=str(inbox), select="orders", interval=1)]
    )
    Daemon(instance.storage, defs, launch=False).tick(now=10.0)
    [tick] = AutomationStore(instance.storage).list_ticks("drops")
    assert tick.status == "failed"
    assert tick.error == (
        f"sensor 'drops' failed: DefinitionError: file sensor 'drops': folder {inbox} does not exist or is not a "
        "folder; create it or fix folder= in hw.file_sensor(...)"
    )


def test_a_sensor_watching_an_asset_that_is_not_defined_is_refused_with_did_you_mean() -> None:
    @hw.asset
    def customers() -> int:
        return 1

    watching = hw.asset_sensor("on_orders", asset="ordres", select="customers")
    with pytest.raises(hw.DefinitionError) as raised:
        hw.AssetGraph.from_definitions(hw.Definitions(assets=[orders, customers], sensors=[watching]))
    assert str(raised.value) == (
        "sensor 'on_orders' watches asset 'ordres', which is not in these definitions (did you mean 'orders'?); "
        "fix the key (`headwater assets list` shows every key)"
    )
    both = hw.multi_asset_sensor("both", assets=["orders", "customer"], select="orders")
    with pytest.raises(hw.DefinitionError, match="sensor 'both' watches asset 'customer', which is not in these"):
        hw.AssetGraph.from_definitions(hw.Definitions(assets=[orders, customers], sensors=[both]))
    known = hw.multi_asset_sensor("known", assets=["orders", "customers"], select="orders")
    assert len(hw.AssetGraph.from_definitions(hw.Definitions(assets=[orders, customers], sensors=[known]))) == 2
