"""What a sensor tick records when the sensor cannot run: a file sensor's folder that is not there."""

from __future__ import annotations

from pathlib import Path

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
