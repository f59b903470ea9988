"""Each sensor tick records how long the sensor's evaluation took and how late it started after the
sensor was due; ``sensor_json`` (the CLI's and the web API's shape) shows them, and a growing lag
while no daemon evaluates the sensor."""

from __future__ import annotations

import time

import headwater as hw
from headwater.automation import Daemon
from headwater.automation.switches import sensor_json
from headwater.storage.automation import AutomationStore


@hw.sensor(interval=30)
def quiet() -> None:
    return None


@hw.sensor(interval=30)
def broken_sensor() -> None:
    raise RuntimeError("the API is down")


def test_sensor_ticks_record_duration_and_lag(instance: hw.Instance) -> None:
    defs = hw.Definitions(sensors=[quiet, broken_sensor])
    daemon = Daemon(instance.storage, defs, launch=False)
    store = AutomationStore(instance.storage)
    start = time.time()
    daemon.tick(now=start)
    daemon.tick(now=start + 1030)  # due at start + 30: a thousand seconds late
    latest = store.latest_ticks(["quiet", "broken_sensor", "nothing"])
    assert set(latest) == {"quiet", "broken_sensor"}
    for name in ("quiet", "broken_sensor"):
        first, second = store.list_ticks(name)[::-1]
        assert latest[name] == second
        took, lag = second.duration, second.lag
        assert took is not None and took >= 0
        assert lag is not None and 1000 <= lag < 1060  # plus the seconds the tick spent before this sensor
        first_lag = first.lag
        assert first_lag is not None and first_lag < 60  # a new sensor is due at once
    assert latest["broken_sensor"].status == "failed"
    states = store.instigator_states()
    shown = sensor_json(quiet, states, latest["quiet"], start + 1030)
    assert shown["last_evaluated_at"] == start + 1030 and shown["last_duration"] == latest["quiet"].duration
    assert shown["lag"] == shown["last_lag"]
    stopped = sensor_json(quiet, states, latest["quiet"], start + 1030 + 3600)  # no daemon for an hour
    assert stopped["last_lag"] == shown["last_lag"] and stopped["lag"] == 3600 - 30
    never = sensor_json(quiet, {}, None, start)
    assert (never["last_evaluated_at"], never["last_duration"], never["lag"]) == (None, None, None)
