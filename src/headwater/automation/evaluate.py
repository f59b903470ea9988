"""Evaluate one schedule or sensor at a chosen time without the daemon: what its tick would request.

``hw.evaluate_schedule`` and ``hw.evaluate_sensor`` are for tests of a project's automation and for
``headwater automation tick NAME --at TIME``; they queue nothing and record no tick.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from headwater.automation.schedules import tick_request
from headwater.automation.sensors import evaluate, targeted
from headwater.automation.switches import instigator_kind
from headwater.definitions import Definitions, RunRequest, Schedule, SensorResult, SensorSpec
from headwater.definitions.cron import latest_tick
from headwater.errors import DefinitionError
from headwater.graph import AssetGraph
from headwater.state.columns import HasStorage
from headwater.storage import Storage


def moment(at: datetime | float, timezone: str = "UTC") -> float:
    """A timestamp for ``at``: a naive datetime is read in ``timezone``."""
    if isinstance(at, datetime):
        return (at if at.tzinfo is not None else at.replace(tzinfo=ZoneInfo(timezone))).timestamp()
    return float(at)


def find_schedule(defs: Definitions, name: str) -> Schedule:
    """The schedule ``name`` of ``defs``; an error naming the known ones (or saying it is a sensor)."""
    kind = instigator_kind(defs, name, listed_by="`headwater automation schedules` lists the schedules")
    if kind != "schedule":
        raise DefinitionError(f"'{name}' is a {kind}, not a schedule: evaluate it with hw.evaluate_sensor(...)")
    found: Schedule = next(s for s in defs.schedules if s.name == name)
    return found


def find_sensor(defs: Definitions, name: str) -> SensorSpec:
    """The sensor ``name`` of ``defs``; an error naming the known ones (or saying it is a schedule)."""
    kind = instigator_kind(defs, name, listed_by="`headwater automation sensors` lists the sensors")
    if kind != "sensor":
        raise DefinitionError(f"'{name}' is a {kind}, not a sensor: evaluate it with hw.evaluate_schedule(...)")
    found: SensorSpec = next(s for s in defs.sensors if s.name == name)
    return found


def evaluate_schedule(defs: Definitions, name: str, *, at: datetime | float) -> list[RunRequest]:
    """The runs the schedule ``name`` requests at its latest tick at or before ``at``.

    A naive ``at`` is read in the schedule's timezone. The request has the selection, partition
    (the latest complete one for time-partitioned assets without ``partition=``), config and tags
    the daemon would queue, and a ``run_key`` naming the tick.
    """
    schedule = find_schedule(defs, name)
    tick = latest_tick(schedule.cron, schedule.timezone, moment(at, schedule.timezone))
    return [tick_request(schedule, tick, AssetGraph.from_definitions(defs), defs.jobs)]


def evaluate_sensor(
    defs: Definitions,
    name: str,
    *,
    at: datetime | float,
    cursor: str | None = None,
    instance: HasStorage | None = None,
) -> SensorResult:
    """What the sensor ``name`` returns at ``at`` (naive: UTC) given ``cursor``: its run requests (with
    the sensor's selection and tags filled in), next cursor and skip reason.

    Built-in sensors and ``context.instance`` read ``instance``'s event log (an empty one in memory
    when None). Nothing is queued or recorded and no webhook is posted.
    """
    sensor = find_sensor(defs, name)
    storage = instance.storage if instance is not None else Storage.in_memory()
    try:
        outcome = evaluate(
            storage, sensor, cursor, None, moment(at), AssetGraph.from_definitions(defs), alert=False, jobs=defs.jobs
        )
    finally:
        if instance is None:
            storage.close()
    requests = [targeted(sensor, request, defs.jobs) for request in outcome.requests]
    return SensorResult(
        run_requests=requests,
        cursor=outcome.cursor,
        skip_reason=outcome.skip_reason,
        dynamic_partitions_requests=outcome.partition_changes,
    )


def describe_time(timestamp: float, timezone: str = "UTC") -> str:
    """A tick time as ISO 8601 in ``timezone``."""
    return datetime.fromtimestamp(timestamp, ZoneInfo(timezone) if timezone != "UTC" else UTC).isoformat()
