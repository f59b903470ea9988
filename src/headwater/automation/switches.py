"""What can be switched on and off: each schedule, each sensor, and ``asset_automation`` (every
asset condition at once); whether each is on, and the one JSON shape of a schedule, a sensor and a
tick that ``headwater automation --json`` and the web API both print."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from headwater.definitions import Definitions
from headwater.definitions.cron import next_tick
from headwater.errors import HeadwaterError, did_you_mean

if TYPE_CHECKING:
    from headwater.definitions.schedule import Schedule
    from headwater.definitions.sensor import SensorSpec
    from headwater.storage.automation import InstigatorState, TickRecord

CONDITIONS: Final = "asset_automation"
"""The switch of every asset condition at once (on unless switched off)."""


class UnknownInstigator(HeadwaterError):
    """No schedule or sensor has this name."""


def instigator_kind(defs: Definitions, name: str, *, listed_by: str) -> str:
    """``schedule``, ``sensor`` or ``asset_automation`` for ``name``; UnknownInstigator naming the known ones."""
    kinds = {s.name: "schedule" for s in defs.schedules} | {s.name: "sensor" for s in defs.sensors}
    kinds[CONDITIONS] = CONDITIONS
    if name not in kinds:
        raise UnknownInstigator(
            f"no schedule or sensor named '{name}' in these definitions{did_you_mean(name, kinds)}; "
            f"known: {', '.join(sorted(kinds))} ({listed_by})"
        )
    return kinds[name]


def is_on(state: InstigatorState | None, default_status: str) -> bool:
    """Whether a schedule or sensor is on: as last switched, else as declared (``default_status``).

    ``asset_automation`` is declared ``"running"``. The daemon ticks by this answer and the CLI and
    web API show it, so what is shown is what runs.
    """
    if state is None or state.enabled is None:
        return default_status == "running"
    return state.enabled


def schedule_json(schedule: Schedule, states: Mapping[str, InstigatorState], now: float) -> dict[str, Any]:
    """A schedule with its switch, last tick and next tick (after ``now``) as JSON."""
    found = states.get(schedule.name)
    return {
        "name": schedule.name,
        "on": is_on(found, schedule.default_status),
        "cron": schedule.cron,
        "timezone": schedule.timezone,
        "select": schedule.select,
        "job": schedule.job,
        "description": schedule.description,
        "last_tick_at": found.last_tick_at if found else None,
        "next_tick_at": next_tick(schedule.cron, schedule.timezone, now),
    }


def sensor_json(
    sensor: SensorSpec,
    states: Mapping[str, InstigatorState],
    last: TickRecord | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """A sensor with its switch, last tick and cursor as JSON; with its ``last`` tick, how long that
    evaluation took (``last_duration``), how late it started (``last_lag``) and ``lag``: that, or how
    overdue the sensor is at ``now`` if more (a stopped daemon shows a growing lag)."""
    found = states.get(sensor.name)
    duration, last_lag = (last.duration, last.lag) if last is not None else (None, None)
    lag = last_lag
    if found is not None and found.last_tick_at is not None and now is not None:
        behind = now - (found.last_tick_at + sensor.interval)
        lag = max(lag or 0.0, round(behind, 4)) if behind > 0 else lag
    return {
        "last_evaluated_at": last.timestamp if last is not None else None,
        "last_duration": duration,
        "last_lag": last_lag,
        "lag": lag,
        "name": sensor.name,
        "on": is_on(found, sensor.default_status),
        "kind": sensor.kind,
        "interval": sensor.interval,
        "select": sensor.select,
        "job": sensor.job,
        "description": sensor.description,
        "last_tick_at": found.last_tick_at if found else None,
        "cursor": found.cursor if found else None,
    }


def tick_json(tick: TickRecord) -> dict[str, Any]:
    """A tick with the runs it requested as JSON."""
    return {
        "id": tick.id,
        "instigator": tick.instigator,
        "kind": tick.kind,
        "timestamp": tick.timestamp,
        "status": tick.status,
        "run_ids": list(tick.run_ids),
        "error": tick.error,
        "data": tick.data,
    }
