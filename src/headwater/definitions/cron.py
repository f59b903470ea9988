"""Cron expressions and time zones for schedules and conditions, checked once at definition time.

Parsing and iteration come from ``croniter`` (a maintained cron library); this module only turns
its errors into messages that say where and how to fix, and computes tick times.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from headwater.errors import DefinitionError


def check_cron(cron: str, timezone: str, *, where: str) -> str:
    """Return ``cron`` if it is a valid 5-field cron expression and ``timezone`` a known zone."""
    if not isinstance(cron, str) or not croniter.is_valid(cron) or len(cron.split()) != 5:
        raise DefinitionError(
            f"{where}: cron={cron!r} is not a valid cron expression; use five fields "
            "'minute hour day-of-month month day-of-week', e.g. '0 2 * * *' for 02:00 every day"
        )
    zone(timezone, where=where)
    return cron


def zone(timezone: str, *, where: str) -> ZoneInfo:
    """The ZoneInfo for ``timezone``; DefinitionError naming ``where`` when it is unknown."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise DefinitionError(
            f"{where}: timezone={timezone!r} is not a known time zone; use an IANA name such as 'UTC' or 'Europe/Paris'"
        ) from None


def next_tick(cron: str, timezone: str, after: float) -> float:
    """The timestamp of the first tick of ``cron`` after ``after``."""
    return float(croniter(cron, datetime.fromtimestamp(after, ZoneInfo(timezone))).get_next(float))


def latest_tick(cron: str, timezone: str, now: float) -> float:
    """The timestamp of the latest tick of ``cron`` at or before ``now``."""
    local = datetime.fromtimestamp(now, ZoneInfo(timezone))
    it = croniter(cron, local)
    if it.match(cron, local) and local.second == 0 and local.microsecond == 0:
        return now
    return float(it.get_prev(float))


def ticks_between(cron: str, timezone: str, after: float, until: float, *, limit: int = 1000) -> list[float]:
    """Tick timestamps in ``(after, until]``, oldest first, at most ``limit`` (the latest ones)."""
    it = croniter(cron, datetime.fromtimestamp(after, ZoneInfo(timezone)))
    found: list[float] = []
    while True:
        tick = float(it.get_next(float))
        if tick > until:
            return found
        found.append(tick)
        if len(found) > limit:
            del found[0]
