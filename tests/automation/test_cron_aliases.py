"""Cron aliases (``@hourly``, ``@daily``, ``@weekly``, ``@monthly``, ``@yearly``, ``@midnight``) in
schedules and conditions, and the error for an alias that does not exist."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import headwater as hw
from headwater.automation import Daemon
from headwater.definitions.cron import next_tick
from headwater.storage.run_queue import RunQueueStore


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="minutes")


@pytest.mark.parametrize(
    ("alias", "after", "expected"),
    [
        ("@hourly", "2026-01-07T10:20", "2026-01-07T11:00+00:00"),
        ("@daily", "2026-01-07T10:20", "2026-01-08T00:00+00:00"),
        ("@midnight", "2026-01-07T10:20", "2026-01-08T00:00+00:00"),
        ("@weekly", "2026-01-07T10:20", "2026-01-11T00:00+00:00"),  # the next Sunday
        ("@monthly", "2026-01-07T10:20", "2026-02-01T00:00+00:00"),
        ("@yearly", "2026-01-07T10:20", "2027-01-01T00:00+00:00"),
    ],
)
def test_aliases_tick_when_they_say(alias: str, after: str, expected: str) -> None:
    schedule = hw.Schedule("s", cron=alias)
    assert _iso(next_tick(schedule.cron, schedule.timezone, _at(after))) == expected


@hw.asset
def orders() -> int:
    return 1


def test_a_daily_schedule_runs_at_midnight(instance: hw.Instance) -> None:
    defs = hw.Definitions(assets=[orders], schedules=[hw.Schedule("nightly", cron="@daily", select="orders")])
    daemon = Daemon(instance.storage, defs, launch=False)
    daemon.tick(now=_at("2026-01-07T22:00"))
    daemon.tick(now=_at("2026-01-07T23:59"))
    assert RunQueueStore(instance.storage).queue(launched=False) == []
    daemon.tick(now=_at("2026-01-08T00:00:30"))
    [queued] = RunQueueStore(instance.storage).queue(launched=False)
    assert queued.run.tags["headwater/schedule"] == "nightly"


def test_on_cron_takes_an_alias() -> None:
    assert hw.on_cron("@hourly").describe() == "on_cron('@hourly')"


def test_an_unknown_alias_says_which_exist() -> None:
    with pytest.raises(hw.DefinitionError) as raised:
        hw.Schedule("nightly", cron="@dayly")
    assert str(raised.value) == (
        "schedule 'nightly': cron='@dayly' is not a known cron alias (did you mean '@daily' or '@yearly'?); use one of "
        "@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or five fields such as '0 2 * * *'"
    )
    with pytest.raises(hw.DefinitionError, match="cron='@often' is not a known cron alias; use one of @yearly"):
        hw.on_cron("@often")
