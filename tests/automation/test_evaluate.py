"""Evaluating a schedule or a sensor at a chosen time without the daemon: ``hw.evaluate_schedule``,
``hw.evaluate_sensor`` and ``headwater automation tick NAME --at TIME [--dry-run]``."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import headwater as hw
from headwater.cli.main import cli
from headwater.storage.run_queue import RunQueueStore


@hw.asset(partitions=hw.DailyPartitions(start="2026-01-01"))
def events(context: hw.Context) -> str:
    return context.partition_key


@hw.asset
def orders() -> int:
    return 1


@hw.sensor(select="orders")
def crm(context: hw.SensorContext) -> hw.SensorResult:
    if context.cursor == "2":
        return hw.SensorResult(skip_reason="no new export")
    return hw.SensorResult(run_requests=[hw.RunRequest(run_key="crm-2")], cursor="2")


DEFS = hw.Definitions(
    assets=[events, orders],
    schedules=[hw.Schedule("nightly", cron="0 2 * * *", select="events", tags={"team": "data"})],
    sensors=[crm, hw.asset_sensor("after_orders", asset="orders", select="events", interval=5)],
)


def test_a_schedule_at_a_chosen_time_requests_its_partition() -> None:
    [request] = hw.evaluate_schedule(DEFS, "nightly", at=datetime(2026, 1, 5, 2, 0))
    assert (request.select, request.partition) == ("events", "2026-01-04")
    assert request.tags == {"team": "data", "headwater/schedule": "nightly"}
    # Between ticks it is the latest tick before the time that counts.
    [later] = hw.evaluate_schedule(DEFS, "nightly", at=datetime(2026, 1, 5, 23, 59))
    assert later.run_key == request.run_key and later.partition == "2026-01-04"


def test_a_sensor_is_called_with_the_cursor_given() -> None:
    first = hw.evaluate_sensor(DEFS, "crm", at=datetime(2026, 1, 5))
    assert [(r.select, r.run_key, r.tags["headwater/sensor"]) for r in first.run_requests] == [
        ("orders", "crm-2", "crm")
    ]
    assert first.cursor == "2"
    again = hw.evaluate_sensor(DEFS, "crm", at=datetime(2026, 1, 5), cursor=first.cursor)
    assert again.run_requests == () and again.skip_reason == "no new export"


def test_a_built_in_sensor_reads_the_instance(instance: hw.Instance) -> None:
    start = hw.evaluate_sensor(DEFS, "after_orders", at=0, instance=instance)
    instance.materialize(DEFS, "orders")
    found = hw.evaluate_sensor(DEFS, "after_orders", at=10, cursor=start.cursor, instance=instance)
    assert [r.select for r in found.run_requests] == ["events"]
    assert RunQueueStore(instance.storage).queue(launched=False) == []  # nothing queued


def test_unknown_names_and_the_wrong_kind() -> None:
    with pytest.raises(
        hw.HeadwaterError, match=r"no schedule or sensor named 'nightlly' .*\(did you mean 'nightly'\?\)"
    ):
        hw.evaluate_schedule(DEFS, "nightlly", at=0)
    with pytest.raises(hw.DefinitionError) as raised:
        hw.evaluate_schedule(DEFS, "crm", at=0)
    assert str(raised.value) == "'crm' is a sensor, not a schedule: evaluate it with hw.evaluate_sensor(...)"
    with pytest.raises(hw.DefinitionError) as raised:
        hw.evaluate_sensor(DEFS, "nightly", at=0)
    assert str(raised.value) == "'nightly' is a schedule, not a sensor: evaluate it with hw.evaluate_schedule(...)"


PROJECT = """
import headwater as hw


@hw.asset(partitions=hw.DailyPartitions(start="2026-01-01"))
def events(context: hw.Context) -> str:
    return context.partition_key


defs = hw.Definitions(assets=[events], schedules=[hw.Schedule("nightly", cron="0 2 * * *", select="events")])
"""


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_tick_dry_run_then_queue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEADWATER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("HEADWATER_STORAGE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "project.py").write_text(textwrap.dedent(PROJECT))
    args = ["automation", "tick", "nightly", "--at", "2026-01-05T02:00", "-f", "project.py"]
    dry = json.loads(_run(*args, "--dry-run", "--json"))
    assert dry["tick"] == "2026-01-05T02:00:00+00:00" and dry["run_ids"] == []
    assert [(r["select"], r["partition"]) for r in dry["requests"]] == [("events", "2026-01-04")]
    assert "dry run: nothing queued" in _run(*args, "--dry-run")
    with hw.Instance.get() as instance:
        assert RunQueueStore(instance.storage).queue(launched=False) == []
    queued = json.loads(_run(*args, "--json"))
    [run_id] = queued["run_ids"]
    assert json.loads(_run(*args, "--json"))["run_ids"] == []  # the tick was done: nothing twice
    with hw.Instance.get() as instance:
        [waiting] = RunQueueStore(instance.storage).queue(launched=False)
        assert (waiting.run.run_id, waiting.run.partition) == (run_id, "2026-01-04")
    bad = CliRunner().invoke(cli, ["automation", "tick", "nightly", "--at", "tomorrow", "-f", "project.py"])
    assert bad.exit_code == 2 and "'tomorrow' is not a time: give ISO 8601 such as 2026-01-05T02:00" in bad.output


SENSOR_PROJECT = """
import headwater as hw


@hw.asset
def orders() -> int:
    return 1


@hw.sensor(select="orders")
def crm(context: hw.SensorContext) -> hw.SensorResult:
    with open("calls.txt", "a") as calls:  # each evaluation of the sensor's code
        calls.write("call\\n")
    if context.cursor == "2":
        return hw.SensorResult(skip_reason="no new export")
    return hw.SensorResult(run_requests=[hw.RunRequest(run_key="crm-2")], cursor="2")


defs = hw.Definitions(assets=[orders], sensors=[crm])
"""


def test_cli_tick_a_sensor_advances_its_cursor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEADWATER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("HEADWATER_STORAGE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "project.py").write_text(textwrap.dedent(SENSOR_PROJECT))
    args = ["automation", "tick", "crm", "-f", "project.py", "--json"]
    dry = json.loads(_run(*args, "--dry-run"))
    assert (dry["kind"], dry["cursor"], dry["run_ids"]) == ("sensor", "2", [])
    first = json.loads(_run(*args))
    assert len(first["run_ids"]) == 1 and first["requests"][0]["run_key"] == "crm-2"
    assert first["cursor"] == "2"
    assert (tmp_path / "calls.txt").read_text().count("call") == 2  # once for --dry-run, once for the tick
    second = json.loads(_run(*args))
    assert second["run_ids"] == [] and second["skip_reason"] == "no new export"
