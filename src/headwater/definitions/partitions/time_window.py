"""Time-window partitions: hourly, daily, weekly (weeks start on Monday) and monthly.

Keys are computed from their position by date arithmetic, so three years of daily keys
cost nothing until read. A key's window is ``[start, end)`` in the definition's
timezone. Without ``end`` the last partition is the last window that has ended by now
(plus ``end_offset`` more); ``end`` itself is exclusive.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from headwater.definitions.partitions.base import IndexedKeys, KeyContext, PartitionsDefinition, TimeWindow
from headwater.errors import DefinitionError

_HOUR = timedelta(hours=1)


def _zone(name: str, owner: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise DefinitionError(
            f"{owner}: timezone {name!r} is not a known IANA timezone; use a name such as 'UTC', "
            "'Europe/Paris' or 'America/New_York'"
        ) from None


def _naive(moment: datetime, zone: ZoneInfo) -> datetime:
    """Local wall-clock time of ``moment`` (already naive, or aware in any zone)."""
    return moment if moment.tzinfo is None else moment.astimezone(zone).replace(tzinfo=None)


def _has_dst(zone: ZoneInfo) -> bool:
    year = datetime.now(UTC).year
    return len({datetime(year, month, 1, tzinfo=zone).utcoffset() for month in (1, 4, 7, 10)}) > 1


def _instant(value: Any, zone: ZoneInfo, owner: str, what: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise DefinitionError(
                f"{owner}: {what}={value!r} is not a date or time; write it like '2026-01-01' or '2026-01-01 06:00'"
            ) from None
    else:
        raise DefinitionError(f"{owner}: {what} must be a date, a datetime or a string like '2026-01-01'")
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


@dataclass(frozen=True, kw_only=True, init=False)
class TimeWindowPartitions(PartitionsDefinition):
    """Partitions of equal calendar windows from ``start`` (see the subclasses)."""

    grain: ClassVar[str] = "day"
    default_fmt: ClassVar[str] = "%Y-%m-%d"

    start: datetime
    end: datetime | None = None
    timezone: str = "UTC"
    fmt: str = "%Y-%m-%d"
    end_offset: int = 0

    def __init__(
        self,
        start: str | date | datetime,
        end: str | date | datetime | None = None,
        *,
        timezone: str = "UTC",
        fmt: str | None = None,
        end_offset: int = 0,
    ) -> None:
        owner = type(self).__name__
        zone = _zone(timezone, owner)
        first = self._align_up(_instant(start, zone, owner, "start"), zone)
        last = None if end is None or end == "now" else _instant(end, zone, owner, "end")
        if last is not None and last < first:
            raise DefinitionError(
                f"{owner}: start {first:%Y-%m-%d %H:%M} is after end {last:%Y-%m-%d %H:%M}; "
                "give an end later than the start, or no end to run up to now"
            )
        if not isinstance(end_offset, int) or isinstance(end_offset, bool):
            raise DefinitionError(f"{owner}: end_offset must be a whole number of partitions, got {end_offset!r}")
        pattern = fmt or self._default_fmt(zone)
        if not isinstance(pattern, str) or first.strftime(pattern) == pattern:
            raise DefinitionError(f"{owner}: fmt={pattern!r} has no date fields; use e.g. '%Y-%m-%d'")
        object.__setattr__(self, "start", first)
        object.__setattr__(self, "end", last)
        object.__setattr__(self, "timezone", timezone)
        object.__setattr__(self, "fmt", pattern)
        object.__setattr__(self, "end_offset", end_offset)
        if _naive(datetime.strptime(first.strftime(pattern), pattern), zone) != first.replace(tzinfo=None):
            raise DefinitionError(
                f"{owner}: fmt={pattern!r} does not keep enough of the date to read a key back "
                f"(it prints {first.strftime(pattern)!r}); add the missing fields"
            )

    # -- calendar arithmetic, overridden per grain ------------------------------------------------

    def _default_fmt(self, zone: ZoneInfo) -> str:
        return self.default_fmt

    @staticmethod
    def _align_up(moment: datetime, zone: ZoneInfo) -> datetime:
        day = moment.date() if moment.time() == time() else moment.date() + timedelta(days=1)
        return datetime.combine(day, time(), tzinfo=zone)

    def _date_at(self, index: int) -> date:
        """The local date window ``index`` starts on (day, week and month grains)."""
        return self._start_date + timedelta(days=index)

    @cached_property
    def _start_date(self) -> date:
        return self.start.date()

    def _boundary(self, index: int) -> datetime:
        """The start of window ``index`` (aware, in the timezone)."""
        return datetime.combine(self._date_at(index), time(), tzinfo=self._tz)

    def _floor_local(self, local: datetime) -> int:
        return (local.date() - self.start.date()).days

    def _floor(self, moment: datetime) -> int:
        """The index of the window containing ``moment`` (may be outside the key range)."""
        return self._floor_local(moment.astimezone(self._tz).replace(tzinfo=None))

    # -- the PartitionsDefinition interface --------------------------------------------------------

    @cached_property
    def _tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def count(self, ctx: KeyContext | None = None) -> int:
        """How many partitions exist at ``ctx.now`` (default: the current time)."""
        if self.end is not None:
            limit = self.end
        else:
            now = ctx.now if ctx is not None and ctx.now is not None else None
            limit = now if now is not None else datetime.now(UTC)
            if limit.tzinfo is None:
                limit = limit.replace(tzinfo=self._tz)
        return max(self._floor(limit) + self.end_offset, 0)

    def key_at(self, index: int) -> str:
        """The key of window ``index``."""
        if self._iso:
            return self._date_at(index).isoformat()
        return self._boundary(index).strftime(self.fmt)

    @cached_property
    def _iso(self) -> bool:
        # isoformat() is many times faster than strftime, and keys are formatted by the thousand.
        return self.fmt == "%Y-%m-%d" and self.grain != "hour"

    def _index_of(self, key: str) -> int | None:
        try:
            local = datetime.strptime(key, self.fmt)
        except (ValueError, TypeError):
            return None
        index = self._floor(local if local.tzinfo is not None else local.replace(tzinfo=self._tz))
        return index if index >= 0 and self.key_at(index) == key else None

    def keys(self, ctx: KeyContext | None = None) -> Sequence[str]:
        return IndexedKeys(self.key_at, self._index_of, self.count(ctx), iterate=self._iterate)

    def _iterate(self, start: int, stop: int) -> Iterator[str]:
        step = {"day": 1, "week": 7}.get(self.grain)
        if not self._iso or step is None:
            yield from (self.key_at(i) for i in range(start, stop))
            return
        base = self._start_date.toordinal()
        fromordinal = date.fromordinal
        for i in range(start, stop):
            yield fromordinal(base + i * step).isoformat()

    def position(self, key: str, ctx: KeyContext | None = None) -> int | None:
        index = self._index_of(key)
        return index if index is not None and index < self.count(ctx) else None

    def time_window(self, key: str) -> TimeWindow | None:
        index = self._index_of(key)
        if index is None:
            return None
        return self.window_at(index)

    def window_at(self, index: int) -> TimeWindow:
        """The window of position ``index``."""
        return TimeWindow(self._boundary(index), self._boundary(index + 1))

    def overlapping(self, window: TimeWindow) -> range:
        """Positions of the windows that overlap ``window`` (not clipped to the key range)."""
        first = self._floor(window.start)
        last = self._floor(window.end)
        if self._boundary(last) >= window.end:
            last -= 1
        return range(first, max(last + 1, first))

    def starting_between(self, first: str, last: str, ctx: KeyContext | None = None) -> Sequence[str]:
        """Keys of the windows that start between the dates or times ``first`` and ``last`` (both included).

        Lets a range written in another grain (``2026-01-01...2026-03-31``) select weekly or monthly keys.
        """
        owner = type(self).__name__
        start = _instant(first, self._tz, owner, "range start")
        end = _instant(last, self._tz, owner, "range end")
        low = self._floor(start)
        if self._boundary(low) < start:
            low += 1
        high = min(self._floor(end), self.count(ctx) - 1)
        return self.keys(ctx)[max(low, 0) : max(high + 1, 0)]

    def describe(self) -> str:
        span = f"from {self.key_at(0)}"
        if self.end is not None:
            span += f" to before {self.end:%Y-%m-%d %H:%M}"
        return f"{type(self).__name__} {span} ({self.timezone})"

    def suggest(self, key: str, keys: Sequence[str]) -> str:
        try:
            datetime.strptime(key, self.fmt)
        except ValueError:
            return super().suggest(key, keys)
        return ""  # a well-formed date outside the range: the hint says which side

    def key_hint(self, key: str) -> str:
        try:
            local = datetime.strptime(key, self.fmt)
        except ValueError:
            return f"; keys are written like {self.key_at(0)!r} (format {self.fmt!r})"
        if self._floor(local if local.tzinfo is not None else local.replace(tzinfo=self._tz)) < 0:
            return f"; it is before the first partition {self.key_at(0)!r}"
        return "; it is after the last partition (windows must have ended; end_offset=1 adds the current one)"


@dataclass(frozen=True, kw_only=True, init=False)
class DailyPartitions(TimeWindowPartitions):
    """One partition per calendar day in ``timezone``, keys like ``2026-01-31``."""


@dataclass(frozen=True, kw_only=True, init=False)
class HourlyPartitions(TimeWindowPartitions):
    """One partition per hour, keys like ``2026-01-31-13:00``; steps are real hours across DST changes.

    In a timezone with daylight saving time the default keys end with the UTC offset
    (``2026-10-25-02:00+0200``, then ``2026-10-25-02:00+0100``), so the repeated hour keeps two keys.
    """

    grain: ClassVar[str] = "hour"
    default_fmt: ClassVar[str] = "%Y-%m-%d-%H:%M"

    def _default_fmt(self, zone: ZoneInfo) -> str:
        # Where clocks go back, one local hour happens twice: the UTC offset keeps its keys apart.
        return self.default_fmt + "%z" if _has_dst(zone) else self.default_fmt

    @staticmethod
    def _align_up(moment: datetime, zone: ZoneInfo) -> datetime:
        whole = moment.replace(minute=0, second=0, microsecond=0)
        return whole if whole == moment else (whole.astimezone(UTC) + _HOUR).astimezone(zone)

    def _boundary(self, index: int) -> datetime:
        return (self._start_utc + index * _HOUR).astimezone(self._tz)

    def _floor(self, moment: datetime) -> int:
        return math.floor((moment - self._start_utc) / _HOUR)

    @cached_property
    def _start_utc(self) -> datetime:
        return self.start.astimezone(UTC)


@dataclass(frozen=True, kw_only=True, init=False)
class WeeklyPartitions(TimeWindowPartitions):
    """One partition per week starting on Monday; the key is the Monday, like ``2026-01-05``."""

    grain: ClassVar[str] = "week"

    @staticmethod
    def _align_up(moment: datetime, zone: ZoneInfo) -> datetime:
        day = TimeWindowPartitions._align_up(moment, zone).date()
        return datetime.combine(day + timedelta(days=(7 - day.weekday()) % 7), time(), tzinfo=zone)

    def _date_at(self, index: int) -> date:
        return self._start_date + timedelta(days=7 * index)

    def _floor_local(self, local: datetime) -> int:
        return (local.date() - self.start.date()).days // 7


@dataclass(frozen=True, kw_only=True, init=False)
class MonthlyPartitions(TimeWindowPartitions):
    """One partition per calendar month; the key is its first day, like ``2026-01-01``."""

    grain: ClassVar[str] = "month"

    @staticmethod
    def _align_up(moment: datetime, zone: ZoneInfo) -> datetime:
        day = TimeWindowPartitions._align_up(moment, zone).date()
        if day.day != 1:
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return datetime.combine(day, time(), tzinfo=zone)

    def _date_at(self, index: int) -> date:
        month = self.start.year * 12 + self.start.month - 1 + index
        return date(month // 12, month % 12 + 1, 1)

    def _floor_local(self, local: datetime) -> int:
        return (local.year - self.start.year) * 12 + local.month - self.start.month
