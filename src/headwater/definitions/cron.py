"""Cron expressions and time zones for schedules and conditions, checked once at definition time.

Parsing and iteration come from ``croniter`` (a maintained cron library); this module only turns
its errors into messages that say where and how to fix, reads the aliases (``@daily``, ...) and
computes tick times.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from headwater.errors import DefinitionError, did_you_mean

ALIASES: Final = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
"""Cron aliases and the five fields each stands for (``@weekly`` is Sunday at midnight)."""


def expand(cron: str) -> str:
    """The five-field expression of ``cron`` (an alias such as ``@daily``, or already five fields)."""
    text = cron.strip()
    return ALIASES.get(text.lower(), cron) if text.startswith("@") else cron


def check_cron(cron: str, timezone: str, *, where: str) -> str:
    """Return ``cron`` if it is a valid 5-field cron expression (or an alias) and ``timezone`` a known zone."""
    if isinstance(cron, str) and cron.strip().startswith("@") and cron.strip().lower() not in ALIASES:
        raise DefinitionError(
            f"{where}: cron={cron!r} is not a known cron alias{did_you_mean(cron.strip().lower(), ALIASES)}; "
            f"use one of {', '.join(ALIASES)} or five fields such as '0 2 * * *'"
        )
    cron_fields = expand(cron.strip()) if isinstance(cron, str) else ""
    if not isinstance(cron, str) or not croniter.is_valid(cron_fields) or len(cron_fields.split()) != 5:
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
    return float(croniter(expand(cron), datetime.fromtimestamp(after, ZoneInfo(timezone))).get_next(float))


def latest_tick(cron: str, timezone: str, now: float) -> float:
    """The timestamp of the latest tick of ``cron`` at or before ``now``."""
    local = datetime.fromtimestamp(now, ZoneInfo(timezone))
    cron = expand(cron)
    it = croniter(cron, local)
    if it.match(cron, local) and local.second == 0 and local.microsecond == 0:
        return now
    return float(it.get_prev(float))


def ticks_between(cron: str, timezone: str, after: float, until: float, *, limit: int = 1000) -> list[float]:
    """Tick timestamps in ``(after, until]``, oldest first, at most ``limit`` (the latest ones)."""
    it = croniter(expand(cron), datetime.fromtimestamp(after, ZoneInfo(timezone)))
    found: list[float] = []
    while True:
        tick = float(it.get_next(float))
        if tick > until:
            return found
        found.append(tick)
        if len(found) > limit:
            del found[0]
