"""Schedules, sensors and declarative automation conditions as declared data, with their errors."""

from __future__ import annotations

from datetime import datetime

import pytest

import headwater as hw
from headwater.definitions.cron import latest_tick, ticks_between


def test_schedule_defaults_and_partition_function() -> None:
    schedule = hw.Schedule("nightly", cron="0 2 * * *", select="group:finance", timezone="Europe/Paris")
    assert (schedule.name, schedule.missed_ticks, schedule.default_status) == ("nightly", "latest", "running")
    assert schedule.partition_for(datetime(2026, 1, 2)) is None
    daily = hw.Schedule("daily", cron="0 0 * * *", partition=lambda tick: tick.strftime("%Y-%m-%d"))
    assert daily.partition_for(datetime(2026, 1, 2)) == "2026-01-02"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cron": "0 2 * *"}, "schedule 'nightly': cron='0 2 * *' is not a valid cron expression; use five fields"),
        ({"cron": "61 * * * *"}, "cron='61 * * * *' is not a valid cron expression"),
        ({"cron": "0 2 * * *", "timezone": "Mars/Olympus"}, "timezone='Mars/Olympus' is not a known time zone"),
        ({"cron": "0 2 * * *", "missed_ticks": "some"}, "missed_ticks='some' must be one of 'latest', 'all', 'skip'"),
        ({"cron": "0 2 * * *", "select": ""}, "select= must be a selection string"),
        ({"cron": "0 2 * * *", "tags": {"a": 1}}, "tags must be a dict of strings"),
        ({"cron": "0 2 * * *", "default_status": "on"}, "default_status='on' must be 'running' or 'stopped'"),
    ],
)
def test_schedule_errors_say_what_and_how(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(hw.DefinitionError, match=message.replace("(", r"\(").replace("*", r"\*")):
        hw.Schedule("nightly", **kwargs)  # type: ignore[arg-type]


def test_schedule_name_is_checked() -> None:
    with pytest.raises(hw.DefinitionError, match="invalid asset key part 'bad name' in hw.Schedule name"):
        hw.Schedule("bad name", cron="* * * * *")


def test_cron_ticks() -> None:
    day = 86400.0
    assert latest_tick("0 0 * * *", "UTC", 3 * day) == 3 * day
    assert latest_tick("0 0 * * *", "UTC", 3 * day + 5) == 3 * day
    assert ticks_between("0 0 * * *", "UTC", 0.0, 3 * day) == [day, 2 * day, 3 * day]
    assert ticks_between("0 0 * * *", "UTC", 0.0, 10 * day, limit=2) == [9 * day, 10 * day]


def test_sensor_decorator_keeps_the_function() -> None:
    @hw.sensor(select="orders+", interval=5)
    def new_orders(context: hw.SensorContext) -> hw.SensorResult:
        """Watch for new orders."""
        return hw.SensorResult(run_requests=[hw.RunRequest(partition="a")], cursor=context.cursor)

    assert (new_orders.name, new_orders.interval, new_orders.select, new_orders.kind) == (
        "new_orders",
        5.0,
        "orders+",
        "function",
    )
    assert new_orders.description == "Watch for new orders."
    assert new_orders.wants_context
    context = hw.SensorContext(name="new_orders", cursor="7", last_tick_at=None, now=0.0)
    assert new_orders(context).cursor == "7"


def test_sensor_errors() -> None:
    with pytest.raises(hw.DefinitionError, match=r"interval=0 must be a number of seconds > 0, e.g. interval=30"):
        hw.sensor(interval=0, name="s")(lambda: None)
    lambda_message = r"@hw.sensor on a lambda \(.*\) needs a name: use @hw.sensor\(name='...'\)"
    with pytest.raises(hw.DefinitionError, match=lambda_message):
        hw.sensor()(lambda: None)
    with pytest.raises(hw.DefinitionError, match=r"takes one parameter at most \(context: hw.SensorContext\)"):

        @hw.sensor()
        def two(a: object, b: object) -> None: ...

    with pytest.raises(hw.DefinitionError, match=r"run_requests item 0 is str, not hw.RunRequest"):
        hw.SensorResult(run_requests=["orders"])  # type: ignore[list-item]
    with pytest.raises(hw.DefinitionError, match="cursor= must be a string"):
        hw.SensorResult(cursor=3)  # type: ignore[arg-type]
    with pytest.raises(hw.DefinitionError, match="status='done' must be 'failure' or 'success'"):
        hw.run_status_sensor("alerts", status="done")
    with pytest.raises(hw.DefinitionError, match="webhook='ftp://x' must be an http:// or https:// URL"):
        hw.run_status_sensor("alerts", webhook="ftp://x")


def test_builtin_sensors() -> None:
    watch = hw.asset_sensor("orders_changed", asset="raw/orders", select="mart/*")
    assert (watch.kind, watch.asset, watch.select) == ("asset_materialized", hw.AssetKey("raw", "orders"), "mart/*")
    files = hw.file_sensor("drops", folder="/tmp/in", pattern="*.csv", select="orders")
    assert (files.kind, files.folder, files.pattern) == ("files", "/tmp/in", "*.csv")
    with pytest.raises(hw.DefinitionError, match="built-in sensor 'drops' has no function to call"):
        files()


def test_definitions_check_schedules_and_sensors() -> None:
    nightly = hw.Schedule("nightly", cron="0 2 * * *")
    with pytest.raises(hw.DefinitionError, match=r"Definitions\(schedules=...\) item 0 is str 'x': pass hw.Schedule"):
        hw.Definitions(schedules=["x"])
    with pytest.raises(hw.DefinitionError, match="the name 'nightly' is used by two schedules or sensors"):
        hw.Definitions(schedules=[nightly], sensors=[hw.asset_sensor("nightly", asset="a", select="b")])
    defs = hw.Definitions(schedules=[nightly])
    assert defs.schedules == (nightly,)


def test_conditions_compose_and_describe() -> None:
    c = hw.AutomationCondition
    combined = (c.missing() | c.stale()) & ~c.in_progress()
    assert combined.describe() == "((missing | stale) & ~in_progress)"
    assert [n.op for n in combined.nodes()] == ["and", "or", "missing", "stale", "not", "in_progress"]
    assert hw.eager().describe() == "eager"
    assert hw.on_cron("0 * * * *").describe() == "on_cron('0 * * * *')"
    assert hw.on_missing().label == "on_missing"
    assert c.cron_tick_passed("0 * * * *").describe() == "cron_tick_passed('0 * * * *')"
    with pytest.raises(TypeError, match="cannot combine an automation condition with str 'x' using &"):
        c.missing() & "x"  # type: ignore[operator]
    with pytest.raises(hw.DefinitionError, match="automation condition: cron='every day' is not a valid cron"):
        hw.on_cron("every day")


def test_asset_automation_parameter() -> None:
    @hw.asset(automation=hw.eager())
    def orders() -> int:
        return 1

    assert orders.automation == hw.eager()
    with pytest.raises(hw.DefinitionError, match=r"asset 'bad': automation= takes a condition such as hw.eager\(\)"):

        @hw.asset(automation="eager")  # type: ignore[call-overload]
        def bad() -> int:
            return 1
