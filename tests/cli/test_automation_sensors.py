"""``headwater automation sensors`` shows each sensor's last evaluation, how long it took and its lag."""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import run, write

SENSORS = """
import headwater as hw

@hw.asset
def first() -> int:
    return 1

@hw.sensor(interval=5)
def poll():
    return None

defs = hw.Definitions(assets=[first], sensors=[poll, hw.asset_sensor("watch_first", asset="first", select="first")])
"""


def test_sensors_show_last_evaluation_duration_and_lag(tmp_path: Path, home: Path) -> None:
    project = write(tmp_path, "defs.py", SENSORS)
    before = json.loads(run("automation", "sensors", "-f", str(project), "--json", ok=True).output)
    assert [(s["name"], s["last_evaluated_at"], s["last_duration"], s["lag"]) for s in before] == [
        ("poll", None, None, None),
        ("watch_first", None, None, None),
    ]
    run("daemon", "-f", str(project), "--once", ok=True)
    after = json.loads(run("automation", "sensors", "-f", str(project), "--json", ok=True).output)
    for sensor in after:
        assert sensor["last_evaluated_at"] == sensor["last_tick_at"] is not None
        assert sensor["last_duration"] >= 0 and sensor["last_lag"] >= 0 and sensor["lag"] >= sensor["last_lag"]
    table = run("automation", "sensors", "-f", str(project), ok=True).output
    header = next(line for line in table.splitlines() if "name" in line)
    assert header.index("last tick") < header.index("took") < header.index("lag") < header.index("cursor")
